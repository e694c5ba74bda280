"""Legacy ClinicalTrials.gov XML: one `<clinical_study>` per document, as in the AllPublicXML
archives (a ZIP of folders `NCT0000xxxx/` holding one file per study) and the retired
`/ct2/show/NCT…?displayxml=true` pages, including the old (2013) variant: `rank=` attribute,
`firstreceived_date`/`lastchanged_date` instead of `study_first_submitted`/`last_update_posted`,
and the design as one `study_design` string instead of `study_design_info`.

The same study read here and from the API v2 JSON (ctgov_json) gives the same record, apart from
the raw words the registry used in each format (`status_raw` "Active, not recruiting" here,
"ACTIVE_NOT_RECRUITING" there) and text layout. Archives stream member by member (stream.py);
each document is small and parsed whole.

Why one module of some 400 lines: one format, read field by field like ctgov_json; split, the
element paths of one document would be spread over files that only this reader uses.

Parsing is expat driven by hand into an ElementTree (no lxml, no defusedxml needed): a document
that declares an entity (billion laughs, external entities) is refused, external DTDs are never
read, nothing touches the network, nesting is capped, and the `<clinical_results>` section (the
posted results, megabytes on some studies, not part of `trial/1`) is never built.

Decisions:
- A record's raw bytes are the document's own bytes (one study per file; nothing to cut out).
- `source.url` is the study's page (https://clinicaltrials.gov/study/NCT…), as for API v2 JSON;
  the `required_header/url` (`/show/NCT…`) is the same page at its retired address. A caller's
  `--url` wins, as for any one-study document.
- `registered` is `study_first_submitted` (2013: `firstreceived_date`), `last_updated` and
  `source.refreshed` the `last_update_posted` (2013: `lastchanged_date`, the only date there),
  `completion` the `completion_date` (not the primary completion date).
- `verification_date` is the status-verified date, `status_verified`. Legacy XML has no site
  coordinates: `sites[].lat/lon` stay null.
- Enum-like words are written as API v2 writes them where the record keeps them as given by
  the JSON reader: arm types, site statuses and contact roles ("Placebo Comparator" ->
  `PLACEBO_COMPARATOR`). `status_raw`, `phase_raw` and `enrollment_raw` keep the XML's words.
- Text blocks are wrapped at ~80 columns with indentation in this format; the wrapping is undone
  (a line joins the one before it unless it starts a list item, a heading or a paragraph), so
  phrases such as "inadequate response to" are not cut by a line break.
- Contacts are the overall contacts and officials (as for API v2 JSON); each site's own contacts
  and investigators are not part of `trial/1`. `removed_countries` are not the trial's countries.
- Conditions are `<condition>` only (no keywords, no MeSH browse terms), as for API v2 JSON.
- `last_known_status`, `why_stopped`, links, keywords, oversight and IPD sharing are not kept.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.parsers import expat

from trials.readers import normalize
from trials.readers.ctgov_json import INTERVENTION_TYPES, REGISTRY, STUDY_URL
from trials.readers.errors import ReaderError
from trials.readers.finish import add_identifier, finish, warn
from trials.readers.limits import DEFAULT, Limits
from trials.readers.record import TrialRecord, Warning, empty_record, unmapped
from trials.readers.vocabulary import Vocabulary

FORMAT = "ctgov-xml"
ROOT = "clinical_study"
# Real studies nest 8 deep (results sections ~10); anything far deeper is no study.
MAX_DEPTH = 64
# Never built: the posted results (not part of trial/1).
_UNBUILT = frozenset({"clinical_results"})
_RESULTS_START, _RESULTS_END = "<clinical_results>", "</clinical_results>"
_SNIFF = re.compile(
    r"^\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<clinical_study[\s>/]",
    re.DOTALL,
)
# The 2013 variant's one-line design: "Allocation: Randomized, Endpoint Classification: …,
# Intervention Model: Parallel Assignment, Masking: Double Blind (Subject, Investigator), …"
_DESIGN_LABEL = re.compile(
    r"(Allocation|Endpoint Classification|Intervention Model|Masking|Primary Purpose"
    r"|Observational Model|Time Perspective)\s*:\s*",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(
    r"^(?:[-*•·▪◦o]\s|\(?\d{1,2}[.)](?:\s|(?=[A-Za-z]))|\(?[a-zA-Z][.)]\s|\(?[ivx]{1,4}[.)]\s)"
)
_BULLET = re.compile(r"^[-*•]\s+")
_CRITERIA_HEADING = re.compile(r"^(?:key\s+)?(?:inclusion|exclusion)\s+criteria", re.IGNORECASE)


def sniff(text: str) -> bool:
    return bool(_SNIFF.match(text[:20000]))


def read(
    data: bytes,
    *,
    url: str | None = None,
    vocab: Vocabulary | None = None,
    limits: Limits | None = None,
) -> Iterator[TrialRecord]:
    yield study_record(parse(data, limits or DEFAULT), data, url=url, vocab=vocab)


# --- Parsing -----------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def parse(data: bytes, limits: Limits = DEFAULT) -> ET.Element:
    """The `<clinical_study>` element of one document; ReaderError when it cannot be read,
    LimitExceeded when it nests too deep or holds too long a text (`limits`).

    One function of ~60 lines: the expat handlers share the tree being built and the depth
    count; split, that state would be passed to each of them."""
    try:
        text = normalize.decode_bytes(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReaderError("binary content") from exc
    # The results section is cut out before parsing: a results-heavy study is mostly that, and
    # a parser calls back per element even for elements it does not build.
    at, end = text.find(_RESULTS_START), text.rfind(_RESULTS_END)
    if 0 <= at < end:
        text = text[:at] + text[end + len(_RESULTS_END) :]
    builder = ET.TreeBuilder()
    max_depth = min(MAX_DEPTH, limits.depth)
    depth = 0
    text_chars = 0  # of the element's text so far
    unbuilt = 0  # > 0 inside an element that is not built

    def start(tag: str, attrs: dict) -> None:
        nonlocal depth, unbuilt, text_chars
        depth += 1
        text_chars = 0
        if depth > max_depth:
            raise _Refused(
                f"nested deeper than {max_depth} elements; limit READER_MAX_DEPTH={limits.depth}"
            )
        if unbuilt or tag in _UNBUILT:
            unbuilt += 1
        else:
            builder.start(tag, attrs)

    def end(tag: str) -> None:
        nonlocal depth, unbuilt, text_chars
        depth -= 1
        text_chars = 0
        if unbuilt:
            unbuilt -= 1
        else:
            builder.end(tag)

    def data_(chars: str) -> None:
        nonlocal text_chars
        text_chars += len(chars)
        if text_chars > limits.string_chars:
            raise _Refused(f"a text over the limit READER_MAX_STRING={limits.string_chars}")
        if not unbuilt:
            builder.data(chars)

    def entity_declared(name, *_args) -> None:
        raise _Refused(f"declares an entity ({name}); entities are not allowed")

    def external_entity(*_args) -> int:
        raise _Refused("refers to an external entity")

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data_
    parser.EntityDeclHandler = entity_declared
    parser.ExternalEntityRefHandler = external_entity
    try:
        parser.Parse(text, True)
        root = builder.close()
    except _Refused as exc:
        raise ReaderError(f"refused XML ({exc})") from None
    except expat.ExpatError as exc:
        raise ReaderError(f"malformed XML ({exc})") from None
    except AssertionError:  # TreeBuilder: no element at all
        raise ReaderError("malformed XML (no element)") from None
    if root.tag != ROOT:
        raise ReaderError(f"not a ClinicalTrials.gov study (root element <{root.tag}>)")
    return root


# --- Values ------------------------------------------------------------------------------------


def _text(elem: ET.Element, path: str) -> str | None:
    return normalize.clean_text(elem.findtext(path))


def _texts(elem: ET.Element, path: str) -> list[str]:
    return [t for e in elem.iterfind(path) if (t := normalize.clean_text(e.text))]


def _enum(value: str | None) -> str | None:
    """API v2's spelling of a legacy XML enum word: "Placebo Comparator" -> PLACEBO_COMPARATOR."""
    if not value:
        return None
    return re.sub(r"[^A-Z0-9]+", "_", value.upper()).strip("_") or None


