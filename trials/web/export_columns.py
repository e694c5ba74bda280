"""THE declaration of the export's columns: `/export/trials.csv` writes them in this order, each
line of `/export/trials.jsonl` is an object with these keys, and the README's table of columns
is checked against it (tests/test_exports.py). Adding a column is adding a `Column` here.

Each column says what it reads (`needs`: Trial columns, or the record's parts in `RECORD_PARTS`)
so that an export fetches only those, and how it turns the fetched row into a value: a string,
number, bool, list of strings or None (JSON), which the CSV writes as text.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from trials.models import Sex, status_unconfirmed
from trials.search import labels
from trials.search.facets import label


@dataclass(frozen=True)
class RecordPart:
    """A part of the stored record an export reads: SQL over `part`, the record's top-level
    keys as `jsonb_to_record` reads them (`keys`: key -> SQL type), once per row."""

    sql: str
    keys: tuple[tuple[str, str], ...] = ()
    json: bool = False


# What an export reads of the record: only these leave PostgreSQL, never whole records
# (descriptions and criteria are most of their bytes). All are read from one `jsonb_to_record`
# per row: every `record->'key'` would decompress the whole record again.
RECORD_PARTS = {
    "completion": RecordPart("part.completion", (("completion", "text"),)),
    "summary": RecordPart("part.summary", (("summary", "text"),)),
    "failed_therapies": RecordPart(
        "part.refractory->'prior_therapies'", (("refractory", "jsonb"),), json=True
    ),
    "contact_list": RecordPart("part.contacts", (("contacts", "jsonb"),), json=True),
    "primary_outcomes": RecordPart(
        "jsonb_path_query_array(part.outcomes, "
        '\'$[*] ? (@.kind == "primary").measure ? (@.type() == "string")\')',
        (("outcomes", "jsonb"),),
        json=True,
    ),
    # The sites' child rows (the record's sites, one a row): an index probe, not the record.
    "site_count": RecordPart(
        "(SELECT count(*) FROM trials_site site WHERE site.trial_id = trial.id)"
    ),
}

Row = dict


@functools.lru_cache(maxsize=8192)
def cached_label(facet: str, value: str) -> str:
    return label(facet, value)


def forget_labels() -> None:
    """Labels are remembered for one export at a time (a curator may edit them between two)."""
    cached_label.cache_clear()
    _therapy.cache_clear()


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    value: Callable[[Row], object]
    needs: tuple[str, ...] = ()


def _iso(value) -> str | None:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if isinstance(value, str) and value else None


def _labels(facet: str, field: str) -> Callable[[Row], list[str]]:
    return lambda row: [cached_label(facet, value) for value in row[field] or []]


def therapy_label(slug: str) -> str:
    """A drug's or a drug class's label (`methotrexate` → Methotrexate, `biologics` →
    Biologics); the failed-therapy reading's "no treatment named" in words."""
    terms = labels.vocabulary()
    if slug in terms["class"]:
        return terms["class"][slug]
    if slug in terms["drug"]:
        return terms["drug"][slug]
    return labels.failed_label(slug)


_therapy = functools.lru_cache(maxsize=4096)(therapy_label)


def _failed(row: Row) -> list[str]:
    slugs = row["failed_therapies"]
    return [_therapy(slug) for slug in slugs if isinstance(slug, str)] if slugs else []


def _texts(value) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def first_contact(contacts) -> str | None:
    """The first contact with a phone or an e-mail (else the first), as one line of text."""
    people = [c for c in contacts if isinstance(c, dict)] if isinstance(contacts, list) else []
    if not people:
        return None
    person = next((c for c in people if c.get("phone") or c.get("email")), people[0])
    parts = [person.get("name"), person.get("email"), person.get("phone")]
    return " · ".join(str(part) for part in parts if part) or None


def _nearest(row: Row) -> str | None:
    site = row.get("_nearest")
    if site is None:
        return None
    place = [site.facility, site.city, site.region, labels.country_name(site.country or "")]
    return ", ".join(part for part in place if part)


def _distance(row: Row) -> float | None:
    site = row.get("_nearest")
    return round(site.distance_km, 1) if site is not None else None


