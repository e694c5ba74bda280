"""The instruments a trial measures its outcomes with (`vocab/instruments.json`): DLQI, PASI,
EASI, CDASI, CLASI, ACR20, MMT-8, … — what clinicians search by ("DLQI as secondary outcome",
"PASI 75", "ACR20 response"). Each found in the outcomes' measures by its acronym (as written:
"IGA" is no "IgA") or by its name (any case) adds its acronym to the trial's search terms
(trials.loading.columns._term_words); the outcomes' other words are not search text (they
named vaccines and antibodies in trials about neither: docs/benchmarks.md, session 24).

A name or acronym is found only as a whole: no letter or digit before it, no letter after it
("EASI-75" and "EASI75" are EASI; "PASIS" is not PASI). `patterns` gives each as the regular
expressions PostgreSQL's and Python's engines read alike, for migration 0027's SQL."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

VOCAB = Path(__file__).resolve().parent.parent / "vocab" / "instruments.json"


@cache
def instruments() -> tuple[dict, ...]:
    return tuple(json.loads(VOCAB.read_text(encoding="utf-8")))


def _literal(text: str) -> str:
    """`text` as a pattern: its letters as themselves, any run of spaces as one or more."""
    return r"\s+".join(re.escape(part) for part in text.split())


def patterns() -> list[tuple[str, str | None, str | None]]:
    """Per instrument, in the file's order: (acronym, the pattern of its acronyms as written,
    the pattern of its names in any case; None for none)."""
    found = []
    for instrument in instruments():
        acronyms = [instrument["acronym"], *instrument.get("also", [])]
        names = instrument.get("names", [])
        exact = "|".join(_literal(a) for a in sorted(acronyms, key=len, reverse=True))
        anycase = "|".join(_literal(n) for n in sorted(names, key=len, reverse=True))
        found.append(
            (
                instrument["acronym"],
                f"(^|[^A-Za-z0-9])({exact})([^A-Za-z]|$)" if exact else None,
                f"(^|[^a-z0-9])({anycase})([^a-z]|$)" if anycase else None,
            )
        )
    return found


# A text's words as the patterns' boundaries cut them: runs of letters, runs of digits.
_RUNS = re.compile(r"[A-Za-z]+|[0-9]+")


@cache
def _compiled() -> tuple[tuple[str, tuple[frozenset[str], ...], re.Pattern], ...]:
    """Per instrument: its acronym, the words each of its acronyms (as written) and names (in
    lower case) is made of — a text that names it has all the words of one, set look-ups
    before any pattern (the import's cost) — and its pattern (acronyms or names)."""
    found = []
    for instrument, (acronym, exact, anycase) in zip(instruments(), patterns(), strict=True):
        scoped = [f"(?-i:{exact})" if exact else None, f"(?:{anycase})" if anycase else None]
        acronyms = [acronym, *instrument.get("also", [])]
        names = [name.lower() for name in instrument.get("names", [])]
        found.append(
            (
                acronym,
                tuple(frozenset(_RUNS.findall(literal)) for literal in [*acronyms, *names]),
                re.compile("|".join(p for p in scoped if p), re.IGNORECASE),
            )
        )
    return tuple(found)


def measures_text(outcomes: list | None) -> str:
    """The outcomes' measures joined by a space, those without one left out (as PostgreSQL's
    string_agg does)."""
    return " ".join(
        measure
        for outcome in outcomes or []
        if isinstance(outcome, dict) and (measure := outcome.get("measure"))
    )


def instrument_words(outcomes: list | None) -> list[str]:
    """The acronyms of the instruments the outcomes' measures name, in the file's order."""
    text = measures_text(outcomes)
    if not text:
        return []
    runs = set(_RUNS.findall(text))
    runs |= {run.lower() for run in runs}  # a name's words in any case
    compiled, by_word = _compiled(), _by_word()
    candidates = sorted({at for run in runs for at in by_word.get(run, ())})
    return [
        compiled[at][0]
        for at in candidates
        if any(words <= runs for words in compiled[at][1]) and compiled[at][2].search(text)
    ]


@cache
def _by_word() -> dict[str, tuple[int, ...]]:
    """A word -> the instruments (their places in _compiled) one of whose literals has it."""
    found: dict[str, set[int]] = {}
    for at, (_, literals, _) in enumerate(_compiled()):
        for words in literals:
            for word in words:
                found.setdefault(word, set()).add(at)
    return {word: tuple(sorted(places)) for word, places in found.items()}
