"""The page and the API say what they read from the search words (issue 14, point 2): each
reading is a chip whose link removes it for good (the words leave `q`, the other readings
become explicit parameters), a sentence says where it came from, and the API reports it."""

import html
import re
from urllib.parse import parse_qs

import pytest
from django.http import QueryDict
from django.utils.html import escape

from tests.test_search_readings import child_trials, prior_therapy  # noqa: F401 (fixtures)
from trials.models import Trial

pytestmark = pytest.mark.django_db


def _chips(response) -> dict[str, str]:
    return {chip["text"]: chip["url"] for chip in response.context["chips"]}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(url.lstrip("?"))


def test_a_child_word_is_a_chip_and_a_sentence(client, child_trials):  # noqa: F811
    response = client.get("/", {"q": "trial for my daughter with dermatomyositis"})
    html = response.content.decode()
    # The one trial open to children first, then (fewer than 10) the three seed adult ones.
    assert response.context["result"].count == 4
    assert response.context["result"].read_first == 1
    assert "Showing trials open to children — from “daughter”." in html
    chips = _chips(response)
    chip = "Age group: Children (under 18) — from “daughter”"
    assert chip in chips
    # Removing it: the child word is gone from the search, nothing reads it again.
    assert _query(chips[chip]) == {"q": ["trial for with dermatomyositis"], "sex": ["female"]}
    after = client.get("/" + chips[chip])
    assert after.context["query"].understood == ()
    assert after.context["result"].count == 4  # the three seed DM trials and the child one
    # The box keeps what was typed; the search chip shows the words searched.
    assert 'value="trial for my daughter with dermatomyositis"' in html
    assert "Search: “trial for with dermatomyositis”" in chips
    assert "Open to: Women — from “my daughter”" in chips


def test_removing_one_reading_keeps_the_others_explicit(client, prior_therapy):  # noqa: F811
    response = client.get("/", {"q": "lupus daughter not responding to methotrexate"})
    chips = _chips(response)
    said = "from “not responding to methotrexate”"
    refractory = next(text for text in chips if text.startswith("Population:"))
    assert refractory.endswith(said)
    assert _query(chips["Age group: Children (under 18) — from “daughter”"]) == {
        "q": ["lupus"],
        "refractory": ["1"],
        "prior_therapy": ["methotrexate", "immunosuppressants", "unspecified"],
    }
    assert _query(chips[refractory]) == {
        "q": ["lupus"],
        "age_group": ["child"],
        "prior_therapy": ["methotrexate", "immunosuppressants", "unspecified"],
    }
    # The search chip's link keeps the readings as filters.
    assert _query(chips["Search: “lupus”"]) == {
        "age_group": ["child"],
        "refractory": ["1"],
        "prior_therapy": ["methotrexate", "immunosuppressants", "unspecified"],
    }
    html = response.content.decode()
    assert escape("Search without this") in html
    assert "Showing only trials for disease that did not respond to treatment" in html


def test_the_sidebar_unselects_a_value_read_from_the_words(client, child_trials):  # noqa: F811
    response = client.get("/", {"q": "dermatomyositis kids"})
    ages = next(f for f in response.context["facets"] if f["name"] == "age_group")
    child = next(link for link in ages["shown"] if link.value == "child")
    assert child.selected
    assert _query(child.url) == {"q": ["dermatomyositis"]}
    # Other facets' links keep the words as typed: the reading goes on.
    status = next(f for f in response.context["facets"] if f["name"] == "status")
    assert _query(status["shown"][0].url)["q"] == ["dermatomyositis kids"]


def test_no_trial_for_the_age_read_lists_the_others_and_says_so(client):
    # The seed dermatomyositis trials are all for adults: listed, and the page says none takes
    # a child; chosen as a parameter, the filter leaves none and offers to drop it.
    response = client.get("/", {"q": "dermatomyositis daughter"})
    assert response.context["result"].count == 3
    assert response.context["result"].read_first == 0
    assert "No trial takes the age you said (“daughter”)" in response.content.decode()
    chosen = client.get("/", {"q": "dermatomyositis", "age_group": "child"})
    assert chosen.context["result"].count == 0
    drops = {drop["name"]: drop for drop in chosen.context["drops"]}
    assert drops["age_group"]["count"] == 3
    assert _query(drops["age_group"]["url"]) == {"q": ["dermatomyositis"]}


def test_explicit_parameters_make_no_reading_chip(client):
    response = client.get("/", {"q": "dermatomyositis daughter", "age_group": "adult"})
    assert response.context["understood"] == []
    assert "Age group: Adults (18–64)" in _chips(response)
    assert response.context["result"].count == 3


