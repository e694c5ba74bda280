"""A region for the `region` parameter: a US state, or another country's first-level region
("lupus trials in Maryland" reads region=MD, "psoriasis in Ontario" region=Ontario,
"Sklerodermie Studie in Bayern" region=Bavaria): the trials with a site in it. A US state is
named by its name or two-letter code; another country's region by its names
(trials/vocab/regions.json: their codes are as often US states' or words: "WA", "SA", "ON").

A site is in the region when its region, whatever its case, is one of the region's spellings
(ClinicalTrials.gov writes the state's name; some registries a code), or, outside the US, when
its city is one the gazetteer places in the region: most registries write no region for a site
in Erlangen, and it is in Bavaria all the same.

The engine's mask (`mask`, one statement, cached until the data changes) and the ORM's
reference (`where`, params.TrialFilterSet) read the same rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower

from portal.replicas import search_connection
from trials.models import Site
from trials.readers import gazetteer
from trials.readers.places import us_states
from trials.readers.vocabulary import VOCAB_DIR, tokens
from trials.search import cache as caches
from trials.search.lexemes import ids_of

COUNTRY = "US"
AREAS_FILE = VOCAB_DIR / "areas.json"
# The index (site_us_region_idx) is for US sites only, and a planner cannot use a partial index
# for a parameter: the US's statement names the country. Another country's sites are few; its
# regions' trials are cached as the states' are.
_SQL_US = (
    "SELECT string_agg(DISTINCT trial_id::text, ',') FROM trials_site"
    " WHERE country = 'US' AND lower(region) = ANY(%s)"
)
_SQL_ELSEWHERE = (
    "SELECT string_agg(DISTINCT trial_id::text, ',') FROM trials_site"
    " WHERE country = %s AND (lower(region) = ANY(%s) OR lower(city) = ANY(%s))"
)
_CITIES_SQL = "SELECT DISTINCT lower(city) FROM trials_site WHERE country = %s AND city <> ''"


@dataclass(frozen=True)
class State:
    code: str  # "MD", "ON"; "" for a region with no abbreviation
    name: str  # "Maryland", "Ontario", "Bavaria"
    country: str = COUNTRY
    other_spellings: tuple[str, ...] = ()  # "Québec", "PEI", "Bayern"
    admin1: str = ""  # GeoNames' first-level code; a US state's own code
    # An area of several US states (areas.json `regions`: the Midwest): their codes.
    states: tuple[str, ...] = ()
    # An area of several countries (areas.json `continents`: Europe): their codes.
    countries: tuple[str, ...] = ()

    @property
    def spellings(self) -> list[str]:
        """How a site's region may say it, in lower case (an area's: its states')."""
        if self.states:
            named = us_states()
            return [s.lower() for code in self.states for s in (code, named.get(code, ""))]
        return [s.lower() for s in (self.name, self.code, *self.other_spellings) if s]

    @property
    def area(self) -> bool:
        return bool(self.states or self.countries)


@cache
def _states() -> dict[str, State]:
    """Each region by its names in lower case, and a US state by its code too."""
    found = {}
    for code, name in us_states().items():
        found[code.lower()] = found[name.lower()] = State(code, name, admin1=code)
    for region in gazetteer.named_regions():
        name, *others = region.names
        code, *abbreviations = region.abbreviations or ("",)
        chosen = State(code, name, region.country, (*others, *abbreviations), region.code)
        for spelling in region.names:  # not an abbreviation: "PEI" is no more than "WA"
            found.setdefault(spelling.lower(), chosen)
    areas = json.loads(AREAS_FILE.read_text(encoding="utf-8"))
    for area in areas["regions"]:
        name, *others = area["names"]
        chosen = State("", name, COUNTRY, tuple(others), name.lower(), tuple(area["states"]))
        for spelling in area["names"]:
            found.setdefault(spelling.lower(), chosen)
    for area in areas["continents"]:
        name, *others = area["names"]
        chosen = State(
            "", name, "", tuple(others), name.lower(), countries=tuple(area["countries"])
        )
        for spelling in area["names"]:
            found.setdefault(spelling.lower(), chosen)
    return found


