"""The search page: facets, selections, notices, pagination, and a fixed number of queries."""

from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trials.models import Trial
from trials.search import facets
from trials.web import presenters, views

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
    assert [c["text"] for c in chips] == ["Country: Spain"]


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
        {"q": "x" * 1200},
        # PostgreSQL's tsquery stack holds ~32 nested minus signs
        {"q": "-" * 40},
        {"q": "psoriasis " + "- " * 50 + "lupus"},
        # a kind of disease said thrice (dozens of names each) once made ranking ask for 1 GB
        {"q": "lupus autoimmune disease autoimmune disease autoimmune disease tofacitinib"},
        {"q": "autoimmune disease rheumatic disease JAK inhibitors TNF blockers", "page": "2"},
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
    with django_assert_num_queries(2):
        client.get("/", {"registry": "ChiCTR", "study_type": "INTERVENTIONAL"})
    # With text: the poll, the matching ids, the ranked page (the trials open to any skin
    # disease that fill it, fewer than words.FILL_BELOW trials being about dermatomyositis
    # here, are marked by the index: engine._general_filled).
    with django_assert_num_queries(3):
        client.get("/", {"country": "CN", "q": "dermatomyositis"})
    with django_assert_num_queries(3):
        client.get("/", {"country": "CN", "q": "dermatomyositis trials"})
    # The page size does not change the count: a full page of 20 costs the same (tagged with
    # the condition named, as the seed's trials are: one tier, engine._tiers).
    for n in range(25):
        Trial.objects.create(
            key=f"T{n}",
            record={},
            title=f"Filler dermatomyositis trial {n}",
            conditions=["dermatomyositis"],
        )
    client.get("/")  # the index reads the changed rows once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/", {"q": "dermatomyositis"})
    assert len(response.context["result"].trials) == 20
    assert len(ctx.captured_queries) == 3


def test_every_engine_facet_has_a_title():
    assert all(facet.title for facet in facets.declared())


def test_the_sidebar_shows_the_new_facets(client):
    html = client.get("/").content.decode()
    for title in ["Study type", "Age group", "Population", "Source registry", "Country"]:
        assert f">{title}</h3>" in html, title
    assert 'data-facet="registry" data-value="ChiCTR"' in html
    assert "Refractory disease only" in html
    assert "Adults (18–64)" in html


def test_long_facets_fold_into_show_all(client, monkeypatch):
    monkeypatch.setattr(presenters, "FACET_SHOWN", 2)
    response = client.get("/")
    condition = next(f for f in response.context["facets"] if f["name"] == "condition")
    assert len(condition["shown"]) == 2
    assert len(condition["more"]) == 1
    assert "Show all 3" in response.content.decode()


def test_the_patient_form_keeps_the_other_filters(client):
    response = client.get("/", {"country": "CN", "q": "lupus", "age": "30", "page": "1"})
    html = response.content.decode()
    assert response.context["patient_hidden"] == [("country", "CN"), ("q", "lupus")]
    assert 'id="age" name="age" min="0" max="130" step="any" inputmode="decimal" value="30"' in html
    assert '<input type="checkbox" name="recruiting" value="1" role="switch">' in html
    # The search box carries the filters but not the old text.
    assert ("q", "lupus") not in response.context["search_hidden"]
    assert ("age", "30") in response.context["search_hidden"]


@pytest.mark.usefixtures("statuses_confirmed")
def test_age_sex_and_recruiting_filter_and_show_as_chips(client):
    response = client.get("/", {"age": "40", "sex": "female", "recruiting": "1"})
    keys = _keys(response)
    assert {"ChiCTR1900025376", "NCT04946669"} <= keys
    assert not keys & {"NCT01408199", "NCT05488327"}
    texts = [c["text"] for c in response.context["chips"]]
    assert texts == ["Age: 40 years", "Recruiting or soon recruiting", "Open to: Women"]
    html = response.content.decode()
    assert '<input type="radio" name="sex" value="female" checked>' in html
    assert 'name="recruiting" value="1" role="switch" checked>' in html


@pytest.mark.usefixtures("statuses_confirmed")
def test_recruiting_includes_trials_that_will_soon_recruit(client):
    keys = _keys(client.get("/", {"recruiting": "1"}))
    assert keys >= {"ChiCTR1900025376", "NCT04946669"}
    assert any(k.startswith("unregistered-") for k in keys)  # NOT_YET_RECRUITING
    assert "NCT01408199" not in keys


@pytest.mark.parametrize(
    ("params", "chip"),
    [
        ({"study_type": "INTERVENTIONAL"}, "Study type: Interventional"),
        ({"registry": "ChiCTR"}, "Source registry: ChiCTR"),
        ({"age_group": "adult"}, "Age group: Adults (18–64)"),
        ({"refractory": "1"}, "Population: Refractory disease only"),
    ],
)
def test_new_facets_make_removable_chips(client, params, chip):
    response = client.get("/", params)
    (only,) = response.context["chips"]
    assert only["text"] == chip
    assert only["url"] == "?"


