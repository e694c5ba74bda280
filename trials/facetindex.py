"""A compact, in-process index of every trial's facet values, for exact counts in milliseconds.

Counting facets in SQL costs about 1 µs per (hit × value): seconds over a million trials
(research.md). Each web worker instead keeps the filterable columns as numpy arrays, one row per
trial: a filter is a boolean mask, a facet count is one `bincount`. PostgreSQL stays the system
of record: the index is rebuilt from it, and kept fresh through `trials_trialchange`, a log that
a trigger fills on every insert, update and delete of a trial. A worker polls the log's head at
most every SEARCH_CACHE_SECONDS and reloads just the rows that changed (the old row is marked
dead, the new version appended), so an import or a curator edit shows within seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

from trials.models import Sex, Status, StudyType

# Multi-valued facet name -> its position in a row of COLUMNS.
MULTI = {"phase": 2, "condition": 3, "drug": 4, "country": 5, "registry": 14}
STATUS_CODES = {s: i for i, s in enumerate(Status.values)}
STUDY_TYPES = [None, *StudyType.values]
SEX_CODES = {None: 0, Sex.ALL: 1, Sex.FEMALE: 2, Sex.MALE: 3}
# Age groups as ClinicalTrials.gov has them: a trial belongs if its age range admits any age
# in the group.
AGE_GROUPS = {"child": (0, 17.999), "adult": (18, 64.999), "older_adult": (65, 200)}
PREDICATES = {"sex": ("female", "male"), "age_group": tuple(AGE_GROUPS), "refractory": ("1",)}
COLUMNS = (
    "id, status, phases, conditions, drugs, countries, is_refractory, min_age, max_age, sex, "
    "last_updated, start_date, enrollment, study_type, registries"
)
# Rebuild from scratch when this share of rows is dead versions.
REBUILD_DEAD_SHARE = 0.2
CHUNK = 20_000
# Below one hit in SPARSE rows, facet counts gather the hits' values instead of scanning all.
SPARSE = 8


class MultiFacet:
    """A multi-valued column as (row, value id) pairs, with per-value postings built on demand."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.ids: dict[str, int] = {}
        self.rows = np.zeros(0, np.int32)
        self.vals = np.zeros(0, np.int32)
        self._postings: tuple[np.ndarray, np.ndarray] | None = None
        self._starts: np.ndarray | None = None

    def append(self, first_row: int, lists: list[list[str]]) -> None:
        rows, vals = [], []
        for offset, values in enumerate(lists):
            for v in values or ():
                vid = self.ids.get(v)
                if vid is None:
                    vid = self.ids[v] = len(self.values)
                    self.values.append(v)
                rows.append(first_row + offset)
                vals.append(vid)
        self.rows = np.concatenate([self.rows, np.asarray(rows, np.int32)])
        self.vals = np.concatenate([self.vals, np.asarray(vals, np.int32)])
        self._postings = None
        self._starts = None

    def mask(self, n: int, selected: list[str]) -> np.ndarray:
        order, starts = self._posting_arrays()
        m = np.zeros(n, bool)
        for v in selected:
            vid = self.ids.get(v)
            if vid is not None:
                m[order[starts[vid] : starts[vid + 1]]] = True
        return m

    def counts(self, m: np.ndarray) -> dict[str, int]:
        hits = np.flatnonzero(m)
        if len(hits) * SPARSE > len(m):
            picked = self.vals[m[self.rows]]
        else:
            # Few hits: gather just their values through row offsets (rows are appended in
            # order, so `rows` is sorted) instead of testing every (row, value) pair.
            starts = self._row_starts(len(m))
            lo = starts[hits]
            lengths = starts[hits + 1] - lo
            before = np.cumsum(lengths) - lengths
            picked = self.vals[np.arange(lengths.sum()) + np.repeat(lo - before, lengths)]
        c = np.bincount(picked, minlength=len(self.values))
        return {self.values[i]: int(c[i]) for i in np.flatnonzero(c)}

    def _row_starts(self, n: int) -> np.ndarray:
        if self._starts is None or len(self._starts) != n + 1:
            self._starts = np.searchsorted(self.rows, np.arange(n + 1))
        return self._starts

    def _posting_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._postings is None:
            order = np.argsort(self.vals, kind="stable")
            starts = np.searchsorted(self.vals[order], np.arange(len(self.values) + 1))
            self._postings = (self.rows[order], starts)
        return self._postings


