"""Words for the values that have no fixed list: vocabulary terms and countries.

Condition, drug and drug-class labels come from the vocabulary tables (curators edit them), read
once and re-read after the cache's TTL (`cache.VOCABULARY`); countries from pycountry. The fixed
values (phases, statuses, age groups, …) have their labels in their facet's declaration
(facets.py). A failed prior therapy reads "Failed methotrexate", "Failed a biologic".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache as forever

import pycountry

from trials.models import Condition, Drug, DrugClass
from trials.readers.refractory import NONE_NAMED
from trials.search import cache


@dataclass
class _Reading:
    """The vocabulary tables as read once, and the labels made from them since."""

    terms: dict[str, dict[str, str]]
    # id(owner) -> (owner, {value: label}): see memo().
    made: dict[int, tuple[object, dict[str, str]]] = field(default_factory=dict)


# The last reading, kept past the cache's TTL: a re-read that finds the same terms goes on
# with it and the labels made from it (rather than making the labels of every facet value
# again, ~50 ms a worker every TTL).
_last: list[_Reading] = []


def _reading() -> _Reading:
    reading = cache.VOCABULARY.get("labels")
    return reading if reading is not None else _read()


def _read() -> _Reading:
    terms = {
        "condition": dict(Condition.objects.values_list("slug", "label")),
        "drug": dict(Drug.objects.values_list("slug", "label")),
        "class": dict(DrugClass.objects.values_list("slug", "label")),
    }
    same = _last and _last[0].terms == terms
    reading = _last[0] if same else _Reading(terms)
    _last[:] = [reading]
    cache.VOCABULARY.put("labels", reading)
    return reading


@cache.refresher
def _refresh() -> None:
    """Between requests: the labels read again before they expire (cache.refresh_ahead)."""
    if cache.VOCABULARY.due("labels", cache.REFRESH_AHEAD):
        _read()


def vocabulary() -> dict[str, dict[str, str]]:
    """{"condition": {slug: label}, "drug": {slug: label}, "class": {slug: label}}."""
    return _reading().terms


def memo(owner: object) -> dict[str, str]:
    """A place for the labels `owner` (a facet) makes, {value: label}, kept as long as the
    vocabulary read now: a new reading (after the cache's TTL, or a curator's edit) starts
    empty. The search page labels every value of every facet, hundreds a request."""
    made = _reading().made
    entry = made.get(id(owner))
    if entry is None or entry[0] is not owner:  # the owner is kept, so its id is not reused
        entry = made[id(owner)] = (owner, {})
    return entry[1]


def term_label(vocabulary_name: str, slug: str) -> str:
    """A condition's or drug's label; a slug the vocabulary lacks, made readable."""
    return vocabulary()[vocabulary_name].get(slug) or slug.replace("-", " ").capitalize()


def is_therapy(slug: str) -> bool:
    """Whether a slug is a drug's or a drug class's, or NONE_NAMED (the values of
    `prior_therapy`)."""
    terms = vocabulary()
    return slug in terms["drug"] or slug in terms["class"] or slug == NONE_NAMED


def failed_label(slug: str) -> str:
    """A failed prior therapy in words: "Failed methotrexate", "Failed a biologic", "Failed an
    IL-17 inhibitor", "Failed immunoglobulin therapy" (a class's label, made singular)."""
    terms = vocabulary()
    if slug == NONE_NAMED:
        return "Refractory, no treatment named"
    if slug in terms["class"]:
        return f"Failed {_one_of(terms['class'][slug])}"
    return f"Failed {_lower_first(term_label('drug', slug))}"


def _lower_first(label: str) -> str:
    """A label inside a sentence: "Methotrexate" -> "methotrexate", "Anti-CD20 antibodies" ->
    "anti-CD20 antibodies"; a first word spelt with capitals inside (IL-17, FcRn, JAK, T-cell)
    keeps them."""
    first = re.split(r"[\s/-]", label, maxsplit=1)[0]
    if len(first) > 1 and first[1:].islower():
        return label[0].lower() + label[1:]
    return label


# Letters whose names start with a vowel sound: "an FcRn blocker", "an IL-17 inhibitor".
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")


def _one_of(label: str) -> str:
    """One member of a class, from the class's (plural) label: "Biologics" -> "a biologic",
    "Anti-CD20 antibodies" -> "an anti-CD20 antibody"; a label that is no plural is kept
    ("immunoglobulin therapy")."""
    words = _lower_first(label).split(" ")
    last = words[-1]
    if not last.endswith("s") or last.endswith("ss") or len(last) < 4:
        return " ".join(words)
    words[-1] = last[:-3] + "y" if last.endswith("ies") else last[:-1]
    phrase = " ".join(words)
    spelt = phrase[0].isupper()  # an abbreviation, read letter by letter ("IL-17", "TNF")
    vowel = phrase[0] in _VOWEL_LETTERS if spelt else phrase[0] in "aeiou"
    return f"{'an' if vowel else 'a'} {phrase}"


# pycountry's data never changes while the process runs: no need to expire.
@forever
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None
