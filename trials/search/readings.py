"""Words of the search box read as filters (issue 14, point 2): "understood" readings.

"trial for my daughter with eczema" asks for children's trials; "dermatomyositis not responding
to methotrexate" for trials of refractory dermatomyositis in people whom methotrexate failed.
A reading takes some words out of the search text and sets a search parameter instead:

    words                                   parameter        value
    kid, child, daughter, son, baby, teen…  age_group        child
    (in) Germany, China… at the end         country          DE, CN…
    (in) Maryland, Texas… at the end        region           Maryland, Texas…
    women, men; adults, elderly…            sex, age_group   female, male; adult, older_adult
    recruiting, now enrolling…              recruiting       1
    phase 3, phase II, phase 2/3…           phase            PHASE3, PHASE2…
    first-in-human, FIH                     phase            PHASE1
    not responding to X, failed X,          refractory       1
      resistant to X, X-resistant,          prior_therapy    X's slug, when X is a drug or a
      X failure, X didn't work…                              drug class of the vocabulary, and
                                                             the classes a drug belongs to

The words are data (trials/vocab/lay_terms.json: `child`, `failed_therapy`). When X is no drug
or class the vocabulary knows, only `refractory=1` is read and X stays a search word.

How long or since when ("for about 12 years", "seit 20 Jahren", "3 years ago") sets nothing
and is no search word either: `asides` gives its spans, which params.understand takes out.

`RULES` is the table of readings: each rule is a function from the query's words to readings,
and sees only the words the rules before it left. params.understand applies the readings
(explicit URL parameters win; a parameter or value the portal does not accept is not read) and
the page shows each one as a chip that can be removed. Nothing here knows Django.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from itertools import pairwise

from django.conf import settings
from django.utils import timezone
from rapidfuzz.distance import OSA

from trials.readers.dates import MONTHS
from trials.readers.refractory import NONE_NAMED
from trials.readers.vocabulary import VOCAB_DIR, Vocabulary, tokens
from trials.search.facets import ADULT_AGE, AGE_GROUP_AGES, DATE_RANGES, DateRange
from trials.search.words import (
    category_names,
    has_exact_syntax,
    has_syntax,
    is_filler,
    lay_texts,
    treatments_in,
    unspaced,
)


def max_length() -> int:
    """Longer text is refused by the form (params: q's max_length,
    settings.SEARCH_QUERY_MAX_CHARS); it is not read either."""
    return settings.SEARCH_QUERY_MAX_CHARS


# A quoted phrase or an excluded word (words.has_exact_syntax): the person says exactly what to
# search; not read. "or" is read ("completed or terminated lupus trials", "psoriasis or eczema
# in Seoul"; "phase 1 or 2" is a phase filter, phase_words).
# At most this many words between a failure phrase and the treatment ("failed two biologics");
# in Chinese, Japanese and Korean, cut into more words, this many.
_MAX_BETWEEN = 3
_MAX_BETWEEN_CJK = 5
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_CJK_WORD = re.compile(rf"[{_CJK}\d]*[{_CJK}][{_CJK}\d]*")  # not digits alone


# Filters read from the words that few registry records can meet (a treatment failure) or few
# trials may have near the person (a place), or that few trials of a disease may meet (open
# now: "lupus trials still recruiting"; a status: "completed psoriasis studies"): a search
# that finds fewer than words.FILL_BELOW trials with them lists those first, then its trials
# without them (after a recruiting search's first, the open trials whose status is no longer
# confirmed), and says so
# (engine._read_filled, params.TrialFilterSet; the page and the API's `read_first`). A filter
# chosen as a parameter is never relaxed.
FAILURE_READ = ("refractory", "prior_therapy")
PLACE_READ = ("country", "region", "near")
# Each such filter, and its kind as the page names it.
READ_FILLED = {
    **dict.fromkeys(FAILURE_READ, "failure"),
    **dict.fromkeys(PLACE_READ, "place"),
    "recruiting": "recruiting",
    "status": "status",  # "completed psoriasis studies" (closed_words)
    "phase": "phase",  # "phase 3 lupus nephritis trials" (phase_words)
    "age_group": "age",  # "psoriasis in kids" (child_words, people_words)
    "age": "age",  # "my 8 year old has psoriasis" (age_words)
    "study_type": "study_type",  # "a registry that follows women with AS" (study_type_words)
    "registry": "registry",  # "jRCT amyloidosis" (registry_words)
    # The dates' filters ("scleroderma trials started in 2023", "… that ended in 2024":
    # dated_words)
    **{parameter: "dates" for r in DATE_RANGES for parameter in r.parameters},
}
# … but an adult's age is not let go for a relaxed match (no trial has all its words: a
# sentence): its list is filled otherwise (engine._general_after_named counts within the
# filters), unless it leaves nothing to list. A child's is (facets.for_children): the adults'
# trials of the disease come after the few that take the child, as people judge them.
AGE_READ = ("age_group", "age")


# The filters read that, let go, add only the trials about the conditions the words name (and
# those meeting them): a phase, an age, a kind of study, a registry (engine._read_filled,
# TrialFilterSet).
ABOUT_ONLY = ("phase", *AGE_READ, "study_type", "registry")


@dataclass(frozen=True)
class Reading:
    """One parameter read from the words `said` (as typed); `spans` are the characters of the
    query it takes out of the search text."""

    parameter: str
    value: str
    said: str
    spans: tuple[tuple[int, int], ...]


@dataclass
class Words:
    """The query's words as the rules see them: tokens (folded, as written, start, end), the
    vocabulary's mentions by the position of their first token, and the positions taken."""

    text: str
    tokens: list[tuple[str, str, int, int]]
    treatments: dict[int, tuple[int, str]]  # first position -> (last position, slug)
    conditions: dict[int, int]  # first position -> last position
    classes: dict[str, list[str]]  # drug slug -> the classes it belongs to
    taken: set[int] = field(default_factory=set)
    # The first positions of the closed-status phrases an open one was joined to ("recruiting
    # or completed"): statuses said together (recruiting_words, closed_words).
    with_open: set[int] = field(default_factory=set)
    # The last position a rule reading the query's end looks at: a clause's (_in_clauses).
    end: int | None = None
    # The parameters the rules before read (`read`): a place first only without a place last.
    read: set[str] = field(default_factory=set)

    def last(self) -> int:
        return len(self.tokens) - 1 if self.end is None else self.end

    @cached_property
    def in_asides(self) -> frozenset[int]:
        """The positions inside an aside (asides: "for about a year", "since 2019")."""
        spans = asides(self.text)
        return frozenset(
            p for p, token in enumerate(self.tokens) if any(a <= token[2] < b for a, b in spans)
        )

    @cached_property
    def in_conditions(self) -> frozenset[int]:
        """The positions inside a condition's name ("adult-onset Still disease")."""
        return frozenset(
            p for first, last in self.conditions.items() for p in range(first, last + 1)
        )

    def folded(self, position: int) -> str | None:
        if 0 <= position < len(self.tokens) and position not in self.taken:
            return self.tokens[position][0]
        return None

    def said(self, first: int, last: int) -> str:
        return self.text[self.tokens[first][2] : self.tokens[last][3]]

    def spans(self, positions: range | list[int]) -> tuple[tuple[int, int], ...]:
        return tuple((self.tokens[p][2], self.tokens[p][3]) for p in positions)


Rule = Callable[[Words], Iterator[Reading]]


# --- the lay vocabulary's phrases -------------------------------------------------------------


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(folded for folded, *_ in tokens(text))


@dataclass(frozen=True)
class _Lay:
    child: frozenset[str]  # the teen words too
    teen: frozenset[str]
    recruiting: tuple[tuple[str, ...], ...]  # longest first
    closed: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (phrase, statuses), longest first
    people: tuple[
        tuple[tuple[str, ...], str, str], ...
    ]  # (phrase, parameter, value), longest first
    people_before: dict[str, tuple[str, str]]  # "older" (before "women") -> (parameter, value)
    relatives: dict[str, tuple[str, str]]  # "son" (after "my") -> ("sex", "male")
    study_types: tuple[tuple[tuple[str, ...], str, str], ...]  # as people
    # (phrase, the registry's names), longest first
    registries: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    registry_countries: dict[str, tuple[str, ...]]  # a national registry's name -> its country
    before: tuple[tuple[str, ...], ...]  # longest first
    after: tuple[tuple[str, ...], ...]
    therapy: tuple[tuple[str, ...], ...]
    between: frozenset[str]
    nothing: tuple[tuple[str, ...], ...]  # "nothing works": every treatment failed
    kinds: tuple[tuple[str, ...], ...]  # kinds of disease ("skin diseases"), longest first
    not_places: frozenset[str]  # words typed in lower case that are no place ("summer")
    # … nor these with "the" ("the neck", "the back": GeoNames has towns so called), with the
    # body's parts (`body_parts`)
    not_places_after_the: frozenset[str]
    times: frozenset[str]  # months and days: no place whatever their case ("in March")
    # People's names for a disease that hold a child word ("moon children", "butterfly
    # skin" kids): the disease, not whom the trial is for (terms' `say`).
    child_terms: tuple[tuple[str, ...], ...]


def _parameter_phrases(entries: list[dict]) -> tuple[tuple[tuple[str, ...], str, str], ...]:
    """(phrase, parameter, value) of each thing said of lay_terms.json entries that each mean a
    parameter's value (`people`, `study_types`), longest first."""
    found = {(_phrase(say), e["parameter"], e["value"]) for e in entries for say in e["say"]}
    return tuple(sorted(found, key=lambda item: len(item[0]), reverse=True))


@cache
def _lay() -> _Lay:
    data = json.loads((VOCAB_DIR / "lay_terms.json").read_text(encoding="utf-8"))
    failed = data["failed_therapy"]

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        return tuple(sorted({_phrase(text) for text in failed[key]}, key=len, reverse=True))

    kids = frozenset(_phrase(" ".join([*data["child"], *data["teen"]])))

    return _Lay(
        child=kids,
        teen=frozenset(_phrase(" ".join(data["teen"]))),
        recruiting=tuple(sorted({_phrase(t) for t in data["recruiting"]}, key=len, reverse=True)),
        not_places=frozenset(data["not_places"]),
        not_places_after_the=frozenset([*data["not_places"], *data["body_parts"]]),
        times=frozenset(data["times"]),
        kinds=tuple(
            sorted(
                {_phrase(say) for c in data["categories"] for say in category_names(c)},
                key=len,
                reverse=True,
            )
        ),
        closed=tuple(
            sorted(
                {(_phrase(say), tuple(c["status"])) for c in data["closed"] for say in c["say"]},
                key=lambda item: len(item[0]),
                reverse=True,
            )
        ),
        registry_countries={
            name: tuple(r["countries"])
            for r in data["registries"]
            if r.get("countries")
            for name in r["value"]
        },
        people=_parameter_phrases(data["people"]),
        study_types=_parameter_phrases(data["study_types"]),
        registries=tuple(
            sorted(
                {(_phrase(say), tuple(r["value"])) for r in data["registries"] for say in r["say"]},
                key=lambda item: len(item[0]),
                reverse=True,
            )
        ),
        people_before={
            word: (p["parameter"], p["value"])
            for p in data["people"]
            for word in p.get("before_people", ())
        },
        relatives={
            word: (p["parameter"], p["value"])
            for p in data["people"]
            for word in p.get("relatives", ())
        },
        before=phrases("before"),
        after=phrases("after"),
        therapy=phrases("therapy"),
        between=frozenset(_phrase(" ".join(failed["between"]))),
        nothing=phrases("nothing"),
        child_terms=_child_terms(data, kids),
    )


def _child_terms(data: dict, kids: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    """The names of diseases (conditions.json, lay_terms.json `terms`) holding a word for a
    child that is not a child's form of another disease ("moon children", "butterfly skin"
    babies; not "juvenile dermatomyositis", "childhood lupus"), longest first."""
    conditions = Vocabulary.default().conditions.values()
    names = [name for c in conditions for name in (c["label"], *c.get("synonyms", ()))]
    names += [say for term in data["terms"] for say in term["say"]]
    diseases = {_phrase(name) for name in names}
    found = {
        said
        for name in names
        if len(said := _phrase(name)) > 1
        and set(said) & kids
        and not (said[0] in kids and said[1:] in diseases)
    }
    return tuple(sorted(found, key=len, reverse=True))


def _match(words: Words, position: int, phrases: tuple[tuple[str, ...], ...]) -> int | None:
    """The last position of the longest phrase starting at `position`, or None."""
    if len(phrases) > _INDEXED_FROM:  # a table of _Lay's; not a phrase or two of the moment
        phrases = _by_first_word(phrases).get(words.folded(position), ())
    for phrase in phrases:
        if all(words.folded(position + i) == word for i, word in enumerate(phrase)):
            return position + len(phrase) - 1
    return None


# Each phrase table (_Lay's, longest first) by its phrases' first word, in the same order: a
# rule looks at every position of the words, and trying every phrase at each took 14 ms for a
# query of 80 words (the box takes 500 characters).
_FIRST_WORDS: dict[int, tuple[tuple, dict[str, tuple]]] = {}
_INDEXED_FROM = 4


def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple]:
    held = _FIRST_WORDS.get(id(phrases))
    if held is None or held[0] is not phrases:
        grouped: dict[str, list] = {}
        for phrase in phrases:
            if phrase:
                grouped.setdefault(phrase[0], []).append(phrase)
        held = (phrases, {first: tuple(group) for first, group in grouped.items()})
        _FIRST_WORDS[id(phrases)] = held
    return held[1]


def _match_ending(words: Words, last: int, phrases: tuple[tuple[str, ...], ...]) -> int | None:
    """The first position of the longest phrase ending at `last`, or None."""
    for phrase in phrases:
        first = last - len(phrase) + 1
        if first >= 0 and _match(words, first, (phrase,)) == last:
            return first
    return None


# --- the rules ----------------------------------------------------------------------------------


# A child word after these is the person's past, not who the trial is for: "eczema since I was
# a kid", "as a child", "when I was a teenager", "since childhood"; in other languages "desde
# niño", "depuis l'enfance"/"depuis que je suis enfant", "da bambino", "cuando era niña",
# "quando era criança", "als Kind", "seit ich ein Kind war".
_PAST = {("was", "a"), ("were", "a"), ("as", "a"), ("since",), ("since", "a"), ("was",)}
_PAST |= {("desde",), ("depuis",), ("da",), ("era",), ("etais",), ("als",), ("ich", "ein")}
_PAST |= {("desde", "muy"), ("desde", "pequeno"), ("desde", "que"), ("depuis", "tout")}


# … nor a birth: "had my daughter a year ago", "since having our son" (a mother's stretch
# marks; "had my baby" is lay_terms.json's postpartum).
_BIRTH = {("had", "my"), ("had", "our"), ("having", "my"), ("having", "our")}


# A child word naming a thing, not a person: "on baby aspirin and a statin", "baby oil".
_THINGS = {"aspirin", "aspirins", "asa", "oil", "shampoo", "powder", "wipes", "lotion", "teeth"}
_THINGS |= {"tooth", "formula", "food", "steps", "fat", "boomer", "boomers", "proof"}


# … nor the time a Japanese child word names ("子どもの頃から": since childhood).
_WHEN = {"頃", "ころ", "時", "とき"}


# A pregnant woman's baby is not whom she searches for ("pregnant with anti-Ro antibodies,
# worried the baby could get heart block": the trials take the mother).
_PREGNANT = {"pregnant", "pregnancy", "expecting", "prenatal", "unborn", "fetus", "fetal"}


