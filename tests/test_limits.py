"""Issue 16 point 3: rate limits per client address (counted in PostgreSQL), the client's
address behind trusted proxies, and the search's statement timeout."""

import time

import pytest
from django.db import connection
from django.test import RequestFactory

from portal.client import client_address, client_key

pytestmark = pytest.mark.django_db

TRIAL = "/trials/NCT01408199/"


def _request(remote="203.0.113.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- the client's address -------------------------------------------------------------------


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(_request(forwarded="1.2.3.4")) == "203.0.113.9"


def test_behind_proxies_the_client_is_the_entry_the_first_trusted_proxy_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Whatever the client wrote itself is further left and never read.
    assert client_address(_request(forwarded="6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2
    chain = "6.6.6.6, 198.51.100.7, 10.0.0.1"
    assert client_address(_request(forwarded=chain)) == "198.51.100.7"
    assert client_address(_request(forwarded="not an address")) == "203.0.113.9"
    assert client_address(_request(forwarded="")) == "203.0.113.9"


def test_an_ipv6_client_is_counted_by_its_slash_64():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("198.51.100.7") == "198.51.100.7"
    assert client_key("") is None and client_key("unix:/run/portal.sock") is None


def test_a_request_without_an_address_is_not_counted(client, settings):
    settings.RATE_LIMIT_PAGES = 1
    assert [client.get(TRIAL, REMOTE_ADDR="").status_code for _ in range(3)] == [200] * 3


# --- rate limits ----------------------------------------------------------------------------


def _hits(client_name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, hits FROM trials_rate_window WHERE client = %s ORDER BY kind",
            [client_name],
        )
        return cursor.fetchall()


def test_pages_over_the_limit_answer_429_with_retry_after(client, settings):
    settings.RATE_LIMIT_PAGES = 3
    assert [client.get(TRIAL).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.RATE_LIMIT_WINDOW
    assert refused["Content-Type"].startswith("text/html")
    assert "Too many requests" in refused.content.decode()
    # Counted in the database, which every worker and machine shares.
    assert _hits("127.0.0.1") == [("pages", 4)]
    # Another address has its own count; static files and /healthz are never counted.
    assert client.get("/", REMOTE_ADDR="198.51.100.7").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/portal.css").status_code == 200


def test_the_api_over_its_limit_answers_json_429(client, settings):
    settings.RATE_LIMIT_API = 2
    assert client.get("/api/trials/").status_code == 200
    assert client.get("/api/trials/NCT01408199/").status_code == 200
    refused = client.get("/api/trials/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and error["parameter"] is None
    assert "at most 2" in error["message"]
    assert client.get(TRIAL).status_code == 200  # pages have their own count (off here)


def test_a_new_window_starts_a_new_count(client, settings):
    settings.RATE_LIMIT_PAGES = 1
    assert client.get(TRIAL).status_code == 200
    assert client.get(TRIAL).status_code == 429
    with connection.cursor() as cursor:  # as if the window had moved on
        cursor.execute("UPDATE trials_rate_window SET window_no = window_no - 1")
    assert client.get(TRIAL).status_code == 200
    assert _hits("127.0.0.1") == [("pages", 1)]


def test_a_forged_forwarded_header_does_not_escape_the_limit(client, settings):
    settings.RATE_LIMIT_PAGES = 2
    settings.TRUSTED_PROXY_COUNT = 1
    answers = [
        client.get(TRIAL, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.7").status_code
        for n in range(4)
    ]
    assert answers == [200, 200, 429, 429]
    assert _hits("198.51.100.7") == [("pages", 4)]


def test_old_windows_are_swept(client, settings):
    from trials.web import ratelimit

    settings.RATE_LIMIT_PAGES = 5
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trials_rate_window VALUES ('192.0.2.50', 'pages', 1, 3),"
            " ('192.0.2.51', 'api', 1, 3)"
        )
    middleware = ratelimit.RateLimitMiddleware(lambda request: None)
    assert middleware._count("192.0.2.52", "pages")[0] == 1
    assert _hits("192.0.2.50") == [] and _hits("192.0.2.51") == []
    assert _hits("192.0.2.52") == [("pages", 1)]


def test_the_limiter_lets_requests_through_when_the_database_fails(settings, monkeypatch):
    from django.db import OperationalError

    from trials.web import ratelimit

    settings.RATE_LIMIT_PAGES = 1

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ratelimit.connection, "cursor", refused)
    middleware = ratelimit.RateLimitMiddleware(lambda request: "the view")
    assert middleware(_request()) == "the view"


# --- the search's statement timeout ---------------------------------------------------------


@pytest.fixture
def slow_text_search(settings):
    """Every full-text statement sleeps 0.2 s before it runs, past a 50 ms bound: the bound
    fires every time, whatever the machine."""
    settings.SEARCH_STATEMENT_TIMEOUT = "50ms"

    def sleep_first(execute, sql, params, many, context):
        if "search @@" in sql:
            context["cursor"].execute("SELECT pg_sleep(0.2)")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(sleep_first):
        yield


def test_a_search_past_the_statement_timeout_says_to_narrow_it(client, slow_text_search):
    response = client.get("/", {"q": "dermatomyositis", "phase": "PHASE3"})
    assert response.status_code == 503
    page = response.content.decode()
    assert "Search took too long — add a word or a filter" in page
    assert 'value="dermatomyositis"' in page  # the search box keeps the words, to add one
    # The bound ended with the search: the connection is as it was.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SELECT count(*) FROM trials_trial")
        assert cursor.fetchone()[0] == 5


def test_the_api_past_the_statement_timeout_answers_a_stable_code(client, slow_text_search):
    response = client.get("/api/trials/", {"q": "dermatomyositis"})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "search_timeout" and error["parameter"] == "q"
    assert "add a word or a filter" in error["message"]


def test_a_search_past_its_time_budget_stops_and_says_to_narrow_it(client, settings):
    """Each statement within its bound, but together past SEARCH_TIME_BUDGET: the search starts
    no other statement (a hostile 500-character query took 19 s so, in statements each under
    2 s)."""
    settings.SEARCH_STATEMENT_TIMEOUT = "5s"
    settings.SEARCH_TIME_BUDGET = 0.15

    def slow(execute, sql, params, many, context):
        if "pg_sleep" not in sql:  # the sleep's own statement comes through here too
            context["cursor"].execute("SELECT pg_sleep(0.06)")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(slow):
        response = client.get("/", {"q": "dermatomyositis methotrexate"})
        assert response.status_code == 503
        assert "Search took too long — add a word or a filter" in response.content.decode()
        settings.SEARCH_TIME_BUDGET = 60.0
        assert client.get("/", {"q": "dermatomyositis methotrexate"}).status_code == 200


def test_a_process_builds_its_searches_vocabularies_outside_the_bound(
    client, settings, monkeypatch
):
    """A fresh process's first search with words built the text match's phrases (~0.7 s at
    100k trials, seconds beside an import) inside its time budget: "search took too long"
    (the soak's first minute, session 42). They are built before the bound begins."""
    from trials.web import warm

    settings.SEARCH_STATEMENT_TIMEOUT = "5s"
    settings.SEARCH_TIME_BUDGET = 0.15
    built = []

    def slow_build():
        time.sleep(0.3)
        built.append(True)

    monkeypatch.setattr(warm, "searches_ready", slow_build)
    assert client.get("/", {"q": "dermatomyositis"}).status_code == 200
    assert client.get("/api/trials/", {"q": "dermatomyositis"}).status_code == 200
    assert built == [True, True]


def test_a_search_within_the_timeout_is_unchanged(client, settings):
    settings.SEARCH_STATEMENT_TIMEOUT = "5s"
    bounded = client.get("/api/trials/", {"q": "dermatomyositis"}).json()
    settings.SEARCH_STATEMENT_TIMEOUT = "0"
    assert client.get("/api/trials/", {"q": "dermatomyositis"}).json() == bounded
    assert bounded["count"] >= 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_the_bound_is_set_where_the_full_text_runs(monkeypatch, settings):
    # With replicas the full text runs on this process's replica (search_connection), not on
    # the default connection: the bound must be there.
    from trials.search import timeout

    settings.SEARCH_STATEMENT_TIMEOUT = "1500ms"
    asked = []

    def search_connection():
        asked.append(True)
        return connection

    monkeypatch.setattr(timeout, "search_connection", search_connection)
    with timeout.bounded(), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1500ms"
    assert asked
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_exports_have_their_own_limit(client, settings):
    settings.RATE_LIMIT_EXPORTS = 1
    settings.RATE_LIMIT_PAGES = 100
    assert client.get("/feeds/recruiting.atom").status_code != 429  # counted: 1
    assert client.get("/export/trials.csv").status_code == 429
    assert client.get(TRIAL).status_code == 200
    assert _hits("127.0.0.1") == [("exports", 2), ("pages", 1)]
