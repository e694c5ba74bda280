"""How current the portal's copy of each trial is: when the portal last synced it, and when each
registry's documents last came in.

When the *source* last confirmed a trial's status is the trial's own `status_verified` column
(trials/models.py decides when that is too old). When the *portal* last fetched the trial is
answered here, in one place: today from the newest time a source record of the trial was written
(`SourceRecord.imported`); once the ClinicalTrials.gov sync records its own per-study times
(`SyncedStudy`), `last_synced()` is the one function to point at them. Never a Trial column: a
daily sync rewriting it would put every trial in the change log every day.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable

from django.db import connection
from django.db.models import Max

from trials.models import SourceRecord
from trials.search import cache

# Document formats as the search page names where they come from.
FORMAT_SOURCES = {
    "ctgov-json": "ClinicalTrials.gov",
    "ctgov-xml": "ClinicalTrials.gov",
    "ctgov-page": "ClinicalTrials.gov",
    "ictrp-xml": "WHO ICTRP",
    "ictrp-page": "WHO ICTRP",
    "listing-page": "Listing sites",
}


def last_synced(trial_pks: Iterable[int]) -> dict[int, datetime.datetime]:
    """Trial pk -> when the portal last wrote what a source says of it (one query)."""
    pks = list(trial_pks)
    if not pks:
        return {}
    rows = (
        SourceRecord.objects.filter(trial_id__in=pks)
        .order_by()
        .values("trial_id")
        .annotate(newest=Max("imported"))
        .values_list("trial_id", "newest")
    )
    return dict(rows)


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
    key = ("registry updates", version)
    found = cache.REGISTRY_UPDATES.get(key)
    if found is not None:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_NEWEST_BY_FORMAT)
        rows = cursor.fetchall()
    newest: dict[str, datetime.datetime] = {}
    for fmt, created in rows:
        name = FORMAT_SOURCES.get(fmt, fmt)
        if created and (name not in newest or created > newest[name]):
            newest[name] = created
    found = tuple(sorted(newest.items(), key=lambda item: item[1], reverse=True))
    cache.REGISTRY_UPDATES.put(key, found)
    return found
