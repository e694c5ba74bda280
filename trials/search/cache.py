"""Every cache the search keeps in a web worker, in one place, with one `reset()`.

Each cache is a `Store`: a bounded, least-recently-used map. Whatever depends on the trials is
keyed by the data version, the facet index's position in the change log (`trials_trialchange`):
an import or a curator's edit moves it, so a stale answer is never served, only left to be
evicted. The vocabulary tables are not in that log, so what is read from them expires instead
(a curator's new label shows within the TTL).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from django.conf import settings

_MISSING = object()
_log = logging.getLogger(__name__)
_stores: list[Store] = []


class Store:
    """A least-recently-used map bounded by its entry count and, optionally, a total weight.

    The newest entry is always kept, however heavy: the caller has just paid for it.
    `max_entries` and `max_weight` are read at each insertion (settings and tests change them).
    """

    def __init__(
        self,
        name: str,
        *,
        max_entries: Callable[[], int],
        max_weight: Callable[[], float] = lambda: float("inf"),
        weigh: Callable[[Any], int] = lambda value: 0,
        ttl: float | None = None,
    ) -> None:
        self.name = name
        self._max_entries = max_entries
        self._max_weight = max_weight
        self._weigh = weigh
        self._ttl = ttl
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        _stores.append(self)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            entry = self._entries.get(key, _MISSING)
            if entry is _MISSING:
                return default
            stored_at, value = entry
            if self._ttl is not None and time.monotonic() - stored_at > self._ttl:
                return default
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if key in self._entries:
                self._weight -= self._weigh(self._entries.pop(key)[1])
            self._entries[key] = (time.monotonic(), value)
            self._weight += self._weigh(value)
            while len(self._entries) > 1 and (
                len(self._entries) > self._max_entries() or self._weight > self._max_weight()
            ):
                self._weight -= self._weigh(self._entries.popitem(last=False)[1][1])

    def due(self, key: Hashable, ahead: float) -> bool:
        """Whether `key` is held and expires within `ahead` seconds (a store with a TTL): worth
        reading again between requests (refresh_ahead), before a request finds it gone."""
        with self._lock:
            entry = self._entries.get(key, _MISSING)
        if entry is _MISSING or self._ttl is None:
            return False
        return time.monotonic() - entry[0] > self._ttl - ahead

    def renew(self, key: Hashable) -> None:
        """`key`'s entry, if held, as if put now: read again and found the same."""
        with self._lock:
            entry = self._entries.get(key, _MISSING)
            if entry is not _MISSING:
                self._entries[key] = (time.monotonic(), entry[1])
                self._entries.move_to_end(key)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            if key in self._entries:
                self._weight -= self._weigh(self._entries.pop(key)[1])

    def __iter__(self) -> Iterator[Hashable]:
        """The keys, oldest first (a copy: safe while other threads insert)."""
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0


# What expires (the vocabulary's readings below) is read again this many seconds before it
# would, between two requests (refresh_ahead): never inside one. Each module that keeps such a
# reading registers how to read it again (`refresher`).
REFRESH_AHEAD = 10.0
REFRESH_BACKOFF = 30.0  # seconds without refreshing after one failed
_refreshers: list[Callable[[], None]] = []
_failed_at = [-REFRESH_BACKOFF]


def refresher(function: Callable[[], None]) -> Callable[[], None]:
    """Register `function`: called between requests, it reads again what it keeps here that is
    due (Store.due) and leaves the rest."""
    _refreshers.append(function)
    return function


def refresh_ahead() -> bool:
    """Between two requests (portal/gunicorn_worker.Housekeeping, bench.inprocess): the
    readings that expire soon read again, so that no request pays for them (the spelling
    lexicon and the tested names' words cost ~80 ms at 100k trials each minute, paid by
    whichever request found them gone: docs/benchmarks.md, session 52). A refresher that
    fails (the database away) is logged and left to the next request that needs its reading;
    none is tried again for REFRESH_BACKOFF seconds. False when one failed."""
    if time.monotonic() - _failed_at[0] < REFRESH_BACKOFF:
        return True
    ok = True
    for function in _refreshers:
        try:
            function()
        except Exception:  # a worker must outlive whatever a refresher meets
            _log.warning("between requests, %s failed", function.__qualname__, exc_info=True)
            _failed_at[0] = time.monotonic()
            ok = False
    return ok


def reset() -> None:
    """Forget everything cached (tests that rewrite the database behind the index's back)."""
    _failed_at[0] = -REFRESH_BACKOFF
    for store in _stores:
        store.clear()


# --- The caches --------------------------------------------------------------------------------

