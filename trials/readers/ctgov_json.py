"""ClinicalTrials.gov API v2 JSON: one study object, the site's download (a JSON array of
studies) or the API's search answer (`{"studies": [...], "nextPageToken": ...}`).

Arrays and search answers are parsed incrementally, study by study (downloads with the json
module's C decoder on a refilled buffer, search answers with ijson), so a download of any size
is read in flat memory. Each study's record has its own raw bytes: the study
re-serialized with `json.dumps(study, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)` — itself a valid one-study document, so any trial can be rebuilt from its
stored raw document, and the content is kept whole (key order and whitespace aside).
`source.sha256` is the hash of those bytes. Decision: a one-study file is re-serialized too,
not stored as it is, so that the same study met in a single file and in a download gives the
same record, and importing both twice changes nothing (with the file's own bytes, the two
would replace each other on every run).

Decisions:
- `source.url` is the study's page (https://clinicaltrials.gov/study/NCT…): the document comes
  from the registry's API, and the page is where a person checks it. A caller's `--url` is
  kept only for a one-study document, which it describes.
- `registered` is `studyFirstSubmitDate`, `completion` the `completionDateStruct` (not the
  primary completion), `last_updated` and `source.refreshed` the last update *posted* date,
  `status_verified` the `statusVerifiedDate` (`YYYY-MM`).
- Conditions are `conditionsModule.conditions` only: keywords are not conditions, and the
  derived MeSH terms are not used at run time — a mapping must be explainable from the
  registry's own words; MeSH served to find gaps in our vocabulary instead.
- No upper age in the API means none ("N/A"); ages are never read from criteria here.
- `otherOutcomes` are neither primary nor secondary and are not kept; a site's `geoPoint` is its
  `lat`/`lon` (null when missing or out of range).
"""

import re
from collections.abc import Iterator

from trials.readers import normalize
from trials.readers.ctgov_json_stream import (
    array_items,
    canonical_bytes,  # noqa: F401 (a study's own bytes: ctgov_json.canonical_bytes)
    checked_bytes,
    load_one,
    search_answer_items,
)
from trials.readers.errors import BadRecords, ReaderError
from trials.readers.finish import add_identifier, finish, warn
from trials.readers.limits import Limits
from trials.readers.record import TrialRecord, Warning, empty_record, unmapped
from trials.readers.stream import Source, head_text, records_of
from trials.readers.vocabulary import Vocabulary

FORMAT = "ctgov-json"
REGISTRY = "ClinicalTrials.gov"
STUDY_URL = "https://clinicaltrials.gov/study/{}"
INTERVENTION_TYPES = {
    "DRUG",
    "BIOLOGICAL",
    "DEVICE",
    "PROCEDURE",
    "BEHAVIORAL",
    "DIETARY_SUPPLEMENT",
    "RADIATION",
    "GENETIC",
    "COMBINATION_PRODUCT",
    "DIAGNOSTIC_TEST",
    "OTHER",
}
# "Drug: Placebo" in an arm's interventionNames; the intervention itself is named "Placebo".
_TYPE_PREFIX = re.compile(
    r"^(?:Drug|Biological|Device|Procedure|Behavioral|Dietary Supplement|Radiation|Genetic"
    r"|Combination Product|Diagnostic Test|Other):\s*"
)
_SEARCH_KEYS = re.compile(r'^\s*\{\s*"(?:studies|nextPageToken|totalCount)"')


