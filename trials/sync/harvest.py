"""A ClinicalTrials.gov sync run's work once it is begun (trials.sync.ctgov): its queries'
pages fetched one ahead, each page read and loaded through the importer's DocumentStream and
committed with the query's next page token; then known studies re-checked by ID; what the
registry lists tracked per study (SyncedStudy)."""

from __future__ import annotations

import collections
import datetime
import re
import urllib.parse

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from trials.loading.importer import DocumentLoader, ImportResult
from trials.models import Identifier
from trials.readers.identifiers import identifier_norm
from trials.sync.client import FetchError
from trials.sync.models import SyncChunk, SyncedStudy, SyncRun

REGISTRY = "ClinicalTrials.gov"
FORMAT = "ctgov-json"
MAX_URL = 2000  # characters; what proxies and the API accept safely
TOKEN_ROOM = 120  # a page token and countTotal, added to a query's URL
RESTARTS = 3  # expired page tokens tolerated per query and run
_NCT = re.compile(r"^NCT\d{8}$")


class SyncFailed(Exception):
    pass


def _root_started(run: SyncRun) -> datetime.datetime:
    """When the harvest began: the start of the first run it continues."""
    while run.resumed_from_id:
        run = run.resumed_from
    return run.started


class Harvest:
    """A run's paging, loading and tracking (run_ctgov_sync begins and ends the run)."""

    def __init__(self, run, client, stdout, after_page) -> None:
        self.run, self.client, self.stdout, self.after_page = run, client, stdout, after_page
        self.loader = DocumentLoader(fmt=FORMAT)
        self.started = _root_started(run)
        # NCT ID -> (update day, state) of the studies sent to the reader in this process.
        self.sent: dict[str, tuple[str, str]] = {}

    def go(self) -> None:
        run = self.run
        # One reader process for the run: it reads a page while the page before is loaded.
        with self.loader.stream() as self.stream:
            self._pages(run.chunks.filter(kind=SyncChunk.Kind.QUERY, done=False))
            if not run.chunks.filter(kind=SyncChunk.Kind.RECHECK).exists():
                self._plan_rechecks()
            self._pages(run.chunks.filter(kind=SyncChunk.Kind.RECHECK, done=False))

    # Paging ------------------------------------------------------------------------------

    def _pages(self, chunks) -> None:
        """Fetch and load the chunks' pages, one page ahead: page k+1 is fetched and read
        while page k is loaded; each page is committed with its chunk's next token."""
        pending: collections.deque = collections.deque()
        for chunk, data in self._fetched(list(chunks)):
            pending.append(self._send(chunk, data))
            if len(pending) > 1:
                self._commit(*pending.popleft())
        while pending:
            self._commit(*pending.popleft())

    def _fetched(self, chunks: list[SyncChunk]):
        """(chunk, answer) for every page of the chunks, from each one's stored token."""
        for chunk in chunks:
            token = chunk.page_token
            while True:
                params = dict(chunk.params)
                if token:
                    params["pageToken"] = token
                elif chunk.kind == SyncChunk.Kind.QUERY:
                    params["countTotal"] = "true"
                try:
                    data, _ = self.client.get_json("studies", params)
                except FetchError as exc:
                    if exc.status == 400 and token and chunk.restarts < RESTARTS:
                        # An expired page token: the query starts again (what was loaded
                        # stays; loading it again changes nothing).
                        token, chunk.restarts = "", chunk.restarts + 1
                        continue
                    raise
                if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
                    raise SyncFailed(f"query {chunk.number}: not a studies answer")
                following = data.get("nextPageToken") or ""
                if following and following == token:
                    raise SyncFailed(
                        f"query {chunk.number}: the registry gave the same page token again"
                    )
                yield chunk, data
                if not following:
                    break
                token = following

    def _send(self, chunk: SyncChunk, data: dict) -> tuple:
        """Hand a page's studies to the reader (those this run has not had already)."""
        studies = data["studies"]
        listed = _listed(studies)
        # A study that an earlier query of this run returned already, as updated on the same
        # day, is not read again (the scope's queries overlap).
        seen = self._seen(listed)
        fresh = [s for s in studies if _nct(s) not in seen]
        listed = {k: v for k, v in listed.items() if k not in seen}
        for nct, day in listed.items():
            self.sent[nct] = (day, SyncedStudy.State.LISTED)
        if fresh:
            name = f"ctgov-api:run{self.run.pk}/q{chunk.number}/p{chunk.pages + 1}"
            # The studies as one JSON array: the reader's fastest path (a download's), and
            # each study's stored bytes are the same canonical ones whatever the container.
            self.stream.send(name, orjson.dumps(fresh))
        return chunk, data, listed, seen, bool(fresh)

    def _commit(self, chunk: SyncChunk, data: dict, listed: dict, seen: dict, sent: bool) -> None:
        run = self.run
        studies = data["studies"]
        token = data.get("nextPageToken") or ""
        with transaction.atomic():
            result = self.stream.load_next() if sent else ImportResult(run=None)
            skipped = set(result.skipped_ids)
            run.gone += self._track(listed, skipped)
            for nct in skipped & set(listed):
                self.sent[nct] = (listed[nct], SyncedStudy.State.OUT_OF_SCOPE)
            for state in seen.values():
                out = state == SyncedStudy.State.OUT_OF_SCOPE
                result.counts.add("skipped" if out else "unchanged")
            if chunk.kind == SyncChunk.Kind.RECHECK and not token:
                run.gone += self._gone(chunk)
            if chunk.total is None and isinstance(data.get("totalCount"), int):
                chunk.total = data["totalCount"]
            chunk.page_token = token
            chunk.done = not token
            chunk.pages += 1
            chunk.studies += len(studies)
            chunk.save()
            run.pages += 1
            run.studies += len(studies)
            if chunk.kind == SyncChunk.Kind.RECHECK:
                run.rechecked += len(studies)
            for outcome, count in result.counts.values.items():
                setattr(run, outcome, getattr(run, outcome) + count)
            run.errors = (run.errors + result.errors)[:1000]
            run.requests = self.client.stats.requests
            run.retries = self.client.stats.retries
            run.save()
        if self.stdout is not None and self.stdout.isatty():
            self.stdout.write(f"\rpages {run.pages}, studies {run.studies}")
        if self.after_page is not None:
            self.after_page(run, chunk)

    # Tracking what the registry lists -----------------------------------------------------

    def _seen(self, listed: dict[str, str]) -> dict[str, str]:
        """{NCT ID: state} of the studies this run got already, with the same update date."""
        rows = SyncedStudy.objects.filter(
            registry=REGISTRY, study_id__in=list(listed), last_synced__gte=self.started
        ).values_list("study_id", "last_update", "state")
        seen = {i: state for i, day, state in rows if day and listed.get(i) == day}
        # Sent to the reader this run (loaded, out of scope, or not loaded yet): read once.
        for nct, day in listed.items():
            sent_day, state = self.sent.get(nct, ("", ""))
            if nct not in seen and day and sent_day == day:
                seen[nct] = state
        return seen

    def _track(self, listed: dict[str, str], skipped: set[str]) -> int:
        """Record that the registry listed these studies now ({NCT ID: last update}): each
        with its trial; those out of scope only when the portal holds them. Returns how many
        left the scope."""
        if not listed:
            return 0
        now = timezone.now()
        trials = dict(
            Identifier.objects.filter(norm__any=[identifier_norm(i) for i in listed])
            .exclude(kind="org")
            .values_list("norm", "trial_id")
        )
        rows = SyncedStudy.objects.filter(registry=REGISTRY, study_id__in=list(listed))
        known = {row.study_id: row for row in rows}
        new, changed, left = [], [], 0
        for study_id, last_update in listed.items():
            trial = trials.get(identifier_norm(study_id))
            state = (
                SyncedStudy.State.OUT_OF_SCOPE if study_id in skipped else SyncedStudy.State.LISTED
            )
            row = known.get(study_id)
            if row is None:
                if trial is None:
                    continue  # out of scope and never in the portal
                row = SyncedStudy(registry=REGISTRY, study_id=study_id, state_since=now)
                new.append(row)
                left += state == SyncedStudy.State.OUT_OF_SCOPE
            else:
                changed.append(row)
                if row.state != state:
                    row.state_since = now
                    left += state == SyncedStudy.State.OUT_OF_SCOPE
            row.state = state
            row.trial_id = trial or row.trial_id
            row.last_update = last_update
            row.last_synced = row.last_checked = now
        _upsert(new + changed)
        return left

    def _plan_rechecks(self) -> None:
        """Known studies to ask for by ID: every NCT ID the portal holds is tracked; after a
        full run, all not returned by it; otherwise the least recently checked."""
        run = self.run
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO trials_syncedstudy (registry, study_id, trial_id, state, last_update)
                SELECT DISTINCT ON (i.norm) %s, i.norm, i.trial_id, %s, ''
                FROM trials_identifier i
                WHERE i.kind = 'registry' AND i.norm ~ '^NCT[0-9]{8}$'
                ORDER BY i.norm, i.is_primary DESC
                ON CONFLICT DO NOTHING
                """,
                [REGISTRY, SyncedStudy.State.LISTED],
            )
        stale = SyncedStudy.objects.filter(registry=REGISTRY).exclude(
            last_checked__gte=self.started
        )
        ids = stale.order_by("last_checked", "study_id").values_list("study_id", flat=True)
        if run.mode == SyncRun.Mode.INCREMENTAL:
            ids = ids[: settings.SYNC_CTGOV_RECHECK]
        ids = [i for i in ids if _NCT.match(i)]
        base = {"format": "json", "pageSize": settings.SYNC_CTGOV_PAGE_SIZE}
        budget = MAX_URL - len(self.client.url("studies", {**base, "filter.ids": ""})) - TOKEN_ROOM
        per = max(1, budget // len(urllib.parse.quote("NCT00000000,")))
        number = run.chunks.count()
        SyncChunk.objects.bulk_create(
            SyncChunk(
                run=run,
                number=number + k + 1,
                kind=SyncChunk.Kind.RECHECK,
                params={**base, "filter.ids": ",".join(ids[at : at + per])},
            )
            for k, at in enumerate(range(0, len(ids), per))
        )

    def _gone(self, chunk: SyncChunk) -> int:
        """The IDs a finished re-check asked for and the registry did not return: flagged
        gone (their trials stay as they are). Returns how many are newly gone."""
        now = timezone.now()
        asked = chunk.params["filter.ids"].split(",")
        rows = SyncedStudy.objects.filter(registry=REGISTRY, study_id__in=asked)
        missing = rows.exclude(last_synced__gte=self.started)
        newly = missing.exclude(state=SyncedStudy.State.GONE).update(
            state=SyncedStudy.State.GONE, state_since=now, last_checked=now
        )
        missing.update(last_checked=now)
        return newly


def _upsert(rows: list[SyncedStudy]) -> None:
    """Write tracked studies in one statement (bulk_update's CASE per row is slow)."""
    if not rows:
        return
    columns = ("state", "state_since", "trial_id", "last_update", "last_synced", "last_checked")
    values = [[getattr(row, c) for row in rows] for c in ("study_id", *columns)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO trials_syncedstudy
                (registry, study_id, state, state_since, trial_id, last_update, last_synced,
                 last_checked)
            SELECT %s, * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::bigint[],
                                     %s::text[], %s::timestamptz[], %s::timestamptz[])
            ON CONFLICT (registry, study_id) DO UPDATE SET
                state = EXCLUDED.state, state_since = EXCLUDED.state_since,
                trial_id = EXCLUDED.trial_id, last_update = EXCLUDED.last_update,
                last_synced = EXCLUDED.last_synced, last_checked = EXCLUDED.last_checked
            """,
            [REGISTRY, *values],
        )


def _nct(study) -> str | None:
    if not isinstance(study, dict):
        return None
    return ((study.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")


def _listed(studies: list) -> dict[str, str]:
    """{NCT ID: last update posted date} of an answer's studies."""
    listed = {}
    for study in studies:
        protocol = (study or {}).get("protocolSection") or {} if isinstance(study, dict) else {}
        nct = (protocol.get("identificationModule") or {}).get("nctId")
        if isinstance(nct, str) and nct:
            struct = (protocol.get("statusModule") or {}).get("lastUpdatePostDateStruct") or {}
            listed[nct] = str(struct.get("date") or "")[:10]
    return listed
