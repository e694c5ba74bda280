"""Measuring the portal over HTTP: check the URLs, warm up, drive each query type over its
distinct URLs, then over the repeated ones, then the textbook peer (docs/benchmarks.md)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from bench import drive, export, peer
from bench.server import Server

OUT_DIR = Path(__file__).resolve().parent.parent / ".data" / "bench"


def hits_for(srv: Server, path: str) -> int | None:
    """The total the API gives for the same parameters (None for the ceiling and trial pages)."""
    if path.startswith(("/bench/", "/trials/")) or re.match(r"/api/trials/[^?]", path):
        return None
    api = path if path.startswith("/api/") else "/api/trials/" + path.removeprefix("/")
    status, body = srv.get(api)
    if status != 200:
        return None
    return json.loads(body).get("count")


CHECKED_URLS = 12


def checked_sample(paths: list[str]) -> list[str]:
    """The URLs checked before measuring: the repeated line's, and a few spread over the list
    (checking them all would fill the answer cache before the run)."""
    step = max(1, len(paths) // CHECKED_URLS)
    return list(dict.fromkeys(paths[: drive.REPEATED_URLS] + paths[::step][:CHECKED_URLS]))


def unseen(paths: list[str]) -> list[str]:
    """`paths` without those checked_sample() asks for (all of them when that leaves none)."""
    seen = set(checked_sample(paths))
    return [p for p in paths if p not in seen] or paths


def check_urls(srv: Server, mix: dict[str, list[str]]) -> dict[str, int | None]:
    """Each type's mean hits (the API's count) over its checked URLs; stops when one of them
    answers other than 200, rather than measure error pages."""
    hits: dict[str, int | None] = {}
    broken = []
    for kind, paths in mix.items():
        sample = checked_sample(paths)
        for path in sample:
            status, _ = srv.get(path)
            if status != 200:
                broken.append(f"{path} answered {status}")
        counts = [c for c in (hits_for(srv, p) for p in sample) if c is not None]
        hits[kind] = round(sum(counts) / len(counts)) if counts else None
    if broken:
        print("\n".join(f"  {line}" for line in broken))
        print(srv.log_tail())
        raise SystemExit(
            f"{len(broken)} benchmark URLs do not answer 200: not measuring a broken server"
        )
    return hits


def drive_types(srv: Server, mix: dict, hits: dict, args, title: str) -> dict:
    print(
        f"{title}: wrk -t{min(2, args.concurrency)} -c{args.concurrency} "
        f"-d{args.duration:.0f}s per query type",
        flush=True,
    )
    runs = {}
    for kind, paths in mix.items():
        r = drive.run_wrk(srv.base, paths, args.duration, args.concurrency)
        r["hits"] = hits[kind]
        runs[kind] = r
        ratio = "–" if r["hit_ratio"] is None else f"{r['hit_ratio']:.0%}"
        print(
            f"  {kind:17} p50 {r['p50_ms']:8.1f}  p95 {r['p95_ms']:8.1f}  "
            f"p99 {r['p99_ms']:8.1f} ms  {r['rps']:7.1f} req/s  {r['requests']:6} requests "
            f"/ {r['distinct_urls']:5} URLs  cache hits {ratio:>4}  errors {r['errors']}",
            flush=True,
        )
    return runs


def drive_server(url: str, args, label: str) -> dict:
    mix = drive.query_mix(args.size)
    exporting = not args.no_export
    if args.types:
        wanted = [t.strip() for t in args.types.split(",")]
        exporting = exporting and "export" in wanted
        unknown = [t for t in wanted if t not in mix and t != "export"]
        if unknown:
            raise SystemExit(f"unknown query types {unknown}; known: {', '.join(mix)}")
        mix = {t: mix[t] for t in ["ceiling", *wanted] if t in mix}
    again = drive.repeated(mix)
    # The URLs asked for before the run (checked, warm-up) are in the answer cache: left out.
    fresh = {kind: unseen(paths) for kind, paths in mix.items()}
    # The export line downloads every trial: the server's cap is the corpus size.
    env = {"EXPORT_MAX_TRIALS": str(args.size)}
    srv = Server(url, args.gunicorn_workers, OUT_DIR / f"gunicorn-{label}.log", args.port, env=env)
    print(f"starting gunicorn ({args.gunicorn_workers} workers) on {srv.base}", flush=True)
    out: dict = {"runs": {}}
    try:
        srv.start()
        hits = check_urls(srv, mix)
        if args.warmup > 0:
            # The repeated line's URLs only: the distinct ones stay unseen until measured.
            print(f"warming up: {args.warmup:.0f}s of mixed load", flush=True)
            all_paths = [p for paths in again.values() for p in paths]
            drive.run_wrk(srv.base, all_paths, args.warmup, args.concurrency)
        out["runs"] = drive_types(srv, fresh, hits, args, "distinct URLs")
        if not args.no_repeated:
            out["repeated"] = drive_types(srv, again, hits, args, "repeated URLs (secondary)")
        if exporting:
            print("exports: every trial, one download at a time (bench/export.py)", flush=True)
            out["export"] = export.run(srv.base, srv.worker_pids)
        out["memory"] = srv.memory()
        if args.keep:
            print(f"--keep: serving {srv.base} from {url.rsplit('/', 1)[-1]}; Ctrl-C stops it")
            while srv.proc and srv.proc.poll() is None:
                time.sleep(1)
    except KeyboardInterrupt:
        if not args.keep:
            raise
    finally:
        srv.stop()
    if not args.no_peer:
        out["peer"] = peer.run(url, fresh, args.duration, args.concurrency)
    return out
