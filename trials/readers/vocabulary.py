"""Conditions, drugs and drug classes: matching the words registries use to vocabulary slugs.

A `Vocabulary` is built from plain data (the dicts of trials/vocab/*.json), so the loader can
later pass one built from the curator-edited tables instead of `Vocabulary.default()`.

Matching works on word tokens (accents, case and punctuation ignored: "Interleukin-2",
"interleukin 2" and "IL-2" meet). Abbreviations — synonyms of at most five letters written with
capitals after the first ("DM", "IL-2", "CsA", "GCs") — must keep their case in free text, so
that "AD" finds atopic dermatitis but "ad" in "ad libitum" does not; a field that names a
condition or an intervention matches them in any case, but only as the whole field: inside a
longer name they mostly belong to another field ("ATTR-PN" is a polyneuropathy, "Dementia (AD
and non-AD)" Alzheimer's). The longest synonym wins ("cutaneous lupus" beats "lupus").
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Self

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"


@cache
def combining_marks() -> str:
    """A character class's inside: the combining marks (Unicode categories Mn, Mc, Me) of the Basic
    Multilingual Plane, as ranges."""
    ranges: list[list[int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(
        re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else "")
        for first, last in ranges
    )


# A word: letters and digits, with the marks that belong to them ("मेरी", "عامًا": a vowel sign
# is no letter to Python's \w, and split the word at each). Marks are looked for where the
# letters stop: a word without (most) is read as fast as before.
_WORD = re.compile(rf"[^\W_]+(?:[{combining_marks()}]+[^\W_]*)*")
_PLACEBO_WORDS = {"placebo", "placebos", "sham", "vehicle", "dummy"}


def fold_word(token: str) -> str:
    """A word without its accents, in lower case ("Psoríase": "psoriase"); letters with no
    accent to drop stay as they are (Chinese, Japanese, Korean, Greek, Cyrillic: "银屑病"). The
    German ß as ss, as Switzerland and keyboards without it write it ("Bandscheibenverschleiss")."""
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFKD", token)
    return (
        "".join([c for c in decomposed if not unicodedata.combining(c)]).lower().replace("ß", "ss")
    )


def tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(folded, as written, start, end) for each word of `text`."""
    return [(fold_word(m[0]), m[0], m.start(), m.end()) for m in _WORD.finditer(text)]


# A record's intervention and condition names are matched several times (placebo, drug,
# condition) and registries repeat them: their tokens are remembered (callers only read them).
_name_tokens = lru_cache(maxsize=4096)(tokens)


def is_abbreviation(name: str) -> bool:
    """A synonym of at most five letters written with capitals after the first ("DM", "IL-2")."""
    letters = [c for c in name if c.isalpha()]
    return 0 < len(letters) <= 5 and (
        all(c.isupper() for c in letters) or any(c.isupper() for c in letters[1:])
    )


@dataclass(frozen=True)
class Mention:
    """A vocabulary term found in a text: `kind` is condition, drug or class."""

    kind: str
    slug: str
    text: str
    start: int
    end: int


# "Head, Modifier" (MeSH's order): one comma, a few words each side.
_INVERTED = re.compile(r"([^,()]{3,40}),\s*([^,()]{3,40})")
# A class name's last word, whose other number names the class too: "IL-13 inhibitor" is
# "IL-13 inhibitors", "oral retinoids" "oral retinoid".
_COUNTABLE = re.compile(r"(?<=[a-z]{3})(s?)$")


def other_number(name: str) -> str | None:
    """A drug class's name with its last word in the other number ("JAK inhibitor" ->
    "JAK inhibitors", "biologics" -> "biologic"), or None when it ends in no lower-case word
    of four letters or more (an abbreviation: "TNFi", "anti-IL-13")."""
    if not (match := _COUNTABLE.search(name)) or is_abbreviation(name):
        return None
    return name[: match.start()] if match[1] else name + "s"


# A class named by what its drugs do to a target ("IL-17 inhibitors", "anti-TNF") is named as
# well by the other words for it: "IL-17 blockade", "TNF antagonists", "C5 inhibition".
_ACTIONS = (
    "inhibitor",
    "inhibitors",
    "inhibition",
    "blocker",
    "blockers",
    "blockade",
    "antagonist",
    "antagonists",
)
_ACTION = re.compile(
    r"^(?P<target>.+?)\s+(?:inhibitors?|inhibition|blockers?|blockade|antagonists?)$", re.I
)
_ANTI = re.compile(r"^anti-(?P<target>[^\s]+)$", re.I)


def _action_names(name: str) -> list[str]:
    """The class's other names for the same action on its target ("IL-17 inhibitors":
    "IL-17 blockade", "IL-17 inhibition"…; "anti-C5": "C5 inhibitors"…); none for a name of
    no action, or "anti-" before no target's abbreviation ("anti-malarials")."""
    match = _ACTION.match(name) or _ANTI.match(name)
    if not match or (name.lower().startswith("anti-") and not is_abbreviation(match["target"])):
        return []
    return [f"{match['target']} {action}" for action in _ACTIONS]


