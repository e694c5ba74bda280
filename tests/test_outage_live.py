"""Issue 16 point 4 under load: gunicorn on a throwaway embedded PostgreSQL cluster, a bounded
client loop on 127.0.0.1, and the cluster stopped and started again out of band (pg_ctl) while
it runs. Counted: no 500 at any time, 503s with Retry-After while the database is away (JSON
under /api/), every answer 200 again within 2 s of the restart, no process restarted; and
when the server's supervisor stops, the restarted postmaster stops with it."""

import json
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_pgembed import _alive, _postmaster_pid, _start, _wait_gone, pg_ctl

ROOT = Path(__file__).resolve().parent.parent
PATHS = (
    "/",
    "/?q=dermatomyositis",
    "/trials/NCT01408199/",
    "/api/trials/",
    "/api/trials/?q=lupus&phase=PHASE2",
    "/api/trials/NCT01408199/",
    "/healthz",
)
CLIENTS = 4
OUTAGE_SECONDS = 3
RECOVERY_SECONDS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Load:
    """CLIENTS threads fetching PATHS in turn until stopped: (sent, path, status, headers, body,
    answered), times by time.monotonic()."""

    def __init__(self, base: str) -> None:
        self.base, self.answers, self.stop = base, [], threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(n,)) for n in range(CLIENTS)]

    def _loop(self, offset: int) -> None:
        turn = offset
        while not self.stop.is_set() and turn < 100_000:
            path = PATHS[turn % len(PATHS)]
            sent = time.monotonic()
            try:
                status, headers, body = _get(self.base + path)
            except OSError as error:  # the web server itself refused: counted as a failure
                status, headers, body = 0, {}, str(error).encode()
            self.answers.append((sent, path, status, headers, body, time.monotonic()))
            turn += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


@pytest.fixture
def served(tmp_path):
    """gunicorn (2 workers, DEBUG off) on its own embedded cluster; stopped and checked after."""
    data, port = tmp_path / "data", _free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.served_settings",
        "RATE_LIMIT_PAGES": "0",
        "RATE_LIMIT_API": "0",
        "SEARCH_PAGE_CACHE": "0",  # every answer asks the database
        "DJANGO_DEBUG": "0",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = _start(
        data,
        *("env", *(f"{name}={value}" for name, value in env.items())),
        *(sys.executable, "manage.py", "boot", "--"),
        *(gunicorn, "portal.wsgi", "-c", "portal/gunicorn_conf.py", "--workers", "2"),
        *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except OSError:
            pass
        assert proc.poll() is None, "the server ended before it answered"
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the server did not answer /healthz within 180 s")
    yield data, base, proc
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    pid = _postmaster_pid(data)
    assert pid is None or _wait_gone(pid), "postgres outlived the server's supervisor"


def test_a_database_restart_under_load_gives_503s_then_recovers(served):
    data, base, proc = served
    pgdata = data / "pg"
    socket_dir = (pgdata / "postmaster.pid").read_text().splitlines()[4].strip()
    with Load(base) as load:
        time.sleep(1.5)
        stopped = time.monotonic()
        pg_ctl(pgdata, "stop", "-w", "-m", "fast")
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        starting = time.monotonic()
        pg_ctl(pgdata, "start", "-w", "-o", '-h ""', "-o", f"-k {socket_dir}")
        restarted = time.monotonic()
        time.sleep(RECOVERY_SECONDS + 2)
    assert proc.poll() is None and _alive(_postmaster_pid(data))
    answers = load.answers
    statuses = [status for _, _, status, _, _, _ in answers]
    assert len(answers) > 100, f"only {len(answers)} requests were made"
    failures = [(path, status) for _, path, status, _, _, _ in answers if status not in (200, 503)]
    assert not failures, f"answers neither 200 nor 503: {failures[:10]}"
    before = [status for _, _, status, _, _, answered in answers if answered < stopped]
    assert before and set(before) == {200}
    # Sent once the server was down, answered before it was being started again.
    away = [answer for answer in answers if down < answer[0] and answer[-1] < starting]
    assert away and {status for _, _, status, _, _, _ in away} == {503}
    assert {path for _, path, _, _, _, _ in away} == set(PATHS)  # pages, API and /healthz alike
    for _, path, _, headers, body, _ in away:
        assert int(headers["Retry-After"]) >= 1
        if path.startswith("/api/"):
            assert json.loads(body)["error"]["code"] == "database_unavailable"
        elif path != "/healthz":
            assert b"unavailable for a moment" in body
    late = [status for sent, _, status, *_ in answers if sent >= restarted + RECOVERY_SECONDS]
    assert late and set(late) == {200}, f"not recovered {RECOVERY_SECONDS} s after the restart"
    recovered = min(sent for sent, _, status, *_ in answers if sent >= restarted and status == 200)
    print(  # shown with -s: what the issue asks to count
        f"{len(answers)} requests: {statuses.count(200)} 200, {statuses.count(503)} 503,"
        f" {len(failures)} other; first 200 {recovered - restarted:.2f} s after the restart"
    )
    assert recovered - restarted <= RECOVERY_SECONDS
    assert statuses.count(503) >= len(away)
