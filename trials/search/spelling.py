"""Typo correction for the search box, against the vocabularies' words.

Patients misspell disease and drug names ("dermatomyosits", "lenalidomid"). When a query finds
nothing, each unknown word of four letters or more is replaced by the closest vocabulary word
(rapidfuzz), if one is close enough (edits counted with two letters swapped as one: "ezcema"),
and no trial has the word as typed ("back" is a word, not a typo of "bark"); the engine then
runs the corrected query.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache as kept
from importlib import resources
from itertools import pairwise

from django.db import connection
from rapidfuzz import process
from rapidfuzz.distance import OSA

from trials.models import Condition, Drug, DrugClass
from trials.readers.vocabulary import fold_word
from trials.search import cache
from trials.search import words as query_words
from trials.search.timing import timed

MIN_LENGTH = 4
_ABBREVIATIONS = re.compile(r"[A-Z]{2,5}s")
_CAPITAL_INSIDE = re.compile(r"[a-z][A-Z]")
# A word whole, in any letters: "lupică" (Romanian) is no "lupic", which "lupis" would be one
# letter from, and "psoríase" no "psor" to respell. Only words in ASCII letters are respelt.
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|-)*[^\W\d_]")


def _lexicon() -> tuple[set[str], list[str]]:
    """The vocabularies' words of MIN_LENGTH letters or more (people's words too): as a set,
    and sorted."""
    lexicon = cache.LEXICON.get("words")
    return lexicon if lexicon is not None else _read_vocabulary()[0]


VOCABULARIES = (Condition, Drug, DrugClass)


def _read_vocabulary() -> tuple[tuple[set[str], list[str]], tuple[set[str], list[str]]]:
    """The lexicon (_lexicon) and the names' words (_names), each as a set and sorted, read in
    one look and kept."""
    read = [
        list(model.objects.order_by("pk").values_list("label", "synonyms"))
        for model in VOCABULARIES
    ]
    names = [name for rows in read for label, synonyms in rows for name in (label, *synonyms)]
    # The names as last read, and the lexicon and names' words made of them (cache.READINGS):
    # a reading that finds the same names keeps them, and what is made of them (the label
    # words, the sounds) is renewed, not made again (~50 ms at 100k trials).
    last = cache.READINGS.get("vocabulary")
    if last is not None and last[0] == read:
        lexicon, name_words = last[1:]
        cache.LEXICON.renew("sounds")  # the label words are read on their own (_refresh)
    else:
        found = _words_of(names)
        words = found | _words_of(query_words.lay_texts())  # "scaly" is no "scalp"
        lexicon, name_words = (words, sorted(words)), (found, sorted(found))
        cache.READINGS.put("vocabulary", (read, lexicon, name_words))
        for made in ("labels", "sounds"):  # made from another reading: made again when asked
            cache.LEXICON.discard(made)
    cache.LEXICON.put("words", lexicon)
    cache.LEXICON.put("names", name_words)
    return lexicon, name_words


def _words_of(texts) -> set[str]:
    return {w.lower() for text in texts for w in WORD.findall(text) if len(w) >= MIN_LENGTH}


def _two_words(word: str, words: set[str]) -> str | None:
    """Two vocabulary words typed without the space between ("rheumatoidarthritis",
    "psoriaticarthritis"): each of MIN_LENGTH letters or more, the longest first word."""
    for cut in range(len(word) - MIN_LENGTH, MIN_LENGTH - 1, -1):
        if word[:cut] in words and word[cut:] in words:
            return f"{word[:cut]} {word[cut:]}"
    return None


def _plural_of(word: str, words: set[str]) -> bool:
    """Whether `word` is a known word's plural ("joints", "marks"): a word, not a typo."""
    return word.endswith("s") and (
        word[:-1] in words or (word.endswith("es") and word[:-2] in words)
    )


def _max_edits(word: str) -> int:
    return 1 if len(word) < 7 else 2


def correct(text: str) -> str | None:
    """The query with misspelled words replaced, or None when nothing needed correcting."""
    fixes = corrections(text)
    return respelt(text, fixes) if fixes else None


