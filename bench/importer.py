"""Import throughput: `manage.py import_trials --all` on a file of synthetic CT.gov API v2 studies.

Runs against a scratch database (`portal_bench_import`, created fresh and dropped afterwards) so
the query benchmark's corpus is never touched. Skipped, with the reason, when `import_trials`
has no `ctgov-json` reader yet.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from bench import corpus, db

SCRATCH = "portal_bench_import"


def reader_available(server: str) -> tuple[bool, str]:
    proc = db.manage(server, "import_trials", "--help", capture=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return False, f"`manage.py import_trials --help` fails: {last}"
    if "ctgov-json" not in proc.stdout:
        return False, "import_trials has no ctgov-json reader yet"
    return True, ""


# Runs a command and prints the peak RSS of it and its children (the importer's reader).
_PROBE = (
    "import resource, subprocess, sys;"
    "code = subprocess.run(sys.argv[1:]).returncode;"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
    "sys.exit(code)"
)


def _measured(url: str, *args: str) -> tuple[subprocess.CompletedProcess, float | None]:
    """`manage.py ARGS` with its peak resident memory (MB, the largest of its processes)."""
    proc = subprocess.run(  # noqa: S603 - our own manage.py
        [db.PY, "-c", _PROBE, db.PY, str(db.ROOT / "manage.py"), *args],
        env=os.environ | {"DATABASE_URL": url},
        cwd=db.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = proc.stderr.rstrip().splitlines()
    peak = round(int(lines.pop()) / 1024, 1) if lines and lines[-1].isdigit() else None
    proc.stderr = "\n".join(lines)
    return proc, peak


# The longest the import waits for the server to settle (_settle), seconds.
SETTLE_MAX_S = 180


def _settle(server: str) -> float:
    """Wait until the server has no autovacuum at work and has written a checkpoint, and
    return the seconds waited (at most SETTLE_MAX_S). After the drive's edits and the
    corpus's freshness checks, autovacuum and the dirty pages' writes ran beside the import
    and slowed it a third (916 records/s after a full run, 1,453 alone: docs/benchmarks.md,
    session 41): the import's figure is the import's, not theirs."""
    began = time.monotonic()
    # (autocommit: within a transaction, pg_stat_activity would answer the same each time)
    with db.connect(db.with_database(server, "postgres"), autocommit=True) as conn:
        while time.monotonic() - began < SETTLE_MAX_S:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            ).fetchone()[0]
            if not busy:
                break
            time.sleep(1)
        try:
            conn.execute("CHECKPOINT")
        except Exception as exc:  # a server we may not checkpoint (no pg_checkpoint role)
            print(f"no checkpoint before the import ({type(exc).__name__})")
    return round(time.monotonic() - began, 1)


def run(server: str, n: int, data_dir: Path) -> dict:
    ok, why = reader_available(db.with_database(server, "postgres"))
    if not ok:
        print(f"import benchmark skipped: {why}")
        return {"skipped": why}
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"ctgov-v{corpus.CTGOV_VERSION}-{n}.json"
    if not path.exists():
        print(f"writing {n} synthetic ClinicalTrials.gov API v2 studies to {path}")
        corpus.write_ctgov_file(path, n)
    url = db.with_database(server, SCRATCH)
    db.drop(server, SCRATCH)
    db.create(server, SCRATCH)
    try:
        db.manage(url, "migrate", "--verbosity", "0")
        db.manage(url, "load_vocabulary")

        began = time.perf_counter()
        normalize = db.manage(url, "normalize", str(path), capture=True)
        normalize_s = time.perf_counter() - began
        normalized = len(normalize.stdout.splitlines())

        settled = _settle(server)
        print(f"timing `manage.py import_trials --all {path.name}` ({n} studies)", flush=True)
        began = time.perf_counter()
        proc, peak_mb = _measured(url, "import_trials", "--all", str(path))
        seconds = time.perf_counter() - began
        counts = {
            m[1]: int(m[2]) for m in re.finditer(r"^(\w+): (\d+)$", proc.stdout, re.MULTILINE)
        }
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            print(f"import_trials exited {proc.returncode}:\n{tail}")
        with db.connect(url) as conn:
            trials = conn.execute("SELECT count(*) FROM trials_trial").fetchone()[0]
            locale = conn.execute(
                "SELECT CASE datlocprovider WHEN 'b' THEN 'builtin ' ELSE 'libc ' END || datctype"
                " FROM pg_database WHERE datname = current_database()"
            ).fetchone()[0]
    finally:
        db.drop(server, SCRATCH)
    return {
        "studies": n,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "seconds": round(seconds, 1),
        "records_per_s": round(n / seconds, 1),
        "settled_s": settled,
        "normalize_seconds": round(normalize_s, 1),
        "normalize_records_per_s": round(normalized / normalize_s, 1) if normalize_s else None,
        "normalized": normalized,
        "peak_rss_mb": peak_mb,
        "exit_code": proc.returncode,
        "counts": counts,
        "trials_in_db": trials,
        "database_locale": locale,
    }
