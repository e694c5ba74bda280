"""The facet index's counting paths agree: the full scan (whole or in slices) and the sparse
gather."""

import random

import numpy as np
import pytest

from trials.search import columns
from trials.search.columns import MultiFacet


@pytest.mark.parametrize("density", [0.0, 0.001, 0.05, 0.2, 0.9, 1.0])
def test_sparse_and_dense_counts_agree(monkeypatch, density):
    rng = random.Random(3)
    n = 5000
    facet = MultiFacet()
    lists = [rng.sample("abcdefghij", rng.randint(0, 3)) for _ in range(n)]
    facet.append(0, lists[:2000])
    facet.append(2000, lists[2000:])  # a refresh appends: rows stay in order
    mask = np.random.default_rng(4).random(n) < density
    expected = {}
    for row in np.flatnonzero(mask):
        for v in lists[row]:
            expected[v] = expected.get(v, 0) + 1
    for sparse in (1, 10**9):  # force each path in turn
        monkeypatch.setattr(columns, "SPARSE", sparse)
        assert facet.counts(mask) == expected


def test_rows_without_values_and_masks_of_values():
    # Rows with no values, at the end too, and rows the facet never saw (a longer index).
    lists = [["a"], [], ["b", "a"], [], ["c"], [], []]
    facet = MultiFacet()
    facet.append(0, lists[:3])
    facet.append(3, lists[3:])
    assert facet.starts.tolist() == [0, 1, 1, 3, 3, 4, 4, 4]
    assert facet.mask(9, ["a", "c", "zzz"]).tolist() == [1, 0, 1, 0, 1, 0, 0, 0, 0]
    everything = np.ones(9, bool)
    assert facet.counts(everything) == {"a": 2, "b": 1, "c": 1}
    few = np.zeros(100, bool)
    few[[2, 50]] = True  # sparse: a hit past the rows the facet has
    assert facet.counts(few) == {"a": 1, "b": 1}
