"""Value normalizers shared by every reader: raw registry words in, `trial/1` values out.

Each function takes the source's own words and returns the schema's value, or None when the
words carry no value. Anything a function cannot map or deliberately ignores is reported by
appending a message naming the field and the raw value to `warnings` (the record's list), so
readers never have to remember to warn. Identifiers, places and criteria live in their own
modules and are re-exported here so that readers have one import point.
"""

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

from trials.readers.ages import ages_from_criteria, ages_given_or_stated
from trials.readers.criteria import split_criteria
from trials.readers.dates import DATE_PLACEHOLDERS, parse_date
from trials.readers.design import design_value, parse_design, parse_study_type
from trials.readers.identifiers import (
    JUNK_IDS,
    canonical_identifier,
    classify_identifier,
    identifier_entry,
    ids_in_text,
)
from trials.readers.places import country_code, country_from_address, country_from_city
from trials.readers.record import (
    NO_PHASE_MARKED,
    PLACEHOLDER_NULLED,
    UNREADABLE_VALUE,
    unmapped,
    warning,
)
from trials.readers.text import Warnings, clean_text, decode_bytes
from trials.readers.text import fold as _fold
from trials.readers.text import one_line as _one_line
from trials.readers.text import warn as _warn

__all__ = [
    "DATE_PLACEHOLDERS",
    "JUNK_IDS",
    "ages_from_criteria",
    "ages_given_or_stated",
    "canonical_identifier",
    "classify_identifier",
    "clean_text",
    "country_code",
    "country_from_address",
    "country_from_city",
    "decode_bytes",
    "design_value",
    "identifier_entry",
    "ids_in_text",
    "parse_age",
    "parse_bool",
    "parse_date",
    "parse_design",
    "parse_enrollment",
    "parse_phases",
    "parse_sex",
    "parse_status",
    "parse_study_type",
    "split_criteria",
]

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"


# --- Status ------------------------------------------------------------------------------------

STATUSES = (
    "RECRUITING",
    "NOT_YET_RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "COMPLETED",
    "WITHDRAWN",
    "UNKNOWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
)


@cache
def status_map() -> dict[str, str]:
    """Registry spellings -> enum, from trials/vocab/status.json (data, so curators can add)."""
    data = json.loads((VOCAB_DIR / "status.json").read_text(encoding="utf-8"))
    mapped = {_fold(k): v for k, v in data["map"].items()}
    if "" in mapped:  # words of no Latin letter or digit: they would match every such status
        raise ValueError("status.json: a spelling with no letter or digit to compare")
    return mapped


def parse_status(raw: str | None, *, warnings: Warnings = None) -> str:
    """Overall status enum; UNKNOWN when nothing is given or the words are not mapped (warned)."""
    text = _one_line(raw)
    if not text:
        return "UNKNOWN"
    if text.upper().replace(" ", "_") in STATUSES:
        return text.upper().replace(" ", "_")
    folded = _fold(text)
    if folded in status_map():
        return status_map()[folded]
    _warn(warnings, unmapped("status", text, f"status: unmapped {text!r} read as UNKNOWN"))
    return "UNKNOWN"


# --- Phases ------------------------------------------------------------------------------------

