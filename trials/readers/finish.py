"""The finishing every reader applies to the record it filled.

Readers fill what their format says; `finish()` then does what is the same for every format —
vocabulary terms, the trial's own ID from a URL, identifiers primary-first, countries, the
refractory reading — so that two formats saying the same thing give the same record.
"""

import re

from trials.readers.identifiers import identifier_parts
from trials.readers.normalize import classify_identifier, identifier_entry, ids_in_text
from trials.readers.places import countries_in
from trials.readers.record import (
    LIST_FIELDS,
    TrialRecord,
    Warning,
    condition_is_intervention,
    ordered,
    unmapped,
)
from trials.readers.vocabulary import Vocabulary


def warn(record: TrialRecord, warning: Warning) -> None:
    """Add a warning to the record once."""
    if warning not in record["warnings"]:
        record["warnings"].append(warning)


_SEVERAL = re.compile(r"[;,:；：]")  # what stands between IDs, or after a label


def add_identifier(record: dict, value: str | None, *, kind: str | None = None) -> None:
    """Add the IDs a value of the source names for this trial (identifier_parts: several in one
    value are each one; junk is ignored, duplicates merged)."""
    entries = [identifier_entry(value, kind=kind)]
    # Only a value that is no registry ID as a whole may hold several (the common case: one).
    if entries[0] is not None and entries[0]["kind"] != "registry" and _SEVERAL.search(value):
        entries = [identifier_entry(part, kind=kind) for part in identifier_parts(value)]
    for entry in entries:
        if entry and all(i["id"] != entry["id"] for i in record["identifiers"]):
            record["identifiers"].append(entry)


def add_countries(record: dict, value: str | None) -> None:
    """Add the countries of a country list; regions ("European Union", "Asia except Japan")
    and unknown names give no code, only a warning."""
    codes, regions, unknown = countries_in(value)
    record["countries"] += codes
    for name in regions:
        warn(record, unmapped("countries", name, f"countries: {name!r} is a region, not a country"))
    for name in unknown:
        warn(record, unmapped("countries", name))


def _blank_to_none(value):
    """Never "" in a record: blank strings become null, blank list items disappear."""
    kind = type(value)
    if kind is dict:
        return {k: _clean_leaf(v) for k, v in value.items()}
    if kind is list:
        return [v for v in map(_clean_leaf, value) if v is not None]
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list | tuple):
        return [v for v in map(_blank_to_none, value) if v is not None]
    if isinstance(value, dict):
        return {k: _blank_to_none(v) for k, v in value.items()}
    return value


def _clean_leaf(value):
    # _blank_to_none without a call for the common leaves (a record has ~150 values).
    kind = type(value)
    if kind is str:
        return value if value and not value.isspace() else None
    if value is None or kind is int or kind is bool or kind is float:
        return value
    return _blank_to_none(value)


def _trial_id(record: dict, url: str | None) -> None:
    trial_id = record["trial_id"]
    if trial_id:
        entry = identifier_entry(trial_id, kind="other")
        record["trial_id"] = entry["id"] if entry else None
    if not record["trial_id"] and url and (found := ids_in_text(url)):
        record["trial_id"] = found[0]
    if record["trial_id"]:
        primary = identifier_entry(record["trial_id"], kind="other")
        rest = [i for i in record["identifiers"] if i["id"] != record["trial_id"]]
        record["identifiers"] = [primary, *rest]
        if not record["source"]["registry"] and (kind := classify_identifier(record["trial_id"])):
            record["source"]["registry"] = kind[1]


def _interventions(record: dict, vocab: Vocabulary) -> None:
    kept: list[dict] = []
    for item in record["interventions"]:
        item["is_placebo"] = vocab.is_placebo(item["name"])
        if item.get("drug") is None and not item["is_placebo"]:
            item["drug"] = vocab.match_drug(item["name"])
        # "Aldesleukin" and "Interleukin-2" listed apart are one drug, one intervention.
        if item["drug"] and any(k["drug"] == item["drug"] for k in kept):
            continue
        kept.append(item)
    record["interventions"] = kept


def _conditions(record: dict, vocab: Vocabulary) -> None:
    own_drugs = {i["drug"] for i in record["interventions"] if i["drug"]}
    own_names = {(i["name"] or "").casefold() for i in record["interventions"]}
    kept: list[dict] = []
    for item in record["conditions"]:
        name = item["name"]
        if item.get("term") is None:
            item["term"] = vocab.match_condition(name)
        if item["term"] is None and (
            name.casefold() in own_names or vocab.match_drug(name) in own_drugs - {None}
        ):
            warn(record, condition_is_intervention(name))
            continue
        if not any(k["name"] == name for k in kept):
            kept.append(item)
    # A condition the title names but the list lacks (seed 002's lupus skin lesions; a listing
    # page that has no conditions list at all) is the trial's condition as written there.
    terms = {k["term"] for k in kept}
    for mention in vocab.find(record["title"], ("condition",)):
        if mention.slug not in terms:
            kept.append({"name": mention.text, "term": mention.slug})
            terms.add(mention.slug)
    record["conditions"] = kept


def status_verified(record: dict) -> str | None:
    """When the source last confirmed the trial's status — THE rule, for readers (`finish`) and
    for records stored before the field existed (the loader's derived column): the source's
    own date (ClinicalTrials.gov's `statusVerifiedDate`, ICTRP's "last refreshed"), otherwise
    the source's last update, otherwise when the source was last refreshed."""
    source = record.get("source") or {}
    return record.get("status_verified") or record.get("last_updated") or source.get("refreshed")


def finish(record: dict, *, vocab: Vocabulary | None = None, url: str | None = None) -> TrialRecord:
    """Complete a reader's record: vocabulary terms, IDs, countries, refractory, no blanks."""
    vocab = vocab or Vocabulary.default()
    record = _blank_to_none(record)
    for field in LIST_FIELDS:
        record[field] = record.get(field) or []
    if url:
        record["source"]["url"] = url
    _trial_id(record, url)
    _interventions(record, vocab)
    _conditions(record, vocab)
    site_countries = {s["country"] for s in record["sites"] if s.get("country")}
    record["countries"] = sorted(set(record["countries"]) | site_countries)
    for site in record["sites"]:  # coordinates only where the reader found them
        site.setdefault("lat", None)
        site.setdefault("lon", None)
    record["status_verified"] = status_verified(record)
    record["collaborators"] = list(dict.fromkeys(record["collaborators"]))
    record["refractory"] = vocab.refractory(record)
    return ordered(record)
