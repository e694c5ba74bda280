"""What the loader writes for a trial, declared once.

- `DERIVED`: each Trial column the loader derives from the trial's merged record;
- `source_values()`: a SourceRecord's columns for one source's record;
- `CHILD_TABLES`: the rows of the tables that hang off a trial (IDs, conditions, drugs, sites,
  contacts), with their columns.

Both write paths read these and nothing else: the ORM path (writing.Writer.rebuild) sets the
derived columns on a Trial and COPYs the child rows as text; the bulk path (Writer.prepare, then
Writer.create) encodes the same values in COPY's binary format with the layouts below, made once
at import time. A Trial or SourceRecord column that is neither declared here nor filled by the
database makes this module fail to import: the two paths cannot drift apart.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from trials.loading.copy import layout
from trials.loading.vocab_tables import Terms
from trials.models import Contact, Identifier, Intervention, Site, SourceRecord, Trial
from trials.models import TrialCondition as ConditionRow
from trials.readers.design import arm_words, design_words
from trials.readers.finish import status_verified
from trials.readers.gazetteer import place_site
from trials.readers.identifiers import identifier_norm
from trials.readers.instruments import instrument_words
from trials.readers.merge import priority
from trials.readers.refractory import NONE_NAMED

# --- Trial ------------------------------------------------------------------------------------

# The loader's own columns: the keys, the merged record and what the merge says of it, locks.
# `trial_id` is the record's, unless another trial already has it (Writer.rebuild).
STORED = ("key", "trial_id", "record", "provenance", "conflicts", "locked_fields")


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


def to_date(value: str | None) -> datetime.date | None:
    """`YYYY-MM-DD` or `YYYY-MM` (taken as the 1st) as a date, for sorting."""
    if not value:
        return None
    try:
        parts = [int(part) for part in value.split("-")]
        return datetime.date(
            parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1
        )
    except (ValueError, IndexError):
        return None


def _registries(record: dict) -> list[str]:
    names = [ident.get("registry") for ident in record.get("identifiers") or []]
    names += [(source or {}).get("registry") for source in record.get("sources") or []]
    return sorted({name for name in names if name})


# Marks around a word that do not make it another word ("(SLE)", "lupus,").
_WORD_EDGES = "()[]{},;:.!?'\"«»„“”"


def _word_key(word: str) -> str:
    return word.strip(_WORD_EDGES).casefold()


def _synonym_words(said: list[str | None], synonyms: list[tuple[str, str]]) -> list[str]:
    """The words of the vocabulary's `synonyms` ((key, word) pairs: Terms.synonym_words) that
    the terms `said` (the names as written, the labels) and the synonyms before have not, each
    once, in their order.

    Whole synonyms repeated a condition's words at a dozen places ("vasculitis" in "IgA
    vasculitis", "cutaneous vasculitis", "leukocytoclastic vasculitis", …): its trials then
    ranked by the size of its vocabulary entry, and ranking (ts_rank_cd, which tests the query
    at every place of its words) took longer. Each word once still matches every synonym's
    words; the relevance set rose 0.860 → 0.863, the worded searches' p95 fell ~5 ms at 100k
    (docs/benchmarks.md, session 32)."""
    seen = {_word_key(word) for text in said if text for word in text.split()}
    words = []
    for key, word in synonyms:
        if key not in seen:
            seen.add(key)
            words.append(word)
    return words


def _term_words(record: dict, terms: Terms) -> str:
    """Conditions, drugs and IDs as written, plus the vocabulary's labels, the words of its
    synonyms not said already (_synonym_words), the words for its design and kinds of arm
    (design.DESIGN_WORDS, ARM_WORDS), and the acronyms of the instruments its outcomes are
    measured with (readers.instruments)."""
    words = [record.get("official_title"), record.get("acronym"), record.get("sponsor")]
    synonyms: list[tuple[str, str]] = []
    for condition in record.get("conditions") or []:
        words.append(condition.get("name"))
        if term := terms.conditions.get(condition.get("term")):
            words.append(term.label)
            synonyms += terms.synonym_words(term, _word_key)
    for intervention in record.get("interventions") or []:
        words.append(intervention.get("name"))
        if term := terms.drugs.get(intervention.get("drug")):
            words.append(term.label)
            synonyms += terms.synonym_words(term, _word_key)
    words += _synonym_words(words, synonyms)
    words += [ident["id"] for ident in record.get("identifiers") or []]
    words += design_words(record.get("design")) + arm_words(record.get("arms"))
    words += instrument_words(record.get("outcomes"))
    return " ".join(word for word in words if word)


def inclusion_text(record: dict) -> str:
    """Who can join: the inclusion criteria, or the whole criteria text when the reader could
    not tell inclusion from exclusion. Exclusion criteria are never search text: a trial that
    names a disease only among who cannot join is not about it (issue 14, point 1). The SQL
    that rebuilt the stored column (migration `treatments_in_search_text`) mirrors this."""
    criteria = record.get("criteria") or {}
    if criteria.get("inclusion") or criteria.get("exclusion"):
        return "\n".join(criteria.get("inclusion") or [])
    return criteria.get("text") or ""


def site_cities(record: dict) -> str:
    """The sites' cities, each once, in the order of the sites: searchable words ("lupus
    Bethesda"), weighted as little as the criteria."""
    cities = [site.get("city") for site in record.get("sites") or []]
    return " ".join(dict.fromkeys(city for city in cities if city))


