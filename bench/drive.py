"""The query mix and the load generator (wrk, driven by a generated Lua script per query type)."""

from __future__ import annotations

import itertools
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
    "relaxed_text": "`/?q=<drug> zx123`: no trial has all the words, so the search relaxes to any "
    "(a drug's trials, best first); 300 distinct queries, more than any per-URL cache holds",
    "words_filters": "`/?q=<condition> <child word>` or `…not responding to <drug>`: words read as "
    "filters (age group; refractory and prior therapy); 300 distinct queries",
    "page_50": "`/?page=50`: a deep page with no filter",
    "api": "`/api/trials/?condition=…`: the JSON API, one facet",
    "drug_class": "`/?drug_class=…` (one class, or two: OR): trials testing a drug of the class; "
    "300 distinct URLs, more than a worker's page cache holds",
    "prior_therapy": "`/?prior_therapy=…` (a drug or class, or two: OR): trials requiring it to "
    "have failed; 300 distinct URLs",
    "near": "`/?near=…&within=…`: trials with a site near a place (a city of the corpus's sites, "
    "by name; ~1,200 distinct URLs, more than the workers' page caches hold)",
}
# Distinct URLs of the drug_class and prior_therapy types: more than a worker's page cache
# holds (SEARCH_PAGE_CACHE, 256), so that cycling through them never answers from it.
DISTINCT_FACET_URLS = 300
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
        "relaxed_text": relaxed_queries(),
        "words_filters": words_filter_queries(),
        "page_50": ["/?page=50"],
        "api": [_url("/api/trials/", [("condition", c)]) for c in cond],
        "drug_class": distinct_values("drug_class", corpus.class_slugs()),
        "prior_therapy": distinct_values(
            "prior_therapy", [*head["drug_all"], *corpus.class_slugs()]
        ),
        "near": near_urls(),
    }


def distinct_values(name: str, values: list[str], n: int = DISTINCT_FACET_URLS) -> list[str]:
    """`n` URLs each selecting other values of a facet: every value alone, then pairs (OR)."""
    urls = [_url("/", [(name, value)]) for value in values[:n]]
    pairs = itertools.combinations(values, 2)
    while len(urls) < n and (pair := next(pairs, None)):
        urls.append(_url("/", [(name, pair[0]), (name, pair[1])]))
    return urls


# Distinct URLs per type: more than a worker's page and text-hit caches hold (256 each), so
# that cycling through them never answers from a cache.
DISTINCT = 300
CHILD_WORDS = ["daughter", "son", "kids", "child", "teen", "baby", "toddler", "children"]
FAILED = ["not responding to {}", "failed {}", "resistant to {}", "{} didn't work"]


def relaxed_queries(n: int = DISTINCT) -> list[str]:
    """A drug's name and a word no trial has (five characters: no ID, nothing to respell):
    every word together finds nothing, and the search relaxes to the drug's trials."""
    drugs = [drug["label"] for drug in corpus.vocab().drugs]
    return [_url("/", [("q", f"{drugs[i % len(drugs)]} zx{i:03d}")]) for i in range(n)]


def words_filter_queries(n: int = DISTINCT) -> list[str]:
    """A condition with a child word ("eczema daughter") or a failed drug ("psoriasis not
    responding to methotrexate"): words the search reads as filters."""
    conditions = [condition["label"] for condition in corpus.vocab().conditions]
    drugs = [drug["label"] for drug in corpus.vocab().drugs]
    out = []
    for i in range(n):
        condition = conditions[i % len(conditions)]
        if i % 2:
            failed = FAILED[i // 2 % len(FAILED)].format(drugs[i % len(drugs)])
            out.append(_url("/", [("q", f"{condition} {failed}")]))
        else:
            child = CHILD_WORDS[i // 2 % len(CHILD_WORDS)]
            out.append(_url("/", [("q", f"{condition} {child}")]))
    return out


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
