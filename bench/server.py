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
        self,
        url: str,
        workers: int,
        log: Path,
        port: int | None = None,
        worker: bool = False,
        env: dict | None = None,
    ) -> None:
        self.url = url
        self.job_worker = worker  # `boot --worker`: the job worker beside gunicorn
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
            *(["--worker"] if self.job_worker else []),
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
        # PORTAL_BENCHMARK=1: serve the ceiling page, which production never does. The rate
        # limits are off: every request of the bench comes from 127.0.0.1. SYNC_CTGOV=0: a job
        # worker beside the server never harvests the real registry (the soak runs its sync
        # against the fake one itself).
        no_limits = {
            name: "0" for name in ("RATE_LIMIT_PAGES", "RATE_LIMIT_API", "RATE_LIMIT_EXPORTS")
        }
        env = os.environ | {"DATABASE_URL": self.url, "PORTAL_BENCHMARK": "1", "SYNC_CTGOV": "0"}
        env |= no_limits | self.env
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

    def master_pid(self) -> int | None:
        """gunicorn's master: the process started, or with the job worker beside it, the
        child of `boot` that runs gunicorn."""
        if not self.proc:
            return None
        if not self.job_worker:
            return self.proc.pid
        return next((pid for pid in _children(self.proc.pid) if "gunicorn" in _cmdline(pid)), None)

    def worker_pids(self) -> list[int]:
        master = self.master_pid()
        return _children(master) if master else []

    def memory(self) -> dict:
        """Resident memory (MB) of the master and of each worker, from /proc."""
        workers = {pid: _rss_mb(pid) for pid in self.worker_pids()}
        workers = {pid: mb for pid, mb in workers.items() if mb is not None}
        return {
            "master_mb": _rss_mb(master) if (master := self.master_pid()) else None,
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


def _children(pid: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return pids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
