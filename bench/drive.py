"""The query mix and the load generator (wrk, driven by a generated Lua script per query type)."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import shutil
import subprocess
import tempfile
from itertools import zip_longest
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench import corpus

WRK = shutil.which("wrk") or "/usr/bin/wrk"

DESCRIPTIONS = {
    "ceiling": "`/bench/ceiling`: the base template, no search work (the yardstick)",
    "no_filter": "`/`, `/?sort=…`: the search page with no filter (only these few URLs exist)",
    "one_facet": "`/?condition=…` (every condition, drug, country, status and phase of the corpus"
    ", then each again with every sort): one facet value selected",
    "three_facets": "`/?condition=…&phase=…&country=…`, `/?drug=…&status=…&country=…`: "
    "combinations of three facets",
    "rare_text": "`/?q=…`: words each in ~0.1% of trials (the rare band)",
    "common_text": "`/?q=…`: words each in ~1% of trials (the common band)",
    "very_common_text": "`/?q=…`: words each in ~20% of trials (the very common band), then "
    "each with every sort (240 words alone were fewer URLs than a run asks for)",
    "text_facets": "`/?q=…&condition=…&status=…`, `/?q=…&country=…`: a band word plus facets",
    "relaxed_text": "`/?q=<drug> zx123`: no trial has all the words, so the search relaxes to any "
    "(a drug's trials, best first); 1,500 distinct queries",
    "words_filters": "`/?q=<condition> <child word>` or `…not responding to <drug>`: words read as "
    "filters (age group; refractory and prior therapy); 1,500 distinct queries",
    "relaxed_plain": "relaxed_text's yardstick: `/?q=<drug>` alone, a plain text query of the "
    "same words (filler words the search drops make each URL distinct)",
    "words_plain": "words_filters' yardstick: `/?q=<condition>` alone, the words left to search "
    "after the readings, as a plain text query (filler words it drops: distinct URLs)",
    "pages": "`/?page=…` (and `&sort=…`): pages 2 to the last, no filter",
    "api": "`/api/trials/?…`: the JSON API, a facet value, a word or three facets",
    "drug_class": "`/?drug_class=…` (one class, or two: OR): trials testing a drug of the class; "
    "every class and pairs of classes (630 URLs)",
    "prior_therapy": "`/?prior_therapy=…` (a drug or class, or two: OR): trials requiring it to "
    "have failed; 1,500 distinct URLs",
    "near": "`/?near=…&within=…`: trials with a site near a place (a city of the corpus's sites, "
    "by name; ~1,200 distinct URLs, more than the workers' page caches hold)",
    "trial_page": "`/trials/<id>/`: the trial page of trials spread over the corpus",
    "api_trial": "`/api/trials/<id>/`: the API's trial detail of other trials",
}
# The secondary, repeated-URL line of each type cycles through its first few URLs, as the bench
# did before issue 15: after the first request of each, the answer cache serves them.
REPEATED_URLS = 4
# At most this many trial IDs (and pages) per type.
MAX_IDS = 2000
# Other orders than the default (last update): the same hits, another page.
SORTS = ("start", "enrollment")
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
# Distinct URLs of the drug_class and prior_therapy types: more than a worker's page cache
# holds (SEARCH_PAGE_CACHE, 256), so that cycling through them never answers from it.
DISTINCT_FACET_URLS = 1500
# `within` values of the `near` query type (km).
NEAR_WITHIN = (10, 25, 50, 100, 200, 400)


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _interleave(*lists: list) -> list:
    """Round robin over the lists (a short run sees some of each)."""
    out = []
    for group in zip_longest(*lists):
        out += [item for item in group if item is not None]
    return out


def _shuffled(items: list, salt: str) -> list:
    items = list(items)
    random.Random(f"{corpus.SEED}:{salt}").shuffle(items)
    return items


def _spread(size: int, count: int, start: int) -> list[int]:
    """`count` distinct trial numbers below `size`, spread over the corpus (a stride coprime
    with `size`), from `start` on."""
    stride = next(k for k in range(7919, size + 7919) if math.gcd(k, size) == 1)
    return [(start + k * stride) % size for k in range(min(count, size))]


def facet_params() -> list[list[tuple[str, str]]]:
    """Every value of the five facets the corpus has, one facet a URL, interleaved."""
    v = corpus.vocab()
    return _interleave(
        [[("condition", c["slug"])] for c in v.conditions],
        [[("drug", d["slug"])] for d in v.drugs],
        [[("country", code)] for code, _, _ in corpus.COUNTRIES],
        [[("status", s)] for s in corpus.STATUSES],
        [[("phase", p)] for p in PHASES],
    )


def three_facet_params() -> list[list[tuple[str, str]]]:
    """Combinations of three facets over the heads of the rankings, in a seeded order."""
    v = corpus.vocab()
    countries = [code for code, _, _ in corpus.COUNTRIES[:10]]
    by_condition = [
        [("condition", c["slug"]), ("phase", p), ("country", code)]
        for c in v.conditions[:10]
        for p in PHASES
        for code in countries
    ]
    by_drug = [
        [("drug", d["slug"]), ("status", s), ("country", code)]
        for d in v.drugs[:10]
        for s in list(corpus.STATUSES)[:8]
        for code in countries
    ]
    return _interleave(_shuffled(by_condition, "3c"), _shuffled(by_drug, "3d"))


def text_facet_params() -> list[list[tuple[str, str]]]:
    """A band word with facets: (very common word, condition, RECRUITING) and (common word,
    country); cycle lengths coprime with the word lists', so every pair is distinct."""
    words = corpus.band_words()
    very, common = words["very_common"][::-1], words["common"][::-1]
    conditions = [c["slug"] for c in corpus.vocab().conditions[:7]]
    countries = [code for code, _, _ in corpus.COUNTRIES[:7]]
    return _interleave(
        [
            [("q", very[k % len(very)]), ("condition", conditions[k % 7]), ("status", "RECRUITING")]
            for k in range(len(very) * 3)
        ],
        [[("q", common[k % len(common)]), ("country", countries[k % 7])] for k in range(1200)],
    )