@dataclass
class Columns:
    """Scalar columns, one entry per row."""

    pks: np.ndarray
    status: np.ndarray
    refractory: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    sex: np.ndarray
    updated: np.ndarray
    start: np.ndarray
    enrollment: np.ndarray
    study_type: np.ndarray

    @classmethod
    def empty(cls) -> Columns:
        return cls(
            *(np.zeros(0, t) for t in (np.int64, np.int8, bool, np.float32, np.float32, np.int8)),
            *(np.zeros(0, np.int32) for _ in range(3)),
            np.zeros(0, np.int8),
        )

    def extend(self, rows: list[tuple]) -> None:
        def col(i, dtype, f=lambda v: v):
            return np.fromiter((f(r[i]) for r in rows), dtype, count=len(rows))

        def nan(v):
            return np.nan if v is None else v

        def day(v):
            return v.toordinal() if v else -1

        new = [
            col(0, np.int64),
            col(1, np.int8, STATUS_CODES.__getitem__),
            col(6, bool),
            col(7, np.float32, nan),
            col(8, np.float32, nan),
            col(9, np.int8, SEX_CODES.__getitem__),
            col(10, np.int32, day),
            col(11, np.int32, day),
            col(12, np.int32, lambda v: -1 if v is None else v),
            col(13, np.int8, STUDY_TYPES.index),
        ]
        for name, arr in zip(self.__dataclass_fields__, new, strict=True):
            setattr(self, name, np.concatenate([getattr(self, name), arr]))


