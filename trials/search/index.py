"""A compact, in-process index of every trial's facet values, for exact counts in milliseconds.

Counting facets in SQL costs about 1 µs per (hit × value): seconds over a million trials
(research.md). Each web worker instead keeps the filterable columns as numpy arrays, one row per
trial: a filter is a boolean mask, a facet count is one `bincount`. PostgreSQL stays the system
of record: the index is rebuilt from it, and kept fresh through `trials_trialchange`, a log that
a trigger fills on every insert, update and delete of a trial. A worker polls the log's head at
most every SEARCH_CACHE_SECONDS and reloads just the rows that changed (the old row is marked
dead, the new version appended), so an import or a curator edit shows within seconds.
With read replicas (portal/replicas.py) the index is built from, and follows the log on, the
process's replica: an edit shows within SEARCH_CACHE_SECONDS plus the replication lag.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Sequence

import numpy as np
from django.conf import settings

from portal.replicas import search_connection
from trials.search import cache, facets
from trials.search.columns import Columns, MultiFacet
from trials.search.distance import SitePoints
from trials.search.facets import Facet, Kind
from trials.search.lexemes import LexemeIndex

# The sort keys' columns (every facet's columns are loaded too).
SORT_COLUMNS = {"updated": "last_updated", "start": "start_date", "enrollment": "enrollment"}
AGE_COLUMNS = ("min_age", "max_age")
# For "Recruiting or soon": whether an open status is still believed (engine.open_mask).
FRESHNESS_COLUMNS = ("status", "status_verified")
# Rebuild from scratch when this share of rows is dead versions.
REBUILD_DEAD_SHARE = 0.2
# An index more than SEARCH_REFRESH_STEP changes behind takes that many in and looks again
# after this many seconds (not SEARCH_CACHE_SECONDS): a request pays for one step, not for a
# whole import (5,000 new trials: ~0.5 s in one process, 2–3 s in each of four workers at once
# beside the import, every request of the moment waiting; docs/benchmarks.md, session 42).
CATCH_UP_SECONDS = 0.1
CHUNK = 20_000
# FacetIndex.first_in_order reads the order this many rows at first, four times more each time.
FIRST_STRETCH = 4096


def _general_query() -> tuple[str, str]:
    """(the function, the text) of the query for the trials open to skin diseases in general
    (words.skin_in_general)."""
    from trials.search import words  # words reads the vocabulary; the index need not

    part = words.skin_in_general()[1]
    return words.FUNCTIONS[part.search_type], part.text


class FacetIndex:
    """Every live trial's facet values and sort keys; rows are appended, never rewritten."""

    def __init__(self) -> None:
        # The facets as declared when the index was made: get_index() rebuilds on a change.
        self.facets = facets.declared()
        self._by_name = {facet.name: facet for facet in self.facets}
        multi = [facet for facet in self.facets if facet.kind is Kind.MULTI]
        scalar = ["id", *SORT_COLUMNS.values(), *AGE_COLUMNS, *FRESHNESS_COLUMNS]
        scalar += [date_range.column for date_range in facets.DATE_RANGES]
        scalar += [
            column for facet in self.facets if facet.has_predicates for column in facet.columns
        ]
        scalar += [facet.column for facet in self.facets if facet.kind is Kind.SINGLE]
        self.columns = Columns(list(dict.fromkeys(scalar)))
        # Multi-valued columns follow the scalar ones in each row.
        self.multi = {facet.name: MultiFacet() for facet in multi}
        self._multi_columns = [facet.column for facet in multi]
        # Every placed site (distance.py): the trial's row, its point.
        self.sites = SitePoints()
        # The most frequent lexemes' rows (lexemes.py), for matching common words here.
        self.lexemes = LexemeIndex()
        self.alive = np.zeros(0, bool)
        # The rows of the trials open to skin diseases in general (words.skin_in_general): a
        # phrase of common words, where a trial says what it is about (weights A, B), which
        # the GIN index answers only by reading ~80% of the vectors (0.3 s at 100k): read once
        # at the build, then for each row appended.
        self.general = np.zeros(0, bool)
        self.row_for_pk = np.full(1, -1, np.int32)
        self.seq = 0
        self.changed_at = None  # when the change at `seq` was made (the API's Last-Modified)
        self.checked = 0.0
        self.behind = False  # changes left for the next look (refresh)
        self._orders: dict[str, np.ndarray] = {}
        self._base_counts: dict[str, dict[str, int]] = {}
        # What callers derive from the index's rows as they are (the engine's facet values over
        # every row): emptied whenever rows change.
        self.derived: dict = {}
        self._predicate_masks: dict[tuple[str, str], np.ndarray] = {}

    @property
    def row_count(self) -> int:
        return len(self.alive)

    @property
    def pks(self) -> np.ndarray:
        return self.columns["id"]

    # --- building and refreshing -------------------------------------------------------------

    def row_layout(self) -> list[str]:
        """The Trial columns of a row as the index reads them: scalar ones, then the arrays."""
        return [*self.columns.names, *self._multi_columns]

    def _select(self, where: str, lexemes: bool = False, general: bool = False) -> str:
        """The index's columns of trials, then with `lexemes` their vectors' lexemes (for
        LexemeIndex.append: read in the same statement, so of the same row versions), then
        with `general` whether each is open to skin diseases in general (a parameter: the
        query's text, _general_query)."""
        # Column names come from the Trial model (checked by Columns), quoted all the same.
        quote = search_connection().ops.quote_name
        select = ", ".join(quote(name) for name in self.row_layout())
        if lexemes:
            select += ", tsvector_to_array(search)"
        if general:
            select += f", search @@ {_general_query()[0]}('english', %s)"
        return f"SELECT {select} FROM trials_trial {where}"  # noqa: S608

    def build(self) -> None:
        with search_connection().cursor() as cursor:
            cursor.execute("SELECT seq, at FROM trials_trialchange ORDER BY seq DESC LIMIT 1")
            self.seq, self.changed_at = cursor.fetchone() or (0, None)
        self._append_query(self._select("ORDER BY id"), [], stream=True)
        self._append_sites("", [], stream=True)
        self._mark_general()
        with search_connection().cursor() as cursor:
            self.lexemes.build(cursor, self.rows_of, self.row_count)
        self.prepare()
        self.checked = time.monotonic()
        release_freed_memory()

    def prepare(self) -> None:
        """Make now what searches would make on first use: the sites sorted by latitude, each
        facet's postings or bitmaps, the orders of the sorts. Made in
        gunicorn's master (portal/gunicorn_conf.py), they are shared by the workers, and the
        temporary arrays that making them takes are freed before the workers fork: made in each
        worker, they left ~170 MB more resident in each at 1M trials (docs/benchmarks.md,
        session 10)."""
        self.sites.prepare()
        for multi in self.multi.values():
            multi.prepare()
        for facet in self.facets:
            if facet.kind is Kind.SINGLE:
                self.columns.bit_rows(facet.column)
        for sort in SORT_COLUMNS:
            self.order(sort)

    def refresh(self) -> None:
        """Apply the changes logged since the last look (at most every SEARCH_CACHE_SECONDS),
        at most SEARCH_REFRESH_STEP of them: the rest at the next look, CATCH_UP_SECONDS on.
        With SEARCH_CACHE_SECONDS 0 (every look sees every change) all of them."""
        now = time.monotonic()
        wait = settings.SEARCH_CACHE_SECONDS
        if now - self.checked < (min(wait, CATCH_UP_SECONDS) if self.behind else wait):
            return
        self.checked = now
        step = settings.SEARCH_REFRESH_STEP if wait else None
        with search_connection().cursor() as cursor:
            cursor.execute(
                "SELECT seq, trial_id, at FROM trials_trialchange WHERE seq > %s ORDER BY seq"
                " LIMIT %s",
                [self.seq, step + 1 if step else None],
            )
            changes = cursor.fetchall()
        self.behind = step is not None and len(changes) > step
        changes = changes[:step]
        if not changes:
            return
        self.seq, _, self.changed_at = changes[-1]
        pks = np.unique(np.fromiter((pk for _, pk, _ in changes), np.int64, count=len(changes)))
        known = pks[pks < len(self.row_for_pk)]
        old_rows = self.row_for_pk[known]
        self.alive[old_rows[old_rows >= 0]] = False
        self.row_for_pk[known] = -1
        lexemes = len(self.lexemes) > 0
        self._append_query(
            self._select("WHERE id = ANY(%s)", lexemes, general=True),
            [_general_query()[1], list(pks)],
            general=True,
        )
        self._append_sites("AND trial_id = ANY(%s)", [list(pks)])
        if (~self.alive).sum() > REBUILD_DEAD_SHARE * max(self.row_count, 1):
            fresh = FacetIndex()
            fresh.build()
            self.__dict__.update(fresh.__dict__)

    def _append_query(
        self, sql: str, params: list, *, stream: bool = False, general: bool = False
    ) -> None:
        # stream: a server-side cursor, so that the rows arrive CHUNK at a time (a million
        # rows fetched at once would hold ~500 MB in the worker while the index is built).
        db = search_connection()
        with db.chunked_cursor() if stream else db.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                self._append(rows, general)
        self._orders.clear()
        self._base_counts.clear()
        self.derived.clear()
        self._predicate_masks.clear()

    def _mark_general(self) -> None:
        """Mark the rows of the trials open to skin diseases in general, of every trial (the
        build: one statement through the GIN index; a refresh reads it with the rows)."""
        function, text = _general_query()
        sql = f"SELECT id FROM trials_trial WHERE search @@ {function}('english', %s)"  # noqa: S608
        with search_connection().cursor() as cursor:
            cursor.execute(sql, [text])
            found = np.fromiter((row[0] for row in cursor), np.int64)
        self.general[self.rows_of(found)] = True

    def _append_sites(self, where: str, params: list, *, stream: bool = False) -> None:
        """The placed sites of the trials just appended (a site is placed when it has a point:
        the registry's, or the gazetteer's for its city)."""
        sql = (
            "SELECT trial_id, lat, lon FROM trials_site"  # noqa: S608 (a constant)
            f" WHERE lat IS NOT NULL AND lon IS NOT NULL {where}"
        )
        db = search_connection()
        with db.chunked_cursor() if stream else db.cursor() as cursor:
            cursor.execute(sql, params)
            parts = []
            while chunk := cursor.fetchmany(CHUNK * 4):
                found = np.array(chunk, dtype=np.float64).reshape(-1, 3)
                pks = found[:, 0].astype(np.int64)
                pks = np.where(pks < len(self.row_for_pk), pks, 0)
                rows = np.where(pks > 0, self.row_for_pk[pks], -1)
                keep = rows >= 0
                found[:, 0] = rows
                parts.append(found[keep])
        # Appended once: growing the arrays chunk by chunk copied them ~40 times at 1M trials
        # and left the allocator's heap fragmented (the worker's resident memory).
        found = np.concatenate(parts) if parts else np.zeros((0, 3))
        self.sites.append(found[:, 0], found[:, 1], found[:, 2])

    def _append(self, rows: list[tuple], general: bool = False) -> None:
        """Append rows as _select reads them (with `general`, its last column the rows'
        openness to skin diseases in general)."""
        first = self.row_count
        self.columns.extend(rows)
        for position, name in enumerate(self.multi, len(self.columns.names)):
            self.multi[name].append(first, [row[position] for row in rows])
        self.alive = np.concatenate([self.alive, np.ones(len(rows), bool)])
        flags = [bool(row[-1]) for row in rows] if general else [False] * len(rows)
        self.general = np.concatenate([self.general, np.array(flags, bool)])
        # A row past the layout's columns is its vector's lexemes (_select's `lexemes`).
        layout = len(self.row_layout())
        lexemes = (row[layout] if len(row) > layout + general else () for row in rows)
        self.lexemes.append(first, self.row_count, lexemes)
        pks = self.pks[first:]
        if len(pks) and pks.max() >= len(self.row_for_pk):
            grown = np.full(int(pks.max()) * 2 + 1, -1, np.int32)
            grown[: len(self.row_for_pk)] = self.row_for_pk
            self.row_for_pk = grown
        self.row_for_pk[pks] = np.arange(first, self.row_count, dtype=np.int32)

    # --- querying ----------------------------------------------------------------------------

    def rows_of(self, pks: np.ndarray) -> np.ndarray:
        pks = pks[(pks >= 0) & (pks < len(self.row_for_pk))]
        rows = self.row_for_pk[pks]
        return rows[rows >= 0]

    def facet_mask(self, name: str, selected: Sequence[str]) -> np.ndarray:
        """Rows having any of the selected values of a facet."""
        facet = self._by_name[name]
        if facet.kind is Kind.MULTI:
            return self.multi[name].mask(self.row_count, selected)
        if facet.kind is Kind.SINGLE:
            return self.columns.is_in(facet.column, selected)
        mask = np.zeros(self.row_count, bool)
        for value in selected:
            mask |= self._predicate_mask(facet, value)
        return mask

    def _predicate_mask(self, facet: Facet, value: str) -> np.ndarray:
        """Rows a facet value's predicate admits (kept until the rows change)."""
        key = (facet.name, value)
        if key not in self._predicate_masks:
            self._predicate_masks[key] = facet.choice(value).predicate.mask(self.columns)
        return self._predicate_masks[key]

    def values(self, name: str) -> list[str]:
        """Every value a multi-valued facet has in the index (for validating request input)."""
        return self.multi[name].values if name in self.multi else []

    def counts(self, name: str, mask: np.ndarray | None) -> dict[str, int]:
        """Counts of one facet's values over the rows in `mask` (None: all live rows)."""
        if mask is None:
            if name not in self._base_counts:
                self._base_counts[name] = self.counts(name, self.alive)
            return self._base_counts[name]
        facet = self._by_name[name]
        if facet.kind is Kind.MULTI:
            return self.multi[name].counts(mask)
        if facet.kind is Kind.SINGLE:
            codes = self.columns.codes[facet.column]
            counted = self.columns.counts(facet.column, mask)
            values = list(codes)  # in code order; code 0 is NULL, not counted
            return {values[code]: int(counted[code]) for code in np.flatnonzero(counted) if code}
        counts = {
            choice.value: int(np.count_nonzero(mask & self._predicate_mask(facet, choice.value)))
            for choice in facet.choices
        }
        return {value: count for value, count in counts.items() if count}

    def first_in_order(self, sort: str, mask: np.ndarray, stop: int) -> np.ndarray:
        """The first `stop` rows of `mask` in `order(sort)` (all of them when fewer). The order
        is read a growing stretch at a time, as far as needed: a page near the start of a
        broad search reads a few thousand rows, not every row."""
        order = self.order(sort)
        found: list[np.ndarray] = []
        start, stretch, wanted = 0, FIRST_STRETCH, stop
        while wanted > 0 and start < len(order):
            rows = order[start : start + stretch]
            rows = rows[mask[rows]][:wanted]
            found.append(rows)
            wanted -= len(rows)
            start += stretch
            stretch *= 4
        return np.concatenate(found) if found else order[:0]

    def order(self, sort: str) -> np.ndarray:
        """Rows sorted by a key, largest first, missing values last, ties by pk."""
        if sort not in self._orders:
            key = self.columns[SORT_COLUMNS.get(sort, "last_updated")]
            order = np.lexsort((self.pks, -key.astype(np.int64)))
            self._orders[sort] = order.astype(np.int32)  # half lexsort's int64
        return self._orders[sort]


_lock = threading.Lock()


def release_freed_memory() -> None:
    """Give the heap left free back to the system (glibc keeps it otherwise: a worker at 1M
    trials stayed at ~600 MB resident instead of ~170 MB after building the index). Searches
    free arrays of a megabyte at 1M trials, which glibc takes from the heap once it has freed
    one that size: gunicorn's workers call this every TRIM_EVERY requests too."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def get_index() -> FacetIndex:
    """This process's index, built on first use and refreshed from the change log."""
    with _lock:
        index = cache.INDEX.get("index")
        if index is None or index.facets is not facets.declared():
            index = FacetIndex()
            index.build()
            cache.INDEX.put("index", index)
        else:
            index.refresh()
        return index


def peek() -> FacetIndex | None:
    """This process's index as it is, without building or refreshing it."""
    return cache.INDEX.get("index")


def current_values(facet: str) -> list[str]:
    """A facet's values in this process's index as it is: no freshness check (validation)."""
    index = peek() or get_index()
    return index.values(facet)
