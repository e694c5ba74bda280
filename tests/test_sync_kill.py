"""A sync killed with SIGKILL half-way (a real process, its own scratch database) leaves no
connection behind, and the next run continues from the stored page token without duplicates."""

import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from portal.pgembed import create_database

from .conftest import ROOT
from .fakes.ctgov import FakeRegistry, study

SCRATCH = f"test_sync_kill_{os.getpid()}"
STUDIES = [f"NCT9100{i:04d}" for i in range(1, 11)]


def _conninfo(name: str) -> str:
    s = connection.settings_dict
    return f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={name}"


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{quote(str(s['HOST']), safe='')}:{s['PORT']}/{name}"


def _manage(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def scratch(django_db_blocker):
    with django_db_blocker.unblock():
        connection.ensure_connection()
        admin = _conninfo("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        create_database(conn, SCRATCH)
    env = os.environ | {"DATABASE_URL": _url(SCRATCH), "SYNC_CTGOV_RATE": "0"}
    for args in (("migrate", "--verbosity", "0"), ("load_vocabulary",)):
        proc = _manage(env, *args)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    yield env
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')


def test_sigkill_half_way_then_a_clean_continuation(scratch):
    fake = FakeRegistry().start()
    # A term of the first scope query (they go in alphabetical order), so that the first pages
    # hold studies wherever the vocabulary's other terms put the queries' boundaries.
    fake.put(*(study(nct, conditions=["Acne Vulgaris"]) for nct in STUDIES))
    held, release = threading.Event(), threading.Event()

    def hold_the_fourth_page(request):
        pages = [r for r in fake.requests if r.path == "studies"]
        if request.path == "studies" and len(pages) == 4 and not held.is_set():
            held.set()
            release.wait(30)

    fake.on_request = hold_the_fourth_page
    env = scratch | {"CTGOV_API_URL": fake.url, "SYNC_CTGOV_PAGE_SIZE": "2"}
    try:
        proc = _manage(env, "sync", "ctgov")
        assert held.wait(120), proc.stderr.read() if proc.poll() is not None else "no 4th page"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        release.set()
        with psycopg.connect(_conninfo(SCRATCH), autocommit=True) as db:
            [(status, pages)] = db.execute("SELECT status, pages FROM trials_syncrun").fetchall()
            # Pages committed before the kill (the fourth never came; the third may be read
            # but not committed: the sync loads one page while it fetches the next).
            assert status == "running" and pages in (2, 3)
            loaded = db.execute("SELECT count(*) FROM trials_trial").fetchone()[0]
            # What the committed pages held, and no more.
            paged = db.execute("SELECT sum(studies) FROM trials_syncchunk").fetchone()[0]
            assert 0 < loaded == paged < len(STUDIES)
            # The killed process left no session (nor an open transaction) behind.
            for _ in range(50):
                others = db.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()[0]
                if not others:
                    break
                time.sleep(0.1)
            assert others == 0

        start = len(fake.requests)
        again = _manage(env, "sync", "ctgov")
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert "succeeded" in out
        first = next(r for r in fake.requests[start:] if r.path == "studies")
        assert "pageToken" in first.params
        with psycopg.connect(_conninfo(SCRATCH), autocommit=True) as db:
            statuses = db.execute(
                "SELECT status, created FROM trials_syncrun ORDER BY started"
            ).fetchall()
            assert statuses == [("interrupted", loaded), ("succeeded", len(STUDIES) - loaded)]
            ids = [r[0] for r in db.execute("SELECT trial_id FROM trials_trial ORDER BY 1")]
            assert ids == STUDIES
            sources = db.execute("SELECT count(*) FROM trials_sourcerecord").fetchone()[0]
            assert sources == len(STUDIES)
    finally:
        release.set()
        fake.stop()
