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


class MultiFacet:
    """A multi-valued column as (row, value id) pairs in row order, with per-value postings.

    Held as int32 (at a million trials, ~10 million pairs): each pair's value id in `vals`,
    and where each row's pairs start in `starts` (one more than the rows: the last ends there),
    the pairs' rows themselves implied. Counting values over many rows reads the postings (each
    value's rows, one run after another): one gather of the mask's bytes (`take`, as fast with
    int32 indexes) and one `np.add.reduceat` over the values' runs. Every value id has at least
    one pair (an id is made for a pair), so no run is empty. For few hits the hits' own pairs
    are gathered instead, through `starts`."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.ids: dict[str, int] = {}
        self.vals = np.zeros(0, np.int32)
        self.starts = np.zeros(1, np.int32)
        self._postings: tuple[np.ndarray, np.ndarray] | None = None

    def append(self, first_row: int, lists: list[list[str]]) -> None:
        """The values of rows `first_row`, `first_row + 1`, …: the rows after the last one
        appended (rows between, if any, have none)."""
        vals, lengths = [], []
        for values in lists:
            lengths.append(len(values or ()))
            for value in values or ():
                value_id = self.ids.get(value)
                if value_id is None:
                    value_id = self.ids[value] = len(self.values)
                    self.values.append(value)
                vals.append(value_id)
        self.starts = self._starts_to(first_row)
        ends = self.starts[-1] + np.cumsum(lengths, dtype=np.int64)
        self.starts = np.concatenate([self.starts, ends.astype(np.int32)])
        self.vals = np.concatenate([self.vals, np.asarray(vals, np.int32)])
        self._postings = None

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
        if not self.values:
            return {}
        if np.count_nonzero(mask) * SPARSE > len(mask):
            postings, starts = self._posting_arrays()
            gathered = mask.view(np.uint8).take(postings)  # one byte a pair
            counted = np.add.reduceat(gathered, starts[:-1], dtype=np.intp)
        else:
            # Few hits: gather just their values through the row starts.
            hits = np.flatnonzero(mask)
            starts = self._starts_to(len(mask))
            first = starts[hits]
            lengths = starts[hits + 1] - first
            before = np.cumsum(lengths) - lengths
            picked = self.vals[np.arange(lengths.sum()) + np.repeat(first - before, lengths)]
            counted = np.bincount(picked, minlength=len(self.values))
        found = np.flatnonzero(counted)
        names = map(self.values.__getitem__, found.tolist())
        return dict(zip(names, counted[found].tolist(), strict=True))

    def prepare(self) -> None:
        """Make the postings now (FacetIndex.prepare)."""
        self._posting_arrays()

    def _starts_to(self, row_count: int) -> np.ndarray:
        """`starts` for `row_count` rows: rows past the last appended have no pairs."""
        missing = row_count + 1 - len(self.starts)
        if missing <= 0:
            return self.starts
        return np.concatenate([self.starts, np.full(missing, self.starts[-1], np.int32)])

    def _posting_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._postings is None:
            order = np.argsort(self.vals, kind="stable")
            starts = np.searchsorted(self.vals[order], np.arange(len(self.values) + 1))
            rows = np.repeat(np.arange(len(self.starts) - 1, dtype=np.int32), np.diff(self.starts))
            self._postings = (rows[order], starts)
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
