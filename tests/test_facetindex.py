"""The facet index's counting paths agree: the full scan (whole or in slices) and the sparse
gather."""

import random

import numpy as np
import pytest

from trials.models import Trial
from trials.search import columns
from trials.search.columns import Columns, MultiFacet


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
    # Every path in turn: the hits' own pairs, or all postings as runs, bitmaps or both.
    for sparse, dense in ((1, 1), (10**9, 1), (10**9, 10**9), (10**9, 8)):
        monkeypatch.setattr(columns, "SPARSE", sparse)
        monkeypatch.setattr(columns, "DENSE", dense)
        facet._postings = None
        assert facet.counts(mask) == expected
        for values in (["a"], ["b", "j"], ["zzz"]):
            rows = [row for row, held in enumerate(lists) if set(held) & set(values)]
            assert np.flatnonzero(facet.mask(n + 3, values)).tolist() == rows


@pytest.mark.parametrize("dense", [1, 8, 32, 10**9])
def test_postings_extended_by_a_refresh_count_as_postings_made_anew(monkeypatch, dense):
    """A refresh's rows go into the postings made before (no sort of every pair again): they
    count and mask as postings made from all the rows at once, new values, rows with none
    and rows the facet skipped (a gap) included."""
    monkeypatch.setattr(columns, "DENSE", dense)
    monkeypatch.setattr(columns, "SPARSE", 10**9)  # counts read the postings
    rng = random.Random(7)
    letters = "abcdefghijklmnop"
    lists = [rng.sample(letters[:6], rng.randint(0, 3)) for _ in range(3000)]
    extended, fresh = MultiFacet(), MultiFacet()
    extended.append(0, lists)
    extended.prepare()
    first = len(lists)
    for chunk in range(6):
        first += chunk % 2  # a row the facet skips now and then: it has no values
        more = [rng.sample(letters[: 6 + 2 * chunk], rng.randint(0, 4)) for _ in range(70)]
        extended.append(first, more)
        lists += [[]] * (first - len(lists)) + more
        first = len(lists)
    postings = extended._postings
    assert postings is not None  # extended, not made again
    for run in range(len(postings.sparse_ids)):  # each run's rows in order, as made anew
        rows = postings.rows[postings.starts[run] : postings.starts[run + 1]]
        assert (np.diff(rows) > 0).all()
    fresh.append(0, lists)
    n = len(lists) + 5
    for density in (0.02, 0.5, 1.0):
        mask = np.random.default_rng(8).random(n) < density
        assert extended.counts(mask) == fresh.counts(mask)
    for values in (["a"], ["f", "g"], ["p"], ["zzz"]):
        assert extended.mask(n, values).tolist() == fresh.mask(n, values).tolist()
    # The postings before are left as they were (a search may hold them).
    before = extended._posting_arrays()
    kept = (before.bits.copy(), before.rows.copy(), before.starts.copy())
    extended.append(len(lists), [["a", "q"]])
    assert np.array_equal(before.bits, kept[0]) and np.array_equal(before.rows, kept[1])
    assert np.array_equal(before.starts, kept[2])
    assert extended.counts(np.ones(n + 1, bool))["q"] == 1


def test_values_in_many_rows_are_bitmaps_and_few_runs():
    lists = [["common"] + (["rare"] if row % 50 == 0 else []) for row in range(1000)]
    facet = MultiFacet()
    facet.append(0, lists)
    postings = facet._posting_arrays()
    assert [facet.values[i] for i in postings.dense_ids] == ["common"]
    assert [facet.values[i] for i in postings.sparse_ids] == ["rare"]
    assert postings.rows.tolist() == list(range(0, 1000, 50))
    mask = np.zeros(1200, bool)  # longer than the facet's rows: rows appended since
    mask[::3] = True
    assert facet.counts(mask) == {"common": 334, "rare": 7}


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


@pytest.mark.parametrize("density", [0.0, 0.01, 0.3, 1.0])
def test_single_valued_counts_by_codes_and_by_bitmaps(monkeypatch, density):
    statuses = [value for value, _ in Trial._meta.get_field("status").choices]
    rng = random.Random(5)
    values = [rng.choice([*statuses, None]) for _ in range(3000)]
    column = Columns(["status"])
    column.extend([(value,) for value in values[:1000]])
    column.bit_rows("status")  # made, then the rows grow: made again
    column.extend([(value,) for value in values[1000:]])
    mask = np.random.default_rng(6).random(len(values)) < density
    codes = column.codes["status"]
    expected = np.bincount(
        [codes[value] for value, kept in zip(values, mask, strict=True) if kept],
        minlength=len(codes),
    )
    for sparse in (1, 10**9):
        monkeypatch.setattr(columns, "SPARSE", sparse)
        assert column.counts("status", mask).tolist() == expected.tolist()


@pytest.mark.django_db
def test_the_trials_open_to_any_skin_disease_are_marked_at_the_build_and_as_they_change(
    settings,
):
    """FacetIndex.general: read once at the build (a phrase of common words the GIN index
    answers slowly), then for each trial appended: a trial newly open to any skin disease, or
    no longer, shows at the next refresh."""
    from trials.search.fulltext import skin_in_general_mask
    from trials.search.index import FacetIndex

    settings.SEARCH_CACHE_SECONDS = 0
    open_to_any = "Evaluation and treatment of patients with dermatologic diseases"
    first = Trial.objects.create(key="ANY-1", record={}, title=open_to_any)
    Trial.objects.create(key="PSO", record={}, title="Plaque psoriasis")
    index = FacetIndex()
    index.build()

    def general() -> set[int]:
        return set(index.pks[skin_in_general_mask(index)].tolist())

    assert general() == {first.pk}
    second = Trial.objects.create(key="ANY-2", record={}, title="Dermatoses in adults")
    first.title = "A lupus study"
    first.save()
    index.refresh()
    assert general() == {second.pk}
