"""`make bench` itself (issue 15, point 1): distinct URLs, the band words, the answer-cache
count in wrk's script, and the textbook peer's SQL."""

import hashlib
import http.server
import json
import shutil
import threading

import pytest
from django.db import connection

from bench import corpus, drive, peer

SEARCH_TYPES = [
    "one_facet",
    "three_facets",
    "rare_text",
    "common_text",
    "very_common_text",
    "text_facets",
    "pages",
    "api",
    "trial_page",
    "api_trial",
]


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_every_type_has_hundreds_of_distinct_urls(size):
    mix = drive.query_mix(size)
    assert set(mix) == set(drive.DESCRIPTIONS)
    for kind, urls in mix.items():
        assert len(set(urls)) == len(urls), kind
    # Every type but the yardstick and no filter (of which only a few URLs exist).
    for kind in set(mix) - {"ceiling", "no_filter"}:
        assert len(mix[kind]) >= 200, kind


def test_trial_ids_exist_in_a_corpus_of_that_size():
    mix = drive.query_mix(1_000)
    ids = [url.rstrip("/").rsplit("/", 1)[1] for url in mix["trial_page"] + mix["api_trial"]]
    assert len(set(ids)) == len(ids) == 1_000
    assert len(mix["trial_page"]) == len(mix["api_trial"]) == 500
    assert {int(tid.removeprefix("NCT9")) for tid in ids} == set(range(1_000))
    pages = {int(url.split("page=")[1].split("&")[0]) for url in mix["pages"]}
    assert max(pages) == 50


def test_the_repeated_line_keeps_the_planted_words():
    again = drive.repeated(drive.query_mix())
    for band, (word, _) in corpus.PLANTED.items():
        assert again[f"{band}_text"][0] == f"/?q={word}"
    assert all(len(urls) <= drive.REPEATED_URLS for urls in again.values())


def test_band_words_are_distinct_and_new():
    bands = corpus.band_words()
    every = [word for words in bands.values() for word in words]
    assert len(set(every)) == len(every) == sum(count for _, count in corpus.BANDS.values())
    planted = {word for word, _ in corpus.PLANTED.values()}
    assert not set(every) & (set(corpus.WORDS) | planted)


@pytest.mark.django_db
def test_the_english_stemmer_leaves_each_band_word_alone():
    every = [word for words in corpus.band_words().values() for word in words]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(lexeme) FROM unnest(to_tsvector('english', %s))", [" ".join(every)]
        )
        lexemes = cursor.fetchone()[0]
        cursor.execute(
            "SELECT array_agg(DISTINCT lexeme) FROM unnest(to_tsvector('english', %s))",
            [" ".join(corpus.WORDS)],
        )
        corpus_lexemes = set(cursor.fetchone()[0])
    assert sorted(lexemes) == sorted(every)
    assert not corpus_lexemes & set(every)


def test_records_carry_band_words_and_the_import_studies_did_not_change():
    bands = corpus.band_words()
    record = corpus.make_record(0)
    plain = corpus.make_record(0, bands=False)
    # Drawn from a generator of their own: every other field is as without them.
    assert record["title"] == plain["title"] and record["sites"] == plain["sites"]
    text = record["summary"] + " " + " ".join(record["criteria"]["inclusion"])
    assert any(word in text for word in bands["very_common"])
    # The import benchmark's studies are those of generator version 3 (compare import rates).
    studies = json.dumps([corpus.make_ctgov_study(i) for i in range(5)], sort_keys=True)
    assert (
        hashlib.sha256(studies.encode()).hexdigest()
        == "890523074fcdc1678738891bd485a664d35ec960350a1ee71eabfda1a24472be"
    )


class _Answers(http.server.BaseHTTPRequestHandler):
    """Says hit for even paths, miss for odd ones; no header for /none/."""

    seen: list[str] = []

    def do_GET(self):
        self.seen.append(self.path)
        self.send_response(200)
        if not self.path.startswith("/none/"):
            number = int(self.path.rsplit("/", 1)[1])
            self.send_header("X-Answer-Cache", "miss" if number % 2 else "hit")
            self.send_header("Server-Timing", "parse;dur=0.50, text;dur=2.25, dbn;dur=3")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (make bench-deps)")
