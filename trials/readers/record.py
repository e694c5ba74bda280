"""The `trial/1` record, typed: every field once, in schema order (../shared/docs/record-schema.md).

TypedDicts, so that a record is still the plain dict that `manage.py normalize` prints, the loader
stores as JSON and the API returns, byte for byte; a type checker reads the keys. `FIELDS` (the
order `normalize` prints) and `LIST_FIELDS` are generated from `TrialRecord`.

Warnings are data: `{"field", "code", "raw", "message"}`. Programs (the curators' queue of
unmapped values, re-normalizing with curators' mappings) read `code`, `field` and `raw`; the
`message` is for people and may be reworded freely.
"""

import hashlib
import typing
from typing import NotRequired, TypedDict

SCHEMA = "trial/1"


class Identifier(TypedDict):
    id: str
    kind: str  # registry, org, other (alias: the loader's own, for merged trials' old keys)
    registry: str | None


class Source(TypedDict):
    format: str
    registry: str | None
    url: str | None
    refreshed: str | None
    sha256: str
    # The register's own page for the trial when the document names it (an ICTRP page's URL
    # line). Not `url`, which is where this document itself came from.
    register_url: str | None
    # The record's own ID in its source where it differs from the trial's (ICTRP's
    # `EUCTR2021-000037-14-ES` is one member state's record of EUCTR2021-000037-14).
    source_id: NotRequired[str]


class Criteria(TypedDict):
    inclusion: list[str]
    exclusion: list[str]
    text: str | None


class Design(TypedDict):
    allocation: str | None
    intervention_model: str | None
    masking: str | None
    primary_purpose: str | None


DESIGN_FIELDS = tuple(Design.__annotations__)  # in the schema's order


class Site(TypedDict):
    facility: str | None
    city: str | None
    region: str | None
    country: str | None
    status: str | None
    # Degrees, when the registry gives coordinates (ClinicalTrials.gov's `geoPoint`), else None.
    lat: float | None
    lon: float | None


class Contact(TypedDict):
    name: str | None
    role: str | None
    email: str | None
    phone: str | None
    affiliation: str | None


class Condition(TypedDict):
    name: str
    term: str | None


class Intervention(TypedDict):
    name: str | None
    type: str | None
    description: str | None
    drug: str | None
    is_placebo: bool


class Arm(TypedDict):
    label: str | None
    type: str | None
    description: str | None
    interventions: list[str]


class Outcome(TypedDict):
    kind: str
    measure: str | None
    time_frame: str | None


class Reference(TypedDict):
    citation: str | None
    pmid: str | None


class Refractory(TypedDict):
    is_refractory: bool
    evidence: list[str]
    prior_therapies: list[str]


class Warning(TypedDict):
    field: str | None  # the record field ("status", "sites.country"), None for the whole record
    code: str  # one of the codes below
    raw: str | None  # the source's own words
    message: str  # a sentence for people


class TrialRecord(TypedDict):
    schema: str
    trial_id: str | None
    identifiers: list[Identifier]
    source: Source
    title: str | None
    official_title: str | None
    acronym: str | None
    summary: str | None
    description: str | None
    criteria: Criteria
    status: str
    status_raw: str | None
    phases: list[str]
    phase_raw: str | None
    study_type: str | None
    design: Design
    enrollment: int | None
    enrollment_raw: str | None
    registered: str | None
    start: str | None
    completion: str | None
    last_updated: str | None
    # When the source last confirmed the status: ClinicalTrials.gov's `statusVerifiedDate`,
    # ICTRP's "last refreshed", else the source's last update (finish.status_verified).
    status_verified: str | None
    sponsor: str | None
    collaborators: list[str]
    countries: list[str]
    sites: list[Site]
    contacts: list[Contact]
    sex: str | None
    min_age_years: float | None
    max_age_years: float | None
    healthy_volunteers: bool | None
    conditions: list[Condition]
    interventions: list[Intervention]
    arms: list[Arm]
    outcomes: list[Outcome]
    references: list[Reference]
    refractory: Refractory
    warnings: list[Warning]


_HINTS = typing.get_type_hints(TrialRecord)
# Schema order; `manage.py normalize` prints keys in this order.
FIELDS: tuple[str, ...] = tuple(_HINTS)
LIST_FIELDS: frozenset[str] = frozenset(
    name for name, hint in _HINTS.items() if typing.get_origin(hint) is list
)

# --- Warning codes -------------------------------------------------------------------------------
UNMAPPED_VALUE = "unmapped_value"  # the source's words map to no schema value
UNREADABLE_VALUE = "unreadable_value"  # not a date, number or age at all
PLACEHOLDER_NULLED = "placeholder_nulled"  # a known placeholder (1900-01-01, 99999999) is null
DATE_READ_MONTH_FIRST = "date_read_month_first"  # d/m/y impossible, read as m/d/y
NO_PHASE_MARKED = "no_phase_marked"  # a phase matrix with no "yes"
CONDITION_IS_INTERVENTION = "condition_is_intervention"  # a listed condition was dropped
VALUES_READ_BY_SHAPE = "values_read_by_shape"  # a page without labels, read by the values' shape
OTHER = "other"  # a stored warning from before codes that no code describes


def warning(field: str | None, code: str, raw: str | None, message: str) -> Warning:
    return {"field": field, "code": code, "raw": raw, "message": message}


def unmapped(field: str, raw: str, message: str | None = None) -> Warning:
    """The source's words for `field` map to no value (message: "field: unmapped 'raw'")."""
    return warning(field, UNMAPPED_VALUE, raw, message or f"{field}: unmapped {raw!r}")


def condition_is_intervention(name: str) -> Warning:
    message = f"conditions: dropped {name!r}, an intervention of this trial"
    return warning("conditions", CONDITION_IS_INTERVENTION, name, message)


_LAST_HASHED: tuple[bytes, str] = (b"", hashlib.sha256(b"").hexdigest())


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data` (hex). The last bytes hashed are remembered: a record's own bytes
    are hashed for its source here, then again by the importer for its stored document."""
    global _LAST_HASHED
    last = _LAST_HASHED
    if last[0] is data:
        return last[1]
    digest = hashlib.sha256(data).hexdigest()
    _LAST_HASHED = (data, digest)
    return digest


def empty_record(fmt: str, data: bytes) -> TrialRecord:
    """Every field at its "the source says nothing" value: null, [] or an all-null object."""
    record: dict = dict.fromkeys(FIELDS)
    for field in LIST_FIELDS:
        record[field] = []
    record["schema"] = SCHEMA
    record["source"] = {
        "format": fmt,
        "registry": None,
        "url": None,
        "refreshed": None,
        "sha256": sha256_hex(data),
        "register_url": None,
    }
    record["criteria"] = {"inclusion": [], "exclusion": [], "text": None}
    record["status"] = "UNKNOWN"
    record["design"] = dict.fromkeys(DESIGN_FIELDS)
    record["refractory"] = {"is_refractory": False, "evidence": [], "prior_therapies": []}
    return typing.cast(TrialRecord, record)


def ordered(record: dict) -> dict:
    """The record with schema fields first, in schema order, then any added fields."""
    if tuple(record) == FIELDS:  # in order already (an empty_record filled in)
        return record
    head = {k: record[k] for k in FIELDS if k in record}
    return head | {k: v for k, v in record.items() if k not in head}
