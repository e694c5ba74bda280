"""Compare and print (issue 17, point 4): up to four trials side by side from the results'
boxes, notices for too many and unknown IDs, a fixed number of queries, print and share."""

import re

import pytest

from trials.models import Site

pytestmark = pytest.mark.django_db

CN_TRIALS = ["NCT05488327", "ChiCTR1900025376", "NCT04946669"]


def _columns(response) -> list[str]:
    return [column.trial.key for column in response.context["columns"]]


def _rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


def test_two_trials_side_by_side(client):
    response = client.get("/compare/", {"trial": ["NCT01408199", "ChiCTR1900025376"]})
    assert response.status_code == 200
    assert _columns(response) == ["NCT01408199", "ChiCTR1900025376"]
    html = response.content.decode()
    assert _rows(html) == [
        "Status",
        "Phase",
        "Ages",
        "Sex",
        "Countries",
        "Drugs",
        "Failed treatments required",
        "Primary outcomes",
        "Contacts",
    ]
    assert 'Completed<br><span class="muted">confirmed 3 Aug 2011</span>' in html
    assert "18 to 65 years" in html and "18 to 70 years" in html
    assert "Thalidomide, Antimalarials, Corticosteroids" in html
    assert "<li>RCLASI</li><li>SLEDAI</li>" in html
    assert 'href="mailto:mengtao.li@cstar.org.cn"' in html
    assert "Spain" in html and "China" in html


def test_the_nearest_site_with_a_place(client):
    params = {"trial": ["NCT01408199", "NCT05488327"], "near": "Barcelona, Spain"}
    html = client.get("/compare/", params).content.decode()
    assert "Nearest site to Barcelona" in html
    assert "Vall D&#x27;Hebron Hospital, Barcelona, Spain — <strong>" in html


def test_more_than_four_is_a_400_naming_the_parameter(client):
    trials = ["NCT01408199", *CN_TRIALS, "NCT00000001"]
    response = client.get("/compare/", {"trial": trials})
    assert response.status_code == 400
    html = response.content.decode()
    assert "trial: at most 4 trials can be compared side by side; 5 were chosen." in html
    first = "/compare/?" + "&amp;".join(f"trial={key}" for key in trials[:4])
    assert f'<a href="{first}">Compare the first 4</a>' in html
    assert "<table" not in html


def test_an_unknown_id_is_a_notice_and_the_rest_are_compared(client):
    response = client.get("/compare/", {"trial": ["NCT01408199", "NCT99999999"]})
    assert response.status_code == 200
    assert _columns(response) == ["NCT01408199"]
    assert "No trial with the ID NCT99999999: left out." in response.content.decode()


def test_any_identifier_finds_its_trial_and_a_trial_is_shown_once(client):
    response = client.get("/compare/", {"trial": ["2009-016508-21", "NCT01408199", "nct05488327"]})
    assert _columns(response) == ["NCT01408199", "NCT05488327"]
    # The link to copy names the trials by their keys.
    assert response.context["share_url"] == (
        "http://testserver/compare/?trial=NCT01408199&trial=NCT05488327"
    )


def test_ids_in_one_value_and_nothing_chosen(client):
    response = client.get("/compare/", {"trial": "NCT01408199, NCT05488327"})
    assert _columns(response) == ["NCT01408199", "NCT05488327"]
    empty = client.get("/compare/")
    assert empty.status_code == 200 and b"Choose up to 4 trials" in empty.content


@pytest.mark.parametrize(
    "trial", ["\x00", "x" * 5000, "<script>", "../../etc/passwd", "NCT01408199\x00"]
)
def test_odd_ids_never_fail(client, trial):
    response = client.get("/compare/", {"trial": trial})
    assert response.status_code == 200
    assert b"<script>" not in response.content.split(b"<main", 1)[1]


def test_compare_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.get("/compare/", {"trial": "NCT01408199"})  # reads the vocabulary labels
    four = ["NCT01408199", *CN_TRIALS]
    with django_assert_num_queries(1):  # the trials, by key or any identifier
        assert len(_columns(client.get("/compare/", {"trial": four}))) == 4
    with django_assert_num_queries(2):  # an ID that is no key: its identifier's trial
        client.get("/compare/", {"trial": ["2009-016508-21", *CN_TRIALS]})
    Site.objects.filter(trial__trial_id__in=CN_TRIALS).update(lat=39.9, lon=116.4)
    with django_assert_num_queries(2):  # with a place: the nearest sites, all in one
        client.get("/compare/", {"trial": four, "near": "Beijing"})


def test_the_results_submit_their_boxes_to_compare(client):
    html = client.get("/", {"near": "Barcelona, Spain", "within": "50"}).content.decode()
    assert '<form class="compare-form" method="get" action="/compare/">' in html
    assert '<input type="checkbox" name="trial" value="NCT01408199">' in html
    # The place goes with the boxes, so the comparison names each nearest site.
    assert '<input type="hidden" name="near" value="Barcelona, Spain">' in html
    assert '<input type="hidden" name="within" value="50">' in html
    assert '<button type="submit" class="secondary">Compare selected</button>' in html


def test_results_and_comparisons_have_a_link_to_copy_and_print(client):
    for url in ("/?country=CN", "/compare/?trial=NCT01408199"):
        html = client.get(url).content.decode()
        assert 'class="share-link" type="text" readonly value="http://testserver' in html
        assert 'class="secondary print-page with-script">Print</button>' in html
        assert "/static/js/share.js" in html
        # No inline script or style (a strict Content-Security-Policy is coming).
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=", html)


def test_the_print_stylesheet_covers_results_and_comparisons():
    from .conftest import ROOT

    css = (ROOT / "static" / "css" / "print.css").read_text()
    for selector in (".take-away", ".compare-pick", ".compare-bar", "table.compare", ".facets"):
        assert selector in css
