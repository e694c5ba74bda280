"""The place a person types, read into a point: `near=…` and "lupus near Bethesda".

`locate(text)` reads a city ("Bethesda"), a city with its region or country ("Springfield, IL",
"London, Ontario", "Paris, France", "Paris, TX, US"), a US ZIP code ("20892") or a point
("38.98,-77.10"), through the offline gazetteer (trials/readers/gazetteer.py), and answers
a `Place`, or why not: `Ambiguous` (several places have the name, none dominates; the choices
are given) or `Unknown`. It never raises, whatever the text. Answers are cached per worker.

A place typed in the search box ("lupus near Bethesda") is read by search/readings.py's
`place` rule, which asks `locate` whether the words are one place.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache as once

from trials.readers import gazetteer
from trials.readers.places import country_code
from trials.search import cache, labels

# Longer than any place name with its region and country: refused unread.
MAX_CHARS = 120
# An ambiguous name's notice names at most this many of its places.
CHOICES_SHOWN = 5


@dataclass(frozen=True)
class Place:
    label: str  # what was understood, for the chip: "Bethesda, Maryland, United States"
    lat: float
    lon: float


@dataclass(frozen=True)
class Ambiguous:
    text: str
    choices: tuple[str, ...]  # each a text `locate` reads as one place: "Springfield, IL, US"

    @property
    def message(self) -> str:
        return (
            f"near={_shown(self.text)!r} could be several places ({'; '.join(self.choices)}):"
            " add the region or country"
        )


@dataclass(frozen=True)
class Unknown:
    text: str
    reason: str = (
        "is not a place the portal knows (a city, “city, country”, a US ZIP code or “lat,lon”)"
    )

    @property
    def message(self) -> str:
        return f"near={_shown(self.text)!r} {self.reason}"


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"


_POINT = re.compile(r"\s*([+-]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([+-]?\d{1,3}(?:\.\d+)?)\s*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def locate(text: str) -> Place | Ambiguous | Unknown:
    """The place `text` names (see the module's docstring); cached per worker."""
    text = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(text) > MAX_CHARS:
        return Unknown(text, f"is too long for a place ({MAX_CHARS} characters at most)")
    found = cache.PLACES.get(text)
    if found is None:
        try:
            found = _locate(text)
        except (ValueError, OverflowError):  # nothing typed should reach here; never a 500
            found = Unknown(text)
        cache.PLACES.put(text, found)
    return found


@dataclass(frozen=True)
class Metro:
    """A metropolitan area people name by a nickname (areas.json `metros`: "the Bay Area")."""

    name: str
    city: str  # a text `locate` reads as the city it is read near
    within: float  # km


@once
def _metros() -> dict[str, Metro]:
    from trials.search.regions import AREAS_FILE

    found = {}
    for entry in json.loads(AREAS_FILE.read_text(encoding="utf-8"))["metros"]:
        metro = Metro(entry["names"][0], entry["city"], float(entry["within"]))
        for name in entry["names"]:
            found[gazetteer.fold(name)] = metro
    return found


def metro(text: str) -> Metro | None:
    """The metropolitan area `text` names ("socal", "the Bay Area", "DFW metroplex")."""
    return _metros().get(gazetteer.fold(" ".join((text or "").split())))


def _locate(text: str) -> Place | Ambiguous | Unknown:
    if not text:
        return Unknown(text, "is empty")
    if (area := metro(text)) and isinstance(centre := _locate(area.city), Place):
        return Place(f"{area.name} ({centre.label})", centre.lat, centre.lon)
    if point := _POINT.fullmatch(text):
        return _point(text, float(point.group(1)), float(point.group(2)))
    if zip_code := gazetteer.zip_code(text):
        label = f"{zip_code.code} ({zip_code.city}, {zip_code.state})"
        return Place(label, zip_code.lat, zip_code.lon)
    city, *qualifiers = [part.strip() for part in text.split(",")]
    if not city:
        return Unknown(text)
    candidates = gazetteer.cities_named(city)
    if len(qualifiers) > 1 and (country := country_code(", ".join(qualifiers), codes=False)):
        qualifiers = [country]  # "Seoul, Korea, Republic of"
    for qualifier in filter(None, qualifiers[:2]):
        candidates = _qualified(candidates, qualifier)
        if candidates is None:
            reason = f"names {_shown(qualifier)!r}: not a country or region the portal knows"
            return Unknown(text, reason)
    if not candidates:
        if not qualifiers and country_code(city, codes=False):
            return Unknown(text, "is a country: choose it under Country, or name a city")
        return Unknown(text)
    place = gazetteer.one_place(candidates)
    if place is None:
        return Ambiguous(text, tuple(_choice(city) for city in candidates[:CHOICES_SHOWN]))
    return Place(_label(place), place.lat, place.lon)


def _point(text: str, lat: float, lon: float) -> Place | Unknown:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return Unknown(text, "is not a point on Earth (latitude -90 to 90, longitude -180 to 180)")
    return Place(f"{lat:g}, {lon:g}", lat, lon)


def _qualified(candidates: list, qualifier: str) -> list | None:
    """The candidates in the region or country named ("CA" may be either: California, Canada);
    None when it names neither."""
    regions = set(gazetteer.regions(qualifier))
    country = country_code(qualifier)
    if not regions and not country:
        return None
    return [
        city
        for city in candidates
        if (city.country, city.region) in regions or city.country == country
    ]


def _label(city: gazetteer.City) -> str:
    parts = [city.name, city.region_name, labels.country_name(city.country)]
    return ", ".join(part for part in parts if part)


def _choice(city: gazetteer.City) -> str:
    """A text that reads back as this city: "Springfield, IL, US" (or its region's name)."""
    region = city.region if city.country == "US" else city.region_name
    return ", ".join(part for part in (city.name, region, city.country) if part)
