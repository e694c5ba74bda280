"""Age limits written only in the eligibility criteria, for sources without structured ages.

Readers call `ages_from_criteria` only when the source has no age fields of its own (a
registry's structured "N/A" is an answer, and is kept). The reading is conservative — null is
better than a wrong bound, because the age filter hides trials from people:

- Only inclusion criteria are read. With an "Exclusion criteria" heading and no inclusion
  heading, only the text before it; with no heading at all, every line. An age in an exclusion
  criterion ("patients older than 80 are excluded") is not read as a bound: exclusions often
  concern a subgroup ("over 65 with renal impairment"), and turning a negated condition into a
  limit is a guess.
- A phrase counts only when it is about the participant's age: an age word ("aged", "age",
  "years of age", "years old") is part of it, or nothing but words for people ("Adults",
  "Male or female patients") precedes it in its criterion. Conditional or other-person
  criteria ("If …", "parent", "onset before age 16", "diagnosed after …") are skipped.
- Limits are in completed years, as ClinicalTrials.gov's fields are: "≥ 18", "over 18" and
  "older than 18" give min 18; "≤ 65" and "up to 65" give max 65; "< 65", "under 18" and
  "younger than 18" give max 64 and 17 (one unit below). Months, weeks and days are converted.
- Criteria that disagree (two different minimums in two criteria) give null for that bound.
- The EU Clinical Trials Register's age-group answers ("Are the trial subjects under 18? no",
  "F.1.2 Adults (18-64 years) yes", "F.1.3 Elderly (>=65 years) yes"), which ICTRP appends to
  the inclusion criteria, fill a bound the prose does not give: the youngest group's lower
  limit when no minors take part ("under 18? no" and Adults yes: min 18), the oldest group's
  upper limit (Elderly no: max 64; Elderly yes: no maximum). Groups are coarse, so prose that
  states a bound ("Age ≥ 50 years") wins.
"""

import re

from trials.readers.criteria import split_criteria

Age = int | float | None

_UNIT_PER_YEAR = {"y": 1, "m": 12, "w": 52, "d": 365}
_UNIT = r"(?:years?|yrs?|y|months?|mos?|weeks?|wks?|days?)"
_NUM = r"\d{1,3}(?:\.\d+)?"


def _num(name: str) -> str:
    return rf"(?P<{name}>{_NUM})"


