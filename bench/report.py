"""The results: a console table, a markdown table for docs/benchmarks.md, target checks, JSON."""

from __future__ import annotations

import json
from pathlib import Path

from bench import export

MEMORY_LIMIT_MB = 400
IMPORT_TARGET = 1000  # records/s (issue 13 point 3)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _rows(runs: dict, peer: dict | None = None) -> list[list[str]]:
    ceiling = (runs.get("ceiling") or {}).get("rps")
    rows = []
    for kind, r in runs.items():
        share = r["rps"] / ceiling if ceiling else None
        row = [
            kind,
            str(r.get("distinct_urls", "–")),
            str(r["requests"]),
            _fmt(r.get("repeat"), 2),
            _ratio(r.get("hit_ratio")),
            "–" if r.get("hits") is None else str(r["hits"]),
            _fmt(r["p50_ms"]),
            _fmt(r["p95_ms"]),
            _fmt(r["p99_ms"]),
            _fmt(r["rps"], 0),
            _ratio(share),
            str(r["errors"]),
        ]
        if peer is not None:
            row.append(_fmt((peer.get(kind) or {}).get("p95_ms")))
        rows.append(row)
    return rows


HEADER = [
    "query type",
    "URLs",
    "requests",
    "req/URL",
    "cache hits",
    "hits",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "req/s",
    "of ceiling",
    "errors",
]
PEER_HEADER = "peer p95 ms"


