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
- Criteria for several groups give the span of all of them (min of the minimums, max of the
  maximums). A criterion that also holds a conditional age ("≥ 18 years, except at the
  children's hospital ≥ 8 years") puts both bounds in doubt: null.
- The EU Clinical Trials Register's age-group answers ("Are the trial subjects under 18? no",
  "F.1.2 Adults (18-64 years) yes", "F.1.3 Elderly (>=65 years) yes"), which ICTRP appends to
  the inclusion criteria, fill a bound the prose does not give: the youngest group's lower
  limit when no minors take part ("under 18? no" and Adults yes: min 18), the oldest group's
  upper limit (Elderly no: max 64; Elderly yes: no maximum). Groups are coarse, so a bound
  the prose states ("Age ≥ 50 years") wins; the groups fill only the other one.

The module is over 300 lines on purpose: the phrasings and the guards against what is not an
age limit are one table, and are read (and tuned) together.
"""

import re

from trials.readers.criteria import criterion_items, split_criteria

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
    r"≤|<|under|below|younger\s+than|less\s+than|up\s+to|(?:not|no)\s+(?:older|greater|more)\s+than|"
    r"not\s+(?:over|above)|"
    r"not\s+more\s+than|no\s+more\s+than|not\s+exceeding|maximum(?:\s+age)?(?:\s+of)?|until"
)
_STRICT_MAX = re.compile(r"^(?:<|under|below|younger\s+than|less\s+than)$")
_AGE_SUFFIX = r"(?:\s*(?:of\s+age|old|of\s+age\s+or\s+older))?"
_PHRASES = re.compile(
    # "between 18 and 75 years", "6 months to 17 years", "18-75 years old", "2 to 11"
    rf"(?P<range>(?:between\s+|from\s+|not\s+less\s+than\s+)?(?:[=≥]\s*)?{_num('lo')}\s*"
    rf"(?P<u1>{_UNIT})?\s*(?:-|–|—|~|to|and|through)\s*(?P<hi_cmp><|≤|=)?\s*"
    rf"{_num('hi')}\s*(?P<u2>{_UNIT})?\b{_AGE_SUFFIX})"
    # "≥ 18 years", "over 18", "at least 18 years of age", "minimum age 18"
    rf"|(?P<min>(?P<minword>{_MIN_WORDS})\s*:?\s*{_num('n_min')}\s*(?P<u3>{_UNIT})?\b{_AGE_SUFFIX}"
    rf"(?!\s*(?:-|–|to|through|and)\s*\d))"
    rf"|(?P<max>(?P<maxword>{_MAX_WORDS})\s*:?\s*{_num('n_max')}\s*(?P<u4>{_UNIT})?\b{_AGE_SUFFIX})"
    # "80 or more years old"
    rf"|(?P<minafter2>{_num('n_minafter2')}\s+(?:or|and)\s+(?:more|older|over|above)\s+"
    rf"(?P<u8>{_UNIT})\s+(?:old|of\s+age)\b)"
    # "18 years or older", "18 years of age and above", "18+ years"
    rf"|(?P<minafter>{_num('n_minafter')}\s*(?:\+\s*)?(?P<u5>{_UNIT})?\s*(?P<ofage>of\s+age|old)?\s*"
    rf"(?:or|and)\s+(?P<afterword>older|over|above|more|greater|higher)\b)"
    rf"|(?P<plus>{_num('n_plus')}\s*\+\s*(?P<u6>{_UNIT})\b{_AGE_SUFFIX})"
    # "65 years or younger", "17 years of age or less"
    rf"|(?P<maxafter>{_num('n_maxafter')}\s*(?P<u7>{_UNIT})?\s*(?:of\s+age|old)?\s*(?:or|and)\s+"
    rf"(?:younger|under|below|less)\b)",
    re.IGNORECASE,
)
_UNIT_GROUPS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8")
_AGE_BEFORE = re.compile(
    r"\bage[ds]?\s*(?:of|is|was|range|limit|group|between|from|:|must\s+be|should\s+be)?\s*"
    r"(?:\(\s*years?\s*\)\s*)?:?\s*$",
    re.IGNORECASE,
)
# "6 months old" may be an MRI's age; "years old" and "of age" are a person's.
_AGE_INSIDE = re.compile(r"\bof\s+age\b|\bage\b|\b(?:years?|yrs?|y)\s+old\b", re.IGNORECASE)
# What may stand before an age phrase that carries no age word of its own.
_PEOPLE = re.compile(
    r"^(?:\W|\b(?:adults?|patients?|subjects?|participants?|volunteers?|men|women|males?|"
    r"females?|children|child|adolescents?|infants?|boys?|girls?|individuals?|persons?|people|"
    r"healthy|pediatric|paediatric|elderly|outpatients?|inpatients?|and|or|of|any|all|both|sexes|"
    r"genders?|sex|must|be|are|is|who|aged?|ages|young|older|\d+|years?|old)\b)*$",
    re.IGNORECASE,
)
# A criterion about someone else or a condition, not the participant's age limit: anywhere
# before the phrase in its criterion ("If the subject … : o Is over 75 years of age") …
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|except|whose|parents?|guardians?|caregivers?|partners?|mothers?|"
    r"fathers?|spouses?|donors?|siblings?|relatives?|family|cohorts?|part)\b",
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
    r"^\W{0,3}(?:since|after|ago|prior|before|from|of\s+(?!age\b)|duration|post|kg|cm|mg|ml|%)",
    re.IGNORECASE,
)
# In the rest of its clause: "< 50 years of age at the time of migraine onset", "women under
# 50 years old would be considered postmenopausal if …".
_NOT_A_LIMIT_CLAUSE = re.compile(
    r"\b(?:at|of)\s+(?:the\s+)?(?:time\s+of\s+)?(?:\w+\s+){0,2}(?:onset|diagnosis)\b|"
    r"\b(?:menopaus\w*|postmenopaus\w*|amenorr\w*)",
    re.IGNORECASE,
)
# "35 and under for the oral contraceptive stratum": a limit of one group only.
_FOR_A_GROUP = re.compile(
    r"^\W{0,3}(?:for|in)\s+(?:the\s+|a\s+)?\S+(?:\s+\S+){0,3}?\s*"
    r"(?:stratum|strata|group|cohort|arm|part|phase|substudy|sub-study)\b",
    re.IGNORECASE,
)
# "Tattoo age", "gestational age", "bone age": the age of something else.
_OTHER_AGE = re.compile(
    r"\b(?:tattoo|gestational|gestation|bone|skeletal|scar|lesion|wound|disease|mental|"
    r"reading|developmental|corrected|postmenstrual|post-menstrual|childbearing|bearing|"
    r"fetal|pregnancy)\W*$",
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
    (re.compile(r"equal\s+(?:to\s+)?or\s+(?:greater|more|older)\s+than\s+(?:to\s+)?", re.I), " ≥ "),
    (re.compile(r"equal\s+(?:to\s+)?or\s+(?:less|younger)\s+than\s+(?:to\s+)?", re.I), " ≤ "),
    (re.compile(r"\by\.?\s?o\.?(?=\W|$)", re.I), " years old"),
    (re.compile(r"\bb/w\b", re.I), "between"),
    (re.compile(r"\bfrom\s+birth\b", re.I), "from 0 days"),
    (re.compile(r"(\d)\s*\(\s*[a-z-]+\s*\)", re.I), r"\1"),  # "18 (eighteen) years"
    # "over the age of 21", "under age 60": the comparator then the number
    (
        re.compile(r"\b(over|above|under|below)\s+(?:the\s+)?age\s+(?:of\s+)?(?=\d)", re.I),
        r"age \1 ",
    ),
)


# Chinese and Japanese ("年龄18～65岁", "20歳以上75歳未満", "年龄不小于18周岁"): read first, and
# only in a text with such characters (most criteria have none: 11 substitutions saved). A
# number is read from its first digit only (a registry's run of digits made them quadratic).
_CJK_COMPARATORS = (
    (re.compile(r"(?:年龄|年齡|年齢)(?:在|为|為|是|：|:)?"), " age "),
    (re.compile(r"(?<=\d)\s*(?:～|〜|~|至|到)\s*(?=\d)"), " to "),
    (re.compile(r"不小于|不低于|大于等于|大于或等于"), " ≥ "),
    (re.compile(r"不大于|不超过|不高于|小于等于|小于或等于"), " ≤ "),
    (re.compile(r"大于|超过|高于"), " > "),
    (re.compile(r"小于|低于"), " < "),
    (re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:周岁|岁|歳)?\s*未満"), r" under \1 years "),
    (re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:周岁|岁|歳)?\s*以上"), r" \1 years or older "),
    (re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:周岁|岁|歳)?\s*以下"), r" \1 years or younger "),
    (re.compile(r"(\d)\s*(?:周岁|岁|歳)"), r"\1 years"),
    (re.compile(r"[，、；]"), ", "),
)
_CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff0c\uff1a\uff1b\uff5e]")


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
        high_unit = match["u2"] or match["u1"]
        strict = match["hi_cmp"] == "<"
        low_years = _years(low, low_unit)
        high_years = _one_below(high, high_unit) if strict else _years(high, high_unit)
        return (low_years, high_years) if low_years < high_years <= 120 else None
    if match["min"]:
        return _years(match["n_min"], match["u3"]), None
    if match["max"]:
        number, unit = match["n_max"], match["u4"]
        strict = _STRICT_MAX.match(" ".join(match["maxword"].lower().split()))
        return None, (_one_below(number, unit) if strict else _years(number, unit))
    if match["minafter"]:
        return _years(match["n_minafter"], match["u5"]), None
    if match["minafter2"]:
        return _years(match["n_minafter2"], match["u8"]), None
    if match["plus"]:
        return _years(match["n_plus"], match["u6"]), None
    if match["maxafter"]:
        return None, _years(match["n_maxafter"], match["u7"])
    return None


def _normalized(item: str) -> str:
    text = " ".join(item.split())  # (no pattern then meets a long run of spaces)
    for pattern, replacement in _CJK_COMPARATORS if _CJK.search(text) else ():
        text = pattern.sub(replacement, text)
    for pattern, replacement in _COMPARATORS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


# How much of a criterion around an age phrase its tests read: what they look for stands next
# to it (an age word, a negation, the rest of its clause). Reading the whole text before and
# after every phrase made a long criterion with many numbers quadratic (64 kB: 21 s).
_NEAR = 300


def _about_age(text: str, match: re.Match, last_end: int) -> bool:
    """Whether the phrase is about the participant's age (an age word, or only people before)."""
    before = text[max(0, match.start() - _NEAR) : match.start()]
    if (age_word := _AGE_BEFORE.search(before)) and not _OTHER_AGE.search(
        before[: age_word.start()]
    ):
        return True
    if _AGE_INSIDE.search(match[0]):
        return True
    units = [match[name] for name in _UNIT_GROUPS if match[name]]
    # Without an age word, weeks and months are durations ("at least 4 weeks from surgery"),
    # unless a range ends in years ("6 months to 17 years").
    if units and not units[-1].lower().startswith("y"):
        return False
    if match.start() - last_end > _NEAR:  # a run of only people's words is never that long
        return False
    return bool(_PEOPLE.match(text[last_end : match.start()]))