def query_mix(size: int = 10_000) -> dict[str, list[str]]:
    """Query type -> its distinct URLs, in the order a run goes through them. Each text list
    starts with the planted word of its band (the repeated-URL line's first URL)."""
    planted = {kind: word for kind, (word, _) in corpus.PLANTED.items()}
    bands = corpus.band_words()
    facets = facet_params()
    sorted_facets = [[*p, ("sort", s)] for s in SORTS for p in facets]
    last_page = max(2, -(-size // 20))
    pages = _shuffled(range(2, last_page + 1), "pages")[:MAX_IDS]
    ids = _spread(size, 2 * MAX_IDS, size // 3)
    half = len(ids) // 2  # the trial pages' trials, then the API details' (others)
    return {
        "ceiling": ["/bench/ceiling"],
        "no_filter": ["/", *(_url("/", [("sort", s)]) for s in SORTS)],
        "one_facet": [_url("/", p) for p in facets + sorted_facets],
        "three_facets": [_url("/", p) for p in three_facet_params()],
        **{
            f"{band}_text": [_url("/", [("q", w)]) for w in [planted[band], *bands[band]]]
            for band in ("rare", "common")
        },
        # The band's 240 words, then each in every order: a run makes more requests than 240.
        "very_common_text": [
            _url("/", [("q", w), *sort])
            for sort in [[], *([("sort", s)] for s in SORTS)]
            for w in [planted["very_common"], *bands["very_common"]]
        ],
        "text_facets": [_url("/", p) for p in text_facet_params()],
        "pages": [_url("/", [("page", str(k))]) for k in pages]
        + [_url("/", [("page", str(k)), ("sort", s)]) for s in SORTS for k in pages],
        "api": [
            _url("/api/trials/", p)
            for p in _interleave(
                facets, [[("q", w)] for w in bands["common"]], three_facet_params()
            )
        ],
        "relaxed_text": relaxed_queries(),
        "relaxed_plain": plain_queries(relaxed_queries()),
        "words_filters": words_filter_queries(),
        "words_plain": plain_queries(words_filter_queries()),
        "drug_class": distinct_values("drug_class", corpus.class_slugs()),
        "prior_therapy": distinct_values(
            "prior_therapy",
            [*(drug["slug"] for drug in corpus.vocab().drugs), *corpus.class_slugs()],
        ),
        "near": near_urls(),
        "trial_page": [f"/trials/{corpus.trial_id(i)}/" for i in ids[:half]],
        "api_trial": [f"/api/trials/{corpus.trial_id(i)}/" for i in ids[half:]],
    }


def distinct_values(name: str, values: list[str], n: int = DISTINCT_FACET_URLS) -> list[str]:
    """`n` URLs each selecting other values of a facet: every value alone, then pairs (OR)."""
    urls = [_url("/", [(name, value)]) for value in values[:n]]
    pairs = itertools.combinations(values, 2)
    while len(urls) < n and (pair := next(pairs, None)):
        urls.append(_url("/", [(name, pair[0]), (name, pair[1])]))
    return urls


# Distinct URLs per type: many more than a worker's page and text-hit caches hold (256 each),
# so that a run rarely asks for one twice.
DISTINCT = 1500
CHILD_WORDS = ["daughter", "son", "kids", "child", "teen", "baby", "toddler", "children"]
FAILED = ["not responding to {}", "failed {}", "resistant to {}", "{} didn't work"]


def plain_queries(urls: list[str]) -> list[str]:
    """The yardstick of a type of worded queries (issue 14, point 9: no slower than a plain text
    query of the same frequency): each query's first words, up to the word the search reads or
    relaxes (the condition of "psoriasis daughter", the drug of "adalimumab zxaab"), searched
    plainly. Filler words make the URLs distinct without changing what is matched."""
    plain = []
    for i, url in enumerate(urls):
        words = parse_qs(urlsplit(url).query)["q"][0]
        first = _PLAIN_WORDS.match(words)[0].strip()
        # Filler the search drops ("psoriasis trial" searches psoriasis): a text of its own,
        # so that the per-worker text-hit cache (keyed by the text) carries no more than it
        # does for the worded queries.
        filler = PLAIN_FILLER[i // 7 % len(PLAIN_FILLER)]
        plain.append(_url("/", [("q", f"{first} {filler}".strip())]))
    return list(dict.fromkeys(plain))


PLAIN_FILLER = (
    "",
    "trial",
    "study",
    "trials",
    "studies",
    "research",
    "clinical trial",
    "treatment",
)
# The words of a worded query before what the search reads as a filter or relaxes away.
_PLAIN_WORDS = re.compile(
    r".*?(?=\s+(?:zx\w+|daughter|son|kids|child|children|teen|baby|toddler|not responding|"
    r"failed|resistant|\S+ didn't)\b|$)"
)


def relaxed_queries(n: int = DISTINCT) -> list[str]:
    """A drug's name and a word no trial has ("zx" and three letters: no digit, so no ID):
    every word together finds nothing, and the search relaxes to the drug's trials."""
    drugs = [drug["label"] for drug in corpus.vocab().drugs]
    return [_url("/", [("q", f"{drugs[i % len(drugs)]} zx{_letters(i)}")]) for i in range(n)]


def _letters(number: int) -> str:
    """Three letters for a number below 26**3 ("aaa", "aab", …): a word with no digit is no
    registry ID."""
    out = ""
    for _ in range(3):
        number, rest = divmod(number, 26)
        out = chr(ord("a") + rest) + out
    return out


def words_filter_queries(n: int = DISTINCT) -> list[str]:
    """A condition with a child word ("eczema daughter") or a failed drug ("psoriasis not
    responding to methotrexate"): words the search reads as filters; `n` distinct queries."""
    conditions = [condition["label"] for condition in corpus.vocab().conditions]
    drugs = [drug["label"] for drug in corpus.vocab().drugs]
    out: dict[str, None] = {}
    for i in range(20 * n):
        if len(out) >= n:
            break
        condition = conditions[i % len(conditions)]
        if i % 2:
            failed = FAILED[i // 2 % len(FAILED)].format(drugs[i // 3 % len(drugs)])
            out[_url("/", [("q", f"{condition} {failed}")])] = None
        else:
            child = CHILD_WORDS[i // 2 % len(CHILD_WORDS)]
            out[_url("/", [("q", f"{condition} {child}")])] = None
    return list(out)


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


def repeated(mix: dict[str, list[str]]) -> dict[str, list[str]]:
    """The secondary line: each type's first REPEATED_URLS URLs, cycled."""
    return {kind: urls[:REPEATED_URLS] for kind, urls in mix.items()}


# Thread i of T starts at URL i*n/T and goes on in order, so a run of fewer requests than URLs
# asks for each at most once. response() counts the portal's X-Answer-Cache header (sent only
# when PORTAL_BENCHMARK=1: "hit" or "miss" from the answer cache; absent where there is none).
LUA = """
local paths = %(paths)s
local nthreads = %(threads)d
local threads = {}

function setup(thread)
  thread:set("offset", math.floor(#threads * #paths / nthreads))
  table.insert(threads, thread)
end

function init(args)
  n = offset or 0
  hits = 0
  misses = 0
  phases = {}
  timed = 0
end

function request()
  local path = paths[(n %% #paths) + 1]
  n = n + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  local answer = headers["X-Answer-Cache"] or headers["x-answer-cache"]
  if answer == "hit" then
    hits = hits + 1
  elseif answer == "miss" then
    misses = misses + 1
  end
  -- Where the time went (trials/search/timing.py): "name;dur=ms, ..." summed per phase.
  local timing = headers["Server-Timing"] or headers["server-timing"]
  if timing then
    timed = timed + 1
    for name, dur in string.gmatch(timing, "([%%w_]+);dur=([%%d%%.]+)") do
      phases[name] = (phases[name] or 0) + tonumber(dur)
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local hit_total, miss_total, timed_total, totals = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    hit_total = hit_total + (thread:get("hits") or 0)
    miss_total = miss_total + (thread:get("misses") or 0)
    timed_total = timed_total + (thread:get("timed") or 0)
    for name, ms in pairs(thread:get("phases") or {}) do
      totals[name] = (totals[name] or 0) + ms
    end
  end
  local parts = {}
  for name, ms in pairs(totals) do
    table.insert(parts, string.format("\\"%%s\\": %%.3f", name, ms))
  end
  io.write(string.format(
    "BENCHJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"bytes\\": %%d, " ..
    "\\"p50_us\\": %%d, \\"p90_us\\": %%d, \\"p95_us\\": %%d, \\"p99_us\\": %%d, " ..
    "\\"mean_us\\": %%.1f, \\"max_us\\": %%d, " ..
    "\\"connect_errors\\": %%d, \\"read_errors\\": %%d, " ..
    "\\"write_errors\\": %%d, \\"status_errors\\": %%d, \\"timeouts\\": %%d, " ..
    "\\"cache_hits\\": %%d, \\"cache_misses\\": %%d, \\"timed\\": %%d, " ..
    "\\"phases_total_ms\\": {" .. table.concat(parts, ", ") .. "}}\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, hit_total, miss_total, timed_total))
end
"""


def _lua_list(paths: list[str]) -> str:
    return "{" + ", ".join(json.dumps(p) for p in paths) + "}"


def run_wrk(base: str, paths: list[str], duration: float, concurrency: int) -> dict:
    """Drive `base` through `paths` for `duration` seconds; latency in ms, throughput in req/s."""
    threads = max(1, min(2, concurrency))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mix.lua"
        script.write_text(LUA % {"paths": _lua_list(paths), "threads": threads})
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
    answered = raw["cache_hits"] + raw["cache_misses"]
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
        "sample_urls": paths[:REPEATED_URLS],
        "distinct_urls": len(set(paths)),
        # Requests per distinct URL: below 1, no URL was asked for twice.
        "repeat": round(raw["requests"] / len(set(paths)), 2),
        "cache_hits": raw["cache_hits"],
        "cache_misses": raw["cache_misses"],
        # None where the answers carry no X-Answer-Cache header (no answer cache there).
        "hit_ratio": round(raw["cache_hits"] / answered, 4) if answered else None,
        # Mean ms per request by phase, from the answers' Server-Timing (trials/search/timing.py).
        "phases_ms": {
            name: round(total / raw["timed"], 2)
            for name, total in sorted(raw["phases_total_ms"].items())
        }
        if raw["timed"]
        else {},
    }
