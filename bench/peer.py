"""The textbook PostgreSQL peer (issue 15): what the same searches cost done the plain way.

Same corpus database, no HTTP, no rendering: the stored weighted tsvector with its GIN index
(the portal's `search` column is exactly that), the count, one GROUP BY per facet (arrays
unnested), and a page of 20 (ranked by `ts_rank_cd` when there are words, else by last update).
A trial's page or API detail is its row read by key. The same distinct URLs as the HTTP run,
translated to SQL, through psycopg from `concurrency` threads (each on its own connection,
each starting at its share of the list as wrk's threads do) for the same duration.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import psycopg

from bench import db

PAGE_SIZE = 20
# Facet parameter -> (column, is an array).
FACETS = {
    "condition": ("conditions", True),
    "drug": ("drugs", True),
    "country": ("countries", True),
    "phase": ("phases", True),
    "drug_class": ("drug_classes", True),
    "prior_therapy": ("prior_therapies", True),
    "status": ("status", False),
}
KNOWN = {"q", "page", "sort", *FACETS}
ORDER = {"start": "start_date", "enrollment": "enrollment", "updated": "last_updated"}
QUERY = "websearch_to_tsquery('english', %s)"


def statements(url: str) -> list[tuple[str, list]] | None:
    """The SQL the peer runs for one of the bench's URLs (None: the peer has no such page)."""
    parts = urlsplit(url)
    path = parts.path
    if detail := re.fullmatch(r"/(?:api/)?trials/([^/]+)/", path):
        return [("SELECT record FROM trials_trial WHERE key = %s", [detail[1]])]
    if path not in ("/", "/api/trials/"):
        return None
    params = parse_qsl(parts.query)
    if any(name not in KNOWN for name, _ in params):
        return None  # a parameter the peer cannot translate (near, drug_class, …): not compared
    where, args = ["true"], []
    text = None
    for name, value in params:
        if name == "q":
            text = value
            where.append(f"search @@ {QUERY}")
            args.append(value)
        elif name in FACETS:
            column, is_array = FACETS[name]
            where.append(f"{column} @> %s" if is_array else f"{column} = %s")
            args.append([value] if is_array else value)
    cond = " AND ".join(where)
    # Column names and the fragments above are this module's own; values are parameters.
    out = [(f"SELECT count(*) FROM trials_trial WHERE {cond}", args)]  # noqa: S608
    for column, is_array in FACETS.values():
        value = "v" if is_array else column
        source = f"trials_trial, unnest({column}) v" if is_array else "trials_trial"
        out.append(
            (
                f"SELECT {value}, count(*) FROM {source} WHERE {cond} "  # noqa: S608
                f"GROUP BY {value} ORDER BY count(*) DESC",
                args,
            )
        )
    page = next((int(v) for n, v in params if n == "page" and v.isdigit()), 1)
    sort = next((v for n, v in params if n == "sort"), "")
    if text is not None and sort in ("", "relevance"):
        order, order_args = f"ts_rank_cd(search, {QUERY}) DESC", [text]
    else:
        order, order_args = f"{ORDER.get(sort, 'last_updated')} DESC NULLS LAST", []
    out.append(
        (
            f"SELECT key, title FROM trials_trial WHERE {cond} ORDER BY {order}, key "  # noqa: S608
            f"LIMIT {PAGE_SIZE} OFFSET {(max(page, 1) - 1) * PAGE_SIZE}",
            args + order_args,
        )
    )
    return out


def _percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1)))]


def drive(url: str, paths: list[str], duration: float, concurrency: int) -> dict:
    """Run the statements of `paths` in order from `concurrency` threads for `duration` s."""
    work = [s for s in (statements(p) for p in paths) if s is not None]
    if not work:
        return {}
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    deadline = time.perf_counter() + duration

    def worker(n: int) -> None:
        with db.connect(url, autocommit=True) as conn:
            conn.execute("SET work_mem = '32MB'")  # as the portal's connections (DB_WORK_MEM)
            k = n * len(work) // concurrency
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    for sql, args in work[k % len(work)]:
                        conn.execute(sql, args).fetchall()
                except psycopg.Error:  # counted, as wrk counts failed requests
                    errors[n] += 1
                latencies[n].append((time.perf_counter() - began) * 1000)
                k += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    done = sorted(ms for per_thread in latencies for ms in per_thread)
    if not done:
        return {}
    return {
        "requests": len(done),
        "distinct_urls": len(work),
        "rps": round(len(done) / seconds, 1),
        "p50_ms": round(_percentile(done, 50), 1),
        "p95_ms": round(_percentile(done, 95), 1),
        "p99_ms": round(_percentile(done, 99), 1),
        "errors": sum(errors),
    }


def run(url: str, mix: dict[str, list[str]], duration: float, concurrency: int) -> dict:
    """The peer over every type of `mix` it has an equivalent for (not the ceiling)."""
    print(
        f"textbook PostgreSQL peer: psycopg, {concurrency} threads, {duration:.0f}s per type",
        flush=True,
    )
    out = {}
    for kind, paths in mix.items():
        r = drive(url, paths, duration, concurrency)
        if not r:
            continue
        out[kind] = r
        print(
            f"  {kind:17} p50 {r['p50_ms']:8.1f}  p95 {r['p95_ms']:8.1f}  p99 {r['p99_ms']:8.1f} ms"
            f"  {r['rps']:7.1f} searches/s  {r['requests']:6} / {r['distinct_urls']:5} URLs"
            f"  errors {r['errors']}",
            flush=True,
        )
    return out