def _statements(item: str) -> tuple[list[tuple[float | None, float | None]], bool]:
    """The (min, max) statements of one criterion, and whether it also holds an age phrase
    that is conditional ("≥ 18 years, except … ≥ 8 years"): then its bounds are in doubt."""
    text = _normalized(item)
    found = []
    doubt = False
    last_end = 0  # after an age phrase, "and younger than 65" needs no age word of its own
    # Where the first word making a criterion conditional ends (anywhere before a phrase).
    conditional = _CONDITIONAL.search(text)
    conditional_end = conditional.end() if conditional else len(text) + 1
    for match in _PHRASES.finditer(text):
        before = text[max(0, match.start() - _NEAR) : match.start()]
        after = text[match.end() : match.end() + _NEAR]
        if not _about_age(text, match, last_end):
            continue
        clause = re.split(r"[,;.:]\s", before)[-1]
        after_clause = re.split(r"[,;.:]\s", after)[0]
        if conditional_end <= match.start() or _FOR_A_GROUP.match(after):
            doubt = True
            continue
        negated = re.search(r"\b(?:not|no|never)\s*$", before, re.IGNORECASE)
        if negated or _OTHER_MEASURE.search(clause) or _NOT_THE_LIMIT_AFTER.match(after):
            continue
        if _NOT_A_LIMIT_CLAUSE.search(after_clause):
            continue
        has_unit = any(match[name] for name in _UNIT_GROUPS)
        explicit = _AGE_BEFORE.search(before) or _AGE_INSIDE.search(match[0])
        if not explicit and not has_unit and not _BARE_END.match(after):
            continue
        if (stated := _statement(match)) and all(v is None or v <= 120 for v in stated):
            found.append(stated)
            last_end = match.end()
    return found, doubt and bool(found)


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
    elderly_answered = any(high is None for _, _, high in answers)
    open_ended = any(high is None for _, high in yes)
    maximum = None if open_ended or not elderly_answered else max(h for _, h in yes)
    return (
        None if minimum is None else _clean(minimum),
        None if maximum is None else _clean(maximum),
    )