# The facet index (trials/search/index.py): one entry, refreshed in place from the change log.
INDEX = Store("facet index", max_entries=lambda: 1)

TEXT_HITS_ENTRIES = 256
# And at most this many rows in all (int32): a word in a fifth of a million trials has 200,000
# of them, and 256 such answers would be 200 MB in every worker.
TEXT_HITS_IDS = 4_000_000
# Full-text matches, (query, data version) -> the facet index's rows (trials/search/fulltext.py).
TEXT_HITS = Store(
    "text hits",
    max_entries=lambda: TEXT_HITS_ENTRIES,
    max_weight=lambda: TEXT_HITS_IDS,
    weigh=len,
)

LEXEME_ROWS_IDS = 2_000_000
# The rows of a lexeme the facet index does not hold (lexemes.py: rarer than those it does),
# (lexeme, data version) -> the facet index's rows (fulltext._in_process): read through the GIN
# index, each match's heap page visited for its id (~0.5 ms a lexeme of a few hundred trials),
# once for a search's strict and relaxed readings, its about tests, and the next search with
# the word ("tetracycline" is fifteen such lexemes with its kin: 9 ms). At most
# LEXEME_ROWS_IDS rows in all.
LEXEME_ROWS = Store(
    "rare lexemes' rows",
    max_entries=lambda: 16_384,
    max_weight=lambda: LEXEME_ROWS_IDS,
    weigh=len,
)

# The order in which a text query ranks its matches, ((kind, type, tsquery), data version) ->
# the facet index's rows best first (engine._rank_order): at most RANK_ORDERS_IDS rows in all.
RANK_ORDERS_IDS = 1_000_000
RANK_ORDERS = Store(
    "rank orders", max_entries=lambda: 512, max_weight=lambda: RANK_ORDERS_IDS, weigh=len
)
# The words whose matches were ranked once already (same key): ranked all at once the next time.
RANK_ASKED = Store("rank orders asked", max_entries=lambda: 4096)

# PostgreSQL's tsquery of a query's words, (function, words) -> its text (rank_query.py), and
# the query that ranks a query's matches, (query, data version) -> a words.TextQuery.
TSQUERIES = Store("tsqueries", max_entries=lambda: 4096)
RANK_QUERIES = Store("rank queries", max_entries=lambda: 4096)
# How many trials a tsquery matches, (tsquery, data version) -> count (fulltext.counts: how
# rare the words of a relaxed list are).
COUNTS = Store("word counts", max_entries=lambda: 4096)

PAGE_TTL = 60.0
PAGE_BYTES = 32 * 1024 * 1024
# Rendered search answers, (path, query string, data version) -> (body, content type). The TTL
# bounds how long a vocabulary label edit takes to show on a cached page.
PAGES = Store(
    "rendered pages",
    max_entries=lambda: settings.SEARCH_PAGE_CACHE,
    max_weight=lambda: PAGE_BYTES,
    weigh=lambda entry: len(entry[0]),
    ttl=PAGE_TTL,
)

# The vocabulary tables' labels (trials/search/labels.py) and words (trials/search/spelling.py).
VOCABULARY = Store("vocabulary labels", max_entries=lambda: 1, ttl=30.0)
# Its keys: the words, the names' words, the labels' and the sounds (four: fewer, each evicts
# another and every respelling reads the vocabulary again: 28 ms a relaxed query in one
# process, 56 in the bench; session 42).
LEXICON = Store("spelling lexicon", max_entries=lambda: 4, ttl=60.0)
# The words of the names of what trials test that the vocabularies have not (a brand such as
# "EpiCeram"; spelling.py), sorted: read again after a minute, as the lexicon is.
TESTED_NAMES = Store("tested names' words", max_entries=lambda: 1, ttl=60.0)
# What those readings were made of as last read, kept past their TTL (spelling.py): a reading
# again that finds the same keeps what was made of it.
READINGS = Store("last readings", max_entries=lambda: 2)

# Places people typed (`near=`), read through the offline gazetteer (trials/search/places.py):
# text -> Place, Ambiguous or Unknown. The gazetteer does not change while the process runs.
PLACES = Store("places", max_entries=lambda: 4096)

RELATED_CARDS_ENTRIES = 2048
# The trial page's related trials (trials/web/trial_rows.py): (trial id, data version) -> the
# Trial with the columns its card shows. Most pages' related trials are the few newest open
# trials of a common condition: fetched again for each page, they were a query a page.
RELATED_CARDS = Store("related trial cards", max_entries=lambda: RELATED_CARDS_ENTRIES)

# Where each registry's newest document came in (trials/freshness.py): (name, data version).
REGISTRY_UPDATES = Store("registry updates", max_entries=lambda: 4)