def test_the_api_reports_and_applies_the_readings(client, child_trials, prior_therapy):  # noqa: F811
    body = client.get("/api/trials/", {"q": "lupus in my son, failed methotrexate"}).json()
    assert body["understood"] == [
        {"parameter": "age_group", "value": "child", "from": "son"},
        {"parameter": "refractory", "value": "1", "from": "failed methotrexate"},
        {"parameter": "prior_therapy", "value": "methotrexate", "from": "failed methotrexate"},
        {
            "parameter": "prior_therapy",
            "value": "immunosuppressants",
            "from": "failed methotrexate",
        },
        {"parameter": "prior_therapy", "value": "unspecified", "from": "failed methotrexate"},
        {"parameter": "sex", "value": "male", "from": "my son"},
    ]
    assert body["searched"] == "lupus in"
    explicit = client.get(
        "/api/trials/",
        {
            "q": "lupus",
            "age_group": "child",
            "refractory": "1",
            "prior_therapy": ["methotrexate", "immunosuppressants", "unspecified"],
            "sex": "male",
        },
    ).json()
    # The readings' filters match what the explicit parameters match; fewer than 10 trials
    # meet the failure read, so those come first and the search's others after them
    # (read_first), where the explicit filter is kept whatever it leaves.
    assert body["read_first"] == explicit["count"] and explicit["read_first"] is None
    assert body["count"] > explicit["count"]
    first = [r["key"] for r in body["results"]][: explicit["count"]]
    assert first == [r["key"] for r in explicit["results"]]
    assert explicit["understood"] == []


def test_readings_cost_no_extra_query(client, django_assert_num_queries, child_trials):  # noqa: F811
    client.get("/")  # builds the facet index and warms the vocabulary labels
    # The change-log poll, the matching ids, the ranked page: as without the child word (the
    # trials open to any skin disease, fewer than words.FILL_BELOW trials being about
    # dermatomyositis here, are marked by the index: engine._general_filled). The one trial
    # open to children is fewer than words.FILL_BELOW: the list is filled with the others, the
    # page ranked in two tiers (a statement each, whatever their size).
    with django_assert_num_queries(4):
        response = client.get("/", {"q": "dermatomyositis daughter"})
    assert response.context["result"].count == 4 and response.context["result"].read_first == 1
    with django_assert_num_queries(4):  # filled too: two tiers
        client.get("/", {"q": "juvenile dermatomyositis kids", "sex": "female"})


@pytest.mark.parametrize(
    "q",
    [
        "failed " * 80,
        "daughter " * 60 + "x" * 200,
        "<script>alert(1)</script> daughter",
        "son\x00failed",
        "not responding to " * 40,
    ],
)
def test_hostile_words_never_make_a_500(client, q):
    assert client.get("/", {"q": q}).status_code == 200
    assert client.get("/api/trials/", {"q": q}).status_code in (200, 400)


def test_a_reading_said_in_registry_like_markup_is_escaped(client):
    Trial.objects.create(key="KID-X", record={}, title="Eczema in kids", min_age=1, max_age=12)
    html = client.get("/", {"q": "<b>eczema</b> kids"}).content.decode()
    assert "<b>eczema</b>" not in html


def test_recruiting_words_read_a_parameter_that_is_no_facet(client):
    # readings.recruiting_words: "now recruiting" -> recruiting=1, the patients' switch.
    response = client.get("/", {"q": "lupus now recruiting"})
    assert response.context["query"].recruiting
    assert response.context["query"].q == "lupus"
    chips = _chips(response)
    assert _query(chips["Recruiting or soon recruiting — from “now recruiting”"]) == {
        "q": ["lupus"]
    }
    body = client.get("/api/trials/", {"q": "lupus now recruiting"}).json()
    assert body["understood"] == [
        {"parameter": "recruiting", "value": "1", "from": "now recruiting"}
    ]
    # An explicit value wins.
    assert (
        client.get("/", {"q": "lupus now recruiting", "recruiting": "1"}).context["understood"]
        == []
    )


def test_a_nul_in_the_words_is_refused_before_anything_is_read_from_them(client):
    """ "lupus in \\x00Spain": Spain was read and taken out, the rest passed the form, and the
    NUL was echoed in the page's title, box and hidden fields (session 24's hostile round)."""
    page = client.get("/", {"q": "lupus in \x00Spain"})
    assert page.status_code == 200 and "\x00" not in page.content.decode()
    api = client.get("/api/trials/", {"q": "lupus in \x00Spain"})
    assert api.status_code == 400 and api.json()["error"]["parameter"] == "q"


def test_the_chip_of_a_place_read_from_the_words_removes_it(client):
    """Its link was the page's own URL: the place was read again (session 24's hostile round)."""
    page = client.get("/", {"q": "psoriasis near Paris"}).content.decode()
    chip = re.search(r'<a class="chip" href="([^"]*)"><span class="visually-hidden">Remove '
                     r'filter </span>Near', page)  # fmt: skip
    assert chip, "a Near chip"
    assert html.unescape(chip[1]) == "?q=psoriasis"


def test_a_town_in_a_state_read_too_is_who_asks_not_where():
    """ "studies in louisiana? we live in baton rouge": near Baton Rouge and in Louisiana, no
    trial was; the state is the filter, the town's words go (session 24's blind set 22)."""
    from trials.search.params import understand

    data = QueryDict(mutable=True)
    data["q"] = "lupus studies in louisiana? we live in baton rouge"
    clean, applied = understand(data)
    assert [(r.parameter, r.value) for r in applied] == [("region", "Louisiana")]
    assert "baton" not in clean["q"] and "near" not in clean
