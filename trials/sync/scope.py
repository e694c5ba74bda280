"""The portal's scope as ClinicalTrials.gov queries: the skin conditions' names, `OR`-ed into
`query.cond` values short enough for a URL (used by trials.sync.ctgov)."""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

from trials.models import Condition


def scope_terms() -> list[str]:
    """The condition terms that make up the portal's scope: labels and synonyms of the skin
    conditions. Abbreviations are left out (`AD` would ask for Alzheimer's disease too), and so
    are names in other scripts than the Latin (the registry's records are in English: `皮肌炎`
    asks for nothing but a longer query) and a term that contains another (`plaque psoriasis`
    is found by `psoriasis`)."""
    names = []
    for condition in Condition.objects.filter(skin=True).order_by("slug"):
        names += [condition.label, *condition.synonyms]
    words: dict[tuple[str, ...], str] = {}
    for name in names:
        name = " ".join(name.replace('"', " ").split())
        letters = [c for c in name if c.isalpha()]
        if len(name) < 5 or sum(c.isupper() for c in letters) * 2 > len(letters):
            continue
        if not all(_latin(c) for c in letters):
            continue
        key = tuple(re.findall(r"\w+", name.lower()))
        if key:
            words.setdefault(key, name)
    kept = [
        name
        for key, name in words.items()
        if not any(other != key and _contains(key, other) for other in words)
    ]
    return sorted(kept, key=str.lower)


def _latin(letter: str) -> bool:
    return letter.isascii() or unicodedata.name(letter, "").startswith("LATIN ")


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(words[at : at + size] == part for at in range(len(words) - size + 1))


def scope_queries(terms: list[str], budget: int) -> list[str]:
    """`query.cond` values: the terms joined with ` OR `, each value's URL-encoded length
    within `budget` characters."""
    queries: list[str] = []
    current: list[str] = []
    for term in terms:
        quoted = f'"{term}"' if not re.fullmatch(r"[\w-]+", term) else term
        candidate = " OR ".join([*current, quoted])
        if current and len(urllib.parse.quote(candidate)) > budget:
            queries.append(" OR ".join(current))
            current = [quoted]
        else:
            current.append(quoted)
    if current:
        queries.append(" OR ".join(current))
    return queries
