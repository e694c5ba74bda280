"""Words for the values that have no fixed list: vocabulary terms and countries.

Condition and drug labels come from the vocabulary tables (curators edit them), read once and
re-read after the cache's TTL (`cache.VOCABULARY`); countries from pycountry. The fixed values
(phases, statuses, age groups, …) have their labels in their facet's declaration (facets.py).
"""

from __future__ import annotations

from functools import cache as forever

import pycountry

from trials.models import Condition, Drug
from trials.search import cache


def vocabulary() -> dict[str, dict[str, str]]:
    """{"condition": {slug: label}, "drug": {slug: label}}."""
    labels = cache.VOCABULARY.get("labels")
    if labels is None:
        labels = {
            "condition": dict(Condition.objects.values_list("slug", "label")),
            "drug": dict(Drug.objects.values_list("slug", "label")),
        }
        cache.VOCABULARY.put("labels", labels)
    return labels


def term_label(vocabulary_name: str, slug: str) -> str:
    """A condition's or drug's label; a slug the vocabulary lacks, made readable."""
    return vocabulary()[vocabulary_name].get(slug) or slug.replace("-", " ").capitalize()


# pycountry's data never changes while the process runs: no need to expire.
@forever
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None