def console_table(runs: dict, peer: dict | None = None) -> str:
    header = HEADER + ([PEER_HEADER] if peer is not None else [])
    rows = [header, *_rows(runs, peer)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# The phases of trials/search/timing.py, in a request's order; `db` overlaps the others.
PHASES = (
    "parse",
    "text",
    "spelling",
    "masks",
    "counts",
    "page",
    "lookup",
    "related",
    "present",
    "render",
    "db",
    "dbn",
    "total",
)


def phase_rows(runs: dict) -> list[list[str]]:
    """Where the time goes: each type's mean ms per request by phase (Server-Timing), the
    phases any type has; the header first. `dbn` is database round trips a request."""
    seen = {name for r in runs.values() for name in r.get("phases_ms") or {}}
    names = [name for name in PHASES if name in seen] + sorted(seen - set(PHASES))
    rows = [["type", *names]]
    for kind, r in runs.items():
        phases = r.get("phases_ms") or {}
        if phases:
            rows.append([kind, *(_fmt(phases.get(name), 1) for name in names)])
    return rows if len(rows) > 1 else []


def phase_table(runs: dict, markdown: bool = False) -> str:
    rows = phase_rows(runs)
    if not rows:
        return ""
    if markdown:
        out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
        return "\n".join(out + ["| " + " | ".join(row) + " |" for row in rows[1:]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        lines.append("  ".join([row[0].ljust(widths[0]), *cells]))
    return "\n".join(lines)


def _markdown(runs: dict, peer: dict | None = None) -> list[str]:
    header = HEADER + ([PEER_HEADER] if peer is not None else [])
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(row) + " |" for row in _rows(runs, peer)]


def markdown_table(result: dict) -> str:
    out = _markdown(result["runs"], result.get("peer"))
    if phases := phase_table(result["runs"], markdown=True):
        out += ["", "Where the time goes (server side, mean ms per request; `db` overlaps):", ""]
        out += [phases]
    if result.get("repeated"):
        out += ["", "Repeated URLs (secondary: each type's first few URLs, cycled):", ""]
        out += _markdown(result["repeated"])
    mem = result.get("memory") or {}
    m = result["machine"]
    out.append("")
    out.append(
        f"{result['size_label']} trials, {result['date']}, {m['nproc']} cores, "
        f"{m['mem_total_gb']} GB RAM, PostgreSQL {m['postgres']}, git {m['git']}, "
        f"load average {m['loadavg_before']:.1f} before; "
        f"wrk -t{result['threads']} -c{result['concurrency']} -d{result['duration']}s per type; "
        f"gunicorn {result['gunicorn_workers']} workers, worker RSS after the run: "
        f"max {_fmt(mem.get('workers_max_mb'), 0)} MB, sum {_fmt(mem.get('workers_sum_mb'), 0)} MB."
    )
    for fmt, measured in (result.get("export") or {}).items():
        out.append("")
        out.append("Export:" + export.line(fmt, measured).removeprefix("  export"))
    return "\n".join(out)


# Issue 15's targets for the distinct-URL runs (point 2). At 100k: p95 per type, and a type's
# throughput as a share of the ceiling page's; a text type's p95 also at most the peer's (same
# corpus, no HTTP) plus the ceiling page's own p95 (what HTTP and a template cost). At 1M: p95.
P95_MS_100K = 50
P95_MS_100K_TRIAL = 30  # the trial page (and the API's trial detail)
P95_MS_1M = 200
SHARE_FACET, SHARE_TEXT = 0.25, 0.10
TRIAL_TYPES = ("trial_page", "api_trial")
# The types whose URLs search words (the API's mix has them too).
TEXT_TYPES = (
    "rare_text",
    "common_text",
    "very_common_text",
    "text_facets",
    "relaxed_text",
    "words_filters",
    "relaxed_plain",
    "words_plain",
    "api",
)


def checks(result: dict) -> list[tuple[bool, str]]:
    """Issue 15's targets (and issue 13's import and sync rates) as (passed, line)."""
    size = result["size"]
    runs = result.get("runs") or {}
    peer = result.get("peer") or {}
    out: list[tuple[bool, str]] = []
    if runs:
        ceiling = runs["ceiling"]
        note = "100k target" if size >= 100_000 else "100k target, informational at this size"
        for kind, r in runs.items():
            if r["errors"]:
                out.append((False, f"{kind}: {r['errors']} failed requests (non-2xx or socket)"))
            if kind == "ceiling":
                continue
            if size >= 1_000_000:
                limit = P95_MS_1M
                out.append(
                    (r["p95_ms"] <= limit, f"{kind}: p95 {r['p95_ms']:.1f} ms ≤ {limit} (1M)")
                )
                continue
            limit = P95_MS_100K_TRIAL if kind in TRIAL_TYPES else P95_MS_100K
            out.append(
                (r["p95_ms"] <= limit, f"{kind}: p95 {r['p95_ms']:.1f} ms ≤ {limit} ({note})")
            )
            floor = SHARE_TEXT if kind in TEXT_TYPES else SHARE_FACET
            share = r["rps"] / ceiling["rps"]
            out.append((share >= floor, f"{kind}: {share:.0%} of ceiling ≥ {floor:.0%} ({note})"))
            if kind in TEXT_TYPES and (peer.get(kind) or {}).get("p95_ms") is not None:
                allowed = peer[kind]["p95_ms"] + ceiling["p95_ms"]
                out.append(
                    (
                        r["p95_ms"] <= allowed,
                        f"{kind}: p95 {r['p95_ms']:.1f} ms ≤ peer's {peer[kind]['p95_ms']:.1f} "
                        f"+ ceiling's {ceiling['p95_ms']:.1f} ({note})",
                    )
                )
    mem = result.get("memory") or {}
    if mem.get("workers_max_mb") is not None:
        note = "" if size >= 1_000_000 else " (1M target, informational at this size)"
        out.append(
            (
                mem["workers_max_mb"] <= MEMORY_LIMIT_MB,
                f"web worker memory: max {mem['workers_max_mb']:.0f} MB per worker "
                f"≤ {MEMORY_LIMIT_MB}{note}",
            )
        )
    if result.get("export"):
        out += export.checks(size, result["export"])
    imp = result.get("import") or {}
    if imp.get("records_per_s"):
        out.append(
            (
                imp["records_per_s"] >= IMPORT_TARGET and not imp.get("exit_code"),
                f"CT.gov JSON import: {imp['records_per_s']:.0f} records/s ≥ {IMPORT_TARGET} "
                f"(issue 13; {imp['studies']} studies, exit {imp.get('exit_code')})",
            )
        )
    synced = result.get("sync") or {}
    if synced.get("studies_per_s"):
        out.append(
            (
                synced["studies_per_s"] >= IMPORT_TARGET and not synced.get("exit_code"),
                f"CT.gov sync through the fake registry: {synced['studies_per_s']:.0f} studies/s "
                f"≥ {IMPORT_TARGET} (issue 13; {synced['studies']} studies, "
                f"exit {synced.get('exit_code')})",
            )
        )
    return out


def print_checks(lines: list[tuple[bool, str]]) -> None:
    for passed, line in lines:
        print(f"{'PASS' if passed else 'FAIL'}  {line}")


def write_json(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
