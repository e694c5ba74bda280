"""What people type, read into a PostgreSQL full-text query (issue 14, point 2).

"trial for my daughter with eczema" should search eczema, and find atopic dermatitis: every word
of web-search syntax is required, filler words included, and the registries' words are not
people's. So the words of a query are read in three steps:

1. phrases people say are matched, longest first, against the lay vocabulary
   (trials/vocab/lay_terms.json: "hives" -> urticaria) and the drug classes (drug_classes.json
   and drugs.json: "JAK inhibitor" -> upadacitinib, ruxolitinib, ...); each becomes one group
   whose alternatives are the phrase itself and what it means;
2. filler and child words left over are dropped, unless nothing else is left (so that they
   never empty a search);
3. every other word is a group of its own.

The strict query requires every group (one alternative each); the relaxed one, offered when the
strict one finds nothing, any group, ranked. A query using web-search syntax (quotes, "or", a
leading "-") is left to `websearch_to_tsquery` as typed.

`id_candidates` reads the registry IDs a query may be, as people paste them.

The result is `to_tsquery` text built only from letters, digits, the operators `& | ( )` and
the weight label `:ABC` (a relaxed query naming diseases): registry text never reaches the
query parser, and no query can fail to parse.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise, takewhile
from types import MappingProxyType

from trials.readers.instruments import instruments
from trials.readers.places import country_name_ends
from trials.readers.vocabulary import (
    VOCAB_DIR,
    Vocabulary,
    class_names,
    code_other_form,
    is_abbreviation,
    tokens,
)

WEBSEARCH = "websearch"
RAW = "raw"
# The PostgreSQL function that reads a TextQuery of each search type.
FUNCTIONS = {RAW: "to_tsquery", WEBSEARCH: "websearch_to_tsquery"}
# The search vector's weights (trials/models.py), as to_tsquery writes them. Where a trial
# names the diseases it is about: its title (A), conditions and their synonyms (B).
NAMED_IN = "AB"
# Where it has them: those and its summary (C); not its description, inclusion criteria or
# sites' cities (D).
SUMMARY_WEIGHT = "C"
ABOUT_WEIGHTS = NAMED_IN + SUMMARY_WEIGHT
# Web-search syntax (has_syntax): a quoted phrase, an excluded word, "or". Of it, what is never
# relaxed: a quoted phrase, an excluded word. A query whose only syntax is "or" ("lebrikizumab
# or dupilumab atopic dermatitis", as people write) that finds nothing as typed is relaxed like
# any other: any of its words.
_EXACT_SYNTAX = re.compile(r"\"|(^|\s)-\w")
_OR = re.compile(r"\sor\s", re.IGNORECASE)
# A person speaking of themselves ("I", "my", "we") writes a sentence, whose "or" is a word
# ("is there some study or app i could try"), not web-search syntax: it is read as any other.
_FIRST_PERSON = re.compile(r"\b(?:i|i'?m|i'?ve|my|me|we|our)\b", re.IGNORECASE)
# … nor is it in a phrase of an amount ("just a visit or two", "a month or so", "6 weeks or
# more"): a sentence's words.
_OR_AMOUNT = re.compile(
    r"\sor\s+(?:two|three|so|more|less|longer|shorter|fewer|twice)\b", re.IGNORECASE
)


# websearch_to_tsquery nests each "-" in the one after it ("- - psoriasis" is !!psoriasis), and
# PostgreSQL's parser holds about 32 ("tsquery stack too small": a 500); a run says what one does.
_MINUSES = re.compile(r"-(?:\s*-)+")


def _websearch(text: str) -> TextQuery:
    """`text` for websearch_to_tsquery, each run of minus signs made one."""
    return TextQuery(WEBSEARCH, _MINUSES.sub("-", text))


def has_exact_syntax(text: str) -> bool:
    """Whether `text` has a quoted phrase or an excluded word ("-word")."""
    return bool(_EXACT_SYNTAX.search(text))


@lru_cache(maxsize=1024)
def has_syntax(text: str) -> bool:
    """Whether `text` is web-search syntax: a quoted phrase, an excluded word ("-word"), or
    "or" but in a person's sentence (_FIRST_PERSON) or between diseases in a query naming
    diseases and nothing else ("lichen planopilaris or frontal fibrosing alopecia": either
    disease's name whole, not "frontal" or the next words)."""
    if _EXACT_SYNTAX.search(text):
        return True
    if not _OR.search(text) or _FIRST_PERSON.search(text):
        return False
    if len(_OR.findall(text)) == len(_OR_AMOUNT.findall(text)):
        return False
    return not names_diseases(_OR.sub(" ", text))


_QUOTED = re.compile(r'"([^"]*)"')


def unquoted(text: str) -> str | None:
    """The words of a query with quoted phrases, their quotes taken out, which are searched
    as if typed bare when no trial has the phrases word for word (a sentence pasted from a
    paper, quotes and all; a person's words with a name in quotes: 'my dad had "lupus"', 'a
    "doença dos pezinhos"'); None for a query without a quoted phrase."""
    if not _QUOTED.search(text):
        return None
    bare = " ".join(_QUOTED.sub(r" \1 ", text).split())
    return bare if any(ch.isalnum() for ch in bare) else None


# A phrase of the vocabulary is at most this many words.
_LONGEST = 8
# A query of several words that fewer trials than this have all of is filled: after them, the
# trials with some of its words (its relaxed form), so that "fingers turn white in the cold"
# also lists the Raynaud's trials that do not say "cold" (engine._filled, the page says so).
FILL_BELOW = 10


@dataclass(frozen=True)
class TextQuery:
    """A query's full-text form: the function's search type ("raw": to_tsquery, "websearch":
    websearch_to_tsquery) and its text."""

    search_type: str
    text: str


def _words(text: str) -> tuple[str, ...]:
    """The words of a vocabulary name: folded (no accents, lower case)."""
    return tuple(folded for folded, *_ in tokens(text) if _is_word(folded))


def _is_word(token: str) -> bool:
    """Letters and digits only, or with the marks that belong to them ("में": a vowel sign is
    no letter to str.isalnum): no to_tsquery operator in it."""
    return token.isalnum() or all(
        char.isalnum() or unicodedata.category(char)[0] == "M" for char in token
    )


def _typed(text: str) -> list[tuple[str, str]]:
    """The words of a query: (folded, as typed in lower case, or folded where lower case is
    more than letters and digits: "İ"). Each is letters and digits only (str.isalnum), so that
    no word can be a to_tsquery operator."""
    typed = []
    for folded, written, *_ in tokens(text):
        if _is_word(folded):
            lower = written.lower()
            typed.append((folded, lower if lower.isalnum() else folded))
    return typed


@cache
def _lay_terms() -> dict:
    """lay_terms.json, read once per process: the files change with a deployment."""
    return json.loads((VOCAB_DIR / "lay_terms.json").read_text(encoding="utf-8"))


# What lay_terms.json holds that is not searched for: no typo is respelt into it.
_NOT_SEARCHED = {"about", "sign_words"}


def lay_texts() -> Iterator[str]:
    """Every phrase and word of lay_terms.json (but what is not searched for: its `about`,
    other languages' words for signs' cues): people's words."""

    def strings(value) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    return strings({key: value for key, value in _lay_terms().items() if key not in _NOT_SEARCHED})


@cache
def _vocabulary() -> tuple[dict[tuple[str, ...], tuple[tuple[str, ...], ...]], frozenset[str]]:
    """Phrase (words) -> its alternatives (each a tuple of words), and the droppable words.
    Read once per process: the files change with a deployment."""
    lay = _lay_terms()
    phrases: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(says: list[str], means: list[str]) -> None:
        alternatives = [_words(name) for name in [*says, *means]]
        for say in says:
            if not (key := _key(_words(say))):
                continue
            known = phrases.setdefault(key, [])
            known += [words for words in alternatives if words and words not in known]

    for term in lay["terms"]:
        add(term["say"], term["mean"])
    drugs = {
        drug["slug"]: [drug["label"], *drug.get("synonyms", [])]
        for drug in json.loads((VOCAB_DIR / "drugs.json").read_text(encoding="utf-8"))
    }
    for drug_class in json.loads((VOCAB_DIR / "drug_classes.json").read_text(encoding="utf-8")):
        names = class_names([drug_class["label"], *drug_class.get("synonyms", [])])
        # Not the members' abbreviations: "RTX" (rituximab) is also a renal transplant; nor
        # their names in other scripts, which a drug's name means (below).
        members = [
            name
            for slug in drug_class.get("members", [])
            for name in drugs.get(slug, [])
            if not is_abbreviation(name) and not _OTHER_SCRIPT.search(name)
        ]
        add(names, members)
        antibodies = [name for name in members if _MAB.search(name)]
        if antibodies:
            # "anti-TNF mAb": the class's antibodies (not etanercept), not every antibody
            add([f"{name} {mab}" for name in names for mab in _MAB_WORDS], antibodies)
    # A drug's other name that shares no word with its own (a brand, a code, its name in
    # another script: "Humira", "Soriatane", "来那度胺") means its name too, which the records
    # of the trials testing it write.
    for label, *others in drugs.values():
        named = set(_words(label))
        for name in others:
            if not named & set(_words(name)):
                # A code in its other form too: "PF-00299804" is "PF00299804".
                add([name, *filter(None, [code_other_form(name)])], [label])
    # Monoclonal antibodies are named by their stem ("-mab": INN): "monoclonal antibody" means
    # every drug of the vocabulary so named.
    mabs = [names[0] for names in drugs.values() if _MAB.search(names[0])]
    add(list(_MAB_WORDS), mabs)
    # A condition's abbreviation means the synonym it abbreviates ("DLE": discoid lupus
    # erythematosus, "PsA": psoriatic arthritis), which then ranks the trials that spell it out;
    # failing its initials, the names it takes letters from in order ("JDM": juvenile
    # dermatomyositis, "PsO": psoriasis).
    conditions = json.loads((VOCAB_DIR / "conditions.json").read_text(encoding="utf-8"))
    for condition in conditions:
        names = [condition["label"], *condition.get("synonyms", [])]
        for short in filter(is_abbreviation, names):
            spelt = [name for name in names if _initials(name) == _capitals(short)] or [
                name
                for name in names
                if not is_abbreviation(name) and _abbreviates(_capitals(short), name)
            ]
            if spelt and len(_words(short)) == 1:
                add([short], spelt)
        # A synonym that shares no word with the condition's name means that name too: another
        # language's ("Schuppenflechte", "sclérodermie"), another name ("localized scleroderma":
        # morphea). One sharing a word is narrower or wider ("juvenile dermatomyositis"); one
        # with capitals inside a word is made of abbreviations ("SSc-ILD").
        named = set(_words(condition["label"])) - STOP_WORDS
        for name in condition.get("synonyms", []):
            if not named & set(_words(name)) and not _capitals_inside(name):
                add([name], [condition["label"]])
    # A group's names mean its members' too ("myositis": dermatomyositis, polymyositis), but
    # for a member's name that says the group's ("generalized pustular psoriasis").
    members: dict[str, list[str]] = {}
    for condition in conditions:
        if condition.get("parent"):
            members.setdefault(condition["parent"], []).extend(label_names(condition["label"]))
    for condition in conditions:
        for name in [condition["label"], *condition.get("synonyms", [])]:
            said = _key(_words(name))
            unsaid = [
                member
                for member in members.get(condition["slug"], [])
                if not _says(_key(_words(member)), said)
            ]
            if said and unsaid:
                add([name], unsaid)
    # A category of diseases ("autoimmune disease", "inflammatory skin diseases") means its
    # conditions' names, which each trial about one has among its terms (the B part).
    # Said in another language, a category means the same (not the other way round: the
    # records are in English).
    labels = {condition["slug"]: condition["label"] for condition in conditions}
    for category in lay["categories"]:
        means = [
            name for slug in category_conditions(category) for name in label_names(labels[slug])
        ]
        add(category["say"], means)
        for name in category.get("other_languages", []):
            add([name], [*category["say"], *means])
    # … but not inside a condition's own name ("mixed connective tissue disease" is one
    # disease, not "mixed" and every connective tissue disease): such a name is a phrase of
    # its own, which the longest match prefers.
    said = {_key(_words(say)) for category in lay["categories"] for say in category_names(category)}
    for condition in conditions:
        for name in [condition["label"], *condition.get("synonyms", [])]:
            key = _key(_words(name))
            if key not in said and any(_says(key, say) for say in said):
                add([name], [])
    # An outcome instrument's names mean its acronym, which the trials measured with it have
    # among their terms ("dermatology life quality index": DLQI; readers.instruments).
    for instrument in instruments():
        add([*instrument.get("names", []), *instrument.get("also", [])], [instrument["acronym"]])
    droppable = frozenset(_words(" ".join([*lay["filler"], *lay["child"], *lay["teen"]])))
    frozen = {phrase: tuple(alts) for phrase, alts in phrases.items() if phrase}
    # Phrases dropped whole (lay_terms.json `filler_phrases`: "as an outcome measure"), their
    # words searched elsewhere ("long-term outcome").
    for phrase in _filler_phrases():
        frozen.setdefault(phrase, ())
    return frozen, droppable


@cache
def _filler_phrases() -> frozenset[tuple[str, ...]]:
    """lay_terms.json `filler_phrases`, as _groups matches phrases (of two words or more but
    stop words: a single word is the `filler` list's)."""
    keys = (_key(_words(phrase)) for phrase in _lay_terms()["filler_phrases"])
    return frozenset(key for key in keys if len(key) > 1)


# Letters of another script than Latin (with its accents): Cyrillic, Greek, Arabic, Hebrew,
# Devanagari, Thai, Chinese, Japanese, Korean.
_OTHER_SCRIPT = re.compile("[^\x00-\u024f\u1e00-\u1eff]")


# Chinese, Japanese and Thai are written without spaces between words, and Korean often joins
# them: a run of their letters is cut around each name the vocabulary knows (spaced).
_UNSPACED = re.compile(
    "[\u0e00-\u0e7f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+"
)


@cache
def _unspaced_names() -> tuple[frozenset[str], int]:
    """The runs of such letters in the vocabulary's names (conditions, drugs, drug classes),
    people's words (lay_terms.json), the words read as signs' cues (`sign_words`: "眼皮"
    eyelid, "紫红" purple) and countries' names, and the longest's length."""
    vocabulary = Vocabulary.default()
    entries = [
        *vocabulary.conditions.values(),
        *vocabulary.drugs.values(),
        *vocabulary.drug_classes.values(),
    ]
    texts = [*lay_texts(), *country_name_ends()]  # "中国银屑病": China, psoriasis
    texts += [word for words in _lay_terms().get("sign_words", {}).values() for word in words]
    for entry in entries:
        texts += [entry["label"], *entry.get("synonyms", [])]
    names = frozenset(run for text in texts for run in _UNSPACED.findall(text))
    return names, max(map(len, names), default=0)


# What a line break or tab is in a query: a space.
_SPACES = str.maketrans(dict.fromkeys("\t\n\r\x0b\x0c", " "))


def normalized(text: str) -> str:
    """`text` as a query's words are read: compatibility forms folded (NFKC: full-width
    "ｌｕｐｕｓ" is "lupus", half-width "ｱﾄﾋﾟｰ" is "アトピー"), line breaks and tabs spaces, and
    characters nobody sees dropped (zero-width spaces and joiners, direction marks, other
    controls; but NUL, which the form refuses), and runs of spaces one."""
    if not (text.isascii() and text.isprintable()):
        text = unicodedata.normalize("NFKC", text).translate(_SPACES)
        text = "".join(
            c for c in text if c == "\x00" or unicodedata.category(c) not in ("Cc", "Cf")
        )
    return _SPACE_RUN.sub(" ", text)


# Two spaces or more: one, as the words are read (no pattern then meets a long run of them).
_SPACE_RUN = re.compile(r"\s{2,}")


def unspaced(word: str) -> bool:
    """Whether `word` is written in the letters of a language written without spaces."""
    return bool(_UNSPACED.fullmatch(word))


# Arabic joins "and", "with", "for", "like" to the word after it ("بالذئبة": with the lupus;
# "للذئبة": for the lupus, its article's alif gone).
_ARABIC = "\u0621-\u064a"  # the Arabic letters, as a character class's range
_ARABIC_JOINED = re.compile(rf"(?<!\w)(?:([وف]?[بكل]|[وف])ال|([وف]?ل)ل)([{_ARABIC}]{{2,}})")
_ARABIC_WORD = re.compile(f"[{_ARABIC}]+")


@cache
def _arabic_words() -> frozenset[str]:
    """The words in Arabic letters of the vocabulary's names and people's words."""
    conditions = Vocabulary.default().conditions.values()
    texts = [name for c in conditions for name in (c["label"], *c.get("synonyms", []))]
    texts += list(lay_texts())
    return frozenset(_ARABIC_WORD.findall(" ".join(texts)))


def _arabic_split(text: str) -> str:
    """`text` with the word joined before a vocabulary's word in Arabic letters apart
    ("بالذئبة الحمراء": "ب الذئبة الحمراء", lupus as the vocabulary writes it)."""
    known = _arabic_words()

    def split(match: re.Match) -> str:
        joined, word = match[1] or match[2], "ال" + match[3]  # "للذئبة": ل + الذئبة
        return f"{joined} {word}" if word in known else match[0]

    return _ARABIC_JOINED.sub(split, text)


def spaced(text: str) -> str:
    """`text` with a space before and after each name of the vocabulary written in Chinese,
    Japanese or Korean letters, the longest at each place ("银屑病临床试验": "银屑病 临床试验"),
    so that each is a word as it is in the vocabulary, and the word Arabic joins before one of
    its words apart (_arabic_split); other text as it was."""
    if _ARABIC_WORD.search(text):
        text = _arabic_split(text)
    if not _UNSPACED.search(text):
        return text
    names, longest = _unspaced_names()

    def cut(match: re.Match) -> str:
        run, parts, at, unknown = match[0], [], 0, 0
        while at < len(run):
            size = next(
                (n for n in range(min(longest, len(run) - at), 0, -1) if run[at : at + n] in names),
                0,
            )
            if size == 1 and _HANGUL.match(run[at]) and at + 1 < len(run):
                size = 0  # a Korean particle ends a word: "이" inside "하이드록시…" is none
            if not size:
                at += 1
                continue
            parts += [run[unknown:at], run[at : at + size]]
            at = unknown = at + size
        parts.append(run[unknown:])
        return " " + " ".join(part for part in parts if part) + " "

    return " ".join(_UNSPACED.sub(cut, text).split())


_HANGUL = re.compile("[\uac00-\ud7af]")

Group = tuple[tuple[str, ...], ...]  # alternatives, each a tuple of words (all required)
_MAB = re.compile(r"mab\b", re.IGNORECASE)  # a monoclonal antibody's name: "adalimumab"
_MAB_WORDS = ("monoclonal antibody", "monoclonal antibodies", "mAb", "mAbs")


_ALSO_CALLED = re.compile(r"^(.+?)\s*\((.+)\)$")


def label_names(label: str) -> list[str]:
    """A condition's label as the names it gives: "IgA vasculitis (Henoch-Schönlein purpura)"
    is two (a trial about it says either, not every word of both)."""
    if found := _ALSO_CALLED.match(label):
        return [found[1], found[2]]
    return [label]


def category_names(category: dict) -> list[str]:
    """A kind of disease's names (lay_terms.json `categories`): in English and in others."""
    return [*category["say"], *category.get("other_languages", [])]


def category_conditions(category: dict) -> list[str]:
    """The conditions (slugs) a kind of disease of lay_terms.json `categories` means: its
    `conditions`, and with `"skin": true` every condition conditions.json marks a skin disease
    ("skin diseases", "dermatology")."""
    slugs = list(category.get("conditions", []))
    if category.get("skin"):
        slugs += conditions_by_skin()[0]
    return list(dict.fromkeys(slugs))


@cache
def conditions_by_skin() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The conditions (slugs) conditions.json marks skin diseases (`skin`), and the others."""
    conditions = Vocabulary.default().conditions.values()
    return (
        tuple(c["slug"] for c in conditions if c.get("skin")),
        tuple(c["slug"] for c in conditions if not c.get("skin")),
    )


def _capitals(abbreviation: str) -> str:
    """An abbreviation's capitals, lower case ("PsA": "pa", "SSc": "ss")."""
    return "".join(c for c in abbreviation if c.isupper()).lower()


def _name_words(name: str) -> list[str]:
    """A name's words as its initials are read: hyphenated ones apart, no possessive "'s",
    lower case ("adult-onset Still's disease": adult, onset, still, disease)."""
    return [word.lower() for word in re.findall(r"[^\W\d_]+", name.replace("'s", ""))]


def _initials(name: str) -> str:
    """The first letters of a name's words ("adult-onset Still's disease": "aosd")."""
    return "".join(word[0] for word in _name_words(name))


def _abbreviates(capitals: str, name: str) -> bool:
    """Whether `capitals` are each word's first letter of `name`, in order, each followed by
    none or more letters from inside that word ("dm": "dermatomyositis", "jdm": "juvenile
    dermatomyositis"; not "pso": "plaque psoriasis", whose "plaque" gives no capital)."""
    names = _name_words(name)

    def spells(letters: str, at: int) -> bool:
        if at == len(names):
            return not letters
        word = names[at]
        if not letters or letters[0] != word[0]:
            return False
        for taken in range(len(letters)):
            inside = iter(word[1:])
            if all(letter in inside for letter in letters[1 : 1 + taken]) and spells(
                letters[1 + taken :], at + 1
            ):
                return True
        return False

    return spells(capitals, 0)


def _says(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` is among `words`, its words together."""
    size = len(phrase)
    return any(words[at : at + size] == phrase for at in range(len(words) - size + 1))


def _capitals_inside(name: str) -> bool:
    """Whether a word of `name` has a capital after its first letter ("SSc-ILD", "PsA")."""
    return any(letter.isupper() for word in name.split() for letter in word[1:])


def _key(words: tuple[str, ...]) -> tuple[str, ...]:
    """A phrase as it is matched: without the stop words ("rash on face" is ("rash", "face")),
    so that "rash on my face" says it too."""
    return tuple(word for word in words if word not in STOP_WORDS)


# Stop words a phrase's words may have between them ("rash on my face"), no more ("cold and now
# i have sores" is no cold sore).
_SKIPPED = 2


def _phrases_in(folded: tuple[str, ...], known: Container) -> Iterator[tuple[int, int]]:
    """(start, length) of each phrase of `known` (_key: tuples of words without stop words) in
    the words `folded`, stop words between its words skipped ("rash on my face"), the longest
    at each place, not overlapping; (start, 0) for each word of none."""
    start, count = 0, len(folded)
    while start < count:
        content: list[int] = []  # the positions of the words a phrase from here may hold
        position, skipped = start, 0
        while folded[start] not in STOP_WORDS and position < count and len(content) < _LONGEST:
            if folded[position] not in STOP_WORDS:
                content.append(position)
                skipped = 0
            elif (skipped := skipped + 1) > _SKIPPED:
                break
            position += 1
        for size in range(len(content), 0, -1):
            if tuple(folded[p] for p in content[:size]) in known:
                length = content[size - 1] - start + 1
                yield start, length
                start += length
                break
        else:
            yield start, 0
            start += 1


# The words before a disease that say the person does not have it ("fibromyalgia, not
# arthritis"; "isn't", "isnt"), as tokens fold them.
_NEGATIONS = (
    ("not",), ("isnt",), ("isn", "t"), ("nor",),
    # "psoriasis without arthritis", "without leaving a scar"; Portuguese, Spanish, French, German
    ("without",), ("sem",), ("sin",), ("sans",), ("ohne",),
    # a risk said, not what the person has: "lasers can leave white patches on dark skin"
    ("can", "leave"), ("can", "cause"), ("may", "leave"), ("may", "cause"), ("might", "leave"),
    ("might", "cause"), ("could", "leave"), ("could", "cause"), ("risk", "of"),
)  # fmt: skip
_NEGATION_WORDS = frozenset(word for negation in _NEGATIONS for word in negation) - {"t"}
# Words that may stand between a negation and the disease it denies.
_HEDGES = {"normal", "just", "really", "regular", "typical", "simple", "ordinary", "usual", "plain"}
# … and between "without" (in five languages) and what the person wants to be spared: "without
# leaving a scar", "sem ficar cicatriz", "sin dejar cicatrices", "sans laisser de cicatrice".
_WITHOUT = frozenset({"without", "sem", "sin", "sans", "ohne"})
_SPARED_BRIDGES = {
    "leaving", "leave", "getting", "get", "causing", "cause", "having", "a", "any", "ficar",
    "deixar", "dejar", "quedar", "quede", "laisser", "avoir", "de", "une", "un", "uma", "um",
    "una", "marcas", "marks", "mark",
}  # fmt: skip
_MAX_BRIDGES = 3


# A person who does not want a placebo ("no placebo", "i dont want to end up on placebo")
# wants the trials where everyone is treated: open-label ones (design.DESIGN_WORDS).
_PLACEBO_REFUSED = re.compile(
    r"\b(?:no|not|without|never|avoid|don'?t want|dont want|do not want|rather not)\s+"
    r"(?:\w+\s+){0,5}?(?:placebos?|sugar pills?|dummy pills?|fake pills?)"
    r"\b(?:[- ](?:arms?|groups?|controlled|control)\b)?"
    # … and who wants everyone treated: "a trial where everyone gets the real medicine"
    r"|\b(?:everyone|everybody|all patients|all participants)\s+(?:gets?|receives?)\s+"
    r"(?:the\s+)?(?:real|active|actual|study)\s+(?:medicine|medication|drug|treatment)s?\b",
    re.IGNORECASE,
)


_PLACEBO_SAID = re.compile(
    r"placebo|sugar pill|dummy pill|fake pill|everyone|everybody|all pa", re.IGNORECASE
)


# The person or a relative refusing, not a doctor or an insurer ("insurance refused dupixent"
# is no treatment refused).
_PERSON_REFUSES = (
    r"(?:i|he|she|we|they|dad|mom|mum|father|mother|son|daughter|husband|wife|child|kid"
    r"|partner|grandma|grandpa)\s+(?:(?:still|just|flat\s+out|completely|totally|always)\s+)*"
    r"(?:refuses?|refused|refusing)"
)
# What a person says before a treatment they do not want ("psoriasis cream no steroids",
# "without biologics", "don't want methotrexate"): a word or two may stand between ("no more
# oral steroids"). Not "not": "not responding to methotrexate" is a failure (readings).
_REFUSING = re.compile(
    r"\b(?:no|without|never|avoid|avoiding|sin|sem|sans|ohne|free of|(?:do not|don'?t|dont) want"
    r"(?: to (?:take|use|get|be on))?|rather not|instead of|other than|alternatives? to"
    r"|besides|apart from|aside from|except|anything but|not (?:yet )?another"
    r"|(?:sick|tired) of|fed up with"
    rf"|{_PERSON_REFUSES}(?: to (?:take|use|go on))?"
    r"|won'?t (?:take|use|go on))"
    r"\s+(?:(?:more|any|oral|topical|systemic|the|a|an|more of the)\s+)?$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)
def treatments_in(text: str) -> tuple:
    """The drugs and drug classes `text` names (Vocabulary.find: Mentions, in order), found
    once for the readings of what the person had, takes, refuses or reacts to."""
    return tuple(Vocabulary.default().find(text, ("drug", "class")))


# Not wanting the immune system lowered ("scared of anything that lowers my immune system",
# "a treatment that doesn't suppress the immune system"): the classes of drugs that do.
_IMMUNE_SPARED = re.compile(
    r"\b(?:(?:scared|afraid|frightened|terrified|worried|wary)\s+(?:of|about)"
    r"|(?:do not|don'?t|dont|doesn'?t|does not|won'?t|wont|without|avoid\w*|no)(?:\s+want)?)"
    r"\s+(?:[\w']+\s+){0,3}?(?:suppress|lower|weaken|dampen|compromis|reduc)\w*\s+"
    r"(?:(?:my|the|your|his|her|their|our)\s+)?immun(?:e\s+system|ity|e\s+defen[cs]es?)",
    re.IGNORECASE,
)
IMMUNE_SUPPRESSING = (
    "immunosuppressants",
    "corticosteroids",
    "jak-inhibitors",
    "biologics",
    "chemotherapy",
)


@lru_cache(maxsize=1024)
def refused(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The drugs and the drug classes (slugs) a query says the person does not want, as
    (drugs, classes): trials testing them are listed after the others (engine._tiers). Their
    names stay search words: a trial for those who failed them says them too."""
    drugs: list[str] = []
    classes: list[str] = []
    lower = text.lower()
    if any(cue in lower for cue in _REFUSAL_CUES):  # a few substring tests before the regexes
        for mention in treatments_in(text):
            before = text[max(0, mention.start - 40) : mention.start]
            # "non-biologic DMARDs" are conventional ones, a class of their own
            non = (
                _NON.search(before) and "dmard" not in text[mention.start : mention.end + 8].lower()
            )
            if (_REFUSING.search(before) or non) and not _STOPPING.match(text, mention.end):
                (classes if mention.kind == "class" else drugs).append(mention.slug)
    if "immun" in lower and _IMMUNE_SPARED.search(text):
        classes.extend(IMMUNE_SUPPRESSING)
    return tuple(dict.fromkeys(drugs)), tuple(dict.fromkeys(classes))


# Naive to a treatment, after its name ("biologic-naive", "TNFi naïve", "dupilumab-naive") or
# before it ("naive to biologics", "never had a biologic", "no prior JAK inhibitor", "haven't
# tried any biologics").
_NAIVE_AFTER = re.compile(r"[\s-]*na[iï]ve\b", re.IGNORECASE)
_NAIVE_BEFORE = re.compile(
    r"\b(?:na[iï]ve\s+to|never\s+(?:had|taken|tried|received|used|got|gotten|been\s+on"
    r"|been\s+given|been\s+prescribed|been\s+treated\s+with|on)"
    r"|(?:has|have|had)(?:n'?t|\s+not)\s+(?:yet\s+)?(?:had|tried|taken|received|used|been\s+on)"
    r"|no\s+(?:prior|previous)|without\s+(?:prior|previous)|no\s+exposure\s+to"
    r"|not\s+(?:yet\s+|previously\s+)?(?:been\s+)?treated\s+with)"
    r"\s+(?:(?:a|an|any|the)\s+)?$",
    re.IGNORECASE,
)
# Naive to every treatment: "treatment-naive", "previously untreated", "never been treated".
_UNTREATED = re.compile(
    r"\b(?:(?:treatment|therapy|tx|drug|systemic)[\s-]*na[iï]ve|na[iï]ve\s+to\s+(?:any\s+)?"
    r"(?:treatments?|therapy)|(?:previously|prev)[\s-]+untreated"
    r"|(?:never|not(?:\s+yet)?)\s+(?:been\s+)?treated"
    r"(?!\s+(?:with|well|properly|successfully|effectively|adequately|enough|by|using))"
    r"|(?:no|without\s+(?:any\s+)?)\s*(?:prior|previous)\s+"
    r"(?:treatments?|therap(?:y|ies)|systemic\s+(?:treatments?|therap(?:y|ies)))"
    # "he hasn't started any treatment yet", "I haven't started any medicine", "never received
    # systemic therapy", "no treatment yet", "not on any meds yet"
    r"|(?:(?:has|have|had)(?:n'?t|\s+not)|never)\s+(?:yet\s+)?(?:started|had|received|taken"
    r"|tried|begun|been\s+(?:on|given))\s+(?:any\s+)?(?:systemic\s+)?(?:treatments?"
    r"|therap(?:y|ies)|medicines?|medications?|meds|drugs?)"
    r"|(?:no|not\s+on\s+any)\s+(?:treatments?|therapy|meds|medications?|medicines?)\s+yet"
    # "newly diagnosed", "just diagnosed with RA 2 months ago", "newly dx AL amyloidosis"
    r"|(?:newly|just|recently|just\s+got)[\s-]+(?:been\s+)?(?:diagnosed|dx(?:'?d)?)"
    r"|new\s+(?:dx|diagnosis)\s+of)\b",
    re.IGNORECASE,
)
_NAIVE_CUE = re.compile(
    r"na[iï]ve|never|prior|previous|treated|n'?t\b|\bnot\b|diagnos|\bdx|\bno\b|without|exposure",
    re.IGNORECASE,
)
# Said not to be naive ("not biologic-naive", "no longer treatment naive", "not newly
# diagnosed"): just before the words.
_NOT_NAIVE = re.compile(
    r"\b(?:not|no\s+longer|isn'?t|aren'?t|wasn'?t|weren'?t|never\s+was)\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
# Untreated said of no one asking, or with a treatment since ("exclude treatment-naive
# patients", "newly diagnosed 5 years ago", "just diagnosed, already on methotrexate").
_TREATED_SINCE = re.compile(
    r"\bexclud|\balready\s+(?:on|taking|started|had|tried|been)\b|\byears?\s+ago\b", re.I
)
# "bio-naive", "b-DMARD naive": biologics (no drug class is called "bio" alone; "DMARD" alone
# is a conventional one).
_BIO_NAIVE = re.compile(r"\b(?:bio|b[\s-]?dmards?)[\s-]?na[iï]ve\b", re.IGNORECASE)
# Short names the checkpoint inhibitors go by, glued to a history ("ICI-naive", "IO
# naive", "IO-pretreated"); not synonyms of the class: "ici" (French) and "io" (Italian) are
# words.
CHECKPOINT_INHIBITORS = "immune-checkpoint-inhibitors"
_CHECKPOINT_SHORT = r"ICIs?|IO|immunotherapy|checkpoint(?:[\s-]inhibitors?)?|PD-?L?1"
# Short names no class goes by, said naive ("ICI-naive", "IO naive", "PD-1 naive",
# "chemo-naive", "TKI-naive").
_NAIVE_SHORT = (
    (
        re.compile(rf"\b(?:{_CHECKPOINT_SHORT})[\s-]?na[iï]ve\b", re.I),
        CHECKPOINT_INHIBITORS,
    ),
    (re.compile(r"\bchemo[\s-]?na[iï]ve\b", re.I), "chemotherapy"),
    # "TKI-naive": the tyrosine kinase inhibitors the vocabulary holds as a class are EGFR's
    (re.compile(r"\bTKIs?[\s-]?na[iï]ve\b", re.I), "egfr-tkis"),
)
# Between two treatments of a list said naive together ("biologic and JAK naive", "naive to
# biologics and JAK inhibitors").
_NAIVE_JOINED = re.compile(r"\s*(?:,|/|&|\band\b|\bor\b)\s*(?:(?:a|an|any)\s+)?", re.I)


@lru_cache(maxsize=1024)
def naive_to(text: str) -> tuple[tuple[str, ...], bool]:
    """The drugs and drug classes (slugs) a query says the person never had, and whether it
    says they never had any treatment ("treatment-naive", "previously untreated"): the trials
    requiring them to have failed are listed after the others (engine._tiers). Not when said
    not to be ("not biologic-naive"); a list said naive together is ("biologic and JAK
    naive")."""
    if not _NAIVE_CUE.search(text):
        return (), False
    mentions = treatments_in(text)
    naive = [False] * len(mentions)
    for at, mention in enumerate(mentions):
        if _NAIVE_AFTER.match(text, mention.end) and not _said_not(text, mention.start):
            naive[at] = "after"
        elif (found := _NAIVE_BEFORE.search(text[max(0, mention.start - 40) : mention.start])) and (
            not _said_not(text, mention.start - len(found[0]))
        ):
            naive[at] = "before"
    for at in range(1, len(mentions)):  # a list: "naive to biologics and JAK inhibitors"
        if naive[at - 1] == "before" and not naive[at] and _joined(text, mentions, at):
            naive[at] = "before"
    for at in range(len(mentions) - 2, -1, -1):  # "biologic and JAK naive"
        if naive[at + 1] == "after" and not naive[at] and _joined(text, mentions, at + 1):
            naive[at] = "after"
    slugs = [m.slug for m, said in zip(mentions, naive, strict=True) if said]
    if (bio := _BIO_NAIVE.search(text)) and not _said_not(text, bio.start()):
        slugs = ["biologics", *(slug for slug in slugs if slug != "immunosuppressants")]
    for pattern, slug in _NAIVE_SHORT:
        if (short := pattern.search(text)) and not _said_not(text, short.start()):
            slugs.append(slug)
    untreated = any(
        not _said_not(text, found.start()) for found in _UNTREATED.finditer(text)
    ) and not _TREATED_SINCE.search(text)
    return tuple(dict.fromkeys(slugs)), untreated


def _said_not(text: str, at: int) -> bool:
    return bool(_NOT_NAIVE.search(text[max(0, at - 40) : at]))


def _joined(text: str, mentions: tuple, at: int) -> bool:
    return bool(_NAIVE_JOINED.fullmatch(text, mentions[at - 1].end, mentions[at].start))


# A marker (a gene, a variant, a protein) the person's disease does not have: "EGFR wild-type
# NSCLC", "HER2-negative", "EGFR/ALK-negative", "without EGFR/ALK alterations", "no actionable
# EGFR mutation", "non-V30M". The trials about the disease with it ("EGFR-mutant NSCLC",
# "ALK-positive") are listed after the others (engine._marker_positive_last). A marker is as
# a gene is typed: capitals (with digits: HER2, ROS1, PD-L1, V30M), or any case with a digit
# or before "wild-type"; not a drug's, a class's or a disease's name ("non-TNF biologic",
# "non-steroidal", "biopsy LCV, ANCA negative"), but for a variant's ("non-V30M").
_MARKER = r"(?:[A-Z][A-Z0-9]{1,7}(?:-[A-Z0-9]{1,4})?)"
_MARKER_ANY_CASE = r"(?:[A-Za-z][A-Za-z0-9]{1,7}(?:-[A-Za-z0-9]{1,4})?)"
_LISTED = r"\s*(?:/|,|&|\bor\b|\band\b)\s*"  # between two markers of a list
_MARKERS = rf"{_MARKER}(?:{_LISTED}{_MARKER})*"
_GENE_WORDS = (
    r"mutat\w*|mutant|alterations?|altered|rearrange\w*|fusions?|amplif\w*|drivers?"
    r"|variants?|positiv\w*|expression|overexpress\w*|translocations?|insertions?|deletions?"
    r"|genes?|abnormalit\w*"
)
_MARKER_NOT_BEFORE = re.compile(
    r"(?i:\b(?:without|no|not|lacking|absence\s+of|negative\s+for|free\s+of)\s+"
    r"(?:(?:an?|any|known|actionable|sensiti[sz]ing|activating|targetable|driver|oncogenic"
    rf"|common|classic(?:al)?)\s+){{0,3}})(?<![\w-])(?P<markers>{_MARKERS})"
    # not a drug's target refused or never had ("no PD-1 before", "no SGLT2 inhibitors")
    r"(?![\s-]*(?i:inhibit|agonist|antagonist|blocker|drug|therap|treat|before|prior|antibod))"
    rf"(?=[\s-]*(?i:{_GENE_WORDS})\b|\s*$|[\s,.;)])"
    rf"|(?i:\bnon)-(?P<non>{_MARKER})\b",
)
_MARKER_NOT_AFTER = re.compile(
    rf"(?<![\w-])(?P<markers>{_MARKERS})[\s-]*(?i:negative|neg\b|wild[\s-]?types?\b|WT\b)"
    rf"|\b(?P<gene>{_MARKER_ANY_CASE})[\s-]+(?i:wild[\s-]?types?)\b"
    rf"|\b(?P<digit>[a-z]+[0-9][a-z0-9]*)[\s-]*(?:negative|neg)\b",
)
_MARKER_SPLIT = re.compile(_LISTED)


@lru_cache(maxsize=1024)
def negated_markers(text: str) -> tuple[str, ...]:
    """The markers (genes, variants, proteins) `text` says the disease does not have, as
    typed ("EGFR", "ALK", "V30M"): see _MARKER_NOT_BEFORE and _MARKER_NOT_AFTER."""
    if not re.search(
        r"(?i)\bnon-|without|\bno\b|\bnot\b|lacking|absence|negative|\bneg\b|free"
        r"|wild|\bWT\b",
        text,
    ) or not re.search(r"[a-z]", text):
        return ()  # nothing denied, or all in capitals: no telling a gene from a word
    found: list[str] = []
    for pattern in (_MARKER_NOT_BEFORE, _MARKER_NOT_AFTER):
        for match in pattern.finditer(text):
            for name, said in match.groupdict().items():
                if said is None:
                    continue
                if name == "markers" and pattern is _MARKER_NOT_BEFORE:
                    gene_like = re.search(r"\d", said) or re.match(
                        rf"[\s-]*(?i:{_GENE_WORDS})\b", text[match.end() :]
                    )
                    if not gene_like:
                        continue
                found += _MARKER_SPLIT.split(said)
    known = {mention.text.lower() for mention in treatments_in(text)}
    # a disease's name is no marker ("biopsy LCV, ANCA negative"), but a variant that names one
    # ("non-V30M")
    known |= {
        mention.text.lower()
        for mention in Vocabulary.default().find(text, ("condition",))
        if not re.search(r"\d", mention.text)
    }
    return tuple(
        dict.fromkeys(
            marker
            for marker in found
            if marker
            and marker.lower() not in known
            and marker.lower() not in _NOT_MARKERS
            and marker.lower() not in STOP_WORDS
        )
    )


# Words a marker's pattern takes that are none: "negative" said of a test or a person.
_NOT_MARKERS = frozenset(
    {"test", "tests", "result", "results", "covid", "covid-19", "pcr", "rt-pcr", "triple"}
    # tests and their findings, blood groups, stains: "MRI negative", "MRD negative", "RH"
    | {"mri", "pet", "ct", "eeg", "ecg", "ekg", "fit", "psa", "crp", "mrd", "dna", "rna"}
    | {"ab", "rh", "gram", "blood", "biopsy", "scan", "x-ray", "xray", "smear", "culture"}
)


def marker_patterns(marker: str) -> tuple[str, str]:
    """PostgreSQL regular expressions (any case) for a trial that says it is about `marker`
    (title, conditions): a mention, not as an antibody's target ("anti-PD-L1"), nor a level
    that counts as negative ("HER2-low", "PD-L1 <1%"), nor a test of it ("EGFR mutation
    status"); and for one that says it is about the disease without it ("EGFR wild-type",
    "non-V30M", "no driver alterations (EGFR, ALK …)"), which is not listed last. One pair a
    marker: a trial denying one marker may still be about another."""
    name = _pg_escaped(marker)
    dash = "[-\u2010\u2011\u2013\u2212]"
    said = (
        rf"(?<!anti{dash})(?<!anti )\m{name}\M"
        rf"(?![\s]*{dash}?\s*(blocka|antibod|negative|neg\M|wild|wt\M|low|ultra|0\M|<"
        rf"|(mutation\s+)?status|testing))(?!\s*{dash}(\s|[,;)/]|$))"
    )
    denied = (
        r"\m(non|without|no|negative\s+for|free\s+of)[\s-]+"
        r"((driver|actionable|sensiti\w*|activating|oncogenic|targetable|known|genomic|gene"
        rf"|alterations?|mutations?|and|or)[\s,]+|\(\s*|[\w-]{{2,8}}\s*(,|/|\mor\M|\mand\M)\s*)"
        rf"{{0,6}}\m{name}\M"
        rf"|\m{name}\M[\w\s/-]{{0,24}}?(negative|\mneg\M|wild[\s-]?type|\mwt\M)"
    )
    return said, denied


# A line of treatment (cancer's: "1L", "second-line"). A first line is asked ("1L trials",
# "first-line immunotherapy") unless it is one the person had ("PD on 1L gefitinib",
# "progressing after first-line chemo", "first-line steroids didn't help": a later line is
# asked then). Progressing on a treatment alone asks no line ("exon 20 insertion NSCLC
# progressed after platinum chemotherapy": the exon 20 trials, not every trial for those
# chemotherapy failed). Not a line of anything else ("frontline workers", "the first line of
# my message", "1L of saline", "a 2L bottle").
_NOT_A_LINE = r"(?![\s-]+(?:of|workers?|staff|defen[cs]e|bottles?|bags?|water))"
_FIRST_LINE = re.compile(
    rf"\b(?:(?:first|1st)[\s-]*line|front-?line|(?-i:1L)|no\s+prior\s+lines?){_NOT_A_LINE}\b",
    re.I,
)
_LATER_LINE = re.compile(
    r"\b(?:(?:second|2nd|third|3rd|fourth|4th|later|subsequent)[\s-]*lines?"
    rf"|(?-i:[234]L){_NOT_A_LINE}\+?|previously[\s-]+treated|pre-?treated(?!\s+with)"
    r"|(?:\d|one|two|three|four)\+?\s+(?:or\s+more\s+)?prior\s+lines?"
    r"|post[\s-]+(?:ICI|IO|TKI|chemo(?:therapy)?|platinum|immunotherapy)"
    r"(?!\s+(?:fatigue|nausea|hair|neuropathy|pain|symptoms|care|recovery)))"
    r"(?!\w)",
    re.I,
)
_LINE_HAD = re.compile(
    r"\b(?:on|after|following|post|failed|failing|despite|beyond|refractory\s+to"
    r"|(?:failure|progression)\s+(?:of|on|after))\s+(?:(?:a|an|the|prior|previous|standard)\s+)?$",
    re.I,
)
# … or failed, after it ("first-line topical steroids failed", "1L chemo didn't work").
_LINE_FAILED = re.compile(
    r"[\w\s,/+-]{0,40}?\b(?:failed|did\s*n'?t\s+(?:work|help)|did\s+not\s+(?:work|help)"
    r"|not\s+working|stopped\s+working|was\s+ineffective|no\s+longer\s+works?)\b",
    re.I,
)
# Not asked: "not first line", "no 1L trials", "I don't want second line".
_LINE_REFUSED = re.compile(r"\b(?:not|no|don'?t\s+want|do\s+not\s+want)\s+(?:a\s+)?$", re.I)


@lru_cache(maxsize=1024)
def line_asked(text: str) -> str | None:
    """The line of treatment a query asks trials for: "first" (the person has had none, as
    treatment-naive), "later" (they have: second-line, previously treated, a first line had)
    or None (neither, both, or refused)."""
    if not _LINE_CUE.search(text):
        return None
    later = first = False
    for found in _LATER_LINE.finditer(text):
        before = text[max(0, found.start() - 20) : found.start()]
        if not _LINE_REFUSED.search(before):
            later = True
        elif found[0].lower().startswith(("previously", "pre")):
            first = True  # "not previously treated"
    later = later or bool(treated_before(text))
    for found in _FIRST_LINE.finditer(text):
        before = text[max(0, found.start() - 30) : found.start()]
        if _LINE_HAD.search(before) or _LINE_FAILED.match(text, found.end()):
            later = True
        elif not _LINE_REFUSED.search(before):
            first = True
    return None if first == later else "first" if first else "later"


_LINE_CUE = re.compile(r"line|\b[1234]L\b|treated|post", re.I)
_POST = re.compile(r"\bpost[\s-]+$", re.I)


@lru_cache(maxsize=1024)
def treated_before(text: str) -> frozenset[str]:
    """The treatments (slugs) named right after "post" ("post-osimertinib NSCLC", "post
    pembrolizumab") or right before "pretreated", "experienced", "exposed" ("IO-pretreated
    NSCLC", "TKI-experienced", "bio-exposed"): had before, a later line asked (line_asked,
    engine._tiers)."""
    if not _HAD_CUE.search(text):
        return frozenset()
    return pretreated_with(text) | frozenset(
        m.slug for m in treatments_in(text) if _POST.search(text[max(0, m.start - 6) : m.start])
    )


@lru_cache(maxsize=1024)
def pretreated_with(text: str) -> frozenset[str]:
    """The treatments (slugs) named right before "pretreated", "experienced", "exposed"
    ("IO-pretreated NSCLC"): who the people are, not what they want tested (engine.
    _treatments_named). Not "post-X", which also says when something is measured ("pre- vs
    post-infliximab")."""
    if not _HAD_CUE.search(text):
        return frozenset()
    had = {m.slug for m in treatments_in(text) if _HAD_AFTER.match(text, m.end)}
    if _CHECKPOINT_HAD.search(text):
        had.add(CHECKPOINT_INHIBITORS)
    return frozenset(had)


_HAD_CUE = re.compile(r"post|treated|experienced|exposed", re.I)
# A history glued after a treatment's name ("-pretreated", " pretreated", "-experienced").
_HISTORY = r"(?:[\s-]*pre-?treated|\s*-\s*(?:experienced|exposed))\b"
_HAD_AFTER = re.compile(_HISTORY, re.I)
# … after the checkpoint inhibitors' short names ("IO-pretreated", "ICI-experienced").
_CHECKPOINT_HAD = re.compile(rf"(?<![\w-])(?:{_CHECKPOINT_SHORT})(?={_HISTORY})", re.I)


@lru_cache(maxsize=1024)
def taken_by_those_asked(text: str) -> frozenset[str]:
    """The drugs and drug classes (slugs) the people a query asks for are on ("irAE studies for
    pts on immune checkpoint inhibitors", "kids taking methotrexate"): who they are, not what
    they want tested (engine._treatments_named)."""
    if not _ON_CUE.search(text):
        return frozenset()
    return frozenset(
        mention.slug
        for mention in treatments_in(text)
        if _THOSE_ON.search(text[max(0, mention.start - 60) : mention.start])
    )


# People on a treatment, just before its name: "patients on", "pts receiving", "kids taking".
_THOSE_ON = re.compile(
    r"\b(?:pts|patients|people|persons|those|subjects|participants)\s+"
    r"(?:who\s+are\s+|currently\s+|already\s+|still\s+){0,2}"
    r"(?:on|taking|receiving|treated\s+with)\s+(?:(?:a|an|the|long-term|chronic)\s+)?$",
    re.IGNORECASE,
)
_ON_CUE = re.compile(r"\b(?:on|taking|receiving|treated\s+with)\s", re.IGNORECASE)


# What is refused after a treatment's name is stopping it, not the treatment: "no methotrexate
# washout" (keep taking it), "without a steroid taper".
_STOPPING = re.compile(
    r"[\s-]*(?:wash[\s-]?out|taper|tapering|withdrawal|discontinuation|stopping|interruption)\b",
    re.IGNORECASE,
)


_REFUSAL_CUES = ("no ", "without", "never", "avoid", "sin ", "sem ", "sans ", "ohne", "free of",
                 "want", "rather", "instead", "other than", "alternative", "besides", "apart",
                 "aside", "except", "anything but", "refus", "won", "non", "another",
                 "sick of", "tired of", "fed up")  # fmt: skip
# Glued before a treatment: "non-biologic therapy", "non-JAK", "non-steroid options".
_NON = re.compile(r"\bnon[- ]?$", re.IGNORECASE)


def _negation_before(toks: list, at: int) -> int | None:
    """Where a negation (_NEGATIONS) right before the token at `at` begins, a word or two of
    hedging between allowed ("it isn't normal acne", "not just eczema"); None if none is."""
    hedged = at
    while hedged > 0 and at - hedged < 2 and toks[hedged - 1][0] in _HEDGES:
        hedged -= 1
    for end in range(at, hedged - 1, -1):
        for negation in _NEGATIONS:
            start = end - len(negation)
            if start >= 0 and tuple(folded for folded, *_ in toks[start:end]) == negation:
                return start
    bridged = at
    while bridged > 0 and at - bridged < _MAX_BRIDGES and toks[bridged - 1][0] in _SPARED_BRIDGES:
        bridged -= 1
    if bridged < at and bridged > 0 and toks[bridged - 1][0] in _WITHOUT:
        return bridged - 1
    return None


# Words for medicines (_TREATMENT_WORD, _NO_MEDICINE, _SIDE_EFFECT).
_MEDICINES = r"pills?|tablets?|drugs?|medicines?|medications?|meds"
# What a treatment did that made the person stop it: a reason, not what they search for ("the
# bladder pills gave me a horribly dry mouth so I stopped them": not Sjögren's dry mouth; "the
# VA put him on prazosin but it made him so dizzy he stopped"). Only with the stopping said: a
# side effect asked about stays ("tarceva gave me an acne-like rash, any trials?").
_EFFECT_STOPPED = re.compile(
    r"\b(?:gave|gives|give|made|makes|make|left|caused|causes)\s+(?:me|him|her|them|us)\s+"
    r"(?:[\w'’-]+,?\s+){0,6}?(?:(?:so|and|that|until)\s+)?(?:i|he|she|they|we)\s+"
    r"(?:(?:just|finally|eventually)\s+)?(?:stopped|quit|came\s+off|gave\s+(?:it|them)\s+up"
    r"|had\s+to\s+(?:stop|quit|come\s+off))\b",
    re.IGNORECASE,
)


# … said of a treatment: named, or a word for one, before it in the sentence ("the cold gives
# me white fingers so I stopped going outside" is Raynaud's said).
_TREATMENT_WORD = re.compile(
    rf"\b(?:{_MEDICINES}|creams?|ointments?|shots?"
    r"|injections?|infusions?|chemo(?:therapy)?|treatments?|therap(?:y|ies)|radiation"
    r"|biologics?|steroids?|it|they|those|these)\b",
    re.IGNORECASE,
)
EFFECT_CAUSE_REACH = 80  # characters before the verb where the treatment is named


def _effects_stopped(text: str) -> list[tuple[int, int]]:
    """The spans of _EFFECT_STOPPED whose cause, before them in their sentence, is a
    treatment: a word for one, or one named ("prazosin … it made him so dizzy")."""
    spans = []
    for match in _EFFECT_STOPPED.finditer(text):
        before = text[max(0, match.start() - EFFECT_CAUSE_REACH) : match.start()]
        before = re.split(r"[.!?;]", before)[-1]
        if _TREATMENT_WORD.search(before) or treatments_in(before):
            spans.append(match.span())
    return spans


@lru_cache(maxsize=1024)  # _groups reads a query several times a search
def _without_negated(text: str) -> str:
    """`text` without the diseases it says the person does not have: a condition's name (or
    synonym), or a word of one that names diseases alone, right after a negation
    (_NEGATIONS: "it's fibromyalgia not arthritis" is fibromyalgia); nor what made them stop
    a treatment (_EFFECT_STOPPED). Not when nothing else would be left ("not lupus", "isn't
    lupus": searched as lupus, not as nothing). A placebo refused is the open-label trials
    (_PLACEBO_REFUSED)."""
    if _PLACEBO_SAID.search(text):
        text = _PLACEBO_REFUSED.sub(" open-label ", text)
    cut = sorted([*_negated_spans(text), *_effects_stopped(text)])
    if not cut:
        return text
    merged = [cut[0]]
    for start, end in cut[1:]:  # a denial inside an effect ("made me so sick i stopped")
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    kept = text
    for start, end in reversed(merged):
        kept = kept[:start] + " " + kept[end:]
    left = [folded for folded, _ in _typed(kept) if folded not in STOP_WORDS]
    return kept if any(folded not in _NEGATION_WORDS for folded in left) else text


def negated_conditions(text: str) -> tuple[str, ...]:
    """The conditions (slugs) a query says the person does not have ("discoid lupus only in
    the skin, no systemic lupus", "sin lupus sistémico"), but those it also names otherwise:
    their trials are listed last (engine._tiers)."""
    spans = _negated_spans(text)
    if not spans:
        return ()
    named = Vocabulary.default().find(text, ("condition",))
    denied = {m.slug for m in named if any(a <= m.start < b for a, b in spans)}
    said = {m.slug for m in named if not any(a <= m.start < b for a, b in spans)}
    return tuple(sorted(denied - said))


def _negated_spans(text: str) -> list[tuple[int, int]]:
    """The characters of the diseases (and phrases) `text` says right after a negation, each
    from the negation (_without_negated)."""
    toks = tokens(text)
    if not any(folded in _NEGATION_WORDS or folded == "no" for folded, *_ in toks):
        return []
    names = {m.start: m.end for m in Vocabulary.default().find(text, ("condition",))}
    phrases = _vocabulary()[0]
    folded = tuple(token[0] for token in toks)
    cut = []
    for at, token in enumerate(toks):
        negation = _negation_before(toks, at)
        if negation is None:
            end = names.get(token[2])
            if at and toks[at - 1][0] == "no" and end and _NO_MORE.match(text, end):
                cut.append((toks[at - 1][2], end))  # "biopsy confirmed, no SLE."
            continue
        named = token[0] in _condition_words() or (token[0],) in _disease_phrases()
        end = names.get(token[2]) or (token[3] if named else 0)
        if not end and (said := _phrase_at(folded, at, phrases)):
            end = toks[at + said - 1][3]  # a phrase people say ("not healthy volunteers")
        if end:
            cut.append((toks[negation][2], end))
    return cut


# After "no" and a condition's name, what makes "no" deny the disease ("chilblain lupus, no
# SLE.", "no lupus nephritis or kidney involvement"), not qualify what follows ("no psoriasis
# treatment has worked").
_NO_MORE = re.compile(r"\s*(?:$|[.,;:!?)/]|(?:or|and|but|nor|so far|yet)\b)", re.IGNORECASE)


def _phrase_at(folded: tuple[str, ...], at: int, phrases: Container) -> int:
    """How many words the longest phrase of `phrases` that starts at word `at` has (0: none)."""
    start, length = next(_phrases_in(folded[at : at + _LONGEST + _SKIPPED], phrases), (0, 0))
    return length if start == 0 else 0


# British and American spellings of a word ("haemophilia", "hemophilia"): the registries write
# either (ISRCTN, the EU's and Australia's registers mostly the British), people type either, and
# PostgreSQL's english stemmer keeps them apart. A word's start, each way.
_SPELLINGS = (
    ("haem", "hem"),  # haemophilia, haematology, haemorrhage, haemoglobin, haemangioma
    ("anaem", "anem"),
    ("leukaem", "leukem"),
    ("paediatr", "pediatr"),
    ("orthopaed", "orthoped"),
    ("gynaecolog", "gynecolog"),
    ("oesophag", "esophag"),
    ("oedema", "edema"),
    ("oestr", "estr"),  # oestrogen, oestradiol
    ("coeliac", "celiac"),
    ("diarrhoea", "diarrhea"),
    ("apnoea", "apnea"),
    ("dyspnoea", "dyspnea"),
    ("caesarean", "cesarean"),
    ("foet", "fet"),  # foetal, foetus
    ("tumour", "tumor"),
    ("behaviour", "behavior"),
    ("randomis", "randomiz"),
)
# … and words spelt otherwise only whole ("centred" is no "centreed").
_WHOLE_SPELLINGS = {
    "centre": "center",
    "centres": "centers",
    "fibre": "fiber",
    "fibres": "fibers",
    "colour": "color",
    "colours": "colors",
}
_WHOLE_SPELLINGS |= {american: british for british, american in _WHOLE_SPELLINGS.items()}
_BRITISH = re.compile(r"(?i)(" + "|".join(b for b, _ in _SPELLINGS) + r")(\w*)")
# (American "hem" before a or o only: not "hemp", "hemisphere"; "fet" of fetal, fetus only;
# "estr" of the hormones only: not "estrange")
_AMERICAN = re.compile(
    r"(?i)("
    + "|".join(a for _, a in _SPELLINGS if a not in ("hem", "fet", "estr"))
    + r"|hem(?=[ao])|fet(?=al\b|us\b|uses\b)|estr(?=og|ad|io|us\b))(\w*)"
)
_TO_AMERICAN = dict(_SPELLINGS)
_TO_BRITISH = {american: british for british, american in _SPELLINGS}


def other_spelling(word: str) -> str | None:
    """The word spelt the other way, British or American (_SPELLINGS, _WHOLE_SPELLINGS; lower
    case), or None."""
    if whole := _WHOLE_SPELLINGS.get(word.lower()):
        return whole
    if match := _BRITISH.fullmatch(word):
        return _TO_AMERICAN[match[1].lower()] + match[2].lower()
    if match := _AMERICAN.fullmatch(word):
        return _TO_BRITISH[match[1].lower()] + match[2].lower()
    return None


def _groups(text: str) -> list[Group]:
    """The query's groups, in order: vocabulary phrases (the words as typed, then what they
    mean), then single words; filler dropped unless nothing else is left; no disease the
    person says they do not have (_without_negated)."""
    phrases, droppable = _vocabulary()
    typed = _typed(_without_negated(text))
    folded = tuple(word for word, _ in typed)
    groups: list[Group] = []
    filler: set[int] = set()  # positions in groups of droppable single words
    for start, length in _phrases_in(folded, phrases):
        if length:
            as_typed = tuple(written for _, written in typed[start : start + length])
            key = _key(folded[start : start + length])
            if key in _filler_phrases():
                filler.add(len(groups))
            alternatives = phrases[key]
            groups.append((as_typed, *(alt for alt in alternatives if alt != as_typed)))
        else:
            if folded[start] in droppable:
                filler.add(len(groups))
            written = typed[start][1]
            other = other_spelling(written)
            groups.append(((written,), (other,)) if other else ((written,),))
    if len(filler) < len(groups):
        groups = [group for position, group in enumerate(groups) if position not in filler]
    # In a person's sentence "or" is a word, but between two diseases it is a choice ("I have
    # lupus or psoriasis"): one group of both.
    at = len(groups) - 2
    while at > 0:
        if groups[at] == (("or",),):
            at = _names_whole(groups, at)
        before, word, after = groups[at - 1 : at + 2]
        if word == (("or",),) and _is_disease(before) and _is_disease(after):
            # one group where three were ("lupus or psoriasis or eczema": the next "or" is
            # then just before it)
            groups[at - 1 : at + 2] = [tuple(dict.fromkeys((*before, *after)))]
            at -= 2
        else:
            at -= 1
    # Two kinds of disease side by side are fields a person searches either of ("rheumatology
    # dermatology", "skin diseases and rheumatic diseases": filler "and" is gone), as "or"
    # joins diseases: one group of both. Not a kind and a word of another ("autoimmune skin
    # disease": "autoimmune" alone names no kind).
    at = len(groups) - 1
    while at > 0:
        before, after = groups[at - 1 : at + 1]
        if _is_kind(before) and _is_kind(after):
            groups[at - 1 : at + 1] = [tuple(dict.fromkeys((*before, *after)))]
        at -= 1
    # A group said twice asks nothing more (and a category's, said thrice, made ranking ask
    # PostgreSQL for a gigabyte).
    return list(dict.fromkeys(groups))


# The words PostgreSQL's english configuration drops from a query (its stop list,
# tsearch_data/english.stop; tests/test_search_words.py checks this list against the server).
_STOP_LIST = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom this
that these those am is are was were be been being have has had having do does did doing a an
the and but if or because as until while of at by for with about against between into
through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some
such no nor not only own same so than too very s t can will just don should now"""
STOP_WORDS = frozenset(_STOP_LIST.split())


def needed(groups: list[Group]) -> list[Group]:
    """Each group's alternatives but those another one of the group implies and whose words
    the query keeps elsewhere: "atopic eczema" goes where "eczema" is one and "atopic" is in
    another alternative ("atopic dermatitis"). Any trial with the words of the one has the
    other's, so the query matches the same trials; and its words, and so the positions cover
    density ranks by, stay the same, so it ranks them the same (tests/test_search_words.py
    checks both), with fewer operands to test. (Leaving out a word's last alternative would
    change ranks: its positions inside a cover count.) An alternative of stop words alone
    implies nothing: PostgreSQL leaves it out of the query."""
    kept = []
    for group in groups:  # the same words twice: once (the first)
        seen: dict[frozenset[str], tuple[str, ...]] = {}
        for alternative in group:
            seen.setdefault(frozenset(alternative), alternative)
        kept.append(seen)
    # How many kept alternatives hold each word: one may go while its words are held twice.
    held = Counter(word for group in kept for words in group for word in words)
    for group in kept:
        for words in reversed(list(group)):  # the last first: the words as typed stay
            # A strictly smaller implier: the smallest of a chain is never left out, so every
            # alternative left out stays implied by one kept.
            implied = any(other < words and not other <= STOP_WORDS for other in group)
            if implied and all(held[word] > 1 for word in words - STOP_WORDS):
                del group[words]
                held.subtract(words)
    return [tuple(group.values()) for group in kept]


# How far apart two words of a name may be in a summary ("juvenile arthritis": "juvenile
# idiopathic arthritis"): at most this many positions.
NEAR = 3


def _near(first: str, second: str, weights: str) -> str:
    """`second` after `first`, at most NEAR positions on, as to_tsquery text."""
    return (
        "("
        + " | ".join(f"{first}:{weights} <{n}> {second}:{weights}" for n in range(1, NEAR + 1))
        + ")"
    )


def _group_text(group: Group, weights: str = "") -> str:
    """A group as to_tsquery text, each word limited to the vector's parts `weights` ("ABC").
    An alternative of several words with a number among them is a phrase, its words next to
    each other ("tyrosine kinase 2 inhibitor": not an EGFR tyrosine kinase inhibitor trial
    that says "2" anywhere). Where a trial says what it is about (ABOUT_WEIGHTS), one of
    several words is near each other in its summary (_near), anywhere in its title and terms:
    "reactive arthritis", not a summary's "C reactive protein" and "arthritis" apart (the
    terms have MeSH's "Arthritis, Reactive"); not with a stop word among them."""
    suffix = f":{weights}" if weights else ""

    def alternative(words: tuple[str, ...]) -> str:
        if len(words) > 1 and any(map(str.isdigit, words)):
            return "(" + " <-> ".join(word + suffix for word in words) + ")"
        if weights == ABOUT_WEIGHTS and len(words) > 1 and not STOP_WORDS.intersection(words):
            named = " & ".join(f"{word}:{NAMED_IN}" for word in words)
            summary = " & ".join(_near(*pair, SUMMARY_WEIGHT) for pair in pairwise(words))
            return f"(({named}) | ({summary}))"
        return "(" + " & ".join(word + suffix for word in words) + ")"

    return "(" + " | ".join(map(alternative, group)) + ")"


def read(text: str, relaxed: bool = False, anywhere: bool = False) -> TextQuery:
    """The full-text query for `text`: all groups required, or with `relaxed` any of them
    (naming diseases: about them, unless `anywhere`)."""
    if relaxed:
        found = _relaxed_groups(text)
        if found is None or not found[1]:
            return _websearch(text if found is None else found[0])
        text, groups = found
        # A query naming diseases asks for trials about them (names_diseases): relaxed, about
        # some of them, each word in the parts of a trial that say what it is about
        # (ABOUT_WEIGHTS), not in who cannot join or a history to rule out ("no history of
        # pyoderma gangrenosum").
        weights = ABOUT_WEIGHTS if not anywhere and names_diseases(text) else ""
        return TextQuery(RAW, " | ".join(_group_text(group, weights) for group in groups))
    groups = _or_groups(text) if has_syntax(text) else _groups(text)
    typed = [(written,) for _, written in _typed(text)]
    plain = [group[0] for group in groups] == typed and all(len(group) == 1 for group in groups)
    if not groups or plain:
        # Nothing dropped or added: the words as typed, as the search always read them.
        return _websearch(text)
    return TextQuery(RAW, " & ".join(_group_text(group) for group in needed(groups)))


def _names_whole(groups: list[Group], at: int) -> int:
    """`groups` with the words of a condition's name either side of "or" (at `at`) made one
    group ("SLE or lupus nephritis": not SLE or lupus, and nephritis); where "or" is then."""
    after = _named_run(groups[at + 1 : at + 1 + _LONGEST])
    if after > 1:
        groups[at + 1 : at + 1 + after] = [_joined_words(groups[at + 1 : at + 1 + after])]
    before = _named_run(groups[max(at - _LONGEST, 0) : at][::-1], backwards=True)
    if before > 1:
        groups[at - before : at] = [_joined_words(groups[at - before : at])]
        at -= before - 1
    return at


def _named_run(groups: list[Group], backwards: bool = False) -> int:
    """How many of `groups` (each a word as typed, from the first) make the longest condition
    name (_condition_names), read from the end when `backwards`; 0 for none."""
    for count in range(len(groups), 1, -1):
        part = groups[:count]
        if not all(len(group[0]) == 1 for group in part):
            continue
        said = tuple(group[0][0] for group in (part[::-1] if backwards else part))
        if said[0] in STOP_WORDS or said[-1] in STOP_WORDS:
            continue  # "or psoriasis" is no name of two words
        if len(key := _key(_words(" ".join(said)))) > 1 and key in _condition_names():
            return count
    return 0


def _joined_words(groups: list[Group]) -> Group:
    """Groups of one word as typed as one group of those words together."""
    return (tuple(group[0][0] for group in groups),)


def _or_groups(text: str) -> list[Group]:
    """The groups of a query whose only syntax is "or", each "or" making one group of the words
    either side ("lebrikizumab or dupilumab atopic dermatitis": either drug, and atopic
    dermatitis; websearch_to_tsquery read it as lebrikizumab, or dupilumab and atopic
    dermatitis); [] for any other syntax (the words as typed, websearch_to_tsquery's)."""
    if _EXACT_SYNTAX.search(text):
        return []
    groups: list[Group] = []
    for part in _OR.split(text):
        found = _groups(part)
        if groups and found:
            # A condition's name either side is one choice ("SLE or lupus nephritis").
            if (after := _named_run(found[:_LONGEST])) > 1:
                found[:after] = [_joined_words(found[:after])]
            tail = groups[-_LONGEST:][::-1]
            if (before := _named_run(tail, backwards=True)) > 1:
                groups[-before:] = [_joined_words(groups[-before:])]
            groups[-1] = tuple(dict.fromkeys((*groups[-1], *found[0])))
            found = found[1:]
        groups += found
    return list(dict.fromkeys(groups))


@lru_cache(maxsize=1024)  # a relaxed search reads them several times (read, its parts, …)
def _relaxed_groups(text: str) -> tuple[str, list[Group]] | None:
    """The words a relaxed query reads ("or" left out) and their groups (needed), with those
    of the diseases its signs mean (they rank, and match, too); None for web-search syntax
    that is never relaxed (a quoted phrase, an excluded word). Read only: kept."""
    if has_syntax(text):
        unsyntaxed = _without_or(text)
        if unsyntaxed is None:
            return None
        text = unsyntaxed
    groups = _groups(text)
    if groups:
        groups += [group for group in described(text) if group not in groups]
    return text, needed(groups)


def relaxed_parts(text: str, weights: str = "") -> list[TextQuery]:
    """The groups of read(text, relaxed=True), each its own query limited to the vector's parts
    `weights` (the parts whose rarity weighs a relaxed list's order: engine.COVERAGE); []
    where read keeps the words as typed (web-search syntax)."""
    found = _relaxed_groups(text)
    groups = found[1] if found else []
    return [TextQuery(RAW, _group_text(group, weights)) for group in groups]


def about_parts(text: str) -> list[tuple[TextQuery, int]]:
    """A relaxed query's first tries when the query names diseases among other words ("painful
    boils in my armpits", "itchy skin on my elbows") or describes their signs ("thick silvery
    patches on my knees": psoriasis, lay_terms.json `signs`), each wider than the one before,
    with how many trials it must match to be the one listed (about_choice): the trials about
    every disease it names (each of those groups where a trial says what it is about:
    ABOUT_WEIGHTS), FILL_BELOW of them when it names several; when it also has single words
    of conditions' names, about every one it names by a phrase or by its signs (FILL_BELOW),
    then about any of those (any: "lupus rash on my face leaving scars" is lupus, not lupus
    and scars, nor scars alone); about any disease it names. Its other words then only rank
    them: no trial about any, none is listed (fulltext.text_rows), not those with its other
    words. [] when it names no disease, or only diseases (read: relaxed, about any of them)."""
    if (found := _diseases(text)) is None:
        return []
    named, described = found
    diseases = [*named, *described]
    parts = [(_about(diseases), FILL_BELOW if len(diseases) > 1 else 1)]
    # Strong: a phrase of the vocabulary (people's words, "boils"; several words), signs, or
    # a condition's whole name given as the diagnosis ("derm says its keratoderma"); weak: a
    # single word of a condition's name ("scars").
    if (told := _told(named, text)) and len(told) < len(diseases):
        # The diagnosis the person gives, before the diseases their signs may be ("itchy
        # welts … the allergist says cold urticaria": urticaria, not every itchy disease).
        parts.append((_about(told), FILL_BELOW if len(told) > 1 else 1))
    strong = [*(g for g in named if _strong(g) or g in told), *described]
    if strong and len(strong) < len(diseases):
        parts.append((_about(strong), FILL_BELOW if len(strong) > 1 else 1))
        if len(strong) > 1:
            parts.append((_about(strong, " | "), 1))
    as_named = [group for group in named if _named_as_condition(group)]
    if described and named and not as_named:
        # The signs described say more than a symptom that many diseases have ("thick scaly
        # patches on my elbows, itchy": psoriasis, not every itchy disease), not more than a
        # disease named by its name ("EICH … la piel … dura": the GVHD named, not the
        # scleroderma its hard skin describes) …
        parts.append((_about(described, " | "), FILL_BELOW))
    if described and as_named:
        # … which comes before the diseases the signs describe.
        parts.append((_about(as_named, " | "), 1))
    if len(diseases) > 1:
        parts.append((_about(diseases, " | "), 1))
    return parts


@lru_cache(maxsize=1024)  # about_parts and about_listed, for text_rows and about_first
def _diseases(text: str) -> tuple[tuple[Group, ...], tuple[Group, ...]] | None:
    """The groups of a relaxed query that name diseases, and those its signs describe (not
    named); None when it names or describes none, or names only diseases (about_parts)."""
    if has_syntax(text):
        return None
    groups = needed(_groups(text))
    if signs_meant := described(text):
        # a disease named beside signs by its name's words ("port wine stain … purple …
        # eyelid"): named, before what the signs describe (about_parts)
        groups = _condition_runs(groups)
    likened = _likened(text)
    named = [group for group in groups if _is_disease(group) and not set(group[0]) & likened]
    meant = [group for group in signs_meant if group not in named]
    if not (named or meant) or (len(named) == len(groups) and not meant):
        return None
    return tuple(named), tuple(meant)


def _condition_runs(groups: list[Group]) -> list[Group]:
    """`groups` with each run of words that is a condition's name as typed made one group
    ("dark purple port wine stain on my cheek": port wine stain, a disease named by its name,
    not "stain" and the signs' diseases)."""
    at = 0
    while at < len(groups):
        # Words that mean nothing more each (no alternatives): "lupus" of "lupus pernio" says
        # its own diseases.
        alone = list(takewhile(lambda group: len(group) == 1, groups[at : at + _LONGEST]))
        if (run := _named_run(alone)) > 1:
            groups[at : at + run] = [_joined_words(groups[at : at + run])]
        at += 1
    return groups


def _about(tier: Sequence[Group], joiner: str = " & ") -> TextQuery:
    """The trials about every disease of `tier` (or with `joiner` " | ", any), a condition's
    abbreviation that stems to another word left out where the group has other names
    (_stemmed_abbreviations: "CAPS" is the lexeme 'cap', which a trial called CAP-TTR says in
    its title)."""
    lossy = _stemmed_abbreviations()
    return TextQuery(
        RAW,
        joiner.join(
            _group_text(
                tuple(a for a in group if not (len(a) == 1 and a[0] in lossy)) or group,
                ABOUT_WEIGHTS,
            )
            for group in tier
        ),
    )


@cache
def _stemmed_abbreviations() -> frozenset[str]:
    """The conditions' one-word abbreviations (folded) that PostgreSQL's english stemmer makes
    another word of, their last "s" taken for a plural's ("CAPS": 'cap', "APS": 'ap', "TRAPS":
    'trap'); not "HS", "pSS", nor a plural's "s" ("IIMs")."""
    conditions = Vocabulary.default().conditions.values()
    names = (name for c in conditions for name in (c["label"], *c.get("synonyms", [])))
    return frozenset(
        name.lower()
        for name in names
        if is_abbreviation(name)
        and len(name) > 2
        and name.isalpha()
        and name.endswith("S")
        and not name.endswith("SS")  # "pSS": PostgreSQL keeps it
    )


# What a person says before the name of their diagnosis: "my derm says its keratoderma",
# "dermatologist called it morphea", "I was diagnosed with lupus".
_DIAGNOSIS = re.compile(
    r"\b(?:says?|said|called it|calls it|diagnosed(?: me)? with|diagnosis (?:is|of|was)|told me"
    r"(?: i have| it is| its| it's)?|thinks? (?:it is|its|it's|i have))\s+"
    r"(?:(?:it is|its|it's|i have|a|an|with)\s+)?((?:[\w'-]+\s*){1,3})",
    re.IGNORECASE,
)


def _diagnosed(text: str) -> set[str]:
    """The words (folded) just after a person says what their diagnosis is (_DIAGNOSIS)."""
    if not _DIAGNOSIS.search(text):
        return set()
    return {folded for match in _DIAGNOSIS.finditer(text) for folded, _ in _typed(match[1])}


def _told(named: Sequence[Group], text: str) -> list[Group]:
    """Of the groups naming diseases (`named`), those a person gives as their diagnosis
    (_DIAGNOSIS: "the allergist says cold urticaria"), named whole (_named_whole)."""
    diagnosed = _diagnosed(text)
    return [g for g in named if set(g[0]) & diagnosed and _named_whole(g)] if diagnosed else []


def _strong(group: Group) -> bool:
    """Whether a group names a disease by a phrase of the vocabulary or signs: several words,
    or alternatives that name a disease ("boils": hidradenitis suppurativa; "hives":
    urticaria); weak: a single word of a condition's name ("scars"), in any language
    ("cicatrices": its alternatives are that word's translations, "scar", "Narbe")."""
    names = _condition_names()
    return any(len(words) > 1 for words in group) or any(
        _key(words) in names for words in group[1:]
    )


def _named_as_condition(group: Group) -> bool:
    """Whether a group is, as typed, a condition's name or synonym ("lupus", "EICH"), not
    people's words for one ("itchy")."""
    said = _key(group[0])
    return said in _condition_names() or (len(said) == 1 and said[0] in _long_abbreviations())


def _named_whole(group: Group) -> bool:
    """Whether a group names a disease strongly (_strong) or by a condition's whole name
    ("lupus"), not by one word of one ("scars", of "acne scars")."""
    return _strong(group) or _key(group[0]) in _condition_names()


def about_choice(text: str, found: Callable[[TextQuery], int]) -> TextQuery | None:
    """Which of about_parts(text) relaxed matching lists: the first that `found` (how many
    trials a part matches; it may stop counting at FILL_BELOW) says matches enough, else the
    widest that matches some; None when none matches any."""
    chosen = None
    for part, enough in about_parts(text):
        count = found(part)
        if count:
            chosen = part
        if count >= enough:
            break
    return chosen


def about_listed(
    text: str, found: Callable[[TextQuery], int]
) -> tuple[TextQuery, TextQuery | None] | None:
    """The about part relaxed matching lists (about_choice) and, when it matches fewer than
    FILL_BELOW trials, the trials about any disease the query names whole (_named_whole: not
    "scars" of "leaving scars") or about the groups of those it names (_groups_of_parents),
    which join the list after them (fulltext.about_first, less those whose exclusion criteria
    name the diseases); None when no part matches any trial."""
    if (chosen := about_choice(text, found)) is None:
        return None
    named, described = _diseases(text) or ((), ())
    # The signs described, when too few trials are about them to be listed alone, come first
    # ("ring shaped red scaly rash … in the sun": the few trials about the cutaneous lupus
    # they describe, then those about that or the psoriasis its "scaly rash" says).
    if (
        described
        and named
        and not any(map(_named_as_condition, named))
        and (signs := _about(described, " | ")) != chosen
        and found(signs)
    ):
        return signs, chosen
    # … given a diagnosis (_told), with the diseases named by their names ("i have lupus … the
    # doctor says i have antiphospholipid antibodies"), not those people's words for signs
    # may be ("itchy welts … the allergist says cold urticaria": not every itchy disease)
    if told := _told(named, text):
        names = _condition_names()
        whole = told + [g for g in named if g not in told and _key(g[0]) in names]
    else:
        whole = [group for group in named if _named_whole(group)]
    whole += list(described)
    whole += [group for group in _groups_of_parents(text) if group not in whole]
    wider = _about(whole, " | ")
    if len(whole) < 2 or wider == chosen or found(chosen) >= FILL_BELOW:
        return chosen, None
    return chosen, wider


def _groups_of_parents(text: str) -> list[Group]:
    """The groups of the names of the groups the conditions `text` names belong to in the
    vocabulary ("lupus nephritis": systemic lupus erythematosus, with its members), each read as
    one group (not "Graft-versus-host disease", read as its words: "graft" alone is no
    disease)."""
    vocabulary = Vocabulary.default()
    parents = {
        (vocabulary.condition(m.slug) or {}).get("parent")
        for m in vocabulary.find(text, ("condition",))
    }
    found = []
    for slug in sorted(parents - {None}):
        if len(groups := needed(_groups(vocabulary.condition(slug)["label"]))) == 1:
            found += groups
    return found


def _singular(word: str) -> str:
    """A folded word without an English plural's ending, as signs' cues are compared."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


@cache
def _signs() -> tuple[tuple[tuple[frozenset[str], ...], Group], ...]:
    """lay_terms.json's `signs`: (each of its cues' words, singular; the group of what it
    means, one alternative per meaning)."""
    read = []
    for sign in _lay_terms().get("signs", []):
        cues = tuple(
            frozenset(_singular(word) for said in cue for word in _words(said))
            for cue in sign["cues"]
        )
        read.append((cues, tuple(words for m in sign["mean"] if (words := _words(m)))))
    return tuple(read)


@cache
def _sign_words() -> dict[str, frozenset[str]]:
    """lay_terms.json's `sign_words`: a word of another language (folded, singular as cues
    are) -> the English cue words it is read as ("cicatrices": scar; "visage": face)."""
    read: dict[str, set[str]] = {}
    for english, others in _lay_terms().get("sign_words", {}).items():
        for other in others:
            for word in _words(other):
                read.setdefault(_singular(word), set()).add(_singular(english))
    return {word: frozenset(english) for word, english in read.items()}


def is_sign_word(word: str) -> bool:
    """Whether `word` is a word of another language read as a sign's cue (`sign_words`:
    "squames", scales): a word, never a typo to respell ("squamous")."""
    return any(_singular(folded) in _sign_words() for folded in _words(word))


def described(text: str) -> list[Group]:
    """_described's groups (see there), a list of the caller's own."""
    return list(_described(text))


@lru_cache(maxsize=1024)  # the engine asks for each search's more than once
def _described(text: str) -> tuple[Group, ...]:
    """The diseases a query's signs mean, when it names no disease by a condition's whole name
    as typed ("psoriasis on my palms, cracking and bleeding" is psoriasis, not
    the hand eczema its cracking hands describe), but for a sign with the disease named among
    its cues, which refines it ("psoriasis" with swollen fingers: psoriatic arthritis); a
    disease it compares to ("red and bumpy like acne") names none."""
    groups = _groups(text)
    folded = [word for word, _ in _typed(text)]
    compared = {after for word, after in pairwise(folded) if word == "like"}
    names = _condition_names()
    generic = _generic_words()
    named: set[str] = set()
    for group in groups:
        naming = _is_disease(group) and _words(" ".join(group[0]))[0] not in compared
        if naming and _key(group[0]) in names:  # as typed: "fingers turn white" names none
            # its words that name diseases: "sore" of "cold sores" is no cue's disease
            named |= {
                _singular(word)
                for alternative in group
                for word in alternative
                if word not in generic
            }
    found = [
        meaning
        for cues, meaning in _signs_in(text)
        if meaning not in groups and (not named or any(cue & named for cue in cues))
    ]
    return tuple(dict.fromkeys(found))


@cache
def _condition_names() -> frozenset[tuple[str, ...]]:
    """The vocabulary's condition names and synonyms (not abbreviations), as _key reads them."""
    return frozenset(_key(_words(name)) for name in _full_condition_names())


def _full_condition_names() -> list[str]:
    """The vocabulary's condition names and synonyms but abbreviations ("BP" is also blood
    pressure)."""
    conditions = Vocabulary.default().conditions.values()
    names = (name for c in conditions for name in (c["label"], *c.get("synonyms", [])))
    return [name for name in names if not is_abbreviation(name)]


def signs(text: str) -> list[Group]:
    """What the signs a query describes mean, a group each (the diseases of a sign, in
    lay_terms.json's order): the signs with a word of the query in each of their cues, in any
    order and with any words between ("skin on my hands is getting tight": scleroderma)."""
    return list(dict.fromkeys(meaning for _cues, meaning in _signs_in(text)))


# How many more of a sign's words a query must say for it to outweigh another (_signs_in).
OUTWEIGHS = 3


def _signs_in(text: str) -> list[tuple[tuple[frozenset[str], ...], Group]]:
    """The signs (cues, meaning) with a word of `text` in each of their cues, but those whose
    words the signs of another meaning all have, and more ("thick scaly silvery patches on my
    elbows, itchy": psoriasis, not the itchy patches on the elbows of atopic dermatitis)."""
    said = {_singular(folded) for folded, _ in _typed(_without_negated(text))}
    said |= {english for word in said for english in _sign_words().get(word, ())}
    found = [(cues, meaning) for cues, meaning in _signs() if all(cue & said for cue in cues)]
    matched: dict[Group, set[str]] = {}
    for cues, meaning in found:
        matched.setdefault(meaning, set()).update(*(cue & said for cue in cues))
    covered = {
        meaning
        for meaning, words in matched.items()
        if any(words < other for what, other in matched.items() if what != meaning)
    }
    # A sign the query says much more of outweighs one it barely says ("thick yellow cracking
    # palms and soles, my dad had the same": keratoderma, not the cracked hands of eczema).
    most = max((len(words) for words in matched.values()), default=0)
    covered |= {meaning for meaning, words in matched.items() if len(words) <= most - OUTWEIGHS}
    return [(cues, meaning) for cues, meaning in found if meaning not in covered]


def _is_disease(group: Group) -> bool:
    """Whether a group names a disease: a phrase people say for one (lay_terms.json), or one
    word of a condition's name that names diseases alone."""
    said = _words(" ".join(group[0]))  # folded, as the vocabulary's words are ("sjögren")
    return (
        said in _disease_phrases()
        or (len(said) == 1 and said[0] in _condition_words())
        # a condition's abbreviation of four letters or more ("DITRA", "MCTD")
        or (len(group) == 1 and len(said) == 1 and said[0] in _long_abbreviations())
        # a condition's name kept whole ("mixed connective tissue disease"), or its
        # abbreviation, which means its name ("JDM": juvenile dermatomyositis)
        or any(_key(alternative) in _condition_names() for alternative in group)
    )


@cache
def _long_abbreviations() -> frozenset[str]:
    """The vocabulary's conditions' abbreviations of one word and four letters or more, folded
    ("ditra", "mctd", "nomid"): they name their diseases alone, but those that are words too
    (`not_diseases_alone`: "traps"). Shorter ones are as often other things ("BP")."""
    conditions = Vocabulary.default().conditions.values()
    names = (name for c in conditions for name in (c["label"], *c.get("synonyms", [])))
    folded = (
        said[0]
        for name in names
        if is_abbreviation(name) and len(said := _words(name)) == 1 and len(said[0]) >= 4
    )
    return frozenset(folded) - _generic_words()


def diseases_said(text: str) -> int:
    """How many of the query's groups (_groups) name a disease (_is_disease): a respelling
    that names more ("vitaligo", "alopesha") says what the person meant."""
    return sum(map(_is_disease, _groups(text)))


def is_filler(word: str) -> bool:
    """Whether a (lower-case) word is one a search drops: filler or child words."""
    return word in _vocabulary()[1]


def only_filler(text: str) -> bool:
    """Whether every word of `text` is one a search drops, filler or a stop word
    PostgreSQL drops ("now" left by "recruiting now near Boston"), or there is none."""
    return all(is_filler(folded) or folded in STOP_WORDS for folded, _ in _typed(text))


def names_diseases(text: str) -> bool:
    """Whether the query names diseases and nothing else: every word not filler (nor a stop
    word: "Behçet's") is part of a condition's name or synonym ("pemphigus", "lupus nephritis
    trial"), of a phrase people say for diseases ("hair loss": alopecia; lay_terms.json), or a
    word of a condition's name that names diseases alone ("alopecia", of alopecia areata;
    "vasculitis"; not "chronic": `not_diseases_alone`). Such a query asks for trials about
    them (fulltext.passing_mentions; relaxed, `read`)."""
    if has_syntax(text):
        return False
    toks = tokens(text)
    starts = {token[2]: position for position, token in enumerate(toks)}
    ends = {token[3]: position for position, token in enumerate(toks)}
    covered = [False] * len(toks)
    for mention in Vocabulary.default().find(text, ("condition",)):
        if mention.start in starts and mention.end in ends:
            for position in range(starts[mention.start], ends[mention.end] + 1):
                covered[position] = True
    folded = tuple(token[0] for token in toks)
    for start, length in _phrases_in(folded, _disease_phrases()):
        covered[start : start + length] = [True] * length
    words = _condition_words()
    covered = [done or word in words for done, word in zip(covered, folded, strict=True)]
    droppable = _not_naming()
    return any(covered) and all(
        done or word in droppable for done, word in zip(covered, folded, strict=True)
    )


def one_condition(text: str) -> bool:
    """Whether the query is one condition's name or synonym of several words and nothing
    else but filler ("frontal fibrosing alopecia", "lichen planopilaris trials"): the name
    of one disease, never relaxed into its words (fibrositis is fibromyalgia's)."""
    if has_syntax(text):
        return False
    toks = tokens(text)
    droppable = _not_naming()
    for mention in Vocabulary.default().find(text, ("condition",)):
        inside = [t for t in toks if mention.start <= t[2] and t[3] <= mention.end]
        outside = [t for t in toks if t[3] <= mention.start or t[2] >= mention.end]
        if len(inside) > 1 and all(t[0] in droppable for t in outside):
            return True
    return False


def broader(
    text: str, has_trials: Callable[[str], bool] | None = None
) -> tuple[str, str, str] | None:
    """The group the diseases a query names belong to (conditions.json `parent`: "pemphigus",
    "bullous pemphigoid": autoimmune blistering diseases), as (slug, label), when it names
    diseases, all of one group, and nothing else (names_diseases) or other words beside them
    ("rituximab pemphigus": about_parts): the condition whose trials a search about them that
    finds none lists instead, as (slug, label, the diseases as typed). None otherwise.
    With `has_trials` (a slug's trials exist), the nearest group up the vocabulary's tree
    that has trials ("Netherton syndrome": ichthyosis, failing that the disorders of
    keratinization), else the nearest."""
    if (named := _conditions_named(text)) is None:
        return None
    conditions, said = named
    parents = {condition.get("parent") for condition in conditions}
    if len(parents) != 1 or None in parents:
        return None
    vocabulary = Vocabulary.default()
    slug = nearest = parents.pop()
    while has_trials is not None and not has_trials(slug):
        slug = (vocabulary.condition(slug) or {}).get("parent")
        if slug is None:
            slug = nearest
            break
    return slug, (vocabulary.condition(slug) or {}).get("label") or slug, said


def skin_diseases_named(text: str) -> str | None:
    """The diseases a query names, as typed, when it names diseases (as broader reads them)
    and every one is a skin disease (conditions.json `skin`: "vitiligo", "i have vitiligo, can
    i give a skin sample"): when no trial is about them, nor about their group, the trials
    open to skin diseases in general are listed instead (skin_in_general). None otherwise."""
    if (named := _conditions_named(text)) is None:
        return None
    conditions, said = named
    return said if conditions and all(c.get("skin") for c in conditions) else None


@lru_cache(maxsize=1024)
def named_by_abbreviation(text: str) -> tuple[str, ...]:
    """The conditions (slugs) a query naming diseases and nothing else names only by their
    abbreviations ("PG trials": pyoderma gangrenosum), with their groups' members; () when
    it names one otherwise. Such a query finds trials that say the letters for something
    else ("PG" for pregabalin): only those tagged with the conditions are about them."""
    if not names_diseases(text):
        return ()
    vocabulary = Vocabulary.default()
    mentions = vocabulary.find(text, ("condition",))
    if not mentions or not all(is_abbreviation(mention.text) for mention in mentions):
        return ()
    named = {mention.slug for mention in mentions}
    return tuple(sorted(_with_members(named)))


def skin_diseases_described(text: str) -> str | None:
    """The diseases a query's signs describe (described), when every one is a skin disease
    ("hair falling out in patches": alopecia areata): as skin_diseases_named, the trials open
    to skin diseases in general are listed when no trial is about them. None otherwise."""
    vocabulary = Vocabulary.default()
    meant = [" ".join(group[0]) for group in described(text)]
    found = [vocabulary.find(name, ("condition",)) for name in meant]
    conditions = [vocabulary.condition(m.slug) or {} for mentions in found for m in mentions]
    if not meant or not all(found) or not all(c.get("skin") for c in conditions):
        return None
    return ", ".join(meant)


def skin_diseases_said(text: str) -> str | None:
    """The skin diseases a query names (skin_diseases_named) or, failing those, describes
    (skin_diseases_described): when no trial is about them, the trials open to any."""
    return skin_diseases_named(text) or skin_diseases_described(text)


@cache
def skin_in_general() -> tuple[str, TextQuery]:
    """lay_terms.json `skin_in_general`: its label, and the trials that name skin diseases in
    general where they say what they are about (title, conditions: "Evaluation and Treatment
    of Patients With Dermatologic Diseases"), as a query."""
    entry = _lay_terms()["skin_in_general"]
    names = (_words(name) for name in entry["say"])
    phrases = ("(" + " <-> ".join(f"{word}:{NAMED_IN}" for word in name) + ")" for name in names)
    return entry["label"], TextQuery(RAW, " | ".join(phrases))


def _conditions_named(text: str) -> tuple[list[dict], str] | None:
    """The conditions a query names (conditions.json entries) and how it names them, as typed
    without its other words ("ichthyosis" of "ichthyosis studies for kids"), when it names
    diseases and nothing else (names_diseases) or other words beside them (about_parts)."""
    if not names_diseases(text) and not about_parts(text):
        return None
    vocabulary = Vocabulary.default()
    mentions = _diagnosis_first(text, vocabulary.find(text, ("condition",)))
    conditions = [vocabulary.condition(mention.slug) or {} for mention in mentions]
    return conditions, " or ".join(dict.fromkeys(mention.text for mention in mentions))


def _diagnosis_first(text: str, mentions: list) -> list:
    """Of a query's condition mentions, those the person gives as their diagnosis
    (_DIAGNOSIS: "i have ulcerative colitis, the dermatologist thinks its pyoderma
    gangrenosum": what the search is about), when there are any; else all."""
    said = [match.span(1) for match in _DIAGNOSIS.finditer(text)]
    diagnosed = [m for m in mentions if any(a <= m.start < b for a, b in said)]
    return diagnosed or mentions


def conditions_meant(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The conditions (slugs, with their groups' members) a query asks about when it names
    diseases, and their names as typed: all it names (names_diseases), or the diagnosis it
    gives among other diseases (_diagnosis_first); ((), ()) when it names none so."""
    only_diseases = names_diseases(text)
    if not only_diseases and not (_DIAGNOSIS.search(text) and about_parts(text)):
        return (), ()
    kept = _without_negated(text)
    mentions = Vocabulary.default().find(kept, ("condition",))
    meant = _diagnosis_first(kept, mentions)
    if not only_diseases and len(meant) == len(mentions):
        return (), ()
    slugs = tuple(sorted(_with_members({mention.slug for mention in meant})))
    return slugs, tuple(dict.fromkeys(mention.text for mention in meant))


@cache
def _not_naming() -> frozenset[str]:
    """Words a query naming diseases may hold besides them: filler, child words, stop words."""
    return _vocabulary()[1] | STOP_WORDS


@cache
def _generic_words() -> frozenset[str]:
    """Words of conditions' names that name no disease alone (lay_terms.json
    `not_diseases_alone`: "chronic", "sores"), filler and stop words."""
    return frozenset(_lay_terms()["not_diseases_alone"]) | _vocabulary()[1] | STOP_WORDS


@cache
def _condition_words() -> frozenset[str]:
    """The words of the vocabulary's condition names and synonyms that name diseases alone
    (folded): not abbreviations ("BP" is also blood pressure), stop words, filler, nor the
    curators' `not_diseases_alone`."""
    found = {word for name in _full_condition_names() for word in _words(name)}
    # A possessive typed without its apostrophe ("sjogrens", "raynauds", "behcets").
    found |= {
        _words(owner)[0] + "s"
        for name in _full_condition_names()
        for owner in re.findall(r"(\w+)['’]s\b", name)
    }
    conditions = Vocabulary.default().conditions.values()
    names = (name for c in conditions for name in (c["label"], *c.get("synonyms", [])))
    whole = {said[0] for name in names if len(said := _words(name)) == 1}  # "DM", "HS"
    return frozenset(
        word for word in found - _generic_words() if word in whole or not _fragment(word)
    )


# A script whose one or two characters can be a word ("疣", a wart; "乾癬"), where a short word
# of another is a piece ("cm", "x", "и": Cyrillic "and"; "प", a Devanagari word's letter left
# when folding took its vowel signs).
_WIDE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def _fragment(word: str) -> bool:
    """Whether a word of a condition's name is too short to name a disease alone: one or two
    characters ("x" of "X-linked", "v" of "class V", "mo" of a Vietnamese name; "5 cm",
    "psoriasis и экзема" named no disease by them), but in a script whose characters are words.
    A condition's whole name ("DM", "HS") is no piece."""
    return len(word) <= 2 and not _WIDE_SCRIPT.fullmatch(word)


def _is_kind(group: Group) -> bool:
    """Whether a group is, as typed, the name of a kind of disease ("dermatology")."""
    return _key(_words(" ".join(group[0]))) in _category_phrases()


@cache
def _category_phrases() -> frozenset[tuple[str, ...]]:
    """The names of kinds of disease (lay_terms.json `categories`), as _key reads them."""
    categories = _lay_terms()["categories"]
    found = {_key(_words(say)) for category in categories for say in category_names(category)}
    return frozenset(phrase for phrase in found if phrase)


@cache
def _disease_phrases() -> frozenset[tuple[str, ...]]:
    """The phrases people say (lay_terms.json) that mean a disease: a category's, or a term one
    of whose meanings is a condition's name or synonym, or one word of one."""
    vocabulary = Vocabulary.default()
    found = set(_category_phrases())
    for term in _lay_terms()["terms"]:
        for meaning in term["mean"]:
            words = _words(meaning)
            whole = any(
                (m.start, m.end) == (0, len(meaning))
                for m in vocabulary.find(meaning, ("condition",))
            )
            if whole or (len(words) == 1 and words[0] in _condition_words()):
                found.update(_key(_words(say)) for say in term["say"])
                break
    return frozenset(phrase for phrase in found if phrase)


def fills(text: str) -> bool:
    """Whether a query few trials have all the words of also lists those with some of them
    (FILL_BELOW): a query of several words, not web-search syntax, and not only the name of
    diseases, whose words are one thing ("psoriatic arthritis" is no arthritis) — unless it
    names several apart ("cutaneous vasculitis in SLE": then those about either)."""
    return can_relax(text) and (not names_diseases(text) or _names_apart(text))


def _names_apart(text: str) -> bool:
    """Whether `text` names two conditions or more by words apart, not one name within
    another's ("lupus nephritis" names lupus nephritis alone)."""
    mentions = Vocabulary.default().find(_without_negated(text), ("condition",))
    return any(
        first.end <= second.start and first.slug != second.slug
        for first in mentions
        for second in mentions
    )


def can_relax(text: str) -> bool:
    """Whether `text` has a relaxed form that may find more than the strict one: not one
    condition's name (one_condition)."""
    words = _without_or(text) if has_syntax(text) else text
    return words is not None and len(_groups(words)) > 1 and not one_condition(words)


def _without_or(text: str) -> str | None:
    """A web-search query whose only syntax is "or" without it (its words, relaxed: any of
    them); None for one with a quoted phrase or an excluded word (never relaxed)."""
    return None if _EXACT_SYNTAX.search(text) else _OR.sub(" ", text)


# A registry's prefix typed apart from its number ("NCT 04946669").
_PREFIX = re.compile(r"[A-Za-z]{2,8}")
# How WHO ICTRP prints an EU trial: one member state's record ("EUCTR2021-000037-14-ES").
_EU_MEMBER_STATE = re.compile(r"(EUCTR\d{4}-\d{6}-\d{2})-[A-Z]{2,3}", re.IGNORECASE)
_SHORT_NCT = re.compile(r"NCT(\d{1,7})", re.IGNORECASE)
# … with a leading zero too many ("NCT004318938"); how WHO ICTRP prints Japanese registries'
# IDs ("JPRN-UMIN000008396", "JPRN-jRCTs031210288"); an EU CT number without CTIS's prefix
# ("2023-507385-11-00"); a EudraCT number with the EUCTR prefix ("EUCTR2022-003405-30").
_LONG_NCT = re.compile(r"NCT0+(\d{8})", re.IGNORECASE)
_JAPANESE = re.compile(r"(?:UMIN\d{9}|jRCT[a-z]?\d{6,10})", re.IGNORECASE)
_EU_CT_NUMBER = re.compile(r"\d{4}-\d{6}-\d{2}-\d{2}")
_EU_CT_SHORT = re.compile(r"\d{4}-5\d{5}-\d{2}")  # an EU CT number's numbers start with 5
_EUCTR = re.compile(r"EUCTR(\d{4}-\d{6}-\d{2})", re.IGNORECASE)
MAX_IDS = 50  # registry IDs read from one query (each with its other forms)
MIN_ID_AMONG_WORDS = 6


_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def is_url(text: str) -> bool:
    """Whether the query is a web address pasted (a registry's page: id_candidates)."""
    return bool(_URL.fullmatch(text.strip()))


def id_candidates(text: str) -> list[str]:
    """The registry IDs a query may be, as people paste them: one or several, separated by
    spaces, commas or semicolons, a prefix apart from its number, any case, an EU trial as
    one member state's record (issue 14, point 6). Every registry's IDs contain digits."""
    if not any(ch.isdigit() for ch in text):
        return []
    if is_url(text):  # a registry's page pasted: the IDs in its address
        from trials.readers.identifiers import ids_in_text

        found = ids_in_text(text.strip())[:MAX_IDS]
        return list(
            dict.fromkeys([*found, *(form for part in found for form in _other_forms(part))])
        )
    parts: list[str] = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if parts and _PREFIX.fullmatch(parts[-1]) and part[:1].isdigit():
            parts[-1] += part
        elif part:
            parts.append(part)
    # Beside other words, a short number is a dose or a week, not an ID ("psoriasis 12 weeks").
    shortest = 1 if len(parts) == 1 else MIN_ID_AMONG_WORDS
    found = [
        part for part in parts if any(ch.isdigit() for ch in part) and shortest <= len(part) <= 60
    ][:MAX_IDS]
    # A grant number typed with a space after its activity code ("U01 AR042540"): both
    # halves joined, as registries store it ("U01AR042540").
    found += [
        first + second
        for first, second in pairwise(parts)
        if _GRANT_CODE.fullmatch(first) and any(ch.isdigit() for ch in second)
    ][: max(0, MAX_IDS - len(found))]
    found += [match[1] for part in found if (match := _EU_MEMBER_STATE.fullmatch(part))]
    # An NCT number with its leading zeros left out ("NCT 5843643"): NCT IDs have 8 digits.
    found += ["NCT" + match[1].zfill(8) for part in found if (match := _SHORT_NCT.fullmatch(part))]
    found += [form for part in found for form in _other_forms(part)]
    return list(dict.fromkeys(found))  # each ID typed (MAX_IDS) with its other forms


def _other_forms(part: str) -> list[str]:
    """The forms a registry ID typed as `part` is stored under, besides its own."""
    forms = []
    if part[:4].upper() == "CTIS" and _EU_CT_NUMBER.fullmatch(part[4:]):
        part = part[4:]  # "CTIS2023-503951-81-00", stored as the EU CT number alone
        forms.append(part)
    if match := _LONG_NCT.fullmatch(part):
        forms.append("NCT" + match[1])
    if _JAPANESE.fullmatch(part):
        forms.append("JPRN-" + part)
    if _EU_CT_NUMBER.fullmatch(part):
        forms.append("CTIS" + part)
        if part.endswith("-00"):  # the EU CT number as some registries store it, cut short
            forms.append(part[:-3])
    if _EU_CT_SHORT.fullmatch(part):  # … and as typed from one of those
        forms += [part + "-00", "CTIS" + part + "-00"]
    if match := _EUCTR.fullmatch(part):
        forms.append(match[1])
    if (match := _NIH_PROTOCOL.fullmatch(part)) and "-" not in part:
        forms.append("-".join(match.groups()).upper())
    return forms


# An NIH grant's activity code ("U01", "R01", "K23", "P30").
_GRANT_CODE = re.compile(r"[A-Z]\d{2}", re.IGNORECASE)
# An NIH Clinical Center protocol number typed without its hyphens ("90N0139": 90-N-0139).
_NIH_PROTOCOL = re.compile(r"(\d{2})-?([a-z]{1,2})-?(\d{4})", re.IGNORECASE)


# A disease a query likens something to names none: "an acne-like rash", "a lupus like rash"
# (not "diseases like FMF": such as).
_LIKENED = re.compile(r"([\w']+)(?:-| +)like\b(?: +([\w']+))?", re.IGNORECASE)


def _likened(text: str) -> set[str]:
    """The words (as typed) right before "-like", or before " like" and no disease's word:
    what something is likened to."""
    if "like" not in text.lower():
        return set()
    found = set()
    for match in _LIKENED.finditer(text):
        hyphened = text[match.end(1)] == "-"
        after = (match[2] or "").lower()
        disease = after in _condition_words() or (
            after and Vocabulary.default().find(match[2], ("condition",))
        )
        if hyphened or not disease:
            found.add(match[1])
    return found


def _with_members(named: set[str]) -> set[str]:
    """The conditions `named` (slugs) and the members of those that are groups."""
    conditions = Vocabulary.default().conditions.items()
    return named | {slug for slug, condition in conditions if condition.get("parent") in named}


def groups_of(named: Sequence[str]) -> frozenset[str]:
    """The vocabulary's groups (parents' slugs) of the conditions `named` (slugs)."""
    conditions = Vocabulary.default().conditions
    return frozenset(conditions[slug].get("parent") for slug in named if slug in conditions) - {
        None
    }


@lru_cache(maxsize=1024)
def group_family(named: tuple[str, ...]) -> frozenset[str]:
    """The groups of the conditions `named` (slugs) and all their members."""
    groups = groups_of(named)
    members = (s for s, c in Vocabulary.default().conditions.items() if c.get("parent") in groups)
    return groups | frozenset(members)


@lru_cache(maxsize=1024)
def skin_kin(text: str) -> tuple[str, ...]:
    """When every condition a query names is a skin disease (named_conditions, conditions.json
    `skin`; naming none, those its people's words for diseases mean, but where it describes
    signs: "blisters all over": pemphigus, pemphigoid), those (slugs), their groups and the
    groups' members, and the conditions whose
    labels have a word of their names as said that names a disease alone (_condition_words:
    "my lupus rash": systemic lupus erythematosus, lupus nephritis); () otherwise. The trials
    about them come before those open to skin diseases in general in a relaxed list
    (engine._general_after_named)."""
    named = named_conditions(text) or (() if described(text) else _meant_conditions(text))
    conditions = Vocabulary.default().conditions
    if not named or not all(conditions.get(slug, {}).get("skin") for slug in named):
        return ()
    said = {
        word
        for mention in Vocabulary.default().find(_without_negated(text), ("condition",))
        for word in _words(mention.text)
    } & _condition_words()
    kin = {slug for slug, c in conditions.items() if said & set(_words(c["label"]))}
    return tuple(sorted({*named, *group_family(named), *kin}))


@lru_cache(maxsize=1024)
def _meant_conditions(text: str) -> tuple[str, ...]:
    """The vocabulary's conditions (slugs) that the diseases people's words in a query mean
    name ("blisters all over": pemphigus, pemphigoid, epidermolysis bullosa)."""
    meant = " ; ".join(
        " ".join(alternative)
        for group in needed(_groups(text))
        if _is_disease(group)
        for alternative in group[1:]
    )
    found = Vocabulary.default().find(meant, ("condition",)) if meant else []
    return tuple(sorted({mention.slug for mention in found}))


@lru_cache(maxsize=1024)
def named_conditions(text: str) -> tuple[str, ...]:
    """The vocabulary's conditions (slugs) a query names by a name or synonym, with the
    conditions of their group ("myositis": dermatomyositis, polymyositis)."""
    if has_exact_syntax(text):
        return ()
    vocabulary = Vocabulary.default()
    kept = _without_negated(text)
    likened = {word.lower() for word in _likened(kept)}
    # Not a condition's abbreviation inside a drug's code ("HS-10296" is almonertinib, no HS).
    treatments = [(t.start, t.end) for t in treatments_in(kept) if code_other_form(t.text)]
    mentions = [
        m
        for m in vocabulary.find(kept, ("condition",))
        if kept[: m.end].split()[-1].lower() not in likened  # "an acne-like rash" is no acne
        and not (
            is_abbreviation(m.text)
            and any(start <= m.start and m.end <= end for start, end in treatments)
        )
    ]
    said = [(m, frozenset(_words(m.text))) for m in mentions]
    # A name whose words another condition's name said too holds is that one said short ("my
    # lupus is only in my skin … skin lupus": cutaneous lupus, not systemic lupus).
    named = {
        m.slug
        for m, words in said
        if not any(other.slug != m.slug and words < more for other, more in said)
    }
    return tuple(sorted(_with_members(named)))


@lru_cache(maxsize=1024)
def named_treatments(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The drugs and drug classes (slugs) a query names as wanted, as (drugs, classes): not
    negated ("not methotrexate"), nor refused (`refused`: "anything but steroids")."""
    if has_exact_syntax(text):
        return (), ()
    drugs: dict[str, None] = {}
    classes: dict[str, None] = {}
    for mention in Vocabulary.default().find(_without_negated(text), ("drug", "class")):
        (classes if mention.kind == "class" else drugs)[mention.slug] = None
    not_wanted = refused(text)
    return (
        tuple(slug for slug in drugs if slug not in not_wanted[0]),
        tuple(slug for slug in classes if slug not in not_wanted[1]),
    )


# A drug class a query naming only drugs is filled with (same_class): at most this many
# drugs ("biologics", 68, and "interleukin inhibitors", 32, say too little of a drug).
SAME_CLASS_MAX = 20
# … and of at most this many other trials: each one's exclusion criteria are read (a class of
# 11,827 trials at 100k took 1.2 s), and a list of thousands is no neighbourhood.
SAME_CLASS_TRIALS_MAX = 500


@lru_cache(maxsize=1024)
def same_class(text: str) -> tuple[str, str] | None:
    """(slug, label) of the drug class a query naming drugs and nothing else ("infliximab",
    "Remicade trials") is filled with when few trials test them (engine: listed after them):
    the smallest class all of them belong to, of two to SAME_CLASS_MAX drugs. None otherwise
    (a class named, a disease or any other word, web-search syntax)."""
    if has_syntax(text):
        return None
    vocabulary = Vocabulary.default()
    mentions = vocabulary.find(text, ("drug", "class", "condition"))
    if not mentions or any(mention.kind != "drug" for mention in mentions):
        return None
    left = text
    for mention in sorted(mentions, key=lambda m: m.start, reverse=True):
        left = left[: mention.start] + " " + left[mention.end :]
    if any(word not in _not_naming() for word in _words(left)):
        return None
    shared = set.intersection(*(set(vocabulary.classes_of.get(m.slug, ())) for m in mentions))
    sizes = {slug: len(vocabulary.drug_classes[slug].get("members", ())) for slug in shared}
    small = [(size, slug) for slug, size in sizes.items() if 2 <= size <= SAME_CLASS_MAX]
    if not small:
        return None
    _, slug = min(small)
    return slug, vocabulary.drug_classes[slug].get("label") or slug


def is_class_label(text: str) -> bool:
    """Whether `text` is a drug class's label (the class same_class fills with)."""
    return any(c.get("label") == text for c in Vocabulary.default().drug_classes.values())


# How a treatment is taken (its route), as a trial's interventions and arms say it (PostgreSQL's
# ~*, \m and \M a word's start and end) and as people ask for it or refuse it.
ROUTES: dict[str, str] = {
    "oral": r"\m(?:oral|orally|tablets?|capsules?|pills?|by mouth)\M",
    "infused": r"\m(?:intravenous\w*|infusions?|infused|i\.v\.)\M",
    "injected": (
        r"\m(?:inject\w*|subcutaneous\w*|intramuscular\w*|auto-?injectors?|syringes?"
        r"|prefilled pens?)\M"
    ),
    "topical": r"\m(?:topical\w*|creams?|ointments?|gels?|foams?|lotions?|shampoos?)\M",
}
_ROUTE_WORDS = {
    "oral": (
        r"pills?|tablets?|capsules?|by mouth|orally|oral (?:drugs?|medicines?|medications?"
        r"|treatments?)|pastillas|comprimidos|tabletas|comprimés|tabletten"
    ),
    "infused": r"infusions?|iv|drips?|intravenous|infusiones|sueros|perfusions?|infusionen",
    "injected": (
        r"shots?|injections?|injectables?|inject\w*|jabs?|self-injections?|inyecciones|piqûres"
        r"|spritzen"
    ),
    "topical": r"creams?|ointments?|lotions?|gels?|topicals?|cremas?|pomadas?|crèmes?|salben?",
}


@cache
def drug_routes() -> MappingProxyType[str, frozenset[str]]:
    """Each drug of the vocabulary (slug) with the routes it is given by (drugs.json `routes`:
    tafamidis oral, adalimumab injected, methotrexate oral or injected): how a trial testing
    it gives it when its records do not say (engine._tiers)."""
    return MappingProxyType(
        {
            slug: frozenset(drug.get("routes", ()))
            for slug, drug in Vocabulary.default().drugs.items()
            if drug.get("routes")
        }
    )


# Words for either way of a needle ("no needles"): infused and injected.
_NEEDLES = r"needles?|agujas|aiguilles|nadeln"
_ANY_ROUTE = "|".join([*_ROUTE_WORDS.values(), _NEEDLES])
# "no needles", "i hate needles", "instead of shots or infusions", "sick of taking pills and
# putting on creams", "ya no aguanto más sueros ni inyecciones": a few words may stand before
# the first, and a list may follow.
_REFUSING_ROUTE = re.compile(
    r"\b(?:no|not|without|never|hate|avoid|avoiding|instead of|rather than|afraid of|scared of"
    rf"|{_PERSON_REFUSES}|won'?t (?:take|use|have)"
    r"|terrified of|sick of|tired of|fed up with|no more|cant|can'?t|don'?t want|dont want"
    r"|do not want|sin|ni|sans|ohne|kein\w*)\b(?:\s+\w+){0,4}?\s+(?:" + _ANY_ROUTE + r")\b"
    r"(?:\s+(?:" + _ANY_ROUTE + r")\b)*"
    # … more routes listed: after "or", "and" a word or two may stand between ("or the
    # shots"), not after a comma ("no pills or injections, are there cream trials": asked)
    r"(?:(?:\s*(?:,|/)\s*|\s*\b(?:or|and|nor|ni|o|y)\b\s*(?:\w+\s+){0,2}?)"
    r"(?:" + _ANY_ROUTE + r")\b)*"
)


_ASKING_ROUTE = re.compile(
    r"\b(?:is there an?|are there|any|an?|looking for an?|want an?|prefer|just|only|con|with)"
    r"\s+(?:\w+\s+){0,2}?(?:" + _ANY_ROUTE + r")\b"
)


# Each route's words, and the needles that are two routes', as whole words.
_ROUTE_SAID = {route: re.compile(rf"\b(?:{said})\b") for route, said in _ROUTE_WORDS.items()}
_NEEDLES_SAID = re.compile(rf"\b(?:{_NEEDLES})\b")


def _routes_said(part: str) -> set[str]:
    """The routes whose words `part` (in lower case) says."""
    found = {route for route, said in _ROUTE_SAID.items() if said.search(part)}
    if _NEEDLES_SAID.search(part):
        found |= {"infused", "injected"}
    return found


@cache
def _healthy_phrases() -> frozenset[tuple[str, ...]]:
    """The phrases people say (lay_terms.json `terms`) that mean healthy volunteers."""
    return frozenset(
        _key(_words(say))
        for term in _lay_terms()["terms"]
        if "healthy volunteers" in term["mean"]
        for say in term["say"]
    )


@lru_cache(maxsize=1024)
def asks_healthy_volunteers(text: str) -> bool:
    """Whether a query asks for trials that take healthy volunteers ("can healthy people sign
    up as controls", "im healthy, can i volunteer"); not one refusing them ("not healthy
    volunteers": _without_negated): such trials are listed first (engine._tiers)."""
    folded = tuple(word for word, _ in _typed(_without_negated(text)))
    return any(length for _, length in _phrases_in(folded, _healthy_phrases()))


# The words for medicines taken (_NO_MEDICINE, _SIDE_EFFECT).
# A person who wants a treatment that is no medicine ("something other than more pills -
# exercises, an app", "non-drug studies", "lupus studies that are not drug trials", "studies
# that dont involve taking drugs").
_NO_MEDICINE = re.compile(
    r"\b(?:other than|instead of|rather than|besides|not|no|without|(?:do not|don'?t|dont"
    r"|does not|doesn'?t|doesnt) (?:want|involve|use|require|need|include|mean|rely on))"
    rf"\s+(?:(?:more|any|new|the|taking|just|a)\s+)?(?:{_MEDICINES})\b"
    r"|\bnon[- ]?(?:drug|pharmacological|medication|medicine)s?\b"
    r"|\b(?:drug|medication|medicine)[- ]free\b",
    re.IGNORECASE,
)


# A skin problem said to come from a treatment ("a painful acne-like rash … its from the pills",
# "hair thinning, the doctor says its from the chemo"): the disease treated is what the person
# lives with, not what they ask about. Only with a word for a skin problem (_SKIN_PROBLEM):
# "my insomnia is from the meds" asks about insomnia; nor "X-induced", a disease's own name
# ("drug-induced lupus"), nor "because of the infusions" (a reason, often to stop one).
_SIDE_EFFECT = re.compile(
    r"\b(?:(?:it['’]?s|is|are|was|were|caused|probably|all)\s+(?:\w+\s+)?from|caused by"
    r"|side[- ]effects?\s+(?:of|from))\s+(?:(?:the|my|her|his|their|this|that|these|those"
    rf"|new)\s+){{0,2}}(?:{_MEDICINES}|chemo(?:therapy)?|treatments?|radiation|radiotherapy"
    r"|immunotherapy|infusions?|injections?|shots?|targeted therapy)\b",
    re.IGNORECASE,
)
_SKIN_PROBLEM = re.compile(
    r"\b(?:rash(?:es)?|acne|acne-like|acneiform|itch(?:y|ing)?|skin|blisters?|hives|hair loss"
    r"|hair (?:is )?(?:thinning|falling out)|peeling|sores?|spots|dermatitis|eruptions?|nails?)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)
def side_effect_causes(text: str) -> frozenset[str]:
    """The drugs and classes (slugs) a skin problem a query says comes from a treatment comes
    from (asks_about_side_effect): those named before the words saying so ("on tarceva … a
    rash, its from the pills"), not one asked for after them ("… from immunotherapy, any
    dupilumab trials?")."""
    if not asks_about_side_effect(text):
        return frozenset()
    said = max(match.end() for match in _SIDE_EFFECT.finditer(text))
    return frozenset(mention.slug for mention in treatments_in(text) if mention.start < said)


def asks_about_side_effect(text: str) -> bool:
    """Whether a query says a skin problem of its comes from a treatment (_SIDE_EFFECT,
    _SKIN_PROBLEM)."""
    return bool(_SIDE_EFFECT.search(text) and _SKIN_PROBLEM.search(text))


def asks_no_medicine(text: str) -> bool:
    """Whether a query asks for a treatment that is no medicine (_NO_MEDICINE), and no way of
    taking one ("i dont want pills or injections, any cream trials?" asks for a cream:
    routes_asked): the trials testing exercises, devices, procedures or programmes and no
    drug come first (engine._tiers)."""
    return bool(_NO_MEDICINE.search(text)) and not routes_asked(text)[0]


# A query of at most ROUTE_KEYWORDS_MAX words, and one said to have failed.
ROUTE_KEYWORDS_MAX = 4
_KEYWORDS_ONLY = re.compile(rf"[\w'-]+(?:\s+[\w'-]+){{0,{ROUTE_KEYWORDS_MAX - 1}}}")
_ROUTE_FAILED = re.compile(
    r"\b(?:fail\w*|not|no|didn'?t|dont|don'?t|doesn'?t|doesnt|stopped|useless|without|nothing"
    r"|never|worse)\b"
)
# "iv" that is a number, not a drip: "stage iv melanoma", "class IV lupus nephritis".
_NUMERAL_IV = re.compile(r"\b(?:stage|class|grade|type|phase|factor|level|cin)\s+iv\b")


@lru_cache(maxsize=1024)  # engine._tiers asks once per tier it splits
def routes_asked(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The routes a query asks for and those it refuses ("pills instead of shots": oral,
    injected): trials given so are listed first, and last (engine._tiers). A route both
    asked for and refused ("an iv infusion at the clinic, i cant inject myself") is asked."""
    typed, text = text, text.lower()
    refusals = [match[0] for match in _REFUSING_ROUTE.finditer(text)]
    kept = _REFUSING_ROUTE.sub(" ", text)

    # Asked for: said beside a refusal ("pills instead of shots"), or asked for as a thing
    # ("is there a cream", "any pills", "just by mouth", "as an iv infusion"); not a route
    # said of what failed ("the steroid creams do nothing").
    asked = (
        _routes_said(kept)
        if refusals
        else set().union(*map(_routes_said, _ASKING_ROUTE.findall(kept)))
    )
    # A few words typed as keywords ask for any route among them ("psoriasis pills", "vitiligo
    # cream"); not one that failed ("eczema cream not working"), nor the way a drug named is
    # given ("LN induction IV CYC": cyclophosphamide's trials first).
    keywords = _NUMERAL_IV.sub(" ", kept).strip(" ?!.,;:")
    if (
        not asked
        and not refusals
        and _KEYWORDS_ONLY.fullmatch(keywords)
        and not _ROUTE_FAILED.search(keywords)
        and not any(named_treatments(typed))
    ):
        asked = _routes_said(keywords)
    refused = set().union(*map(_routes_said, refusals))
    return frozenset(asked), frozenset(refused - asked)


# What a person says of themselves that trials often turn away, what exclusion criteria say
# when they do, what any criteria say when they turn it away as a condition to meet ("No
# pregnant or nursing women", "Negative pregnancy test required", "non-lactating": old
# records' criteria are one text, with no exclusion part) — PostgreSQL's ~* — and, for another
# disease, a title about it (a trial about HIV that excludes HIV-2 is no trial turning people
# with HIV away): the trials that turn it away are listed after the others (engine._tiers):
# pregnant ("im 14 weeks pregnant"), breastfeeding ("without having to stop nursing"), a
# cancer now; another disease the person lives with ("HIV positive, undetectable", "on
# dialysis", "had a heart attack", "HBsAg+ inactive carrier", "asthma inhaler", "stable ILD",
# "on sertraline"). Not a skin cancer had: criteria that exclude a malignancy mostly allow a
# treated skin cancer, which no pattern tells apart ("hx of excised BCC": 0.600 → 0.518). Not
# a treated latent tuberculosis: the biologics' trials take it (and exclude it untreated).
_NEGATED = r"\y(no|not|non|negative|without)\W+(\w+\W+){0,3}"


@dataclass(frozen=True)
class Circumstance:
    said: re.Pattern  # in the query
    excluded: str  # in exclusion criteria
    refused: str  # in any criteria
    topic: str = ""  # in a title: the trial is about it
    unless: re.Pattern | None = None  # in the query: another circumstance (a past infection)
    # In a title: the trial is made for people in it ("Autoimmunity in Pregnancy Registry"),
    # listed first.
    welcome: str = ""
    needs: re.Pattern | None = None  # in the query: what makes `said` this circumstance


def _living_with(
    said: str,
    excluded: str,
    topic: str,
    unless: str = "",
    limits: str = "",
    welcome: str = "",
    needs: str = "",
) -> Circumstance:
    """A disease the person lives with: criteria turn it away in their exclusions, negated in
    any criteria, or by `limits` in any criteria (a kidney function to meet); the trials whose
    title says `welcome` are made for it."""
    refused = f"{_NEGATED}({excluded})" + (f"|{limits}" if limits else "")
    return Circumstance(
        re.compile(said, re.IGNORECASE),
        excluded,
        refused,
        topic,
        re.compile(unless, re.IGNORECASE) if unless else None,
        welcome,
        re.compile(needs, re.IGNORECASE) if needs else None,
    )


# A kidney function to meet ("serum creatinine greater than 2.0 mg/dL", "GFR less than 50"):
# no one on dialysis meets it.
_KIDNEY_LIMITS = (
    r"creatinine\W+(\w+\W+){0,2}(greater|more|higher|above|over|exceeding|>)"
    r"|(\yGFR|creatinine clearance)\W+(\w+\W+){0,2}(less|lower|below|under|<)"
)


# A hepatitis B or C had and gone ("resolved hep B (HBsAg neg, anti-HBc pos)", "hepatitis C
# curada"): turned away by the trials that exclude its antibodies or its history, not those
# that exclude an active infection (HBsAg positive, replicating virus).
_GONE = r"resolved|cured|cleared|past|prior|previous|treated|curad[ao]|curata|gu[ée]rie?|geheilt"
_GONE += r"|ausgeheilt"


def _hepatitis(letter: str) -> str:
    return rf"hep(?:atitis|atite)?\s*-?\s*{letter}\b"


def _gone(letter: str, signs: str) -> str:
    said = _hepatitis(letter)
    return rf"\b(?:{_GONE})\s+(?:chronic\s+)?{said}|{said}\s+(?:\w+\s+)?(?:{_GONE})\b|{signs}"


_HEPATITIS_B_GONE = _gone("b", r"anti-?HBc\s*(?:pos|\+)|HBsAg\s*(?:neg|-(?!\w)|−)")
_HEPATITIS_C_GONE = _gone("c", r"\bSVR\b|\bRVS\b|\bHCV\s+RNA\s+(?:neg|undetect)")


# Criteria that ask for more than mild disease: "moderate-to-severe", "severe plaque
# psoriasis", Hurley stage II or III, a score past the mild ("EASI ≥16", "IGA ≥3", "PASI ≥12",
# "≥10% body surface area").
_AT_LEAST = r"\W+(\w+\W+){0,3}?(≥|>=|=>|greater than|more than|at least|of at least|over)\s*"
_MODERATE_TO_SEVERE = (
    r"moderate(ly)?\W{1,3}(to\W+)?severe|moderate or severe|\ysevere (chronic |plaque |atopic "
    r"|active |disease|psoriasis|eczema|acne|hidradenitis|hs\y)|\yhurley\W+(stage\W+)?"
    rf"(ii|iii|2|3)\y|\yEASI{_AT_LEAST}(1[2-9]|[2-9]\d)|\y(v?IGA|PGA){_AT_LEAST}[34]"
    rf"|\yPASI{_AT_LEAST}(1\d|[2-9]\d)|\yBSA{_AT_LEAST}(1\d|[2-9]\d) ?%"
    r"|(≥|>=|at least)\s*(1\d|[2-9]\d) ?% (of )?(the )?(body surface|BSA)"
)
# --- A cancer had and gone --------------------------------------------------------------

# A cancer's words in a query.
_CANCER_WORDS = (
    r"cancers?|carcinomas?|melanomas?|lymphomas?|leuka?emias?|myelomas?|sarcomas?"
    r"|malignanc(?:y|ies)|tumou?rs?|\bBCCs?\b|\bSCCs?\b|krebs\w*|c[aá]ncer|cancro"
)
# A cancer had and gone ("had colon cancer 7 years ago … clear since", "breast cancer treated
# 3 yrs ago", "hx of excised BCC", "lymphoma … in remission", "melanoma survivors").
_CANCER_HAD = re.compile(
    r"\b(?:had|beat|survived|treated\s+for|history\s+of|hx\s+of|prior|previous|past|former"
    rf"|excised|removed)\s+(?:[\w-]+\s+){{0,4}}?(?:{_CANCER_WORDS})"
    rf"|(?:{_CANCER_WORDS})\W+(?:\w+\W+){{0,10}}?(?:ago|remission|clear\s+since|all\s+clear"
    r"|cancer[- ]free|survivors?|been\s+clear|no\s+recurrence)\b|\bcancer[- ]free\b",
    re.IGNORECASE,
)
# … of a relative, not of the person ("my dad had melanoma").
_A_RELATIVES = re.compile(
    r"\b(?:dad|father|mum|mom|mother|brother|sister|grand\w+|aunt|uncle|family|parents?"
    r"|husband|wife|friend)\W+$",
    re.IGNORECASE,
)
# A non-melanoma skin cancer, which criteria often allow when treated ("except adequately
# treated basal cell carcinoma").
_SKIN_CANCER = re.compile(
    r"\b(?:BCCs?|SCCs?|basal[- ]cell|squamous[- ]cell|non-?\s?melanoma|skin\s+cancers?)\b",
    re.IGNORECASE,
)
_COUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20,
}  # fmt: skip
_COUNT = r"(\d{1,2}(?:\.\d)?|" + "|".join(_COUNTS) + r")\s*(?:\(\d{1,2}\)\s*)?"
_SPAN = r"(years?|yrs?|months?|mos?)\b"
# How long ago, in the query ("7 years ago", "cancer-free for 6 years").
_HOW_LONG_AGO = re.compile(
    rf"\b{_COUNT}-?\s*{_SPAN}\s+ago\b"
    rf"|\b(?:remission|clear|free)\s+(?:for\s+)?(?:the\s+)?(?:last\s+|past\s+)?{_COUNT}{_SPAN}",
    re.IGNORECASE,
)
# In criteria: a malignancy, within a window ("malignancy within the past 5 years", "in the
# last five (5) years", "less than 5 years before screening"), only active ("active or
# untreated cancer"), or ever ("history of malignancy", "any prior cancer"); with the skin
# cancers allowed ("other than adequately treated basal cell carcinoma").
CRITERIA_CANCER = r"malignan|cancer|carcinoma|neoplas|lymphoma|leuka?emia|melanoma|tumou?r"
_CRITERIA_CANCER = re.compile(CRITERIA_CANCER, re.IGNORECASE)
# Criteria that name a kind of cancer and not cancer in general ("history of lymphoma") say
# nothing to someone who had another kind.
_ANY_CANCER = re.compile(r"malignan|neoplas|cancer|carcinoma|tumou?r", re.IGNORECASE)
# A kind of cancer: its own name, or the organ before "cancer" ("breast cancer", "basal cell
# carcinoma": a skin cancer), each under one name (_KIND_NAMES).
_CANCER_KIND = re.compile(
    r"\b(?:lymphomas?|leuka?emias?|melanomas?|myelomas?|sarcomas?|BCCs?\b|SCCs?\b"
    r"|(?:breast|colon|colorectal|bowel|rectal|lung|prostate|skin|ovarian|cervical|cervix"
    r"|thyroid|bladder|pancreatic|kidney|renal|gastric|stomach|liver|uterine|endometrial"
    r"|basal[- ]cell|squamous[- ]cell|non-?\s?melanoma)\s+(?:skin\s+)?(?:cancers?|carcinomas?))",
    re.IGNORECASE,
)
_KIND_NAMES = {
    "colorectal": "colon",
    "bowel": "colon",
    "rectal": "colon",
    "cervix": "cervical",
    "renal": "kidney",
    "stomach": "gastric",
    "endometrial": "uterine",
    "basal": "skin",
    "squamous": "skin",
    "non": "skin",
    "nonmelanoma": "skin",
    "bcc": "skin",
    "scc": "skin",
}
_WINDOW = re.compile(
    rf"\b(?:within|in|during|over)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)?\s*"
    rf"{_COUNT}{_SPAN}|\b(?:less|fewer)\s+than\s+{_COUNT}{_SPAN}"
    rf"|\b{_COUNT}{_SPAN}\s+(?:prior|before|preceding)",
    re.IGNORECASE,
)
_ACTIVE_CANCER = re.compile(
    r"\b(?:active|current|ongoing|concurrent|concomitant|present|untreated|metastatic"
    r"|under(?:going)?\s+treatment|requir\w*\s+(?:treatment|therapy)|receiving\s+treatment)\b",
    re.IGNORECASE,
)
_EVER = re.compile(
    r"\b(?:history|prior|previous|past|ever|any|pre-?existing)\b|\bhx\b", re.IGNORECASE
)
_SKIN_EXCEPTED = re.compile(
    r"\b(?:except|other\s+than|excluding|exception|apart\s+from|unless|but\s+not)\b[^.;]{0,150}?"
    r"(?:basal|squamous|non-?\s?melanoma|skin|cutaneous|in\s+situ)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CancerHad:
    """A cancer the person had (cancer_had): how many years ago, when said, and whether it
    was a non-melanoma skin cancer."""

    years: float | None
    skin: bool
    kind: str | None = None  # a kind criteria name apart: lymphoma, leukemia, melanoma…


def cancer_had(text: str) -> CancerHad | None:
    """The cancer a query says the person had and is past ("had colon cancer 7 years ago",
    "hx of excised BCC"); None when it says none, or only a relative's."""
    said = next(
        (m for m in _CANCER_HAD.finditer(text) if not _A_RELATIVES.search(text, 0, m.start())), None
    )
    if said is None:
        return None
    ago = _HOW_LONG_AGO.search(text, max(0, said.start() - 80)) or _HOW_LONG_AGO.search(text)
    # The cancer's words, with the organ before them ("breast cancer treated 3 yrs ago").
    named = text[max(0, said.start() - 30) : said.end()]
    kinds = _CANCER_KIND.findall(named)
    return CancerHad(
        _years(ago) if ago else None,
        bool(_SKIN_CANCER.search(named)),
        _kind(kinds[-1]) if kinds else None,
    )


def _kind(said: str) -> str:
    """A kind of cancer under one name ("Breast cancer": breast, "leukaemias": leukemia)."""
    word = re.split(r"[\s-]+", said.lower())[0].replace("ae", "e").removesuffix("s")
    return _KIND_NAMES.get(word, word)


def _years(match: re.Match) -> float:
    groups = match.groups()
    count, span = next((c, s) for c, s in zip(groups[::2], groups[1::2], strict=True) if c)
    number = _COUNTS.get(count.lower()) or float(count)
    return number / 12 if span.lower().startswith("mo") else number


WELCOME, AWAY = "welcome", "away"


def cancer_fate(criteria: dict, had: CancerHad) -> str | None:
    """What a trial's criteria say to someone who had a cancer: AWAY when they turn away
    anyone who ever had one, or had one within a window the person is not past (or may not
    be: no time said, a skin cancer aside); WELCOME when they turn away only an active
    cancer, a cancer within a window the person is past, or allow the skin cancer they had;
    None when they say nothing of it (or nothing clear)."""
    items = criteria.get("exclusion") or []
    if not items and not criteria.get("inclusion"):
        items = (criteria.get("text") or "").split("\n")
    fates = {_cancer_item_fate(item, had) for item in items if _CRITERIA_CANCER.search(item)}
    return AWAY if AWAY in fates else WELCOME if WELCOME in fates else None


def _cancer_item_fate(item: str, had: CancerHad) -> str | None:
    general = _ANY_CANCER.search(_CANCER_KIND.sub(" ", item))
    if not general and had.kind not in {_kind(kind) for kind in _CANCER_KIND.findall(item)}:
        return None  # another kind of cancer's ("no history of breast cancer")
    if had.skin and _SKIN_EXCEPTED.search(item):
        return WELCOME
    if window := _WINDOW.search(item):
        if had.years is None:  # it may have been within: after those saying nothing of it,
            return None if had.skin else AWAY  # unless a skin cancer, most often allowed
        return WELCOME if had.years > _years(window) else AWAY
    if _EVER.search(item):
        return AWAY
    return WELCOME if _ACTIVE_CANCER.search(item) else None


# A title about brain metastases ("… in Patient With BM From Drive Gene Negative NSCLC").
_BRAIN_METASTASES_TITLE = (
    r"brain metast|\yBM\y(?!-)|brain mets|intracranial (metast|lesion|disease|progress|efficacy"
    r"|activity|response)|cerebral metast|\yCNS metast|whole.brain (radio|irradiat|radiation)"
    r"|leptomening"
)
# … and in exclusion criteria.
_BRAIN_METASTASES = (
    r"brain metast|\yCNS metast|central nervous system metast|intracranial metast"
    r"|cerebral metast|metasta\w* (\w+ ){0,3}(to the |in the )?(brain|CNS|central nervous)"
    r"|leptomeningeal"
)
# A part of the spine as people say it ("back", "neck", "L4-5", "C5-C6"), and an operation on
# it that says so itself ("fusion", "ACDF", "laminectomy"): what makes an operation had one on
# the spine (EXCLUDED_CIRCUMSTANCES).
_SPINE_PARTS = (
    r"(?:neck|back|spine|spinal|lumbar|cervical|discs?|disks?|vertebra[el]?"
    r"|[CL][1-7](?:\s?[-/]\s?(?:[CL]?[1-7]|S1))?)"
)
_SPINE_OPERATIONS = (
    r"(?:fusions?|ACDF|TLIF|PLIF|ALIF|XLIF|discectomy|microdiscectomy|laminectomy|laminotomy"
    r"|foraminotomy|arthrodesis|dis[ck]\s+replacement|artificial\s+dis[ck])"
)
# … and in criteria: a spine operation had before ("Previous anterior cervical spine surgery",
# "Any prior history of cervical fusion", "Previous ventral surgery of the cervical spine");
# a fusion or an arthroplasty only of the spine (not "prior knee arthroplasty", "a fusion
# protein"), words apart by at most three marks (not across the list's items: '", "').
_SPINE_SURGERY_HAD = (
    r"(previous|prior|history of|preceding|earlier)\W{1,3}(\w+\W{1,3}){0,4}?(spin\w*|cervical"
    r"|lumbar|thoracolumbar|back|neck|vertebr\w*|dis[ck]\w*)\W{1,3}(\w+\W{1,3}){0,3}?(surg\w*"
    r"|fusion|operat\w*|arthrodesis|arthroplasty|decompression|instrumentation)"
    r"|(previous|prior|history of)\W{1,3}(\w+\W{1,3}){0,4}?(discectomy|microdiscectomy"
    r"|laminectomy|laminotomy|\yTDR\y|\yACDF\y)"
    r"|(previous|prior)\W{1,3}(\w+\W{1,3}){0,3}?(surg\w*|operat\w*)\W{1,3}(\w+\W{1,3}){0,3}?"
    r"(cervical|lumbar|spin\w*|vertebr\w*|(index|same|operative|adjacent|target) (dis[ck] )?level)"
)
# Words that make a spine operation said one only considered, asked about or a topic ("since
# my doctor suggested fusion", "had a consult about fusion", "prior authorization for spinal
# fusion"), and a denial of one ("never had back surgery", "no prior lumbar fusion").
_OPERATION_NOT_HAD = (
    r"(?!(?:about|suggest\w*|recommend\w*|propos\w*|cancel\w*|consult\w*|plan\w*|schedul\w*"
    r"|wait\w*|need\w*|offer\w*|consider\w*|candidate|authori[sz]ation|to|for|follow-?up)\b)"
)
_SPINE_OPERATION_DENIED = (
    r"\b(?:never|not|no|without|haven'?t|hasn'?t|didn'?t|have\s+not|has\s+not|did\s+not)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:surgery|surgeries|operations?|operated|fusions?|ACDF|discectomy"
    r"|microdiscectomy|laminectomy|fused)\b"
)
# What makes a fusion the spine's ("had ALK fusion lung cancer", "an ankle fusion" are none).
_SPINE_SAID = (
    r"\b(?:neck|back|spine|spinal|lumbar|cervical|discs?|disks?|vertebra\w*|sciatica"
    r"|radiculopathy|stenosis|[CLT]\d|ACDF|TLIF|PLIF|ALIF|XLIF|laminectomy|discectomy"
    r"|microdiscectomy)\b"
)
EXCLUDED_CIRCUMSTANCES: tuple[Circumstance, ...] = (
    Circumstance(
        re.compile(
            r"\b(?:pregnant|pregnancy|expecting a baby|weeks along|enceinte|grossesse"
            r"|embarazada|embarazo|schwanger|schwangerschaft|incinta|gravidanza|gr[aá]vida"
            r"|gravidez|zwanger|zwangerschap|w ciąży|hamile)\b|怀孕|妊娠中|妊娠して|임신",
            re.IGNORECASE,
        ),
        r"pregnan",
        _NEGATED + r"pregnan|\ynon-?pregnan|\ypregnancy test",
        welcome=r"pregnan|gestation|postpartum|post-partum",
    ),
    Circumstance(
        re.compile(
            r"\b(?:breast ?feeding|breastfed|nursing|lactating|allaite|allaitement"
            r"|amamantando|lactancia|stille|stillen|allatto|allattamento|amamentando"
            r"|amamenta[çc][aã]o|borstvoeding)\b(?! home)|哺乳|授乳中|모유 ?수유",
            re.IGNORECASE,
        ),
        r"breast.?feed|lactat|nursing",
        _NEGATED + r"(breast.?feed|lactat|nursing)|\ynon-?lactat",
        welcome=r"breast.?feed|lactat|postpartum|post-partum",
    ),
    Circumstance(
        # A cancer the person has now, other than of the skin ("they found his prostate
        # cancer", "would any trial take someone who also has cancer?", "cancer survivors").
        re.compile(
            r"\b(?:prostate|breast|lung|colon|colorectal|bowel|ovarian|bladder|pancreatic"
            r"|stomach|kidney|thyroid|cervical|uterine|blood)\s+cancer\b"
            r"|\b(?:has|have|having|with|got)\s+(?:a\s+|an?\s+active\s+|active\s+)?"
            r"(?:cancer|malignancy|lymphoma|leuka?emia|myeloma)\b"
            r"|\bcancer\s+(?:patients?|survivors?)\b",
            re.IGNORECASE,
        ),
        r"malignan|cancer|carcinoma|neoplas|lymphoma|leuka?emia",
        _NEGATED + r"(malignan|cancer|carcinoma|neoplas)",
        unless=_CANCER_HAD,  # one had and gone: cancer_had
    ),
    _living_with(
        # A cancer spread to the brain, said so ("brain mets", "metastatic to the brain",
        # "brain and bone mets", "metastasi cerebrali", "leptomeningeal disease"): turned away
        # by the trials excluding brain metastases; those about them (a title, or inclusion
        # criteria, saying so) are the ones asked for.
        r"\bbrain\s+(?:and\s+\w+\s+)?(?:metastas[ie]s|mets?)\b"
        r"|\bmet(?:s|astas[ie]s|astatic)\s+(?:\w+\s+)?(?:to|in|into)\s+(?:the\s+)?brain\b"
        r"|\b(?:intracranial|cerebral|CNS)\s+metast|\bleptomeningeal\s+(?:disease|metast|spread)"
        r"|\bHirnmetast|\bm[ée]tastases?\s+c[ée]r[ée]brales?|\bmet[áa]stasis\s+cerebral"
        r"|\bmetastasi\s+cerebrali|\bmet[áa]stases?\s+cerebra|脑转移|脳転移|뇌\s?전이",
        _BRAIN_METASTASES,
        _BRAIN_METASTASES_TITLE,
        welcome=_BRAIN_METASTASES_TITLE,
    ),
    _living_with(
        # … or said of a cancer in other words ("lung cancer … spread to her brain, 3 spots",
        # "spread to the liver and brain", "NSCLC with lesions in the brain"); not an
        # infection or lupus "spread to the brain", a brain tumour, nor brain lesions of MS.
        r"\b(?:spread|spreading|spreaded|spred|gone|moved|metastasi[sz]ed)\s+(?:\w+\s+){0,2}?"
        r"(?:to|into)\s+(?:the\s+|her\s+|his\s+|my\s+|their\s+)?(?:\w+\s+(?:and|&)\s+)?"
        r"(?:brain|brian)\b|\bbrain\s+(?:lesions?|tumou?rs?|spots?)\b"
        r"|\b(?:spots?|lesions?|tumou?rs?)\s+(?:on|in)\s+(?:the\s+|her\s+|his\s+|my\s+)?brain\b",
        _BRAIN_METASTASES,
        _BRAIN_METASTASES_TITLE,
        welcome=_BRAIN_METASTASES_TITLE,
        needs=r"\b(?:cancers?|carcinomas?|NSCLC|SCLC|melanomas?|malignan\w*|adenocarcinomas?"
        r"|metasta\w*|stage\s+(?:4|iv))\b",
    ),
    _living_with(
        r"\bHIV\b(?!\W{0,2}neg)|\bVIH\b|human immunodeficiency virus|\bantiretroviral"
        r"|\bbiktarvy\b|\bgenvoya\b|\btriumeq\b|艾滋|爱滋",
        r"\yHIV\y|human immunodeficiency|\yAIDS\y",
        r"\yHIV\y|human immunodeficiency|\yAIDS\y",
    ),
    _living_with(
        rf"\b{_hepatitis('[bc]')}|\bHBsAg|\bHBV\b|\bHCV\b|\bentecavir\b|\btenofovir\b|乙肝|丙肝",
        r"hepatit|\yHBV\y|\yHCV\y|HBsAg",
        r"hepatit|\yHBV\y|\yHCV\y",
        unless=f"{_HEPATITIS_B_GONE}|{_HEPATITIS_C_GONE}",
    ),
    _living_with(
        _HEPATITIS_B_GONE,
        r"anti.?HBc|HBcAb|hepatitis B core|core antibod|history of (chronic )?hepatitis B",
        r"hepatitis B|\yHBV\y",
    ),
    _living_with(
        _HEPATITIS_C_GONE,
        r"HCV.{0,20}antibod|anti.?HCV|antibod.{0,20}hepatitis C|hepatitis C antibod"
        r"|history of (chronic )?hepatitis C",
        r"hepatitis C|\yHCV\y",
    ),
    _living_with(
        r"\b(?:ha?emo|peritoneal\s+)?dialy[sz]|\bdi[aá]lis|\bkidney\s+failure|\brenal\s+failure"
        r"|\bend[- ]stage\s+(?:renal|kidney)|\bES[RK]D\b|\b(?:kidney|renal)\s+transplant"
        r"|\bNierenversagen|\binsuffisance\s+r[ée]nale|\binsuficiencia\s+renal|透析",
        r"dialy[sz]|renal (failure|insufficiency|impairment|disease)"
        r"|kidney (failure|disease|impairment)|end.stage renal|creatinine|\yGFR|glomerular"
        r"|(renal|kidney) transplant",
        r"dialy[sz]|renal failure|kidney failure|end.stage|kidney disease|transplant",
        limits=_KIDNEY_LIMITS,
    ),
    _living_with(
        r"\bheart\s+(?:attack|failure|disease|problems?|condition|trouble)|\bmyocardial"
        r"|\bCHF\b|\bstents?\b|\bbypass\s+surgery|\bCABG\b|\bangina\b|\bcoronary"
        r"|\binfarto\b|\binfarctus\b|Herzinfarkt|Herzschwäche|Herzinsuffizienz"
        r"|problemas?\s+(?:del\s+|de\s+|do\s+)?(?:coraz[oó]n|cora[cç][aã]o)|problemas?\s+card[ií]ac"
        r"|\bcardiopat|\bcardiaque|心梗|心肌梗",
        r"myocardial|\yheart\y|cardiac|cardiovascular|coronary|angina|infarct|\yNYHA",
        r"\yheart\y|cardiac|cardio|coronary|myocardial|infarct",
    ),
    _living_with(
        # shingles come back ("keep getting shingles - 3 times in 2 years"): turned away by
        # the trials excluding herpes zoster or recurrent infections
        r"\bshingles\b|\bherpes\s+z[oó]ster|\bzoster\b|\bG[üu]rtelrose|\bculebrilla\b"
        r"|\bcobreiro\b|带状疱疹|帯状疱疹|대상포진",
        r"zoster|shingles|recurrent (\w+ )?(viral )?infection|herpes",
        r"zoster|shingles",
        unless=r"\bvaccin|\bshingrix\b|\bzostavax\b|\bimpfung",  # a vaccine asked about
    ),
    _living_with(
        # a thyroid disease ("Hashimoto's thyroiditis on levothyroxine")
        r"\bhashimoto|\bthyroiditis\b|\bhypothyroid|\bhyperthyroid|\bgraves'?\s+disease"
        r"|\blevothyroxine\b|\bsynthroid\b|\beuthyrox\b|\bthyroid\s+disease"
        r"|\bSchilddrüse|\bthyro[iï]dite\b|\btiroiditis\b|\bhipotiroidismo\b|甲状腺",
        r"thyroid",
        r"thyroid",
    ),
    _living_with(
        r"\basthma|\binhalers?\b|\bflovent\b|\balbuterol\b|\bsalbutamol\b|\bventolin\b"
        r"|\bsymbicort\b|\bsingulair\b|\basma\b|\basthme\b|哮喘|喘息|천식",
        r"asthma",
        r"asthma",
    ),
    _living_with(
        r"\bILD\b|\binterstitial\s+lung|\bNSIP\b|\bUIP\b|\b(?:pulmonary|lung)\s+fibrosis"
        r"|\bneumopat[ií]a\s+intersticial|\bpneumopathie\s+interstitielle|间质性肺|間質性肺",
        r"interstitial lung|\yILD\y|pulmonary fibrosis|lung disease",
        r"interstitial lung|\yILD\y|pulmonary fibrosis|\ylung",
    ),
    _living_with(
        r"\bdepressed\b|\bdepression\b|\bantidepressants?\b|\bsertraline\b|\bzoloft\b"
        r"|\bfluoxetine\b|\bprozac\b|\bescitalopram\b|\blexapro\b|\bcitalopram\b"
        r"|\bSSRIs?\b|\bbipolar\b|\bdepresi[oó]n\b|\bDepression(?:en)?\b|\bd[ée]prim",
        r"\ydepress|\ypsychiatric|\ysuicid|mental (illness|disorder)|\ybipolar",
        r"depress|mood|psychiatr|mental|bipolar|anxiety|suicid",
    ),
    Circumstance(
        # Seronegative ("seronegative RA", "Rheumafaktor und Anti-CCP negativ"): turned away by
        # the trials that take only the seropositive (rheumatoid factor or anti-CCP positive).
        re.compile(
            r"\bsero-?negati(?:ve|v|f|va|vo)\b|\bs[ée]ron[ée]gati(?:ve|f)\b"
            r"|\b(?:RF|rheumatoid factor|Rheumafaktor)\W+(?:(?:and|und)\W+)*(?:anti-?CCP\W+)?"
            r"(?:neg(?:ative|ativ)?|-)(?!\w)",
            re.IGNORECASE,
        ),
        r"\yseronegativ",
        r"\yseropositiv|(rheumatoid factor|\yRF\y|anti-?CCP|\yACPA)\W+(\w+\W+){0,3}?"
        r"(positiv|\+|present)",
        welcome=r"seronegativ",
    ),
    Circumstance(
        # A disease mild ("my eczema is pretty mild", "mild HS, hurley stage 1", "limited
        # plaque psoriasis BSA 3%"): turned away by the trials for moderate to severe disease
        # only, first the trials for mild disease (a title saying so).
        re.compile(
            r"\b(?:mild|mildly)\s+(?:\w+\s+){0,2}?(?:psoriasis|eczema|atopic|dermatitis|acne"
            r"|hidradenitis|HS|rosacea|disease|case|form|plaques?|patches|lupus|vitiligo"
            r"|alopecia|urticaria|hives)\b|\b(?:is|are|its|it's|pretty|only|very|quite|fairly"
            r"|relatively|still)\s+mild\b|\bhurley\s+(?:stage\s+)?(?:1|i)\b|\blimited\s+plaque"
            r"|\bleve\b|\bl[ée]g[eè]re?\b|\bleicht(?:e|er|en)?\b|\blieve\b",
            re.IGNORECASE,
        ),
        r"\ymild (disease|psoriasis|atopic|eczema|acne|hidradenitis|symptoms)",
        _MODERATE_TO_SEVERE,
        welcome=r"\ymild\y",
    ),
    Circumstance(
        # An operation on the spine had ("had a neck fusion (ACDF) at C5-C6 in 2016", "after my
        # L4-5 fusion", "previous back surgery", "I'm fused at C5-6"): turned away by the
        # trials excluding prior spine surgery (most disc replacement and fusion trials); the
        # trials made for it first (failed back surgery, adjacent levels, revisions). Not an
        # operation considered ("failed PT, considering fusion").
        re.compile(
            rf"\b(?:(?:had|have\s+had|'ve\s+had|underwent|previous|prior|earlier)\s+"
            rf"|(?:after|since)\s+(?:my|his|her|their|our)\s+)(?:{_OPERATION_NOT_HAD}[\w-]+\s+)"
            rf"{{0,3}}?(?:{_SPINE_OPERATIONS}|{_SPINE_PARTS}\s+(?:surgery|surgeries|operations?"
            rf"|op|decompression))\b"
            rf"|\b(?:had|underwent)\s+(?:\w+\s+){{0,2}}?(?:surgery|surgeries|an?\s+operation"
            rf"|operations)\s+(?:on|in|for)\s+(?:my|his|her|the)\s+(?:[\w-]+\s+){{0,2}}?"
            rf"{_SPINE_PARTS}\b|\bfailed\s+back\s+surgery|\b(?:i'?m|am|was|got|been)\s+fused\b"
            r"|\bfused\s+at\s+[CLT]\d|\bpost-?(?:laminectomy|fusion|discectomy)\b",
            re.IGNORECASE,
        ),
        _SPINE_SURGERY_HAD,
        _NEGATED + f"({_SPINE_SURGERY_HAD})",
        welcome=r"failed (low |lumbar )?back surgery|failed (spine|spinal|lumbar) surgery"
        r"|post.?laminectomy|adjacent (segment|level)|revision"
        r"|re-?operation|re-?herniation|recurrent (lumbar |cervical )?(dis[ck]|herniat)",
        unless=re.compile(_SPINE_OPERATION_DENIED, re.IGNORECASE),
        needs=re.compile(_SPINE_SAID, re.IGNORECASE),
    ),
)


# An organ a person says their disease spares ("my kidneys are fine", "no lung involvement"):
# the trials about its disease are listed last (engine._tiers), as conditions' slugs.
_ORGANS_SPARED: tuple[tuple[re.Pattern, tuple[str, ...]], ...] = tuple(
    (
        re.compile(
            rf"\b(?:my\s+|her\s+|his\s+|the\s+)?(?:{organ})(?:\s+function)?\s+"
            r"(?:(?:are|is|r|were|have been|seem|look|looks)\s+)?"  # "kidneys normal" too
            r"(?:fine|ok|okay|normal|good|healthy|not affected|unaffected|clear)\b"
            rf"|\bno\s+(?:{organ})\s+(?:problems?|issues?|involvement|disease|damage)\b"
            rf"|\bnot\s+(?:in\s+)?(?:my\s+|the\s+)?(?:{organ})\b",
            re.IGNORECASE,
        ),
        slugs,
    )
    for organ, slugs in (
        (r"kidneys?|renal", ("lupus-nephritis",)),
        (r"lungs?|pulmonary", ("interstitial-lung-disease",)),
    )
)


def organs_spared(text: str) -> tuple[str, ...]:
    """The conditions (slugs) of the organs a query says the disease spares (_ORGANS_SPARED:
    "lupus thats mostly rashes and achy joints - my kidneys are fine": lupus nephritis)."""
    return tuple(slug for said, slugs in _ORGANS_SPARED if said.search(text) for slug in slugs)


def excluded_circumstances(text: str) -> tuple[Circumstance, ...]:
    """What a query says of the person that trials turn away (EXCLUDED_CIRCUMSTANCES)."""
    return tuple(
        c
        for c in EXCLUDED_CIRCUMSTANCES
        if any(not _JOINED.search(text, 0, m.start()) for m in c.said.finditer(text))
        and not (c.unless and c.unless.search(text))
        and (c.needs is None or c.needs.search(text))
    )


# A circumstance joined to a disease's name is the kind of disease searched ("SSc-ILD / RA-ILD
# -- any lung studies?"), no other disease the person lives with.
_JOINED = re.compile(r"\w-\Z")


# "… at Johns Hopkins", "… @ Mayo Clinic": the words after "at" that end the query, as the
# name of an institution where a trial has a site (engine._tiers); not "at home", "at night".
_AT_INSTITUTION = re.compile(r"(?:^|\s)(?:at|@)\s+(?:the\s+)?([\w.'&-]+(?:\s+[\w.'&-]+){0,4})\W*$")
_NO_INSTITUTION = frozenset(
    {"home", "night", "work", "school", "least", "all", "once", "first", "same", "times"}
    | {"risk", "baseline", "week", "weeks", "day", "days", "month", "months", "year", "years"}
    | {"age", "bedtime", "rest"}
)


_LONGEST_NAME_WORD = 40


def institution_pattern(text: str) -> str | None:
    """A PostgreSQL regular expression (`~*`) for a site's name with every word a query names
    after "at" at its end ("lupus research at johns hopkins"), or None."""
    if not (found := _AT_INSTITUTION.search(text)):
        return None
    said = [word for word in re.findall(r"[\w'&-]+", found[1]) if word.lower() not in STOP_WORDS]
    said = [word for word in said if len(word) <= _LONGEST_NAME_WORD][:5]
    if not said or all(word.lower() in _NO_INSTITUTION for word in said):
        return None
    return "".join(f"(?=.*\\y{_pg_escaped(word)}\\y)" for word in said)


def drug_names_pattern(text: str) -> str:
    """A PostgreSQL regular expression (any case: `~*`) for the names of the drugs `text` names
    (labels, synonyms, as typed), each whole: the trials of their class whose exclusion criteria
    name them are not listed for them (engine._class_filled: a lebrikizumab trial that turns
    away those treated with dupilumab is none for "dupilumab")."""
    mentions = Vocabulary.default().find(text, ("drug",))
    return drugs_pattern([mention.slug for mention in mentions], [m.text for m in mentions])


_CHILDREN_S = re.compile(r"\b(?:juvenile|p(?:a)?ediatric|childhood|infantile|neonatal)\b", re.I)


def children_s_disease_named(text: str) -> bool:
    """Whether a condition `text` names is one of children ("juvenile dermatomyositis",
    "neonatal lupus"): the trials open to any skin disease that take no child are none for it
    (engine._general_filled)."""
    vocabulary = Vocabulary.default()
    for mention in vocabulary.find(text, ("condition",)):
        label = (vocabulary.condition(mention.slug) or {}).get("label") or ""
        if _CHILDREN_S.search(f"{mention.text} {label}"):
            return True
    return False


def condition_names_said(text: str) -> tuple[str, ...]:
    """The names of conditions `text` says, as typed, each once (fulltext._welcomed_named)."""
    return tuple(dict.fromkeys(m.text for m in Vocabulary.default().find(text, ("condition",))))


def condition_names_pattern(text: str) -> str:
    """A PostgreSQL regular expression (any case: `~*`) for the names of the conditions `text`
    names (labels, synonyms, as typed), each whole: the trials open to any skin disease whose
    exclusion criteria name them are not listed for them (engine._general_filled)."""
    vocabulary = Vocabulary.default()
    mentions = vocabulary.find(text, ("condition",))
    return _whole(
        _names(vocabulary.condition, [m.slug for m in mentions], [m.text for m in mentions])
    )


def drug_names(slugs: Iterable[str], typed: Iterable[str] = ()) -> list[str]:
    """The names of the drugs `slugs` (labels, synonyms) and the names `typed`, longest
    first."""
    return _names(Vocabulary.default().drug, slugs, typed)


def _names(entry_of: Callable[[str], dict | None], slugs: Iterable[str], typed: Iterable[str]):
    """The names of the vocabulary's entries `slugs` (labels, synonyms) and the names `typed`,
    longest first."""
    names = set(typed)
    for slug in slugs:
        entry = entry_of(slug) or {}
        names.update([entry.get("label") or "", *entry.get("synonyms", [])])
    return sorted((name for name in names if name), key=len, reverse=True)


def conditions_pattern(slugs: Iterable[str]) -> str:
    """A PostgreSQL regular expression (any case: `~*`) for the names of the conditions
    `slugs` (labels, synonyms), each whole; "" for none."""
    return _whole(_names(Vocabulary.default().condition, slugs, ()))


def drugs_pattern(slugs: Iterable[str], typed: Iterable[str] = ()) -> str:
    """A PostgreSQL regular expression (any case: `~*`) for the names of the drugs `slugs`
    (labels, synonyms) and the names `typed`, each whole."""
    return _whole(drug_names(slugs, typed))


def _whole(names: list[str]) -> str:
    """A PostgreSQL regular expression matching any of `names`, each whole; "" for none."""
    return r"\y(" + "|".join(map(_pg_escaped, names)) + r")\y" if names else ""


def _pg_escaped(text: str) -> str:
    """`text` matched literally inside a PostgreSQL regular expression."""
    return re.sub(r"([^\w\s])", r"\\\1", text)