PHASE_ORDER = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
_ROMAN = {"0": 0, "i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PHASE_NAMES = {0: "EARLY_PHASE1", 1: "PHASE1", 2: "PHASE2", 3: "PHASE3", 4: "PHASE4"}
_NOT_APPLICABLE = {"na", "n a", "not applicable", "not applicable na", "none applicable"}
# The registrant chose nothing: the source says nothing, so [] and no warning.
_NOT_GIVEN = {"not selected", "not specified", "unknown", "none", "not stated", "other"}
_POST_MARKET = {"post market", "post marketing", "postmarketing", "post marketing surveillance"}
_EU_MATRIX = re.compile(r"\(phase\s*(i{1,3}|iv)\)\s*:\s*(yes|no)", re.IGNORECASE)


_EARLY_PHASE = re.compile(r"early\s*phase\s*(?:1|i)\b")
_LETTER_THEN_DIGIT = re.compile(r"(?<=[a-z])(?=\d)")
# "Phase 3 study", "phase II clinical trial" (ChiCTR's "II期" folds to "ii")
_PHASE_WORD = re.compile(r"\b(?:phase|phases|ph|fase|stage|clinical|trials?|stud(?:y|ies))\b")
_NUMERAL = re.compile(r"\b(iv|iii|ii|i|[0-4])(?:\s?[ab])?\b")  # "IIIb", "Phase III b"
_PHASE_LIST = re.compile(r"\b(?:iv|iii|ii|i|[0-4])(?:\s?[ab])?\b|\b(?:and|or|to)\b|[\s/+,&-]")


# "Phase 1 to 3", "Phase I-III": every phase between, both ends included.
_PHASE_RANGE = re.compile(
    r"\b(iv|iii|ii|i|[0-4])[ab]?\s*(?:-|–|—|\bto\b)\s*(?:phase\s*)?(iv|iii|ii|i|[0-4])[ab]?\b"
)


def _sorted_phases(values: set[str]) -> list[str]:
    return [p for p in PHASE_ORDER if p in values]


def parse_phases(raw: str | None, *, warnings: Warnings = None) -> list[str]:
    """Phase list. Decisions: "Phase 0" is EARLY_PHASE1 (ClinicalTrials.gov's own renaming of
    phase 0); IIa/IIb/IIIb are their phase; post-market is PHASE4; "N/A" is ["NA"]; "Not
    selected"/"Not specified" are [] without warning (nothing was said); ChiCTR's study
    categories ("New Treatment Measure Clinical Study", …) are not phases: [] with a warning."""
    text = _one_line(raw)
    if not text:
        return []
    if matrix := _EU_MATRIX.findall(text):
        found = {_PHASE_NAMES[_ROMAN[n.lower()]] for n, answer in matrix if answer.lower() == "yes"}
        if not found:
            message = f"phases: no phase marked yes in {text!r}"
            _warn(warnings, warning("phases", NO_PHASE_MARKED, text, message))
        return _sorted_phases(found)
    folded = _fold(unicodedata.normalize("NFKC", text).replace("_", " "))  # "Ⅱ" is "II"
    if folded in _NOT_APPLICABLE:
        return ["NA"]
    if folded in _NOT_GIVEN:
        return []
    if folded in _POST_MARKET or folded.startswith("post market"):
        return ["PHASE4"]
    found: set[str] = set()
    rest, early = _EARLY_PHASE.subn(" ", folded)
    if early:
        found.add("EARLY_PHASE1")
    rest = _LETTER_THEN_DIGIT.sub(" ", rest)  # "phase1" -> "phase 1"
    rest = _PHASE_WORD.sub(" ", rest)
    numerals = _NUMERAL.findall(rest)
    leftover = _PHASE_LIST.sub("", rest)
    if leftover or not (numerals or found):
        _warn(warnings, unmapped("phases", text))
        return []
    found |= {_PHASE_NAMES[_ROMAN[n]] for n in numerals}
    for low, high in _PHASE_RANGE.findall(unicodedata.normalize("NFKC", text).lower()):
        found |= {_PHASE_NAMES[n] for n in range(_ROMAN[low] + 1, _ROMAN[high])}
    return _sorted_phases(found)


# --- Numbers, ages, sex, yes/no ---------------------------------------------------------------

# Registries' "unknown" sample sizes; never a real enrolment.
ENROLLMENT_PLACEHOLDERS = {99999999, 9999999, 999999, 99999}


_GROUP_COUNT = re.compile(r"[:=：]\s*\"?(\d[\d,]*)")  # "group: 30", CTRI's 'Size="60"', "组：30"
# A count that is the whole, among per-group or per-country ones: ISRCTN's "Planned Sample Size:
# 100; UK Sample Size: 100" is 100 participants, not 200.
_TOTAL_COUNT = re.compile(
    r"\b(?:total(?: sample size)?|overall|planned sample size|target(?: sample)?(?: size)?)"
    r"\s*[:=：]\s*\"?(\d[\d,]*)",
    re.IGNORECASE,
)
_COUNT = re.compile(
    r"^\s*(?:approx\w*\.?\s*|about\s+|n\s*=\s*)?(\d{1,3}(?:[ ,.]\d{3})+|\d+)\b", re.I
)
_THOUSANDS = re.compile(r"[ ,.]")


def parse_enrollment(
    raw: str | None, *, zero_is_placeholder: bool = False, warnings: Warnings = None
) -> int | None:
    """Participants as an int. Per-group counts ("intervention group:15;control group:15;") are
    summed, unless one is labelled the total ("Total: 100; …", ISRCTN's "Planned Sample Size");
    one labelled count is that count ("Target number of participants: 60").
    `zero_is_placeholder` is for listing sites that print 0 for every trial."""
    text = _one_line(raw)
    if not text:
        return None
    groups = _GROUP_COUNT.findall(text)
    if total := _TOTAL_COUNT.search(text):  # "Total: 100; Group A: 50; Group B: 50"
        value = int(total[1].replace(",", ""))
    elif (groups and (";" in text or "；" in text)) or len(groups) > 1:
        value = sum(int(g.replace(",", "")) for g in groups)
    elif groups and not _COUNT.match(text):
        value = int(groups[0].replace(",", ""))
    elif match := _COUNT.match(text):
        value = int(_THOUSANDS.sub("", match[1]))
    else:
        message = f"enrollment: unreadable {text!r}"
        _warn(warnings, warning("enrollment", UNREADABLE_VALUE, text, message))
        return None
    if value in ENROLLMENT_PLACEHOLDERS or (value == 0 and zero_is_placeholder):
        message = f"enrollment: placeholder {text!r} ignored"
        _warn(warnings, warning("enrollment", PLACEHOLDER_NULLED, text, message))
        return None
    return value


_AGE_UNITS = {
    "y": 1, "year": 1, "m": 12, "month": 12, "w": 52, "week": 52, "d": 365, "day": 365,
    "hour": 8760, "h": 8760, "minute": 525600, "min": 525600,
}  # fmt: skip
_NO_AGE_LIMIT = {
    "n a",
    "na",
    "no limit",
    "no limits",
    "no age limit",
    "not limited",
    "unlimited",
    "none",
    "nil",
    "not stated",
    "not specified",
    "no",
    "any",
    "any age",
    "not applicable",
    "",
}
# Exports' "no limit" numbers: never a real age.
_AGE_PLACEHOLDERS = {999, 9999, 99999, 999999}
_AGE = re.compile(
    r"(?P<cmp>[<>]=?|[≥≤])?\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<plus>\+)?\s*\(?\s*"
    r"(?P<unit>y|years?|yrs?|age|m|months?|w|weeks?|d|days?|hours?|h|minutes?|min|"
    r"años|anos|jahre|周岁|岁|歳)?\s*\)?"
    r"(?:[\s-]*(?:old|of\s+age))?"
    r"\s*(?P<open>\+|(?:and|or)\s+(?:older|over|above|more)|over|以上)?(?P<below>未満)?"
    r"(?:以下|\s*(?:or|and)\s+(?:younger|under|below|less))?",
    re.IGNORECASE,
)


def parse_age(
    raw: str | None, *, field: str = "age", warnings: Warnings = None
) -> int | float | None:
    """Age in years: "18 Years" -> 18, "6 Months" -> 0.5, "18Y", "18 years old", "28 Days";
    "N/A", "No limit" and the export placeholder 99999 -> None. ICTRP relays JPRN's and
    ChiCTR's spellings too: ">= 20age old", "18years-old", "60(Year)", "18岁". An open-ended
    group as a maximum ("65+", an EU age group) and a maximum of 0 (some registers' "no limit")
    mean no upper limit: None. A strict maximum ("< 75", jRCT's "75歳未満") is one unit below
    it, in completed years as ClinicalTrials.gov's fields are (`ages.py` reads prose alike)."""
    text = _one_line(raw)
    if not text or _fold(text) in _NO_AGE_LIMIT:
        return None
    text = text.replace("(s)", "s").replace("(S)", "S")  # CTRI's, PACTR's "18.00 Year(s)"
    match = _AGE.fullmatch(text.strip())
    if not match:
        message = f"{field}: unreadable age {text!r}"
        _warn(warnings, warning(field, UNREADABLE_VALUE, text, message))
        return None
    if float(match["number"]) in _AGE_PLACEHOLDERS:
        message = f"{field}: placeholder age {text!r} ignored"
        _warn(warnings, warning(field, PLACEHOLDER_NULLED, text, message))
        return None
    if field == "max_age_years" and (match["plus"] or match["open"] or not float(match["number"])):
        return None  # "65+" or "0" as a maximum: no upper limit
    unit = (match["unit"] or "y").lower().rstrip("s")
    unit = "y" if unit in ("yr", "age", "岁", "周岁", "歳", "año", "ano", "jahre") else unit
    number = float(match["number"])
    if field == "max_age_years" and (match["cmp"] == "<" or match["below"]) and number >= 1:
        number -= 1
    value = number / _AGE_UNITS.get(unit, 1)
    return int(value) if value == int(value) else round(value, 2)


# Both sexes as registries write it (after an optional "both": ANZCTR's "Both males and
# females", DRKS's "Both, male and female").
_BOTH_SEXES = {
    "all", "both", "either", "m f", "f m", "all sexes", "any", "male female", "female male",
    "ambos", "ambos os sexos", "ambos sexos", "alle", "beide",
    "male and female", "female and male", "males and females", "females and males",
    "men and women", "women and men",
}  # fmt: skip


def parse_sex(raw: str | None, *, warnings: Warnings = None) -> str | None:
    text = _one_line(raw)
    if not text:
        return None
    if "男" in text or "女" in text:  # ChiCTR's, jRCT's: 男女均可, 男女両方, 女性
        return "ALL" if "男" in text and "女" in text else "MALE" if "男" in text else "FEMALE"
    folded = _fold(text)
    folded = folded.removeprefix("both ").removesuffix(" participants")
    if folded in _BOTH_SEXES:
        return "ALL"
    if folded in {"female", "females", "women", "f", "female only"}:
        return "FEMALE"
    if folded in {"male", "males", "men", "m", "male only"}:
        return "MALE"
    _warn(warnings, unmapped("sex", text))
    return None


def parse_bool(raw: str | None, *, field: str, warnings: Warnings = None) -> bool | None:
    text = _one_line(raw)
    if not text:
        return None
    folded = _fold(text)
    if folded in {"yes", "y", "true", "accepts healthy volunteers"}:
        return True
    if folded in {"no", "n", "false"}:
        return False
    _warn(warnings, unmapped(field, text))
    return None
