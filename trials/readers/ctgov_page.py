"""ClinicalTrials.gov studies as re-published by a trial-listing site (MedDataX style): seeds
000 and 001.

Each section has a heading, a one-line blurb ("Get a concise snapshot of the trial…") and then
values, mostly under field labels ("Recruitment Status", then "UNKNOWN"). The values are
ClinicalTrials.gov's own (enum names, ISO dates), so `source.registry` is ClinicalTrials.gov.
Another extraction of the same site drops the headings and keeps only values; those are read
by their shape (an enum name is a status, "10 participants" an enrolment) with a warning.
"More Related Trials" blocks list *other* trials' NCT IDs and are cut before anything is read.
"""

import re
from collections.abc import Iterator

from trials.readers import ctgov_blocks as blocks
from trials.readers import normalize
from trials.readers.errors import ReaderError
from trials.readers.finish import add_identifier, finish, warn
from trials.readers.limits import Limits
from trials.readers.record import (
    DESIGN_FIELDS,
    VALUES_READ_BY_SHAPE,
    TrialRecord,
    empty_record,
    unmapped,
    warning,
)
from trials.readers.vocabulary import Vocabulary

FORMAT = "ctgov-page"

SECTIONS = (
    "Study Results",
    "Basic Information",
    "Brief Summary",
    "Detailed Description",
    "Conditions",
    "Keywords",
    "Study Design",
    "Study Groups",
    "Interventions",
    "Primary Outcomes",
    "Secondary Outcomes",
    "Eligibility Criteria",
    "Sponsors",
    "Collaborators",
    "Responsible Party",
    "Principal Investigators",
    "Locations",
    "Countries",
    "Central Contacts",
    "References",
    "Other Identifiers",
    "More Related Trials",
    "Related Clinical Trials",
)
_RELATED = {"More Related Trials", "Related Clinical Trials"}
_BLURB = re.compile(
    r"^(?:Get|Review|See|Understand|Learn|Dive|Check|Meet|Identify|Explore|Reach out|"
    r"Additional|Find|Discover|Read|Browse)\b.*[.!]$"
)
_LABELS = (
    "Recruitment Status",
    "Clinical Phase",
    "Total Enrollment",
    "Study Classification",
    "Study Start Date",
    "Primary Completion Date",
    "Study Completion Date",
    "Study First Submitted",
    "First Submitted",
    "Allocation Method",
    "Intervention Model",
    "Primary Study Purpose",
    "Blinding Strategy",
    "Inclusion Criteria",
    "Exclusion Criteria",
    "Minimum Eligible Age",
    "Maximum Eligible Age",
    "Eligible Sex",
    "Accepts Healthy Volunteers",
)
# The page's "Last Verified" (or the older "Record Verification Date") line, when it shows one.
_VERIFIED = re.compile(r"^(?:Last Verified|Record Verification Date|Status Verified):\s*(.+)$")
_AGE_LABELS = ("Minimum Eligible Age", "Maximum Eligible Age", "Eligible Sex")
_RELATED_LINE = re.compile(r"^NCT\d{8}\s+[A-Z_]+(?:\s+[A-Z0-9_/, ]+)?$")
_AGE_OR_SEX = re.compile(r"^(?:ALL|FEMALE|MALE|N/A|\d+ (?:Years?|Months?|Weeks?|Days?))$")


def sniff(text: str) -> bool:
    return bool(
        re.search(r"^NCT ID:\s*NCT\d{8}", text, re.MULTILINE)
        or (
            "Recruitment Status" in text
            and any(label in text for label in ("Clinical Phase", "Study Classification"))
        )
        or ("Group Type " in text and "Intervention Type " in text)
    )


def _strip_related(lines: list[str]) -> list[str]:
    """Drop related-trial blocks: their heading and blurb, and every `NCTxxxxxxxx STATUS PHASE`
    line with the title line above it (the headingless layout has such lines anywhere)."""
    kept: list[str] = []
    after_heading = False
    for line in lines:
        stripped = line.strip()
        if stripped in _RELATED:
            after_heading = True
            continue
        if after_heading and stripped:
            after_heading = False
            if _BLURB.match(stripped):
                continue
        if _RELATED_LINE.match(stripped):
            while kept and not kept[-1].strip():
                kept.pop()
            if kept:
                kept.pop()
            continue
        kept.append(line)
    return kept


def _sections(lines: list[str]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"": []}
    current = ""
    expect_blurb = False
    for line in lines:
        stripped = line.strip()
        if stripped in SECTIONS:
            current, expect_blurb = stripped, True
            sections.setdefault(current, [])
            continue
        if expect_blurb and stripped:
            expect_blurb = False
            if _BLURB.match(stripped):
                continue
        sections[current].append(line)
    return sections