def test_wrk_counts_the_answer_cache_header_and_threads_start_apart():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        paths = [f"/p/{n}" for n in range(100_000)]
        r = drive.run_wrk(base, paths, 1, 2)
        assert r["requests"] > 10
        assert r["cache_hits"] + r["cache_misses"] == r["requests"]
        assert 0.3 < r["hit_ratio"] < 0.7
        assert r["distinct_urls"] == 100_000
        # Thread 0 starts at the first URLs, thread 1 half-way through the list (wrk may take
        # a request or two before the first it sends).
        asked = {int(path.rsplit("/", 1)[1]) for path in _Answers.seen}
        assert any(n < 10 for n in asked) and any(50_000 <= n < 50_010 for n in asked)
        # The phases the answers' Server-Timing said, as means per request.
        assert r["phases_ms"] == {"dbn": 3.0, "parse": 0.5, "text": 2.25}
        none = drive.run_wrk(base, ["/none/1", "/none/2"], 1, 1)
        assert none["hit_ratio"] is None and none["cache_hits"] == 0
        assert none["phases_ms"] == {}
    finally:
        server.shutdown()


@pytest.mark.django_db
def test_the_peer_sql_runs_for_every_type():
    mix = drive.query_mix(1_000)
    assert peer.statements("/bench/ceiling") is None
    assert peer.statements("/?q=lupus&near=Boston") is None  # not translated: not compared
    with connection.cursor() as cursor:
        for kind, urls in mix.items():
            for url in urls[:3]:
                for sql, args in peer.statements(url) or []:
                    cursor.execute(sql, args)
                    cursor.fetchall()
            if kind in SEARCH_TYPES and kind not in ("trial_page", "api_trial"):
                # The count, one GROUP BY per facet, a page.
                assert len(peer.statements(urls[0])) == 2 + len(peer.FACETS)


def _minute(number: int, workers_mb: float, errors: int = 0, p95: float = 20.0) -> dict:
    return {"minute": number, "errors": errors, "p95_ms": p95, "workers_sum_mb": workers_mb}


def _soak(minutes: list[dict], size: int = 10_000) -> dict:
    return {
        "size": size,
        "minutes": minutes,
        "syncs": [0, 0],
        "imports": ["done"],
    }


def test_the_soak_judges_errors_memory_growth_and_p95():
    from bench import soak

    good = soak.checks(_soak([_minute(1, 400), _minute(2, 430), _minute(3, 439)]))
    assert all(ok for ok, _ in good), good
    grown = soak.checks(_soak([_minute(1, 400), _minute(2, 441)]))
    assert next(line for ok, line in grown if not ok).startswith("soak: web workers' memory")
    failed = soak.checks(_soak([_minute(1, 400, errors=1), _minute(2, 400)]))
    assert not failed[0][0]
    slow = soak.checks(_soak([_minute(1, 400, p95=80.0)], size=100_000))
    assert any(not ok and "p95" in line for ok, line in slow)
    broken = _soak([_minute(1, 400)]) | {"imports": ["done", "failed"]}
    assert not all(ok for ok, _ in soak.checks(broken))
    assert not all(ok for ok, _ in soak.checks(_soak([_minute(1, 400)]) | {"syncs": [0, 1]}))


def test_the_soak_drives_every_type_but_the_yardstick():
    mix = drive.query_mix(10_000)
    urls = drive._interleave(*(urls for kind, urls in mix.items() if kind != "ceiling"))
    assert "/bench/ceiling" not in urls
    assert len(set(urls)) >= 200 * (len(mix) - 2)


