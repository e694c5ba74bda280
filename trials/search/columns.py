"""How the facet index holds the trials' columns: numpy arrays, one entry per row.

`Columns` holds scalar Trial columns (a column with choices as small integer codes, NULL as 0);
`MultiFacet` holds one array column as (row, value id) pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from django.db import models

from trials.models import Trial

# Below one hit in SPARSE rows, facet counts gather the hits' values instead of scanning all
# (100k rows, the seven multi-valued facets: ~0.7 ms scanning whatever the mask, gathering 0.5
# at 1% of the rows and 0.8 at 2%).
SPARSE = 64
# A facet value in at least one row in DENSE is held as a bitmap of the rows, not their numbers:
# at 1/32 of the rows the bitmap (a bit a row) is as big as the numbers (4 bytes each), and a
# count under a mask reads it with no gather (drug class, 35 values over 100k rows with a mask
# of a third of them: 0.41 ms by gathering, ~0.07 by bitmaps).
DENSE = 32
# Counting by bitmaps ANDs this many bytes of them with the mask at a time (the temporary).
BITS_BLOCK = 1 << 20


class Postings(NamedTuple):
    """Each value's rows: a value in at least one row in DENSE as a bitmap (`bits`, one row
    of 64-bit words a value, bit r of a row the index's row r), the others as runs of row
    numbers (`rows`, run i from `starts[i]` to `starts[i + 1]`, int32)."""

    dense_ids: np.ndarray  # the value ids of the bitmaps, in order
    bits: np.ndarray  # (len(dense_ids), words) uint64
    held: int  # the rows the bitmaps cover (the facet's rows when made)
    sparse_ids: np.ndarray  # the value ids of the runs, in order
    rows: np.ndarray
    starts: np.ndarray


class MultiFacet:
    """A multi-valued column as (row, value id) pairs in row order, with per-value postings.

    Held as int32 (at a million trials, ~10 million pairs): each pair's value id in `vals`,
    and where each row's pairs start in `starts` (one more than the rows: the last ends there),
    the pairs' rows themselves implied. Counting values over many rows reads the postings
    (`Postings`): a frequent value's count is the popcount of its bitmap ANDed with the
    mask's bits; the others' one gather of the mask's bytes over their runs of rows (`take`, as
    fast with int32 indexes) and one `np.add.reduceat` over the runs. Every value id has at
    least one pair (an id is made for a pair), so no run is empty. For few hits the hits' own
    pairs are gathered instead, through `starts`."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.ids: dict[str, int] = {}
        self.vals = np.zeros(0, np.int32)
        self.starts = np.zeros(1, np.int32)
        self._postings: Postings | None = None

    def append(self, first_row: int, lists: list[list[str]]) -> None:
        """The values of rows `first_row`, `first_row + 1`, …: the rows after the last one
        appended (rows between, if any, have none)."""
        known = len(self.values)  # the value ids made before these rows
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
        added = np.asarray(vals, np.int32)
        self.vals = np.concatenate([self.vals, added])
        if self._postings is not None:
            # A refresh's few rows go into the postings made before (their rows come after
            # every row there), not a new sort of every pair: ~4 ms a facet at 100k trials,
            # in each worker after each refresh (docs/benchmarks.md, session 42).
            rows = np.repeat(np.arange(first_row, first_row + len(lists), dtype=np.int32), lengths)
            self._postings = _postings_extended(
                self._postings, rows, added, known, len(self.starts) - 1
            )

    def mask(self, row_count: int, selected: Sequence[str]) -> np.ndarray:
        """Rows having any of the selected values."""
        postings = self._posting_arrays()
        mask = np.zeros(row_count, bool)
        for value in selected:
            value_id = self.ids.get(value)
            if value_id is None:
                continue
            place = np.searchsorted(postings.dense_ids, value_id)
            if place < len(postings.dense_ids) and postings.dense_ids[place] == value_id:
                held = postings.bits[place].view(np.uint8)
                mask[: postings.held] |= np.unpackbits(
                    held, count=postings.held, bitorder="little"
                ).view(bool)
            else:
                run = np.searchsorted(postings.sparse_ids, value_id)
                starts = postings.starts
                mask[postings.rows[starts[run] : starts[run + 1]]] = True
        return mask

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        """How many rows in `mask` have each value (values with none left out)."""
        if not self.values:
            return {}
        if np.count_nonzero(mask) * SPARSE > len(mask):
            postings = self._posting_arrays()
            counted = np.zeros(len(self.values), np.intp)
            if len(postings.sparse_ids):
                gathered = mask.view(np.uint8).take(postings.rows)  # one byte a pair
                runs = np.add.reduceat(gathered, postings.starts[:-1], dtype=np.intp)
                counted[postings.sparse_ids] = runs
            if len(postings.dense_ids):
                counted[postings.dense_ids] = _popcounts(postings.bits, mask[: postings.held])
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

    def _posting_arrays(self) -> Postings:
        if self._postings is None:
            self._postings = _postings(self.vals, self.starts, len(self.values))
        return self._postings


def _postings(vals: np.ndarray, row_starts: np.ndarray, value_count: int) -> Postings:
    """The Postings of pairs (`vals`, rows implied by `row_starts`), as MultiFacet holds them."""
    held = len(row_starts) - 1
    order = np.argsort(vals, kind="stable")
    starts = np.searchsorted(vals[order], np.arange(value_count + 1))
    rows = np.repeat(np.arange(held, dtype=np.int32), np.diff(row_starts))[order]
    del order
    lengths = np.diff(starts)
    dense = lengths * DENSE >= held
    dense_ids = np.flatnonzero(dense)
    bits = np.zeros((len(dense_ids), _words_for(held)), np.uint64)
    flags = np.zeros(held, bool)
    for place, value_id in enumerate(dense_ids.tolist()):
        flags[rows[starts[value_id] : starts[value_id + 1]]] = True
        bits[place] = _as_words(flags, bits.shape[1])
        flags[:] = False
    sparse_ids = np.flatnonzero(~dense)
    kept = np.repeat(~dense, lengths)
    sparse_starts = np.concatenate([[0], np.cumsum(lengths[~dense])]).astype(np.int64)
    return Postings(dense_ids, bits, held, sparse_ids, rows[kept], sparse_starts)


