"""What the search reads from the vocabulary for a minute is read again between requests, before
it expires (trials.search.cache.refresh_ahead, called by the worker's housekeeping): no
request waits for it, and a reading that finds nothing changed keeps what was made of it."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from portal.gunicorn_worker import Housekeeping
from trials.models import Condition, Intervention, Trial
from trials.search import cache, labels, spelling
from trials.search.index import get_index

pytestmark = pytest.mark.django_db


def _age(store: cache.Store, seconds: float) -> None:
    """Every entry of `store` as if put `seconds` earlier."""
    for key, (stored_at, value) in list(store._entries.items()):
        store._entries[key] = (stored_at - seconds, value)


def _held() -> None:
    """What a respelling and a page's labels read (spelling.corrections, labels.vocabulary)."""
    assert spelling.corrections("psoraisis") == {"psoraisis": "psoriasis"}
    spelling._tested_words()
    spelling._label_words()
    spelling._sounds_like()
    labels.vocabulary()


def _statements(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries]


def test_a_store_says_what_is_due_and_renews_it():
    store = cache.Store("test", max_entries=lambda: 4, ttl=60.0)
    store.put("a", 1)
    assert not store.due("a", 10) and not store.due("missing", 10)
    _age(store, 55)
    assert store.due("a", 10)
    store.renew("a")
    assert not store.due("a", 10) and store.get("a") == 1
    store.discard("a")
    assert store.get("a") is None and not store.due("a", 10)
    forever = cache.Store("no ttl", max_entries=lambda: 4)
    forever.put("a", 1)
    _age(forever, 10_000)
    assert not forever.due("a", 10)


def test_nothing_is_read_between_requests_that_no_request_has_read_or_that_is_not_due():
    assert _statements(Housekeeping.refresh) == []  # nothing held
    _held()
    assert _statements(Housekeeping.refresh) == []  # held, not due


def test_due_readings_are_read_again_between_requests_and_unchanged_keep_what_was_made():
    get_index()
    _held()
    sounds, label_words = cache.LEXICON.get("sounds"), cache.LEXICON.get("labels")
    assert sounds is not None and label_words is not None
    tested = cache.TESTED_NAMES.get("words")
    for store in (cache.LEXICON, cache.TESTED_NAMES, cache.VOCABULARY):
        _age(store, 55)
    statements = _statements(Housekeeping.refresh)
    assert statements  # the vocabulary read again …
    # … but not every intervention: the trials have not changed since (the index's position)
    assert not any("trials_intervention" in sql for sql in statements)
    for store, key in [
        (cache.LEXICON, "words"),
        (cache.LEXICON, "sounds"),
        (cache.LEXICON, "labels"),
        (cache.TESTED_NAMES, "words"),
        (cache.VOCABULARY, "labels"),
    ]:
        assert store.get(key) is not None and not store.due(key, cache.REFRESH_AHEAD), key
    # the same vocabulary: what was made of it is kept, not made again
    assert cache.LEXICON.get("sounds") is sounds
    assert cache.LEXICON.get("labels") == label_words
    assert cache.TESTED_NAMES.get("words") is tested
    # and a request then reads nothing of it
    assert not any("trials_condition" in sql for sql in _statements(_held))


def test_a_changed_vocabulary_or_new_trials_are_read_again():
    get_index()
    _held()
    sounds = cache.LEXICON.get("sounds")
    Condition.objects.create(slug="zebrafoot", label="Zebrafoot dermatosis", synonyms=[])
    trial = Trial.objects.create(key="EPI", record={}, title="Eczema study")
    Intervention.objects.create(trial=trial, name="Quokkacream barrier emulsion")
    get_index()  # the next request's index, the trials' change seen
    for store in (cache.LEXICON, cache.TESTED_NAMES):
        _age(store, 55)
    statements = _statements(Housekeeping.refresh)
    assert any("trials_intervention" in sql for sql in statements)
    assert "zebrafoot" in spelling._lexicon()[0]
    assert cache.LEXICON.get("sounds") is not sounds  # made again from the new words
    assert "zebrafoot" in cache.LEXICON.get("sounds")[spelling.sound("zebrafoot")]
    assert "quokkacream" in spelling._tested_words()
    assert spelling.corrections("quokacream") == {"quokacream": "quokkacream"}


@pytest.mark.parametrize("error", [DatabaseError("the database is away"), ValueError("a bug")])
def test_a_failure_between_requests_is_left_to_the_next_request(monkeypatch, error):
    """Whatever a refresher meets, the worker goes on: the others still run, the connection
    is closed for the next request, and none is tried again for REFRESH_BACKOFF seconds."""
    calls = []

    def away():
        calls.append("away")
        raise error

    monkeypatch.setattr(cache, "_refreshers", [away, lambda: calls.append("next")])
    closed = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    Housekeeping.refresh()  # no exception
    assert calls == ["away", "next"] and closed == [True]
    Housekeeping.refresh()  # backing off
    assert calls == ["away", "next"] and closed == [True]
    cache._failed_at[0] -= cache.REFRESH_BACKOFF
    Housekeeping.refresh()
    assert calls == ["away", "next", "away", "next"]


def test_every_request_is_followed_by_a_refresh(monkeypatch):
    refreshed = []
    monkeypatch.setattr(Housekeeping, "refresh", staticmethod(lambda: refreshed.append(1)))
    housekeeping = Housekeeping()
    for _ in range(3):
        housekeeping.after_request()
    assert refreshed == [1, 1, 1]
