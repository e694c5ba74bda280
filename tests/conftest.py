"""Shared test set-up: a real PostgreSQL (embedded unless DATABASE_URL is set), seeded once."""

import json
import os
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import call_command

from portal import pgembed
from tests.relevance import scores

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "sources"
CORPUS = ROOT.parent / "shared" / "corpus"
CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop; the ORM calls in browser tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests never reach the network: no scheduled or first-run sync in this process or in the
# servers and workers tests start; a sync a test asks for points at its fake registry, and any
# other at a closed local port.
os.environ["SYNC_CTGOV"] = "0"
os.environ["CTGOV_API_URL"] = "http://127.0.0.1:9/api/v2"
# Read replicas are the business of the tests that make one (tests/test_replica.py): a
# developer's DATABASE_REPLICA_URLS reaches neither this process nor the servers tests start.
os.environ.pop("DATABASE_REPLICA_URLS", None)


def default_signals() -> None:
    """For subprocesses a test signals (`preexec_fn`): Ctrl-C as a terminal delivers it, even when
    this run inherited SIGINT ignored (a run started in the background by a shell)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def pytest_configure(config):
    from django.conf import settings

    # Tests serve static files from the source tree, as `make run` does: no collectstatic.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    settings.WHITENOISE_USE_FINDERS = True
    settings.SYNC_CTGOV = False
    settings.CTGOV_API_URL = os.environ["CTGOV_API_URL"]
    settings.DATABASE_REPLICAS = []
    # Several test runs may share one server (developers, helpers): one test database each.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_portal_{os.getpid()}"
    if not os.environ.get("DATABASE_URL"):
        url = pgembed.attach()
        # Settings were read before the server's socket was known.
        settings.DATABASES["default"].update(dj_database_url.parse(url))


def pytest_collection_modifyitems(config, items):
    # Browser tests use live_server, whose transactional tests flush the database afterwards:
    # run them last so the seeded database serves every other test. The other transactional
    # tests (the job worker's, which must see committed data) go just before them, and not
    # after: Playwright's event loop stays on once a browser test has run.
    # `make test` runs the suite on several workers (pytest-xdist, `--dist loadgroup`), each
    # with a database of its own; tests are handed out in this order, so on every worker too
    # the flushing tests come after the others. A module whose fixtures are made once for it
    # (`scope="module"`) is one group, run whole on one worker; no group holds a flushing test.
    items.sort(key=lambda item: 2 if item.get_closest_marker("browser") else int(_flushes(item)))
    mixed = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and _flushes(i)]
    if mixed:
        raise pytest.UsageError(f"a flushing test in an xdist group runs too early: {mixed}")


def pytest_collection_finish(session):
    """On a pytest-xdist worker under `--dist loadgroup`: every test of an xdist group carries
    the group in its node ID, which is what keeps the group on one worker. pytest-xdist 3.8 sets
    it through a private attribute another pytest may not have (9.2 has not): then each group's
    tests are spread over the workers and a module's fixtures are built on each (the relevance
    corpus imported twice)."""
    if not (os.environ.get("PYTEST_XDIST_WORKER") and session.config.getvalue("loadgroup")):
        return
    if ungrouped := [
        item.nodeid
        for item in session.items
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]:
        message = f"xdist groups not applied (pytest-xdist vs pytest): {ungrouped[:3]}"
        sys.__stderr__.write(f"\n{message}\n")  # a worker's exception reaches no report
        raise pytest.UsageError(message)


def pytest_sessionfinish(session):
    """On a pytest-xdist worker: the relevance set's measures, for the controller's report."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None and scores.MEASURED:
        output["relevance"] = json.dumps(scores.MEASURED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the pytest-xdist controller: a worker's relevance measures (pytest_sessionfinish)."""
    if measured := getattr(node, "workeroutput", {}).get("relevance"):
        for query, value in json.loads(measured).items():
            scores.MEASURED[query] = tuple(value)


def pytest_terminal_summary(terminalreporter):
    """The relevance set's report: mean and per-query nDCG@10, printed at the end of the run."""
    if not scores.MEASURED:
        return
    terminalreporter.section("relevance (tests/relevance): nDCG@10")
    for line in scores.report_lines():
        terminalreporter.write_line(line)


def _flushes(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return marker is not None and bool(marker.kwargs.get("transaction"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The five seed trials, loaded once; each test's changes are rolled back."""
    with django_db_blocker.unblock():
        call_command("import_trials", str(SEEDS), verbosity=0)


@pytest.fixture
def seeded(live_server):
    """The live server with the seed trials (a transactional test before may have flushed
    them): the browser tests' server."""
    from trials.models import Trial

    if not Trial.objects.exists():
        call_command("import_trials", str(SEEDS), verbosity=0)
    return live_server


@pytest.fixture
def corpus():
    if not CORPUS.exists():
        pytest.skip(f"the shared corpus is not here ({CORPUS}); CI has it")
    return CORPUS


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# Reports every Content-Security-Policy violation of a page (document or worker) to the test.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", event => {
    window.__cspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
        `at ${event.sourceFile}:${event.lineNumber} (${event.sample})`
    );
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the `page` fixture collected (tests/test_browser_csp.py shows it catches them)."""
    return []


@pytest.fixture
def page(page, csp_violations):
    """pytest-playwright's page, failing the test on any Content-Security-Policy violation: the
    page's `securitypolicyviolation` events and the browser's console reports of them."""
    violations = csp_violations
    page.expose_function("__cspViolation", lambda report: violations.append(report))
    page.add_init_script(_CSP_LISTENER)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def statuses_confirmed(settings):
    """Every open status counts as confirmed: for tests of what an open status says, not of
    staleness. The seed trials were last confirmed in 2019-2022, so today ChiCTR1900025376
    (RECRUITING, August 2019) would otherwise read "Status not confirmed since August 2019"
    (tests/test_freshness_status.py tests that)."""
    settings.STATUS_UNCONFIRMED_YEARS = 1000


@pytest.fixture(autouse=True)
def fresh_search_state(settings, monkeypatch):
    """Each test sees the database as it is: no index or cache left from a rolled-back test."""
    from trials.search import cache
    from trials.web import warm

    # The process's one-time build before its first bounded search (warm.searches_ready,
    # tested in test_serving.py) taken as done: tests with slow statements time their searches.
    monkeypatch.setattr(warm, "_searched", True)
    # The sync state's cache turns every freshness.SYNC_STATE_SECONDS (30): a test whose warm-up
    # request and pinned one straddled a turn counted three statements more (session 44's
    # clean-clone run, test_search_dates). One turn in a test's life: never.
    from trials import freshness

    monkeypatch.setattr(freshness, "SYNC_STATE_SECONDS", 10**9)

    settings.SEARCH_CACHE_SECONDS = 0
    # The response cache is a transparent layer with tests of its own (test_pagecache.py);
    # elsewhere tests look at each response's context and queries.
    settings.SEARCH_PAGE_CACHE = 0
    # Likewise the rate limits and the search's statement timeout (each a statement or two
    # around a request; tests/test_limits.py tests them): off, so that the suite's hundreds of
    # requests from 127.0.0.1 are never refused and the pinned query counts stay the views'.
    settings.RATE_LIMIT_PAGES = settings.RATE_LIMIT_API = settings.RATE_LIMIT_EXPORTS = 0
    settings.SEARCH_STATEMENT_TIMEOUT = "0"
    cache.reset()
    yield
    cache.reset()
