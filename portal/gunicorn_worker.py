"""gunicorn's sync worker, with a worker's housekeeping done between requests, not inside them.

Python's cyclic garbage collector runs whenever a process has made 700 more container objects
than it freed: a search makes tens of thousands and frees nearly all of them, so it set off
dozens of small collections inside each request, and now and then a full one that waited on
every object the worker held (up to ~20 ms at 100k trials, inside whichever request set it
off). Here a request collects inside itself only if it grows by YOUNG_LIMIT objects; the
young objects are collected after each response has gone and its connection is closed (the
sync worker answers one request per connection), when what the request made is garbage or
kept for good (caches, compiled templates) — and the client is no longer waiting. In one
process (`make profile PROFILE_ARGS=words_plain`), 2026-12-06: mean 14.9–16.0 → 13.0–14.6 ms,
p95 23.6–24.6 → 20.5–23.2, for 0.2 ms a request of collection after it (docs/benchmarks.md,
session 38).

The first FREEZE_AFTER requests' survivors (compiled templates, memos) are then frozen out of
the collector's reach, as the master's are before it forks (portal/gunicorn_conf.py); the heap
left free is given back every TRIM_EVERY requests (trials.search.index.release_freed_memory).

What the search keeps read from the vocabulary for a minute (the spelling lexicon, the labels,
the tested names' words) is read again here before it expires (trials.search.cache.
refresh_ahead): a request found it gone once a minute in each worker and waited ~80 ms at
100k trials (docs/benchmarks.md, session 52). With the database away (or any other failure)
it is left to the next request that needs it, which answers as any request does then, and
nothing is refreshed for cache.REFRESH_BACKOFF seconds.
"""

from __future__ import annotations

import gc

from django.db import connection
from gunicorn.workers.sync import SyncWorker as _SyncWorker

# A request that makes this many more container objects than it frees is collected inside
# itself as before (a search leaves ~1,000 behind; Python's own threshold is 700).
YOUNG_LIMIT = 20_000
FREEZE_AFTER = 64  # requests, then what they kept is frozen
MIDDLE_EVERY = 64  # requests between collections of the middle generation
FULL_EVERY = 1024  # requests between full collections (what outlives the middle one is little)
TRIM_EVERY = 64  # requests between giving freed heap back to the system


class Housekeeping:
    """What a worker does between two requests; bench.inprocess runs the same."""

    def __init__(self) -> None:
        self.served = 0

    def start(self) -> None:
        gc.set_threshold(YOUNG_LIMIT, 10, 10)

    def after_request(self) -> None:
        self.served += 1
        served = self.served
        if served == FREEZE_AFTER:
            gc.collect()
            gc.freeze()  # never garbage: collected just before
        elif served % FULL_EVERY == 0:
            gc.collect()
        elif served % MIDDLE_EVERY == 0:
            gc.collect(1)
        else:
            gc.collect(0)
        if served % TRIM_EVERY == 0:
            from trials.search.index import release_freed_memory

            release_freed_memory()
        self.refresh()

    @staticmethod
    def refresh() -> None:
        from trials.search import cache

        if not cache.refresh_ahead():
            connection.close()  # the next request starts on a new connection


class SyncWorker(_SyncWorker):
    """`worker_class` in portal/gunicorn_conf.py."""

    def init_process(self) -> None:
        self.housekeeping = Housekeeping()
        self.housekeeping.start()
        super().init_process()  # runs the worker's loop: never returns

    def handle(self, listener, client, addr) -> None:
        try:
            super().handle(listener, client, addr)  # answers, then closes the connection
        finally:
            self.housekeeping.after_request()
