"""`make soak` (`python -m bench.soak`): the server under the distinct-URL mix for minutes on
end while a registry sync and an admin import run (issue 16 point 7).

On a copy of the benchmark corpus (`portal_soak_<size>`, made from `portal_bench_<size>` and
dropped at the end), `make serve`'s server with its job worker answers wrk at concurrency 8,
one minute at a time over every query type's distinct URLs (bench/drive.py), never asking a
URL twice within a minute. Meanwhile `manage.py sync ctgov --full` harvests the fake registry
(tests/fakes/ctgov.py) and an upload is queued as the admin queues it (trials.jobs.queue_upload)
for the worker to import, each started again as soon as it ends (`Background`), so the server
is never without them. It reports each minute's p95 and errors and the web workers' memory,
and judges: no errors, worker memory growth ≤ 10% after the first minute, every minute's p95
within the bench's target for the size (report.checks: 50 ms at 100k, informational below).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import corpus, db, drive
from bench.__main__ import ensure_corpus, parse_size, size_label
from bench.measure import OUT_DIR
from bench.server import Server

GROWTH_LIMIT = 0.10  # web worker RSS growth after the first minute
P95_TARGET_MS = 50  # the bench's 100k target (report.checks)


def _copy_database(server: str, source: str, target: str) -> str:
    db.drop(server, target)
    with db.connect(db.with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return db.with_database(server, target)


def _queue_upload(url: str, path: Path) -> int:
    """Queue an import of `path` as the admin's upload form does; the ImportRun's id."""
    code = (
        "from django.core.files import File\n"
        "from trials.jobs import queue_upload\n"
        f"with open({str(path)!r}, 'rb') as f:\n"
        "    print(queue_upload([File(f, name='soak-upload.json')], keep_all=True).pk)\n"
    )
    proc = db.manage(url, "shell", "-c", code, capture=True)
    if proc.returncode:
        raise RuntimeError(f"queueing the upload failed: {proc.stderr[-500:]}")
    return int(proc.stdout.strip().splitlines()[-1])


def _import_state(url: str, run_id: int) -> dict:
    with db.connect(url) as conn:
        row = conn.execute(
            "SELECT status, records_done, counts, error FROM trials_importrun WHERE id = %s",
            [run_id],
        ).fetchone()
    return dict(zip(("status", "records_done", "counts", "error"), row, strict=True))


def _start_fake(studies: int) -> tuple[subprocess.Popen, str]:
    fake = subprocess.Popen(  # noqa: S603 - our own fake registry
        [db.PY, "-m", "tests.fakes.ctgov", "--synthetic", str(studies)],
        cwd=db.ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return fake, fake.stdout.readline().strip()


def _start_sync(url: str, api: str, log: Path) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": url,
        "CTGOV_API_URL": api,
        "SYNC_CTGOV_RATE": "5",  # a polite harvest, as against the real registry
        "SYNC_CTGOV_PAGE_SIZE": "200",
    }
    with log.open("a") as out:
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            [db.PY, str(db.ROOT / "manage.py"), "sync", "ctgov", "--full"],
            env=env,
            cwd=db.ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


class Background:
    """A registry sync and an admin upload, each started again as soon as it ends, for as long
    as the soak lasts: the server is never without them. Counts how each one ended."""

    def __init__(self, url: str, api: str, upload: Path, log: Path) -> None:
        self.url, self.api, self.upload, self.log = url, api, upload, log
        self.sync: subprocess.Popen | None = None
        self.run_id: int | None = None
        self.syncs: list[int] = []  # exit codes
        self.imports: list[str] = []  # final states
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.is_set():
            if self.sync is None or self.sync.poll() is not None:
                if self.sync is not None:
                    self.syncs.append(self.sync.returncode)
                self.sync = _start_sync(self.url, self.api, self.log)
            state = _import_state(self.url, self.run_id)["status"] if self.run_id else "done"
            if state in ("done", "failed"):
                if self.run_id:
                    self.imports.append(state)
                self.run_id = _queue_upload(self.url, self.upload)
            self._stop.wait(2)

    def running(self) -> dict:
        return {"syncs_ended": len(self.syncs), "imports_ended": len(self.imports)}

    def stop(self) -> None:
        """Stop starting new ones; let the running ones finish (bounded) and count them."""
        self._stop.set()
        self._thread.join()
        if self.sync is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.sync.wait(timeout=600)
            if self.sync.returncode is None:
                self.sync.terminate()
            self.syncs.append(self.sync.returncode)
        if self.run_id:
            self.imports.append(_wait_for_import(self.url, self.run_id)["status"])


def run(args: argparse.Namespace) -> dict:
    server_url = db.server_url()
    label = size_label(args.size)
    bench_url, _ = ensure_corpus(server_url, args.size, args)
    soak_name = f"portal_soak_{label.lower()}"
    url = _copy_database(server_url, bench_url.rsplit("/", 1)[-1], soak_name)
    mix = drive.query_mix(args.size)
    urls = drive._interleave(*(urls for kind, urls in mix.items() if kind != "ceiling"))
    upload = OUT_DIR / f"soak-upload-{args.upload}.json"
    if not upload.exists():
        corpus.write_ctgov_file(upload, args.upload)
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M")
    server = Server(url, args.gunicorn_workers, OUT_DIR / f"soak-{label}-{stamp}.log", worker=True)
    minutes: list[dict] = []
    fake = background = None
    try:
        server.start()
        fake, api = _start_fake(args.sync_studies)
        background = Background(url, api, upload, OUT_DIR / f"soak-sync-{stamp}.log")
        background.start()
        per_minute = max(1, len(urls) // max(args.minutes, 1))
        for minute in range(args.minutes):
            window = urls[minute * per_minute :] + urls[: minute * per_minute]
            stats = drive.run_wrk(server.base, window, 60, args.concurrency)
            memory = server.memory()
            line = {
                "minute": minute + 1,
                "requests": stats["requests"],
                "rps": stats["rps"],
                "p95_ms": stats["p95_ms"],
                "p99_ms": stats["p99_ms"],
                "errors": stats["errors"],
                "non_2xx_3xx": stats["non_2xx_3xx"],
                "workers_mb": memory["workers_mb"],
                "workers_sum_mb": memory["workers_sum_mb"],
                **background.running(),
            }
            minutes.append(line)
            print(json.dumps(line), flush=True)
        background.stop()
    finally:
        server.stop()
        if background is not None and background.sync and background.sync.poll() is None:
            background.sync.terminate()
        if fake is not None:
            fake.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                fake.wait(timeout=10)
        db.drop(server_url, soak_name)
    return {
        "size": args.size,
        "size_label": label,
        "date": datetime.datetime.now().isoformat(" ", "minutes"),
        "concurrency": args.concurrency,
        "gunicorn_workers": args.gunicorn_workers,
        "distinct_urls": len(set(urls)),
        "minutes": minutes,
        "syncs": background.syncs,
        "imports": background.imports,
    }


def _wait_for_import(url: str, run_id: int, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    state = _import_state(url, run_id)
    while state["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(2)
        state = _import_state(url, run_id)
    return state


def checks(result: dict) -> list[tuple[bool, str]]:
    minutes = result["minutes"]
    out = []
    errors = sum(m["errors"] for m in minutes)
    out.append((errors == 0, f"soak: {errors} failed requests (non-2xx or socket) = 0"))
    if len(minutes) >= 2:
        first, last = minutes[0]["workers_sum_mb"], minutes[-1]["workers_sum_mb"]
        growth = (last - first) / first if first else 0.0
        out.append(
            (
                growth <= GROWTH_LIMIT,
                f"soak: web workers' memory {first:.0f} MB after minute 1, {last:.0f} MB at the "
                f"end: growth {growth:.1%} ≤ {GROWTH_LIMIT:.0%}",
            )
        )
    worst = max(m["p95_ms"] for m in minutes)
    note = "" if result["size"] >= 100_000 else " (100k target, informational at this size)"
    out.append((worst <= P95_TARGET_MS, f"soak: worst minute's p95 {worst:.1f} ms ≤ 50{note}"))
    syncs, imports = result["syncs"], result["imports"]
    ok = bool(syncs) and all(code == 0 for code in syncs)
    out.append((ok, f"soak: {len(syncs)} syncs through the fake registry, exit codes {syncs}"))
    ok = bool(imports) and all(state == "done" for state in imports)
    out.append((ok, f"soak: {len(imports)} admin imports, ended {imports}"))
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    p.add_argument("--size", type=parse_size, default=parse_size("10k"))
    p.add_argument("--minutes", type=int, default=10)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--gunicorn-workers", type=int, default=4)
    p.add_argument("--sync-studies", type=int, default=5000, help="studies the fake serves")
    p.add_argument("--upload", type=int, default=5000, help="studies in the admin's upload")
    p.add_argument("--build-workers", type=int, default=3)
    args = p.parse_args(argv)
    args.rebuild = args.build_only = False
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = run(args)
    lines = checks(result)
    result["checks"] = [{"pass": ok, "check": line} for ok, line in lines]
    path = OUT_DIR / f"soak-{result['size_label']}-{datetime.datetime.now():%Y-%m-%dT%H%M}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    for ok, line in lines:
        print(f"{'PASS' if ok else 'FAIL'}  {line}")
    print(f"results: {path}")
    return 0 if all(ok for ok, _ in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
