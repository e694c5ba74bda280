"""Study type and design: CT.gov enum names, CT.gov words relayed by ICTRP, ChiCTR's and the EU
register's free text, all to ClinicalTrials.gov's enums."""

import re

from trials.readers.record import DESIGN_FIELDS, Design, unmapped
from trials.readers.text import Warnings
from trials.readers.text import fold as _fold
from trials.readers.text import one_line as _one_line
from trials.readers.text import warn as _warn

_STUDY_TYPES = {
    "interventional": "INTERVENTIONAL",
    "interventional study": "INTERVENTIONAL",
    "interventional clinical trial of medicinal product": "INTERVENTIONAL",
    "observational": "OBSERVATIONAL",
    "observational study": "OBSERVATIONAL",
    "observational invasive": "OBSERVATIONAL",
    "observational non invasive": "OBSERVATIONAL",
    "observational patient registry": "OBSERVATIONAL",
    "patient registry": "OBSERVATIONAL",
    "expanded access": "EXPANDED_ACCESS",
    "expanded access study": "EXPANDED_ACCESS",
}


def parse_study_type(raw: str | None, *, warnings: Warnings = None) -> str | None:
    text = _one_line(raw)
    if not text:
        return None
    folded = _fold(text.replace("_", " "))
    if folded in _STUDY_TYPES:
        return _STUDY_TYPES[folded]
    _warn(warnings, unmapped("study_type", text))
    return None


# Ordered: the first pattern that matches the (folded) text wins within each design field.
_DESIGN_PATTERNS: dict[str, list[tuple[str, str]]] = {
    "allocation": [
        (r"\bnon ?randomi[sz]ed\b|\bnot randomi[sz]ed\b", "NON_RANDOMIZED"),
        (r"\brandomi[sz]ed\b|\brandomi[sz]ation\b", "RANDOMIZED"),
        (r"\ballocation n ?a\b|^n ?a$", "NA"),
    ],
    "intervention_model": [
        (r"\bsingle (?:group|arm)\b|\bsingle arm\b|\bsingle group assignment\b", "SINGLE_GROUP"),
        (r"\bparallel\b", "PARALLEL"),
        (r"\bcross ?over\b", "CROSSOVER"),
        (r"\bfactorial\b", "FACTORIAL"),
        (r"\bsequential\b", "SEQUENTIAL"),
    ],
    "masking": [
        (r"\bquadruple\b", "QUADRUPLE"),
        (r"\btriple\b", "TRIPLE"),
        (r"\bdouble\b", "DOUBLE"),
        (r"\bsingle (?:blind|masked)|\bmasking single\b|\bsingle participant\b", "SINGLE"),
        (r"\bopen label\b|\bmasking none\b|\bno masking\b|\bunblinded\b", "NONE"),
    ],
    "primary_purpose": [
        (r"\btreatment\b", "TREATMENT"),
        (r"\bprevention\b", "PREVENTION"),
        (r"\bdiagnostic\b", "DIAGNOSTIC"),
        (r"\bsupportive care\b", "SUPPORTIVE_CARE"),
        (r"\bscreening\b", "SCREENING"),
        (r"\bhealth services research\b", "HEALTH_SERVICES_RESEARCH"),
        (r"\bbasic science\b", "BASIC_SCIENCE"),
        (r"\bdevice feasibility\b", "DEVICE_FEASIBILITY"),
        (r"\beducational counseling training\b", "ECT"),
    ],
}
_DESIGN_ENUMS = {
    "allocation": {"RANDOMIZED", "NON_RANDOMIZED", "NA"},
    "intervention_model": {"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"},
    "masking": {"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"},
    "primary_purpose": {
        "TREATMENT",
        "PREVENTION",
        "DIAGNOSTIC",
        "SUPPORTIVE_CARE",
        "SCREENING",
        "HEALTH_SERVICES_RESEARCH",
        "BASIC_SCIENCE",
        "DEVICE_FEASIBILITY",
        "ECT",
        "OTHER",
    },
}
# The words a searcher uses for a design, added to a trial's search text (its terms, weight B)
# where its title or summary may not say them ("randomized crossover trials"). One word each,
# never a hyphenated one that would also index its parts ("non-randomized" would index
# "randomized"; "single-arm" would index "arm"); a triple-blind trial is double-blind too.
# Treatment, other and unknown purposes say nothing a searcher asks for.
DESIGN_WORDS: dict[tuple[str, str], str] = {
    ("allocation", "RANDOMIZED"): "randomized",
    ("allocation", "NON_RANDOMIZED"): "nonrandomized",
    ("intervention_model", "CROSSOVER"): "crossover",
    ("intervention_model", "FACTORIAL"): "factorial",
    ("masking", "NONE"): "open-label",
    ("masking", "SINGLE"): "single-blind",
    ("masking", "DOUBLE"): "double-blind",
    ("masking", "TRIPLE"): "double-blind triple-blind",
    ("masking", "QUADRUPLE"): "double-blind",
    ("primary_purpose", "PREVENTION"): "prevention",
    ("primary_purpose", "DIAGNOSTIC"): "diagnostic",
    ("primary_purpose", "SCREENING"): "screening",
    ("primary_purpose", "SUPPORTIVE_CARE"): "supportive care",
}


# The words for the kinds of arm a trial has (ClinicalTrials.gov's arm types), in this order.
ARM_WORDS: dict[str, str] = {
    "ACTIVE_COMPARATOR": "active-comparator",
    "PLACEBO_COMPARATOR": "placebo-controlled",
    "SHAM_COMPARATOR": "sham-controlled",
}


