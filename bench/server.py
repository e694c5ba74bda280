"""The production server, started as `make serve` starts it, against a benchmark database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.db import PY, ROOT

GUNICORN = str(Path(PY).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn portal.wsgi behind `manage.py boot --collectstatic` (which migrates first)."""

    def __init__(
        self, url: str, workers: int, log: Path, port: int | None = None, env: dict | None = None
    ) -> None:
        self.url = url
        self.env = env or {}
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        cmd = [
            PY,
            "manage.py",
            "boot",
            "--collectstatic",
            "--",
            GUNICORN,
            "portal.wsgi",
            "-c",
            "portal/gunicorn_conf.py",  # as `make serve`: the master builds the facet index
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        # PORTAL_BENCHMARK=1: serve the ceiling page, which production never does.
        env = os.environ | {"DATABASE_URL": self.url, "PORTAL_BENCHMARK": "1"} | self.env
        env.pop("DJANGO_DEBUG", None)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            # Its own session: a Ctrl-C in the terminal reaches us, and we stop it in order.
            self.proc = subprocess.Popen(  # noqa: S603 - our own command line
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}); see {self.log}")
            if self._healthy() and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer /healthz in {timeout:.0f}s; see {self.log}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:  # noqa: S310
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as r:  # noqa: S310
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def log_tail(self, lines: int = 15) -> str:
        """The end of the server's log, for when something went wrong."""
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:]) + f"\n(full log: {self.log})"

    def worker_pids(self) -> list[int]:
        if not self.proc:
            return []
        pids = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            try:
                pids += [int(p) for p in task.read_text().split()]
            except OSError:
                continue
        return pids

    def memory(self) -> dict:
        """Resident memory (MB) of the master and of each worker, from /proc."""
        workers = {pid: _rss_mb(pid) for pid in self.worker_pids()}
        workers = {pid: mb for pid, mb in workers.items() if mb is not None}
        return {
            "master_mb": _rss_mb(self.proc.pid) if self.proc else None,
            "workers_mb": sorted(workers.values(), reverse=True),
            "workers_sum_mb": round(sum(workers.values()), 1),
            "workers_max_mb": max(workers.values(), default=None),
        }

    def stop(self) -> None:
        """SIGTERM the master (graceful), then SIGKILL whatever of its group remains."""
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
