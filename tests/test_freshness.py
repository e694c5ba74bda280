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
