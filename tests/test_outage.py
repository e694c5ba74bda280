"""Issue 16 point 4, in one process: while the database is away every answer is a 503 with
Retry-After (JSON under /api/, a plain page elsewhere, /healthz too), never a 500, and the
answer needs no database. tests/test_outage_live.py stops a real server under load."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from portal import outage
from trials.web import api, trial_page, views

pytestmark = pytest.mark.django_db


def _away(*args, **kwargs):
    raise OperationalError('connection to server on socket "/tmp/.s.PGSQL.5432" failed')


@pytest.fixture
def database_away(monkeypatch):
    """Every view's first database call fails as it does when the server is stopped."""
    monkeypatch.setattr(views, "search", _away)
    monkeypatch.setattr(api, "lookup", _away)
    monkeypatch.setattr(trial_page, "lookup", _away)
    monkeypatch.setattr(connection, "cursor", _away)
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path", ["/", "/trials/", "/trials/NCT01408199/"])
def test_pages_answer_a_plain_503_with_retry_after(database_away, path, settings):
    response = database_away.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DB_OUTAGE_RETRY_AFTER)
    assert response["Content-Type"].startswith("text/html")
    assert "unavailable for a moment" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/trials/", "/api/trials/NCT01408199/"])
def test_the_api_answers_json_503(database_away, path):
    response = database_away.get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    error = response.json()["error"]
    assert error["code"] == "database_unavailable" and error["parameter"] is None


def test_healthz_answers_503_with_retry_after(database_away):
    response = database_away.get("/healthz")
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1


def test_the_503_page_needs_no_database(database_away, django_assert_num_queries, settings):
    settings.RATE_LIMIT_PAGES = 0
    with django_assert_num_queries(0):
        assert database_away.get("/").status_code == 503


def test_other_errors_are_still_the_plain_500(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(views, "search", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_database_error_raised_during_another_counts():
    try:
        try:
            _away()
        except OperationalError as error:
            raise RuntimeError("while rendering") from error
    except RuntimeError as error:
        assert outage.database_is_away(error)
    assert not outage.database_is_away(ValueError("no"))


def test_a_503_is_logged_in_one_line(database_away, caplog):
    import logging

    with caplog.at_level(logging.ERROR, logger="django.request"):
        database_away.get("/api/trials/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    outage.OutageRecords().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Service Unavailable: /api/trials/ (database unavailable: connection to server on"
        ' socket "/tmp/.s.PGSQL.5432" failed)'
    )