def state(text: str | None) -> State | None:
    """The state `text` names: its name or two-letter code, any case ("maryland", "MD"), or
    an area of several states or countries (areas.json: "the Midwest", "DMV", "Europe")."""
    key = " ".join((text or "").replace(".", "").split()).lower()
    return _states().get(key) or _states().get(key.removeprefix("the "))


@cache
def _abbreviated() -> dict[str, State]:
    """The regions outside the US by their abbreviations in lower case ("qld", "nsw", "on"),
    those of one region only."""
    found: dict[str, list[State]] = {}
    for chosen in set(_states().values()):
        if chosen.country != COUNTRY and not chosen.area:
            for spelling in {chosen.code, *chosen.other_spellings} - {""}:
                if spelling.isupper():  # an abbreviation, not another name ("Bayern")
                    found.setdefault(spelling.lower(), []).append(chosen)
    return {key: states[0] for key, states in found.items() if len(set(states)) == 1}


def abbreviated(text: str) -> State | None:
    """The region outside the US whose abbreviation `text` is, any case ("QLD", "nsw"): read
    after a city only (readings.city_and_state), where "on" or "wa" can be nothing else."""
    return _abbreviated().get(text.replace(".", "").strip().lower())


@cache
def names() -> frozenset[str]:
    """Every region's names in lower case ("new york", "district of columbia", "ontario",
    "bayern")."""
    return frozenset(key for key, found in _states().items() if key != found.code.lower())


@cache
def codes() -> frozenset[str]:
    """Every US state's two-letter code ("MD", "DC")."""
    return frozenset(s.code for s in _states().values() if s.country == COUNTRY and s.code)


@cache
def name_ends() -> frozenset[str]:
    """The last word of every region's name as a query's words are folded ("york",
    "columbia", "cataluna")."""
    return frozenset(tokens(name)[-1][0] for name in names() if tokens(name))


def named(text: str) -> State | None:
    """The state whose whole name `text` is (any case; not its code; "the Midwest")."""
    lower = text.lower()
    return state(text) if lower in names() or lower.removeprefix("the ") in names() else None


def mask(index, chosen: State) -> np.ndarray:
    """The facet index's rows of the trials with a site in the region (dead rows included)."""
    if chosen.countries:  # an area of countries: the country facet's rows
        return index.facet_mask("country", list(chosen.countries))
    key = (("region", chosen.country, chosen.admin1), index.seq)
    rows = caches.TEXT_HITS.get(key)
    if rows is None:
        with search_connection().cursor() as cursor:
            if chosen.country == COUNTRY:
                cursor.execute(_SQL_US, [chosen.spellings])
            else:
                cities = _cities(chosen)
                cursor.execute(_SQL_ELSEWHERE, [chosen.country, chosen.spellings, cities])
            rows = index.rows_of(ids_of(cursor.fetchone()[0]))
        caches.TEXT_HITS.put(key, rows)
    found = np.zeros(index.row_count, bool)
    found[rows] = True
    return found


def where(chosen: State) -> Exists | Q:
    """The same trials, as an ORM condition on Trial."""
    if chosen.countries:
        return Q(countries__overlap=list(chosen.countries))
    in_it = Q(lower_region__in=chosen.spellings)
    if chosen.country != COUNTRY:
        in_it |= Q(lower_city__in=_cities(chosen))
    sites = Site.objects.annotate(lower_region=Lower("region"), lower_city=Lower("city")).filter(
        in_it, trial=OuterRef("pk"), country=chosen.country
    )
    return Exists(sites)


def _cities(chosen: State) -> list[str]:
    """The cities (in lower case) of the country's sites that the gazetteer places in the
    region, whatever region the site says."""
    with search_connection().cursor() as cursor:
        cursor.execute(_CITIES_SQL, [chosen.country])
        named = [city for (city,) in cursor.fetchall()]
    placed = (gazetteer.site_city(city, None, chosen.country) for city in named)
    return [
        city for city, at in zip(named, placed, strict=True) if at and at.region == chosen.admin1
    ]
