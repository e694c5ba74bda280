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

The result is `to_tsquery` text built only from letters, digits and the operators `& | ( )`:
registry text never reaches the query parser, and no query can fail to parse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from trials.readers.vocabulary import VOCAB_DIR, tokens

WEBSEARCH = "websearch"
RAW = "raw"
# Web-search syntax a user may mean: a quoted phrase, "or", or a word excluded with "-".
_SYNTAX = re.compile(r"\"|(^|\s)-\w|\sor\s", re.IGNORECASE)
# A phrase of the vocabulary is at most this many words.
_LONGEST = 8


@dataclass(frozen=True)
class TextQuery:
    """A query's full-text form: the function's search type ("raw": to_tsquery, "websearch":
    websearch_to_tsquery) and its text."""

    search_type: str
    text: str


def _words(text: str) -> tuple[str, ...]:
    """The words of a vocabulary name: folded (no accents, lower case)."""
    return tuple(folded for folded, *_ in tokens(text) if folded.isalnum())


def _typed(text: str) -> list[tuple[str, str]]:
    """The words of a query: (folded, as typed in lower case). Each is letters and digits only
    (str.isalnum), so that no word can be a to_tsquery operator."""
    return [(folded, written.lower()) for folded, written, *_ in tokens(text) if folded.isalnum()]


@cache
def _vocabulary() -> tuple[dict[tuple[str, ...], tuple[tuple[str, ...], ...]], frozenset[str]]:
    """Phrase (words) -> its alternatives (each a tuple of words), and the droppable words.
    Read once per process: the files change with a deployment."""
    lay = json.loads((VOCAB_DIR / "lay_terms.json").read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(says: list[str], means: list[str]) -> None:
        alternatives = [_words(name) for name in [*says, *means]]
        for say in says:
            known = phrases.setdefault(_words(say), [])
            known += [words for words in alternatives if words and words not in known]

    for term in lay["terms"]:
        add(term["say"], term["mean"])
    drugs = {
        drug["slug"]: [drug["label"], *drug.get("synonyms", [])]
        for drug in json.loads((VOCAB_DIR / "drugs.json").read_text(encoding="utf-8"))
    }
    for drug_class in json.loads((VOCAB_DIR / "drug_classes.json").read_text(encoding="utf-8")):
        names = [drug_class["label"], *drug_class.get("synonyms", [])]
        members = [name for slug in drug_class.get("members", []) for name in drugs.get(slug, [])]
        add(names, members)
    droppable = frozenset(_words(" ".join([*lay["filler"], *lay["child"]])))
    frozen = {phrase: tuple(alts) for phrase, alts in phrases.items() if phrase}
    return frozen, droppable


Group = tuple[tuple[str, ...], ...]  # alternatives, each a tuple of words (all required)


def _groups(text: str) -> list[Group]:
    """The query's groups, in order: vocabulary phrases (the words as typed, then what they
    mean), then single words; filler dropped unless nothing else is left."""
    phrases, droppable = _vocabulary()
    typed = _typed(text)
    folded = tuple(word for word, _ in typed)
    groups: list[Group] = []
    filler: set[int] = set()  # positions in groups of droppable single words
    start = 0
    while start < len(typed):
        for length in range(min(_LONGEST, len(typed) - start), 0, -1):
            alternatives = phrases.get(folded[start : start + length])
            if alternatives:
                as_typed = tuple(written for _, written in typed[start : start + length])
                groups.append((as_typed, *(alt for alt in alternatives if alt != as_typed)))
                start += length
                break
        else:
            if folded[start] in droppable:
                filler.add(len(groups))
            groups.append(((typed[start][1],),))
            start += 1
    if len(filler) < len(groups):
        groups = [group for position, group in enumerate(groups) if position not in filler]
    return groups


def _group_text(group: Group) -> str:
    return "(" + " | ".join("(" + " & ".join(words) + ")" for words in group) + ")"


def read(text: str, relaxed: bool = False) -> TextQuery:
    """The full-text query for `text`: all groups required, or with `relaxed` any of them."""
    if _SYNTAX.search(text):
        return TextQuery(WEBSEARCH, text)
    groups = _groups(text)
    if not groups:
        return TextQuery(WEBSEARCH, text)
    joiner = " | " if relaxed else " & "
    return TextQuery(RAW, joiner.join(_group_text(group) for group in groups))


def can_relax(text: str) -> bool:
    """Whether `text` has a relaxed form that may find more than the strict one."""
    return not _SYNTAX.search(text) and len(_groups(text)) > 1