def who_runs_it(record: dict) -> str:
    """Who runs the trial and where, by name: its sites' facilities, its collaborators, its
    contacts' and officials' names and affiliations, each once in that order ("Wellman
    Center for Photomedicine", "Michael F. Holick"): what a clinician looking up a known
    trial types. Never an email or a phone number. The SQL of migration
    `who_runs_it_in_search_text` mirrors this."""
    names = [site.get("facility") for site in _list(record, "sites") if isinstance(site, dict)]
    names += _list(record, "collaborators")
    for contact in _list(record, "contacts"):
        if isinstance(contact, dict):
            names += [contact.get("name"), contact.get("affiliation")]
    return " ".join(dict.fromkeys(name for name in names if isinstance(name, str) and name))


def _list(record: dict, field: str) -> list:
    value = record.get(field)
    return value if isinstance(value, list) else []


def treatments_text(record: dict) -> str:
    """What the trial's treatments are, as its interventions describe them ("TQH3821, a
    selective IRAK4 inhibitor"): the mechanism or class a clinician searches by, which the
    vocabulary may not know yet. Not a placebo's ("has no effect on IRAK4 kinase")."""
    described = (
        item.get("description")
        for item in record.get("interventions") or []
        if isinstance(item, dict) and not item.get("is_placebo")
    )
    return "\n".join(text for text in described if isinstance(text, str) and text)


def _criteria_text(record: dict) -> str:
    parts = [
        inclusion_text(record),
        record.get("description"),
        treatments_text(record),
        site_cities(record),
        who_runs_it(record),
    ]
    return "\n".join(filter(None, parts))


def _drugs(record: dict) -> list[str]:
    return _unique([item["drug"] for item in record.get("interventions") or [] if item.get("drug")])


def classes_of_drugs(record: dict, terms: Terms) -> list[str]:
    """The drug classes the trial tests: every class of its interventions' drugs, as the
    vocabulary tables say (an IL-17 inhibitor is in il-17-inhibitors and in biologics, whose
    members list every biologic). Sorted; the SQL of migration `drug_class_and_prior_therapy`
    mirrors this."""
    return sorted({slug for drug in _drugs(record) for slug in terms.drug_classes.get(drug, ())})


def failed_therapies(record: dict, terms: Terms) -> list[str]:
    """What the trial requires to have failed (the refractory reading's drug and class slugs),
    with every class each of them belongs to: a trial for people whose disease resisted
    adalimumab is listed under adalimumab, TNF inhibitors and biologics; one naming
    "anti-TNF agents" under TNF inhibitors and biologics. Never the members of a named class:
    a trial asking for a failed immunosuppressant does not ask for failed methotrexate. A
    refractory trial naming no treatment has NONE_NAMED. Sorted; the SQL of migration
    `drug_class_and_prior_therapy` mirrors this."""
    refractory = record.get("refractory") or {}
    named = refractory.get("prior_therapies") or []
    if not named:
        # Refractory to what it does not say: listed as such (refractory.NONE_NAMED).
        return [NONE_NAMED] if refractory.get("is_refractory") else []
    classes = {slug for slug in named if terms.is_class(slug)}
    classes |= {cls for slug in named for cls in terms.drug_classes.get(slug, ())}
    wider = {wide for cls in classes for wide in terms.wider_classes.get(cls, ())}
    return sorted({*named, *classes, *wider})


# How many characters of each text the generated `search` vector reads (Trial.search): a
# tsvector holds at most 1 MB of distinct words (PostgreSQL: "string is too long for
# tsvector"), and four bytes a character at most make 1,008,000 bytes of these together. No
# registry record comes near (the corpus's longest criteria text: 17,434 characters); a record
# that would (150,000 sites of distinct names) is searched by its first words instead of
# failing to load.
SEARCH_TEXT_MAX_CHARS = {
    "title": 2_000,
    "text_terms": 50_000,
    "text_summary": 50_000,
    "text_criteria": 150_000,
}

