"""Distances from a place to the trials' sites, in the facet index (issue 14, point 5).

The index holds every placed site (a registry's own coordinates, or the gazetteer's point for
its city, set at load time: trials/loading/columns.py) as arrays — the trial's row, the site's
id, latitude, longitude — sorted by latitude. A search near a place takes the band of latitudes
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
    """The sites within range of a place: their rows, ids and distances (km)."""

    rows: np.ndarray
    site_ids: np.ndarray
    distances: np.ndarray

    def per_row(self, row_count: int) -> np.ndarray:
        """Each row's nearest site's distance; infinity for a row with none in range."""
        nearest = np.full(row_count, np.inf)
        np.minimum.at(nearest, self.rows, self.distances)
        return nearest

    def nearest_sites(self, rows: np.ndarray) -> dict[int, tuple[int, float]]:
        """{row: (site id, distance)} of the nearest site of each of `rows` (ties: lowest id)."""
        picked = np.isin(self.rows, rows)
        if not picked.any():
            return {}
        site_rows, ids, distances = self.rows[picked], self.site_ids[picked], self.distances[picked]
        order = np.lexsort((ids, distances, site_rows))
        first = np.ones(len(order), bool)
        first[1:] = site_rows[order][1:] != site_rows[order][:-1]
        chosen = order[first]
        return {
            int(row): (int(site), float(distance))
            for row, site, distance in zip(
                site_rows[chosen], ids[chosen], distances[chosen], strict=True
            )
        }

    def nearest_site_of(self, rows: np.ndarray, pks: np.ndarray) -> dict[int, NearestSite]:
        """{trial pk: its nearest site} for a page's trials (their rows): one query."""
        nearest = self.nearest_sites(rows)
        fields = ("facility", "city", "region", "country")
        sites = Site.objects.only(*fields).in_bulk([site for site, _ in nearest.values()])
        out = {}
        for row, pk in zip(rows.tolist(), pks.tolist(), strict=True):
            site_id, distance = nearest.get(row, (None, 0.0))
            if (site := sites.get(site_id)) is not None:
                values = {name: getattr(site, name) for name in fields}
                out[pk] = NearestSite(**values, distance_km=distance)
        return out


class SitePoints:
    """Every placed site of the index's rows; appended to as rows are, sorted when asked."""

    def __init__(self) -> None:
        self.rows = np.zeros(0, np.int32)
        self.site_ids = np.zeros(0, np.int32)
        self.lat = np.zeros(0, np.float64)
        self.lon = np.zeros(0, np.float64)
        self._sorted = True

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, rows: np.ndarray, site_ids: np.ndarray, lat: np.ndarray, lon: np.ndarray):
        self.rows = np.concatenate([self.rows, rows.astype(np.int32)])
        site_ids = np.concatenate([self.site_ids, site_ids.astype(np.int64)])
        # Ids as int32 while they fit (a third of the sites' memory at 1M trials: ~12 MB).
        fits = not len(site_ids) or int(site_ids.max()) < 2**31
        self.site_ids = site_ids.astype(np.int32) if fits else site_ids
        self.lat = np.concatenate([self.lat, lat.astype(np.float64)])
        self.lon = np.concatenate([self.lon, lon.astype(np.float64)])
        self._sorted = not len(self.rows) or bool(np.all(self.lat[1:] >= self.lat[:-1]))

    def prepare(self) -> None:
        self._sort()

    def _sort(self) -> None:
        # Stable and mostly sorted already (a refresh appends a few): close to one pass.
        if not self._sorted:
            order = np.argsort(self.lat, kind="stable")
            self.rows, self.site_ids = self.rows[order], self.site_ids[order]
            self.lat, self.lon = self.lat[order], self.lon[order]
            self._sorted = True

    def around(self, lat: float, lon: float, within_km: float) -> Proximity:
        """The sites within `within_km` of (lat, lon), from the band of latitudes only."""
        self._sort()
        band = math.degrees(within_km / EARTH_RADIUS_KM) + _BAND_SLACK
        low = int(np.searchsorted(self.lat, lat - band, side="left"))
        high = int(np.searchsorted(self.lat, lat + band, side="right"))
        distances = haversine_km(lat, lon, self.lat[low:high], self.lon[low:high])
        inside = distances <= within_km
        return Proximity(
            self.rows[low:high][inside], self.site_ids[low:high][inside], distances[inside]
        )
