"""Merging the records several sources give for one trial into one record.

Rules (research.md, "what earlier projects got wrong"): sources are ranked (the register of record,
then ICTRP, then listing sites); each field comes from the best-ranked source that gives a value,
so a thinner source never blanks a field; identifiers and countries are the union; where sources
give different values for a field that people compare, the disagreement is recorded; when the
status was last confirmed (`status_verified`) is the most recent date a source giving the same
status gives (a source saying another status confirms nothing of it).
"""

from __future__ import annotations

import json
from typing import Any

from trials.readers.identifiers import identifier_norm

# Lower wins. A registry's own structured export beats ICTRP's relay, which beats listing sites.
FORMAT_PRIORITY = {
    "ctgov-json": 10,
    "ctgov-xml": 12,
    "ictrp-xml": 20,
    "ictrp-page": 25,
    "ctgov-page": 30,
    "listing-page": 40,
}
DEFAULT_PRIORITY = 50

# Fields whose disagreement a clinician cares about (shown on the trial page and in admin).
COMPARED_FIELDS = (
    "title",
    "status",
    "phases",
    "study_type",
    "enrollment",
    "registered",
    "start",
    "completion",
    "sponsor",
    "sex",
    "min_age_years",
    "max_age_years",
)
# Fields merged by union rather than by rank.
UNION_FIELDS = ("identifiers", "countries", "warnings")
# Fields where the most recent value wins, whichever source gives it: a listing site that saw
# the status confirmed last week says more of it than the registry's record from 2019.
LATEST_FIELDS = ("status_verified",)
# Fields that describe one source and are not merged.
SOURCE_FIELDS = ("schema", "source")


def priority(record: dict) -> int:
    """A register's own record of its trial outranks the same format speaking for another."""
    source = record.get("source") or {}
    rank = FORMAT_PRIORITY.get(source.get("format"), DEFAULT_PRIORITY)
    return rank


def is_empty(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is list:  # the common values first, without comparisons
        return not value
    if kind is dict:
        return all(is_empty(v) for v in value.values())
    if value is None or value == [] or value == "":
        return True
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return False


def source_label(record: dict) -> str:
    source = record.get("source") or {}
    return " / ".join(filter(None, [source.get("format"), source.get("registry")])) or "unknown"


def merge(records: list[dict]) -> tuple[dict, dict, dict]:
    """Merge records of one trial; return (record, provenance, conflicts).

    `records` must be sorted best first (see `priority`). provenance maps each field to the
    source that gave it: {"format", "registry", "url", "refreshed"}.
    """
    if not records:
        raise ValueError("merge() needs at least one record")
    best = records[0]
    merged: dict = {"schema": best.get("schema", "trial/1"), "source": best.get("source")}
    provenance: dict = {}
    conflicts: dict = {}
    fields = [f for f in best if f not in SOURCE_FIELDS]
    for record in records[1:]:
        fields += [f for f in record if f not in SOURCE_FIELDS and f not in fields]
    if len(records) == 1:  # the common case, a trial of one source: nothing to rank
        origin = _provenance(best)
        for field in fields:
            value = _union(field, records) if field in UNION_FIELDS else best[field]
            merged[field] = value
            if field not in UNION_FIELDS and not is_empty(value):
                provenance[field] = origin  # one dict for all: provenance is never edited in place
        merged["sources"] = [best.get("source")]
        return merged, provenance, conflicts

    for field in fields:
        if field in UNION_FIELDS:
            merged[field] = _union(field, records)
            continue
        given = [(r, r.get(field)) for r in records if not is_empty(r.get(field))]
        if not given:
            merged[field] = best.get(field)
            continue
        if field in LATEST_FIELDS:  # ISO dates: the text order is the time order
            given = sorted(given, key=lambda pair: str(pair[1]), reverse=True)
            # The date vouches for the status shown: a source saying another status confirms
            # nothing of it ("Not recruiting" refreshed in 2024 is no 2024 confirmation of
            # "Recruiting"). None agreeing (the shown status has no date): the oldest date,
            # the least confirmed.
            status = next((r["status"] for r in records if not is_empty(r.get("status"))), None)
            agreeing = [(r, v) for r, v in given if r.get("status") == status]
            given = agreeing or given[-1:]
        winner, value = given[0]
        merged[field] = value
        provenance[field] = _provenance(winner)
        if field in COMPARED_FIELDS:
            seen = {_canonical(v) for _, v in given}
            if len(seen) > 1:
                conflicts[field] = [{"source": source_label(r), "value": v} for r, v in given]
    merged["sources"] = [r.get("source") for r in records]
    return merged, provenance, conflicts


def _provenance(record: dict) -> dict:
    source = record.get("source") or {}
    return {k: source.get(k) for k in ("format", "registry", "url", "refreshed")}


def _canonical(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.lower().split())
    return json.dumps(value, sort_keys=True)


def _union(field: str, records: list[dict]) -> list:
    if field == "countries":
        return sorted({c for r in records for c in r.get("countries") or []})
    if field == "identifiers":
        out, seen = [], set()
        for record in records:
            for ident in record.get("identifiers") or []:
                key = identifier_norm(ident["id"])
                if key not in seen:
                    seen.add(key)
                    out.append(ident)
        return out
    out = []
    for record in records:
        for item in record.get(field) or []:
            if item not in out:
                out.append(item)
    return out
