"""`manage.py boot --worker -- CMD` (what `make run` and `make serve` run): the server and the
job worker side by side, and nothing of either left behind however the supervisor is stopped."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from .conftest import ROOT, default_signals

# The test database must be committed to for the subprocesses to see it: transactional.
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{quote(s['HOST'] or '', safe='')}:{s['PORT'] or 5432}/{s['NAME']}"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _descendants(pid: int) -> dict[int, str]:
    """The process table's descendants of pid: {pid: command line}."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rpartition(")")[2].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:  # it ended since the listing: no descendant now
                    continue
                found[child] = cmdline.decode(errors="replace")
                frontier.append(child)
    return found


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(what)


def _sessions() -> set[int]:
    """The database's sessions (backend PIDs), this test's own left out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_the_supervisor_leaves_no_worker_behind(signum, tmp_path):
    marker = tmp_path / "server-started"
    env = {**os.environ, "DATABASE_URL": _database_url(), "IMPORT_UPLOAD_DIR": str(tmp_path)}
    server = ["sh", "-c", f"touch {marker}; exec sleep 120"]
    boot = subprocess.Popen(
        [sys.executable, "manage.py", "boot", "--worker", "--", *server],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        preexec_fn=default_signals,
    )
    children: dict[int, str] = {}
    before = _sessions()  # others' (a live server's, say), not the supervisor's children's
    try:
        children = _wait(
            lambda: (
                (procs := _descendants(boot.pid))
                and any("procrastinate worker" in c for c in procs.values())
                and marker.exists()
                and procs
            ),
            90,
            "the server and the worker did not start",
        )
        worker = next(pid for pid, cmd in children.items() if "procrastinate worker" in cmd)
        # The worker is up when it has registered itself (its heartbeat row).
        _wait(lambda: _registered_workers() > 0, 60, "the worker did not register in the database")
        server_pid = next(pid for pid, cmd in children.items() if "sleep 120" in cmd)
        # The worker yields the CPU to the server (settings.JOB_WORKER_NICE).
        assert _nice(worker) - _nice(server_pid) == settings.JOB_WORKER_NICE == 10

        boot.send_signal(signum)
        boot.wait(timeout=60)
        # The server's status, as a shell tells a signal (the signal was passed on to it).
        assert boot.returncode == (-signum if signum == signal.SIGKILL else 128 + signum)
        _wait(
            lambda: not any(_alive(pid) for pid in children),
            30,
            f"left behind: {[c for p, c in children.items() if _alive(p)]}",
        )
        assert not _alive(worker)
        # ... and so are their database sessions.
        _wait(lambda: not _sessions() - before, 30, "a database session was left open")
    finally:
        for pid in [boot.pid, *children]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        boot.wait()


def _nice(pid: int) -> int:
    """A process's nice value (proc(5): /proc/PID/stat's 19th field)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[16])


def _registered_workers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_workers")
        return cursor.fetchone()[0]
