"""How current the portal's copy of each trial is: when the portal last synced it, and when each
registry's documents last came in.

When the *source* last confirmed a trial's status is the trial's own `status_verified` column
(trials/models.py decides when that is too old). When the *portal* last fetched the trial is
answered here, in one place: the later of the newest time a source record of the trial was
written (`SourceRecord.imported`) and the last time the ClinicalTrials.gov sync saw it
(`SyncedStudy.last_synced`, which moves even when the study had not changed). Never a Trial
column: a daily sync rewriting it would put every trial in the change log every day.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Hashable, Iterable

from django.db import connections

from portal.replicas import search_connection
from trials.models import Ids, SourceRecord, Trial
from trials.search import cache
from trials.sync.models import SyncedStudy, SyncRun

# The sync's state (running or not, its last success) is read again after this many seconds: it
# changes without moving the data version (a sync that finds nothing new writes no trial).
SYNC_STATE_SECONDS = 30

# Document formats as the search page names where they come from.
FORMAT_SOURCES = {
    "ctgov-json": "ClinicalTrials.gov",
    "ctgov-xml": "ClinicalTrials.gov",
    "ctgov-page": "ClinicalTrials.gov",
    "ictrp-xml": "WHO ICTRP",
    "ictrp-page": "WHO ICTRP",
    "listing-page": "Listing sites",
}


def last_synced_sql(trial_id: str) -> str:
    """The SQL expression of when the portal last copied the trial whose id is the SQL
    `trial_id` (a column or a parameter): the later of its newest source record and the
    sync's last sight of it. PostgreSQL's GREATEST skips NULLs: either time alone is the
    answer, and NULL when neither is known."""
    return f"""GREATEST(
        (SELECT max(s.imported) FROM {SourceRecord._meta.db_table} s WHERE s.trial_id = {trial_id}),
        (SELECT max(y.last_synced) FROM {SyncedStudy._meta.db_table} y
         WHERE y.trial_id = {trial_id}))"""  # noqa: S608 - table names from the models


def last_synced(trial_pks: Iterable[int]) -> dict[int, datetime.datetime]:
    """Trial pk -> when the portal last copied it from a source (one query).

    Written in SQL: the same query built by the ORM (two correlated aggregate subqueries) took
    ~6 ms of Python to compile for 0.2 ms of PostgreSQL, a fifth of a trial page's time."""
    pks = Ids(trial_pks)
    if not pks:
        return {}
    sql = f"SELECT t.id, {last_synced_sql('t.id')} FROM unnest(%s::bigint[]) AS t(id)"  # noqa: S608
    with connections[Trial.objects.db].cursor() as cursor:
        cursor.execute(sql, [pks])
        return {pk: when for pk, when in cursor.fetchall() if when}


# The newest document of each format: a loose index scan over (format, created), so a few index
# probes per format however many million documents there are.
_NEWEST_BY_FORMAT = """
WITH RECURSIVE formats(format) AS (
    (SELECT format FROM trials_rawdocument ORDER BY format LIMIT 1)
    UNION ALL
    SELECT (SELECT d.format FROM trials_rawdocument d WHERE d.format > f.format
            ORDER BY d.format LIMIT 1)
    FROM formats f WHERE f.format IS NOT NULL
)
SELECT f.format,
       (SELECT max(d.created) FROM trials_rawdocument d WHERE d.format = f.format)
FROM formats f WHERE f.format IS NOT NULL
"""


def registry_updates(version: Hashable) -> tuple[tuple[str, datetime.datetime], ...]:
    """(where from, when its newest document came in), newest first: the search page's "last
    updated" line. Cached per data version (`version`: the facet index's change-log position)."""
    key = ("registry updates", version, int(time.time() // SYNC_STATE_SECONDS))
    found = cache.REGISTRY_UPDATES.get(key)
    if found is not None:
        return found
    with search_connection().cursor() as cursor:
        cursor.execute(_NEWEST_BY_FORMAT)
        rows = cursor.fetchall()
    newest: dict[str, datetime.datetime] = {}
    for fmt, created in rows:
        name = FORMAT_SOURCES.get(fmt, fmt)
        if created and (name not in newest or created > newest[name]):
            newest[name] = created
    synced = (
        SyncRun.objects.filter(status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.SKIPPED])
        .order_by("-finished")
        .values_list("finished", flat=True)
        .first()
    )
    name = FORMAT_SOURCES["ctgov-json"]
    if synced and (name not in newest or synced > newest[name]):
        newest[name] = synced  # a sync that found nothing new still brought the data up to date
    found = tuple(sorted(newest.items(), key=lambda item: item[1], reverse=True))
    cache.REGISTRY_UPDATES.put(key, found)
    return found


def sync_in_progress(version: Hashable) -> SyncRun | None:
    """The ClinicalTrials.gov sync running now, if any: the search page says so (a new portal
    fills itself in the background). Cached like `registry_updates`."""
    key = ("sync running", version, int(time.time() // SYNC_STATE_SECONDS))
    found = cache.REGISTRY_UPDATES.get(key)
    if found is None:
        since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, started__gte=since)
        found = (running.order_by("-started").first(),)
        cache.REGISTRY_UPDATES.put(key, found)
    return found[0]