def _postings_extended(
    postings: Postings, rows: np.ndarray, vals: np.ndarray, known: int, held: int
) -> Postings | None:
    """`postings` with the pairs (`rows`, `vals`) of rows after all of its own added, covering
    `held` rows; value ids from `known` on are new (runs after the others). New arrays: a
    search holding the old postings is not changed under it. None when a row is not after
    them (made again on first use)."""
    if len(rows) and rows.min() < postings.held:
        return None
    dense_at = np.full(known, -1, np.int64)  # a known value id -> its bitmap's place
    dense_at[postings.dense_ids] = np.arange(len(postings.dense_ids))
    run_at = np.full(known, -1, np.int64)  # … -> its run's place
    run_at[postings.sparse_ids] = np.arange(len(postings.sparse_ids))
    is_new = vals >= known
    old_vals = np.where(is_new, 0, vals)
    places = np.where(is_new, -1, dense_at[old_vals])
    in_bits = places >= 0
    bits = np.zeros((len(postings.dense_ids), _words_for(held)), np.uint64)
    bits[:, : postings.bits.shape[1]] = postings.bits
    ones = np.left_shift(np.uint64(1), (rows[in_bits] & 63).astype(np.uint64))
    np.bitwise_or.at(bits, (places[in_bits], rows[in_bits] >> 6), ones)
    runs = np.where(is_new, -1, run_at[old_vals])
    in_runs = runs >= 0
    # Each row at the end of its value's run (rows come in order: a run stays in order).
    grown = np.insert(postings.rows, postings.starts[runs[in_runs] + 1], rows[in_runs])
    more = np.bincount(runs[in_runs], minlength=len(postings.sparse_ids))
    starts = postings.starts + np.concatenate([[0], np.cumsum(more)])
    # New values: runs of their own after the others (their ids are the greatest).
    order = np.argsort(vals[is_new], kind="stable")
    new_ids, lengths = np.unique(vals[is_new][order], return_counts=True)
    grown = np.concatenate([grown, rows[is_new][order]]).astype(np.int32, copy=False)
    starts = np.concatenate([starts, starts[-1] + np.cumsum(lengths)]).astype(np.int64)
    sparse_ids = np.concatenate([postings.sparse_ids, new_ids]).astype(np.int64)
    return Postings(postings.dense_ids, bits, held, sparse_ids, grown, starts)


def _words_for(row_count: int) -> int:
    return -(-row_count // 64)


def _as_words(flags: np.ndarray, words: int) -> np.ndarray:
    """A row of booleans as a bitmap of `words` 64-bit words: bit r (of word r // 64, from the
    lowest) is row r; the rows past `flags` are 0."""
    packed = np.packbits(flags, bitorder="little")
    bitmap = np.zeros(words, np.uint64)
    bitmap.view(np.uint8)[: len(packed)] = packed
    return bitmap


def _popcounts(bits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How many rows of `mask` each bitmap of `bits` has (mask as long as the bitmaps' rows)."""
    words = _as_words(mask, bits.shape[1])
    step = max(1, BITS_BLOCK // max(1, words.nbytes))
    counts = [
        np.bitwise_count(bits[first : first + step] & words).sum(axis=1, dtype=np.intp)
        for first in range(0, len(bits), step)
    ]
    return np.concatenate(counts)


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
        self._bits: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def is_in(self, name: str, values: Sequence[str | None]) -> np.ndarray:
        """Rows whose value of a column with choices is one of `values` (None: NULL)."""
        codes = self.codes[name]
        # A look-up table over the codes: one gather, ~10x faster than np.isin.
        wanted = np.zeros(max(codes.values()) + 1, bool)
        wanted[[codes[v] for v in values if v in codes]] = True
        return wanted[self.arrays[name]]

    def counts(self, name: str, mask: np.ndarray) -> np.ndarray:
        """How many rows of `mask` have each code of a column with choices (code 0: NULL).
        Few hits: their codes, counted; many: a popcount of each code's bitmap ANDed with the
        mask's (bit_rows; a bincount of code + n·in-mask, the way before, 0.14-0.2 ms at 100k
        rows)."""
        if np.count_nonzero(mask) * SPARSE <= len(mask):
            return np.bincount(self.arrays[name][mask], minlength=len(self.codes[name]))
        return _popcounts(self.bit_rows(name), mask)

    def bit_rows(self, name: str) -> np.ndarray:
        """A column with choices as one bitmap a code (as Postings.bits), made on first use."""
        if name not in self._bits:
            codes = self.arrays[name]
            bits = np.zeros((len(self.codes[name]), _words_for(len(codes))), np.uint64)
            for code in range(len(bits)):
                bits[code] = _as_words(codes == code, bits.shape[1])
            self._bits[name] = bits
        return self._bits[name]

    def extend(self, rows: list[tuple]) -> None:
        """Append rows whose first values are these columns, in order."""
        self._bits.clear()
        for position, name in enumerate(self.names):
            convert = self._converts[name]
            new = np.fromiter(
                (convert(row[position]) for row in rows), self._dtypes[name], count=len(rows)
            )
            self.arrays[name] = np.concatenate([self.arrays[name], new])