def sniff(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") and '"protocolSection"' in text


def read(
    data: bytes,
    *,
    url: str | None = None,
    vocab: Vocabulary | None = None,
    limits: Limits | None = None,
) -> Iterator[TrialRecord]:
    yield from records_of(read_source, data, url=url, vocab=vocab, limits=limits)


def read_source(
    source: Source, *, url: str | None = None, vocab: Vocabulary | None = None
) -> Iterator[tuple[dict, bytes]]:
    """(record, the study's own raw bytes) for each study of the document, each within the
    source's limits (bytes, nesting, string length)."""
    head = head_text(source).lstrip("\ufeff \t\r\n")
    if head.startswith("{") and not _SEARCH_KEYS.match(head):
        study = load_one(source.read())
        raw = checked_bytes(study, source.limits, "the study")
        yield study_record(study, raw, url=url, vocab=vocab), raw
        return
    if head.startswith("["):
        studies = array_items(source)
    else:
        studies = search_answer_items(source, "studies.item")
    bad = BadRecords("study")
    for number, study in enumerate(studies, start=1):
        if not isinstance(study, dict) or "protocolSection" not in study:
            raise ReaderError(f"study {number} is not a ClinicalTrials.gov study object")
        raw = checked_bytes(study, source.limits, f"study {number}")
        record = bad.read(_nct_id(study), study_record, study, raw, vocab=vocab)
        if record is not None:
            yield record, raw
    bad.check()


def _values(value) -> list:
    """A list of plain values as the API writes it; one value written alone is a list of one
    ("conditions": "Atopic Dermatitis" is no list of 17 letters); nulls are left out."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if item is not None and not isinstance(item, dict | list)]


def _objects(value) -> list[dict]:
    """A list of objects as the API writes it; what is not an object in it is left out."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _nct_id(study: dict) -> str:
    """The study's NCT ID as it is written, for a message (the study may be malformed)."""
    section = study.get("protocolSection")
    ident = section.get("identificationModule") if isinstance(section, dict) else None
    return str(ident.get("nctId") or "no NCT ID") if isinstance(ident, dict) else "no NCT ID"


def study_record(
    study: dict, raw: bytes, *, url: str | None = None, vocab: Vocabulary | None = None
) -> dict:
    """The `trial/1` record of one API v2 study object."""
    vocab = vocab or Vocabulary.default()
    protocol = study.get("protocolSection") or {}
    record = empty_record(FORMAT, raw)
    warnings = record["warnings"]
    ident = protocol.get("identificationModule") or {}
    nct = _text(ident.get("nctId"))
    record["trial_id"] = nct
    record["source"]["registry"] = REGISTRY
    if nct:
        record["source"]["url"] = record["source"]["register_url"] = STUDY_URL.format(nct)
    add_identifier(record, nct)
    for alias in _values(ident.get("nctIdAliases")):
        add_identifier(record, alias)
    add_identifier(record, (ident.get("orgStudyIdInfo") or {}).get("id"), kind="org")
    for secondary in _objects(ident.get("secondaryIdInfos")):
        add_identifier(record, secondary.get("id"), kind="other")
    record["title"] = _text(ident.get("briefTitle"))
    record["official_title"] = _text(ident.get("officialTitle"))
    record["acronym"] = _text(ident.get("acronym"))

    _status(record, protocol.get("statusModule") or {}, warnings)
    sponsors = protocol.get("sponsorCollaboratorsModule") or {}
    record["sponsor"] = _text((sponsors.get("leadSponsor") or {}).get("name"))
    record["collaborators"] = [
        _text(c.get("name")) for c in _objects(sponsors.get("collaborators"))
    ]
    description = protocol.get("descriptionModule") or {}
    record["summary"] = normalize.clean_text(description.get("briefSummary"))
    record["description"] = normalize.clean_text(description.get("detailedDescription"))
    for name in _values((protocol.get("conditionsModule") or {}).get("conditions")):
        if _text(name):
            record["conditions"].append({"name": _text(name), "term": None})
    _design(record, protocol.get("designModule") or {}, warnings)
    _arms(record, protocol.get("armsInterventionsModule") or {}, vocab)
    _outcomes(record, protocol.get("outcomesModule") or {})
    _eligibility(record, protocol.get("eligibilityModule") or {}, warnings)
    _people_and_places(record, protocol.get("contactsLocationsModule") or {})
    for ref in _objects((protocol.get("referencesModule") or {}).get("references")):
        if _text(ref.get("citation")) or _text(ref.get("pmid")):
            record["references"].append(
                {"citation": _text(ref.get("citation")), "pmid": _text(ref.get("pmid"))}
            )
    return finish(record, vocab=vocab, url=url)


def _text(value) -> str | None:
    return normalize.clean_text(str(value)) if value is not None else None


def _date(struct: dict | None) -> str | None:
    return (struct or {}).get("date")


def _status(record: dict, status_module: dict, warnings: list[Warning]) -> None:
    record["status_raw"] = _text(status_module.get("overallStatus"))
    record["status"] = normalize.parse_status(record["status_raw"], warnings=warnings)
    submitted = status_module.get("studyFirstSubmitDate")
    record["registered"] = normalize.parse_date(submitted, field="registered", warnings=warnings)
    record["start"] = normalize.parse_date(
        _date(status_module.get("startDateStruct")), field="start", warnings=warnings
    )
    record["completion"] = normalize.parse_date(
        _date(status_module.get("completionDateStruct")), field="completion", warnings=warnings
    )
    posted = _date(status_module.get("lastUpdatePostDateStruct"))
    record["last_updated"] = normalize.parse_date(posted, field="last_updated", warnings=warnings)
    record["source"]["refreshed"] = record["last_updated"]
    record["status_verified"] = normalize.parse_date(
        status_module.get("statusVerifiedDate"), field="status_verified", warnings=warnings
    )


def _design(record: dict, design_module: dict, warnings: list[Warning]) -> None:
    phases = [str(p) for p in _values(design_module.get("phases"))]
    record["phase_raw"] = ", ".join(phases) or None
    found: set[str] = set()
    for phase in phases:
        found |= (
            {phase}
            if phase in normalize.PHASE_ORDER
            else set(normalize.parse_phases(phase, warnings=warnings))
        )
    record["phases"] = [p for p in normalize.PHASE_ORDER if p in found]
    record["study_type"] = normalize.parse_study_type(
        design_module.get("studyType"), warnings=warnings
    )
    info = design_module.get("designInfo") or {}
    record["design"] = {
        "allocation": normalize.design_value("allocation", info.get("allocation")),
        "intervention_model": normalize.design_value(
            "intervention_model", info.get("interventionModel")
        ),
        "masking": normalize.design_value(
            "masking", (info.get("maskingInfo") or {}).get("masking")
        ),
        "primary_purpose": normalize.design_value("primary_purpose", info.get("primaryPurpose")),
    }
    enrollment = design_module.get("enrollmentInfo") or {}
    count = enrollment.get("count")
    if count is not None:
        kind = enrollment.get("type")
        record["enrollment_raw"] = f"{count} ({kind})" if kind else str(count)
        record["enrollment"] = normalize.parse_enrollment(str(count), warnings=warnings)


def _arms(record: dict, module: dict, vocab: Vocabulary) -> None:
    for arm in _objects(module.get("armGroups")):
        names = [
            _TYPE_PREFIX.sub("", str(x)).strip() for x in _values(arm.get("interventionNames"))
        ]
        record["arms"].append(
            {
                "label": _text(arm.get("label")),
                "type": _text(arm.get("type")),
                "description": normalize.clean_text(arm.get("description")),
                "interventions": names,
            }
        )
    for item in _objects(module.get("interventions")):
        name = _text(item.get("name"))
        if not name:
            continue
        itype = str(item.get("type") or "").upper() or None
        if itype and itype not in INTERVENTION_TYPES:
            message = f"interventions: unmapped type {itype!r}"
            warn(record, unmapped("interventions.type", itype, message))
            itype = None
        drug = None
        if not vocab.is_placebo(name):
            # "REGN668" with otherNames ["Dupixent"]: the other names identify the drug.
            for candidate in [name, *_values(item.get("otherNames"))]:
                if drug := vocab.match_drug(str(candidate)):
                    break
        record["interventions"].append(
            {
                "name": name,
                "type": itype,
                "description": normalize.clean_text(item.get("description")),
                "drug": drug,
                "is_placebo": False,
            }
        )


def _outcomes(record: dict, module: dict) -> None:
    for kind in ("primary", "secondary"):
        for item in _objects(module.get(f"{kind}Outcomes")):
            if measure := _text(item.get("measure")):
                record["outcomes"].append(
                    {"kind": kind, "measure": measure, "time_frame": _text(item.get("timeFrame"))}
                )


def _eligibility(record: dict, eligibility: dict, warnings: list[Warning]) -> None:
    criteria = normalize.clean_text(eligibility.get("eligibilityCriteria"))
    record["criteria"] = normalize.split_criteria(criteria)
    record["sex"] = normalize.parse_sex(eligibility.get("sex"), warnings=warnings)
    record["min_age_years"], record["max_age_years"] = normalize.ages_given_or_stated(
        normalize.parse_age(
            eligibility.get("minimumAge"), field="min_age_years", warnings=warnings
        ),
        normalize.parse_age(
            eligibility.get("maximumAge"), field="max_age_years", warnings=warnings
        ),
        criteria,
    )
    healthy = eligibility.get("healthyVolunteers")
    record["healthy_volunteers"] = healthy if isinstance(healthy, bool) else None


def _contact(item: dict, *, affiliation: str | None = None) -> dict:
    phone = _text(item.get("phone"))
    if phone and item.get("phoneExt"):
        phone = f"{phone} ext. {item['phoneExt']}"
    return {
        "name": _text(item.get("name")),
        "role": _text(item.get("role")),
        "email": _text(item.get("email")),
        "phone": phone,
        "affiliation": _text(item.get("affiliation")) or affiliation,
    }


def _people_and_places(record: dict, module: dict) -> None:
    for item in [
        *_objects(module.get("centralContacts")),
        *_objects(module.get("overallOfficials")),
    ]:
        contact = _contact(item)
        if any(contact.values()) and contact not in record["contacts"]:
            record["contacts"].append(contact)
    for loc in _objects(module.get("locations")):
        country_name = _text(loc.get("country"))
        country = normalize.country_code(country_name)
        if country_name and not country:
            message = f"sites: unmapped country {country_name!r}"
            warn(record, unmapped("sites.country", country_name, message))
        record["sites"].append(
            {
                "facility": _text(loc.get("facility")),
                "city": _text(loc.get("city")),
                "region": _text(loc.get("state")),
                "country": country,
                "status": _text(loc.get("status")),
                **_coordinates(loc.get("geoPoint")),
            }
        )


def _coordinates(point) -> dict:
    """`geoPoint` `{"lat", "lon"}` as degrees; anything else (missing, out of range) null."""
    point = point if isinstance(point, dict) else {}
    lat, lon = point.get("lat"), point.get("lon")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        return {"lat": None, "lon": None}
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {"lat": None, "lon": None}
    return {"lat": float(lat), "lon": float(lon)}