def class_names(names: list[str]) -> list[str]:
    """A drug class's names, each in the other number (other_number) and, for a class named
    by its action on a target, that action in other words (_action_names), for every reader
    of the class vocabulary: the readers' Vocabulary and the search's phrases."""
    named = list(names)
    for name in names:
        for other in [other_number(name), *_action_names(name)]:
            if other and other.lower() not in {known.lower() for known in named}:
                named.append(other)
    return named


# A sponsor's code for a drug: a prefix of two to six letters, then digits (a letter may end
# it), written joined ("ABT494", "HS10296"), hyphenated ("ABT-494") or spaced ("BI 655066").
_CODE = re.compile(r"(?P<prefix>[A-Za-z]{2,6})(?P<gap>[- ]?)(?P<number>\d{2,}[A-Za-z]?)")


def code_other_form(name: str) -> str | None:
    """A drug code's other way of being written: "ABT-494" and "BI 655066" joined ("ABT494",
    "BI655066"), "HS10296" hyphenated ("HS-10296"). Registries, papers and people write the
    same code each way, and the words of one are not the words of the other ("abt494" is one
    word, "ABT-494" two). None for a name that is no code."""
    if not (match := _CODE.fullmatch(name.strip())):
        return None
    if match["gap"]:
        return match["prefix"] + match["number"]
    return f"{match['prefix']}-{match['number']}"


@dataclass(frozen=True)
class _Entry:
    kind: str
    slug: str
    exact: tuple[str, ...] | None  # the written tokens, when case must match