def _age(field: str) -> Callable[[Row], float | int | None]:
    def value(row: Row):
        years = row[field]
        return None if years is None else int(years) if float(years).is_integer() else years

    return value


COLUMNS: tuple[Column, ...] = (
    Column("trial_id", "the primary registry ID (empty when the trial has none)",
           lambda row: row["trial_id"], ("trial_id",)),
    Column("title", "the public title", lambda row: row["title"], ("title",)),
    Column("url", "the trial's page on this portal", lambda row: row["_url"], ("key",)),
    Column("status", "recruitment status, in words (`Recruiting`, `Completed`, …)",
           lambda row: cached_label("status", row["status"]), ("status",)),
    Column("status_verified", "when a source last confirmed the status (ISO date)",
           lambda row: _iso(row["status_verified"]), ("status_verified",)),
    Column("status_unconfirmed",
           "an open status not confirmed for `STATUS_UNCONFIRMED_YEARS` years (ask the study team)",
           lambda row: status_unconfirmed(row["status"], row["status_verified"]),
           ("status", "status_verified")),
    Column("phases", "phases in words", _labels("phase", "phases"), ("phases",)),
    Column("study_type", "interventional, observational or expanded access",
           lambda row: cached_label("study_type", row["study_type"]) if row["study_type"] else None,
           ("study_type",)),
    Column("conditions", "conditions (the vocabulary's labels)",
           _labels("condition", "conditions"), ("conditions",)),
    Column("drugs", "drugs tested (INN labels; placebo is not a drug)",
           _labels("drug", "drugs"), ("drugs",)),
    Column("refractory", "enrols people whose disease resisted treatment (the portal's reading)",
           lambda row: row["is_refractory"], ("is_refractory",)),
    Column("failed_therapies_required",
           "drugs or drug classes that must have failed (the refractory reading)",
           _failed, ("failed_therapies",)),
    Column("sex", "open to: All, Female or Male (empty: not said)",
           lambda row: Sex(row["sex"]).label if row["sex"] else None, ("sex",)),
    Column("min_age_years", "youngest age admitted (years; empty: no limit given)",
           _age("min_age"), ("min_age",)),
    Column("max_age_years", "oldest age admitted (years; empty: no limit given)",
           _age("max_age"), ("max_age",)),
    Column("enrollment", "participants planned or enrolled",
           lambda row: row["enrollment"], ("enrollment",)),
    Column("start", "study start (ISO date)", lambda row: _iso(row["start_date"]),
           ("start_date",)),
    Column("completion", "study completion (ISO date, or year-month)",
           lambda row: _iso(row["completion"]), ("completion",)),
    Column("last_updated", "the registry's last update (ISO date)",
           lambda row: _iso(row["last_updated"]), ("last_updated",)),
    Column("sponsor", "lead sponsor", lambda row: row["sponsor"], ("sponsor",)),
    Column("countries", "countries with a site (ISO 3166-1 alpha-2 codes)",
           lambda row: list(row["countries"] or []), ("countries",)),
    Column("sites", "number of sites", lambda row: row["site_count"], ("site_count",)),
    Column("nearest_site", "with `near`: the site nearest the place", _nearest),
    Column("distance_km", "with `near`: how far that site is (km)", _distance),
    Column("primary_outcomes", "primary outcome measures",
           lambda row: _texts(row["primary_outcomes"]), ("primary_outcomes",)),
    Column("contact", "the first contact with a phone or e-mail: name · e-mail · phone",
           lambda row: first_contact(row["contact_list"]), ("contact_list",)),
)  # fmt: skip


def needs(columns=COLUMNS, *more: str) -> tuple[list[str], dict[str, RecordPart]]:
    """(Trial columns, {name: record part}) that `columns` (and `more`) read."""
    wanted = dict.fromkeys(["pk", *(need for column in columns for need in column.needs), *more])
    fields = [name for name in wanted if name not in RECORD_PARTS]
    parts = {name: RECORD_PARTS[name] for name in wanted if name in RECORD_PARTS}
    return fields, parts