def _nonblank(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip()]


def _labelled(lines: list[str]) -> dict[str, str | None]:
    """Each field label with the line after it (None when a label or heading follows)."""
    values: dict[str, str | None] = {}
    for position, line in enumerate(lines):
        if line in _LABELS and line not in values:
            following = lines[position + 1] if position + 1 < len(lines) else None
            blank = following is None or following in _LABELS or following in SECTIONS
            values[line] = None if blank else following
    return values


def _prose(lines: list[str]) -> str | None:
    return normalize.clean_text("\n".join(lines))


def _criteria_text(lines: list[str]) -> str | None:
    """The criteria as written: from "Inclusion Criteria" up to the age and sex fields."""
    start = next((i for i, line in enumerate(lines) if line.strip() == "Inclusion Criteria"), None)
    if start is None:
        start = next((i for i, v in enumerate(lines) if "Exclusion Criteria" in v), None)
    if start is None:
        return None
    end = len(lines)
    for position in range(start + 1, len(lines)):
        stripped = lines[position].strip()
        # Labelled pages end at the age fields; the headingless layout at the first age or sex
        # value ("18 Years", "ALL").
        if (
            stripped in _AGE_LABELS
            or stripped == "Accepts Healthy Volunteers"
            or _AGE_OR_SEX.match(stripped)
        ):
            end = position
            break
    text = "\n".join(lines[start:end])
    text = re.sub(r"^(Inclusion|Exclusion) Criteria\s*$", r"\1 Criteria:", text, flags=re.M)
    return normalize.clean_text(text)


def _by_shape(record: dict, lines: list[str]) -> None:
    """The headingless layout: find the basic values by what they look like."""
    warnings = record["warnings"]
    message = "layout: no field labels; values read by their shape"
    warn(record, warning(None, VALUES_READ_BY_SHAPE, None, message))
    dates: list[str] = []
    for line in lines:
        if line in normalize.STATUSES and record["status_raw"] is None:
            record["status_raw"], record["status"] = line, line
        elif re.fullmatch(r"(?:EARLY_PHASE1|PHASE\d|NA)(?:[,/ ]+PHASE\d)*", line):
            if record["phase_raw"] is None:
                record["phase_raw"] = line
                record["phases"] = normalize.parse_phases(line, warnings=warnings)
        elif match := re.fullmatch(r"(\d[\d,]*) participants?", line):
            record["enrollment_raw"] = record["enrollment_raw"] or line
            record["enrollment"] = record["enrollment"] or normalize.parse_enrollment(
                match[1], warnings=warnings
            )
        elif line in ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"):
            record["study_type"] = record["study_type"] or line
        elif re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", line):
            dates.append(line)
        elif line in ("ALL", "FEMALE", "MALE") and record["sex"] is None:
            record["sex"] = line
        for field in DESIGN_FIELDS:
            if field == "allocation" and line not in ("RANDOMIZED", "NON_RANDOMIZED"):
                continue  # "NA" alone could be a phase as well
            if record["design"][field] is None and line == line.upper():
                record["design"][field] = normalize.design_value(field, line)
    if len(dates) >= 1:
        record["start"] = normalize.parse_date(dates[0], field="start", warnings=warnings)
    if len(dates) >= 2:
        record["completion"] = normalize.parse_date(dates[1], field="completion", warnings=warnings)


