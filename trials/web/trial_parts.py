"""The parts of the trial page built in Python rather than in its template: the related trials'
cards and the sources panel's provenance table, lists whose loops in Jinja2 were half the
page's render (trials/web/trial_page.py puts them in the template's context).

Registry text is untrusted: every value is escaped here by filters.escape, the templates' own
escaping, before the whole is marked safe; the HTML is the template's, byte for byte.
"""

from __future__ import annotations

from django.utils.safestring import mark_safe

from trials.models import Trial
from trials.search.facets import label
from trials.web.filters import escape, humanize_enum, isodate, phase_tag, source_name

RELATED_ITEM = (
    '<li>\n      <a href="{url}">{title}</a>\n      <p>{status} {phases}</p>\n'
    '      <p class="muted">{about}</p>\n    </li>'
)
UNCONFIRMED_TAG = '<span class="status status-unconfirmed">Status not confirmed</span>'


def related_items(cards: list[Trial]) -> str:
    """The related trials' cards as list items. Built in Python (as filters.facet_items): six
    cards of loops over phases, conditions and drugs were a quarter of the page's render. Every
    value (registry text included) is escaped (filters.escape) before the whole is marked safe.
    """
    items = []
    for card in cards:
        if card.status_unconfirmed:
            status = UNCONFIRMED_TAG
        else:
            css, words = escape(str(card.status).lower()), escape(card.status_label)
            status = f'<span class="status status-{css}">{words}</span>'
        about = ", ".join(escape(label("condition", c)) for c in card.conditions)
        if card.conditions and card.drugs:
            about += " · "
        about += ", ".join(escape(label("drug", d)) for d in card.drugs)
        items.append(
            RELATED_ITEM.format(
                url=escape(card.page_url),
                title=escape(card.title),
                status=status,
                phases="".join(
                    f'<span class="tag">{escape(phase_tag(p))}</span> ' for p in card.phases
                ),
                about=about,
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - every value escaped above


PROVENANCE_ROW = "<tr><td>{field}{disputed}</td><td>{source}</td><td>{refreshed}</td></tr>"
DISPUTED = ' <span class="disagree">(disputed)</span>'


def provenance_rows(provenance: dict, conflicts: dict) -> str:
    """The sources panel's table of which source gave each field, as rows of HTML: a field,
    whether the sources disagree on it, its source's name and when that source was refreshed.
    Built in Python (as filters.facet_items): a trial has a row for each of its ~25 fields, and
    each is escaped here (filters.escape, the templates' own) before the whole is marked safe.
    A trial's fields mostly come from one or two sources: each is named once, not once a field.
    """
    shown: dict[tuple, tuple[str, str]] = {}
    rows = []
    for field, source in sorted(provenance.items()):
        source = source or {}
        key = (source.get("format"), source.get("registry"), source.get("refreshed"))
        if key not in shown:
            refreshed = isodate(source.get("refreshed")) or "—"
            shown[key] = (escape(source_name(source)), escape(refreshed))
        name, refreshed = shown[key]
        rows.append(
            PROVENANCE_ROW.format(
                field=escape(humanize_enum(field)),
                disputed=DISPUTED if field in conflicts else "",
                source=name,
                refreshed=refreshed,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
