"""How the web workers are set up for scale: the index built once in gunicorn's master, the
database connections' work_mem, and the bounded text-hit cache."""

import gc
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from trials.search import cache, fulltext, index, words
from trials.web import warm

pytestmark = pytest.mark.django_db

CONF = Path(__file__).resolve().parent.parent / "portal" / "gunicorn_conf.py"


def _conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Server:
    def __init__(self):
        self.lines = []
        self.log = self

    def info(self, message, *args):
        self.lines.append(("info", message % args))

    def warning(self, message, *args):
        self.lines.append(("warning", message % args))


def test_gunicorn_preloads_the_app_and_builds_the_index_before_forking(
    monkeypatch, settings, caplog
):
    conf = _conf()
    assert conf.preload_app is True
    closed = []
    monkeypatch.setattr("django.db.connections.close_all", lambda: closed.append(True))
    # What a worker's first searches built (~0.7 s at 100k trials), not yet built.
    monkeypatch.setattr(warm, "_searched", False)
    words._vocabulary.cache_clear()
    settings.SEARCH_PAGE_CACHE = 64
    settings.RATE_LIMIT_PAGES = settings.RATE_LIMIT_API = 1
    server = _Server()
    conf.when_ready(server)
    assert index.peek() is not None and index.peek().row_count == 5  # the seeds
    assert server.lines[0] == ("info", "facet index built in the master: 5 trials")
    assert re.fullmatch(r"pages warmed in the master in \d+\.\d s", server.lines[1][1])
    assert len(server.lines) == 2
    assert not [r for r in caplog.records if r.name == "trials.web.warm"]  # every page 200
    assert closed == [True]  # no worker inherits the master's connection
    # … built in the master: each worker starts with it.
    assert warm._searched and words._vocabulary.cache_info().currsize == 1
    assert len(cache.PAGES) == 0  # no page kept that nobody asked for
    with connection.cursor() as cursor:  # nor counted against anyone's rate limit
        cursor.execute("SELECT count(*) FROM trials_rate_window")
        assert cursor.fetchone()[0] == 0
    # What the master made is out of the collector's reach: workers' full collections skip it.
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()


def _when_ready_with(monkeypatch, module, name: str, message: str) -> list[tuple[str, str]]:
    """What the master logs when `module.name` raises RuntimeError(message)."""
    conf = _conf()
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)

    def broken():
        raise RuntimeError(message)

    monkeypatch.setattr(module, name, broken)
    server = _Server()
    conf.when_ready(server)
    gc.unfreeze()
    return server.lines


def test_a_failed_build_in_the_master_leaves_it_to_the_workers(monkeypatch):
    lines = _when_ready_with(monkeypatch, index, "get_index", "no tables yet")
    assert lines[0] == ("warning", "facet index not built in the master (no tables yet)")


def test_a_failed_warming_in_the_master_leaves_it_to_the_workers(monkeypatch):
    assert _when_ready_with(monkeypatch, warm, "warm", "no vocabulary") == [
        ("info", "facet index built in the master: 5 trials"),
        ("warning", "pages not warmed in the master (no vocabulary)"),
    ]


def test_connections_have_room_for_exact_bitmaps():
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "32MB"


def test_the_text_hit_cache_is_bounded_by_ids_held(monkeypatch):
    monkeypatch.setattr(cache, "TEXT_HITS_IDS", 1000)
    facet_index = index.get_index()
    answers = {"big": np.arange(900), "small": np.arange(50), "other": np.arange(300)}

    class Cursor:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, params):
            self.q = params[0]

        def fetchone(self):  # the ids, and PostgreSQL's reading of the words
            return [",".join(map(str, answers[self.q])), f"'{self.q}'"]

    # text_rows reads through the search connection (the primary here: no replica)
    monkeypatch.setattr(fulltext.search_connection(), "cursor", Cursor)
    monkeypatch.setattr(facet_index, "rows_of", lambda pks: pks)  # ids as rows: no trials here
    for q in ("big", "small", "other"):
        assert list(fulltext.text_rows(facet_index, q)) == list(answers[q])
    # 1,250 ids were asked for: the oldest answer went; the newest are kept.
    assert [q for q, _ in cache.TEXT_HITS] == ["small", "other"]
    monkeypatch.setattr(cache, "TEXT_HITS_IDS", 10)
    fulltext.text_rows(facet_index, "big")
    assert [q for q, _ in cache.TEXT_HITS] == ["big"]  # the newest stays, however big


def test_workers_collect_between_requests_freeze_their_first_and_trim_regularly(monkeypatch):
    from gunicorn.workers.sync import SyncWorker

    from portal import gunicorn_worker as worker

    assert _conf().worker_class == "portal.gunicorn_worker.SyncWorker"
    assert issubclass(worker.SyncWorker, SyncWorker)
    calls = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: calls.append(("collect", generation)))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(("freeze", None)))
    monkeypatch.setattr(index, "release_freed_memory", lambda: calls.append(("trim", None)))
    monkeypatch.setattr(worker.Housekeeping, "refresh", staticmethod(lambda: None))
    housekeeping = worker.Housekeeping()
    for _ in range(worker.FULL_EVERY):
        housekeeping.after_request()
    assert calls.count(("freeze", None)) == 1  # once, after the first requests
    assert calls[worker.FREEZE_AFTER - 1 : worker.FREEZE_AFTER + 2] == [
        ("collect", 2),  # nothing garbage is frozen
        ("freeze", None),
        ("trim", None),
    ]
    assert calls.count(("trim", None)) == worker.FULL_EVERY // worker.TRIM_EVERY
    collected = [generation for name, generation in calls if name == "collect"]
    assert len(collected) == worker.FULL_EVERY  # once after every request
    assert collected[worker.MIDDLE_EVERY * 2 - 1] == 1
    assert collected[-1] == 2 and collected.count(2) == 2
    assert collected.count(0) == worker.FULL_EVERY - worker.FULL_EVERY // worker.MIDDLE_EVERY


def test_a_requests_garbage_cycles_are_gone_once_it_has_been_answered():
    import weakref

    from portal import gunicorn_worker as worker

    before = gc.get_threshold()
    housekeeping = worker.Housekeeping()
    housekeeping.start()
    try:
        assert gc.get_threshold()[0] == worker.YOUNG_LIMIT

        class Node:
            pass

        node = Node()
        node.me = node  # a cycle: only the collector frees it
        gone = weakref.ref(node)
        del node
        assert gone() is not None
        housekeeping.after_request()
        assert gone() is None
    finally:
        gc.set_threshold(*before)