class Vocabulary:
    def __init__(self, conditions: list[dict], drugs: list[dict], drug_classes: list[dict]):
        self.conditions = {c["slug"]: c for c in conditions}
        self.drugs = {d["slug"]: d for d in drugs}
        self.drug_classes = {c["slug"]: c for c in drug_classes}
        self._index: dict[tuple[str, ...], list[_Entry]] = {}
        for kind, items in (
            ("condition", conditions),
            ("drug", drugs),
            ("class", drug_classes),
        ):
            for item in items:
                names = [item["label"], item["slug"].replace("-", " "), *item.get("synonyms", [])]
                for name in class_names(names) if kind == "class" else names:
                    self._add(kind, item["slug"], name)
                    if other := code_other_form(name):
                        self._add(kind, item["slug"], other)
        # The longest term starting with each word: most words start none, and are passed by
        # with one look-up.
        self._span: dict[str, int] = {}
        for key in self._index:
            self._span[key[0]] = max(self._span.get(key[0], 0), len(key))
        # Registries repeat their names ("Psoriasis", "Placebo", "Dupilumab 300 mg"): what a
        # name matched, and whether it is a placebo, remembered (NAMES_REMEMBERED at most).
        self._named: dict[tuple[str, tuple[str, ...]], _Entry | None] = {}
        self._placebo: dict[str, bool] = {}

    def _add(self, kind: str, slug: str, name: str) -> None:
        toks = tokens(name)
        if not toks:
            return
        key = tuple(t[0] for t in toks)
        # A code ("ABT-494") is capitals but no abbreviation: its digits make it one drug's
        # alone, in any case and inside a longer name ("Drug: ABT494 30 mg").
        abbreviation = is_abbreviation(name) and not _CODE.fullmatch(name.strip())
        exact = tuple(t[1] for t in toks) if abbreviation else None
        entries = self._index.setdefault(key, [])
        entry = _Entry(kind, slug, exact)
        if entry not in entries and not any(e.kind == kind and e.slug == slug for e in entries):
            entries.append(entry)
        elif exact is None:  # the same words also spelled as a plain word: case no longer matters
            entries[:] = [_Entry(kind, slug, None) if e.slug == slug else e for e in entries]

    @classmethod
    def from_files(cls, directory: Path = VOCAB_DIR) -> Self:
        def load(name: str) -> list[dict]:
            return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))

        return cls(load("conditions"), load("drugs"), load("drug_classes"))

    @classmethod
    def default(cls) -> "Vocabulary":
        """The vocabulary of the data files, built once per process."""
        return _default()

    # --- look-ups ---------------------------------------------------------------------------

    def condition(self, slug: str | None) -> dict | None:
        return self.conditions.get(slug) if slug else None

    def drug(self, slug: str | None) -> dict | None:
        return self.drugs.get(slug) if slug else None

    @cached_property
    def classes_of(self) -> dict[str, list[str]]:
        """Drug slug -> the slugs of the classes it is a member of."""
        classes: dict[str, list[str]] = {}
        for slug, drug_class in self.drug_classes.items():
            for member in drug_class.get("members", []):
                classes.setdefault(member, []).append(slug)
        return classes

    def related_conditions(self, first: str, second: str) -> bool:
        """Same term, or one is the other's parent (juvenile DM and DM are related)."""

        def parent(slug: str) -> str | None:
            return (self.conditions.get(slug) or {}).get("parent")

        return (
            first == second
            or parent(first) == second
            or parent(second) == first
            or (parent(first) or first) == (parent(second) or second)
        )

    # --- matching ---------------------------------------------------------------------------

    def find(
        self, text: str | None, kinds: tuple[str, ...], *, abbreviations: bool = True
    ) -> list[Mention]:
        """Every non-overlapping mention of the given kinds in free text, longest first."""
        if not text:
            return []
        toks = tokens(text)
        found: list[Mention] = []
        span = self._span
        position = 0
        while position < len(toks):
            longest = span.get(toks[position][0], 0)
            for size in range(min(longest, len(toks) - position), 0, -1):
                window = toks[position : position + size]
                entry = self._lookup(window, kinds, abbreviations=abbreviations, any_case=False)
                if entry:
                    start, end = window[0][2], window[-1][3]
                    found.append(Mention(entry.kind, entry.slug, text[start:end], start, end))
                    position += size
                    break
            else:
                position += 1
        return found

    def _lookup(self, window, kinds, *, abbreviations: bool, any_case: bool) -> _Entry | None:
        for entry in self._index.get(tuple(t[0] for t in window), ()):
            if entry.kind not in kinds:
                continue
            if entry.exact is not None:
                if not abbreviations:
                    continue
                if not any_case and entry.exact != tuple(t[1] for t in window):
                    continue
            return entry
        return None

    def _match_name(self, name: str | None, kinds: tuple[str, ...]) -> _Entry | None:
        """A name field: the whole name if it is a term (abbreviations too, in any case), else
        the longest term inside it that is no abbreviation."""
        if not name or not name.strip():
            return None
        try:
            return self._named[name, kinds]
        except KeyError:
            return _remember(self._named, (name, kinds), self._match_whole_name(name, kinds))

    def _match_whole_name(self, name: str, kinds: tuple[str, ...]) -> _Entry | None:
        toks = _name_tokens(name)
        if entry := self._lookup(toks, kinds, abbreviations=True, any_case=True):
            return entry
        # MeSH's inverted names, as ClinicalTrials.gov lists them: "Scleroderma, Circumscribed"
        # is circumscribed scleroderma (morphea), not scleroderma.
        if (inverted := _INVERTED.fullmatch(name.strip())) and (
            entry := self._lookup(
                _name_tokens(f"{inverted[2]} {inverted[1]}"),
                kinds,
                abbreviations=False,
                any_case=True,
            )
        ):
            return entry
        best: tuple[int, int, _Entry] | None = None
        for position in range(len(toks)):
            for size in range(
                min(self._span.get(toks[position][0], 0), len(toks) - position), 0, -1
            ):
                # Abbreviations count only as the whole name: inside a longer name they
                # are another field's ("ATTR-PN" polyneuropathy, "Dementia (AD …)").
                entry = self._lookup(
                    toks[position : position + size], kinds, abbreviations=False, any_case=False
                )
                if entry and (best is None or size > best[0]):
                    best = (size, -position, entry)
                    break
        return best[2] if best else None

    def match_condition(self, name: str | None) -> str | None:
        """Condition slug for a condition as a registry names it; None when not in vocabulary."""
        entry = self._match_name(name, ("condition",))
        return entry.slug if entry else None

    def match_drug(self, name: str | None) -> str | None:
        """Drug slug (INN) for an intervention name ("lenalidomide 10mg qd", "Proleukin").
        Placebo is never a drug: a placebo intervention gives None."""
        if not name or self.is_placebo(name):
            return None
        entry = self._match_name(name, ("drug",))
        return entry.slug if entry else None

    def is_placebo(self, name: str | None) -> bool:
        """Placebo, sham procedure, vehicle cream: the comparator that is no active treatment."""
        if not name:
            return False
        if (known := self._placebo.get(name)) is None:
            known = _remember(
                self._placebo, name, not _PLACEBO_WORDS.isdisjoint(t[0] for t in _name_tokens(name))
            )
        return known

    def refractory(self, record: dict) -> dict:
        """The portal's reading of whether the trial enrols refractory patients; see
        trials.readers.refractory for the rules."""
        from trials.readers.refractory import read_refractory

        return read_refractory(record, self)


# How many names a Vocabulary remembers the match of (Vocabulary._named, _placebo): past it,
# it forgets them all and starts again.
NAMES_REMEMBERED = 50_000


def _remember(memo: dict, key, value):
    if len(memo) >= NAMES_REMEMBERED:
        memo.clear()
    memo[key] = value
    return value


@cache
def _default() -> Vocabulary:
    return Vocabulary.from_files()