@timed("spelling")
def corrections(text: str) -> dict[str, str]:
    """The misspelled words of `text` (in lower case) and their respellings."""
    words, choices = _lexicon()
    fixes: dict[str, str] = {}
    short = len(WORD.findall(text)) <= TESTED_QUERY_WORDS
    # An abbreviation's plural typed in capitals ("BCCs", "JAKs") is no typo: not "BCNs"
    # (basal cell nevus syndrome's BCNS) for basal cell carcinomas.
    plurals = {w.lower() for w in WORD.findall(text) if _ABBREVIATIONS.fullmatch(w)}
    # Nor is a name written with a capital inside ("DiGA", "eHealth", "PsA"): no one types
    # that by mistake (not "dira", the disease).
    named = {w.lower() for w in WORD.findall(text) if _CAPITAL_INSIDE.search(w)}
    for word in {w.lower() for w in WORD.findall(text)} - plurals - named:
        # Filler words ("trial", "near") are dropped from the search: never "corrected" into one;
        # nor is a word PostgreSQL drops ("then" is no "teen": no trial has a stop word).
        if not word.isascii() and word not in words:
            # An accent the vocabulary's name has not ("lúpus" in Portuguese): its name; or,
            # one letter from a name of a disease, a drug or a class so, that name ("rosacée"
            # in French: rosacea; not "provocó", two from "protocol", nor "según", one from
            # people's "begun", nor a short word: "años" is no "anus").
            plain = fold_word(word)
            if plain.isascii() and plain in words:
                fixes[word] = plain
            elif (
                plain.isascii()
                and len(plain) >= ACCENTED_MIN_LENGTH
                and not (query_words.is_filler(plain) or plain in query_words.STOP_WORDS)
                and not (_misspelt_stop_word(plain) or query_words.is_sign_word(word))
                and (best := _nearest(plain, _names()[1], edits=1)) is not None
            ):
                fixes[word] = best
            continue
        if (
            len(word) < MIN_LENGTH
            or word in words
            or _plural_of(word, words)
            or query_words.is_filler(word)
            or word in query_words.STOP_WORDS
            or _misspelt_stop_word(word)
            or query_words.is_sign_word(word)
        ):
            continue
        common = word in common_english_words()  # a word people mean
        if not common and (split := _two_words(word, words)):
            fixes[word] = split  # (a common word is none: "discover" is no "disc over")
            continue
        if (best := _nearest(word, choices)) is not None:
            if not _everyday_as_near(word, best):
                fixes[word] = best
        elif sounding := _sounding(word):
            fixes[word] = sounding  # "loopus", "skleroderma", "sorry-asis"
        elif short and (tested := _nearest(word, _tested_words())):
            fixes[word] = tested  # "epicerem": EpiCeram, which only its trial names
        if common and word in fixes and not _ending(word, fixes[word]):
            del fixes[word]  # a word people mean ("weed" is no "week")
    # A word the trials have is a word people write, not a typo ("coming back" is no "bark").
    for word in _in_trials(fixes, [w.lower() for w in WORD.findall(text)]):
        del fixes[word]
    return fixes | _joined(text, words)


def _joined(text: str, words: set[str]) -> dict[str, str]:
    """A word of a disease's or a drug's name typed in two ("sclero derma", "derma tomyositis"):
    the two words as typed (lower case, one space) -> the word, each part of MIN_LENGTH letters
    or more and one of them no vocabulary word ("break out" is no "breakout", "hair loss" no
    "hairloss")."""
    typed = [w.lower() for w in WORD.findall(text)]
    names = _names()[0]
    return {
        f"{first} {second}": first + second
        for first, second in pairwise(typed)
        if len(first) >= MIN_LENGTH
        and len(second) >= MIN_LENGTH
        and first + second in names
        and not (first in words and second in words)
    }


# How often a word must be met in pyspellchecker's English word list (counts from subtitles
# and books, the least 50) to be a word and no typo. From 100 up (47,267 words): "weed",
# "dads", "vets", "fallen", "irish", "jars" and "bread" are words people mean, never "week",
# "dans", "gets", "Falten", "iris", "ears" or "break"; below it, rare spellings and typos.
COMMON_WORD_MIN_COUNT = 100


def _ending(word: str, other: str) -> bool:
    """Whether two words differ only in their last two letters or fewer, the rest at least five
    letters ("wrinkly", "wrinkle"; "blotchy", "blotch"): a common word respelt so is the same
    word otherwise ended, which the stemmer may not see ("wrinkli" and "wrinkl")."""
    same = 0
    while same < min(len(word), len(other)) and word[same] == other[same]:
        same += 1
    return same >= 5 and len(word) - same <= 2 and len(other) - same <= 2


def common_english_words() -> frozenset[str]:
    """The English words common enough to be meant as typed (COMMON_WORD_MIN_COUNT), in lower
    case."""
    return _english_words()[0]


