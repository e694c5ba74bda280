"""Sync throughput: `manage.py sync ctgov --full` against the fake registry serving N synthetic
ClinicalTrials.gov API v2 studies (bench/corpus.py), with the rate limit off.

`make bench` runs it after the import benchmark, with as many studies (`--import-size`); on its
own: `python -m bench.sync [--studies 5000]` under `python -m portal.pgembed run --`. A scratch
database (`portal_bench_sync`) is created fresh and dropped afterwards; the fake registry runs in
its own process (`python -m tests.fakes.ctgov`), so that the sync process stays single-threaded
and reads in its forked reader as imports do.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from bench import db

SCRATCH = "portal_bench_sync"


def run(server: str, n: int, page_size: int = 1000) -> dict:
    fake = subprocess.Popen(  # noqa: S603 - our own fake registry
        [db.PY, "-m", "tests.fakes.ctgov", "--synthetic", str(n)],
        cwd=db.ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    url = db.with_database(server, SCRATCH)
    try:
        api = fake.stdout.readline().strip()
        if not api.startswith("http"):
            raise RuntimeError("the fake registry did not start")
        db.drop(server, SCRATCH)
        db.create(server, SCRATCH)
        db.manage(url, "migrate", "--verbosity", "0")
        db.manage(url, "load_vocabulary")
        env = os.environ | {
            "DATABASE_URL": url,
            "CTGOV_API_URL": api,
            "SYNC_CTGOV_RATE": "0",
            "SYNC_CTGOV_PAGE_SIZE": str(page_size),
        }
        print(f"timing `manage.py sync ctgov --full` ({n} synthetic studies)", flush=True)
        began = time.perf_counter()
        proc = subprocess.run(  # noqa: S603 - our own manage.py
            [db.PY, str(db.ROOT / "manage.py"), "sync", "ctgov", "--full"],
            env=env,
            cwd=db.ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - began
        if proc.returncode:
            print(proc.stdout, proc.stderr, file=sys.stderr)
        with db.connect(url) as conn:
            row = conn.execute(
                "SELECT pages, studies, created, updated, unchanged, skipped, failed, requests,"
                " extract(epoch FROM finished - started) FROM trials_syncrun"
                " ORDER BY started DESC LIMIT 1"
            ).fetchone()
            trials = conn.execute("SELECT count(*) FROM trials_trial").fetchone()[0]
    finally:
        fake.terminate()
        fake.wait()
        db.drop(server, SCRATCH)
    names = ("pages", "studies", "created", "updated", "unchanged", "skipped", "failed")
    counts = dict(zip(names, row[:7], strict=True))
    return {
        "served": n,
        "seconds": round(seconds, 2),
        "run_seconds": round(float(row[8]), 2),
        "requests": row[7],
        **counts,
        "trials_in_db": trials,
        "studies_per_s": round(counts["studies"] / seconds, 1),
        "new_trials_per_s": round(trials / seconds, 1),
        "exit_code": proc.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args(argv)
    result = run(db.server_url(), args.studies, args.page_size)
    print(json.dumps(result, indent=2))
    return result["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