def child_words(words: Words) -> Iterator[Reading]:
    """kid, daughter, teen… -> the paediatric age filter; not "since I was a kid", nor a
    pregnant woman's baby."""
    child = _lay().child
    if any(folded in _PREGNANT for folded, *_rest in words.tokens):
        return
    named = {
        inside
        for position in range(len(words.tokens))
        if (last := _match(words, position, _lay().child_terms)) is not None
        for inside in range(position, last + 1)
    }
    for position, (folded, *_rest) in enumerate(words.tokens):
        if position in named:
            continue  # "moon children": a disease (child_terms)
        before = tuple(words.folded(p) for p in (position - 2, position - 1))
        if before[1:] in _PAST or before in _PAST or before in _BIRTH:
            continue
        if words.folded(position + 1) in _THINGS:
            continue
        if words.folded(position + 1) == "の" and (words.folded(position + 2) or "")[:1] in _WHEN:
            continue  # "子どもの頃から" (since I was a child), "子供の時"
        if folded in child and position not in words.taken and not _grown_up(words, position):
            said = words.said(position, position)
            yield Reading("age_group", "child", said, words.spans([position]))


def says_teen(reading: Reading) -> bool:
    """Whether a paediatric reading was said with a word for a teenager ("my teenage son")."""
    return reading.parameter == "age_group" and bool(set(_phrase(reading.said)) & _lay().teen)


def says_relative(reading: Reading) -> bool:
    """Whether a sex reading was said of a relative ("my wife"): whom the search is for, not a
    wish for trials of that sex only."""
    said = _phrase(reading.said)
    return reading.parameter == "sex" and len(said) == 2 and said[1] in _lay().relatives


# A school year said for a child's age ("in 8th grade", "3. Klasse", "중학교 2학년", "小学6年生"),
# and what to add to its number for the age a pupil of that year has: elementary years from
# about 6, Korean and Japanese middle school from 12, high school from 15. Not "grade 3" (a
# disease's grade: "grade 3 GVHD").
_SCHOOL_YEARS = (
    (re.compile(r"(?i)\b(1[0-2]|[1-9])(?:st|nd|rd|th)[ -]grade(?:rs?)?\b"), 5),
    (re.compile(r"\b(1[0-3]|[1-9])\.\s?(?:Klasse|Schuljahr)\b"), 5),
    (re.compile(r"(?:초등학교|초등학생|초등)\s?([1-6])\s?학년"), 6),
    (re.compile(r"(?:중학교|중학생|중)\s?([1-3])\s?학년"), 12),
    (re.compile(r"(?:고등학교|고등학생|고)\s?([1-3])\s?학년"), 15),
    (re.compile(r"小学校?\s?([1-6１-６])\s?年生?"), 5),
    (re.compile(r"中学校?\s?([1-3１-３])\s?年生?"), 12),
    (re.compile(r"高校\s?([1-3１-３])\s?年生?"), 15),
)


def school_year_words(words: Words) -> Iterator[Reading]:
    """ "our son is in 8th grade" -> the age filter (age=13), where no age was said."""
    if "age" in words.read:
        return
    for pattern, add in _SCHOOL_YEARS:
        if found := pattern.search(words.text):
            years = int(unicodedata.normalize("NFKC", found[1])) + add
            yield Reading("age", str(years), found[0], ((found.start(), found.end()),))
            return


# "8 year old", "8-year-old", "14 years old", "18 months old", "aged 8", "age 8", "8yo", "8 y/o":
# a person's age, in years or months.
_YEARS = {"year", "years", "yr", "yrs"}
_MONTHS = {"month", "months", "mo", "mos"}
_AGED = {"aged", "age"}
# Before "age 8": when, not how old ("started at age 8", "since age 8", "diagnosed at age 8").
_PAST_AGE = {"since", "started", "began", "diagnosed", "from", "until", "till"}
# "im 38", "I'm 19", "i am 60": a person's age said after "I am", unless a unit follows
# ("I'm 20 weeks pregnant").
# "I'm 34", and of the person the search is for: "she is 60", "he's 8", "my son is 17".
_PERSONS = (
    "she", "he", "son", "daughter", "kid", "child", "boy", "girl", "baby", "mom", "mum", "mother",
    "dad", "father", "wife", "husband", "sister", "brother", "grandma", "grandmother",
    "grandpa", "grandfather", "girlfriend", "boyfriend", "partner", "friend",
)  # fmt: skip
_I_AM = (
    ("im",), ("i", "m"), ("i", "am"), ("shes",), ("hes",), ("she", "s"), ("he", "s"),
    *((person, "is") for person in _PERSONS),
)  # fmt: skip
# "patients over 75", "pts above 65", "adults older than 70": the people's age, the least of it.
_PEOPLE_OVER = {"patients", "pts", "pt", "people", "adults", "persons", "individuals", "subjects"}
_PEOPLE_OVER |= {"participants", "seniors", "elderly", "women", "men", "those", "anyone"}
_OVER = {"over", "above"}
_NOT_YEARS = {"week", "weeks", "wk", "wks", "day", "days", "kg", "kgs", "lb", "lbs", "pounds"}
_NOT_YEARS |= {"stone", "mg", "percent", "times", "hours", "hour", "cm", "inches", "feet", "ft"}
_YEARS_OLD = re.compile(r"(\d{1,3})yo")
# A clinician's shorthand for a patient, the age and the sex in capitals ("52M", "45F").
_AGE_SEX = re.compile(r"(\d{1,3})([MF])")
_SEX_LETTER = {"M": "male", "F": "female"}
OLDEST_AGE_READ = 120
# Other languages say an age with the number and the word for years alone ("mi hija de 8
# años", "доньці 8 років", "8 éves lányom", "con tôi 8 tuổi"), as folded: Spanish, Portuguese,
# French, German, Italian, Polish, Czech, Russian, Ukrainian, Hungarian, the Nordic languages,
# Finnish, Greek, Romanian, Turkish, Dutch, Vietnamese, Indonesian.
_YEARS_ABROAD = {
    "anos", "ans", "jahre", "jahrige", "jahriger", "jahrigen", "anni", "lat", "let", "roku",
    "лет", "год", "года", "років", "роки", "рік", "eves", "ar", "aar", "vuotias", "vuotiaan",
    "ετων", "χρονων", "ani", "yasinda", "yasında", "yasindaki", "yasındaki", "jaar", "tuoi",
    "tahun",
    # Arabic ("عمري ٢٨ سنة": its digits are digits too), Persian, Hindi, Hebrew
    "سنة", "سنه", "سنوات", "عام", "عاما", "اعوام", "سال", "ساله", "साल", "वर्ष", "वर्षीय",
    "שנים", "שנה",
}  # fmt: skip
# Chinese, Japanese and Korean: the number and the sign for years of age ("8岁", "8歳",
# "55세이신데": a Korean ending joined to it).
_YEARS_CJK = {"岁", "歲", "歳", "才", "세", "살"}
_AGE_CJK = re.compile(r"(\d{1,3})[岁歲歳才세살]\w*")  # "8岁", "55세이신데" as one word


# Words between a word for a child and the age said of them ("my daughter is 24", "ma fille a
# 24 ans", "mi hija tiene 19 años", "my son just turned 18", "meine Tochter ist 20").
_AGE_OF = {"is", "s", "was", "a", "est", "tiene", "ist", "turned", "just", "now", "who", "de"}
_AGE_OF |= {"e", "tem", "ha", "aged", "age", "of"}


def _grown_up(words: Words, position: int) -> bool:
    """Whether the age said of the word for a child at `position` is an adult's: "my daughter
    is 24", "ma fille a 24 ans", "my 24 year old son", "24yo son" (the age filter says whom the
    trials must take; the word is no paediatric filter)."""
    tokens = [token[0] for token in words.tokens]

    def years(at: int) -> int | None:
        if not 0 <= at < len(tokens):
            return None
        if found := _YEARS_OLD.fullmatch(tokens[at]):
            return int(found[1])
        unit = tokens[at + 1] if at + 1 < len(tokens) else ""
        # "my baby is 20 months", "my son is 20 weeks old": no years
        return (
            int(tokens[at]) if tokens[at].isdigit() and unit not in _MONTHS | _NOT_YEARS else None
        )

    after = position + 1
    while after < len(tokens) and after - position <= 3 and tokens[after] in _AGE_OF:
        after += 1
    said = years(after)
    if said is None:  # before it: "my 24 year old son", "24-year-old daughter", "24yo son"
        back = position - 1
        while back >= 0 and position - back <= 3 and tokens[back] in _YEARS | {"old"}:
            back -= 1
        if back < position - 1 or (back >= 0 and _YEARS_OLD.fullmatch(tokens[back])):
            said = years(back)
    return said is not None and ADULT_AGE <= said <= OLDEST_AGE_READ


def _nfc(folded: str) -> str:
    """A folded word composed again (folding splits Korean syllables into their letters)."""
    return unicodedata.normalize("NFC", folded)


# … but not how long ("desde hace 8 años", "seit 8 Jahren", "psoríase há 10 anos", "8 años
# con psoriasis"), nor when ("il y a 10 ans", "10 anni fa", "10 anos atrás").
_FOR_YEARS = {
    "hace", "desde", "durante", "depuis", "pendant", "seit", "seid", "da", "per", "od",
    "przez", "уже", "вже", "already", "since", "for", "sinds", "sedan", "i", "gia", "ja",
    "منذ", "لمدة", "במשך",
}  # fmt: skip
# Portuguese "há"/"faz" before "anos" say how long ("psoríase há 10 anos"); Italian "ha" before
# "anni" says an age ("mio figlio ha 8 anni").
_FOR_ANOS = {"ha", "faz"}
# German says an age with "ist"/"bin" ("meine Tochter ist 8 Jahre"); "hat 2 Jahre gut gewirkt",
# "nach 2 Jahren", "etwa 10 Jahre lang" say how long.
_FOR_JAHRE = {"hat", "habe", "hatte", "haben", "nach", "vor", "uber", "etwa", "fast", "knapp"}
_YEARS_AGO = {"fa", "atras", "ago", "temu", "назад", "тому"}
# … nor after the years ("10 साल से": for ten years, in Hindi)
_WITH = {"con", "com", "avec", "mit", "z", "с", "з", "with", "met", "med", "ile", "से"}


def age_words(words: Words) -> Iterator[Reading]:
    """ "my 8 year old", "aged 70", "a 14-year-old son" -> the age filter (age=8): trials whose
    age range admits that age; not "8 years of eczema" (how long, not how old)."""
    count = len(words.tokens)
    for position in range(count):
        folded = words.folded(position)
        if folded is None:
            continue
        if (shorthand := _AGE_SEX.fullmatch(words.tokens[position][1])) is not None:
            # "psoriasis pt 52M with NAFLD": a 52-year-old man, whom the trials must take
            if 0 < (years := float(shorthand[1])) <= OLDEST_AGE_READ:
                said, spans = words.said(position, position), words.spans([position])
                yield Reading("age", f"{years:g}", said, spans)
                yield Reading("sex", _SEX_LETTER[shorthand[2]], said, spans)
                return
            continue
        if (found := _YEARS_OLD.fullmatch(folded) or _AGE_CJK.fullmatch(_nfc(folded))) is not None:
            years, last = float(found[1]), position
        elif folded.isdigit() and len(folded) <= 3:
            number = position
            unit, after = words.folded(position + 1), words.folded(position + 2)
            if unit in _YEARS | _MONTHS and after == "old":
                years, last = int(folded) / (12 if unit in _MONTHS else 1), position + 2
            elif (unit, after) == ("y", "o"):
                years, last = float(folded), position + 2
            elif unit == "yo" or (
                (unit in _YEARS_ABROAD or _nfc(unit or "")[:1] in _YEARS_CJK)
                and after not in _WITH
                and not (after or "").isdigit()  # an identifier: "94-AR-0194"
                and after not in _YEARS_AGO
                and not {words.folded(position - 1), words.folded(position - 2)}
                & (
                    _FOR_YEARS
                    | (_FOR_ANOS if unit == "anos" else set())
                    | (_FOR_JAHRE if unit == "jahre" else set())
                )
                and not (unit == "jahre" and after == "lang")
                and (words.folded(position - 2), words.folded(position - 1)) != ("y", "a")
            ):  # "15 yo"; "mi hija de 8 años"
                years, last = float(folded), position + 1
            elif words.folded(position - 1) in _AGED:
                if any(words.folded(p) in _PAST_AGE for p in (position - 2, position - 3)):
                    continue  # "eczema started at age 8", "since age 8": the past
                years, last, position = float(folded), position, position - 1
            elif unit not in _NOT_YEARS and (said := _people_over(words, position)) is not None:
                # "psoriasis trials for pts over 75": trials that take a 75-year-old
                last = position + 1 if unit in _YEARS else position
                years, position = float(folded), said
            elif unit not in _NOT_YEARS and (said := _after_i_am(words, position)) is not None:
                years, last, position = float(folded), position, said
            else:
                continue
            if unit in _MONTHS and last == number:
                years, last = years / 12, last + 1  # "my baby is 6 months", "aged 12 months"
        else:
            continue
        if 0 < years <= OLDEST_AGE_READ:
            value = f"{years:g}" if years >= 1 else f"{years:.2f}"
            span = range(position, last + 1)
            yield Reading("age", value, words.said(position, last), words.spans(span))
            return  # one age: the first said ("my son is 17 and I am 45" is 17)


def _people_over(words: Words, position: int) -> int | None:
    """The position of "over" ("above", "older than") when the number at `position` follows it
    after a word for people ("patients over 75", "adults older than 70"); None otherwise."""
    before = position - 1
    if words.folded(before) == "than" and words.folded(before - 1) == "older":
        before -= 1
    elif words.folded(before) not in _OVER:
        return None
    return before if words.folded(before - 1) in _PEOPLE_OVER else None