# How often an English word must be met to be an everyday word: the likelier word meant by a
# typo that keeps its first letter, when the vocabulary word as near does not ("spred" is
# "spread", 68,529, not "pred", prednisolone's short name); incidental to a sentence when the
# trials seldom have it (engine.EVERYDAY_SHARE).
EVERYDAY_WORD_MIN_COUNT = 10_000


@kept
def _english_words() -> tuple[frozenset[str], list[str], frozenset[str]]:
    """The common English words (COMMON_WORD_MIN_COUNT) and the everyday ones
    (EVERYDAY_WORD_MIN_COUNT), sorted and as a set: read once a process from pyspellchecker's
    word list (0.1-0.2 s; gunicorn's master reads it before forking: trials/web/warm.py's
    misspelt query)."""
    data = (resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes()
    counts = json.loads(gzip.decompress(data))
    common = frozenset(word for word, count in counts.items() if count >= COMMON_WORD_MIN_COUNT)
    everyday = sorted(w for w, count in counts.items() if count >= EVERYDAY_WORD_MIN_COUNT)
    return common, everyday, frozenset(everyday)


def _everyday_as_near(word: str, respelt: str) -> bool:
    """Whether `respelt` begins otherwise than `word` while an everyday English word no
    vocabulary has begins as it does, as few edits away: people seldom mistype a word's first
    letter ("spred": spread, not pred; "sorisis" is still psoriasis, "fevr" fever)."""
    if respelt[:1] == word[:1]:
        return False
    edits = OSA.distance(word, respelt)
    lexicon = _lexicon()[0]
    near = process.extract(word, _english_words()[1], scorer=OSA.distance, score_cutoff=edits)
    return any(choice[:1] == word[:1] and choice not in lexicon for choice, _, _ in near)


# A query of at most this many words may be respelt into a word of what trials test (a brand
# no vocabulary has, typed alone or with a word or two: _tested_words).
TESTED_QUERY_WORDS = 3
# The fewest letters of an accented word respelt into a name one letter away.
ACCENTED_MIN_LENGTH = 5


def _tested_words() -> list[str]:
    """The words of the names of what the trials test (their interventions) that the
    vocabularies have not, sorted: a brand or a device only its trials name ("EpiCeram").
    Read again after a minute (cache.TESTED_NAMES: asking the change log's position would be
    a statement more for each respelling)."""
    found = cache.TESTED_NAMES.get("words")
    return found if found is not None else _read_tested_words()


def _read_tested_words() -> list[str]:
    """_tested_words read: the interventions' names again only when the trials have changed
    since they were last read (the facet index's position in the change log; `SELECT
    DISTINCT` over every intervention is ~30 ms at 100k trials), the words left out again
    only when they or the lexicon have."""
    from trials.search.index import peek  # the index reads the search modules

    index = peek()
    seq = index.seq if index is not None else None
    last = cache.READINGS.get("tested")  # (seq, names' words, lexicon, found)
    if last is not None and seq is not None and last[0] == seq:
        names = last[1]
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT name FROM trials_intervention")
            names = _words_of(name for (name,) in cursor)
    lexicon = _lexicon()
    if last is not None and last[1] is names and last[2] is lexicon:
        found = last[3]
    else:
        found = sorted(names - lexicon[0])
    cache.READINGS.put("tested", (seq, names, lexicon, found))
    cache.TESTED_NAMES.put("words", found)
    return found


@cache.refresher
def _refresh() -> None:
    """Between requests: the lexicon and the tested names' words, where held and due, read
    again (unchanged, what is made of them is kept)."""
    made = {"labels": _read_label_words, "sounds": _read_sounds}
    held = [key for key in made if cache.LEXICON.get(key) is not None]
    if any(cache.LEXICON.due(key, cache.REFRESH_AHEAD) for key in ("words", "names")):
        _read_vocabulary()  # a changed vocabulary drops what was made of it: made again here
    for key in held:
        if cache.LEXICON.get(key) is None or cache.LEXICON.due(key, cache.REFRESH_AHEAD):
            made[key]()
    if cache.TESTED_NAMES.due("words", cache.REFRESH_AHEAD):
        _read_tested_words()


def _names() -> tuple[set[str], list[str]]:
    """The words of the conditions', drugs' and drug classes' names (not people's words): as a
    set, and sorted."""
    names = cache.LEXICON.get("names")
    return names if names is not None else _read_vocabulary()[1]


# A word this long or longer, as near to a label's word as to another name's, is the label's:
# short words are as often another language's ("lang", "acht") as a term misspelt.
LABELS_FIRST_FROM = 7


def _nearest(word: str, choices: list[str], edits: int | None = None) -> str | None:
    """The vocabulary word fewest edits from `word` (within `edits`, or _max_edits); of several
    as near, for a word of LABELS_FIRST_FROM letters or more, a word of a term's label before
    its other names' ("rhumatoid": the label's rheumatoid, not the "reumatoid" of a synonym in
    another language), then the first in order."""
    found = process.extract(
        word,
        choices,
        scorer=OSA.distance,
        score_cutoff=_max_edits(word) if edits is None else edits,
        limit=8,
    )
    if not found:
        return None
    fewest = min(edits for _, edits, _ in found)
    nearest = sorted(choice for choice, edits, _ in found if edits == fewest)
    if word.isascii():  # "depresion" in an English sentence: depression before depresión
        nearest.sort(key=lambda choice: not choice.isascii())
    if len(word) < LABELS_FIRST_FROM:  # "lang" is no "lung": the first in order
        return nearest[0]
    labels = _label_words()
    return next((choice for choice in nearest if choice in labels), nearest[0])


def _label_words() -> frozenset[str]:
    """The words of the vocabulary's labels (conditions, drugs, classes), in lower case."""
    found = cache.LEXICON.get("labels")
    return found if found is not None else _read_label_words()


def _read_label_words() -> frozenset[str]:
    labels = [
        label for model in VOCABULARIES for label in model.objects.values_list("label", flat=True)
    ]
    found = frozenset(w.lower() for label in labels for w in WORD.findall(label))
    cache.LEXICON.put("labels", found)
    return found


# The stop words long enough that a word one letter from one is it misspelt ("wich", "thier").
_LONG_STOP_WORDS = tuple(word for word in query_words.STOP_WORDS if len(word) >= 4)


def _misspelt_stop_word(word: str) -> bool:
    """Whether `word` is one edit from a stop word of four letters or more: a word PostgreSQL
    drops, misspelt, never respelt into a term ("wich one works better" is no "EICH", graft
    versus host disease in Spanish)."""
    return (
        process.extractOne(word, _LONG_STOP_WORDS, scorer=OSA.distance, score_cutoff=1) is not None
    )


def respelt(text: str, fixes: dict[str, str]) -> str:
    """`text` with the words of `fixes` (corrections') respelt, the others as typed; a key of
    two words (_joined) is those two words, with whatever is between them."""
    for typed in (typed for typed in fixes if " " in typed):
        first, second = typed.split(" ")
        pair = re.compile(rf"\b{re.escape(first)}\W+{re.escape(second)}\b", re.IGNORECASE)
        text = pair.sub(fixes[typed], text)
    return WORD.sub(lambda match: fixes.get(match.group(0).lower(), match.group(0)), text)


# How a word sounds, near enough for typos farther than _max_edits: letters that say the same
# sound as one ("ph" f, "k" and "q" c, "tz" and "z" s, "y" i, "oo" and "ou" u), no doubled
# letter, no silent "h" after a consonant, nor "p" before an "s" that begins a word
# ("soriasis"); "ci", "si" and "ti" before a vowel said "sh" ("alopesha"); a word cut where it
# is said in two ("sorry-asis") as one.
_SOUNDS = (
    (re.compile(r"-"), ""),
    (re.compile(r"^ps"), "s"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"[kq]"), "c"),
    (re.compile(r"tz"), "z"),
    (re.compile(r"z"), "s"),
    (re.compile(r"y"), "i"),
    (re.compile(r"o[ou]"), "u"),
    (re.compile(r"(?<=[^aeiou])h"), ""),
    (re.compile(r"[cst]i(?=[aou])"), "s"),
    (re.compile(r"(.)\1+"), r"\1"),
)