Derivation = Callable[[dict, Terms], object]
# Trial column -> its value from the merged record (and the vocabulary terms).
DERIVED: dict[str, Derivation] = {
    "title": lambda record, terms: (
        record.get("title") or record.get("official_title") or "(untitled trial)"
    ),
    "sponsor": lambda record, terms: record.get("sponsor"),
    "status": lambda record, terms: record.get("status") or "UNKNOWN",
    "phases": lambda record, terms: _unique(record.get("phases") or []),
    "study_type": lambda record, terms: record.get("study_type"),
    "conditions": lambda record, terms: _unique(
        [item["term"] for item in record.get("conditions") or [] if item.get("term")]
    ),
    "drugs": lambda record, terms: _drugs(record),
    "drug_classes": classes_of_drugs,
    "countries": lambda record, terms: sorted(set(record.get("countries") or [])),
    "registries": lambda record, terms: _registries(record),
    "sex": lambda record, terms: record.get("sex"),
    "min_age": lambda record, terms: record.get("min_age_years"),
    "max_age": lambda record, terms: record.get("max_age_years"),
    "is_refractory": lambda record, terms: bool(
        (record.get("refractory") or {}).get("is_refractory")
    ),
    "prior_therapies": failed_therapies,
    "enrollment": lambda record, terms: record.get("enrollment"),
    "start_date": lambda record, terms: to_date(record.get("start")),
    "completion_date": lambda record, terms: to_date(record.get("completion")),
    "last_updated": lambda record, terms: to_date(
        record.get("last_updated") or (record.get("source") or {}).get("refreshed")
    ),
    # The reader's rule again (finish.status_verified), for records stored before the field.
    "status_verified": lambda record, terms: to_date(status_verified(record)),
    "text_terms": _term_words,
    "text_summary": lambda record, terms: record.get("summary") or "",
    "text_criteria": lambda record, terms: _criteria_text(record),
}


def derived_values(record: dict, terms: Terms) -> dict:
    """Every derived Trial column's value for a merged record, the search texts within
    SEARCH_TEXT_MAX_CHARS."""
    values = {column: derive(record, terms) for column, derive in DERIVED.items()}
    for column, limit in SEARCH_TEXT_MAX_CHARS.items():
        values[column] = values[column][:limit]
    return values


# --- SourceRecord ------------------------------------------------------------------------------


def source_key(record: dict) -> str:
    """What identifies a source of a trial, so that a newer version of it replaces the older."""
    source = record.get("source") or {}
    # source_id: the record's own ID in its source where it differs from the trial's
    # (ICTRP's `EUCTR2021-000037-14-ES` is one member state's record of EUCTR2021-000037-14).
    who = source.get("source_id") or record.get("trial_id") or source.get("url")
    if not who:
        who = "title:" + " ".join((record.get("title") or "").lower().split())
    return f"{source.get('format')}|{source.get('registry')}|{who}"[:300]


def trial_key(record: dict) -> str:
    """The URL key: the trial ID made URL-safe (`url_key`), or a stable name derived from the
    source when there is none."""
    if record.get("trial_id"):
        return url_key(record["trial_id"])
    digest = hashlib.sha256(source_key(record).encode()).hexdigest()[:10]
    return f"unregistered-{digest}"


# The characters a URL path segment carries as they are (RFC 3986's unreserved ones).
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")
KEY_LENGTH = 100  # Trial.key's max_length
_SHORT = 80  # a changed key's readable part, before the suffix that keeps it unique


def url_key(value: str) -> str:
    """An ID as a URL path segment. An ID whose characters are all URL-safe (letters, digits,
    `-._~`; every registry's well-formed IDs but CTRI's and SLCTR's) is its own key, so URLs
    stay stable; in any other, each run of other characters becomes `-`
    (`CTRI/2020/01/022345` -> `CTRI-2020-01-022345`). Two IDs that come out the same are
    told apart by `distinct_key` when the second is created."""
    if _URL_SAFE.fullmatch(value) and value.strip(".") and len(value) <= KEY_LENGTH:
        return value
    safe = _URL_UNSAFE.sub("-", value).strip("-.")[:_SHORT].strip("-.")
    return safe or "id-" + _digest(value)


def distinct_key(value: str) -> str:
    """`url_key(value)` with a suffix from the whole ID: the key of a trial whose plain key is
    taken by another trial (`CTRI/2020/01/1` beside an ID written `CTRI-2020-01-1`)."""
    return f"{url_key(value)[:_SHORT]}-{_digest(value)}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def source_values(record: dict) -> dict:
    """A SourceRecord's own columns (all but its trial, document and date) for a record."""
    source = record.get("source") or {}
    return {
        "source_key": source_key(record),
        "format": source.get("format") or "",
        "registry": source.get("registry"),
        "url": (source.get("url") or "")[:1000] or None,
        "refreshed": source.get("refreshed"),
        "priority": priority(record),
        "record": record,
    }


