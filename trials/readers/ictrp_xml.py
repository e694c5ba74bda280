"""WHO ICTRP "Export results to XML": `<Trials_downloaded_from_ICTRP><Trial>…</Trial>…`.

One record per `<Trial>`. The export is parsed incrementally (each `<Trial>` is dropped from the
tree once read), so an export of any size is read in flat memory. Every value carries a trailing
newline and indentation, and criteria come with `<br>` escaped as text; `clean_text` undoes both.

Decisions:
- `source.source_id` is the raw `TrialID`. The EU register's per-member-state records
  (`EUCTR2021-000037-14-ES`, `-PL`…) share the trial ID `EUCTR2021-000037-14`; their distinct
  source IDs keep each as a source of its own, and the loader merges them by trial ID into one
  trial with the union of their countries.
- As for ICTRP pages, `web_address` is the register's page for the trial (`source.register_url`);
  `source.url` is only where the document came from (the caller's `--url`).
- `source.refreshed` is `Last_Refreshed_on` (when ICTRP last copied the record); the export has
  no date of the trial's own last update, so `last_updated` stays null. It is also
  `status_verified`, the nearest ICTRP comes to a date the status was confirmed.
- A record's raw bytes are its `<Trial>` element re-serialized inside the export's own root
  element: itself a valid one-trial export, so any trial can be rebuilt from what is stored.
- `other_records` is "Yes"/"No" in real exports; only registry IDs found in it are kept.
- A contact address gives a country only when `Countries` is empty: the contact is often the
  sponsor's office abroad, not a trial site.
- ChiCTR's phase "0" on an observational study is its "not applicable", not phase 0.
- `results_*`, ethics review, funding and `Retrospective_flag` are not part of `trial/1`.
"""

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from trials.readers import normalize
from trials.readers.errors import BadRecords, ReaderError
from trials.readers.finish import add_countries, add_identifier, finish, warn
from trials.readers.ictrp_page import NOT_A_CONDITION, interventions, outcomes, register_name
from trials.readers.limits import LimitExceeded, Limits
from trials.readers.places import euctr_member_state
from trials.readers.record import (
    PLACEHOLDER_NULLED,
    TrialRecord,
    Warning,
    empty_record,
    warning,
)
from trials.readers.stream import Source, iter_text, records_of
from trials.readers.vocabulary import Vocabulary