# How long, or since when, a person has had what they search for ("I've had RA for about 12
# years", "seit 20 Jahren", "diagnosed 3 years ago", "since 2019", "for years"): none of it is
# what to search (a trial saying "12 years" is no closer to the person), so params.understand
# takes these words out of `q` as it does a reading's, setting nothing (asides). A span needs a
# word saying it is a time past: before it (DURATION_BEFORE, possibly with LENGTH_HEDGES
# between: "for about", "over the last") or after it (DURATION_AFTER: "ago", "now"). Without
# one ("12-week open-label extension", "52 week data") the words stay.
DURATION_UNITS = frozenset(
    {"year", "years", "yr", "yrs", "month", "months", "mo", "mos", "week", "weeks", "wk"}
    | {"wks", "day", "days", "decade", "decades"}
    | {"jahr", "jahre", "jahren", "monat", "monate", "monaten", "wochen", "tagen", "jahrzehnten"}
    | {"an", "ans", "annee", "annees", "mois", "semaines", "jours", "anos", "ano", "meses"}
    | {"semanas", "dias", "anni", "anno", "mesi", "settimane", "giorni", "lat", "lata"}
    | {"rok", "roku", "miesiecy", "miesiace", "tygodni", "jaar", "maanden", "weken", "dagen"}
    | {"ar", "manader", "лет", "год", "года", "годы", "месяцев", "месяца", "років", "роки"}
    | {"рік", "місяців"}
)  # fmt: skip
DURATION_BEFORE = frozenset(
    {"for", "since", "during", "past", "last", "already", "seit", "seid", "depuis"}
    | {"pendant", "desde", "hace", "durante", "ha", "faz", "da", "od", "przez", "sinds"}
    | {"sedan", "уже", "вже", "протягом", "в", "течение"}
)  # fmt: skip
DURATION_AFTER = frozenset(
    {"ago", "now", "already", "fa", "atras", "temu", "назад", "тому", "geleden", "sedan"}
)
# Words between the time word before and the number: "for about 12 years", "over the last two".
LENGTH_HEDGES = frozenset(
    {"about", "around", "roughly", "approximately", "approx", "nearly", "almost", "over"}
    | {"more", "than", "less", "at", "least", "like", "maybe", "probably", "the", "last"}
    | {"past", "these", "those", "just", "only", "well", "some", "unos", "etwa", "fast"}
    | {"uber", "ueber", "environ", "presque", "quasi", "circa", "quase", "mehr", "als", "plus"}
    | {"de", "mas", "около", "почти", "более", "close", "to", "good", "solid", "straight"}
    | {"hace", "ya", "schon", "gut", "bien", "already"}
)  # fmt: skip
# How many, in words ("two years", "a few months", "a couple of years", "a year and a half").
_COUNT_WORDS = frozenset(
    {"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
    | {"eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "few", "several"}
    | {"many", "couple", "of", "half", "and", "so", "some", "zwei", "drei", "vier", "funf"}
    | {"zehn", "deux", "trois", "dix", "dos", "tres", "diez", "dois", "due", "dieci", "un"}
    | {"une", "uno", "una", "um", "ein", "einem", "einen", "einer"}
)  # fmt: skip
# A year said after "since" ("eczema since 2019").
_CALENDAR_YEAR = re.compile(r"(?:19|20)\d\d")
# The longest run of count words and hedges read.
_LENGTH_WORDS_MAX = 4


# A range of ages ("teenagers 13 to 17", "ages 6-12", "between 2 and 11 years old"): with a
# word for ages before it or for years after it, not for a time ("12 to 16 weeks") nor
# anything else ("phase 2 to 3", "PASI 75 to 90").
_AGE_RANGE = re.compile(
    r"(?i)\b(?:(?P<cue>ages?|aged|between|from)\s+)?(?P<low>\d{1,3})\s*(?:-|–|to|and|through)"
    r"\s*(?P<high>\d{1,3})(?P<unit>\s*(?:years?|yrs?|y/?o|year[- ]olds?)(?:\s+old)?)?\b"
    r"(?!\s*(?:-|weeks?|months?|days?|hours?|mg|kg|%|cm|x\b|times|visits))"
)
# Words for people of some ages just before a range (_AGE_RANGE).
_AGES_BEFORE = frozenset(
    {"teen", "teens", "teenager", "teenagers", "kids", "children", "child", "adolescents"}
    | {"adolescent", "adults", "youth", "boys", "girls", "ages", "aged", "age", "patients"}
)  # fmt: skip


def _age_ranges(text: str) -> list[tuple[int, int]]:
    """The spans of the ranges of ages `text` says (_AGE_RANGE): whom the person asks about,
    which the age filters and the words for children say, not words to search for."""
    spans = []
    for found in _AGE_RANGE.finditer(text):
        if not int(found["low"]) < int(found["high"]) <= OLDEST_AGE_READ:
            continue
        before = [token[0] for token in tokens(text[: found.start()])[-2:]]
        if found["cue"] or found["unit"] or _AGES_BEFORE & set(before):
            spans.append((found.start("low") if not found["cue"] else found.start(), found.end()))
    return spans


def asides(text: str) -> list[tuple[int, int]]:
    """The spans of `text` that say how long or since when (see DURATION_UNITS), or a range of
    ages (_age_ranges): [] for none, and for a quoted phrase or an excluded word (searched as
    typed)."""
    if not text or len(text) > max_length() or has_exact_syntax(text):
        return []
    ranges = _age_ranges(text)
    durations = _durations(text)
    return sorted(
        [
            *durations,
            *(r for r in ranges if not any(r[0] < d[1] and d[0] < r[1] for d in durations)),
        ]
    )


def _durations(text: str) -> list[tuple[int, int]]:
    """The spans of `text` that say how long or since when (_duration_at)."""
    toks = tokens(text)
    folded = [token[0] for token in toks]
    spans = []
    position = 0
    while position < len(toks):
        found = _duration_at(folded, position)
        if found is None:
            position += 1
            continue
        first, last = found
        spans.append((toks[first][2], toks[last][3]))
        position = last + 1
    return spans


def _duration_at(folded: list[str], position: int) -> tuple[int, int] | None:
    """The first and last positions of a time said from `position` (a word of DURATION_BEFORE,
    or a count when DURATION_AFTER follows its unit), or None."""
    word = folded[position]
    cue = word in DURATION_BEFORE
    if not cue and not _counts(word):
        return None
    at = position + 1 if cue else position
    while cue and at < len(folded) and folded[at] in LENGTH_HEDGES:
        if at - position > _LENGTH_WORDS_MAX:
            return None
        at += 1
    if cue and at < len(folded) and word in _SINCE:
        if _CALENDAR_YEAR.fullmatch(folded[at]):
            return position, at  # "since 2019"
        if folded[at] in {"age", "alter"} and at + 1 < len(folded) and folded[at + 1].isdigit():
            return position, at + 1  # "since age 8"
    counted = at
    while at < len(folded) and _counts(folded[at]):
        if at > counted and folded[at] in DURATION_UNITS:
            break  # "un an": the count, then the unit
        if at - counted > _LENGTH_WORDS_MAX:
            return None
        at += 1
    if at >= len(folded) or folded[at] not in DURATION_UNITS:
        return None
    if at + 1 < len(folded) and folded[at + 1] in {"old", "olds"}:
        return None  # an age ("a 61 year old man"): age_words reads it, or it stays
    if word == "ha" and folded[at] not in _PORTUGUESE_UNITS:
        return None  # Italian "ha 8 anni" is an age
    if folded[at + 1 : at + 4] == ["and", "a", "half"]:
        at += 3  # "a year and a half"
    if at + 1 < len(folded) and folded[at + 1] in DURATION_AFTER:
        return position, at + 1  # "3 years ago", "for 6 months now"
    return (position, at) if cue else None


_SINCE = {"since", "seit", "depuis", "desde", "sinds", "od"}
# Portuguese "há" says how long before these ("psoríase há 10 anos").
_PORTUGUESE_UNITS = {"anos", "ano", "meses", "semanas", "dias"}


def _counts(word: str) -> bool:
    """Whether a word says how many (a number, a count word)."""
    return (word.isdigit() and len(word) <= 3) or word in _COUNT_WORDS


def _after_i_am(words: Words, position: int) -> int | None:
    """Where "I am" (_I_AM) begins when it is right before `position`; None otherwise."""
    for said in _I_AM:
        first = position - len(said)
        if first >= 0 and all(
            words.folded(first + offset) == word for offset, word in enumerate(said)
        ):
            return first
    return None


# Recruiting words that say a trial is *not* open: "not recruiting", "no longer enrolling",
# "stopped recruiting", "recruiting completed".
_NOT_OPEN_BEFORE = {
    "not", "longer", "no", "stopped", "finished", "completed", "closed", "ended", "neither", "nor",
}  # fmt: skip
_NOT_OPEN_AFTER = {"completed", "closed", "finished", "stopped", "ended", "terminated"}


def recruiting_words(words: Words) -> Iterator[Reading]:
    """ "recruiting", "now enrolling", "accepting new patients"… -> the recruiting filter; not
    "not recruiting" (nor "no longer enrolling")."""
    closed = list(_phrases_found(words, tuple(phrase for phrase, _ in _lay().closed)))
    for found in _phrases_found(words, _lay().recruiting):
        first, last, _ = found
        before, after = words.folded(first - 1), words.folded(last + 1)
        if first and words.text[words.tokens[first - 1][3] : words.tokens[first][2]].strip():
            before = None  # "completed, recruiting": a list, not "completed recruiting"
        if before not in _NOT_OPEN_BEFORE and after not in _NOT_OPEN_AFTER:
            said, spans = words.said(first, last), words.spans(range(first, last + 1))
            joined = [c for c in closed if _joined(words, found, c) or _joined(words, c, found)]
            if joined:
                # "recruiting or completed lupus trials": either, so the open statuses among
                # the statuses (closed_words reads the other), not a filter no trial meets.
                from trials.models import Status

                words.with_open.update(first for first, _, _ in joined)
                for status in Status.OPEN:
                    yield Reading("status", status.value, said, spans)
            else:
                yield Reading("recruiting", "1", said, spans)


# Words for trials, which a word for a closed trial stands beside ("completed studies"), and the
# words that may come between ("trials that were terminated").
# … and the other languages' words for them ("essais terminés sur le lupus").
_STUDY_WORDS = {"trial", "trials", "study", "studies", "research"} | {
    "essai", "essais", "etude", "etudes", "ensayo", "ensayos", "estudio", "estudios", "studie",
    "studien", "studio", "studi", "estudo", "estudos", "ensaio", "ensaios", "badanie", "badania",
    # Danish, Norwegian, Swedish
    "studier", "forsøg", "forsøk", "forsok", "kliniske", "klinisk", "kliniska",
    # Turkish (folded: "çalışmalar" is "calısmalar"), Dutch
    "calısma", "calısmalar", "arastırma", "arastırmalar", "onderzoek", "onderzoeken",
    # Chinese, Japanese, Korean
    "临床试验", "试验", "临床研究", "研究", "治験", "臨床試験", "試験", "臨床研究",
    "임상시험", "연구",
    # a trial's status ("studies with unknown status", "Status unbekannt", "è stato interrotto")
    "status", "statut", "stato", "estado",
}  # fmt: skip
_LINKING = {
    "that", "which", "are", "were", "is", "was", "have", "has", "been", "already", "now",
    "被", "已", "已经",  # "临床试验被撤回": trials were withdrawn; already
}  # fmt: skip
# Words for the kind of trial, which may stand between too ("completed clinical trials",
# "withdrawn dermatology studies").
_STUDY_KINDS = {
    "clinical", "medical", "drug", "device", "research", "interventional", "observational",
    "dermatology", "dermatologic", "dermatological", "skin", "rheumatology", "rheumatologic",
    "rheumatological",
}  # fmt: skip
# Either: the words that may follow a place and say it is trials that are asked for.
_FOR_TRIALS = frozenset(_STUDY_WORDS | _STUDY_KINDS)


# The years a start date may be read as ("trials started in 2023"; not "since 1850").
_YEARS_BACK, _YEARS_AHEAD = 1950, 10
# Words for trials, beside which a start date is the trials' (not "status").
_TRIALS = _STUDY_WORDS - {"status", "statut", "stato", "estado"}
# Words saying a start is someone's, not the trials' ("trials? my eczema started in 2010").
_SOMEONE = frozenset({
    "my", "his", "her", "our", "their", "i", "im", "me", "your", "whose", "he", "she", "we",
    "they", "mi", "mis", "mon", "ma", "mes", "mein", "meine", "mio", "mia", "meu", "minha", "mijn",
})  # fmt: skip
# At most this many words between a word for trials and one saying they started ("trials for
# eczema that started in 2022"; not "trials for my son whose eczema started in 2020").
_MAX_BEFORE_STARTED = 3


@cache
def _dates() -> dict[str, frozenset[str]]:
    """lay_terms.json's `dates`: each list of words as a set."""
    data = json.loads((VOCAB_DIR / "lay_terms.json").read_text(encoding="utf-8"))["dates"]
    return {key: frozenset(values) for key, values in data.items()}


# The date filter (facets.DATE_RANGES) a word of `dates` says the trials did: started, ended.
_VERBS = {"started": "start", "ended": "end"}
_RANGES = {date_range.name: date_range for date_range in DATE_RANGES}


def _year(folded: str | None) -> int | None:
    if not folded or len(folded) != 4 or not folded.isdigit():
        return None
    year, today = int(folded), timezone.localdate().year
    return year if _YEARS_BACK <= year <= today + _YEARS_AHEAD else None


def dated_words(words: Words) -> Iterator[Reading]:
    """ "trials started in 2023", "studies since 2020", "begun after 2019", "between 2018 and
    2020", "2020 or later", "ensayos iniciados en 2023" -> the start date filter (`start_from`,
    `start_to`); "studies that finished in 2020 or later", "ended in 2024 or 2025" -> the end
    date filter (`end_from`, `end_to`); beside a word for trials only: "my eczema started in
    2010" is not read."""
    said = _dates()
    position = 0
    while position < len(words.tokens):
        if words.folded(position) in _TRIALS:
            found = _dated_at(words, position, said)
        else:
            found = _started_cjk(words, position, said)
        if found is None:
            position += 1
            continue
        first, last, low, high, date_range = found
        spans = words.spans(range(first, last + 1))
        text = words.said(first, last)
        if low:
            yield Reading(date_range.low, low, text, spans)
        if high:
            yield Reading(date_range.high, high, text, spans)
        position = last + 1


def _dated_at(words: Words, trials: int, said: dict) -> tuple[int, int, str, str, DateRange] | None:
    """After the word for trials at `trials`: the positions of the words saying when they
    started or end, the dates' first and last periods ("" for an open end) and their filter
    (the start dates' when no word says which). A word for the end may be a status read
    already ("studies that finished in 2020": completed, and ended then)."""
    verb, date_range = None, _RANGES["start"]
    for at in range(trials + 1, trials + _MAX_BEFORE_STARTED + 2):
        typed = words.tokens[at][0] if at < len(words.tokens) else None
        if typed is None or typed in _SOMEONE:  # "trials, my eczema started in 2010"
            break
        if kind := next((k for k in _VERBS if typed in said[k]), None):
            verb, date_range = at, _RANGES[_VERBS[kind]]
            break
        if words.folded(at) is None:
            break
    found = _dates_after(words, trials, verb, said)
    return (*found, date_range) if found else None


def _dates_after(
    words: Words, trials: int, verb: int | None, said: dict
) -> tuple[int, int, str, str] | None:
    """The words saying the dates after the word for trials at `trials` or the verb at `verb`:
    their first and last positions, and the first and last periods."""
    at = trials + 1 if verb is None else verb + 1
    first = at if verb is None else verb
    word = words.folded(at)
    kind = next((k for k in ("in", "since", "after", "before", "between") if word in said[k]), "")
    if kind:
        at += 1
    elif verb is None and not _year(words.folded(at)):
        return None
    while words.folded(at) in said["glue"] and not _year(words.folded(at)):
        at += 1
    month = MONTHS.get(words.folded(at) or "")
    if month:
        at += 1
    if (decade := _decade(words.folded(at))) and not month:
        return _in_decade(at, first, decade, kind)
    year = _year(words.folded(at))
    if year is None:
        return None
    low = f"{year}-{month:02d}" if month else str(year)
    last, high = at, low
    to = words.folded(at + 1)
    between = words.text[words.tokens[at][3] : words.tokens[at + 1][2]] if to else ""
    joined = to in said["to"] or to in said["or"]  # "2018 to 2020", "2024 or 2025"
    if (joined or between.strip() in ("-", "–", "—")) and (
        (other := _year(words.folded(at + 1 + joined))) and other >= year
    ):
        last = at + 1 + joined
        high = str(other)
    elif kind == "between" or between.strip() in ("-", "/", "–"):
        return None  # "EudraCT trial 2015-001894-41" is no year
    else:
        low, high = _bounded(kind, low, high)
    if high == low and words.folded(last + 1) in said["or"]:
        after = words.folded(last + 2)
        if after in said["later"]:
            high, last = "", last + 2
        elif after in said["earlier"]:
            low, last = "", last + 2
    elif high == low and words.folded(last + 1) in said["later"] - said["after"]:
        high, last = "", last + 1  # "2020 onwards"
    return first, last, low, high


def _decade(folded: str | None) -> int | None:
    """A decade's first year ("1990s", "2010s"), None for other words."""
    if folded and len(folded) == 5 and folded.endswith("0s") and (year := _year(folded[:4])):
        return year
    return None


def _in_decade(at: int, first: int, decade: int, kind: str) -> tuple[int, int, str, str]:
    """ "started in the 1990s", "since the 2010s", "after the 1990s", "before the 2000s"."""
    return first, at, *_bounded(kind, str(decade), str(decade + 9))


def _bounded(kind: str, low: str, high: str) -> tuple[str, str]:
    """The periods from `low` to `high` ("2023" to "2023", "1990" to "1999") as the word
    before them bounds them: since (from `low` on), after (from the period after `high`),
    before (to the period before `low`), or in (both)."""
    if kind == "since":
        return low, ""
    if kind == "after":
        return _next(high, 1), ""
    if kind == "before":
        return "", _next(low, -1)
    return low, high


def _next(period: str, step: int) -> str:
    """The year or month `step` after a year or month ("2024-12", 1: "2025-01")."""
    if len(period) == 4:
        return str(int(period) + step)
    year, month = divmod(int(period[:4]) * 12 + int(period[5:]) - 1 + step, 12)
    return f"{year}-{month + 1:02d}"


# Chinese and Japanese: a year, then 年 with what the trials did ("2022年以后登记的…临床试验",
# "2023年に開始された…治験"): since (以后, 以降…), before (以前…) or in (开始, 開始…) it.
_CJK_SINCE = ("以后", "以後", "以来", "之后", "之後", "起", "以降", "から")
_CJK_BEFORE = ("以前", "之前", "まで")
_CJK_IN = ("开始", "開始", "启动", "登记", "登録", "注册", "に開始")
# A start that is someone's: falling ill, a diagnosis ("2010年开始得红斑狼疮").
_CJK_ONSET = ("得", "患", "诊断", "確診", "发病", "発症", "診断", "我", "私")
_CJK_TRIALS = ("试验", "試験", "治験", "研究")  # the end of a word for trials ("临床试验")
# At most this many words from the year to the word for trials.
_CJK_TO_TRIALS = 5


def _started_cjk(words: Words, at: int, said: dict) -> tuple[int, int, str, str, DateRange] | None:
    """ "2022年以后登记的类风湿关节炎临床试验" -> from 2022; "2023年开始的银屑病临床试验" -> 2023;
    beside a word for trials (within _CJK_TO_TRIALS words), not about falling ill."""
    year, after = _year(words.folded(at)), words.folded(at + 1) or ""
    if year is None or not after.startswith("年"):
        return None
    rest, last = after[1:], at + 1
    if not rest and words.folded(at + 2) in ("に", "から", "以降", "以后", "以来"):
        rest, last = words.folded(at + 2) + (words.folded(at + 3) or ""), at + 2
        last += rest.startswith("に") and words.folded(at + 3) is not None
    following = [words.folded(p) or "" for p in range(last + 1, last + 1 + _CJK_TO_TRIALS)]
    if any(onset in text for text in [rest, *following] for onset in _CJK_ONSET):
        return None
    if not any(text in _TRIALS or text.endswith(_CJK_TRIALS) for text in following):
        return None
    if rest.startswith(_CJK_SINCE):
        return at, last, str(year), "", _RANGES["start"]
    if rest.startswith(_CJK_BEFORE):
        return at, last, "", str(year - 1), _RANGES["start"]
    if rest.startswith(_CJK_IN):
        return at, last, str(year), str(year), _RANGES["start"]
    return None


def closed_words(words: Words) -> Iterator[Reading]:
    """ "completed psoriasis studies", "lupus trials that were terminated" -> status=COMPLETED,
    TERMINATED… (lay_terms.json `closed`): a word for a closed trial beside a word for trials,
    the diseases (or a kind of them: "withdrawn dermatology studies") or treatments named
    between; not "patients who completed the parent study"."""
    closed = _lay().closed
    found = list(_phrases_found(words, tuple(phrase for phrase, _ in closed)))
    beside = [
        first in words.with_open or _beside_a_study_word(words, first, last)
        for first, last, _ in found
    ]
    # Those joined by "or" stand together: "completed or terminated lupus trials".
    changed = True
    while changed:
        changed = False
        for at, (one, other) in enumerate(pairwise(found)):
            if beside[at] != beside[at + 1] and _joined(words, one, other):
                beside[at] = beside[at + 1] = changed = True
    for (first, last, which), ok in zip(found, beside, strict=True):
        if ok:
            said = words.said(first, last)
            for status in closed[which][1]:
                yield Reading("status", status, said, words.spans(range(first, last + 1)))


# "or" and "and" in the languages the vocabulary knows diseases in ("en Francia, Italia y
# Alemania").
_JOINERS = {
    "or", "and", "y", "o", "e", "ou", "et", "und", "oder",
    "或者", "或", "和", "及", "または", "또는",  # Chinese, Japanese, Korean
    "или", "и", "lub", "albo", "oraz",  # Russian, Polish
}  # fmt: skip


def _joined(words: Words, one: tuple[int, int, int], other: tuple[int, int, int]) -> bool:
    """Whether two phrases found, one after the other, are joined by "or", "and" or a comma
    ("completed or terminated", "completed, terminated")."""
    if other[0] == one[1] + 1:
        return words.text[words.tokens[one[1]][3] : words.tokens[other[0]][2]].strip() == ","
    return other[0] == one[1] + 2 and words.folded(one[1] + 1) in _JOINERS


def _beside_a_study_word(words: Words, first: int, last: int, before: bool = True) -> bool:
    """Whether the words `first`–`last` stand before a word for trials (diseases, treatments,
    kinds of trial or people's adjectives between) or, with `before`, after one."""
    named = words.in_conditions | {
        p for start, (end, _slug) in words.treatments.items() for p in range(start, end + 1)
    }
    named |= {
        p for start, end, _ in _phrases_found(words, _lay().kinds) for p in range(start, end + 1)
    }
    after = last + 1
    while after in named or words.folded(after) in _STUDY_KINDS or _demonym(words, after):
        after += 1
    if words.folded(after) in _STUDY_WORDS:
        return True
    at = first - 1
    while words.folded(at) in _LINKING:
        at -= 1
    return before and words.folded(at) in _STUDY_WORDS


def _demonym(words: Words, at: int) -> bool:
    """Whether the word at `at` is a people's adjective ("afsluttede danske studier")."""
    from trials.readers.places import demonyms

    return (words.folded(at) or "") in demonyms()


# "women of childbearing potential", "of child-bearing potential", "of reproductive potential".
_POTENTIAL = {"childbearing", "child", "reproductive"}


def people_words(words: Words) -> Iterator[Reading]:
    """ "women", "men", "adults", "elderly"… -> sex=female, sex=male, age_group=adult,
    age_group=older_adult (lay_terms.json `people`; "older women" is both); not a word inside a
    condition's name ("adult-onset Still disease"), nor criteria's "women of childbearing
    potential" (who must use contraception, in a trial for anyone)."""
    inside = words.in_conditions
    lay = _lay()
    people = lay.people
    found = list(_phrases_found(words, tuple(phrase for phrase, *_ in people)))
    # "im a man … are they all women only", "my husband has lupus … all for women, any that
    # take men": the sex of the person the search is for, not the other
    own = {people[which][2] for first, _, which in found if _of_oneself(words, first)}
    if len({people[which][2] for *_, which in found if people[which][1] == "sex"}) > 1:
        own |= {value for parameter, value in _relatives_said(words) if parameter == "sex"}
    for first, last, which in found:
        potential = words.folded(last + 1) == "of" and words.folded(last + 2) in _POTENTIAL
        _, parameter, value = people[which]
        if parameter == "sex" and len(own) == 1 and value not in own:
            continue
        if not inside.intersection(range(first, last + 1)) and not potential:
            said = words.said(first, last)
            yield Reading(parameter, value, said, words.spans(range(first, last + 1)))
            # "older women": the word before says more of whom ("older" adults)
            before = lay.people_before.get(words.folded(first - 1) or "")
            if before and before[0] != parameter and first - 1 not in inside:
                yield Reading(*before, words.said(first - 1, first - 1), words.spans([first - 1]))


def relatives_words(words: Words) -> Iterator[Reading]:
    """ "my son has lupus", "my wife …" -> sex=male, female (lay_terms.json `people`
    `relatives`): the person the search is for, unless relatives of both sexes are named ("my
    son and daughter") or the sex was read otherwise. Only "my" is taken: "son" may say a
    child or an age too ("my son is 16")."""
    lay = _lay()
    relatives = lay.relatives
    folded = [token[0] for token in words.tokens]
    said = {relatives[word] for word in folded if word in relatives}
    said |= {
        (parameter, value)
        for phrase, parameter, value in lay.people
        if parameter == "sex" and len(phrase) == 1 and phrase[0] in folded
    }
    if len(said) != 1:
        return
    for position, word in enumerate(folded[:-1]):
        following = folded[position + 1]
        if word == "my" and position not in words.taken and following in relatives:
            parameter, value = relatives[following]
            yield Reading(
                parameter, value, words.said(position, position + 1), words.spans([position])
            )
            return


def _relatives_said(words: Words) -> set[tuple[str, str]]:
    """What the relatives a query says are theirs ("my husband": sex=male) say of the person
    the search is for, as (parameter, value)."""
    relatives = _lay().relatives
    folded = [token[0] for token in words.tokens]
    return {
        relatives[following]
        for word, following in pairwise(folded)
        if word == "my" and following in relatives
    }


def _of_oneself(words: Words, first: int) -> bool:
    """Whether the words before `first` say the person asking is it: "im a", "i am a",
    "as a" ("im a man with sjogrens")."""
    if words.folded(first - 1) != "a":
        return False
    before = (words.folded(first - 3), words.folded(first - 2))
    return before[1] in ("im", "as") or before in (("i", "am"), ("i", "m"))


def study_type_words(words: Words) -> Iterator[Reading]:
    """ "observational study", "registry", "natural history", "just blood tests",
    "compassionate use"… -> the study type filter (lay_terms.json `study_types`)."""
    study_types = _lay().study_types
    for first, last, which in _phrases_found(words, tuple(phrase for phrase, *_ in study_types)):
        _, parameter, value = study_types[which]
        yield Reading(
            parameter, value, words.said(first, last), words.spans(range(first, last + 1))
        )


# Around a registry's name: the words that say it is one ("the jRCT registry", "EU-CTR
# records"), and before it, that a trial is listed there ("registered in ISRCTN", "listed on
# ChiCTR").
_REGISTRY_AFTER = frozenset(
    {"registry", "registries", "register", "registers", "database", "website", "site"}
    | {"record", "records", "entry", "entries", "listing", "listings"}
)
_REGISTERED = frozenset({"registered", "listed", "posted", "recorded"})
_REGISTERED_IN = frozenset({"in", "on", "with", "at", "to"})


# After a registry word, what makes it a patients' registry (a kind of study: "a Japanese
# registry of lupus patients", "ChiCTR registry study"), not the trial registry's name.
_PATIENTS_REGISTRY = frozenset(
    {"of", "study", "studies", "for", "that", "which", "following", "data", "cohort"}
)
# Before a registry's name: not there ("not on clinicaltrials.gov", "outside the EU register").
_NOT_LISTED = frozenset({"not", "outside", "except", "excluding", "besides", "non", "than"})
# Short names that are also people's names or other words ("Umin", "Omon", "ctri-like"): a
# registry only in capitals ("UMIN", "jRCT"'s mixed case counts).
_CAPITALS_ONLY = frozenset(
    {"umin", "omon", "rebec", "ctri", "repec", "ctis", "tctr", "irct", "japic", "cris"}
)
_ID_DIGITS = 5  # a token with this many digits near a registry's name: an ID


def registry_words(words: Words) -> Iterator[Reading]:
    """ "jRCT amyloidosis", "psoriasis trials on the EU register", "registered with ISRCTN" ->
    the source registry filter, each of the names the registry goes by in the records
    (lay_terms.json `registries`). Not a name beside a number ("chictr 2100050713", "eudract
    number is 2019-001698-10", "2019-001698-10 (EudraCT)") or in a link: a trial's ID, searched
    as one; not a registry said not to be ("not on clinicaltrials.gov"), nor a patients'
    registry ("a Japanese registry of lupus patients": an observational study)."""
    registries = _lay().registries
    phrases = tuple(phrase for phrase, _ in registries)
    for first, last, which in _phrases_found(words, phrases):
        if _beside_an_id(words, first, last) or _not_listed(words, first):
            continue
        if (
            last == first
            and words.tokens[first][0] in _CAPITALS_ONLY
            and sum(c.isupper() for c in words.tokens[first][1]) < 2
        ):
            continue
        after = words.folded(last + 1)
        if words.tokens[last][0] in _REGISTRY_AFTER and after in _PATIENTS_REGISTRY:
            continue
        if after in _REGISTRY_AFTER and words.folded(last + 2) not in _PATIENTS_REGISTRY:
            last += 1
        if words.folded(first - 1) in _REGISTERED_IN and words.folded(first - 2) in _REGISTERED:
            first -= 2
        elif words.folded(first - 1) in _REGISTERED:
            first -= 1
        said = words.said(first, last)
        for value in registries[which][1]:
            yield Reading("registry", value, said, words.spans(range(first, last + 1)))


def _beside_an_id(words: Words, first: int, last: int) -> bool:
    """Whether a number like an ID's is within a few words of a registry's name, or the name
    is part of a link."""
    near = range(max(0, first - 2), min(last + 5, len(words.tokens)))
    if any(sum(c.isdigit() for c in words.tokens[at][0]) >= _ID_DIGITS for at in near):
        return True
    start, end = words.tokens[first][2], words.tokens[last][3]
    chunk_start = max(words.text.rfind(" ", 0, start), 0)
    chunk_end = words.text.find(" ", end)
    return "/" in words.text[chunk_start : chunk_end if chunk_end >= 0 else None]


def _not_listed(words: Words, first: int) -> bool:
    return any(words.tokens[at][0] in _NOT_LISTED for at in range(max(0, first - 3), first))


def registry_countries(names: list[str]) -> list[str]:
    """The countries (ISO codes) whose trials the national registries named are of."""
    countries = _lay().registry_countries
    return sorted({code for name in names for code in countries.get(name, ())})


def _phrases_found(
    words: Words, phrases: tuple[tuple[str, ...], ...]
) -> Iterator[tuple[int, int, int]]:
    """(first, last position, index in `phrases`) of each phrase found among the words no rule
    took, the longest at each place (`phrases` longest first), not overlapping."""
    firsts = {phrase[0] for phrase in phrases}
    position = 0
    while position < len(words.tokens):
        if words.folded(position) in firsts:
            for which, phrase in enumerate(phrases):
                if (last := _match(words, position, (phrase,))) is not None:
                    yield position, last, which
                    position = last
                    break
        position += 1


# "phase 3", "phase II", "phase 2/3", "phase IIb", "phase3", "early phase 1".
_PHASE_NUMERAL = re.compile(r"(?:iv|iii|ii|i|[0-4])[ab]?")
_PHASE_JOINED = re.compile(r"phase(?:iv|iii|ii|i|[0-4])[ab]?|ph[0-4][ab]?")
# A number that goes on past its point ("pH 4.5"): an acidity, not a phase.
_DECIMAL = re.compile(r"[.,]\d")


def _is_phase_word(words: Words, position: int) -> bool:
    """Whether the word at `position` says "phase": "phase", or its clinicians' short form
    "ph" ("ph2b psoriasis", "ph 1/2") unless written "pH" or followed by a decimal ("ph 4.5":
    the skin's acidity)."""
    folded = words.folded(position) or ""
    if folded.startswith("phase"):
        return True
    if not folded.startswith("ph") or words.tokens[position][1].startswith("pH"):
        return False
    number = position + 1 if folded == "ph" else position
    return number < len(words.tokens) and not _DECIMAL.match(words.text, words.tokens[number][3])


_HUMAN = {"human", "humans", "man", "men"}


def phase_words(words: Words) -> Iterator[Reading]:
    """ "phase 3", "phase II", "phase 2/3"… -> the phase filter, each phase as registries'
    phases are read (normalize.parse_phases: "phase 0" is early phase 1); "first-in-human" is
    phase 1. Not "post-marketing": registries give a post-marketing survey no phase (an
    observational study), seldom phase 4 (lay_terms.json `terms` says what it is called)."""
    from trials.readers.normalize import parse_phases

    position = 0
    while position < len(words.tokens):
        folded = words.folded(position)
        last = None
        joined = bool(folded and _PHASE_JOINED.fullmatch(folded))
        if (joined or folded in ("phase", "ph")) and _is_phase_word(words, position):
            # its numbers, "phase 2/3", "ph1/2", "phase II or III"
            last = position
            while _PHASE_NUMERAL.fullmatch(words.folded(last + 1) or "") or (
                words.folded(last + 1) in ("and", "or", "to")
                and _PHASE_NUMERAL.fullmatch(words.folded(last + 2) or "")
            ):
                last += 1
            last = None if last == position and not joined else last
        elif folded == "fih" or (
            folded == "first"
            and words.folded(position + 1) == "in"
            and words.folded(position + 2) in _HUMAN
        ):
            # A first-in-human study is phase 1's ("first-in-human lupus trials", "FIH").
            last = position + (2 if folded == "first" else 0)
            said = words.said(position, last)
            yield Reading("phase", "PHASE1", said, words.spans(range(position, last + 1)))
            position = last + 1
            continue
        if last is None:
            position += 1
            continue
        first = position - 1 if words.folded(position - 1) == "early" else position
        said = words.said(first, last)
        for value in parse_phases(said):
            yield Reading("phase", value, said, words.spans(range(first, last + 1)))
        position = last + 1


def failed_therapy(words: Words) -> Iterator[Reading]:
    """ "not responding to X", "X-resistant", … -> refractory=1 and prior_therapy=X."""
    lay = _lay()
    position = 0
    while position < len(words.tokens):
        found = None
        if (end := _match(words, position, lay.before)) is not None:
            found = (
                _forward(words, position, end)
                or _backward(words, position, end)
                # "resistant to foo", not "even after 9 hours in bed" (a treatment only when
                # one is named: "even on methotrexate")
                or (
                    _forward(words, position, end, True)
                    if words.folded(position) != "even"
                    else None
                )
            )
        elif (end := _match(words, position, lay.after)) is not None:
            found = _backward(words, position, end)
        elif (end := _match(words, position, lay.nothing)) is not None:
            found = _readings(words, (position, end), []), end  # "nothing works": none named
        if found is None:
            position += 1
            continue
        readings, last = found
        yield from readings
        position = last + 1


def _treatments_from(words: Words, position: int) -> tuple[list[tuple[int, int, str]], int]:
    """The treatments named from `position` on ("methotrexate and azathioprine"): (first, last,
    slug) each, and the last position read."""
    named: list[tuple[int, int, str]] = []
    while position in words.treatments and position not in words.taken:
        if named and _LIST_ENDS.search(_between(words, named[-1][1], position)):
            break  # "refractory to acitretin and cyclosporine - IL-36R antagonist trial?"
        last, slug = words.treatments[position]
        named.append((position, last, slug))
        position = last + 1
        if words.folded(position) in _JOINING_TREATMENTS:
            position += 1
    return named, (named[-1][1] if named else position - 1)


# What joins two treatments' names in a list ("methotrexate and azathioprine"), in the
# languages whose failures are read (lay_terms.json `failed_therapy`).
_JOINING_TREATMENTS = frozenset(
    {"and", "or", "nor", "then", "plus", "y", "o", "e", "ou", "et", "und", "oder", "i", "и"}
    | {"или", "та", "і", "або"}
)
# What ends a list of treatments between two names: a dash, a stop, a bracket ("acitretin and
# cyclosporine - IL-36R antagonist trial?"); not a comma ("methotrexate, azathioprine").
_LIST_ENDS = re.compile(r"\s[-–—]\s|[.;:?!()\[\]]")


def _between(words: Words, before: int, after: int) -> str:
    """The text between the words at `before` and `after`."""
    return words.text[words.tokens[before][3] : words.tokens[after][2]]


def _skip_between(words: Words, position: int, step: int) -> int:
    """The position past the words that may stand between a failure phrase and what failed
    ("failed two biologics"), going `step`; never into a treatment's name ("topical" of
    "not controlled with topical steroids")."""
    ends = {last for last, _slug in words.treatments.values()}
    skipped = 0
    while skipped < _MAX_BETWEEN_CJK:
        if position in words.in_asides:  # "dupixent worked for about a year then stopped working"
            position += step
            continue
        folded = words.folded(position)
        if folded is None:
            break
        # Chinese, Japanese, Korean: the verbs and times between are cut as words of their own
        # ("羟氯喹 吃 了 一年多 也 没用", "デュピクセント を 1 年以上使いました が 効かなく…")
        cjk = _CJK_WORD.fullmatch(folded) is not None and position not in words.in_conditions
        if not (folded in _lay().between or folded.isdigit() or cjk):
            break
        if skipped >= _MAX_BETWEEN and not cjk:
            break
        if position in (words.treatments if step > 0 else ends):
            break
        position += step
        skipped += 1
    return position


def _readings(
    words: Words, said: tuple[int, int], named: list[tuple[int, int, str]], keep: int | None = None
) -> list[Reading]:
    """refractory=1 from the failure words (the words of `said` but the treatments, and `keep`:
    an unknown word that stays a search word), prior_therapy from each treatment."""
    first, last = said
    text = words.said(first, last)
    treatment = {p for start, end, _slug in named for p in range(start, end + 1)}
    trigger = [p for p in range(first, last + 1) if p not in treatment and p != keep]
    readings = [Reading("refractory", "1", text, words.spans(trigger))]
    for start, end, slug in named:
        # Whom methotrexate failed, an immunosuppressant failed: a trial asking for either
        # failure admits them (prior_therapy values combine with OR).
        for value in [slug, *words.classes.get(slug, [])]:
            spans = words.spans(range(start, end + 1))
            readings.append(Reading("prior_therapy", value, text, spans))
    if named:
        # A refractory trial that names no treatment admits them too.
        spans = words.spans(range(named[0][0], named[-1][1] + 1))
        readings.append(Reading("prior_therapy", NONE_NAMED, text, spans))
    return readings


def _forward(words: Words, first: int, end: int, unknown: bool = False):
    """A failure phrase before what failed: "failed (two) biologics", "failed treatment"; with
    `unknown`, "resistant to foo": refractory, and foo stays a search word."""
    start = _skip_between(words, end + 1, 1)
    named, last = _treatments_from(words, start)
    if named:
        return _readings(words, (first, last), named), last
    if (therapy := _match(words, start, _lay().therapy)) is not None:
        return _readings(words, (first, therapy), []), therapy
    if unknown and (word := words.folded(start)) is not None and not word.isdigit():
        return _readings(words, (first, start), [], keep=start), end
    return None


def _treatments_before(words: Words, start: int) -> list[tuple[int, int, str]]:
    """The treatments listed before the one at `start` ("methotrexate and cyclosporine didn't
    work", "enbrel, humira and remicade failed"): (first, last, slug) each, in order; none
    across what ends a list ("… - humira didn't work") or past a word of something else
    ("methotrexate for years and humira didn't work": humira)."""
    ends = {last: (first, slug) for first, (last, slug) in words.treatments.items()}
    found: list[tuple[int, int, str]] = []
    while True:
        at = start - 1
        if words.folded(at) in _JOINING_TREATMENTS:
            at -= 1
        elif at < 0 or _between(words, at, start).strip() != ",":
            return found
        if (
            at not in ends
            or ends[at][0] in words.taken
            or _LIST_ENDS.search(_between(words, at, start))
        ):
            return found
        first, slug = ends[at]
        found.insert(0, (first, at, slug))
        start = first


def _backward(words: Words, first: int, end: int):
    """A failure phrase after what failed: "methotrexate-resistant", "steroids didn't work",
    "treatment failure", "psoriasis not responding"."""
    before = _skip_between(words, first - 1, -1)
    for start, (last, slug) in words.treatments.items():
        if last == before and start not in words.taken:
            named = [*_treatments_before(words, start), (start, last, slug)]
            return _readings(words, (named[0][0], end), named), end
    if (therapy_start := _match_ending(words, before, _lay().therapy)) is not None:
        # "steroid creams didn't help": the treatment named just before the therapy word.
        for start, (last, slug) in words.treatments.items():
            if last == therapy_start - 1 and start not in words.taken:
                return _readings(words, (start, end), [(start, last, slug)]), end
        return _readings(words, (therapy_start, end), []), end
    if any(last == before for last in words.conditions.values()):
        return _readings(words, (first, end), []), end
    return None


# Words that put a place after them: "lupus near Bethesda", "eczema around Lyon, France", and
# in the other languages the vocabulary knows diseases in ("psoriasis en Madrid", "à Lyon").
# French "à" as typed: folded, it is "a" ("since I was a kid").
_A_GRAVE = ("à",)
# Polish, Czech, Slovak, Serbian and Croatian "in", after which a town's name is inflected
# ("w Warszawie", "v Praze", "u Beogradu"): read as its name (_nominative).
_INFLECTING_IN = {("w",), ("we",), ("v",), ("ve",), ("u",)}
_IN_WORDS = {("in",), ("en",), ("em",), _A_GRAVE, *_INFLECTING_IN}
# A word for trials just before a known place names where ("Lupus Studie Köln", "eczema
# trials Lisbon"): not a disease's word. As with "in", a country or a US state is left to
# the country and region rules.
_PLACE_AFTER = {(word,) for word in (*_STUDY_WORDS, "kliniczne")}
# How far people say they would go ("within driving distance of Ann Arbor", "2 hours from
# Bethesda", "within 50 miles of Denver"): near the place, within DRIVING_KM or the distance
# said (hours driven at DRIVING_KMH).
_DRIVING_WORDS = {
    ("driving", "distance", "of"),  # "within" before it is read too
    ("driving", "distance", "from"),
    ("a", "drive", "from"),
    ("not", "far", "from"),
}
# Only after a distance (_DISTANCE); "od": Czech, Polish, Slovak ("do 100 km od Brna").
_FROM_WORDS = {("of",), ("from",), ("away", "from"), ("od",)}
_DISTANCE = re.compile(
    r"(?:within|under|less than|up to|no more than|do)?\s*(\d{1,4}(?:\.\d)?)\s*[- ]?\s*"
    r"(miles?|mi|kms?|kilometers?|kilometres?|hours?|hrs?|h|minutes?|mins?)\s*"
    r"(?:drive|driving|away|by car|radius)?\s*$",
    re.IGNORECASE,
)
# The most characters after a place's word that may name the place: a place's name at its
# longest (places.MAX_CHARS) and what is taken off before it is looked up ("the … metropolitan
# area", "my zip code:"). Reading every place word of a long query each with all the words
# after it was quadratic ("u¿" 500 times: 2.9 s, "u" being Serbian and Polish "in").
_PLACE_REACH = 160
# How far back a distance is looked for before a place's word: "no more than 1000.5
# kilometres driving" is 39 characters (a bound: the pattern's spaces either side of the number
# made a search over a whole query cubic in a run of spaces).
_DISTANCE_REACH = 60
DRIVING_KM = 150
DRIVING_KMH = 80
_KM_PER = {"mi": 1.609, "km": 1.0, "ki": 1.0, "ho": DRIVING_KMH, "hr": DRIVING_KMH}
_KM_PER |= {"h": DRIVING_KMH, "mn": DRIVING_KMH / 60}


def _distance_before(words: Words, start: int) -> tuple[float, int] | None:
    """(km, the first position of the words) of a distance said just before position
    `start` ("within 50 miles", "2 hours", "30 min"), or None."""
    end = words.tokens[start][2]
    found = _DISTANCE.search(words.text, max(0, end - _DISTANCE_REACH), end)
    if not found or not found.group(0).strip():
        return None
    unit = found[2].lower()
    key = "mn" if unit.startswith("mi") and unit not in ("mi", "mile", "miles") else unit[:2]
    key = "h" if unit == "h" else key
    said_from = found.start() + len(found[0]) - len(found[0].lstrip())
    first = next(p for p, token in enumerate(words.tokens) if token[3] > said_from)
    return float(found[1]) * _KM_PER[key], first


_NEAR_WORDS = {
    *_PLACE_AFTER,
    ("near",),
    ("around",),
    ("nearby",),
    ("close", "to"),
    ("just", "outside"),
    ("right", "outside"),
    ("cerca", "de"),
    ("pres", "de"),
    ("perto", "de"),
    ("vicino", "a"),
    ("vicino", "ad"),
    # Italian "where I live" before a town ("abito ad Arezzo"); German "near" ("in der Nähe
    # von Lörrach", "nahe Freiburg", "im Raum Köln")
    ("abito", "a"),
    ("abito", "ad"),
    ("abitiamo", "a"),
    ("nahe",),
    ("nahe", "von"),
    ("umgebung", "von"),
    ("im", "raum"),
    # Dutch ("in de buurt van Antwerpen", "omgeving Gent", "dichtbij Utrecht")
    ("buurt", "van"),
    ("omgeving", "van"),
    ("omgeving",),
    ("dichtbij",),
    ("vlakbij",),
    *_IN_WORDS,
    *_DRIVING_WORDS,
    *_FROM_WORDS,
}


def place(words: Words) -> Iterator[Reading]:
    """ "lupus near Bethesda" -> near=Bethesda: the query's last words, after "near", "around",
    "close to" or "in", when the place parser (search/places.py) knows them as one place. An
    unknown or ambiguous place is not read: its words stay search words (sites' cities are
    searchable), and no typed sentence makes the API answer 400."""
    from trials.search import places, regions  # the gazetteer: loaded by the web process

    count = words.last() + 1
    for start in range(count - 2, -1, -1):
        if words.tokens[count - 1][3] - words.tokens[start][3] > _PLACE_REACH:
            break  # no place's name is that long: nothing farther back is read
        for trigger in _NEAR_WORDS:
            end = start + len(trigger)
            found = tuple(words.folded(p) for p in range(start, min(end, count)))
            if trigger == _A_GRAVE:  # folded, "à" is "a": the word as typed
                found = tuple(words.said(p, p).lower() for p in range(start, min(end, count)))
            if found != trigger or end >= count:
                continue
            if any(p in words.taken for p in range(start, count)):
                return
            text = words.text[words.tokens[end][2] : words.tokens[count - 1][3]]
            if end == count - 1 and is_filler(words.folded(end)):
                continue  # "¿hay algún estudio en …": "en" is no town
            distance = None
            if trigger in _FROM_WORDS:  # "50 miles from", "2 hours from": a distance said
                if (distance := _distance_before(words, start)) is None:
                    continue
            elif _not_there(words, start) and trigger != ("not", "far", "from"):
                return  # "not near Paris", "anywhere but in Lyon"
            if any(p in words.in_conditions for p in range(end, count)):
                return  # "cutaneous vasculitis in SLE", "itch in AD": the patient's disease
            near = trigger not in _IN_WORDS and trigger not in _PLACE_AFTER  # "near", …
            lower = text == text.lower() and any(ch.isalpha() for ch in text)  # not a ZIP
            if lower and not (_a_town_in_lower_case(text, near) or places.metro(text)):
                continue  # "eczema flares in summer", "near me"
            if text.lower() in _lay().times:
                continue  # "eczema started in March"
            if trigger in _IN_WORDS and (_country_code(text) or _state_name(text)):
                return  # "in India", "in Virginia": the country, the state (towns share names)
            if _state_code_written(text):
                return  # "trials in PA": the state (us_state), not a town one of whose names it is
            if trigger in _PLACE_AFTER and (_country_code(text) or regions.state(text)):
                return  # "study Germany", "study NY": the country, the state (their own rules)
            if not isinstance(places.locate(text), places.Place):  # "the bay area" is one
                text = _area_named(text)  # "the Ann Arbor area", "zip 48109"
            if trigger in _INFLECTING_IN and not isinstance(places.locate(text), places.Place):
                text = _nominative(text) or text  # "u Beogradu": Beograd
            located = places.locate(text)
            if isinstance(located, places.Place):
                first = end if trigger in _PLACE_AFTER else start  # the study word stays
                first = distance[1] if distance else first
                if trigger in _DRIVING_WORDS and words.folded(first - 1) == "within":
                    first -= 1
                said = words.said(first, count - 1)
                yield Reading("near", text, said, words.spans(range(first, count)))
                if distance or trigger in _DRIVING_WORDS:  # as far as the person would go
                    km = min(distance[0] if distance else DRIVING_KM, settings.SEARCH_NEAR_MAX_KM)
                    yield Reading("within", f"{max(km, 1):.0f}", said, ())
                elif area := places.metro(text):  # "socal": as far as the area reaches
                    yield Reading("within", f"{area.within:g}", said, ())
                return


# A town's name inflected after "in" in Polish, Czech, Slovak, Serbian, Croatian, Slovene:
# (ending, the name's own ending), the longest first.
_CASE_ENDINGS = (
    ("ymstoku", "ystok"),  # Białymstoku
    ("niu", "ń"),  # Poznaniu
    ("iu", ""),  # Wrocławiu
    ("ie", "a"),  # Warszawie
    ("ie", ""),  # Krakowie
    ("ze", "ha"),  # Praze
    ("ě", "o"),  # Brně
    ("u", ""),  # Beogradu, Gdańsku, Zagrebu
    ("u", "a"),
    ("i", "a"),  # Ljubljani
    ("e", "a"),
)


def _nominative(text: str) -> str | None:
    """The name of the big city (NATIVE_CITY people or more) whose name `text` is, inflected
    as after "in" (_CASE_ENDINGS: "Warszawie" is Warszawa); None when none is."""
    from trials.readers import gazetteer

    if " " in text or len(text) < 4:
        return None
    for ending, own in _CASE_ENDINGS:
        if text.endswith(ending) and len(text) - len(ending) >= 3:
            name = text[: len(text) - len(ending)] + own
            if any(city.population >= NATIVE_CITY for city in gazetteer.cities_named(name)):
                return name
    return None


_AREA = re.compile(
    r"^(?:the\s+)?(.+?)(?:\s+(?:metro(?:politan)?\s+)?area|\s+metro)$", re.IGNORECASE
)


_ZIP_SAID = re.compile(
    r"^(?:my\s+)?(?:zip(?:\s*code)?|post(?:al)?\s*code)\s*:?\s*(?=\d)", re.IGNORECASE
)


def _area_named(text: str) -> str:
    """The place of "the Ann Arbor area", "Denver metro area", "zip 48109": its name or code
    ("Ann Arbor", "48109")."""
    from trials.search import places  # (as place() does)

    text = _ZIP_SAID.sub("", text)
    if len(text) > places.MAX_CHARS:
        return text  # no place's name (and _AREA over a long run of spaces is cubic)
    return found[1] if (found := _AREA.match(text)) else text


# A town of this many people may be named in lower case by another of its names after "near"
# ("near nyc"); a smaller one only by its own ("near nails" is no Niles, Ohio).
BIG_CITY = 1_000_000


def _a_town_in_lower_case(text: str, near: bool) -> bool:
    """Whether words typed in lower case may be read as a town: not a word of `not_places`
    (lay_terms.json), and one word only by a town's own name (GeoNames' other names for a town
    include airport codes and words: "for" is Fortaleza, "summer" a town in New Jersey), or
    after "near" a big city by any of its names ("near nyc")."""
    from trials.readers import gazetteer

    folded = gazetteer.fold(text)
    if folded in _lay().not_places or folded.removeprefix("the ") in _lay().not_places_after_the:
        return False  # nor "the neck", "the back": a body part with its article
    if " " in folded:
        return True
    cities = gazetteer.cities_named(text)
    if near and any(city.population >= BIG_CITY for city in cities):
        return True  # "near nyc", "near la"
    return any(gazetteer.fold(city.name) == folded for city in cities)


# A city named in letters other than Latin ("Москва", "Ηράκλειο", "北京", "서울", "ירושלים") is
# read as the place wherever it stands (the rules above know no "near" in those languages),
# when a city of at least this many people has the name: a smaller town's name in such
# letters is as often a word.
NATIVE_CITY = 100_000
# Korean writes "in", "near", "of" joined to the place's name ("서울에서", "부산 근처의").
_KOREAN_AT = re.compile("(?:에서|에|의|근처)$")


# Words for "in" before a country's name inside a sentence ("my son in France has eczema",
# "estudios en España para mi hija", "i Danmark"). Folded.
# … in English, Spanish, French, Portuguese, the Scandinavian languages, German and Polish ("w
# Polsce", "we Francji").
_IN_A_COUNTRY = frozenset({"in", "en", "em", "i", "au", "aux", "dans", "nach", "w", "we"})


def country_inside(words: Words) -> Iterator[Reading]:
    """ "my son in France has eczema", "hay estudios en España para niños con eczema" ->
    country=FR, ES: a country's name written with its capital after a word for "in", wherever
    it stands, when no rule read a place (those read one at a clause's end: `country`). Not a
    name as often a word (_AMBIGUOUS: "in Turkey" at the end only), nor one inside a longer
    name ("in New Mexico", "in Papua New Guinea": `_at_the_end`'s capital rule)."""
    if words.read & set(PLACE_READ):
        return
    count = len(words.tokens)
    for start in range(count - 1):
        if words.folded(start) not in _IN_A_COUNTRY or start in words.taken:
            continue
        first = start + 1
        # "in the US to refer a patient", "in the UK": after "the", "US" is no pronoun
        the = words.folded(first) == "the"
        first += the
        for last in range(min(first + _COUNTRY_WORDS_MAX, count) - 1, first - 1, -1):
            if any(p in words.taken or p in words.in_conditions for p in range(first, last + 1)):
                continue
            text = words.said(first, last)
            the_us = the and text == "US"  # "US" the pronoun has no "the"
            if not the_us and (
                not text[:1].isupper() or text.lower() in _AMBIGUOUS | _NOT_COUNTRIES
            ):
                continue
            after = last + 1
            if after < count and words.said(after, after)[:1].isupper():
                continue  # a longer name: "in Jordan Valley", "in Georgia Tech"
            if _not_there(words, start + 1):
                return  # "lupus not in Spain", "not in the US"
            if code := ("US" if the_us else _country_code(text)):
                yield Reading(
                    "country", code, words.said(start, last), words.spans(range(start, last + 1))
                )
                yield from _more_countries_inside(words, last + 1)
                return


def demonym_country(words: Words) -> Iterator[Reading]:
    """ "danske studier om diskusprolaps", "German psoriasis trials", "studi italiani" ->
    country=DK, DE, IT: a people's adjective (countries.json `demonyms`) beside a word for
    trials, with diseases, treatments or kinds of trial between (as a status is read:
    "afsluttede danske studier"), when no rule read a place; not inside a condition's name
    ("Japanese encephalitis"), nor before other words ("Chinese medicine trials")."""
    if words.read & set(PLACE_READ):
        return
    from trials.readers.places import demonyms

    known = demonyms()
    for at in range(len(words.tokens)):
        code = known.get(words.folded(at) or "")
        if (
            not code
            or at in words.in_conditions
            or words.folded(at - 1) in _PEOPLE_BEFORE  # "American Indian"
            or not _beside_a_study_word(words, at, at)
        ):
            continue
        following = words.folded(at + 1)
        if (
            following is not None
            and following not in _AFTER_A_DEMONYM
            and not _beside_a_study_word(words, at, at, before=False)
        ):
            continue  # "eczema trials Spanish speaking", "vitiligo trials Indian skin"
        if _not_there(words, at):
            return  # "not Danish studies"
        yield Reading("country", code, words.said(at, at), words.spans([at]))
        return


# Before a people's adjective, a word that makes it no country's: "American Indian", "Native
# Hawaiian", "Alaska Native".
_PEOPLE_BEFORE = {"american", "native", "alaska", "alaskan", "indigenous", "first"}
# After one that follows the word for trials, the words that may come next ("studi italiani
# sulla psoriasi", "danish studies on lupus"): others say whom it describes ("trials French
# speaking", "trials Chinese patients").
_AFTER_A_DEMONYM = {
    "on", "of", "for", "about", "in", "with", "sulla", "sul", "sui", "su", "per", "di", "della",
    "del", "sur", "sobre", "de", "da", "do", "om", "uber", "zu", "zur", "zum", "fur", "con",
    "avec", "mit", "med", "i", "en", "que", "che", "that", "which", "recruiting",
}  # fmt: skip


# Words joining countries in a list inside a sentence ("in Nederland en België").
_INSIDE_JOINERS = frozenset(
    {"and", "or", "en", "und", "oder", "o", "y", "et", "ou", "e", "og", "och", "eller", "of"}
)


def _more_countries_inside(words: Words, at: int) -> Iterator[Reading]:
    """The countries after a country read inside a sentence, each after a joiner or a comma
    ("in Nederland en België", "en Colombia o Perú"), written with their capital."""
    count = len(words.tokens)
    while at < count:
        gap = words.text[words.tokens[at - 1][3] : words.tokens[at][2]].strip()
        first = at + 1 if words.folded(at) in _INSIDE_JOINERS else at
        if first >= count or (first == at and gap != ","):
            return
        for last in range(min(first + _COUNTRY_WORDS_MAX, count) - 1, first - 1, -1):
            text = words.said(first, last)
            if (
                text[:1].isupper()
                and text.lower() not in _AMBIGUOUS | _NOT_COUNTRIES
                and (code := _country_code(text))
            ):
                yield Reading(
                    "country", code, words.said(at, last), words.spans(range(at, last + 1))
                )
                at = last + 1
                break
        else:
            return


def native_place(words: Words) -> Iterator[Reading]:
    """ "псориаз Москва", "北京 银屑病", "광주 아토피" -> near=Москва, 北京, 광주: a word in
    letters other than Latin that names a city of NATIVE_CITY people or more, not inside a
    condition's name; the first such. "广东 红斑狼疮", "경기도 건선" -> region=Guangdong,
    Gyeonggi: a region's name (regions.py) the same way."""
    from trials.readers import gazetteer
    from trials.search import places, regions  # the gazetteer: loaded by the web process

    country_read = "country" in words.read
    said_country = None  # the country read here: a city after it is one of its own
    for position in range(len(words.tokens)):
        said = words.said(position, position)
        if (
            words.folded(position) is None
            or position in words.in_conditions
            or said[:1] < "\u0370"  # Latin letters, digits: the rules above read those
        ):
            continue
        word = _KOREAN_AT.sub("", said) or said  # "서울에서": in Seoul
        # Chinese and Japanese write a place's name joined to what is there ("南京鼓楼医院"
        # segmented "南京鼓楼": Nanjing's Drum Tower): the word, then its beginnings.
        if gazetteer.fold(word) in _lay().not_places:
            continue  # "ألم" (pain) is also a name of Ulm; 中山大学 is in Guangzhou
        if (code := _country_code(word)) and not country_read:
            # A country's name anywhere ("هل في أبحاث في مصر على الحقن": in Egypt): these
            # languages put it inside the sentence as often as at its end; and a city in it
            # after it ("Россия Москва псориаз": near Moscow too).
            country_read = True
            if not _not_there(words, position):
                said_country = code
                yield Reading("country", code, said, words.spans([position]))
            continue
        if code:
            continue  # another country: no city
        for name in [word, *_han_beginnings(word)]:
            if region := regions.named(name):
                yield Reading("region", region.name, said, words.spans([position]))
                return
            big = [c for c in gazetteer.cities_named(name) if c.population >= NATIVE_CITY]
            if said_country:  # "Россия Минск": no Minsk in Russia, not near it
                big = [c for c in big if c.country == said_country]
            # The one big city of the name ("Ηράκλειο": Heraklion, not the town near Athens).
            value = name if len(big) != 1 else f"{big[0].name}, {big[0].country}"
            if big and isinstance(places.locate(value), places.Place):
                yield Reading("near", value, said, words.spans([position]))
                return


# Han characters (Chinese, Japanese kanji): a place's name is two of them or more.
_HAN = re.compile(r"[\u4e00-\u9fff]{3,}")


def _han_beginnings(word: str) -> list[str]:
    """The beginnings of a word of three Han characters or more, longest first, down to two
    characters ("南京鼓楼": 南京鼓, 南京); none for other words."""
    if not _HAN.fullmatch(word):
        return []
    return [word[:end] for end in range(len(word) - 1, 1, -1)]


def city_and_state(words: Words) -> Iterator[Reading]:
    """ "psoriasis Boston MA", "eczema Houston, Texas" -> near="Boston, MA": the query's last
    words, a US state's code or name after a city the gazetteer knows in that state (after
    "near", "around" or "in" too); a region's abbreviation elsewhere too ("lupus trials
    brisbane qld", "Toronto ON": regions.abbreviated). With its state said, a city is a
    place; alone, it stays a search word (sites' cities are searchable: "psoriasis Boston")."""
    from trials.search import places, regions  # the gazetteer: loaded by the web process

    end = words.last()
    for state_first in (end, end - 1):  # "MA", "Texas"; "New York"
        if state_first < 1:
            continue
        state = words.text[words.tokens[state_first][2] : words.tokens[end][3]]
        if regions.state(state) is None and regions.abbreviated(state) is None:
            continue
        for first in range(max(state_first - 3, 0), state_first):  # the longest city first
            if any(p in words.taken or p in words.in_conditions for p in range(first, end + 1)):
                continue
            city = words.text[words.tokens[first][2] : words.tokens[state_first - 1][3]]
            if isinstance(places.locate(f"{city}, {state}"), places.Place):
                start = first - 1 if words.folded(first - 1) in _PLACE_WORDS else first
                said = words.said(start, end)
                yield Reading("near", f"{city}, {state}", said, words.spans(range(start, end + 1)))
                return


_PLACE_WORDS = {"near", "around", "in"}


# Words saying where a person lives, anywhere in the query ("I live in Taichung, Taiwan and
# have had eczema since I was a kid", "we're based in Leeds, any trials?"), in the languages
# the vocabulary knows diseases in (folded: "j'habite à Lyon" is "habite a").
_RESIDENCE_WORDS = {
    ("live", "in"), ("living", "in"), ("lives", "in"), ("reside", "in"), ("residing", "in"),
    ("based", "in"), ("located", "in"), ("moved", "to"), ("m", "from"), ("im", "from"),
    ("am", "from"), ("re", "from"),
    ("wohne", "in"), ("leben", "in"), ("vivo", "en"), ("vivimos", "en"), ("vivo", "em"),
    ("moro", "em"), ("habite", "a"), ("vivo", "a"),
}  # fmt: skip
# The most words a place said so has ("Rio de Janeiro, Brazil": 4).
RESIDENCE_WORDS_MAX = 4


def residence(words: Words) -> Iterator[Reading]:
    """ "I live in Taichung, Taiwan and have bad eczema", "we live in Texas and my son has
    lupus" -> near=Taichung, Taiwan; region=Texas: the place after words saying where the
    person lives (_RESIDENCE_WORDS), wherever they stand, when no rule read a place at a
    clause's end: the longest run of words (RESIDENCE_WORDS_MAX, commas between) naming a
    country, a US state or a place the place parser knows as one. Words in lower case as
    `place` reads them ("i live in boston", not "i live in fear")."""
    from trials.search import places, regions

    if words.read & set(PLACE_READ):
        return
    count = len(words.tokens)
    for start in range(count - 2):
        trigger = (words.folded(start), words.folded(start + 1))
        if trigger not in _RESIDENCE_WORDS:
            continue
        first = start + 2
        for last in range(min(first + RESIDENCE_WORDS_MAX, count) - 1, first - 1, -1):
            if any(p in words.taken or p in words.in_conditions for p in range(first, last + 1)):
                continue
            gaps = (
                words.text[words.tokens[p][3] : words.tokens[p + 1][2]] for p in range(first, last)
            )
            if any(gap.strip() not in ("", ",") for gap in gaps):
                continue
            text = words.said(first, last)
            if text == text.lower() and not _a_town_in_lower_case(text, False):
                continue
            spans = words.spans(range(start, last + 1))
            said = words.said(start, last)
            if code := _country_code(text):
                yield Reading("country", code, said, spans)
                return
            if (_state_name(text) or _state_code_written(text)) and (
                state := regions.named(text) or regions.state(text)
            ):
                yield Reading("region", state.name, said, spans)
                return
            if isinstance(places.locate(text), places.Place):
                yield Reading("near", text, said, spans)
                return


# A city named first ("tokyo psoriasis") has at least this many people: a smaller town's name
# there is as often a word ("Mobile app for eczema", "Reading about lupus").
FIRST_CITY = 500_000
# Words after a country's name that make it another thing: "India ink", "Peru balsam".
_NOT_A_PLACE_BEFORE = {"ink", "balsam", "fever", "pig", "pigs", "tail", "moss", "wax", "tea"}


def place_first(words: Words) -> Iterator[Reading]:
    """ "japan psoriasis", "recruiting Germany lupus", "Texas eczema study", "boston lupus
    trial" -> country=JP, DE; region=Texas; near=Boston: a place the query starts with (past
    the words other rules took), when no rule read a place at a clause's end. A country or a
    US state (not one as often a word or a name: `_AMBIGUOUS`, `_AMBIGUOUS_STATES`) before
    any word but one that makes it another thing ("India ink"); a city of FIRST_CITY people
    or more only before a condition, a treatment or a word for trials ("tokyo psoriasis",
    "Phoenix lupus trials"), the words that say what the place is for."""
    from trials.readers import gazetteer
    from trials.search import places, regions

    if words.read & set(PLACE_READ):
        return
    first = next((p for p in range(len(words.tokens)) if p not in words.taken), None)
    if first is None:
        return
    for last in range(min(first + _COUNTRY_WORDS_MAX, len(words.tokens)) - 1, first - 1, -1):
        after = last + 1
        if after >= len(words.tokens) or any(p in words.in_conditions for p in range(first, after)):
            continue
        between = words.text[words.tokens[last][3] : words.tokens[after][2]]
        if between.strip() not in ("", ",", ":") or words.tokens[after][0] in _NOT_A_PLACE_BEFORE:
            continue  # "Île-de-France", "India ink"
        said = words.said(first, last)
        spans = words.spans(range(first, after))
        folded = said.lower()
        purpose = (
            after in words.conditions
            or after in words.treatments
            or words.tokens[after][0] in _STUDY_WORDS
        )
        if folded not in _AMBIGUOUS and (code := _country_code(said)):
            yield Reading("country", code, said, spans)
            return
        state = None if folded in _STATE_CITIES else regions.named(said)
        ours = state and (state.country == "US" or state.countries)  # "Europe lupus trials"
        if ours and folded not in _AMBIGUOUS_STATES:
            yield Reading("region", state.name, said, spans)
            return
        own = gazetteer.fold(said)  # the city's own name, not another ("Mam": an airport's)
        big = [
            c
            for c in gazetteer.cities_named(said)
            if c.population >= FIRST_CITY and gazetteer.fold(c.name) == own
        ]
        known = big or own in _STATE_CITIES or places.metro(said)
        ambiguous = own in _lay().not_places | _AMBIGUOUS_STATES
        if purpose and known and not ambiguous and isinstance(places.locate(said), places.Place):
            yield Reading("near", said, said, spans)
            if area := places.metro(said):  # "socal": as far as the area reaches
                yield Reading("within", f"{area.within:g}", said, ())
            return


# Words that may stand before a country: "psoriasis trials in Germany" ("near X" asks for a
# place: the place rule's, or the words stay search words).
_COUNTRY_WORDS = {"in", "from", "en", "em"}
# Country names as often something else: the US state; "us", the pronoun.
_NOT_COUNTRIES = {"georgia", "us"}
# US states' names as often a person's or a city's: read only after "in" ("in Virginia").
_AMBIGUOUS_STATES = {"washington", "virginia"}
# Country names that are also common words or names: read only after "in" ("in Turkey").
_AMBIGUOUS = {"turkey", "jersey", "chad", "niger", "jordan", "guinea", "chile"}
# A country has at most this many words ("Democratic Republic of the Congo": 5).
_COUNTRY_WORDS_MAX = 5


def country(words: Words) -> Iterator[Reading]:
    """ "dermatomyositis China", "eczema trials in Germany" -> country=CN, DE: the query's last
    words (those another rule took aside: "psoriasis kids Germany") when they name one country
    (trials/readers/places.country_code, no codes: "in" is not India; `_at_the_end`). A
    country's name that is as often a word (`_AMBIGUOUS`: "turkey", "jersey", "chad") is read
    only as "in Turkey"."""
    from trials.readers.places import country_name_ends
    from trials.search import regions

    ends = country_name_ends()
    read: list[Reading] = []
    found = _at_the_end(words, ends, _country_code, _COUNTRY_WORDS_MAX, _AMBIGUOUS)
    if found and (first := _first_of(words, found[2])) > 0:
        before = words.text[words.tokens[first - 1][2] : found[2][-1][1]]
        if regions.named(before):
            return  # "New England": the region's rule reads it, not England
    while found:
        read.append(Reading("country", *found))
        # The countries before it, joined by "or", "and" or a comma: "in Germany or France".
        at = [p for p, token in enumerate(words.tokens) if (token[2], token[3]) in found[2]]
        words.taken.update(at)
        joiner = at[0] - 1
        if joiner < 0 or joiner in words.taken:
            break
        between = words.text[words.tokens[joiner][3] : words.tokens[at[0]][2]].strip()
        joined: tuple[tuple[int, int], ...] = ()
        if words.folded(joiner) in _JOINERS:  # taken with the country before it
            words.taken.add(joiner)
            joined = words.spans([joiner])
        elif between != ",":
            break
        found = _at_the_end(words, ends, _country_code, _COUNTRY_WORDS_MAX, _AMBIGUOUS)
        if found:
            found = (*found[:2], found[2] + joined)
    if not read and (first := _first_free(words)) is not None:
        # Chinese, Japanese and Korean name the place first: "中国 银屑病" (China psoriasis).
        written = words.tokens[first][1]
        # … before a name the vocabulary knows: not "日本脑炎" (Japanese encephalitis)
        named_next = first + 1 in words.conditions or first + 1 in words.treatments
        if unspaced(written) and named_next and (code := _country_code(written)):
            words.taken.add(first)
            read.append(Reading("country", code, written, words.spans([first])))
    yield from reversed(read)  # in the order they were said


def _first_of(words: Words, spans: tuple[tuple[int, int], ...]) -> int:
    """The position of the first word of a reading's spans."""
    return next(p for p, token in enumerate(words.tokens) if (token[2], token[3]) in spans)


def _first_free(words: Words) -> int | None:
    return next((p for p in range(len(words.tokens)) if p not in words.taken), None)


def us_state(words: Words) -> Iterator[Reading]:
    """ "psoriasis trials in Maryland", "lupus Texas" -> region=Maryland (regions.py: trials
    with a site in the state): a US state's name at the end, read as a country is; after the
    place rule ("in New York": the city). A name that is as often a person's or a city's
    (`_AMBIGUOUS_STATES`: "Washington", "Virginia") only as "in Virginia"."""
    from trials.search import regions

    def any_case(text: str) -> str | None:
        chosen = regions.named(text)
        return chosen.name if chosen else None

    def name(text: str) -> str | None:
        chosen = regions.named(text)
        lower_case = chosen and (chosen.country in _REGIONS_IN_LOWER_CASE or chosen.countries)
        if chosen and not lower_case and text == text.lower():
            return None  # "rien ne marche" (nothing works) is no Marche
        return any_case(text)

    found = _at_the_end(words, regions.name_ends(), name, 3, _AMBIGUOUS_STATES)
    if not found:  # "in bayern"
        found = _at_the_end(words, regions.name_ends(), any_case, 3, regions.names())
    if not found:
        found = _at_the_end(words, _state_codes(), _state_of_code, 1, ())
    if not found:
        found = _code_after_trials(words)
    if found:
        yield Reading("region", *found)


# Countries whose regions' names are read in lower case anywhere at the end ("psoriasis
# texas"), as are areas of several countries ("lupus europe"); another country's only in
# capitals ("Sklerodermie Studie Bayern") or after "in": their names are as often words of
# other languages ("marche", "saxe", "goa").
_REGIONS_IN_LOWER_CASE = {"US", "CA", "AU"}


def _state_code_written(text: str) -> bool:
    """Whether `text` is a US state's code in capitals ("PA", "TX")."""
    from trials.search import regions

    return len(text) == 2 and text.isupper() and regions.state(text) is not None


def _code_after_trials(words: Words) -> tuple | None:
    """An ambiguous state code in capitals, the query's last word right after a word for
    trials, or "in" after one: "scleroderma trials CT", "lupus studies PA", "DM trials in PA"
    (not "lupus CT", a scan)."""
    from trials.search import regions

    end = words.last()
    before = end - 1 if words.folded(end - 1) != "in" else end - 2
    if before < 0 or end in words.taken or words.folded(before) not in _STUDY_WORDS:
        return None
    written = words.tokens[end][1]
    if written not in _AMBIGUOUS_CODES or not (chosen := regions.state(written)):
        return None
    return chosen.name, words.said(before + 1, end), words.spans(range(before + 1, end + 1))


# US states' codes that are as often an abbreviation of medicine or of something else: "MS"
# (multiple sclerosis), "SC" (subcutaneous), "AK" (actinic keratosis), "GA" (granuloma
# annulare), "LA" (Los Angeles; lupus anticoagulant), "IN", "OR", "ME" (words)…
_AMBIGUOUS_CODES = {
    "AK", "AL", "AR", "CO", "CT", "DE", "GA", "HI", "IA", "ID", "IN", "KS", "LA", "ME", "MI",
    "MS", "OK", "OR", "PA", "SC", "SD", "VA",
}  # fmt: skip


@cache
def _state_codes() -> frozenset[str]:
    """The codes of US states read at the query's end, folded ("md", "tx")."""
    from trials.search import regions

    return frozenset(code.lower() for code in regions.codes() if code not in _AMBIGUOUS_CODES)


def _state_of_code(text: str) -> str | None:
    """The state a code written in capitals names ("lupus trials MD": Maryland); not "md"."""
    from trials.search import regions

    if len(text) != 2 or not text.isupper() or text in _AMBIGUOUS_CODES:
        return None
    chosen = regions.state(text)
    return chosen.name if chosen else None


def _at_the_end(words: Words, ends, value_of, most: int, ambiguous) -> tuple | None:
    """(value, said, spans) for the query's last words (those another rule took aside) when
    `value_of` knows them (at most `most` words; the last one of `ends`), after "in" or "from",
    a word in lower case, a condition, a treatment or a word another rule took, or alone (not
    after "near": a place); not when a capitalised word before them makes them part of another
    name ("New Jersey" is not Jersey, "Papua New Guinea" not Guinea); a name of `ambiguous`
    only after "in". None otherwise."""
    end = words.last()
    # past what other rules took, and an "or" between two such ("recruiting or starting soon"),
    # and the words for trials after a place ("lupus Germany clinical studies", "Türkiye
    # tamamlanan çalışmalar": they stay search words), and the words for now ("in Cyprus right
    # now", "in France at the moment": they go with the place)
    now: list[int] = []
    while end >= 0:
        if (
            end in words.taken
            or (words.tokens[end][0] in _JOINERS and end - 1 in words.taken)
            or words.tokens[end][0] in _FOR_TRIALS
        ):
            end -= 1
        elif said := _now_said(words, end):
            now += range(end + 1 - said, end + 1)
            if words.tokens[end][0] == "right":
                now.append(end + 1)  # its "now", which the query's end left out
            end -= said
        else:
            break
    if end < 0 or words.tokens[end][0] not in ends:
        return None
    for first in range(max(end + 1 - most, 0), end + 1):
        if any(p in words.taken for p in range(first, end + 1)):
            continue
        text = words.text[words.tokens[first][2] : words.tokens[end][3]]
        if not (value := value_of(text)):
            continue
        before = first - 1
        if before >= 0 and words.text[words.tokens[before][3] : words.tokens[first][2]] == "-":
            continue  # a part of a longer name: "Île-de-France" is not France
        free = before >= 0 and before not in words.taken
        if free and not (_ends_a_phrase(words, before) or _listed(words, before, ends)):
            return None
        if free and words.folded(before) == "of":
            return None  # "Lupus Foundation of America", "balsam of Peru"
        if _not_there(words, first):
            return None  # "lupus not in Spain", "outside Spain"
        if free and words.folded(before) in ("near", "around", "to"):  # "close to"
            return None
        trigger = free and words.folded(before) in _COUNTRY_WORDS
        if (
            text.lower() in ambiguous
            and not (trigger and words.folded(before) == "in")
            and not _next_in_a_list(words, first, ends, value_of, most)
        ):
            return None
        start = before if trigger else first
        return value, words.said(start, end), words.spans([*range(start, end + 1), *now])
    return None


# Words for now, after a place at the end of a query: each a phrase of folded words.
_NOW_PHRASES = tuple(
    tuple(phrase.split())
    for phrase in (
        "right now", "now", "currently", "presently", "at the moment", "at present", "today",
        "at this time", "these days", "ahora", "actualmente", "en este momento", "maintenant",
        "actuellement", "en ce moment", "jetzt", "derzeit", "aktuell", "zurzeit", "adesso",
        "attualmente", "in questo momento", "agora", "atualmente", "neste momento", "teraz",
        "obecnie", "op dit moment", "momenteel", "сейчас", "в настоящее время",
    )
)  # fmt: skip


def _now_said(words: Words, end: int) -> int:
    """How many words ending at `end` say "now" (_NOW_PHRASES), none taken; 0 if they don't.
    ("right" alone before a last "now" the query's end left out: "in Cyprus right now?")"""
    tokens = words.tokens
    if tokens[end][0] == "right" and end + 1 < len(tokens) and tokens[end + 1][0] == "now":
        return 1
    for phrase in _NOW_PHRASES:
        first = end + 1 - len(phrase)
        if first >= 0 and all(
            p not in words.taken and words.tokens[p][0] == word
            for p, word in zip(range(first, end + 1), phrase, strict=True)
        ):
            return len(phrase)
    return 0


def _state_name(text: str) -> bool:
    """Whether `text` is a US state's name that names no better-known city ("New York")."""
    from trials.search import regions

    return regions.named(text) is not None and text.lower() not in _STATE_CITIES


# States people name for their city more often: "eczema in New York" is near the city.
_STATE_CITIES = {"new york"}


def _country_code(text: str) -> str | None:
    """The country `text` names in full (no codes), unless it is as often something else."""
    from trials.readers.places import country_code

    return None if text.lower() in _NOT_COUNTRIES else country_code(text, codes=False)


# Words before a place that say it is not where: "not in Spain", "outside Spain", "anywhere
# but Spain", "except in France".
_NOT_THERE = {"not", "outside", "except", "excluding", "besides", "beyond", "but", "than", "sauf"}
# … and "not" in other languages, right before the place or its "in" ("nicht in Deutschland",
# "pas en France", "не в России", "nie w Polsce"): these put "not" at a clause's end too
# ("Kortison hilft nicht, Studien Deutschland").
_NOT_RIGHT_BEFORE = {
    "nicht", "pas", "nao", "não", "niet", "ikke", "inte", "не", "nie", "außer", "ausser",
}  # fmt: skip
_IN_BEFORE = {"в", "во"}  # Russian: in


def _not_there(words: Words, first: int) -> bool:
    """Whether one of the two words before the place's first word (or its "in") says it is not
    there."""
    start = first - 1 if words.folded(first - 1) in _COUNTRY_WORDS else first
    before = first - 1 if words.folded(first - 1) in _IN_A_COUNTRY | _IN_BEFORE else first
    if words.folded(before - 1) in _NOT_RIGHT_BEFORE:
        return True
    return any(words.folded(p) in _NOT_THERE for p in (start - 1, start - 2))


def _next_in_a_list(words: Words, first: int, ends, value_of, most: int) -> bool:
    """Whether the name at `first` follows another `value_of` knows, after a comma or a joiner:
    "Argentina and Chile", "Greece, Turkey" (a name as often a word is one there too)."""
    before = first - 1
    if before >= 0 and words.folded(before) in _JOINERS:
        before -= 1
    elif not (before >= 0 and _listed(words, before, ends)):
        return False
    if before < 0 or words.tokens[before][0] not in ends:
        return False
    end = words.tokens[before][3]
    return any(
        value_of(words.text[words.tokens[start][2] : end])
        for start in range(max(before + 1 - most, 0), before + 1)
    )


def _listed(words: Words, position: int, ends) -> bool:
    """Whether the word at `position` may end another name of the same list, a comma after it:
    "Spain, Italy and France" (not "Paris, France": Paris ends no country's name)."""
    after = words.tokens[position + 1][2]
    return (
        words.tokens[position][0] in ends
        and words.text[words.tokens[position][3] : after].strip() == ","
    )


def _ends_a_phrase(words: Words, position: int) -> bool:
    """Whether the word at `position` cannot begin a name the next words continue: a word
    before a place, a word for trials (German writes "Studien" in capitals: "Kollagenose
    Studien Deutschland"), in lower case, or the end of a condition or treatment the query
    names."""
    folded, written, *_ = words.tokens[position]
    return (
        folded in _COUNTRY_WORDS
        or (folded,) in _PLACE_AFTER
        or written == written.lower()
        or position in words.conditions.values()
        or any(last == position for last, _slug in words.treatments.values())
    )


# What ends a clause: a sentence's or a question's end, or a word opening the next clause
# ("lupus trials in Germany that are recruiting", "¿hay algún estudio en México que esté
# abierto?"); and the words a clause may trail after its place ("eczema trials in Boston for
# kids", the kids read already).
_CLAUSE_END = re.compile(r"[.?!;:¿¡]")
_CLAUSE_OPENERS = {
    "that", "which", "who", "where", "whose", "que", "qui", "quien", "donde", "dove", "che",
    "onde", "die", "der", "das", "dass", "wo", "welche",
    # a person's next clause ("any studies in los angeles i could join?")
    "i", "im", "we", "my", "she", "he", "you", "they",
}  # fmt: skip
_CLAUSE_TAIL = {
    "for", "please", "now", "currently", "still", "too", "also", "para", "pour", "für", "and",
    "or",
}  # fmt: skip
# A full stop after these is an abbreviation's, no clause's end ("St. Louis", "Dr. Smith").
_ABBREVIATED = {"st", "dr", "mt", "ft", "jr", "sr", "mr", "mrs", "ms", "prof", "vs", "no", "ste"}
# How many clauses, the last first, the rules reading a place at their end look at: a query of
# 250 one-letter clauses took 0.85 s when every clause was read. Ten since a comma before a word
# in lower case ends one (session 54: "i live on a ranch in rural montana, 3 hours from …" is
# the tenth of its sentence): 1,000 characters of "a, " are read in ~110 ms (68 before).
MAX_CLAUSES = 10


def _clause_ends(words: Words) -> list[int]:
    """The last position of each clause, the query's last clause first (MAX_CLAUSES at most):
    where a rule reading a place at the end of the words looks (`Words.end`), past the words
    other rules took and a clause's trailing words."""
    count = len(words.tokens)
    ends: list[int] = []
    for position in range(count - 1, -1, -1):
        if len(ends) == MAX_CLAUSES:
            break
        if position < count - 1:
            between = words.text[words.tokens[position][3] : words.tokens[position + 1][2]]
            opener = words.tokens[position + 1][0] in _CLAUSE_OPENERS
            folded = words.tokens[position][0]
            stop = (
                _CLAUSE_END.search(between)
                and not (between.strip() == "." and (len(folded) < 2 or folded in _ABBREVIATED))
            ) or (
                # a comma before a word in lower case or a number: "i live on a ranch in rural
                # montana, 3 hours from …" (not "Houston, Texas", a place's own comma)
                "," in between and not words.tokens[position + 1][1][:1].isupper()
            )
            if not (opener or stop):
                continue
        end = position
        while end >= 0 and (end in words.taken or words.folded(end) in _CLAUSE_TAIL):
            end -= 1
        if end >= 0 and end not in ends:
            ends.append(end)
    return ends


def _in_clauses(rule: Rule) -> Rule:
    """`rule`, which reads the end of the words, read at the end of each clause in turn (the
    last first) until it reads something there."""

    def each(words: Words) -> Iterator[Reading]:
        for end in _clause_ends(words):
            words.end = end
            try:
                found = list(rule(words))
            finally:
                words.end = None
            if found:
                yield from found
                return

    each.__name__ = rule.__name__
    each.__doc__ = rule.__doc__
    return each


# The readings, in order: each rule sees only the words the rules before it left.
# params.understand applies any parameter the FilterSet declares, validated by its own field.
RULES: list[Rule] = [
    age_words,  # before child words: "my 14 year old son" is 14
    school_year_words,
    child_words,
    recruiting_words,
    closed_words,
    phase_words,
    registry_words,  # before kinds of study: "the jRCT registry" is no observational study
    study_type_words,
    dated_words,
    failed_therapy,
    _in_clauses(country),  # before people ("Isle of Man" is no men), places ("in India")
    people_words,  # before places: "psoriasis in men" is no town named Men
    relatives_words,
    _in_clauses(country),  # again, past the people read: "psoriasis trials in France for adults"
    _in_clauses(place),
    _in_clauses(city_and_state),  # before states: "Houston, Texas" is the city
    _in_clauses(us_state),  # after places: "in New York" is the city
    native_place,
    residence,  # only where no rule above read a place
    country_inside,  # only where no rule above read a place
    demonym_country,  # only where no rule above read a place
    place_first,  # only where no rule above read a place
]
# Explicit URL parameters that switch a reading of this parameter off (besides its own name).
YIELDS_TO: dict[str, tuple[str, ...]] = {
    "age_group": ("age",),
    # either end of a date filter given: the dates read are not
    **{parameter: r.parameters for r in DATE_RANGES for parameter in r.parameters},
}


# Status words people misspell ("recrutiing", "enroling", "completd"), read as spelt right
# when a word is this close to one (rapidfuzz's OSA: two letters swapped are one edit), has
# its first letter and is no word of people's (lay_terms.json) or of STATUS_NEAR_MISSES.
STATUS_WORDS = ("recruiting", "enrolling", "completed", "terminated", "withdrawn", "suspended")
STATUS_NEAR_MISSES = frozenset({"recruited", "enrolled", "completes", "terminates", "suspender"})


@cache
def _known_words() -> frozenset[str]:
    said = {folded for text in lay_texts() for folded, *_ in tokens(text)}
    return frozenset(said) | STATUS_NEAR_MISSES


def _respelt_status(folded: str) -> str:
    """The status word (STATUS_WORDS) a word is a misspelling of, or the word."""
    if len(folded) < 7 or not folded.isalpha() or folded in STATUS_WORDS:
        return folded
    for word in STATUS_WORDS:
        edits = 1 if len(word) < 9 else 2
        if folded[0] == word[0] and OSA.distance(folded, word, score_cutoff=edits) <= edits:
            return folded if folded in _known_words() else word
    return folded


def _words(text: str, vocabulary: Vocabulary) -> Words:
    toks = [(_respelt_status(token[0]), *token[1:]) for token in tokens(text)]
    starts = {token[2]: position for position, token in enumerate(toks)}
    ends = {token[3]: position for position, token in enumerate(toks)}
    treatments, conditions = {}, {}
    for mention in vocabulary.find(text, ("drug", "class", "condition")):
        if mention.start in starts and mention.end in ends:
            first, last = starts[mention.start], ends[mention.end]
            if mention.kind == "condition":
                conditions[first] = last
            else:
                treatments[first] = (last, mention.slug)
    return Words(text, toks, treatments, conditions, vocabulary.classes_of)


@lru_cache(maxsize=1024)
def failed_named(text: str) -> frozenset[str]:
    """The drugs and classes (slugs) `text` says failed ("progressing after PD-1 inhibitors or
    after EGFR-TKI resistance"), read as failed_therapy reads them, "or" or not: what the person
    had, not what they ask to be tested (engine._treatments_named)."""
    if not text or len(text) > max_length():
        return frozenset()
    mentions = sorted(treatments_in(text), key=lambda m: m.start)
    # the treatments named, not their classes ("failed dupilumab": not every biologic)
    named = {(m.start, m.slug) for m in mentions}
    found = {
        reading.value
        for reading in failed_therapy(_words(text, Vocabulary.default()))
        if reading.parameter == "prior_therapy"
        and any((start, reading.value) in named for start, _ in reading.spans)
    }
    for cue in _PROGRESSED_ON.finditer(text):  # "progressing after PD-1 inhibitors"
        # the treatments named right after it, a list of them joined ("PD on 1L gefitinib and
        # osimertinib"), not one named later ("progressed after carboplatin, trying pembro")
        at, gap = cue.end(), _LINE_WORDS
        for mention in (m for m in mentions if m.start >= cue.end()):
            if not gap.fullmatch(text[at : mention.start]):
                break
            found.add(mention.slug)
            at, gap = mention.end, _JOINED
    return frozenset(found)


# A cancer progressing on a treatment: what the person had, not a failure the refractory filter
# reads (trials say "previously treated" in too many ways for the filter to find them all).
_PROGRESSED_ON = re.compile(
    r"\b(?:(?i:progress(?:ed|ing|ion)|relapsed|recurred)|PD)\s+"
    r"(?i:(?:while\s+)?(?:on|after|following|despite))\s+"
)
# Between the cue and the first treatment: two words at most ("progressed after platinum
# chemotherapy", "PD on 1L gefitinib").
_LINE_WORDS = re.compile(r"(?:[\w.-]+\s+){0,2}")
# Between two treatments of a list: a joiner.
_JOINED = re.compile(r"\s*(?:,|/|\+|&|\band\b|\bor\b|\bthen\b)\s*(?:(?:the|a|an)\s+)?", re.I)


def read(text: str, vocabulary: Vocabulary | None = None) -> tuple[Reading, ...]:
    """Every reading of `text`, in the order of the rules (none for web-search syntax or text
    longer than the form accepts)."""
    if not text or len(text) > max_length():
        return ()
    # With "or" (but in a person's sentence), who and where the trials are for are read, not a
    # failure: "axial spondyloarthritis (ankylosing spondylitis or non-radiographic) with
    # inadequate response to NSAIDs" is the words' search, the refractory filter lost its trial.
    rules = [rule for rule in RULES if rule is not failed_therapy] if has_syntax(text) else RULES
    words = _words(text, vocabulary or Vocabulary.default())
    if has_exact_syntax(text):
        # A quoted phrase and an excluded word are searched as typed: only the words outside
        # them are read ('"cutaneous lupus" in Spain', "lupus -nephritis in Spain").
        words.taken.update(_syntax_positions(words))
    found: list[Reading] = []
    for rule in rules:
        for reading in rule(words):
            found.append(reading)
            words.read.add(reading.parameter)
            words.taken.update(
                position
                for position, token in enumerate(words.tokens)
                if any(start <= token[2] and token[3] <= end for start, end in reading.spans)
            )
    return merged(_agreeing_with_the_age(found))


def _agreeing_with_the_age(found: list[Reading]) -> list[Reading]:
    """The readings without the age groups an age said leaves out: "im 24 … pediatric studies
    say im too old" is 24, not children too (facets.AGE_GROUP_AGES)."""
    ages = [float(reading.value) for reading in found if reading.parameter == "age"]
    if not ages:
        return found
    return [
        reading
        for reading in found
        if reading.parameter != "age_group"
        or reading.value not in AGE_GROUP_AGES
        or AGE_GROUP_AGES[reading.value][0] <= ages[0] <= AGE_GROUP_AGES[reading.value][1]
    ]


_QUOTED = re.compile(r'"[^"]*"?')


def _syntax_positions(words: Words) -> set[int]:
    """The positions of the words inside quotes (an open quote runs to the end) and of those
    a "-" excludes ("-nephritis"; not "steroid-resistant")."""
    spans = [match.span() for match in _QUOTED.finditer(words.text)]
    taken = set()
    for position, (_, _, start, _end) in enumerate(words.tokens):
        quoted = any(first <= start < last for first, last in spans)
        excluded = start > 0 and words.text[start - 1] == "-"
        if quoted or (excluded and (start < 2 or words.text[start - 2].isspace())):
            taken.add(position)
    return taken


def merged(found: list[Reading]) -> tuple[Reading, ...]:
    """One reading per parameter and value ("kids" and "son": one age filter)."""
    out: dict[tuple[str, str], Reading] = {}
    for reading in found:
        key = (reading.parameter, reading.value)
        if key in out:
            before = out[key]
            said = before.said if reading.said in before.said else f"{before.said}, {reading.said}"
            reading = Reading(*key, said, before.spans + reading.spans)
        out[key] = reading
    return tuple(out.values())


def without(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` less the characters of `spans`, its spaces tidied and what is left of a word
    that was taken ("-" of "steroid-resistant", "'" of "didn't", "'s" of "women's") dropped."""
    kept, position = [], 0
    for start, end in sorted(spans):
        between = text[position:start]
        # A joiner between two words taken joined them: "for children or teens with" is "for
        # with", not "for or with" (an "or" choosing between "for" and "with").
        if position and between.strip(" ,").lower() in _JOINED_TAKEN:
            between = " "
        kept.append(between)
        position = max(position, end)
    kept.append(text[position:])
    pieces = [
        piece
        for piece in " ".join(kept).split()
        if any(ch.isalnum() for ch in piece) and not _POSSESSIVE.fullmatch(piece)
    ]
    # An "or" that joined a word taken joins nothing: "completed or terminated lupus trials"
    # is "lupus trials", "psoriasis or eczema in Seoul or Busan" "psoriasis or eczema", and
    # "psoriasis or phase 3 or eczema" "psoriasis or eczema".
    left: list[str] = []
    for piece in pieces:
        joins = piece.lower() == "or"
        if not (joins and (not left or left[-1].lower() == "or")):
            left.append(piece)
    if left and left[-1].lower() == "or":
        left.pop()
    return " ".join(left)


_JOINED_TAKEN = {"or", "and", "/", "&", ""}

# What is left of a taken word's possessive ("women's health": "'s").
_POSSESSIVE = re.compile(r"['’]s")