def test_two_values_of_one_facet_make_two_chips(client):
    response = client.get("/", {"country": ["ES", "CN"]})
    chips = {c["text"]: c["url"] for c in response.context["chips"]}
    assert chips == {"Country: Spain": "?country=CN", "Country: China": "?country=ES"}


def test_the_empty_page_names_the_filter_to_drop(client):
    response = client.get("/", {"country": "ES", "status": "RECRUITING"})
    drops = [(d["text"], d["count"], d["url"]) for d in response.context["drops"]]
    # Without the country, two recruiting trials; without the status, the Spanish one.
    assert drops == [
        ("Country: Spain", 2, "?status=RECRUITING"),
        ("Recruitment status: Recruiting", 1, "?country=ES"),
    ]
    html = response.content.decode()
    assert "Remove <strong>Country: Spain</strong> to see 2 trials" in html
    assert 'href="?status=RECRUITING"' in html


def test_the_empty_page_without_a_single_culprit_offers_to_clear_all(client, monkeypatch):
    real = views.search

    def no_drops(query):
        result = real(query)
        return replace(result, drop_counts={name: 0 for name in result.drop_counts})

    monkeypatch.setattr(views, "search", no_drops)
    html = client.get("/", {"country": "ES", "status": "RECRUITING"}).content.decode()
    assert "removing any one of them alone still finds none" in html
    assert "Clear all filters" in html


def test_snippets_mark_the_matched_words(client):
    response = client.get("/", {"q": "dermatomyositis"})
    snippets = [t.snippet for t in response.context["result"].trials if t.snippet]
    assert snippets
    assert any(hit and "ermatomyositis" in text for text, hit in snippets[0])
    assert "<mark>Dermatomyositis</mark>" in response.content.decode().replace("<mark>d", "<mark>D")


def test_a_suggestion_is_offered_as_a_link(client, monkeypatch):
    real = views.search

    def suggesting(query):
        return replace(real(query), suggestion="dermatomyositis")

    monkeypatch.setattr(views, "search", suggesting)
    html = client.get("/", {"q": "myositis", "country": "CN"}).content.decode()
    assert 'Did you mean <a href="?q=dermatomyositis&amp;country=CN">dermatomyositis</a>?' in html


def test_a_corrected_search_says_what_ran_instead(client, monkeypatch):
    real = views.search

    def corrected(query):
        return replace(real(query), corrected_from="dermatomyosits", corrected_to="dermatomyositis")

    monkeypatch.setattr(views, "search", corrected)
    html = client.get("/", {"q": "dermatomyositis"}).content.decode()
    assert "No trials matched “dermatomyosits”" in html
    assert "showing results for <strong>“dermatomyositis”</strong> instead" in html


def test_sort_choices_are_in_words_and_relevance_needs_text(client):
    assert client.get("/").context["sorts"] == [
        ("updated", "Last updated"),
        ("start", "Start date"),
        ("enrollment", "Enrollment"),
    ]
    sorts = client.get("/", {"q": "lupus"}).context["sorts"]
    assert sorts[0] == ("relevance", "Best match")


@pytest.mark.parametrize(
    "params",
    [
        {"study_type": "ALIEN"},
        {"age_group": "baby"},
        {"registry": "Nope"},
        {"recruiting": "2"},
        {"refractory": "yes"},
        {"sex": ["female", "male"]},
    ],
)
def test_new_parameters_never_make_a_500(client, params):
    assert client.get("/", params).status_code == 200


def test_the_patient_filters_cost_no_extra_query(client, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(2):
        client.get(
            "/",
            {"age": "30", "sex": "female", "recruiting": "1", "age_group": "adult", "page": "1"},
        )
    # The empty page's "remove this filter" counts come from the index too.
    with django_assert_num_queries(1):
        client.get("/", {"country": "ES", "status": "RECRUITING"})


def test_phases_keep_their_natural_order(client):
    facets = {f["name"]: f for f in client.get("/").context["facets"]}
    phases = [v.value for v in facets["phase"]["shown"]]
    assert phases == ["EARLY_PHASE1", "PHASE3", "PHASE4", "NA"]


def test_facet_values_from_registry_data_are_escaped(client):
    Trial.objects.filter(trial_id="NCT01408199").update(registries=['<b onclick="x()">Evil</b>'])
    html = client.get("/", {"expand": "registry"}).content.decode()
    assert '<b onclick="x()">' not in html
    assert "&lt;b onclick=&quot;x()&quot;&gt;Evil&lt;/b&gt;" in html
