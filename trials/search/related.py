"""A trial's related trials, from the in-process facet index: no database sort.

The trial page lists up to six trials that share a condition or a drug with the trial, open ones
first, then the most recently updated (ties by id). Asked of PostgreSQL this sorted every trial
of a common condition (two fifths of the bench's corpus share "psoriasis"): ~100 ms a page at
100k trials. Here it is a few masks over the index's rows, in the index's "updated" order.
"""

from __future__ import annotations

import numpy as np

from trials.models import Status
from trials.search.index import FacetIndex, get_index

# The rows of the first slice of the "updated" order read for related trials; each next is 4x.
FIRST_SLICE = 1024


def related_pks(pk: int, conditions: list[str], drugs: list[str], limit: int) -> list[int]:
    """The ids of up to `limit` live trials other than `pk` with any of the conditions or
    drugs: open first, then by last update (newest first, undated last), then by id."""
    if not conditions and not drugs:
        return []
    index = get_index()
    same = np.zeros(index.row_count, bool)
    if conditions:
        same |= index.facet_mask("condition", conditions)
    if drugs:
        same |= index.facet_mask("drug", drugs)
    same &= index.alive
    own = index.rows_of(np.asarray([pk], np.int64))
    same[own] = False
    return index.pks[_first_open_then_others(index, same, limit)].tolist()


def _first_open_then_others(index: FacetIndex, same: np.ndarray, limit: int) -> np.ndarray:
    """The rows of `same`, in the index's "updated" order, open ones first, `limit` of them.

    Read in growing slices of that order, stopping once `limit` open rows are found: a common
    condition has them in its first thousand rows, where testing all 100k rows cost ~1.5 ms.
    Until then the others are kept too, for when fewer than `limit` rows are open."""
    order = index.order("updated")
    status = index.columns["status"]
    codes = index.columns.codes["status"]
    is_open_code = np.zeros(max(codes.values()) + 1, bool)
    is_open_code[[codes[value] for value in Status.OPEN if value in codes]] = True
    opened, others = [], []
    found = 0
    start, size = 0, FIRST_SLICE
    while start < len(order) and found < limit:
        rows = order[start : start + size]
        rows = rows[same[rows]]
        is_open = is_open_code[status[rows]]
        opened.append(rows[is_open])
        others.append(rows[~is_open])
        found += len(opened[-1])
        start, size = start + size, size * 4
    if not opened:
        return np.zeros(0, np.intp)
    return np.concatenate([np.concatenate(opened)[:limit], np.concatenate(others)[:limit]])[:limit]