_MIN_WORDS = (
    r"≥|>|over|above|older\s+than|more\s+than|greater\s+than|at\s+least|not\s+less\s+than|"
    r"no\s+less\s+than|not\s+younger\s+than|no\s+younger\s+than|minimum(?:\s+age)?(?:\s+of)?|from"
)
_MAX_WORDS = (
    r"≤|<|under|below|younger\s+than|less\s+than|up\s+to|not\s+older\s+than|no\s+older\s+than|"
    r"not\s+more\s+than|no\s+more\s+than|not\s+exceeding|maximum(?:\s+age)?(?:\s+of)?|until"
)
_STRICT_MAX = re.compile(r"^(?:<|under|below|younger\s+than|less\s+than)$")
_AGE_SUFFIX = r"(?:\s*(?:of\s+age|old|of\s+age\s+or\s+older))?"
_PHRASES = re.compile(
    # "between 18 and 75 years", "6 months to 17 years", "18-75 years old", "2 to 11"
    rf"(?P<range>(?:between\s+|from\s+|not\s+less\s+than\s+)?{_num('lo')}\s*(?P<u1>{_UNIT})?\s*(?:-|–|—|~|to|and|through)\s*"
    rf"{_num('hi')}\s*(?P<u2>{_UNIT})?\b{_AGE_SUFFIX})"
    # "≥ 18 years", "over 18", "at least 18 years of age", "minimum age 18"
    rf"|(?P<min>(?P<minword>{_MIN_WORDS})\s*:?\s*{_num('n_min')}\s*(?P<u3>{_UNIT})?\b{_AGE_SUFFIX}"
    rf"(?!\s*(?:-|–|to|through|and)\s*\d))"
    rf"|(?P<max>(?P<maxword>{_MAX_WORDS})\s*:?\s*{_num('n_max')}\s*(?P<u4>{_UNIT})?\b{_AGE_SUFFIX})"
    # "18 years or older", "18 years of age and above", "18+ years"
    rf"|(?P<minafter>{_num('n_minafter')}\s*(?:\+\s*)?(?P<u5>{_UNIT})?\s*(?P<ofage>of\s+age|old)?\s*"
    rf"(?:or|and)\s+(?P<afterword>older|over|above|more|greater)\b)"
    rf"|(?P<plus>{_num('n_plus')}\s*\+\s*(?P<u6>{_UNIT})\b{_AGE_SUFFIX})"
    # "65 years or younger", "17 years of age or less"
    rf"|(?P<maxafter>{_num('n_maxafter')}\s*(?P<u7>{_UNIT})?\s*(?:of\s+age|old)?\s*(?:or|and)\s+"
    rf"(?:younger|under|below|less)\b)",
    re.IGNORECASE,
)
_AGE_BEFORE = re.compile(
    r"\bage[ds]?\s*(?:of|is|was|range|limit|group|between|from|:|must\s+be|should\s+be)?\s*"
    r"(?:\(\s*years?\s*\)\s*)?:?\s*$",
    re.IGNORECASE,
)
_AGE_INSIDE = re.compile(r"\b(?:of\s+age|old)\b|\bage\b", re.IGNORECASE)
# What may stand before an age phrase that carries no age word of its own.
_PEOPLE = re.compile(
    r"^(?:\W|\b(?:adults?|adult|patients?|subjects?|participants?|volunteers?|men|women|males?|"
    r"females?|children|child|adolescents?|infants?|boys?|girls?|individuals?|persons?|people|"
    r"healthy|pediatric|paediatric|elderly|outpatients?|inpatients?|and|or|of|any|all|both|sexes|"
    r"genders?|sex|must|be|are|is|who|aged?|ages|young|older)\b)*$",
    re.IGNORECASE,
)
# A criterion about someone else or a condition, not the participant's age limit: anywhere
# before the phrase in its criterion ("If the subject … : o Is over 75 years of age") …
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|except|when|whose|parents?|guardians?|caregivers?|partners?|mothers?|"
    r"fathers?|spouses?|donors?|siblings?|cohorts?|part)\b",
    re.IGNORECASE,
)
# … or in the same clause ("diagnosed after 16 years of age", "disease duration ≥ 1 year").
_OTHER_MEASURE = re.compile(
    r"\b(?:onset|diagnos\w*|before|after|since|prior|history|menarche|menopaus\w*|exclu\w*|"
    r"duration|within|weight|bmi|for\s+at\s+least|for)\b",
    re.IGNORECASE,
)
# A number with no unit and no age word must end its clause ("adults over 18", not "over 3
# lesions").
_BARE_END = re.compile(r"^\s*(?:$|[,;.)\]]|(?:and|or|with|who|at|inclusive)\b)", re.IGNORECASE)
_NOT_THE_LIMIT_AFTER = re.compile(
    r"^\W{0,3}(?:at\s+(?:the\s+)?(?:onset|diagnosis)|since|after|ago|prior|before|of\s+"
    r"(?:disease|treatment|therapy|follow|history|duration|experience|diagnosis|symptoms)|"
    r"duration|post|kg|cm|mg|ml|%)",
    re.IGNORECASE,
)
_COMPARATORS = (
    (re.compile(r"⩾|≧|>\s*/\s*=|>\s*=|=\s*>|≥"), " ≥ "),
    (re.compile(r"⩽|≦|<\s*/\s*=|<\s*=|=\s*<|≤"), " ≤ "),
    (re.compile(r"＞"), " > "),
    (re.compile(r"＜"), " < "),
    (re.compile(r"greater\s+than\s+or\s+equal\s+(?:to\s+)?", re.I), " ≥ "),
    (re.compile(r"(?:less|younger)\s+than\s+or\s+equal\s+(?:to\s+)?", re.I), " ≤ "),
    (re.compile(r"older\s+than\s+or\s+equal\s+(?:to\s+)?", re.I), " ≥ "),
    (re.compile(r"\by\.?\s?o\.?(?=\W|$)", re.I), " years old"),
    (re.compile(r"(\d)\s*(?:岁|歳)"), r"\1 years"),
)


def _years(value: str, unit: str | None) -> float:
    key = (unit or "y").lower()[0]
    return float(value) / _UNIT_PER_YEAR.get(key, 1)


def _clean(value: float) -> int | float:
    return int(value) if value == int(value) else round(value, 2)


def _one_below(value: str, unit: str | None) -> float:
    return _years(str(float(value) - 1), unit) if float(value) >= 1 else _years(value, unit)


def _statement(match: re.Match) -> tuple[float | None, float | None] | None:
    """(min, max) in years that one phrase states."""
    if match["range"]:
        low, high = match["lo"], match["hi"]
        low_unit = match["u1"] or match["u2"]
        if not (match["u1"] or match["u2"]) and float(high) > 120:
            return None
        low_years, high_years = _years(low, low_unit), _years(high, match["u2"] or match["u1"])
        return (low_years, high_years) if low_years < high_years <= 120 else None
    if match["min"]:
        return _years(match["n_min"], match["u3"]), None
    if match["max"]:
        number, unit = match["n_max"], match["u4"]
        strict = _STRICT_MAX.match(" ".join(match["maxword"].lower().split()))
        return None, (_one_below(number, unit) if strict else _years(number, unit))
    if match["minafter"]:
        return _years(match["n_minafter"], match["u5"]), None
    if match["plus"]:
        return _years(match["n_plus"], match["u6"]), None
    if match["maxafter"]:
        return None, _years(match["n_maxafter"], match["u7"])
    return None


