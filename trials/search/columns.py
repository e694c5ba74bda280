"""How the facet index holds the trials' columns: numpy arrays, one entry per row.

`Columns` holds scalar Trial columns (a column with choices as small integer codes, NULL as 0);
`MultiFacet` holds one array column as (row, value id) pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from django.db import models

from trials.models import Trial

# Below one hit in SPARSE rows, facet counts gather the hits' values instead of scanning all.
SPARSE = 8
# Facet counts go through the (row, value) pairs this many at a time (see MultiFacet.counts).
PAIRS_AT_ONCE = 131_072


class MultiFacet:
    """A multi-valued column as (row, value id) pairs, with per-value postings built on demand.

    Held for counting as int32 (at a million trials, ~10 million pairs): `rows`, and each
    value id doubled in `vals2`, so that counting values over a mask is a bincount of
    `vals2 + mask.take(rows)` with no boolean selection (half the time of selecting the masked
    pairs first; `take` is as fast with int32 rows as indexing with numpy's index type)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.ids: dict[str, int] = {}
        self.rows = np.zeros(0, np.int32)
        self.vals2 = np.zeros(0, np.int32)
        self._postings: tuple[np.ndarray, np.ndarray] | None = None
        self._starts: np.ndarray | None = None

    def append(self, first_row: int, lists: list[list[str]]) -> None:
        rows, vals = [], []
        for offset, values in enumerate(lists):
            for value in values or ():
                value_id = self.ids.get(value)
                if value_id is None:
                    value_id = self.ids[value] = len(self.values)
                    self.values.append(value)
                rows.append(first_row + offset)
                vals.append(value_id)
        self.rows = np.concatenate([self.rows, np.asarray(rows, np.int32)])
        self.vals2 = np.concatenate([self.vals2, np.asarray(vals, np.int32) * 2])
        self._postings = None
        self._starts = None

    def mask(self, row_count: int, selected: Sequence[str]) -> np.ndarray:
        """Rows having any of the selected values."""
        order, starts = self._posting_arrays()
        mask = np.zeros(row_count, bool)
        for value in selected:
            value_id = self.ids.get(value)
            if value_id is not None:
                mask[order[starts[value_id] : starts[value_id + 1]]] = True
        return mask

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        """How many rows in `mask` have each value (values with none left out)."""
        if np.count_nonzero(mask) * SPARSE > len(mask):
            # In slices of PAIRS_AT_ONCE: the same counts, with temporaries small enough to be
            # reused from the heap (whole, at a million trials, each call's would be ~20 MB
            # that the worker's heap keeps after freeing) and faster (in the CPU's cache).
            counted = np.zeros(2 * len(self.values), np.intp)
            for start in range(0, len(self.rows), PAIRS_AT_ONCE):
                pairs = slice(start, start + PAIRS_AT_ONCE)
                counted += np.bincount(
                    self.vals2[pairs] + mask.take(self.rows[pairs]), minlength=len(counted)
                )
            counted = counted[1::2]
        else:
            # Few hits: gather just their values through row offsets (rows are appended in
            # order, so `rows` is sorted) instead of testing every (row, value) pair.
            hits = np.flatnonzero(mask)
            starts = self._row_starts(len(mask))
            first = starts[hits]
            lengths = starts[hits + 1] - first
            before = np.cumsum(lengths) - lengths
            picked = self.vals2[np.arange(lengths.sum()) + np.repeat(first - before, lengths)]
            counted = np.bincount(picked // 2, minlength=len(self.values))
        return {self.values[i]: int(counted[i]) for i in np.flatnonzero(counted)}

    def _row_starts(self, row_count: int) -> np.ndarray:
        if self._starts is None or len(self._starts) != row_count + 1:
            starts = np.searchsorted(self.rows, np.arange(row_count + 1))
            self._starts = starts.astype(np.int32)
        return self._starts

    def _posting_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._postings is None:
            order = np.argsort(self.vals2, kind="stable")
            starts = np.searchsorted(self.vals2[order], np.arange(len(self.values) + 1) * 2)
            self._postings = (self.rows[order], starts)
        return self._postings


def _converter(column: str) -> tuple[type, Callable[[Any], Any], dict | None]:
    """How a Trial column is held in a numpy array: dtype, conversion of a value, and for a
    column with choices, its codes (0 for NULL)."""
    field = Trial._meta.get_field(column)
    if field.choices:
        codes = {None: 0, **{value: code for code, (value, _) in enumerate(field.choices, 1)}}
        return np.int8, codes.__getitem__, codes
    if isinstance(field, models.BooleanField):
        return bool, bool, None
    if isinstance(field, models.FloatField):
        return np.float32, lambda value: np.nan if value is None else value, None
    if isinstance(field, models.DateField):
        return np.int32, lambda value: value.toordinal() if value else -1, None
    if isinstance(field, models.IntegerField):
        return np.int32, lambda value: -1 if value is None else value, None
    raise TypeError(f"the facet index cannot hold Trial.{column} ({type(field).__name__})")


class Columns:
    """Scalar Trial columns as numpy arrays, one entry per row: what facet tests read."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        converters = {name: _converter(name) for name in self.names}
        self._dtypes = {name: conv[0] for name, conv in converters.items()}
        self._converts = {name: conv[1] for name, conv in converters.items()}
        self.codes = {name: conv[2] for name, conv in converters.items() if conv[2]}
        self.arrays = {name: np.zeros(0, self._dtypes[name]) for name in self.names}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def is_in(self, name: str, values: Sequence[str | None]) -> np.ndarray:
        """Rows whose value of a column with choices is one of `values` (None: NULL)."""
        codes = self.codes[name]
        # A look-up table over the codes: one gather, ~10x faster than np.isin.
        wanted = np.zeros(max(codes.values()) + 1, bool)
        wanted[[codes[v] for v in values if v in codes]] = True
        return wanted[self.arrays[name]]

    def extend(self, rows: list[tuple]) -> None:
        """Append rows whose first values are these columns, in order."""
        for position, name in enumerate(self.names):
            convert = self._converts[name]
            new = np.fromiter(
                (convert(row[position]) for row in rows), self._dtypes[name], count=len(rows)
            )
            self.arrays[name] = np.concatenate([self.arrays[name], new])
