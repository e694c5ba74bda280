"""The per-process cache of search answers: served while the data is unchanged, never after."""

import pytest
from django.test import override_settings

from trials.models import Trial
from trials.search import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_on():
    cache.PAGES.clear()
    with override_settings(SEARCH_PAGE_CACHE=16):
        yield
    cache.PAGES.clear()


def test_a_repeated_search_is_served_from_the_cache(client, django_assert_num_queries):
    first = client.get("/", {"country": "ES"})
    # Only the change-log poll: no search, no page query.
    with django_assert_num_queries(1):
        second = client.get("/", {"country": "ES"})
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_change_to_the_data_is_never_hidden_by_the_cache(client):
    assert b"Withdrawn" not in client.get("/api/trials/").content
    Trial.objects.filter(trial_id="NCT01408199").update(status="WITHDRAWN")
    body = client.get("/api/trials/").json()
    assert {"value": "WITHDRAWN", "label": "Withdrawn", "count": 1} in body["facets"]["status"]


def test_errors_and_redirects_are_not_cached(client):
    assert client.get("/api/trials/", {"phase": "PHASE9"}).status_code == 400
    assert client.get("/", {"q": "NCT01408199"}).status_code == 302
    assert len(cache.PAGES) == 0


def test_the_cache_is_bounded(client, settings):
    settings.SEARCH_PAGE_CACHE = 2
    for country in ("ES", "CN", "US", "FR"):
        client.get("/", {"country": country})
    assert len(cache.PAGES) == 2


def test_the_benchmark_server_says_whether_the_cache_answered(client, settings):
    settings.BENCHMARK = True
    assert client.get("/", {"country": "DE"})["X-Answer-Cache"] == "miss"
    assert client.get("/", {"country": "DE"})["X-Answer-Cache"] == "hit"
    assert client.get("/api/trials/", {"country": "DE"})["X-Answer-Cache"] == "miss"
    settings.SEARCH_PAGE_CACHE = 0
    assert client.get("/", {"country": "DE"})["X-Answer-Cache"] == "off"


def test_production_does_not(client):
    client.get("/", {"country": "DE"})
    assert "X-Answer-Cache" not in client.get("/", {"country": "DE"})
