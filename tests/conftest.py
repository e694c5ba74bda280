"""Shared test set-up: a real PostgreSQL (embedded unless DATABASE_URL is set), seeded once."""

import os
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import call_command

from portal import pgembed

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "sources"
CORPUS = ROOT.parent / "shared" / "corpus"
CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop; the ORM calls in browser tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    if os.environ.get("DATABASE_URL"):
        return
    url = pgembed.attach()
    from django.conf import settings

    if settings.configured:  # settings were read before the server's socket was known
        settings.DATABASES["default"].update(dj_database_url.parse(url))


def pytest_collection_modifyitems(config, items):
    # Browser tests use live_server, whose transactional tests flush the database afterwards:
    # run them last so the seeded database serves every other test.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The five seed trials, loaded once; each test's changes are rolled back."""
    with django_db_blocker.unblock():
        call_command("import_trials", str(SEEDS), verbosity=0)


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
