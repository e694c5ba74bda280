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