def arm_words(arms: list | None) -> list[str]:
    """ARM_WORDS of the kinds of arm a record's arms are, in ARM_WORDS' order."""
    kinds = {arm.get("type") for arm in arms or []}
    return [word for kind, word in ARM_WORDS.items() if kind in kinds]


def design_words(design: dict | None) -> list[str]:
    """DESIGN_WORDS of a record's design, in the order of DESIGN_FIELDS (a record read back
    from jsonb has its keys in another order)."""
    design = design or {}
    pairs = ((field, design.get(field)) for field in DESIGN_FIELDS)
    return [DESIGN_WORDS[pair] for pair in pairs if pair in DESIGN_WORDS]


_LABELLED = re.compile(
    r"(allocation|intervention model|primary purpose|masking)\s*:\s*(.*?)(?=(?:\.\s+|;\s*|$)"
    r"(?:allocation|intervention model|primary purpose|masking|$))",
    re.IGNORECASE,
)


# Who is blinded, as CTRI and others list them ("Participant, Investigator and Outcome Assessor
# Blinded"): the number of roles is ClinicalTrials.gov's masking (SINGLE … QUADRUPLE).
_ROLES = (
    r"\b(?:participants?|subjects?|patients?)\b",
    r"\b(?:care ?providers?|caregivers?)\b",
    r"\binvestigators?\b",
    r"\boutcomes? assessors?\b",
    r"\b(?:dat[ae] ?entry operators?|data analysts?|statisticians?)\b",
)
_MASKING_BY_COUNT = (None, "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE")
_BLINDED = re.compile(r"\b(?:blinded|masked)\b")


def _matched(field: str, folded: str) -> str | None:
    """The first of a field's patterns the folded words match (masking: by roles blinded)."""
    if field == "masking" and _BLINDED.search(folded):
        roles = sum(1 for role in _ROLES if re.search(role, folded))
        if roles:
            return _MASKING_BY_COUNT[min(roles, 4)]
    return next(
        (value for pattern, value in _DESIGN_PATTERNS[field] if re.search(pattern, folded)), None
    )


def design_value(field: str, raw: str | None) -> str | None:
    """One design field from an enum name ("SINGLE_GROUP") or words ("Single Group Assignment")."""
    text = _one_line(raw)
    if not text:
        return None
    enum = text.upper().replace(" ", "_")
    if enum in _DESIGN_ENUMS[field]:
        return enum
    folded = _fold(text)
    if field == "allocation" and folded in {"n a", "na", "not applicable"}:
        return "NA"
    if field == "masking" and folded.startswith("none"):
        return "NONE"
    if field == "masking" and folded.split()[:1] == ["single"]:  # "Single (Outcomes Assessor)"
        return "SINGLE"
    if field == "primary_purpose" and folded == "other":
        return "OTHER"
    return _matched(field, folded)


# ("Randomised: yes"; a key of at most 80 characters: a long run of letters with no colon made
# the search quadratic)
_EU_DESIGN = re.compile(r"([A-Za-z][A-Za-z -]{0,80}?)\s*:\s*(yes|no)\b", re.IGNORECASE)
_EU_DESIGN_KEYS = {
    ("randomised", "yes"): ("allocation", "RANDOMIZED"),
    ("randomised", "no"): ("allocation", "NON_RANDOMIZED"),
    ("open", "yes"): ("masking", "NONE"),
    ("single blind", "yes"): ("masking", "SINGLE"),
    ("double blind", "yes"): ("masking", "DOUBLE"),
    ("parallel group", "yes"): ("intervention_model", "PARALLEL"),
    ("cross over", "yes"): ("intervention_model", "CROSSOVER"),
}


def _eu_design(pairs: list[tuple[str, str]], design: dict) -> None:
    """The EU register's yes/no matrix ("Randomised: no Open: yes Double blind: no …")."""
    for key, answer in pairs:
        field_value = _EU_DESIGN_KEYS.get(
            (_fold(key).replace("randomized", "randomised"), answer.lower())
        )
        if field_value and design[field_value[0]] is None:
            design[field_value[0]] = field_value[1]


def parse_design(raw: str | None, *, warnings: Warnings = None) -> Design:
    """Design from free text: ICTRP's relay of CT.gov ("Allocation: N/A. Intervention model:
    Single Group Assignment. …") or ChiCTR's words ("Parallel", "Randomized parallel controlled
    trial"). Fields the text does not speak of stay None; text giving nothing is warned."""
    design = dict.fromkeys(DESIGN_FIELDS)
    text = _one_line(raw)
    if not text:
        return design
    labelled = {k.lower().replace(" ", "_"): v for k, v in _LABELLED.findall(text)}
    if len(eu_pairs := _EU_DESIGN.findall(text)) >= 2:
        _eu_design(eu_pairs, design)
    else:
        for field, value in labelled.items():
            design[field] = design_value(field, value)
        # The words outside the labels ("Randomized, Parallel Group Trial … Blinding and
        # masking: …", CTRI's) speak of the fields the labels do not.
        folded = _fold(_LABELLED.sub(" ", text))
        for field in _DESIGN_PATTERNS:
            if design[field] is None and field not in labelled:
                design[field] = _matched(field, folded)
        if design["allocation"] == "NA" and "allocation" not in labelled:
            design["allocation"] = None  # a bare "N/A" is not an allocation statement
    if not any(design.values()):
        _warn(warnings, unmapped("design", text))
    return design
