"""Before/after on one machine: two checkouts' servers side by side, each query type driven on
both in turn, several rounds, the order flipped every type, so that the machine's drift hits
both alike. How issue 12's "within 10% of before on every line" was measured
(docs/benchmarks.md, session 6).

    python bench/ab.py BEFORE_CHECKOUT AFTER_CHECKOUT [--rounds 2] [--duration 30]

(a file, not `-m`: the `bench` package it drives with is BEFORE's, put first on sys.path).

Each checkout serves its own `portal_bench_100k` (built by its own `make bench --size 100k`)
from its own embedded PostgreSQL, through its own bench.server; the URL mix is BEFORE's
`bench.drive.query_mix()`, so both answer the same requests. Prints the median req/s and p95
per type.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

# Run by each checkout's interpreter under its pgembed: serve, print the base URL, wait for
# stdin to close.
_SERVE = """
import sys
from pathlib import Path
sys.path.insert(0, ".")
from bench import db
from bench.server import Server
server = Server(db.with_database(db.server_url(), "portal_bench_100k"), 4,
                Path(".data/bench/ab-gunicorn.log"))
server.start()
print(server.base, flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
"""


def _serve(root: Path) -> tuple[subprocess.Popen, str]:
    python = str(root / ".venv" / "bin" / "python")
    proc = subprocess.Popen(  # noqa: S603 - the checkouts' own interpreters
        [python, "-m", "portal.pgembed", "run", "--", python, "-c", _SERVE],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, proc.stdout.readline().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=30)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.before.resolve()))
    from bench import drive  # the BEFORE checkout's mix and wrk driver

    mix = drive.query_mix()
    servers = {
        name: _serve(root.resolve())
        for name, root in (("before", args.before), ("after", args.after))
    }
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        t: {"before": [], "after": []} for t in mix
    }
    try:
        every = [url for urls in mix.values() for url in urls]
        for _, base in servers.values():
            drive.run_wrk(base, every, 3, 4)  # warm-up
        for round_ in range(args.rounds):
            for position, (kind, urls) in enumerate(mix.items()):
                order = ("before", "after") if (round_ + position) % 2 == 0 else ("after", "before")
                for name in order:
                    run = drive.run_wrk(servers[name][1], urls, args.duration, 4)
                    results[kind][name].append((run["rps"], run["p95_ms"]))
                    print(round_, kind, name, run["rps"], run["p95_ms"], flush=True)
    finally:
        for proc, _ in servers.values():
            proc.stdin.close()
        for proc, _ in servers.values():
            proc.wait(timeout=60)
    print("| type | req/s before → after (median) | p95 ms before → after (median) |")
    print("|---|---|---|")
    for kind, by in results.items():
        rps = [statistics.median(r for r, _ in by[name]) for name in ("before", "after")]
        p95 = [statistics.median(p for _, p in by[name]) for name in ("before", "after")]
        change = (rps[1] - rps[0]) / rps[0] * 100
        line = f"{rps[0]:.0f} → {rps[1]:.0f} ({change:+.0f}%) | {p95[0]:.1f} → {p95[1]:.1f}"
        print(f"| {kind} | {line} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
