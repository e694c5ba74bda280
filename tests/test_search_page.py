"""The search page: facets, selections, notices, pagination, and a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trials.models import Trial

pytestmark = pytest.mark.django_db

SEEDS = {"NCT05488327", "NCT01408199", "ChiCTR1900025376", "NCT04946669"}


def _keys(response):
    return {t.key for t in response.context["result"].trials}


def test_it_lists_every_seed_trial(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["result"].count == 5
    assert _keys(response) >= SEEDS
    assert "unregistered-" in " ".join(_keys(response))


def test_trials_url_is_the_same_page(client):
    assert client.get("/trials/").context["result"].count == 5


def test_selecting_country_es_leaves_only_the_spanish_trial(client):
    response = client.get("/", {"country": "ES"})
    assert _keys(response) == {"NCT01408199"}
    chips = response.context["chips"]
    assert [c["label"] for c in chips] == ["Spain"]


def test_facet_counts_are_disjunctive(client):
    facets = client.get("/", {"country": "ES"}).context["result"].facets
    countries = {v.value: v.count for v in facets["country"]}
    # Other countries stay visible with the counts they would have on their own.
    assert countries == {"CN": 3, "ES": 1}
    conditions = {v.value: v.count for v in facets["condition"]}
    assert conditions == {"cutaneous-lupus-erythematosus": 1}


def test_values_within_a_facet_combine_with_or(client):
    response = client.get("/", {"country": ["ES", "CN"]})
    assert response.context["result"].count == 4


def test_different_facets_combine_with_and(client):
    response = client.get("/", {"country": "CN", "drug": "lenalidomide"})
    assert _keys(response) == {"NCT05488327", "ChiCTR1900025376"}


def test_status_and_phase_facets_filter(client):
    assert _keys(client.get("/", {"status": "RECRUITING"})) == {
        "ChiCTR1900025376",
        "NCT04946669",
    }
    assert _keys(client.get("/", {"phase": "EARLY_PHASE1"})) == {"NCT04946669"}


def test_text_search_finds_words_in_titles(client):
    assert _keys(client.get("/", {"q": "abatacept"})) == {"NCT04946669"}


def test_a_registry_id_in_the_box_goes_to_the_trial(client):
    response = client.get("/", {"q": "NCT01408199"})
    assert response.status_code == 302
    assert response["Location"] == "/trials/NCT01408199/"


@pytest.mark.parametrize(
    "params",
    [
        {"country": "XX"},
        {"condition": "not-a-disease"},
        {"phase": "PHASE9"},
        {"status": "<script>"},
        {"age": "old"},
        {"age": "-4"},
        {"sex": "other"},
        {"sort": "random"},
        {"page": "abc"},
        {"page": "99999"},
        {"q": '"unbalanced quote -or'},
        {"q": "x" * 600},
    ],
)
def test_malformed_parameters_never_make_a_500(client, params):
    response = client.get("/", params)
    assert response.status_code == 200


def test_an_unknown_value_is_ignored_with_a_visible_notice(client):
    response = client.get("/", {"country": ["ES", "XX"]})
    assert _keys(response) == {"NCT01408199"}
    assert b"unknown country" in response.content
    assert b"&#x27;XX&#x27;" in response.content


def test_a_selected_value_can_be_removed(client):
    response = client.get("/", {"country": "ES", "status": "COMPLETED"})
    chip_urls = [c["url"] for c in response.context["chips"]]
    assert "?status=COMPLETED" in chip_urls
    assert "?country=ES" in chip_urls


def test_empty_results_say_so(client):
    response = client.get("/", {"country": "ES", "status": "RECRUITING"})
    assert response.context["result"].count == 0
    assert b"No trial matches" in response.content


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.get("/")  # builds the facet index and warms the vocabulary labels
    # The change-log poll, then the page of trials.
    with django_assert_num_queries(2):
        client.get("/", {"country": "CN", "sort": "enrollment"})
    # With text: the poll, the matching ids, the ranked page.
    with django_assert_num_queries(3):
        client.get("/", {"country": "CN", "q": "dermatomyositis"})
    # The page size does not change the count: a full page of 20 costs the same.
    for n in range(25):
        Trial.objects.create(key=f"T{n}", record={}, title=f"Filler dermatomyositis trial {n}")
    client.get("/")  # the index reads the changed rows once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/", {"q": "dermatomyositis"})
    assert len(response.context["result"].trials) == 20
    assert len(ctx.captured_queries) == 3
