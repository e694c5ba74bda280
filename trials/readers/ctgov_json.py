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
  primary completion), `last_updated` and `source.refreshed` the last update *posted* date.
- Conditions are `conditionsModule.conditions` only: keywords are not conditions, and the
  derived MeSH terms are not used at run time — a mapping must be explainable from the
  registry's own words; MeSH served to find gaps in our vocabulary instead.
- No upper age in the API means none ("N/A"); ages are never read from criteria here.
- `otherOutcomes` are neither primary nor secondary and are not kept; `geoPoint` is ignored.
"""

import json
import re
from collections.abc import Iterator

import ijson
import orjson

from trials.readers import normalize as n
from trials.readers.errors import ReaderError
from trials.readers.finish import add_identifier, finish, warn
from trials.readers.record import empty_record, unmapped
from trials.readers.stream import Source, head_text, iter_text
from trials.readers.vocabulary import Vocabulary

FORMAT = "ctgov-json"
REGISTRY = "ClinicalTrials.gov"
STUDY_URL = "https://clinicaltrials.gov/study/{}"
_TYPES = {
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


def read(data: bytes, *, url: str | None = None, vocab: Vocabulary | None = None) -> Iterator[dict]:
    for record, _ in read_source(Source.from_bytes(data), url=url, vocab=vocab):
        yield record


def read_source(
    source: Source, *, url: str | None = None, vocab: Vocabulary | None = None
) -> Iterator[tuple[dict, bytes]]:
    """(record, the study's own raw bytes) for each study of the document."""
    head = head_text(source).lstrip("\ufeff \t\r\n")
    if head.startswith("{") and not _SEARCH_KEYS.match(head):
        study = _load_one(source.read())
        raw = canonical_bytes(study)
        yield study_record(study, raw, url=url, vocab=vocab), raw
        return
    studies = _array_items(source) if head.startswith("[") else _items(source, "studies.item")
    for number, study in enumerate(studies, start=1):
        if not isinstance(study, dict) or "protocolSection" not in study:
            raise ReaderError(f"study {number} is not a ClinicalTrials.gov study object")
        raw = canonical_bytes(study)
        yield study_record(study, raw, vocab=vocab), raw


def canonical_bytes(study: dict) -> bytes:
    """A study's own bytes, the same whichever document it came in (one study, a download,
    a search answer), so that the same study imported twice is the same record: what
    `json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes."""
    try:
        # orjson writes the same, four times faster, except for floats below 1e-4 ("1e-05"
        # there, "0.00001" here), which always leave one of these marks in its output.
        data = orjson.dumps(study, option=orjson.OPT_SORT_KEYS)
        if not _small_float(data):
            return data
    except (TypeError, orjson.JSONEncodeError):  # integers past 64 bits
        pass
    text = json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _small_float(data: bytes) -> bool:
    """Whether orjson's output may hold a float below 1e-4: a digit then "e-", or "0.0000".
    Substring searches (memchr) first: a regex starting with a class scans byte by byte."""
    if b"0.0000" in data:
        return True
    at = data.find(b"e-")
    while at != -1:
        if at and data[at - 1] in _DIGITS:
            return True
        at = data.find(b"e-", at + 2)
    return False


_DIGITS = frozenset(b"0123456789")


def _load_one(data: bytes) -> dict:
    try:
        text = n.decode_bytes(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReaderError("binary content") from exc
    try:
        study = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderError(f"malformed JSON ({exc})") from exc
    if not isinstance(study, dict) or "protocolSection" not in study:
        raise ReaderError("not a ClinicalTrials.gov study object")
    return study


_DECODER = json.JSONDecoder()
_BLANK = re.compile(r"[ \t\r\n]*")


def _array_items(source: Source) -> Iterator:
    """The items of a top-level JSON array, one by one, in flat memory (the site's download).

    The C decoder of the json module (`raw_decode`) reads each item from a text buffer that
    is refilled as it empties: three times faster than an event parser. An item cut by the
    end of the buffer is read again with more text (the buffer grows by doubling, so a large
    item is re-read a few times at most); an error that more text cannot mend is reported at
    once, without reading on."""
    chunks = iter_text(source)
    buffer, at = "", 0
    wanted = 0  # buffer length needed before the next attempt (doubles while an item is cut)

    def refill() -> bool:
        """Read on until the buffer holds `wanted` characters; False when nothing was left."""
        nonlocal buffer, at
        buffer, at = buffer[at:], 0
        parts = [buffer]
        size = len(buffer)
        for chunk in chunks:
            parts.append(chunk)
            size += len(chunk)
            if size >= wanted:
                break
        if len(parts) == 1:
            return False
        buffer = "".join(parts)
        return True

    def skip_blank() -> str:
        """The next significant character ("" at the end of the input)."""
        nonlocal at
        while True:
            at = _BLANK.match(buffer, at).end()
            if at < len(buffer):
                return buffer[at]
            if not refill():
                return ""

    if skip_blank() == "\ufeff":
        at += 1
    if skip_blank() != "[":
        raise ReaderError("malformed JSON (not an array)")
    at += 1
    expect_item = None  # None: an item or "]"; True: an item; False: "," or "]"
    number = 1
    while True:
        char = skip_blank()
        if char == "":
            raise ReaderError("malformed JSON (the document ends inside the array)")
        if char == "]" and expect_item is not True:
            return
        if expect_item is False:
            if char != ",":
                raise ReaderError(
                    f"malformed JSON (after study {number - 1}: expecting ',' or ']', "
                    f"found {char!r})"
                )
            at += 1
            expect_item = True
            continue
        try:
            item, end = _DECODER.raw_decode(buffer, at)
        except json.JSONDecodeError as exc:
            if not _cut_short(exc, buffer):
                raise ReaderError(f"malformed JSON (study {number}: {exc.msg})") from None
            wanted = 2 * (len(buffer) - at) + 1
            if not refill():
                raise ReaderError(f"malformed JSON (study {number}: {exc.msg})") from None
            continue
        wanted, at, expect_item = 0, end, False
        number += 1
        yield item


def _cut_short(exc: json.JSONDecodeError, buffer: str) -> bool:
    """Whether a decoding error may only mean that the buffer ends inside the item."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(buffer) - 6


def _items(source: Source, prefix: str) -> Iterator[dict]:
    found: list = ijson.sendable_list()
    parser = ijson.items_coro(found, prefix, use_float=True)
    try:
        for chunk in iter_text(source):
            parser.send(chunk.encode("utf-8"))
            yield from found
            del found[:]
        parser.close()
    except ijson.JSONError as exc:
        raise ReaderError(f"malformed JSON ({exc})") from exc
    yield from found


def study_record(
    study: dict, raw: bytes, *, url: str | None = None, vocab: Vocabulary | None = None
) -> dict:
    """The `trial/1` record of one API v2 study object."""
    vocab = vocab or Vocabulary.default()
    p = study.get("protocolSection") or {}
    record = empty_record(FORMAT, raw)
    w = record["warnings"]
    ident = p.get("identificationModule") or {}
    nct = _text(ident.get("nctId"))
    record["trial_id"] = nct
    record["source"]["registry"] = REGISTRY
    if nct:
        record["source"]["url"] = record["source"]["register_url"] = STUDY_URL.format(nct)
    add_identifier(record, nct)
    for alias in ident.get("nctIdAliases") or []:
        add_identifier(record, alias)
    add_identifier(record, (ident.get("orgStudyIdInfo") or {}).get("id"), kind="org")
    for secondary in ident.get("secondaryIdInfos") or []:
        add_identifier(record, secondary.get("id"), kind="other")
    record["title"] = _text(ident.get("briefTitle"))
    record["official_title"] = _text(ident.get("officialTitle"))
    record["acronym"] = _text(ident.get("acronym"))

    _status(record, p.get("statusModule") or {}, w)
    sponsors = p.get("sponsorCollaboratorsModule") or {}
    record["sponsor"] = _text((sponsors.get("leadSponsor") or {}).get("name"))
    record["collaborators"] = [_text(c.get("name")) for c in sponsors.get("collaborators") or []]
    description = p.get("descriptionModule") or {}
    record["summary"] = n.clean_text(description.get("briefSummary"))
    record["description"] = n.clean_text(description.get("detailedDescription"))
    for name in (p.get("conditionsModule") or {}).get("conditions") or []:
        if _text(name):
            record["conditions"].append({"name": _text(name), "term": None})
    _design(record, p.get("designModule") or {}, w)
    _arms(record, p.get("armsInterventionsModule") or {}, vocab)
    _outcomes(record, p.get("outcomesModule") or {})
    _eligibility(record, p.get("eligibilityModule") or {}, w)
    _people_and_places(record, p.get("contactsLocationsModule") or {})
    for ref in (p.get("referencesModule") or {}).get("references") or []:
        if _text(ref.get("citation")) or _text(ref.get("pmid")):
            record["references"].append(
                {"citation": _text(ref.get("citation")), "pmid": _text(ref.get("pmid"))}
            )
    return finish(record, vocab=vocab, url=url)


def _text(value) -> str | None:
    return n.clean_text(str(value)) if value is not None else None


def _date(struct: dict | None) -> str | None:
    return (struct or {}).get("date")


def _status(record: dict, s: dict, w: list[str]) -> None:
    record["status_raw"] = _text(s.get("overallStatus"))
    record["status"] = n.parse_status(record["status_raw"], warnings=w)
    submitted = s.get("studyFirstSubmitDate")
    record["registered"] = n.parse_date(submitted, field="registered", warnings=w)
    record["start"] = n.parse_date(_date(s.get("startDateStruct")), field="start", warnings=w)
    record["completion"] = n.parse_date(
        _date(s.get("completionDateStruct")), field="completion", warnings=w
    )
    posted = _date(s.get("lastUpdatePostDateStruct"))
    record["last_updated"] = n.parse_date(posted, field="last_updated", warnings=w)
    record["source"]["refreshed"] = record["last_updated"]


def _design(record: dict, d: dict, w: list[str]) -> None:
    phases = [str(p) for p in d.get("phases") or []]
    record["phase_raw"] = ", ".join(phases) or None
    found: set[str] = set()
    for phase in phases:
        found |= {phase} if phase in n.PHASE_ORDER else set(n.parse_phases(phase, warnings=w))
    record["phases"] = [p for p in n.PHASE_ORDER if p in found]
    record["study_type"] = n.parse_study_type(d.get("studyType"), warnings=w)
    info = d.get("designInfo") or {}
    record["design"] = {
        "allocation": n.design_value("allocation", info.get("allocation")),
        "intervention_model": n.design_value("intervention_model", info.get("interventionModel")),
        "masking": n.design_value("masking", (info.get("maskingInfo") or {}).get("masking")),
        "primary_purpose": n.design_value("primary_purpose", info.get("primaryPurpose")),
    }
    enrollment = d.get("enrollmentInfo") or {}
    count = enrollment.get("count")
    if count is not None:
        kind = enrollment.get("type")
        record["enrollment_raw"] = f"{count} ({kind})" if kind else str(count)
        record["enrollment"] = n.parse_enrollment(str(count), warnings=w)


def _arms(record: dict, module: dict, vocab: Vocabulary) -> None:
    for arm in module.get("armGroups") or []:
        names = [_TYPE_PREFIX.sub("", str(x)).strip() for x in arm.get("interventionNames") or []]
        record["arms"].append(
            {
                "label": _text(arm.get("label")),
                "type": _text(arm.get("type")),
                "description": n.clean_text(arm.get("description")),
                "interventions": names,
            }
        )
    for item in module.get("interventions") or []:
        name = _text(item.get("name"))
        if not name:
            continue
        itype = str(item.get("type") or "").upper() or None
        if itype and itype not in _TYPES:
            message = f"interventions: unmapped type {itype!r}"
            warn(record, unmapped("interventions.type", itype, message))
            itype = None
        drug = None
        if not vocab.is_placebo(name):
            # "REGN668" with otherNames ["Dupixent"]: the other names identify the drug.
            for candidate in [name, *(item.get("otherNames") or [])]:
                if drug := vocab.match_drug(str(candidate)):
                    break
        record["interventions"].append(
            {
                "name": name,
                "type": itype,
                "description": n.clean_text(item.get("description")),
                "drug": drug,
                "is_placebo": False,
            }
        )


def _outcomes(record: dict, module: dict) -> None:
    for kind in ("primary", "secondary"):
        for item in module.get(f"{kind}Outcomes") or []:
            if measure := _text(item.get("measure")):
                record["outcomes"].append(
                    {"kind": kind, "measure": measure, "time_frame": _text(item.get("timeFrame"))}
                )


def _eligibility(record: dict, e: dict, w: list[str]) -> None:
    record["criteria"] = n.split_criteria(n.clean_text(e.get("eligibilityCriteria")))
    record["sex"] = n.parse_sex(e.get("sex"), warnings=w)
    record["min_age_years"] = n.parse_age(e.get("minimumAge"), field="min_age_years", warnings=w)
    record["max_age_years"] = n.parse_age(e.get("maximumAge"), field="max_age_years", warnings=w)
    healthy = e.get("healthyVolunteers")
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
    for item in [*(module.get("centralContacts") or []), *(module.get("overallOfficials") or [])]:
        contact = _contact(item)
        if any(contact.values()) and contact not in record["contacts"]:
            record["contacts"].append(contact)
    for loc in module.get("locations") or []:
        country_name = _text(loc.get("country"))
        country = n.country_code(country_name)
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
            }
        )