def test_the_phase_table_lists_the_phases_any_type_has_in_request_order():
    from bench import report

    runs = {
        "ceiling": {"phases_ms": {"db": 0.0, "dbn": 0.0, "total": 0.4}},
        "rare_text": {"phases_ms": {"total": 30.0, "text": 12.5, "parse": 0.4, "db": 14.0}},
        "no_timing": {},
    }
    rows = report.phase_rows(runs)
    assert rows[0] == ["type", "parse", "text", "db", "dbn", "total"]
    assert rows[2] == ["rare_text", "0.4", "12.5", "14.0", "–", "30.0"]
    assert len(rows) == 3
    assert report.phase_table(runs, markdown=True).startswith("| type | parse | text |")


def test_a_corpus_is_migrated_forward_only_when_migrations_were_added():
    from bench.__main__ import _only_added

    wanted = {"generator_version": "4", "size": "10000", "migrations": "a,b,c"}
    assert _only_added(wanted | {"migrations": "a,b"}, wanted)
    assert not _only_added(wanted, wanted)  # nothing to do
    assert not _only_added(wanted | {"migrations": "a,x"}, wanted)  # one changed or removed
    assert not _only_added(wanted | {"migrations": "a", "generator_version": "3"}, wanted)


def test_the_export_checks_judge_time_completeness_and_memory():
    from bench import export

    fast = {"seconds": 12.0, "trials": 100_000, "matching": 100_000, "truncated": False}
    lines = export.checks(100_000, {"csv": fast | {"rss_growth_mb": 3.0}})
    assert [ok for ok, _ in lines] == [True, True]
    slow = fast | {"seconds": 31.0, "rss_growth_mb": 80.0}
    assert [ok for ok, _ in export.checks(100_000, {"csv": slow})] == [False, False]
    cut = fast | {"trials": 10_000, "truncated": True, "rss_growth_mb": 1.0}
    assert not export.checks(100_000, {"jsonl": cut})[0][0]
    assert "informational" in export.checks(10_000, {"csv": fast | {"rss_growth_mb": 1}})[0][1]


@pytest.mark.django_db(transaction=True)
def test_the_export_line_downloads_every_trial_and_watches_memory(live_server):
    import os

    from django.core.management import call_command

    from bench import export
    from trials.models import Trial

    from .conftest import SEEDS

    if not Trial.objects.exists():
        call_command("import_trials", str(SEEDS), verbosity=0)
    measured = export.download(live_server.url, "/export/trials.csv", lambda: [os.getpid()])
    assert measured["trials"] == measured["matching"] == 5 and not measured["truncated"]
    assert measured["bytes"] > 1000 and measured["seconds"] > 0
    assert measured["rss_before_mb"] > 0 and measured["rss_peak_mb"] >= measured["rss_before_mb"]
    assert "5 trials" in export.line("csv", measured)


def test_the_targets_are_issue_15s_per_type():
    """p95 50 ms (30 for the trial page), a share of the ceiling's throughput (25% for facet
    types, 10% for text types), and a text type within the peer's p95 plus the ceiling's."""
    from bench import report

    def run(p95, rps):
        return {"p95_ms": p95, "rps": rps, "errors": 0}

    result = {
        "size": 100_000,
        "runs": {
            "ceiling": run(10.0, 1000.0),
            "one_facet": run(45.0, 260.0),
            "common_text": run(45.0, 90.0),
            "trial_page": run(31.0, 300.0),
        },
        "peer": {"common_text": {"p95_ms": 30.0}},
    }
    verdicts = {line: ok for ok, line in report.checks(result)}
    assert verdicts["one_facet: p95 45.0 ms ≤ 50 (100k target)"]
    assert verdicts["one_facet: 26% of ceiling ≥ 25% (100k target)"]
    assert not verdicts["common_text: 9% of ceiling ≥ 10% (100k target)"]
    assert not verdicts["common_text: p95 45.0 ms ≤ peer's 30.0 + ceiling's 10.0 (100k target)"]
    assert not verdicts["trial_page: p95 31.0 ms ≤ 30 (100k target)"]
    at_1m = report.checks(result | {"size": 1_000_000})
    assert all(ok for ok, _ in at_1m) and len(at_1m) == 3
