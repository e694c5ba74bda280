"""WHO ICTRP trial pages (`Trial2.aspx`) saved as text: seeds 002 and 003.

The page is `Label: value` lines (values padded with non-breaking spaces) and a few headed
blocks (countries, contacts, criteria, conditions, interventions, outcomes, secondary IDs).
Older pages show "only the 20 elements" and lack the Phase and Prospective Registration lines.

Decision: the page's `URL:` line is the register's own page for the trial, not where this
document came from, so it goes to `source.register_url`; `source.url` is only what the caller
says (`--url`). `source.registry` is the `Register:` line, in the registry names identifiers use.
ICTRP dates are day first; "Last refreshed on" is when ICTRP last copied the record, kept as
`source.refreshed` — it is not the trial's own last update, so `last_updated` stays null;
it is also `status_verified`, the nearest ICTRP comes to a confirmed status.
"""

import re
from collections.abc import Iterator

from trials.readers import normalize
from trials.readers.errors import ReaderError
from trials.readers.finish import add_countries, add_identifier, finish
from trials.readers.limits import Limits
from trials.readers.places import euctr_member_state
from trials.readers.record import TrialRecord, empty_record
from trials.readers.vocabulary import Vocabulary

FORMAT = "ictrp-page"

_BLOCKS = (
    "Countries of recruitment",
    "Contacts",
    "Key inclusion & exclusion criteria",
    "Health Condition(s) or Problem(s) studied",
    "Intervention(s)",
    "Primary Outcome(s)",
    "Secondary Outcome(s)",
    "Secondary ID(s)",
    "Source(s) of Monetary Support",
    "Secondary Sponsor(s)",
    "Ethics review",
    "Results",
)
_ENDS_BLOCK = re.compile(r"^(?:Age minimum|Age maximum|Gender|Disclaimer)\s*:", re.IGNORECASE)
_LABEL = re.compile(r"^([A-Z][A-Za-z ()]{1,40}?)\s*:\s*(.*)$")
_REGISTERS = {
    "clinicaltrials gov": "ClinicalTrials.gov",
    "chictr": "ChiCTR",
    "chinese clinical trial register": "ChiCTR",
    "chinese clinical trial registry": "ChiCTR",
    "eu clinical trials register": "EU Clinical Trials Register",
    "euctr": "EU Clinical Trials Register",
    "ctis": "CTIS",
    "clinical trials information system": "CTIS",
    "isrctn": "ISRCTN",
    "german clinical trials register": "DRKS",
    "drks": "DRKS",
    "cris": "CRIS",
    "ctri": "CTRI",
    "irct": "IRCT",
    "anzctr": "ANZCTR",
    "australian new zealand clinical trials registry": "ANZCTR",
    "pactr": "PACTR",
    "tctr": "TCTR",
    "slctr": "SLCTR",
    "rebec": "ReBEC",
    "brazilian clinical trials registry rebec": "ReBEC",
    "ntr": "OMON",
    "nl omon": "OMON",
    "netherlands trial register": "OMON",
    "jprn": "JPRN",
    "lbctr": "LBCTR",
    "rpcec": "RPCEC",
    "repec": "REPEC",
    "itmctr": "ITMCTR",
}
# ICTRP's relay of CT.gov intervention types ("Drug: Abatacept").
_TYPES = {
    "drug": "DRUG",
    "biological": "BIOLOGICAL",
    "device": "DEVICE",
    "procedure": "PROCEDURE",
    "procedure surgery": "PROCEDURE",
    "behavioral": "BEHAVIORAL",
    "dietary supplement": "DIETARY_SUPPLEMENT",
    "radiation": "RADIATION",
    "genetic": "GENETIC",
    "combination product": "COMBINATION_PRODUCT",
    "diagnostic test": "DIAGNOSTIC_TEST",
    "other": "OTHER",
}


# The EU register describes a product in `Key: value` parts; these name it, the rest do not.
_EU_PRODUCT_NAMES = {"product name", "trade name", "inn or proposed inn", "other descriptive name"}
_EU_PRODUCT_DETAILS = {
    "pharmaceutical form",
    "product code",
    "cas number",
    "current sponsor code",
    "concentration unit",
    "concentration type",
    "concentration number",
    "route of administration",
    "pharmaceutical form of the placebo",
    "route of administration of the placebo",
}
# MedDRA coding and other annotations the EU register appends to conditions and outcomes.
NOT_A_CONDITION = re.compile(
    r"^(?:MedDRA version|Level|Classification code|Term|System Organ Class|Therapeutic area)\b",
    re.IGNORECASE,
)
_NOT_AN_OUTCOME = re.compile(r"^(?:Main Objective|Secondary Objective)\s*:", re.IGNORECASE)
_OUTCOME_PREFIX = re.compile(r"^(?:Primary|Secondary) end point\(s\)\s*:\s*", re.IGNORECASE)
_TIMEPOINT = re.compile(r"^Timepoint\(s\) of evaluation of this end point\s*:\s*", re.IGNORECASE)