class FacetIndex:
    def __init__(self) -> None:
        self.cols = Columns.empty()
        self.multi = {name: MultiFacet() for name in MULTI}
        self.alive = np.zeros(0, bool)
        self.row_for_pk = np.full(1, -1, np.int32)
        self.seq = 0
        self.checked = 0.0
        self._orders: dict[str, np.ndarray] = {}
        self._base_counts: dict[str, dict[str, int]] = {}
        self._predicates: dict[tuple[str, str], np.ndarray] = {}

    @property
    def n(self) -> int:
        return len(self.alive)

    # --- building and refreshing -------------------------------------------------------------

    def build(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(seq), 0) FROM trials_trialchange")
            self.seq = cursor.fetchone()[0]
        self._append_query(f"SELECT {COLUMNS} FROM trials_trial ORDER BY id", [], stream=True)
        self.checked = time.monotonic()
        _release_freed_memory()

    def refresh(self) -> None:
        """Apply the changes logged since the last look (at most every SEARCH_CACHE_SECONDS)."""
        now = time.monotonic()
        if now - self.checked < settings.SEARCH_CACHE_SECONDS:
            return
        self.checked = now
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq, trial_id FROM trials_trialchange WHERE seq > %s ORDER BY seq",
                [self.seq],
            )
            changes = cursor.fetchall()
        if not changes:
            return
        self.seq = changes[-1][0]
        pks = np.unique(np.fromiter((pk for _, pk in changes), np.int64, count=len(changes)))
        known = pks[pks < len(self.row_for_pk)]
        old_rows = self.row_for_pk[known]
        self.alive[old_rows[old_rows >= 0]] = False
        self.row_for_pk[known] = -1
        self._append_query(f"SELECT {COLUMNS} FROM trials_trial WHERE id = ANY(%s)", [list(pks)])
        if (~self.alive).sum() > REBUILD_DEAD_SHARE * max(self.n, 1):
            fresh = FacetIndex()
            fresh.build()
            self.__dict__.update(fresh.__dict__)

    def _append_query(self, sql: str, params: list, *, stream: bool = False) -> None:
        # stream: a server-side cursor, so that the rows arrive CHUNK at a time (a million
        # rows fetched at once would hold ~500 MB in the worker while the index is built).
        with connection.chunked_cursor() if stream else connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                self._append(rows)
        self._orders.clear()
        self._base_counts.clear()
        self._predicates.clear()

    def _append(self, rows: list[tuple]) -> None:
        first = self.n
        self.cols.extend(rows)
        for name, position in MULTI.items():
            self.multi[name].append(first, [r[position] for r in rows])
        self.alive = np.concatenate([self.alive, np.ones(len(rows), bool)])
        pks = self.cols.pks[first:]
        if len(pks) and pks.max() >= len(self.row_for_pk):
            grown = np.full(int(pks.max()) * 2 + 1, -1, np.int32)
            grown[: len(self.row_for_pk)] = self.row_for_pk
            self.row_for_pk = grown
        self.row_for_pk[pks] = np.arange(first, self.n, dtype=np.int32)

    # --- querying ----------------------------------------------------------------------------

    def rows_of(self, pks: np.ndarray) -> np.ndarray:
        pks = pks[(pks >= 0) & (pks < len(self.row_for_pk))]
        rows = self.row_for_pk[pks]
        return rows[rows >= 0]

    def facet_mask(self, facet: str, selected: list[str]) -> np.ndarray:
        """Rows having any of the selected values of a facet."""
        if facet == "status":
            return np.isin(self.cols.status, [STATUS_CODES[s] for s in selected])
        if facet == "study_type":
            codes = [STUDY_TYPES.index(s) for s in selected if s in STUDY_TYPES]
            return np.isin(self.cols.study_type, codes)
        if facet in PREDICATES:
            m = np.zeros(self.n, bool)
            for value in selected:
                m |= self.predicate(facet, value)
            return m
        return self.multi[facet].mask(self.n, selected)

    def predicate(self, facet: str, value: str) -> np.ndarray:
        """Rows a yes/no facet value admits: open to a sex, an age group, refractory."""
        key = (facet, value)
        if key not in self._predicates:
            c = self.cols
            if facet == "sex":
                m = (c.sex <= SEX_CODES[Sex.ALL]) | (c.sex == SEX_CODES[value.upper()])
            elif facet == "age_group":
                low, high = AGE_GROUPS[value]
                with np.errstate(invalid="ignore"):
                    m = (np.isnan(c.min_age) | (c.min_age <= high)) & (
                        np.isnan(c.max_age) | (c.max_age >= low)
                    )
            else:
                m = c.refractory.copy()
            self._predicates[key] = m
        return self._predicates[key]

    def values(self, facet: str) -> list[str]:
        """Every value a facet has in the index (for validating request input)."""
        if facet in self.multi:
            return self.multi[facet].values
        return []

    def counts(self, facet: str, m: np.ndarray | None) -> dict[str, int]:
        """Counts of one facet's values over the rows in mask m (None: all live rows)."""
        if m is None:
            if facet not in self._base_counts:
                self._base_counts[facet] = self.counts(facet, self.alive)
            return self._base_counts[facet]
        if facet == "status":
            c = np.bincount(self.cols.status[m], minlength=len(STATUS_CODES))
            return {Status.values[i]: int(c[i]) for i in np.flatnonzero(c)}
        if facet == "study_type":
            c = np.bincount(self.cols.study_type[m], minlength=len(STUDY_TYPES))
            return {STUDY_TYPES[i]: int(c[i]) for i in np.flatnonzero(c) if i}
        if facet in PREDICATES:
            counts = {v: int((m & self.predicate(facet, v)).sum()) for v in PREDICATES[facet]}
            return {v: n for v, n in counts.items() if n}
        return self.multi[facet].counts(m)

    def order(self, sort: str) -> np.ndarray:
        """Rows sorted by a key, largest first, missing values last, ties by pk."""
        if sort not in self._orders:
            key = {"start": self.cols.start, "enrollment": self.cols.enrollment}.get(
                sort, self.cols.updated
            )
            self._orders[sort] = np.lexsort((self.cols.pks, -key.astype(np.int64)))
        return self._orders[sort]


_index: FacetIndex | None = None
_lock = threading.Lock()


def _release_freed_memory() -> None:
    """Give the heap that building left free back to the system (glibc keeps it otherwise:
    a worker at 1M trials stayed at ~600 MB resident instead of ~170 MB)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def get_index() -> FacetIndex:
    """This process's index, built on first use and refreshed from the change log."""
    global _index
    with _lock:
        if _index is None:
            index = FacetIndex()
            index.build()
            _index = index
        else:
            _index.refresh()
        return _index


def current_values(facet: str) -> list[str]:
    """A facet's values in this process's index as it is: no freshness check (validation)."""
    index = _index or get_index()
    return index.values(facet)


def reset() -> None:
    """Forget the index (tests that rewrite the database behind its back)."""
    global _index
    with _lock:
        _index = None