def sound(word: str) -> str:
    """A word's sound key ("loopus" and "lupus": "lupus"; "skleroderma": "scleroderma")."""
    for pattern, instead in _SOUNDS:
        word = pattern.sub(instead, word)
    return word


def _sounds_like() -> dict[str, tuple[str, ...]]:
    """The vocabulary's words by their sound key."""
    found = cache.LEXICON.get("sounds")
    return found if found is not None else _read_sounds()


def _read_sounds() -> dict[str, tuple[str, ...]]:
    by_key: dict[str, set[str]] = {}
    for word in _lexicon()[0]:
        by_key.setdefault(sound(word), set()).add(word)
    found = {key: tuple(sorted(words)) for key, words in by_key.items()}
    cache.LEXICON.put("sounds", found)
    return found


def _sounding(word: str) -> str | None:
    """The vocabulary word that sounds as `word` does: of several ("psoriasis", "psoriazis"),
    the one fewest edits away, none when two are ("sorry-asis": psoriasis)."""
    sounding = _sounds_like().get(sound(word), ())
    if len(sounding) < 2:
        return sounding[0] if sounding else None
    edits = sorted((OSA.distance(word, other), other) for other in sounding)
    return edits[0][1] if edits[0][0] < edits[1][0] else None


# PostgreSQL's stemmers of the other languages people write sentences in here: a word one of
# them stops ("sobre", "con", "und", "dans") is a word of that language, not a typo ("sobre"
# is no "sore").
_OTHER_LANGUAGES = [
    "spanish_stem", "portuguese_stem", "french_stem", "italian_stem", "german_stem",
    "dutch_stem", "danish_stem", "norwegian_stem", "swedish_stem",
]  # fmt: skip
# A query with this many distinct stop words of one of them (and more than of English's) is
# written in that language: its words are not respelt into the vocabulary's.
FOREIGN_STOP_WORDS_MIN = 3