def read(
    data: bytes,
    *,
    url: str | None = None,
    vocab: Vocabulary | None = None,
    limits: Limits | None = None,  # a page is read whole: Source.read holds it to the byte limit
) -> Iterator[TrialRecord]:
    # Long on purpose: the record is filled field by field in the page's order, so the function
    # reads as the mapping table from the registry's labels to trial/1; helpers for its parts
    # would each take the whole record and scatter that table.
    text = normalize.clean_text(normalize.decode_bytes(data)) or ""
    raw_lines = _strip_related(text.split("\n"))
    sections = _sections(raw_lines)
    lines = _nonblank(raw_lines)
    header = _nonblank(sections[""])
    record = empty_record(FORMAT, data)
    warnings = record["warnings"]
    record["source"]["registry"] = "ClinicalTrials.gov"
    for line in header:
        if match := re.match(r"^NCT ID:\s*(\S+)", line):
            record["trial_id"] = match[1]
            add_identifier(record, match[1])
        elif match := re.match(r"^Last Updated:\s*(.+)$", line):
            record["last_updated"] = normalize.parse_date(
                match[1], field="last_updated", warnings=warnings
            )
            record["source"]["refreshed"] = record["last_updated"]
        elif match := _VERIFIED.match(line):
            record["status_verified"] = normalize.parse_date(
                match[1], field="status_verified", warnings=warnings
            )
        elif record["title"] is None and line not in _LABELS:
            record["title"] = line
    if not record["trial_id"] and not record["title"]:
        raise ReaderError("not a ClinicalTrials.gov study page (no NCT ID or title)")

    labels = _labelled(lines)
    record["status_raw"] = labels.get("Recruitment Status")
    record["status"] = normalize.parse_status(record["status_raw"], warnings=warnings)
    record["phase_raw"] = labels.get("Clinical Phase")
    record["phases"] = normalize.parse_phases(record["phase_raw"], warnings=warnings)
    record["enrollment_raw"] = labels.get("Total Enrollment")
    record["enrollment"] = normalize.parse_enrollment(record["enrollment_raw"], warnings=warnings)
    record["study_type"] = normalize.parse_study_type(
        labels.get("Study Classification"), warnings=warnings
    )
    record["start"] = normalize.parse_date(
        labels.get("Study Start Date"), field="start", warnings=warnings
    )
    record["completion"] = normalize.parse_date(
        labels.get("Study Completion Date"), field="completion", warnings=warnings
    )
    first = labels.get("Study First Submitted") or labels.get("First Submitted")
    record["registered"] = normalize.parse_date(first, field="registered", warnings=warnings)
    for field, label in (
        ("allocation", "Allocation Method"),
        ("intervention_model", "Intervention Model"),
        ("masking", "Blinding Strategy"),
        ("primary_purpose", "Primary Study Purpose"),
    ):
        record["design"][field] = normalize.design_value(field, labels.get(label))
    if "Recruitment Status" not in labels and "Study Classification" not in labels:
        _by_shape(record, lines)

    record["summary"] = _prose(sections.get("Brief Summary", []))
    record["description"] = _prose(sections.get("Detailed Description", []))
    for name in _nonblank(sections.get("Conditions", [])):
        record["conditions"].append({"name": name, "term": None})

    criteria = _criteria_text(sections.get("Eligibility Criteria") or raw_lines)
    record["criteria"] = normalize.split_criteria(criteria)
    record["sex"] = record["sex"] or normalize.parse_sex(
        labels.get("Eligible Sex"), warnings=warnings
    )
    if "Minimum Eligible Age" in labels or "Maximum Eligible Age" in labels:
        for field, label in (
            ("min_age_years", "Minimum Eligible Age"),
            ("max_age_years", "Maximum Eligible Age"),
        ):
            record[field] = normalize.parse_age(labels.get(label), field=field, warnings=warnings)
    else:
        record["min_age_years"], record["max_age_years"] = normalize.ages_from_criteria(criteria)
    record["healthy_volunteers"] = normalize.parse_bool(
        labels.get("Accepts Healthy Volunteers"), field="healthy_volunteers", warnings=warnings
    )

    blocks.arms(record, _nonblank(sections.get("Study Groups", [])))
    headingless = len(sections) == 1
    blocks.interventions(
        record,
        _nonblank(sections.get("Interventions", lines if headingless else [])),
        headingless=headingless,
    )
    if not record["interventions"]:
        names = {name for arm in record["arms"] for name in arm["interventions"]}
        record["interventions"] = [blocks.intervention(name, None, None) for name in sorted(names)]
    blocks.sponsors(record, _nonblank(sections.get("Sponsors", lines if headingless else [])))
    record["collaborators"] += _nonblank(sections.get("Collaborators", []))
    blocks.contacts(record, _nonblank(sections.get("Principal Investigators", [])))
    blocks.contacts(record, _nonblank(sections.get("Central Contacts", [])))
    blocks.sites(record, _nonblank(sections.get("Locations", [])))
    for name in _nonblank(sections.get("Countries", [])):
        if code := normalize.country_code(name):
            record["countries"].append(code)
        else:
            warn(record, unmapped("countries", name))
    blocks.references(record, _nonblank(sections.get("References", [])))
    blocks.identifiers(record, _nonblank(sections.get("Other Identifiers", [])))
    blocks.outcomes(record, _nonblank(sections.get("Primary Outcomes", [])), "primary")
    blocks.outcomes(record, _nonblank(sections.get("Secondary Outcomes", [])), "secondary")
    yield finish(record, vocab=vocab, url=url)
