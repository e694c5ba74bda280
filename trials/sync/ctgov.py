"""`manage.py sync ctgov`: the portal kept current from ClinicalTrials.gov's API v2.

A run:
1. Asks `/version` for the registry's `dataTimestamp`; when it equals the one of the last
   successful run, nothing changed: the run is recorded as skipped.
2. Builds the portal's scope as queries: the skin conditions of the vocabulary (as curators
   edited it), their labels and synonyms, `OR`-ed into `query.cond` values, each chunk short
   enough for a URL of ~2,000 characters. The first run is full; later ones are incremental,
   `filter.advanced=AREA[LastUpdatePostDate]RANGE[<last successful run's data day - 1>,MAX]`.
3. Pages through each query (`pageSize`, `nextPageToken`). Each page goes through the same
   reading and loading as `import_trials` (trials.loading.importer.DocumentLoader: the
   ctgov-json reader, the curators' value mappings, the scope, locks respected), and is
   committed together with the query's next page token: a run killed half-way is continued by
   the next one from there (a page is loaded again at most, which changes nothing). An expired
   page token (HTTP 400) restarts its query.
4. Re-checks known studies by ID (`filter.ids`, as AACT does): after a full run every known
   study the scope queries did not return, otherwise the SYNC_CTGOV_RECHECK least recently
   checked. A study the registry no longer returns is flagged `gone`, one whose record left
   the scope `out_of_scope` (SyncedStudy); their trials are kept as they were, never deleted.

Every run is a SyncRun (admin → Sync runs). One run at a time (a PostgreSQL advisory lock).
Here: beginning and ending runs; the scope's queries are built in scope.py, a run's paging,
loading and tracking are done in harvest.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from trials.sync.client import Client, Clock, FetchError
from trials.sync.harvest import MAX_URL, TOKEN_ROOM, Harvest, SyncFailed
from trials.sync.models import SyncChunk, SyncRun
from trials.sync.scope import scope_queries, scope_terms

SOURCE = "ctgov"
_LOCK = 7_305_402_717  # pg advisory lock key of the ClinicalTrials.gov sync


class SyncBusy(Exception):
    """Another ClinicalTrials.gov sync holds the lock."""


def make_client(clock: Clock | None = None) -> Client:
    return Client(
        settings.CTGOV_API_URL,
        rate=settings.SYNC_CTGOV_RATE,
        timeout=settings.SYNC_CTGOV_TIMEOUT,
        retries=settings.SYNC_CTGOV_RETRIES,
        backoff=settings.SYNC_CTGOV_BACKOFF,
        max_wait=settings.SYNC_CTGOV_MAX_WAIT,
        clock=clock,
    )


def run_ctgov_sync(
    full: bool = False,
    since: datetime.date | None = None,
    *,
    client: Client | None = None,
    stdout: TextIO | None = None,
    after_page: Callable[[SyncRun, SyncChunk], None] | None = None,
) -> SyncRun:
    """Bring the portal up to date with ClinicalTrials.gov; returns the run's record, whose
    `status` says how it went: a registry that fails (retries spent, a bad answer) gives a
    `failed` run with its `error`, nothing raised; an unexpected error (a bug, the database
    gone) is recorded the same way and raised. `full` asks for
    every study of the scope, `since` for those updated on or after that day; otherwise an
    interrupted run is continued, or the studies updated since the last successful run are
    asked for. `after_page` is called after each committed page (tests interrupt runs there).
    SyncBusy when another sync is running."""
    client = client or make_client()
    with _lock():
        run = _begin(client, full, since)
        if run.status != SyncRun.Status.RUNNING:
            _report(run, stdout)
            return run
        try:
            Harvest(run, client, stdout, after_page).go()
        except (FetchError, SyncFailed) as exc:
            _fail(run, client, str(exc))
        except Exception as exc:
            _fail(run, client, f"{exc.__class__.__name__}: {exc}")
            raise
        else:
            run.status = SyncRun.Status.SUCCEEDED
            _finish(run, client)
        _report(run, stdout)
        return run


class _lock:
    """The sync's advisory lock, on the database session: a killed run's lock goes with its
    connection, so a `running` run found while holding it was interrupted."""

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK])
            if not cursor.fetchone()[0]:
                raise SyncBusy("another ClinicalTrials.gov sync is running")

    def __exit__(self, *exc):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
        except Exception:  # the connection is gone, and the lock with it
            if exc[0] is None:
                raise


def _begin(client: Client, full: bool, since: datetime.date | None) -> SyncRun:
    """The run to do: an interrupted one continued, a skipped one, or a new full or
    incremental one with its scope queries."""
    runs = SyncRun.objects.filter(source=SOURCE)
    last = runs.first()
    if (
        not full
        and since is None
        and last is not None
        and last.status in (SyncRun.Status.RUNNING, SyncRun.Status.FAILED)
        and last.chunks.filter(done=False).exists()
    ):
        return _resume(last)
    # Holding the lock, a run still marked running was interrupted (killed).
    runs.filter(status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.INTERRUPTED, error="interrupted (the process ended)"
    )
    try:
        version, _ = client.get_json("version")
        stamp = str((version or {}).get("dataTimestamp") or "")
    except (FetchError, AttributeError) as exc:
        run = SyncRun.objects.create(
            source=SOURCE, mode=SyncRun.Mode.FULL if full else SyncRun.Mode.INCREMENTAL
        )
        _fail(run, client, f"/version: {exc}")
        return run
    ok = runs.filter(status=SyncRun.Status.SUCCEEDED).first()
    if since is None and not full and ok is not None:
        if stamp and stamp == ok.data_timestamp:
            run = SyncRun.objects.create(
                source=SOURCE,
                mode=SyncRun.Mode.INCREMENTAL,
                data_timestamp=stamp,
                status=SyncRun.Status.SKIPPED,
                error="",
            )
            _finish(run, client)
            return run
        since = _day(ok.data_timestamp) or ok.started.date()
        since -= datetime.timedelta(days=1)
    return _new_run(client, since, stamp)


def _new_run(client: Client, since: datetime.date | None, stamp: str) -> SyncRun:
    """A full run (no `since`) or an incremental one, with its scope queries."""
    mode = SyncRun.Mode.INCREMENTAL if since is not None else SyncRun.Mode.FULL
    with transaction.atomic():
        run = SyncRun.objects.create(source=SOURCE, mode=mode, since=since, data_timestamp=stamp)
        base = {"format": "json", "pageSize": settings.SYNC_CTGOV_PAGE_SIZE}
        if since is not None:
            base["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
        budget = MAX_URL - len(client.url("studies", {**base, "query.cond": ""})) - TOKEN_ROOM
        queries = scope_queries(scope_terms(), budget)
        SyncChunk.objects.bulk_create(
            SyncChunk(run=run, number=i, params={**base, "query.cond": q})
            for i, q in enumerate(queries, start=1)
        )
    return run


def _resume(last: SyncRun) -> SyncRun:
    with transaction.atomic():
        if last.status == SyncRun.Status.RUNNING:
            last.status = SyncRun.Status.INTERRUPTED
            last.error = last.error or "interrupted (the process ended); continued by a later run"
            last.save(update_fields=["status", "error"])
        run = SyncRun.objects.create(
            source=SOURCE,
            mode=last.mode,
            since=last.since,
            data_timestamp=last.data_timestamp,
            resumed_from=last,
        )
        last.chunks.update(run=run)
    return run


def _day(stamp: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(stamp[:10])
    except ValueError:
        return None


def _fail(run: SyncRun, client: Client, message: str) -> None:
    run.status = SyncRun.Status.FAILED
    run.error = message
    _finish(run, client)


def _finish(run: SyncRun, client: Client) -> None:
    run.finished = timezone.now()
    run.requests = client.stats.requests
    run.retries = client.stats.retries
    run.save()


def _report(run: SyncRun, out: TextIO | None) -> None:
    if out is None:
        return
    since = f" since {run.since}" if run.since else ""
    out.write(f"sync ctgov: {run.status} ({run.mode}{since}")
    out.write(f"; {run.pages} pages, {run.studies} studies, {run.requests} requests)\n")
    for name in (*SyncRun.COUNTED, "rechecked", "gone"):
        out.write(f"{name}: {getattr(run, name)}\n")
    if run.error:
        out.write(f"error: {run.error}\n")
