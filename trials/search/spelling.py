"""Typo correction for the search box, against the vocabularies' words.

Patients misspell disease and drug names ("dermatomyosits", "lenalidomid"). When a query finds
nothing, each unknown word of four letters or more is replaced by the closest vocabulary word
(rapidfuzz), if one is close enough; the engine then runs the corrected query.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from trials.models import Condition, Drug, DrugClass
from trials.search import cache
from trials.search import words as query_words
from trials.search.timing import timed

MIN_LENGTH = 4
WORD = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]")


def _lexicon() -> tuple[set[str], list[str]]:
    """The vocabularies' words of MIN_LENGTH letters or more: as a set, and sorted."""
    lexicon = cache.LEXICON.get("words")
    if lexicon is None:
        words: set[str] = set()
        for model in (Condition, Drug, DrugClass):
            for label, synonyms in model.objects.values_list("label", "synonyms"):
                for text in [label, *synonyms]:
                    words.update(w.lower() for w in WORD.findall(text) if len(w) >= MIN_LENGTH)
        lexicon = (words, sorted(words))
        cache.LEXICON.put("words", lexicon)
    return lexicon


def _max_edits(word: str) -> int:
    return 1 if len(word) < 7 else 2


@timed("spelling")
def correct(text: str) -> str | None:
    """The query with misspelled words replaced, or None when nothing needed correcting."""
    words, choices = _lexicon()
    changed = False

    def fix(match: re.Match) -> str:
        nonlocal changed
        word = match.group(0)
        lower = word.lower()
        # Filler words ("trial", "near") are dropped from the search: never "corrected" into one.
        if len(lower) < MIN_LENGTH or lower in words or query_words.is_filler(lower):
            return word
        best = process.extractOne(
            lower, choices, scorer=Levenshtein.distance, score_cutoff=_max_edits(lower)
        )
        if best is None:
            return word
        changed = True
        return best[0]

    corrected = WORD.sub(fix, text)
    return corrected if changed else None


def changed_words(text: str, corrected: str) -> list[str]:
    """The words of `corrected` (correct's answer for `text`) that correct changed."""
    pairs = zip(WORD.findall(text), WORD.findall(corrected), strict=False)
    return [fixed for typed, fixed in pairs if typed != fixed]
