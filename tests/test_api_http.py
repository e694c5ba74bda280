"""The API as HTTP that clients can build on (issue 17 point 5): page_size, next and previous,
a page past the end, unknown parameters, JSON for every error, HEAD and OPTIONS, CORS, ETag and
Last-Modified with 304, Cache-Control."""

import pytest
from django.test import Client
from django.utils.http import http_date

from trials.models import Trial

pytestmark = pytest.mark.django_db


def _error(response, status: int, code: str, parameter=None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["parameter"] == parameter
    assert error["message"]
    return error


def test_page_size_pages_through_every_trial_once(client):
    first = client.get("/api/trials/", {"page_size": 2}).json()
    assert (first["count"], first["pages"], first["page_size"]) == (5, 3, 2)
    assert len(first["results"]) == 2
    assert first["previous"] is None
    seen, body = [], first
    while True:  # a "loop until there is no next page" client ends
        seen += [result["key"] for result in body["results"]]
        if not body["next"]:
            break
        assert body["next"].startswith("http://testserver/api/trials/?")
        body = client.get(body["next"]).json()
    assert len(seen) == len(set(seen)) == 5
    assert body["previous"].endswith("page_size=2&page=2")


def test_page_size_is_bounded(client, settings):
    settings.API_MAX_PAGE_SIZE = 3
    for value in ("0", "4", "many", "-1"):
        _error(
            client.get("/api/trials/", {"page_size": value}), 400, "invalid_parameter", "page_size"
        )
    assert len(client.get("/api/trials/", {"page_size": 3}).json()["results"]) == 3


def test_the_search_page_ignores_page_size(client):
    response = client.get("/", {"page_size": "2"})
    assert response.status_code == 200
    assert len(response.context["result"].trials) == 5
    assert not response.context["notices"]


def test_a_page_past_the_end_is_a_json_404(client):
    assert client.get("/api/trials/", {"page": 1}).status_code == 200
    _error(client.get("/api/trials/", {"page": 2}), 404, "page_out_of_range", "page")
    _error(client.get("/api/trials/", {"page": 10**12}), 404, "page_out_of_range", "page")
    # No trial at all is one empty page, not an error.
    empty = client.get("/api/trials/", {"q": "zzzyyyxxx"}).json()
    assert (empty["count"], empty["pages"], empty["next"]) == (0, 1, None)


def test_an_unknown_parameter_is_a_400_naming_it(client):
    error = _error(
        client.get("/api/trials/", {"phases": "PHASE2"}), 400, "unknown_parameter", "phases"
    )
    assert "'phases'" in error["message"]
    # Every documented parameter is known.
    assert client.get("/api/trials/", {"page_size": 5, "within": 50}).status_code == 200


def test_errors_are_json_with_one_shape(client):
    _error(client.get("/api/trials/NCT99999999/"), 404, "not_found")
    _error(client.get("/api/nothing-here/"), 404, "not_found")
    _error(client.get("/api/trials/", {"age": "x"}), 400, "invalid_parameter", "age")
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/trials/")
        _error(response, 405, "method_not_allowed")
        assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_server_error_under_api_is_json(monkeypatch):
    from trials.web import api

    def broken(query):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "bounded_search", broken)
    response = Client(raise_request_exception=False).get("/api/trials/")
    _error(response, 500, "server_error")
    assert "boom" not in response.content.decode()


def test_head_answers_the_headers_without_the_body(client):
    get = client.get("/api/trials/")
    head = client.head("/api/trials/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == get["Content-Type"]


def test_options_and_cors(client):
    response = client.options("/api/trials/", HTTP_ORIGIN="https://example.org")
    assert response.status_code == 204
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    get = client.get("/api/trials/NCT01408199/", HTTP_ORIGIN="https://example.org")
    assert get["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in get["Access-Control-Expose-Headers"]


def test_etag_and_last_modified_answer_304_until_the_data_changes(client):
    first = client.get("/api/trials/", {"country": "ES"})
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first["Cache-Control"].startswith("public, max-age=0")
    again = client.get("/api/trials/", {"country": "ES"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    since = client.get("/api/trials/NCT01408199/", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    old = http_date(0)
    assert client.get("/api/trials/NCT01408199/", HTTP_IF_MODIFIED_SINCE=old).status_code == 200
    # A curator's edit moves the data version: the old ETag no longer matches.
    trial = Trial.objects.get(trial_id="NCT01408199")
    trial.title = "An edited title"
    trial.save()
    changed = client.get("/api/trials/", {"country": "ES"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_errors_are_not_cached(client):
    response = client.get("/api/trials/", {"phase": "PHASE9"})
    assert response["Cache-Control"] == "no-store"
    assert "ETag" not in response


def test_the_search_api_costs_the_same_queries_with_its_http(client, django_assert_num_queries):
    client.get("/api/trials/")  # builds the index
    with django_assert_num_queries(3):  # the change log, the page of trials, last synced
        client.get("/api/trials/", {"country": "ES"})
    etag = client.get("/api/trials/")["ETag"]
    with django_assert_num_queries(1):  # the change log: not modified
        response = client.get("/api/trials/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
