"""`python -m bench --size 10k|100k|1M [options]`: see bench/__init__.py and docs/benchmarks.md."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import corpus, db, export, importer, load, report, sync
from bench.measure import OUT_DIR, drive_server

ROOT = Path(__file__).resolve().parent.parent


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (say 10k, 100k or 1M)")
    n = float(m[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[m[2].lower()]
    if n < 100:
        raise argparse.ArgumentTypeError("at least 100 trials")
    return int(n)


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--size", type=parse_size, default=parse_size("10k"), help="10k, 100k, 1M…")
    p.add_argument("--duration", type=float, default=10, help="seconds of load per query type")
    p.add_argument("--concurrency", type=int, default=4, help="open connections (wrk -c)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of mixed load first")
    p.add_argument("--types", help="comma-separated query types to run (default: all)")
    p.add_argument("--gunicorn-workers", type=int, default=4)
    p.add_argument("--port", type=int, help="default: a free loopback port")
    p.add_argument("--build-workers", type=int, default=3, help="loader processes")
    p.add_argument("--rebuild", action="store_true", help="rebuild the corpus even if it exists")
    p.add_argument("--build-only", action="store_true", help="build the corpus, drive nothing")
    p.add_argument("--drop", action="store_true", help="drop the benchmark database at the end")
    p.add_argument(
        "--keep", action="store_true", help="keep the server up after the run until Ctrl-C"
    )
    p.add_argument("--no-import", action="store_true", help="skip the import benchmark")
    p.add_argument(
        "--no-repeated", action="store_true", help="skip the secondary, repeated-URL runs"
    )
    p.add_argument(
        "--no-peer", action="store_true", help="skip the textbook PostgreSQL peer (bench/peer.py)"
    )
    p.add_argument(
        "--no-export",
        action="store_true",
        help="skip the export line (every trial as CSV and JSON Lines; `--types export` alone "
        "runs only it)",
    )
    p.add_argument("--import-only", action="store_true", help="only the import benchmark")
    p.add_argument(
        "--import-size",
        type=parse_size,
        default=parse_size("20k"),
        help="studies in the import benchmark's file (default 20k: process start-up is ~1 s)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--json", type=Path, help="where to write the results (default .data/bench/)")
    return p.parse_args(argv)


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _out(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    except OSError:
        return ""


def machine(server: str) -> dict:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    free = _out(["free", "-g"])
    mem = next((line.split()[1] for line in free.splitlines() if line.startswith("Mem:")), "?")
    with db.connect(db.with_database(server, "postgres")) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    dirty = bool(_out(["git", "-C", str(ROOT), "status", "--porcelain"]))
    git = _out(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "no commit"
    return {
        "nproc": _out(["nproc"]) or str(os.cpu_count()),
        "cpu": cpu,
        "mem_total_gb": mem,
        "free_g": free,
        "postgres": pg,
        "python": platform.python_version(),
        "git": git + ("+dirty" if dirty else ""),
        "loadavg_before": os.getloadavg()[0],
    }


def migrations_fingerprint() -> str:
    """Which migrations exist: a corpus built under other migrations is rebuilt."""
    names = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/migrations/0*.py"))
    return ",".join(names)


def _only_added(meta: dict, wanted: dict) -> bool:
    """Whether the corpus differs from what is wanted only by migrations added since."""
    before = set(filter(None, (meta.get("migrations") or "").split(",")))
    now = set(wanted["migrations"].split(","))
    same = all(meta.get(k) == v for k, v in wanted.items() if k != "migrations")
    return same and before < now


def ensure_corpus(server: str, size: int, args) -> tuple[str, dict]:
    """The benchmark database for `size`: reused when complete and current, else (re)built."""
    name = f"portal_bench_{size_label(size).lower()}"
    url = db.with_database(server, name)
    wanted = {
        "generator_version": str(corpus.GENERATOR_VERSION),
        "seed": str(corpus.SEED),
        "size": str(size),
        "migrations": migrations_fingerprint(),
    }
    meta = db.read_meta(url) if db.exists(server, name) else {}
    if meta.get("complete") == "1" and not args.rebuild and _only_added(meta, wanted):
        # Migrations were added since the build: each fills its new columns for stored rows
        # (the project's rule), so migrating the corpus forward is the same as rebuilding it.
        print(f"migrating {name} forward (migrations added since it was built)")
        db.manage(url, "migrate", "--verbosity", "0")
        db.write_meta(url, migrations=wanted["migrations"])
        meta["migrations"] = wanted["migrations"]
    if meta and (args.rebuild or any(meta.get(k) != v for k, v in wanted.items())):
        why = "--rebuild" if args.rebuild else "generator, size or migrations changed"
        print(f"dropping {name} ({why})")
        db.drop(server, name)
        meta = {}
    elif not meta and db.exists(server, name):
        db.drop(server, name)
    if meta.get("complete") == "1":
        build = json.loads(meta.get("build") or "{}")
        print(
            f"reusing {name}: {size} trials built {meta.get('built')} "
            f"({build.get('records_per_s')} records/s)"
        )
        return url, {"database": name, "reused": True, "build": build}

    if not db.exists(server, name):
        print(f"creating {name}")
        db.create(server, name)
    db.manage(url, "migrate", "--verbosity", "0")
    db.manage(url, "load_vocabulary")
    db.ensure_meta(url)
    db.write_meta(url, **wanted, complete=0)
    stats = load.build(url, size, args.build_workers)
    print(
        f"built {stats['records']} trials in {stats['seconds']:.0f}s: "
        f"{stats['records_per_s']} records/s with {stats['workers']} workers "
        f"({stats['records_per_s_per_worker']} records/s per worker); outcomes {stats['outcomes']}"
    )
    began = time.perf_counter()
    load.vacuum_analyze(url)
    stats["vacuum_analyze_seconds"] = round(time.perf_counter() - began, 1)
    db.write_meta(
        url,
        complete=1,
        build=json.dumps(stats),
        built=datetime.datetime.now().isoformat("T", "seconds"),
    )
    return url, {"database": name, "reused": False, "build": stats}


def print_text_hits(hits: dict) -> None:
    print(f"corpus: {hits['trials']} trials; planted words (portal's full-text query):")
    for kind, h in hits["text"].items():
        print(
            f"  {kind:12} {h['word']!r:22} {h['hits']:>8} hits = {h['fraction']:.3%} "
            f"(target {h['target']:.1%})"
        )
    for band, b in hits.get("bands", {}).items():
        target = corpus.BANDS[band][0]
        print(
            f"  band {band:11} {b['words']:5} words, each its own lexeme: {b['own_lexemes']}; "
            f"{b['sample']} of them find {b['min']:.3%}–{b['max']:.3%} of trials, median "
            f"{b['median']:.3%} (target {target:.1%})"
        )
        if not b["own_lexemes"]:
            raise SystemExit(f"the english stemmer merges or changes words of band {band}")


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _sigterm)
    args = parse_args(argv)
    label = size_label(args.size)
    server = db.server_url()
    now = datetime.datetime.now()
    result: dict = {
        "size": args.size,
        "size_label": label,
        "date": now.isoformat(" ", "minutes"),
        "duration": args.duration,
        "concurrency": args.concurrency,
        "threads": max(1, min(2, args.concurrency)),
        "gunicorn_workers": args.gunicorn_workers,
        "machine": machine(server),
        "generator_version": corpus.GENERATOR_VERSION,
    }
    busy = os.getloadavg()[0]
    if busy > 0.5:
        print(
            f"warning: the machine is busy (load average {busy:.1f} before the run): "
            "other processes compete for the CPU and the numbers will be low and noisy"
        )
    url = None
    try:
        if not args.import_only:
            url, result["corpus"] = ensure_corpus(server, args.size, args)
            result["corpus"]["text_hits"] = hits = load.text_hits(url)
            print_text_hits(hits)
            if not args.build_only:
                result |= drive_server(url, args, label)
            result["machine"]["loadavg_after"] = os.getloadavg()[0]
        if not args.no_import and not args.build_only:
            result["import"] = importer.run(server, args.import_size, OUT_DIR)
            if "records_per_s" in result["import"]:
                imp = result["import"]
                print(
                    f"import: {imp['studies']} CT.gov JSON studies in {imp['seconds']}s = "
                    f"{imp['records_per_s']} records/s (normalize alone: "
                    f"{imp['normalize_records_per_s']} records/s); peak RSS "
                    f"{imp['peak_rss_mb']} MB; {imp['counts']}; database locale "
                    f"{imp['database_locale']}; after {imp['settled_s']} s waiting for the "
                    "server to settle"
                )
            # The sync of as many studies through the fake registry (rate limit off).
            result["sync"] = synced = sync.run(server, args.import_size)
            print(
                f"sync: {synced['studies']} studies through the fake registry in "
                f"{synced['seconds']}s = {synced['studies_per_s']} studies/s "
                f"(exit {synced['exit_code']})"
            )
    finally:
        if args.drop and url:
            db.drop(server, url.rsplit("/", 1)[-1])
            print(f"dropped {url.rsplit('/', 1)[-1]}")

    if result.get("runs"):
        print()
        print(report.console_table(result["runs"], result.get("peer")))
        if phases := report.phase_table(result["runs"]):
            print("\nWhere the time goes (server side, mean ms per request; db overlaps):\n")
            print(phases)
        if result.get("repeated"):
            print("\nRepeated URLs (secondary: each type's first few URLs, cycled):\n")
            print(report.console_table(result["repeated"]))
        mem = result["memory"]
        print(
            f"web workers RSS after the run: max {mem['workers_max_mb']} MB, "
            f"sum {mem['workers_sum_mb']} MB ({len(mem['workers_mb'])} workers; "
            f"master {mem['master_mb']} MB)"
        )
        for fmt, measured in (result.get("export") or {}).items():
            print(export.line(fmt, measured))
        print("\nMarkdown for docs/benchmarks.md:\n")
        print(report.markdown_table(result))
    lines = report.checks(result)
    result["checks"] = [{"pass": ok, "check": line} for ok, line in lines]
    if lines:
        print()
        report.print_checks(lines)
    path = args.json or OUT_DIR / f"{label}-{now:%Y-%m-%dT%H%M}.json"
    report.write_json(result, path)
    print(f"\nresults: {path}")
    return 1 if args.strict and not all(ok for ok, _ in lines) else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("\ninterrupted: the server is stopped", file=sys.stderr)
        sys.exit(130)
