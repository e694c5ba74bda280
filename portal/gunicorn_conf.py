"""gunicorn settings for `make serve` and the benchmark's server (`-c portal/gunicorn_conf.py`).

The application is loaded once in the master, which builds the facet index (trials.search.index)
before forking the workers: each worker starts with the index, sharing its arrays with the
others copy-on-write, instead of building its own on its first search (about 12 s and 270 MB
of peak memory each at a million trials). Workers then keep it fresh from the change log as
before. The offline gazetteer that reads `near=` is loaded there too, and each kind of page is
asked for once (trials/web/warm.py): what a worker's first searches built (~0.7 s each) the
workers start with. The master closes its
database connection before forking, so that no worker inherits a connection in use.

Then it freezes its objects out of the garbage collector's reach (gc.freeze, as Python's
documentation advises before forking), and each worker freezes what its first requests made
(compiled templates, memos; portal/gunicorn_worker.py): a full collection otherwise went through
every one of them, ~37 ms at 100k trials, and a request that set one off waited
(docs/benchmarks.md, session 11). Frozen objects are never collected; what they hold was held
for the process's life anyway.
"""

import gc

preload_app = True
# A worker that goes quiet this long is restarted; building an index happens in the master.
timeout = 90
graceful_timeout = 5


def when_ready(server) -> None:
    from django.db import connections

    from trials.readers import gazetteer
    from trials.search.index import get_index
    from trials.web import warm

    try:
        index = get_index()
        server.log.info("facet index built in the master: %d trials", index.row_count)
        gazetteer.load()  # the places people type are read without a first-search pause
    except Exception as exc:  # the workers will build their own on first use
        server.log.warning("facet index not built in the master (%s)", exc)
    try:
        # Each kind of page asked for once: the vocabularies' phrases, the readings and the
        # templates built here, not by each worker's first searches (trials/web/warm.py).
        server.log.info("pages warmed in the master in %.1f s", warm.warm())
    except Exception as exc:  # each worker's first pages build them, as without
        server.log.warning("pages not warmed in the master (%s)", exc)
    finally:
        connections.close_all()
        gc.collect()
        gc.freeze()


# Each worker collects Python's garbage, freezes what its first requests kept and gives freed
# memory back between requests, after the response has gone (portal/gunicorn_worker.py).
worker_class = "portal.gunicorn_worker.SyncWorker"
