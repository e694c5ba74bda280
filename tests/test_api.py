"""The JSON API: shape, facets, errors, the trial record and redirects."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_search_api_answers_results_and_facets(client):
    body = client.get("/api/trials/").json()
    assert body["count"] == 5
    assert body["page"] == 1
    first = body["results"][0]
    for key in ("trial_id", "title", "status", "phases", "conditions", "drugs", "countries", "url"):
        assert key in first
    assert set(body["facets"]) >= {"condition", "drug", "phase", "status", "country"}
    status = {f["value"]: f["count"] for f in body["facets"]["status"]}
    assert status == {
        "RECRUITING": 2,
        "UNKNOWN": 1,
        "COMPLETED": 1,
        "NOT_YET_RECRUITING": 1,
    }
    assert {"value": "ES", "label": "Spain", "count": 1} in body["facets"]["country"]


def test_the_api_filters_like_the_page(client):
    body = client.get("/api/trials/", {"country": "ES"}).json()
    assert [r["trial_id"] for r in body["results"]] == ["NCT01408199"]


def test_a_bad_parameter_is_a_400_naming_it(client):
    response = client.get("/api/trials/", {"phase": "PHASE9"})
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "phase"


def test_a_bad_number_is_a_400_naming_it(client):
    response = client.get("/api/trials/", {"age": "twelve"})
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "age"


def test_a_persons_paragraph_is_searched_and_a_longer_q_is_a_400_naming_it(client, settings):
    """A patient's paragraph runs past 500 characters; SEARCH_QUERY_MAX_CHARS bounds it."""
    paragraph = "my lupus rash on my face and arms, plaquenil did nothing for years " * 10
    assert 500 < len(paragraph) <= settings.SEARCH_QUERY_MAX_CHARS
    assert client.get("/api/trials/", {"q": paragraph}).status_code == 200
    assert client.get("/", {"q": paragraph}).context["result"].count > 0
    response = client.get("/api/trials/", {"q": "x" * (settings.SEARCH_QUERY_MAX_CHARS + 1)})
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "q"


def test_the_trial_api_returns_the_record_with_provenance(client):
    body = client.get("/api/trials/NCT01408199/").json()
    assert body["schema"] == "trial/1"
    assert body["trial_id"] == "NCT01408199"
    assert body["status"] == "COMPLETED"
    assert body["provenance"]["status"]["format"] == "ctgov-page"
    assert body["countries"] == ["ES"]


def test_a_secondary_id_redirects_to_the_canonical_api_url(client):
    response = client.get("/api/trials/2009-016508-21/")
    assert response.status_code == 301
    assert response["Location"] == "/api/trials/NCT01408199/"


def test_an_unknown_trial_is_404(client):
    assert client.get("/api/trials/NCT99999999/").status_code == 404


def test_healthz_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_says_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def broken():
        raise RuntimeError("database down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_too_many_parameters_is_a_json_400_under_the_api(client):
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters before any view: the
    API answered with Django's HTML page (session 24's hostile round)."""
    query = "&".join(["country=ES"] * 1001)
    response = client.get(f"/api/trials/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    page = client.get(f"/?{query}")
    assert page.status_code == 400
