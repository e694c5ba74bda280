"""Imports and curator edits show in search results and counts within 5 seconds."""

import time

import pytest
from django.test import override_settings

from trials.models import Trial
from trials.search.engine import search
from trials.search.params import parse

pytestmark = pytest.mark.django_db


def _count(**params) -> int:
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for k, v in params.items():
        q[k] = v
    return search(parse(q)[0]).count


def _eventually(check, timeout: float = 5.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"not reflected within {timeout} s")


@override_settings(SEARCH_CACHE_SECONDS=2)
def test_an_edit_shows_in_counts_within_5_seconds():
    assert _count(status="WITHDRAWN") == 0
    Trial.objects.filter(trial_id="NCT01408199").update(status="WITHDRAWN")
    _eventually(lambda: _count(status="WITHDRAWN") == 1)
    assert _count(status="COMPLETED") == 0


@override_settings(SEARCH_CACHE_SECONDS=2)
def test_a_new_trial_and_a_deleted_one_show_within_5_seconds():
    assert _count() == 5
    Trial.objects.create(key="NCT00000042", record={}, title="Vitiligo light therapy")
    Trial.objects.filter(trial_id="NCT05488327").delete()
    _eventually(lambda: _count(q="vitiligo") == 1 and _count() == 5)
    assert _count(q="lenalidomide") == 2


def test_an_import_is_taken_in_a_step_a_look_so_no_request_waits_for_it_all(settings, monkeypatch):
    """More changes than SEARCH_REFRESH_STEP (an import) are taken in a step at each look,
    CATCH_UP_SECONDS apart rather than SEARCH_CACHE_SECONDS: a request pays for one step
    (5,000 new trials cost each of four workers 2–3 s at once beside the import)."""
    from trials.search import index as index_module
    from trials.search.index import get_index

    settings.SEARCH_CACHE_SECONDS = 60
    settings.SEARCH_REFRESH_STEP = 2
    facet_index = get_index()
    rows = facet_index.row_count
    for n in range(5):
        Trial.objects.create(key=f"NCT0000009{n}", record={}, title=f"Vitiligo study {n}")
    facet_index.checked = 0.0  # the look is due
    monkeypatch.setattr(index_module, "CATCH_UP_SECONDS", 60.0)
    assert get_index().row_count == rows + 2 and facet_index.behind
    assert get_index().row_count == rows + 2  # the same request's second look: no step
    monkeypatch.setattr(index_module, "CATCH_UP_SECONDS", 0.0)
    assert get_index().row_count == rows + 4 and facet_index.behind
    assert get_index().row_count == rows + 5 and not facet_index.behind
    assert _count(q="vitiligo") == 5  # caught up: counts exact
    Trial.objects.create(key="NCT00000099", record={}, title="Vitiligo study 9")
    assert get_index().row_count == rows + 5  # caught up: SEARCH_CACHE_SECONDS again


def test_with_every_look_fresh_an_import_is_taken_in_whole(settings):
    from trials.search.index import get_index

    settings.SEARCH_CACHE_SECONDS = 0
    settings.SEARCH_REFRESH_STEP = 2
    rows = get_index().row_count
    for n in range(5):
        Trial.objects.create(key=f"NCT0000009{n}", record={}, title=f"Vitiligo study {n}")
    assert get_index().row_count == rows + 5 and not get_index().behind