# --- Child tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildTable:
    """A table whose rows a trial's merged record gives: `rows(record, terms, aliases)` gives
    them as tuples in the order of `columns`, without the trial (the first column)."""

    columns: tuple[str, ...]  # trial_id first
    rows: Callable[[dict, Terms, list[tuple[str, str]]], list[tuple]]


def _identifier_rows(record: dict, terms: Terms, aliases: list[tuple[str, str]]) -> list[tuple]:
    """The record's IDs (primary first, each once), then the merged trials' old keys
    (`aliases`: (value, norm)) that no ID of the record has."""
    rows, seen = [], set()
    for ident in record.get("identifiers") or []:
        norm = identifier_norm(ident["id"])
        if norm not in seen:
            seen.add(norm)
            kind = ident.get("kind") or "other"
            rows.append((ident["id"], norm, kind, ident.get("registry"), not rows))
    return rows + [
        (value, norm, "alias", None, False) for value, norm in aliases if norm not in seen
    ]


def _pk(obj: models.Model | None) -> int | None:
    return obj.pk if obj is not None else None


def _condition_rows(record: dict, terms: Terms, aliases) -> list[tuple]:
    return [
        (item["name"][:500], _pk(terms.conditions.get(item.get("term"))))
        for item in record.get("conditions") or []
    ]


def _intervention_rows(record: dict, terms: Terms, aliases) -> list[tuple]:
    return [
        (
            (item.get("name") or "")[:500],
            item.get("type"),
            item.get("description"),
            _pk(terms.drugs.get(item.get("drug"))),
            bool(item.get("is_placebo")),
        )
        for item in record.get("interventions") or []
    ]


def _cut_rows(model: type[models.Model], field: str, columns: tuple[str, ...]):
    """Rows of a record's list of objects (sites, contacts), strings cut to the column length."""
    lengths = [(name, model._meta.get_field(name).max_length) for name in columns]

    def rows(record: dict, terms: Terms, aliases) -> list[tuple]:
        return [
            tuple(
                [
                    value[:length] if isinstance(value := item.get(name), str) and length else value
                    for name, length in lengths
                ]
            )
            for item in record.get(field) or []
        ]

    return rows


_SITE = ("facility", "city", "region", "country", "status", "lat", "lon")
_site_rows_as_given = _cut_rows(Site, "sites", _SITE)


def _site_rows(record: dict, terms: Terms, aliases) -> list[tuple]:
    """The sites, each placed: the registry's coordinates when it gave them and they are near
    a city of the site's name (gazetteer.place_site), else the point of its city in the offline
    gazetteer (trials/readers/gazetteer.py) when the city, region and country name one place;
    else none (the site is then never near anywhere)."""
    rows = []
    for row in _site_rows_as_given(record, terms, aliases):
        *named, lat, lon = row
        _, city, region, country, _ = named
        given = None if lat is None or lon is None else (lat, lon)
        lat, lon = place_site(city, region, country, given) or (None, None)
        rows.append((*named, lat, lon))
    return rows


_CONTACT = ("name", "role", "email", "phone", "affiliation")
CHILD_TABLES: dict[type[models.Model], ChildTable] = {
    Identifier: ChildTable(
        ("trial_id", "value", "norm", "kind", "registry", "is_primary"), _identifier_rows
    ),
    ConditionRow: ChildTable(("trial_id", "name", "condition_id"), _condition_rows),
    Intervention: ChildTable(
        ("trial_id", "name", "type", "description", "drug_id", "is_placebo"), _intervention_rows
    ),
    Site: ChildTable(("trial_id", *_SITE), _site_rows),
    Contact: ChildTable(("trial_id", *_CONTACT), _cut_rows(Contact, "contacts", _CONTACT)),
}

# --- The bulk path's binary layouts, made once ------------------------------------------------

TRIAL_LAYOUT = layout(Trial, "id")
SOURCE_LAYOUT = layout(SourceRecord, "trial_id", "document_id")
CHILD_LAYOUTS = {
    model: layout(model, "trial_id", rest=table.columns[1:])
    for model, table in CHILD_TABLES.items()
}


def _check(layout_rest: tuple[str, ...], declared: set[str], what: str) -> None:
    if set(layout_rest) != declared:
        missing, extra = set(layout_rest) - declared, declared - set(layout_rest)
        raise ImproperlyConfigured(
            f"{what}: columns not declared in trials/loading/columns.py {sorted(missing)}, "
            f"declared but not columns {sorted(extra)}"
        )


_check(TRIAL_LAYOUT.rest, {*STORED, *DERIVED}, "Trial")
_check(SOURCE_LAYOUT.rest, set(source_values({})), "SourceRecord")
