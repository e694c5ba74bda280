"""A feed per search (issue 17, point 2): `/feeds/trials.atom` takes the search page's parameters
and lists the matching trials the portal added or changed most recently, newest first, at most
`FEED_MAX_ENTRIES`, as Atom (Django's syndication framework, `Atom1Feed`).

What the portal records of a change: the trial's `created` and `modified` times and the change
log (`TrialChange`: which trial, when; no before and after). So an entry says whether the trial
is new or changed and when, and what it is now in the terms a reader follows: its status and
when a registry last confirmed it, its sites (how many, where), its dates (start, completion,
the registry's last update). An entry's id holds the time of the change, so a feed reader shows
each change of a trial as news rather than silently replacing the old entry.

Registry text is untrusted: the entry's summary is HTML (Atom `type="html"`) built here from
escaped values only.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Count, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from trials.models import Trial, TrialChange, status_unconfirmed
from trials.search import facets, labels, params
from trials.search.engine import Query, matching
from trials.web.exports import download_params

# The words for TrialChange.FOLLOWED's fields in "What changed".
CHANGED_WORDS = {
    "status": "Status",
    "countries": "Countries with sites",
    "start_date": "Start",
    "last_updated": "Registry's last update",
    "status_verified": "Status confirmed by the registry",
}
# A trial changed this soon after it was first stored is still "new" (the loader's writes).
NEW_WITHIN = datetime.timedelta(minutes=10)
FEED_FIELDS = (
    "key",
    "trial_id",
    "title",
    "status",
    "status_verified",
    "phases",
    "conditions",
    "countries",
    "sponsor",
    "start_date",
    "last_updated",
    "created",
    "modified",
)


class SearchFeed:
    """The search a feed is for: its query, the parameters of its links, and a title."""

    def __init__(self, request: HttpRequest, query: Query, clean) -> None:
        self.request = request
        self.query = query
        self.querystring = "?" + clean.urlencode() if clean else ""

    def describe(self) -> str:
        parts = []
        if self.query.as_typed:
            parts.append(f"“{self.query.as_typed}”")
        for facet in facets.declared():
            if chosen := self.query.facets.get(facet.name):
                values = " or ".join(facets.label(facet.name, value) for value in chosen)
                parts.append(f"{facet.title}: {values}")
        if self.query.age is not None:
            parts.append(f"age {self.query.age:g}")
        if self.query.near:
            parts.append(f"near {self.query.near_label} ({self.query.within:g} km)")
        if self.query.recruiting:
            parts.append("recruiting or soon")
        return "; ".join(parts) or "every trial"


def _matching_pks(query: Query) -> list[int] | None:
    """The pks the search finds; None when it finds every trial (no parameter at all)."""
    narrowed = query.q or any(query.facets.values()) or query.near or query.recruiting
    if not narrowed and query.age is None:
        return None
    return matching(query, limit=2**62).pks.tolist()


def recent(query: Query, limit: int) -> list[Trial]:
    """The matched trials most recently added or changed: one query (with the search's own)."""
    # The trial's latest change of a followed field, as it was before (TrialChange.before).
    before = TrialChange.objects.filter(trial_id=OuterRef("pk"), before__isnull=False)
    trials = Trial.objects.only(*FEED_FIELDS).annotate(
        site_count=Count("sites"),
        completion=KT("record__completion"),
        before=Subquery(before.order_by("-seq").values("before")[:1]),
    )
    pks = _matching_pks(query)
    if pks is not None:
        trials = trials.with_pks(pks)
    return list(trials.order_by("-modified", "-pk")[:limit])


def is_new(trial: Trial) -> bool:
    return trial.modified - trial.created <= NEW_WITHIN


def _day(value) -> str:
    return f"{value:%-d %b %Y}" if value else ""


def _since_first_seen(trial: Trial) -> str:
    """What the registry's own dates say changed since the portal first stored the trial."""
    first = trial.created.date()
    said = []
    if trial.last_updated and trial.last_updated >= first:
        said.append(f"the registry updated its record on {_day(trial.last_updated)}")
    if trial.status_verified and trial.status_verified >= first:
        said.append(f"the registry confirmed the status on {_day(trial.status_verified)}")
    return "; ".join(said) or "a source or a curator's edit changed the portal's copy"


def _was(field: str, value) -> str:
    """A followed field's value from TrialChange.before, in words."""
    if value in ("", None, []):
        return "none"
    if field == "status":
        return facets.label("status", value)
    if field == "countries":
        return ", ".join(labels.country_name(code) for code in value)
    return _day(datetime.date.fromisoformat(value))


def what_changed(trial: Trial) -> list[tuple[str, str]]:
    """(field's words, "now (was before)") for each followed field the trial's latest change of
    one changed (TrialChange.before, annotated by recent())."""
    before = getattr(trial, "before", None) or {}
    now = {
        "status": facets.label("status", trial.status),
        "countries": ", ".join(labels.country_name(c) for c in trial.countries) or "none",
        "start_date": _day(trial.start_date) or "none",
        "last_updated": _day(trial.last_updated) or "none",
        "status_verified": _day(trial.status_verified) or "none",
    }
    return [
        (CHANGED_WORDS[field], f"{now[field]} (was {_was(field, before[field])})")
        for field in TrialChange.FOLLOWED
        if field in before
    ]


def summary_html(trial: Trial) -> str:
    """What the entry says: new or changed and when; status, sites, dates. Escaped HTML."""
    if is_new(trial):
        lead = format_html("<p>New on the portal {}.</p>", _day(trial.created))
    else:
        lead = format_html(
            "<p>Changed on the portal {} (first seen {}): {}.</p>",
            _day(trial.modified),
            _day(trial.created),
            _since_first_seen(trial),
        )
    if changes := what_changed(trial):
        changed = format_html_join("", "<li>{}: {}</li>", changes)
        lead += format_html("<p>What changed:</p><ul>{}</ul>", changed)
    status = facets.label("status", trial.status)
    if status_unconfirmed(trial.status, trial.status_verified):
        status += " — not confirmed recently: ask the study team"
    facts = [("Status", status)]
    if trial.status_verified:
        facts.append(("Status confirmed by the registry", _day(trial.status_verified)))
    if trial.phases:
        facts.append(("Phase", ", ".join(facets.label("phase", p) for p in trial.phases)))
    countries = ", ".join(labels.country_name(code) for code in trial.countries)
    if trial.site_count:
        sites = f"{trial.site_count} site{'s' if trial.site_count != 1 else ''}"
        facts.append(("Sites", f"{sites} in {countries}" if countries else sites))
    elif countries:
        facts.append(("Countries", f"{countries} (no sites listed)"))
    dates = [
        ("start", _day(trial.start_date)),
        ("completion", trial.completion or ""),
        ("registry's last update", _day(trial.last_updated)),
    ]
    if text := " · ".join(f"{name} {value}" for name, value in dates if value):
        facts.append(("Dates", text))
    items = format_html_join("", "<li>{}: {}</li>", facts)
    return lead + format_html("<ul>{}</ul>", items)


class TrialsFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        query, errors = params.parse(_without_page(request.GET))
        if errors:
            name, message = next(iter(errors.items()))
            return HttpResponse(f"{name}: {message}\n", status=400, content_type="text/plain")
        request.feed_search = SearchFeed(request, query, download_params(request.GET, {}))
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs) -> SearchFeed:
        return request.feed_search

    def title(self, search: SearchFeed) -> str:
        return f"Skin trials finder — new and changed trials: {search.describe()}"

    def subtitle(self, search: SearchFeed) -> str:
        return (
            "Trials matching this search that the portal added or changed most recently, "
            f"newest first (at most {settings.FEED_MAX_ENTRIES})."
        )

    # RFC 4287: a feed has an author unless every entry has one (a trial may name no sponsor).
    author_name = "Skin trials finder"

    def link(self, search: SearchFeed) -> str:
        return reverse("search") + search.querystring

    def feed_url(self, search: SearchFeed) -> str:
        return reverse("feed") + search.querystring

    def feed_guid(self, search: SearchFeed) -> str:
        return search.request.build_absolute_uri(self.feed_url(search))

    def items(self, search: SearchFeed) -> list[Trial]:
        trials = recent(search.query, settings.FEED_MAX_ENTRIES)
        host = search.request.get_host().rsplit(":", 1)[0] or "localhost"
        for trial in trials:
            trial.feed_host = host  # for item_guid, which is given the item only
        return trials

    def item_title(self, trial: Trial) -> str:
        what = "New" if is_new(trial) else "Changed"
        ident = f" ({trial.trial_id})" if trial.trial_id else ""
        return f"{what}: {trial.title}{ident}"

    def item_description(self, trial: Trial) -> str:
        return summary_html(trial)

    def item_guid(self, trial: Trial) -> str:
        # A tag URI (RFC 4151) per trial and change: a later change is a new entry.
        changed = f"{trial.modified:%Y%m%dT%H%M%S%f}"
        return f"tag:{trial.feed_host},{trial.created:%Y-%m-%d}:trial/{trial.pk}/{changed}"

    item_guid_is_permalink = False

    def item_pubdate(self, trial: Trial) -> datetime.datetime:
        return trial.created

    def item_updateddate(self, trial: Trial) -> datetime.datetime:
        return trial.modified

    def item_author_name(self, trial: Trial) -> str | None:
        return trial.sponsor or None

    def item_categories(self, trial: Trial) -> list[str]:
        return [facets.label("condition", slug) for slug in trial.conditions]


def _without_page(data):
    clean = data.copy()
    for name in ("page", "page_size", "expand"):
        clean.pop(name, None)
    return clean
