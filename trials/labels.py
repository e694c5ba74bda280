"""Human labels for facet values, and which values are valid.

Condition and drug labels come from the vocabulary tables, read once per process and re-read
when a curator may have changed them (at most every VOCAB_TTL seconds); countries from pycountry.
"""

from __future__ import annotations

import time
from functools import cache

import pycountry

from trials.models import Condition, Drug, Phase, Status, StudyType

VOCAB_TTL = 30.0
_vocab: dict[str, dict[str, str]] = {}
_loaded_at = 0.0


def vocabulary() -> dict[str, dict[str, str]]:
    """{"condition": {slug: label}, "drug": {slug: label}}, cached per process."""
    global _vocab, _loaded_at
    if not _vocab or time.monotonic() - _loaded_at > VOCAB_TTL:
        _vocab = {
            "condition": dict(Condition.objects.values_list("slug", "label")),
            "drug": dict(Drug.objects.values_list("slug", "label")),
        }
        _loaded_at = time.monotonic()
    return _vocab


def forget() -> None:
    """Drop the cache (tests, and after vocabulary edits in this process)."""
    global _vocab
    _vocab = {}


@cache
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


ENUM_LABELS = {
    "phase": dict(Phase.choices),
    "status": dict(Status.choices),
    "study_type": dict(StudyType.choices),
}


def label(facet: str, value: str) -> str:
    if facet in ENUM_LABELS:
        return ENUM_LABELS[facet].get(value, value)
    if facet == "country":
        return country_name(value)
    if facet in ("condition", "drug"):
        return vocabulary()[facet].get(value) or value.replace("-", " ").capitalize()
    return value
