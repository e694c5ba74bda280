"""Distances from a place to the trials' sites, in the facet index (issue 14, point 5).

The index holds every placed site (a registry's own coordinates, or the gazetteer's point for
its city, set at load time: trials/loading/columns.py) as arrays — the trial's row, latitude,
longitude — sorted by latitude. A search near a place takes the band of latitudes
a site within range must lie in (exact: a great circle is never shorter than the difference of
latitude), computes the haversine distance on that band only, and reduces it to each trial's
nearest site. The ORM's equivalent, the reference it is tested against, is
params.TrialFilterSet.filter_near.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trials.models import Site
from trials.readers.gazetteer import EARTH_RADIUS_KM

# Degrees of latitude added to the band against rounding (about a millimetre).
_BAND_SLACK = 1e-8


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many (the gazetteer's formula, vectorized)."""
    phi1, phi2 = math.radians(lat), np.radians(lats)
    half = (
        np.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, half)))


@dataclass(frozen=True)
class NearestSite:
    """With `near`: a result's site nearest the place, and how far it is (km)."""

    facility: str | None
    city: str | None
    region: str | None
    country: str | None
    distance_km: float


@dataclass(frozen=True)
class Proximity:
    """The sites within `within_km` of a place (`origin`): their rows and distances (km)."""

    rows: np.ndarray
    distances: np.ndarray
    origin: tuple[float, float]
    within_km: float

    def per_row(self, row_count: int) -> np.ndarray:
        """Each row's nearest site's distance; infinity for a row with none in range."""
        nearest = np.full(row_count, np.inf)
        np.minimum.at(nearest, self.rows, self.distances)
        return nearest

    def nearest_site_of(self, rows: np.ndarray, pks: np.ndarray) -> dict[int, NearestSite]:
        """{trial pk: its nearest site} for some trials (their rows), those with a site in
        range: one query. The index keeps no site ids (11 MB at 1M trials): the trials' placed
        sites are read, and their distances computed again as the index computed them (the
        same formula, the same stored points), the nearest first, ties to the lowest id."""
        in_range = set(self.rows[np.isin(self.rows, rows)].tolist())
        wanted = [
            pk for row, pk in zip(rows.tolist(), pks.tolist(), strict=True) if row in in_range
        ]
        if not wanted:
            return {}
        fields = ("facility", "city", "region", "country")
        placed = (
            Site.objects.filter(trial_id__in=wanted, lat__isnull=False, lon__isnull=False)
            .order_by("trial_id", "id")
            .values_list("trial_id", "lat", "lon", *fields)
        )
        by_trial: dict[int, list[tuple]] = {}
        for site in placed:
            by_trial.setdefault(site[0], []).append(site)
        out = {}
        for pk, sites in by_trial.items():
            points = np.array([site[1:3] for site in sites], np.float64)
            distances = haversine_km(*self.origin, points[:, 0], points[:, 1])
            nearest = int(np.argmin(distances))  # the first of equals: the lowest id
            if distances[nearest] <= self.within_km:
                values = dict(zip(fields, sites[nearest][3:], strict=True))
                out[pk] = NearestSite(**values, distance_km=float(distances[nearest]))
        return out


class SitePoints:
    """Every placed site of the index's rows; appended to as rows are, sorted when asked."""

    def __init__(self) -> None:
        self.rows = np.zeros(0, np.int32)
        self.lat = np.zeros(0, np.float64)
        self.lon = np.zeros(0, np.float64)
        self._sorted = True

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, rows: np.ndarray, lat: np.ndarray, lon: np.ndarray):
        self.rows = np.concatenate([self.rows, rows.astype(np.int32)])
        self.lat = np.concatenate([self.lat, lat.astype(np.float64)])
        self.lon = np.concatenate([self.lon, lon.astype(np.float64)])
        self._sorted = not len(self.rows) or bool(np.all(self.lat[1:] >= self.lat[:-1]))

    def prepare(self) -> None:
        """Sort by latitude, as `around` needs (FacetIndex.prepare does it before forking)."""
        # Stable and mostly sorted already (a refresh appends a few): close to one pass.
        if not self._sorted:
            order = np.argsort(self.lat, kind="stable")
            self.rows = self.rows[order]
            self.lat, self.lon = self.lat[order], self.lon[order]
            self._sorted = True

    def around(self, lat: float, lon: float, within_km: float) -> Proximity:
        """The sites within `within_km` of (lat, lon), from the band of latitudes only."""
        self.prepare()
        band = math.degrees(within_km / EARTH_RADIUS_KM) + _BAND_SLACK
        low = int(np.searchsorted(self.lat, lat - band, side="left"))
        high = int(np.searchsorted(self.lat, lat + band, side="right"))
        distances = haversine_km(lat, lon, self.lat[low:high], self.lon[low:high])
        inside = distances <= within_km
        return Proximity(self.rows[low:high][inside], distances[inside], (lat, lon), within_km)