def _inclusion_items(text: str) -> list[str]:
    parts = split_criteria(text)
    if parts["inclusion"]:
        return parts["inclusion"]
    exclusion = re.search(
        r"^\W*(?:key\s+)?(?:exclusion|non-inclusion)(?:\s+criteria)?\b|^\W*exclusions?\s*[:：]",
        text,
        re.I | re.M,
    )
    scope = text[: exclusion.start()] if exclusion else text
    return criterion_items(scope)


def ages_given_or_stated(low: Age, high: Age, criteria: str | None) -> tuple[Age, Age]:
    """The ages a record gives in its fields, or when it gives none, those its criteria state
    ("Be between 2 and 18 years, inclusive")."""
    return (low, high) if low is not None or high is not None else ages_from_criteria(criteria)


def ages_from_criteria(text: str | None) -> tuple[Age, Age]:
    """(min, max) years from criteria prose, for sources without structured age fields."""
    if not text:
        return None, None
    minimums: set[float] = set()
    maximums: set[float] = set()
    open_ended = maximum_alone = False  # a statement of a minimum only; of a maximum only
    lead = ""  # "… if the subject meets any of the following:" governs the items under it
    for item in _inclusion_items(text):
        under_lead = bool(lead) and item[:1].islower()
        if not under_lead:
            lead = item if item.rstrip().endswith(":") else ""
            if re.match(r"(?:is|are|has|have|was|were)\b", item):
                continue  # "is over 75 years of age" under a lead-in the text lost
        statements, doubt = _statements(f"{lead} {item}" if under_lead else item)
        if doubt:
            return None, None
        for low, high in statements:
            if low is not None:
                minimums.add(low)
            if high is not None:
                maximums.add(high)
            open_ended |= high is None
            maximum_alone |= low is None
    # Criteria for several groups ("volunteers 21 to 85", "patients 6 to 85") give the span of
    # all of them: nobody the trial takes is outside it. A group open upwards ("aged 65 and
    # older, or 18 to 64 with …", "12 or older … adolescents (12 to 17) must weigh …") leaves
    # no maximum, unless a maximum is stated on its own ("≥ 18 years", "≤ 75 years").
    low = _clean(min(minimums)) if minimums else None
    high = _clean(max(maximums)) if maximums and not (open_ended and not maximum_alone) else None
    if groups := _eu_age_groups(text):
        # Prose is exact and comes first; the groups fill a bound it does not give.
        low = groups[0] if low is None else low
        high = groups[1] if high is None else high
    if low is not None and high is not None and low >= high:
        return None, None
    return low, high