def textblock(value: str | None) -> str | None:
    """A `<textblock>` as plain text: indentation dropped, hard wrapping undone; paragraphs,
    list items and criteria headings keep their own lines (a heading loses a bullet before it).
    """
    text = normalize.clean_text(value)
    if not text:
        return None
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if _CRITERIA_HEADING.match(unmarked := _BULLET.sub("", line)):
            line = unmarked  # "-  INCLUSION CRITERIA:" (older NIH records) is a heading
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        before = lines[-1] if lines else ""
        if (
            before
            and not before.endswith(":")
            and not _LIST_ITEM.match(line)
            and not _CRITERIA_HEADING.match(line)
        ):
            lines[-1] = f"{before} {line}"
        else:
            lines.append(line)
    return "\n".join(lines).strip() or None


def _block(study: ET.Element, path: str) -> str | None:
    return textblock(study.findtext(f"{path}/textblock"))


def _name(person: ET.Element) -> str | None:
    """first, middle and last name (the last often holds the whole name), then degrees."""
    name = " ".join(
        filter(None, (_text(person, p) for p in ("first_name", "middle_name", "last_name")))
    )
    degrees = _text(person, "degrees")
    return f"{name}, {degrees}" if name and degrees else (name or None)


# --- The record --------------------------------------------------------------------------------