def sniff(text: str) -> bool:
    head = text[:5000]
    return "Main ID:" in head and any(
        marker in head for marker in ("Register:", "World Health Organization", "Public title:")
    )


def _fold(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", value.lower()).strip()


def register_name(value: str | None) -> str | None:
    """ICTRP's name of a register ("German Clinical Trials Register") in the registry names
    identifiers use ("DRKS"); unknown names are kept as written."""
    return _REGISTERS.get(_fold(value or ""), value) if value else None


def _labels(lines: list[str]) -> dict[str, str]:
    """First non-empty value of each `Label: value` line before the Results block."""
    values: dict[str, str] = {}
    for line in lines:
        if line.strip() == "Results":
            break
        if match := _LABEL.match(line.strip()):
            label, value = match[1].strip().lower(), match[2].strip()
            # "Female:"/"Male:" count as the EU register's yes/no lines only, not as a
            # criterion starting "Female: a female participant is eligible if …".
            answer = label not in ("female", "male") or _fold(value) in ("yes", "no")
            if value and label not in values and answer:
                values[label] = value
    return values


def _blocks(lines: list[str]) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        stripped = line.strip()
        if stripped in _BLOCKS:
            current = blocks.setdefault(stripped, [])
        elif current is not None and _ENDS_BLOCK.match(stripped):
            current = None
        elif current is not None:
            current.append(line.rstrip())
    return blocks


def _contacts(record: dict, lines: list[str]) -> None:
    addressed: list[str] = []  # countries of the contacts' addresses
    contact: dict | None = None
    contacts: list[dict] = []
    for line in lines:
        match = _LABEL.match(line.strip())
        if not match:
            continue
        label, value = match[1].lower(), normalize.clean_text(match[2])
        if label == "name":
            contact = dict.fromkeys(("name", "role", "email", "phone", "affiliation"))
            contact["name"] = value
            contacts.append(contact)
        elif contact is None:
            continue
        elif label == "email":
            contact["email"] = value
        elif label == "telephone":
            contact["phone"] = value
        elif label == "affiliation":
            contact["affiliation"] = value
        elif label == "address" and (code := normalize.country_from_address(value)):
            addressed.append(code)
    record["contacts"] = [c for c in contacts if any(c.values())]
    # A contact's address is where the contact is, not where the trial recruits (a London
    # office, African sites): its country only when the page names none, as the XML reader.
    if not record["countries"]:
        record["countries"] += addressed


# IRCT numbers its interventions in one line: "Intervention 1: Intervention group: Methotrexate
# 15 mg weekly. Intervention 2: Control group: Placebo tablets weekly."
_NUMBERED_INTERVENTION = re.compile(r"(?:^|(?<=[.;]))\s*\bIntervention\s+\d+\s*:\s*", re.IGNORECASE)


def interventions(record: dict, lines: list[str]) -> None:
    arms: dict[str, list[str]] = {}
    lines = [part for line in lines for part in _NUMBERED_INTERVENTION.split(line)]
    for part in (p.strip() for line in lines for p in line.split(";")):
        if not part:
            continue
        kind, _, name = part.partition(":")
        if name and _fold(kind) in _EU_PRODUCT_DETAILS:
            continue
        if name and _fold(kind) in _EU_PRODUCT_NAMES:
            kind = "drug"
        itype = _TYPES.get(_fold(kind)) if name else None
        if name and itype is None:  # ChiCTR: "intervention group:lenalidomide 10mg qd"
            arms.setdefault(kind.strip(), []).append(name.strip())
        name = name.strip() if name else part
        record["interventions"].append(
            {"name": name, "type": itype, "description": None, "drug": None, "is_placebo": False}
        )
    for label, names in arms.items():
        record["arms"].append(
            {"label": label, "type": None, "description": None, "interventions": names}
        )


def outcomes(record: dict, lines: list[str], kind: str) -> None:
    for part in (p.strip() for line in lines for p in line.split(";")):
        if not part or _NOT_AN_OUTCOME.match(part):
            continue
        if _TIMEPOINT.match(part):
            if record["outcomes"] and record["outcomes"][-1]["time_frame"] is None:
                record["outcomes"][-1]["time_frame"] = _TIMEPOINT.sub("", part) or None
            continue
        part = _OUTCOME_PREFIX.sub("", part)
        match = re.match(r"^(.*?)\s*\[\s*Time\s*Frame\s*:\s*(.*?)\s*\]\s*$", part, re.IGNORECASE)
        measure, frame = (match[1], match[2]) if match else (part, None)
        record["outcomes"].append({"kind": kind, "measure": measure, "time_frame": frame})


def _eu_sex(labels: dict[str, str]) -> str | None:
    """The EU register's "Female: yes / Male: yes" lines instead of a Gender value."""
    female, male = _fold(labels.get("female", "")), _fold(labels.get("male", ""))
    if female == "yes" and male == "yes":
        return "ALL"
    if female == "yes" or male == "yes":
        return "FEMALE" if female == "yes" else "MALE"
    return None


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
    lines = text.split("\n")
    labels, blocks = _labels(lines), _blocks(lines)
    if not labels.get("main id") and not labels.get("public title"):
        raise ReaderError("not an ICTRP trial page (no Main ID or title)")
    record = empty_record(FORMAT, data)
    warnings = record["warnings"]
    get = labels.get

    record["source"]["registry"] = register_name(get("register"))
    record["source"]["refreshed"] = normalize.parse_date(
        get("last refreshed on"), field="refreshed", warnings=warnings
    )
    # ICTRP's "last refreshed" is the nearest it says to a confirmation of the status.
    record["status_verified"] = record["source"]["refreshed"]
    record["source"]["register_url"] = get("url")
    record["trial_id"] = get("main id")
    add_identifier(record, get("main id"))
    for line in blocks.get("Secondary ID(s)", []):
        add_identifier(record, line, kind="other")

    record["title"] = get("public title")
    record["official_title"] = get("scientific title")
    record["registered"] = normalize.parse_date(
        get("date of registration"), field="registered", warnings=warnings
    )
    record["start"] = normalize.parse_date(
        get("date of first enrolment"), field="start", warnings=warnings
    )
    record["sponsor"] = get("primary sponsor")
    record["collaborators"] = [c.strip() for c in blocks.get("Secondary Sponsor(s)", [])]

    record["status_raw"] = get("recruitment status")
    record["status"] = normalize.parse_status(record["status_raw"], warnings=warnings)
    record["phase_raw"] = get("phase")
    record["phases"] = normalize.parse_phases(record["phase_raw"], warnings=warnings)
    record["study_type"] = normalize.parse_study_type(get("study type"), warnings=warnings)
    record["design"] = normalize.parse_design(get("study design"), warnings=warnings)
    record["enrollment_raw"] = get("target sample size")
    record["enrollment"] = normalize.parse_enrollment(record["enrollment_raw"], warnings=warnings)

    add_countries(record, "\n".join(blocks.get("Countries of recruitment", [])))
    if member_state := euctr_member_state(record["trial_id"]):
        record["countries"].append(member_state)
    _contacts(record, blocks.get("Contacts", []))

    criteria = normalize.clean_text("\n".join(blocks.get("Key inclusion & exclusion criteria", [])))
    record["criteria"] = normalize.split_criteria(criteria)
    record["sex"] = normalize.parse_sex(get("gender"), warnings=warnings) or _eu_sex(labels)
    if "age minimum" in labels or "age maximum" in labels:
        record["min_age_years"] = normalize.parse_age(
            get("age minimum"), field="min_age_years", warnings=warnings
        )
        record["max_age_years"] = normalize.parse_age(
            get("age maximum"), field="max_age_years", warnings=warnings
        )
    else:
        record["min_age_years"], record["max_age_years"] = normalize.ages_from_criteria(criteria)

    for line in blocks.get("Health Condition(s) or Problem(s) studied", []):
        for name in filter(None, (p.strip() for p in line.split(";"))):
            if not NOT_A_CONDITION.match(name):
                record["conditions"].append({"name": name, "term": None})
    interventions(record, blocks.get("Intervention(s)", []))
    outcomes(record, blocks.get("Primary Outcome(s)", []), "primary")
    outcomes(record, blocks.get("Secondary Outcome(s)", []), "secondary")
    yield finish(record, vocab=vocab, url=url)
