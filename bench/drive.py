"""The query mix and the load generator (wrk, driven by a generated Lua script per query type)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from bench import corpus

WRK = shutil.which("wrk") or "/usr/bin/wrk"

DESCRIPTIONS = {
    "ceiling": "`/bench/ceiling`: the base template, no search work (the yardstick)",
    "no_filter": "`/`: the search page with no filter (every trial counted, all facets)",
    "one_facet": "`/?condition=…` (or drug, country, phase, status): one facet value selected",
    "three_facets": "`/?condition=…&phase=…&country=…` and similar: three facets selected",
    "rare_text": "`/?q=…`: a word in ~0.1% of trials",
    "common_text": "`/?q=…`: a word in ~1% of trials",
    "very_common_text": "`/?q=…`: a word in ~20% of trials",
    "text_facets": "`/?q=…&condition=…&status=…`: text plus facets",
    "page_50": "`/?page=50`: a deep page with no filter",
    "api": "`/api/trials/?condition=…`: the JSON API, one facet",
    "near": "`/?near=…&within=…`: trials with a site near a place (a city of the corpus's sites, "
    "by name; ~1,200 distinct URLs, more than the workers' page caches hold)",
}
# `within` values of the `near` query type (km).
NEAR_WITHIN = (10, 25, 50, 100, 200, 400)


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def query_mix() -> dict[str, list[str]]:
    """Query type -> the URLs it cycles through (parameter values from the corpus's heads)."""
    head = corpus.head_values(8)
    cond, drug, country = head["condition"], head["drug"], head["country"]
    word = {kind: w for kind, (w, _) in corpus.PLANTED.items()}
    phases = ["PHASE2", "PHASE3", "PHASE1", "PHASE4"]
    return {
        "ceiling": ["/bench/ceiling"],
        "no_filter": ["/"],
        "one_facet": [
            _url("/", [("condition", cond[0])]),
            _url("/", [("drug", drug[1])]),
            _url("/", [("country", country[2])]),
            _url("/", [("status", "RECRUITING")]),
            _url("/", [("condition", cond[4])]),
            _url("/", [("phase", "PHASE3")]),
            _url("/", [("drug", drug[6])]),
            _url("/", [("country", country[0])]),
        ],
        "three_facets": [
            _url(
                "/", [("condition", cond[i % 4]), ("phase", phases[i % 4]), ("country", country[i])]
            )
            for i in range(4)
        ]
        + [
            _url("/", [("drug", drug[i]), ("status", "RECRUITING"), ("country", country[i + 1])])
            for i in range(4)
        ],
        "rare_text": [_url("/", [("q", word["rare"])])],
        "common_text": [_url("/", [("q", word["common"])])],
        "very_common_text": [_url("/", [("q", word["very_common"])])],
        "text_facets": [
            _url(
                "/", [("q", word["very_common"]), ("condition", cond[0]), ("status", "RECRUITING")]
            ),
            _url("/", [("q", word["common"]), ("country", country[0])]),
            _url("/", [("q", word["very_common"]), ("drug", drug[0]), ("phase", "PHASE3")]),
            _url(
                "/", [("q", word["very_common"]), ("condition", cond[2]), ("country", country[1])]
            ),
        ],
        "page_50": ["/?page=50"],
        "api": [_url("/api/trials/", [("condition", c)]) for c in cond],
        "near": near_urls(),
    }


def near_urls() -> list[str]:
    """Every corpus city by name and country ("Lyon, France"), with each `within`, in the
    default order (distance) and by last update: distinct places per request, interleaved so
    that consecutive requests ask for different places."""
    places = [f"{city}, {name}" for _, name, cities in corpus.COUNTRIES for city in cities]
    combos = [(within, sort) for sort in ("", "updated") for within in NEAR_WITHIN]
    urls = []
    for within, sort in combos:
        for place in places:
            params = [("near", place), ("within", str(within))]
            urls.append(_url("/", params + ([("sort", sort)] if sort else [])))
    return urls


LUA = """
local paths = %(paths)s
local threads = 0
local n = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  n = offset or 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"bytes\\": %%d, " ..
    "\\"p50_us\\": %%d, \\"p90_us\\": %%d, \\"p95_us\\": %%d, \\"p99_us\\": %%d, " ..
    "\\"mean_us\\": %%.1f, \\"max_us\\": %%d, " ..
    "\\"connect_errors\\": %%d, \\"read_errors\\": %%d, " ..
    "\\"write_errors\\": %%d, \\"status_errors\\": %%d, \\"timeouts\\": %%d}\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _lua_list(paths: list[str]) -> str:
    return "{" + ", ".join(json.dumps(p) for p in paths) + "}"


def run_wrk(base: str, paths: list[str], duration: float, concurrency: int) -> dict:
    """Drive `base` through `paths` for `duration` seconds; latency in ms, throughput in req/s."""
    threads = max(1, min(2, concurrency))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mix.lua"
        script.write_text(LUA % {"paths": _lua_list(paths)})
        cmd = [
            WRK,
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{max(1, round(duration))}s",
            "--latency",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base,
        ]
        proc = subprocess.run(  # noqa: S603 - wrk on loopback with our own script
            cmd, capture_output=True, text=True, check=False, timeout=duration + 60
        )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout}")
    raw = json.loads(line.removeprefix("BENCHJSON "))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in raw if k.endswith("_errors")) + raw["timeouts"]
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "non_2xx_3xx": raw["status_errors"],
        "urls": paths,
    }