def _in_trials(fixes: dict[str, str], typed: list[str]) -> list[str]:
    """The words of `fixes` (typed -> respelt) that some trial's search text has, stemmed
    otherwise than their respelling ("psoriasys" stems as "psoriasis" does: respelt, it is
    the same search and reads as the disease), and those another language's stop list has
    (_OTHER_LANGUAGES); and when the query (its words, `typed`) is written in another language
    (FOREIGN_STOP_WORDS_MIN of its stop words that are no English ones, more than English's:
    "men", "over" and "at" are Danish too), every one but a word's
    accents and a name's word one letter away ("rosacée", "hiperhidrosis"): "Ich arbeite
    Vollzeit und bin …" is German, whose "arbeite" is no "arterite", as Portuguese "anos" is
    no "anus". One statement; none when nothing is asked."""
    if not fixes:
        return []
    names = _names()[0]
    kept = [
        fold_word(word) == respelt  # the accents only
        or (respelt in names and OSA.distance(fold_word(word), respelt) <= 1)
        for word, respelt in fixes.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH said AS (SELECT DISTINCT unnest(%s::text[]) AS word),"
            " stopped AS (SELECT language = 'english_stem'::regdictionary AS english,"
            " count(*) AS n FROM said,"
            " unnest(%s::regdictionary[] || 'english_stem'::regdictionary) AS language"
            " WHERE ts_lexize(language, word) = '{}' AND (language = 'english_stem'::regdictionary"
            " OR ts_lexize('english_stem', word) <> '{}') GROUP BY language),"
            " written AS (SELECT coalesce(max(n) FILTER (WHERE NOT english), 0) AS other,"
            " coalesce(max(n) FILTER (WHERE english), 0) AS english FROM stopped)"
            " SELECT typed FROM unnest(%s::text[], %s::text[], %s::boolean[])"
            " AS fix(typed, respelt, kept)"
            " WHERE (plainto_tsquery('english', typed)::text"
            " <> plainto_tsquery('english', respelt)::text"
            " AND EXISTS (SELECT 1 FROM trials_trial"
            " WHERE search @@ plainto_tsquery('english', typed)))"
            " OR EXISTS (SELECT 1 FROM unnest(%s::regdictionary[]) AS language"
            " WHERE ts_lexize(language, typed) = '{}')"
            " OR (NOT kept AND (SELECT other >= %s AND other > english FROM written))",
            [
                typed,
                _OTHER_LANGUAGES,
                list(fixes),
                list(fixes.values()),
                kept,
                _OTHER_LANGUAGES,
                FOREIGN_STOP_WORDS_MIN,
            ],
        )
        return [word for (word,) in cursor.fetchall()]


def everyday_groups(text: str) -> list[bool]:
    """For each group of the relaxed reading of `text` (words.relaxed_parts), whether it is
    one everyday English word (EVERYDAY_WORD_MIN_COUNT) that no vocabulary has, people's words
    and body parts included (lay_terms.json): "trip", "newer", not "brain", "itchy" nor "MET"
    typed in capitals (a gene's name)."""
    found = query_words._relaxed_groups(text)
    lexicon, everyday = _lexicon()[0], _english_words()[2]
    capitals = {word.lower() for word in _CAPITALS.findall(text)}
    return [
        len(group) == 1
        and len(group[0]) == 1
        and (word := group[0][0]) in everyday
        and word not in lexicon
        and word not in capitals
        for group in (found[1] if found else [])
    ]


_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