FORMAT = "ictrp-xml"
ROOT = "Trials_downloaded_from_ICTRP"
_HEADER = f"<?xml version='1.0' encoding='UTF-8' ?>\n<{ROOT}>\n"
_FOOTER = f"\n</{ROOT}>\n"
_ORPHA = re.compile(r"^(?:ORPHA:\d+\s*)+$")
_EU_SEX = re.compile(r"\b(female|male)\s*:\s*(yes|no)\b", re.IGNORECASE)
_EU_LABEL = re.compile(
    r"^\s*(?:Main Objective|Secondary Objective|(?:Primary|Secondary) end point\(s\)"
    r"|Timepoint\(s\) of evaluation)",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*(?:key\s+)?(?:inclusion|exclusion)\s+criteria", re.IGNORECASE)


def sniff(text: str) -> bool:
    """An XML document (its first character, past a byte-order mark and spaces, is "<") with
    the export's root or its <Trial> elements near the top. A text that merely names the root
    (a README describing the corpus) is not one."""
    head = text[:5000]
    if not head.lstrip("\ufeff \t\r\n").startswith("<"):
        return False
    return f"<{ROOT}" in head or bool(re.search(r"<Trial>\s*<", head))


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
    """(record, the trial's own raw bytes) for each `<Trial>` of the export, each within the
    source's limits (bytes, nesting, text length)."""
    bad = BadRecords("trial")
    for trial in _trials(source):
        _check_texts(trial, source.limits)
        trial.tail = None
        raw = (_HEADER + ET.tostring(trial, encoding="unicode") + _FOOTER).encode("utf-8")
        label = (trial.findtext("TrialID") or "no TrialID").strip()
        record = bad.read(label, trial_record, trial, raw, url=url, vocab=vocab)
        if record is not None:
            yield record, raw
    bad.check()


def _trials(source: Source) -> Iterator[ET.Element]:
    # Text is fed as str: expat then reads it as the text it is, whatever the declaration says
    # (a UTF-16 or Latin-1 file decoded by iter_text).
    # Limits: the text fed since the last <Trial> ended is what the parser holds (the root is
    # cleared after each), so a trial, or a text, larger than the record limit is refused
    # before it is built whole.
    parser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth = 0
    limits = source.limits
    pending = 0  # characters fed since the last <Trial> was read
    try:
        for chunk in itertools.chain(iter_text(source), [None]):
            if chunk is None:
                parser.close()
            else:
                parser.feed(chunk)
                pending += len(chunk)
            for event, elem in parser.read_events():
                if event == "start":
                    root = elem if root is None else root
                    depth += 1
                    if depth > limits.depth:
                        raise LimitExceeded("depth", limits.depth, "the XML's nesting")
                    continue
                depth -= 1
                if elem.tag == "Trial" and depth <= 1:
                    pending = 0
                    yield elem
                    if root is not None and root is not elem:
                        root.clear()  # the Trial is read: free it
            if pending > limits.record_bytes:
                raise LimitExceeded("record_bytes", limits.record_bytes, "a <Trial>")
    except ET.ParseError as exc:
        raise ReaderError(f"malformed XML ({exc})") from exc
    if root is None or root.tag not in (ROOT, "Trial"):
        raise ReaderError("not an ICTRP XML export (no Trial elements)")


def _check_texts(trial: ET.Element, limits: Limits) -> None:
    for element in trial.iter():
        for text in (element.text, element.tail):
            if text and len(text) > limits.string_chars:
                raise LimitExceeded(
                    "string_chars", limits.string_chars, f"a text in <{element.tag}>"
                )


def _field(trial: ET.Element, tag: str) -> str | None:
    return normalize.clean_text(trial.findtext(tag))


def _parts(value: str | None, sep: str = ";") -> list[str]:
    return [p.strip() for p in re.split(f"[{sep}\n]", value or "")]


def trial_record(
    trial: ET.Element, raw: bytes, *, url: str | None = None, vocab: Vocabulary | None = None
) -> dict:
    """The `trial/1` record of one `<Trial>` element."""
    # Long on purpose: the record is filled field by field in the element's order, so the function
    # reads as the mapping table from the registry's labels to trial/1; helpers for its parts
    # would each take the whole record and scatter that table.
    get = lambda tag: _field(trial, tag)  # noqa: E731
    record = empty_record(FORMAT, raw)
    warnings = record["warnings"]
    trial_id = get("TrialID")
    record["trial_id"] = trial_id
    source = record["source"]
    source["source_id"] = trial_id
    source["registry"] = register_name(get("Source_Register"))
    source["register_url"] = get("web_address")
    source["refreshed"] = normalize.parse_date(
        get("Last_Refreshed_on"), field="refreshed", warnings=warnings
    )
    # ICTRP's "last refreshed" is the nearest it says to a confirmation of the status.
    record["status_verified"] = record["source"]["refreshed"]
    add_identifier(record, trial_id)
    for value in _parts(get("Secondary_ID")):
        add_identifier(record, value, kind="other")
    for value in _parts(get("other_records")):
        if (normalize.classify_identifier(value) or ("",))[0] == "registry":
            add_identifier(record, value)

    record["title"] = get("Public_title")
    record["official_title"] = get("Scientific_title")
    record["acronym"] = get("Acronym")
    record["sponsor"] = get("Primary_sponsor")
    record["collaborators"] = [p for p in _parts(get("Secondary_Sponsor")) if p]
    record["registered"] = normalize.parse_date(
        get("Date_registration3") or get("Date_registration"), field="registered", warnings=warnings
    )
    record["start"] = normalize.parse_date(
        get("Date_enrollement"), field="start", warnings=warnings
    )

    record["status_raw"] = get("Recruitment_Status")
    record["status"] = normalize.parse_status(record["status_raw"], warnings=warnings)
    record["study_type"] = normalize.parse_study_type(get("Study_type"), warnings=warnings)
    record["phase_raw"] = get("Phase")
    record["phases"] = normalize.parse_phases(record["phase_raw"], warnings=warnings)
    if record["phase_raw"] == "0" and record["study_type"] == "OBSERVATIONAL":
        message = "phases: '0' of an observational study read as not given"
        warn(record, warning("phases", PLACEHOLDER_NULLED, "0", message))
        record["phases"] = []
    record["design"] = normalize.parse_design(get("Study_design"), warnings=warnings)
    record["enrollment_raw"] = get("Target_size")
    record["enrollment"] = normalize.parse_enrollment(record["enrollment_raw"], warnings=warnings)

    add_countries(record, get("Countries"))
    if member_state := euctr_member_state(trial_id):
        record["countries"].append(member_state)
    _contacts(record, trial)
    _eligibility(record, get, warnings)
    for name in filter(None, _parts(get("Condition"))):
        if not (NOT_A_CONDITION.match(name) or _ORPHA.match(name)):
            record["conditions"].append({"name": name, "term": None})
    interventions(record, (get("Intervention") or "").split("\n"))
    outcomes(record, _outcome_lines(get("Primary_outcome")), "primary")
    outcomes(record, _outcome_lines(get("Secondary_outcome")), "secondary")
    return finish(record, vocab=vocab, url=url)


def _outcome_lines(text: str | None) -> list[str]:
    """Outcomes are `;`-separated; within one, line breaks separate outcomes too, except in the
    EU register's labelled parts ("Secondary Objective: … <br>• …"), which are one each."""
    lines: list[str] = []
    for part in (text or "").split(";"):
        if _EU_LABEL.match(part):
            lines.append(" ".join(part.split()))
        else:
            lines += part.split("\n")
    return lines


def _contacts(record: dict, trial: ET.Element) -> None:
    """Contact fields are parallel `;`-separated lists, one position per contact."""
    fields = ("Firstname", "Lastname", "Email", "Tel", "Affiliation", "Address")
    columns = [(trial.findtext(f"Contact_{f}") or "").split(";") for f in fields]
    rows = itertools.zip_longest(*columns, fillvalue="")
    for first, last, email, phone, affiliation, address in rows:
        name = normalize.clean_text(" ".join(filter(None, (first.strip(), last.strip()))))
        contact = {
            "name": name,
            "role": None,
            "email": normalize.clean_text(email),
            "phone": normalize.clean_text(phone)
            if (phone or "").strip() not in ("-", "")
            else None,
            "affiliation": normalize.clean_text(affiliation),
        }
        if any(contact.values()) and contact not in record["contacts"]:
            record["contacts"].append(contact)
        if not record["countries"] and (
            code := normalize.country_from_address(normalize.clean_text(address))
        ):
            record["countries"].append(code)


def _criterion(text: str | None, heading: str) -> str | None:
    if not text:
        return None
    return text if _HEADING.match(text) else f"{heading}:\n{text}"


def _eligibility(record: dict, get, warnings: list[Warning]) -> None:
    inclusion = _criterion(get("Inclusion_Criteria"), "Inclusion criteria")
    exclusion = _criterion(get("Exclusion_Criteria"), "Exclusion criteria")
    text = "\n\n".join(filter(None, (inclusion, exclusion))) or None
    record["criteria"] = normalize.split_criteria(text)
    gender = get("Inclusion_gender")
    if gender and (eu := dict((k.lower(), v.lower()) for k, v in _EU_SEX.findall(gender))):
        yes = {k for k, v in eu.items() if v == "yes"}
        record["sex"] = (
            "ALL"
            if len(yes) == 2
            else ({"female": "FEMALE", "male": "MALE"}.get(next(iter(yes), "")))
        )
    else:
        record["sex"] = normalize.parse_sex(gender, warnings=warnings)
    agemin, agemax = get("Inclusion_agemin"), get("Inclusion_agemax")
    if agemin or agemax:
        record["min_age_years"] = normalize.parse_age(
            agemin, field="min_age_years", warnings=warnings
        )
        record["max_age_years"] = normalize.parse_age(
            agemax, field="max_age_years", warnings=warnings
        )
    else:
        record["min_age_years"], record["max_age_years"] = normalize.ages_from_criteria(text)