def study_record(
    study: ET.Element, raw: bytes, *, url: str | None = None, vocab: Vocabulary | None = None
) -> TrialRecord:
    """The `trial/1` record of one `<clinical_study>` element."""
    vocab = vocab or Vocabulary.default()
    record = empty_record(FORMAT, raw)
    warnings = record["warnings"]
    nct = _text(study, "id_info/nct_id")
    record["trial_id"] = nct
    record["source"]["registry"] = REGISTRY
    if nct:
        record["source"]["url"] = record["source"]["register_url"] = STUDY_URL.format(nct)
    add_identifier(record, nct)
    for alias in _texts(study, "id_info/nct_alias"):
        add_identifier(record, alias)
    add_identifier(record, _text(study, "id_info/org_study_id"), kind="org")
    for secondary in _texts(study, "id_info/secondary_id"):
        add_identifier(record, secondary, kind="other")
    record["title"] = _text(study, "brief_title")
    record["official_title"] = _text(study, "official_title")
    record["acronym"] = _text(study, "acronym")

    _status(record, study, warnings)
    record["sponsor"] = _text(study, "sponsors/lead_sponsor/agency")
    record["collaborators"] = _texts(study, "sponsors/collaborator/agency")
    record["summary"] = _block(study, "brief_summary")
    record["description"] = _block(study, "detailed_description")
    for name in _texts(study, "condition"):
        record["conditions"].append({"name": name, "term": None})
    _design(record, study, warnings)
    _arms(record, study, vocab)
    for kind in ("primary", "secondary"):
        for outcome in study.iterfind(f"{kind}_outcome"):
            if measure := _text(outcome, "measure"):
                time_frame = _text(outcome, "time_frame")
                record["outcomes"].append(
                    {"kind": kind, "measure": measure, "time_frame": time_frame}
                )
    _eligibility(record, study, warnings)
    _people_and_places(record, study)
    for ref in [*study.iterfind("reference"), *study.iterfind("results_reference")]:
        citation, pmid = _text(ref, "citation"), _text(ref, "PMID")
        if citation or pmid:
            record["references"].append({"citation": citation, "pmid": pmid})
    return finish(record, vocab=vocab, url=url)


def _date(study: ET.Element, field: str, warnings: list[Warning], *tags: str) -> str | None:
    raw = next((v for tag in tags if (v := _text(study, tag))), None)
    return normalize.parse_date(raw, field=field, warnings=warnings)


def _status(record: dict, study: ET.Element, warnings: list[Warning]) -> None:
    record["status_raw"] = _text(study, "overall_status")
    record["status"] = normalize.parse_status(record["status_raw"], warnings=warnings)
    record["registered"] = _date(
        study, "registered", warnings, "study_first_submitted", "firstreceived_date"
    )
    record["start"] = _date(study, "start", warnings, "start_date")
    record["completion"] = _date(study, "completion", warnings, "completion_date")
    record["last_updated"] = _date(
        study, "last_updated", warnings, "last_update_posted", "lastchanged_date"
    )
    record["source"]["refreshed"] = record["last_updated"]
    record["status_verified"] = _date(study, "status_verified", warnings, "verification_date")


def _design(record: dict, study: ET.Element, warnings: list[Warning]) -> None:
    record["phase_raw"] = _text(study, "phase")
    record["phases"] = normalize.parse_phases(record["phase_raw"], warnings=warnings)
    study_type = _text(study, "study_type")
    if study_type != "N/A":  # older records' "no type given"
        record["study_type"] = normalize.parse_study_type(study_type, warnings=warnings)
    info = study.find("study_design_info")
    if info is not None:
        words = {field: _text(info, field) for field in record["design"]}
    else:
        words = _design_words(_text(study, "study_design"))
    record["design"] = {
        field: normalize.design_value(field, words.get(field)) for field in record["design"]
    }
    count = _text(study, "enrollment")
    if count is not None:
        kind = (study.find("enrollment").get("type") or "").strip()
        record["enrollment_raw"] = f"{count} ({kind})" if kind else count
        record["enrollment"] = normalize.parse_enrollment(count, warnings=warnings)


