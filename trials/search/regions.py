"""A US state, a Canadian province or an Australian state for the `region` parameter
("lupus trials in Maryland" reads region=MD, "psoriasis in Ontario" region=Ontario): the trials
with a site in it, as their sites' region says it (ClinicalTrials.gov writes the state's name;
some registries its code). Sites with no region are in none. A US state is named by its name
or two-letter code; a province or an Australian state by its name (their codes are as often
US states' or words: "WA", "SA", "ON").

The engine's mask (`mask`, one statement, cached until the data changes) and the ORM's
reference (`where`, params.TrialFilterSet) read the same rule: a site of the region's country
whose region, whatever its case, is one of the region's spellings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from portal.replicas import search_connection
from trials.models import Site
from trials.readers.gazetteer import REGIONS
from trials.readers.places import us_states
from trials.search import cache as caches
from trials.search.lexemes import ids_of

COUNTRY = "US"
# The countries whose regions are read besides the US's (trials/readers/gazetteer.REGIONS).
OTHER_COUNTRIES = ("CA", "AU")
# The country written in (one of the above): the index (site_us_region_idx) is for US sites
# only, and a planner cannot use a partial index for a parameter. Another country's sites are
# few; its regions' trials are cached as the states' are.
_SQL = (
    "SELECT string_agg(DISTINCT trial_id::text, ',') FROM trials_site"
    " WHERE country = '{country}' AND lower(region) = ANY(%s)"
)


@dataclass(frozen=True)
class State:
    code: str  # "MD", "ON"
    name: str  # "Maryland", "Ontario"
    country: str = COUNTRY
    other_spellings: tuple[str, ...] = ()  # "Québec", "PEI"

    @property
    def spellings(self) -> list[str]:
        """How a site's region may say it, in lower case."""
        return [self.name.lower(), self.code.lower(), *(s.lower() for s in self.other_spellings)]


@cache
def _states() -> dict[str, State]:
    found = {}
    for code, name in us_states().items():
        found[code.lower()] = found[name.lower()] = State(code, name)
    for country in OTHER_COUNTRIES:
        for name, code, *others in REGIONS[country].values():
            chosen = State(code, name, country, tuple(others))
            for spelling in (name, *others):
                if len(spelling) > 3:  # not a code: "PEI" is no more than "WA"
                    found.setdefault(spelling.lower(), chosen)
    return found


def state(text: str | None) -> State | None:
    """The state `text` names: its name or two-letter code, any case ("maryland", "MD")."""
    return _states().get(" ".join((text or "").replace(".", "").split()).lower())


@cache
def names() -> frozenset[str]:
    """Every region's name in lower case ("new york", "district of columbia", "ontario")."""
    return frozenset(s.name.lower() for s in _states().values())


@cache
def codes() -> frozenset[str]:
    """Every US state's two-letter code ("MD", "DC")."""
    return frozenset(s.code for s in _states().values() if s.country == COUNTRY)


@cache
def name_ends() -> frozenset[str]:
    """The last word of every state's name ("york", "columbia")."""
    return frozenset(name.split()[-1] for name in names())


def named(text: str) -> State | None:
    """The state whose whole name `text` is (any case; not its code)."""
    return state(text) if text.lower() in names() else None


def mask(index, chosen: State) -> np.ndarray:
    """The facet index's rows of the trials with a site in the state (dead rows included)."""
    key = (("region", chosen.country, chosen.code), index.seq)
    rows = caches.TEXT_HITS.get(key)
    if rows is None:
        with search_connection().cursor() as cursor:
            cursor.execute(_SQL.format(country=_country(chosen)), [chosen.spellings])
            rows = index.rows_of(ids_of(cursor.fetchone()[0]))
        caches.TEXT_HITS.put(key, rows)
    found = np.zeros(index.row_count, bool)
    found[rows] = True
    return found


def where(chosen: State) -> Exists:
    """The same trials, as an ORM condition on Trial."""
    sites = Site.objects.annotate(lower_region=Lower("region")).filter(
        trial=OuterRef("pk"), country=chosen.country, lower_region__in=chosen.spellings
    )
    return Exists(sites)


def _country(chosen: State) -> str:
    """The region's country, one of ours (it is written into the statement)."""
    if chosen.country != COUNTRY and chosen.country not in OTHER_COUNTRIES:
        raise ValueError(chosen.country)
    return chosen.country
