"""Killing an import at any moment leaves no process and no open transaction behind.

`manage.py import_trials` runs in a subprocess on a generated download, in a database of its
own (made and dropped here: the seeded test database is left alone), and is killed part-way:
SIGKILL, SIGTERM (as the process has it by default, and as pgembed turns it into SystemExit),
Ctrl-C to the process and to its group. Then no session of it is left in pg_stat_activity,
nothing is idle in transaction, its forked reader is gone, nothing was committed, and a re-run
gives what a clean import gives."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from bench.corpus import write_ctgov_file

from .conftest import default_signals

# Its module fixtures are made once: run whole on one worker (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("test_hostile_kill")

ROOT = Path(__file__).resolve().parent.parent
STUDIES = 2500
# Run as `python -c`: manage.py as it is, or with SIGTERM turned into SystemExit first, as
# pgembed does when manage.py starts the embedded server itself.
# SIGUSR1 makes the process write its threads' stacks to stderr: what a test that times out
# shows (_ended).
PLAIN = (
    "import faulthandler, signal; faulthandler.register(signal.SIGUSR1, all_threads=True); "
    "import runpy, sys; sys.argv = ['manage.py', *sys.argv[1:]]; "
    "runpy.run_path('manage.py', run_name='__main__')"
)
HANDLED = (
    "import signal; from portal import pgembed; "
    "signal.signal(signal.SIGTERM, pgembed._terminate_normally); " + PLAIN
)
ENDS_WITHIN = 60  # seconds a killed import has to end in


def _server() -> dict:
    config = settings.DATABASES["default"]
    return {"host": config["HOST"], "port": config["PORT"] or 5432, "user": config["USER"]}


def _admin() -> psycopg.Connection:
    return psycopg.connect(dbname="postgres", autocommit=True, **_server())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """(DATABASE_URL of a migrated database of its own, the download to import)."""
    name = f"hostile_kill_{os.getpid()}"
    server = _server()
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    host = quote(str(server["host"]), safe="")
    url = f"postgres://{server['user']}@{host}:{server['port']}/{name}"
    _manage(url, PLAIN, "migrate", "--verbosity=0").check_returncode()
    download = tmp_path_factory.mktemp("kill") / "download.json"
    write_ctgov_file(download, STUDIES)
    yield url, name, download
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(url: str, code: str, *args: str, **popen) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **popen,
    )


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie holds nothing: no socket, no memory


def _sessions(name: str) -> list[tuple]:
    with _admin() as conn:
        return conn.execute(
            "SELECT pid, state, xact_start, backend_xid FROM pg_stat_activity WHERE datname = %s",
            [name],
        ).fetchall()


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _snapshot(url: str) -> tuple:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        trials = conn.execute("SELECT key, title, status FROM trials_trial ORDER BY key").fetchall()
        sources = conn.execute("SELECT count(*) FROM trials_sourcerecord").fetchone()[0]
        ids = conn.execute("SELECT count(*) FROM trials_identifier").fetchone()[0]
        runs = conn.execute("SELECT count(*) FROM trials_importrun").fetchone()[0]
    return trials, sources, ids, runs


@pytest.mark.parametrize(
    ("how", "code", "signum", "group"),
    [
        ("SIGKILL to the PID", PLAIN, signal.SIGKILL, False),
        ("SIGTERM to the PID", PLAIN, signal.SIGTERM, False),
        ("SIGTERM to the PID, SystemExit", HANDLED, signal.SIGTERM, False),
        ("Ctrl-C to the PID", PLAIN, signal.SIGINT, False),
        ("Ctrl-C to the group", PLAIN, signal.SIGINT, True),
    ],
)
def test_a_killed_import_leaves_nothing_behind(scratch, how, code, signum, group):
    url, name, download = scratch
    process = subprocess.Popen(
        [sys.executable, "-c", code, "import_trials", "--all", str(download)],
        cwd=ROOT,
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=default_signals,
    )
    try:
        # Part-way: the reader forked and the import's transaction has written for a while.
        assert _wait(lambda: _children(process.pid), 60), "no reader process was started"
        readers = _children(process.pid)
        # The transaction has written (it has an xid), then a little more: killed well before
        # the end whatever the import's speed (a fixed 1.5 s came to the end of a faster one).
        assert _wait(lambda: any(xid for *_, xid in _sessions(name)), 60), "nothing written"
        time.sleep(0.3)
        assert process.poll() is None, "the import ended before it could be killed"
        if group:
            os.killpg(process.pid, signum)
        else:
            os.kill(process.pid, signum)
        _ended(process, how)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert _wait(lambda: not any(_alive(pid) for pid in readers), 10), f"{how}: a reader is left"
    assert _wait(lambda: not _sessions(name), 10), f"{how}: sessions left {_sessions(name)}"
    trials, sources, ids, runs = _snapshot(url)
    assert (len(trials), sources, ids, runs) == (0, 0, 0, 0), f"{how}: something was committed"


def _ended(process: subprocess.Popen, how: str) -> None:
    """The process ends (no deadlock), or the test fails with the stacks of its threads and of
    its reader's."""
    try:
        process.communicate(timeout=ENDS_WITHIN)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGUSR1)
        time.sleep(1)
        os.killpg(process.pid, signal.SIGKILL)
        _out, err = process.communicate()
        pytest.fail(f"{how}: still running {ENDS_WITHIN} s after it, at:\n{err.decode()[-12000:]}")


def test_the_re_run_equals_a_clean_import(scratch):
    url, _name, download = scratch
    snapshots = []
    for _run in ("the re-run after the kills", "a clean import into emptied tables"):
        result = _manage(url, PLAIN, "import_trials", "--all", str(download))
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"created: {STUDIES}" in result.stdout
        snapshots.append(_snapshot(url))
        _manage(url, PLAIN, "flush", "--no-input").check_returncode()
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0][0]) == STUDIES and snapshots[0][3] == 1


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped one
def test_a_ctrl_c_python_ignores_inside_a_del_still_ends_the_import():
    """Python drops the KeyboardInterrupt of a SIGINT that comes while a `__del__` runs (a
    model instance freed): the import would go on and commit. The signal is remembered, and the
    import's check raises it."""
    from trials.loading.importer import _ctrl_c_kept

    class Freed:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)  # the handler runs here, and its exception is "ignored"

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), _ctrl_c_kept() as check:
            Freed()  # made and freed at once
            check()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with _ctrl_c_kept() as check:
            check()  # no signal: nothing
    finally:
        signal.signal(signal.SIGINT, before)
