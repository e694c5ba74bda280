"""Real web servers for tests: `manage.py boot --collectstatic -- gunicorn ...`, as `make serve`
runs them (without the job worker), on 127.0.0.1, each in a process group of its own that
`stop()` ends whatever happens."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    """Run a manage.py command with `env`; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Server:
    def __init__(self, env: dict, log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            sys.executable,
            "manage.py",
            "boot",
            "--collectstatic",
            "--",
            str(GUNICORN),
            "portal.wsgi",
            "-c",
            "portal/gunicorn_conf.py",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{self.port}",
        ]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, process_group=0
            )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server ended:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if get(self.base + "/healthz")[0] == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # gunicorn's workers too
        self.process.wait()


def wait_for(condition, timeout: float, what: str) -> float:
    """Seconds until condition() holds (polled every 50 ms)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(what)


def get(url: str, opener=None) -> tuple[int, bytes]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def api_count(base: str, query: str = "", opener=None) -> int:
    status, body = get(f"{base}/api/trials/?{query}", opener)
    assert status == 200, body[:500]
    return json.loads(body)["count"]


def logged_in(base: str, username: str, password: str):
    """A browser (cookie jar) logged in to the admin as a curator."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    status, page = get(f"{base}/admin/login/", opener)
    assert status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    form["next"] = "/admin/"
    data = urllib.parse.urlencode(form).encode()
    with opener.open(f"{base}/admin/login/", data=data, timeout=30) as response:
        assert response.url.endswith("/admin/"), "the login failed"
    return opener
