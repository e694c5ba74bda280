"""One query type's requests timed in one process, no HTTP: where the slow tail comes from.

    make profile PROFILE_ARGS="words_plain"            # every URL of the type, twice
    make profile PROFILE_ARGS="common_text --top 20 --cprofile"
    make profile PROFILE_ARGS="words_plain --fresh"    # a quarter warms, the rest timed once

Runs against the bench's corpus (`portal_bench_<size>`, built by `make bench --size …`)
through Django's test client with the answer cache off: the first pass warms the index, the
caches of the database and the code; the second is timed. That second pass finds what the
first one left in the per-process caches (a word's matches, a rank order made for words searched
twice): `--fresh` times what the bench's distinct URLs cost instead, warming on a quarter of the
type's URLs and timing each of the others once. Prints the mean, p50, p90 and p95 of
the second pass, then the slowest URLs with their phases (the Server-Timing header the bench
reads too). A process on its own is no server under load (the bench's p95 is about twice this
one's): compare runs of this tool with each other, before and after a change.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import time

from bench import db
from bench.__main__ import parse_size, size_label


def _phases(header: str) -> dict[str, float]:
    parts = (part.split(";dur=") for part in header.split(", ") if ";dur=" in part)
    return {name: float(value) for name, value in parts}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("type", help="a query type of bench.drive (words_plain, one_facet, …)")
    p.add_argument("--size", type=parse_size, default="100k", help="the bench corpus (100k, 1M)")
    p.add_argument("--top", type=int, default=12, help="how many of the slowest URLs to print")
    p.add_argument("--limit", type=int, default=0, help="only the type's first N URLs")
    p.add_argument("--cprofile", action="store_true", help="profile the timed pass")
    p.add_argument("--lines", type=int, default=40, help="how many of the profile's lines")
    p.add_argument("--sort", default="cumulative", help="the profile's order (or tottime, …)")
    p.add_argument(
        "--fresh",
        action="store_true",
        help="as the bench's distinct URLs: warm on the first quarter of the URLs, then time"
        " each of the others once (default: every URL warmed, then timed again)",
    )
    args = p.parse_args()

    url = db.with_database(db.server_url(), f"portal_bench_{size_label(args.size).lower()}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.update(PORTAL_BENCHMARK="1", SEARCH_PAGE_CACHE="0", RATE_LIMIT_PAGES="0")
    os.environ["RATE_LIMIT_API"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from bench import drive
    from portal.gunicorn_worker import Housekeeping
    from trials.search.index import get_index

    settings.ALLOWED_HOSTS = ["*"]
    get_index()
    gc.collect()
    gc.freeze()  # as gunicorn's master before it forks (portal/gunicorn_conf.py)
    housekeeping = Housekeeping()  # and as its workers between requests
    housekeeping.start()
    urls = drive.query_mix(args.size)[args.type]
    urls = urls[: args.limit] if args.limit else urls
    warm = urls[: len(urls) // 4] if args.fresh else urls
    urls = urls[len(warm) :] if args.fresh else urls
    client = Client()
    for path in warm:
        client.get(path)
        housekeeping.after_request()
    profile = cProfile.Profile() if args.cprofile else None
    timed = []
    for path in urls:
        if profile:
            profile.enable()
        began = time.perf_counter()
        response = client.get(path)
        took = (time.perf_counter() - began) * 1000
        if profile:
            profile.disable()
        timed.append((took, path, _phases(response.get("Server-Timing", ""))))
        del response  # a worker keeps nothing of a response after it has gone
        housekeeping.after_request()
    ms = sorted(took for took, *_ in timed)
    print(
        f"{args.type}: {len(ms)} URLs, mean {statistics.mean(ms):.1f} ms, "
        f"p50 {ms[len(ms) // 2]:.1f}, p90 {ms[int(len(ms) * 0.9)]:.1f}, "
        f"p95 {ms[int(len(ms) * 0.95)]:.1f}"
    )
    means: dict[str, float] = {}
    for _took, _path, phases in timed:
        for name, value in phases.items():
            means[name] = means.get(name, 0.0) + value / len(timed)
    print("mean phases: " + " ".join(f"{n} {v:.2f}" for n, v in means.items() if n != "dbn"))
    for took, path, phases in sorted(timed, reverse=True)[: args.top]:
        shown = " ".join(f"{name} {ms:.1f}" for name, ms in phases.items() if name != "dbn")
        print(f"{took:7.1f}  {path[:64]:64}  {shown}")
    if profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