def _design_words(line: str | None) -> dict[str, str]:
    """The 2013 variant's `study_design` line, split at its labels (values hold commas too)."""
    if not line:
        return {}
    parts = _DESIGN_LABEL.split(line)
    words: dict[str, str] = {}
    for label, value in zip(parts[1::2], parts[2::2], strict=True):
        field = label.lower().replace(" ", "_")
        words[field] = value.strip().rstrip(",").strip()
    return words


def _arms(record: dict, study: ET.Element, vocab: Vocabulary) -> None:
    items = list(study.iterfind("intervention"))
    for arm in study.iterfind("arm_group"):
        label = _text(arm, "arm_group_label")
        names = [
            name
            for item in items
            if label and label in _texts(item, "arm_group_label")
            if (name := _text(item, "intervention_name"))
        ]
        record["arms"].append(
            {
                "label": label,
                "type": _enum(_text(arm, "arm_group_type")),
                "description": textblock(arm.findtext("description")),
                "interventions": names,
            }
        )
    for item in items:
        name = _text(item, "intervention_name")
        if not name:
            continue
        words = _text(item, "intervention_type")
        itype = _enum(words)
        if itype and itype not in INTERVENTION_TYPES:
            warn(
                record,
                unmapped("interventions.type", words, f"interventions: unmapped type {words!r}"),
            )
            itype = None
        drug = None
        if not vocab.is_placebo(name):
            # "REGN668" with other names "Dupixent": the other names identify the drug.
            for candidate in [name, *_texts(item, "other_name")]:
                if drug := vocab.match_drug(candidate):
                    break
        record["interventions"].append(
            {
                "name": name,
                "type": itype,
                "description": textblock(item.findtext("description")),
                "drug": drug,
                "is_placebo": False,
            }
        )


def _eligibility(record: dict, study: ET.Element, warnings: list[Warning]) -> None:
    eligibility = study.find("eligibility")
    if eligibility is None:
        return
    criteria = textblock(eligibility.findtext("criteria/textblock"))
    record["criteria"] = normalize.split_criteria(criteria)
    record["sex"] = normalize.parse_sex(_text(eligibility, "gender"), warnings=warnings)
    record["min_age_years"], record["max_age_years"] = normalize.ages_given_or_stated(
        normalize.parse_age(
            _text(eligibility, "minimum_age"), field="min_age_years", warnings=warnings
        ),
        normalize.parse_age(
            _text(eligibility, "maximum_age"), field="max_age_years", warnings=warnings
        ),
        criteria,
    )
    record["healthy_volunteers"] = normalize.parse_bool(
        _text(eligibility, "healthy_volunteers"), field="healthy_volunteers", warnings=warnings
    )


def _contact(person: ET.Element, role: str | None) -> dict:
    phone = _text(person, "phone")
    if phone and (ext := _text(person, "phone_ext")):
        phone = f"{phone} ext. {ext}"
    return {
        "name": _name(person),
        "role": role,
        "email": _text(person, "email"),
        "phone": phone,
        "affiliation": _text(person, "affiliation"),
    }


def _people_and_places(record: dict, study: ET.Element) -> None:
    people = [
        *((p, "CONTACT") for p in study.iterfind("overall_contact")),
        *((p, "CONTACT") for p in study.iterfind("overall_contact_backup")),
        *((p, _enum(_text(p, "role"))) for p in study.iterfind("overall_official")),
    ]
    for person, role in people:
        contact = _contact(person, role)
        if any(v for k, v in contact.items() if k != "role") and contact not in record["contacts"]:
            record["contacts"].append(contact)
    for name in _texts(study, "location_countries/country"):
        if code := normalize.country_code(name):
            record["countries"].append(code)
        else:
            warn(record, unmapped("countries", name))
    for loc in study.iterfind("location"):
        country_name = _text(loc, "facility/address/country")
        country = normalize.country_code(country_name)
        if country_name and not country:
            message = f"sites: unmapped country {country_name!r}"
            warn(record, unmapped("sites.country", country_name, message))
        record["sites"].append(
            {
                "facility": _text(loc, "facility/name"),
                "city": _text(loc, "facility/address/city"),
                "region": _text(loc, "facility/address/state"),
                "country": country,
                "status": _enum(_text(loc, "status")),
                "lat": None,
                "lon": None,
            }
        )