def _statements(item: str) -> list[tuple[float | None, float | None]]:
    text = item
    for pattern, replacement in _COMPARATORS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    found = []
    last_end = 0  # after an age phrase, "and younger than 65" needs no age word of its own
    for match in _PHRASES.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        explicit = _AGE_BEFORE.search(before) or _AGE_INSIDE.search(match[0])
        if not explicit and not _PEOPLE.match(text[last_end : match.start()]):
            continue
        clause = re.split(r"[,;.:]\s", before)[-1]
        if _CONDITIONAL.search(before) or _OTHER_MEASURE.search(clause):
            continue
        if _NOT_THE_LIMIT_AFTER.match(after):
            continue
        has_unit = any(match[name] for name in ("u1", "u2", "u3", "u4", "u5", "u6", "u7"))
        if not explicit and not has_unit and not _BARE_END.match(after):
            continue
        if (stated := _statement(match)) and all(v is None or v <= 120 for v in stated):
            found.append(stated)
            last_end = match.end()
    return found


_EU_UNDER_18 = re.compile(r"Are the trial subjects under 18\?\s*(yes|no)\b", re.IGNORECASE)
# The EU register's age groups (EudraCT section F.1) and their limits in years.
_EU_GROUPS = (
    (r"In Utero", 0, 0),
    (r"Preterm newborn infants[^\n]*?", 0, 0),
    (r"Newborns \(0-27 days\)", 0, 27 / 365),
    (r"Infants and toddlers \(28 days-23 months\)", 28 / 365, 23 / 12),
    (r"Children \(2-11\s*years\)", 2, 11),
    (r"Adolescents \(12-17 years\)", 12, 17),
    (r"Adults \(18-64 years\)", 18, 64),
    (r"Elderly \((?:>=|≥)\s*65 years\)", 65, None),
)


def _eu_age_groups(text: str) -> tuple[Age, Age] | None:
    """(min, max) from the EU register's age-group answers, or None when the text has none."""
    answers = []
    for label, low, high in _EU_GROUPS:
        if match := re.search(rf"\b{label}\s*(yes|no)\b", text, re.IGNORECASE):
            answers.append((match[1].lower() == "yes", low, high))
    under_18 = _EU_UNDER_18.search(text)
    if not answers or not any(yes for yes, _, _ in answers):
        return None
    yes = [(low, high) for chosen, low, high in answers if chosen]
    minimum: float | None = min(low for low, _ in yes)
    if minimum >= 18 and (under_18 is None or under_18[1].lower() == "yes"):
        minimum = None  # minors take part, but in which groups is not said
    maximum = None if any(high is None for _, high in yes) else max(h for _, h in yes)
    return (
        None if minimum is None else _clean(minimum),
        None if maximum is None else _clean(maximum),
    )


def _inclusion_items(text: str) -> list[str]:
    parts = split_criteria(text)
    if parts["inclusion"]:
        return parts["inclusion"]
    exclusion = re.search(r"^\s*(?:key\s+)?exclusion\s+criteria", text, re.I | re.M)
    scope = text[: exclusion.start()] if exclusion else text
    return [line for line in scope.split("\n") if line.strip()]


def ages_from_criteria(text: str | None) -> tuple[Age, Age]:
    """(min, max) years from criteria prose, for sources without structured age fields."""
    if not text:
        return None, None
    minimums: set[float] = set()
    maximums: set[float] = set()
    lead = ""  # "… if the subject meets any of the following:" governs the items under it
    for item in _inclusion_items(text):
        under_lead = bool(lead) and item[:1].islower()
        if not under_lead:
            lead = item if item.rstrip().endswith(":") else ""
        for low, high in _statements(f"{lead} {item}" if under_lead else item):
            if low is not None:
                minimums.add(low)
            if high is not None:
                maximums.add(high)
    low = _clean(min(minimums)) if len(minimums) == 1 else None
    high = _clean(max(maximums)) if len(maximums) == 1 else None
    disagree = len(minimums) > 1 or len(maximums) > 1
    if not disagree and (groups := _eu_age_groups(text)):
        # Prose is exact and comes first; the register's age groups fill a missing bound.
        low = groups[0] if low is None else low
        high = groups[1] if high is None else high
    if low is not None and high is not None and low >= high:
        return None, None
    return low, high
