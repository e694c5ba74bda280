"""`manage.py sync ctgov` against a fake ClinicalTrials.gov (tests/fakes/ctgov.py): paging,
incremental runs, politeness (fake clock), failures, resuming, locks, studies that leave.
Never the network."""

import datetime
import io
import itertools
import re
import urllib.parse

import pytest
from django.core.management import call_command

from trials import curation
from trials.models import SourceRecord, Trial
from trials.sync import ctgov
from trials.sync.client import Client
from trials.sync.ctgov import make_client, run_ctgov_sync
from trials.sync.models import SyncChunk, SyncedStudy, SyncRun
from trials.sync.scope import scope_queries, scope_terms

from .fakes.ctgov import FakeRegistry, load_corpus, study

pytestmark = pytest.mark.django_db

SKIN = {
    "NCT90000001": ["Psoriasis"],
    "NCT90000002": ["Plaque Psoriasis"],
    "NCT90000003": ["Atopic Dermatitis"],
    "NCT90000004": ["Hidradenitis Suppurativa"],
    "NCT90000005": ["Pemphigus Vulgaris"],
    "NCT90000006": ["Vitiligo"],
    "NCT90000007": ["Alopecia Areata"],
    # Psoriasis alone is more than one page (SYNC_CTGOV_PAGE_SIZE 3 below), wherever the
    # vocabulary's terms put the boundaries between queries.
    "NCT90000011": ["Psoriasis Vulgaris"],
    "NCT90000012": ["Scalp Psoriasis"],
}
OTHER = {"NCT90000101": ["Asthma"], "NCT90000102": ["Heart Failure"]}


class FakeClock:
    """Time that passes only when slept: the client never sleeps for real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Killed(BaseException):
    """A kill -9 half-way: nothing of the sync's own error handling runs."""


@pytest.fixture
def fake(settings):
    registry = FakeRegistry().start()
    registry.put(*(study(nct, conditions=c) for nct, c in {**SKIN, **OTHER}.items()))
    settings.CTGOV_API_URL = registry.url
    settings.SYNC_CTGOV_PAGE_SIZE = 3
    settings.SYNC_CTGOV_TIMEOUT = 5
    yield registry
    registry.stop()


@pytest.fixture
def clock():
    return FakeClock()


def sync(clock, **kwargs) -> SyncRun:
    return run_ctgov_sync(client=make_client(clock), **kwargs)


def _ours():
    return Trial.objects.filter(trial_id__startswith="NCT9000")


def test_the_scope_is_the_vocabulary_s_skin_terms_in_short_queries():
    terms = scope_terms()
    assert "psoriasis" in {t.lower() for t in terms}
    assert "plaque psoriasis" not in {t.lower() for t in terms}  # found by "psoriasis"
    assert not {"AD", "DM", "PsO", "HS"} & set(terms)  # abbreviations ask for other diseases
    assert "lupus" not in {t.lower() for t in terms}  # systemic lupus is not a skin condition
    # The registry's records are English: names in other scripts only lengthen the queries
    # (accented Latin names stay: "dermatomyosite" may be a record's word).
    assert "皮肌炎" not in terms and "дерматомиозит" not in terms
    assert not [t for t in terms if re.search(r"[\u0370-\u03ff\u0400-\u04ff\u3040-\u9fff]", t)]
    assert "dermatomyosite" in terms
    queries = scope_queries(terms, 600)
    assert len(queries) > 1
    assert all(len(urllib.parse.quote(q)) <= 600 for q in queries)
    assert sorted(t for q in queries for t in q.split(" OR ")) == sorted(
        t if t.replace("-", "").isalnum() else f'"{t}"' for t in terms
    )


def test_a_full_sync_loads_the_scope_page_by_page(fake, clock):
    run = sync(clock)
    assert run.status == "succeeded", run.error
    assert run.mode == "full"
    assert set(_ours().values_list("trial_id", flat=True)) == set(SKIN)
    assert run.created == len(SKIN)
    assert run.failed == 0
    chunks = list(run.chunks.filter(kind="query"))
    assert all(c.done for c in chunks)
    assert sum(c.studies for c in chunks) == run.studies - run.rechecked
    requests = fake.study_requests()
    assert all(r.params["pageSize"] == "3" and r.params["format"] == "json" for r in requests)
    assert any("pageToken" in r.params for r in requests)  # more than one page of psoriasis
    assert all(len(fake.url) + 200 < 2000 for r in requests)
    assert "filter.advanced" not in {k for r in requests for k in r.params}
    listed = SyncedStudy.objects.filter(study_id__in=SKIN)
    assert {s.study_id for s in listed} == set(SKIN)
    assert all(s.state == "listed" and s.last_synced and s.trial_id for s in listed)
    assert not SyncedStudy.objects.filter(study_id__in=OTHER).exists()


def test_nothing_changed_means_a_skipped_run(fake, clock):
    sync(clock)
    before = len(fake.study_requests())
    run = sync(clock)
    assert run.status == "skipped"
    assert len(fake.study_requests()) == before  # only /version was asked


def test_an_incremental_sync_asks_only_for_what_changed(fake, clock, settings):
    first = sync(clock)
    fake.put(
        study("NCT90000001", conditions=["Psoriasis"], updated="2026-06-10", status="COMPLETED"),
        study("NCT90000003", conditions=["Atopic Dermatitis"], updated="2026-06-10"),
        study("NCT90000008", conditions=["Rosacea"], updated="2026-06-11"),
    )
    fake.data_timestamp = "2026-06-12T09:00:00"
    settings.SYNC_CTGOV_RECHECK = 0
    start = len(fake.requests)
    run = sync(clock)
    assert run.status == "succeeded", run.error
    assert run.mode == "incremental"
    assert str(run.since) == "2026-05-31"  # the last run's data day, less one
    queries = [r for r in fake.requests[start:] if r.path == "studies"]
    assert all(
        r.params["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2026-05-31,MAX]"
        for r in queries
    )
    assert run.studies == 3
    assert (run.created, run.updated, run.unchanged) == (1, 2, 0)
    assert Trial.objects.get(trial_id="NCT90000001").status == "COMPLETED"
    assert first.status == "succeeded"


def test_since_overrides_and_full_forces(fake, clock):
    sync(clock)
    run = sync(clock, since=datetime.date(2026, 1, 15))
    assert run.mode == "incremental" and run.status == "succeeded"
    assert run.studies - run.rechecked == len(SKIN)  # all updated on 2026-01-15
    run = sync(clock, full=True)
    assert run.mode == "full" and run.status == "succeeded"
    assert run.created == 0 and run.unchanged >= len(SKIN)


class _Timed(Client):
    """Records when (on its clock) each request starts."""

    def _pace(self):
        super()._pace()
        self.starts = [*getattr(self, "starts", []), self.clock.monotonic()]


@pytest.mark.parametrize("rate", [1.0, 2.5])
def test_the_request_rate_is_obeyed(fake, clock, settings, rate):
    client = _Timed(settings.CTGOV_API_URL, rate=rate, clock=clock)
    run = run_ctgov_sync(client=client)
    assert run.status == "succeeded", run.error
    starts = client.starts
    assert len(starts) >= 5
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / rate - 1e-9
    assert run.requests == len(starts)


def test_429_503_timeouts_and_truncated_bodies_are_retried(fake, clock, settings):
    settings.SYNC_CTGOV_TIMEOUT = 0.3
    fake.fail_next("429", retry_after=7)
    fake.fail_next("503")
    fake.fail_next("truncate")
    fake.fail_next("slow", seconds=1.0)
    fake.fail_next("503", path="version")
    client = make_client(clock)
    run = run_ctgov_sync(client=client)
    assert run.status == "succeeded", run.error
    assert run.retries == client.stats.retries == 5
    assert 7 in clock.sleeps  # Retry-After honoured
    backoffs = [s for s in clock.sleeps if s not in (7,) and s > 1.0]
    assert backoffs  # exponential backoff between the other retries
    assert set(_ours().values_list("trial_id", flat=True)) == set(SKIN)


def test_bounded_retries_end_in_a_clear_failure(fake, clock, settings):
    settings.SYNC_CTGOV_RETRIES = 3
    for _ in range(4):
        fake.fail_next("503")
    run = sync(clock)
    assert run.status == "failed"
    assert "gave up after 4 attempts" in run.error and "HTTP 503" in run.error
    assert run.finished is not None
    assert sum(clock.sleeps) < 60  # 2 s doubling, jittered


def test_the_command_exits_1_on_failure(fake, settings):
    settings.SYNC_CTGOV_RETRIES = 0
    settings.SYNC_CTGOV_RATE = 0
    fake.fail_next("503", path="version")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("sync", "ctgov", stdout=out, stderr=err)
    assert exit.value.code == 1
    assert "failed" in err.getvalue()
    assert SyncRun.objects.first().status == "failed"


def test_the_command_prints_a_summary(fake, settings):
    settings.SYNC_CTGOV_RATE = 0
    out = io.StringIO()
    call_command("sync", "ctgov", "--full", stdout=out)
    text = out.getvalue()
    assert text.startswith("sync ctgov: succeeded (full")
    assert f"created: {len(SKIN)}" in text.splitlines()


def test_an_expired_page_token_restarts_its_query(fake, clock):
    expired = []

    def expire_the_first_token(request):
        if "pageToken" in request.params and not expired:
            expired.append(request)
            fake.fail_next("expire")  # this very request answers 400

    fake.on_request = expire_the_first_token
    run = sync(clock)
    assert run.status == "succeeded", run.error
    assert expired and expired[0].status == 400
    assert sum(c.restarts for c in run.chunks.all()) == 1
    assert run.failed == 0
    _assert_once(SKIN)


def test_a_run_killed_half_way_is_continued_without_duplicates(fake, clock):
    def kill(run, chunk):
        # Half-way through a query of several pages (wherever the vocabulary's terms put the
        # query boundaries), past its first page.
        if run.pages >= 2 and chunk.page_token:
            raise Killed

    with pytest.raises(Killed):
        sync(clock, after_page=kill)
    killed = SyncRun.objects.first()
    assert killed.status == "running" and killed.pages >= 2
    loaded = _ours().count()
    assert 0 < loaded < len(SKIN)
    start = len(fake.requests)

    run = sync(clock)
    assert run.status == "succeeded", run.error
    assert run.resumed_from == killed
    killed.refresh_from_db()
    assert killed.status == "interrupted"
    first = next(r for r in fake.requests[start:] if r.path == "studies")
    assert "pageToken" in first.params  # continued where it stopped, not from the start
    assert not any(r.path == "version" for r in fake.requests[start:])
    assert killed.created + run.created == len(SKIN)
    _assert_once(SKIN)


def test_a_curator_s_locked_field_survives_a_sync(fake, clock):
    sync(clock)
    trial = Trial.objects.get(trial_id="NCT90000004")
    curation.edit_fields(trial, {"title": "Curated title"})
    fake.put(
        study(
            "NCT90000004",
            conditions=["Hidradenitis Suppurativa"],
            title="Registry's new title",
            status="ACTIVE_NOT_RECRUITING",
            updated="2026-06-10",
        )
    )
    fake.data_timestamp = "2026-06-12T09:00:00"
    run = sync(clock)
    assert run.status == "succeeded" and run.updated == 1
    trial.refresh_from_db()
    assert trial.record["title"] == trial.title == "Curated title"
    assert trial.status == "ACTIVE_NOT_RECRUITING"  # the unlocked fields follow the registry
    assert "title" in trial.locked_fields


def test_studies_that_leave_the_registry_or_the_scope_are_kept_and_flagged(fake, clock):
    sync(clock)
    fake.remove("NCT90000006")
    fake.put(study("NCT90000007", conditions=["Asthma"], updated="2026-06-10"))
    fake.data_timestamp = "2026-06-12T09:00:00"
    run = sync(clock)
    assert run.status == "succeeded", run.error
    gone = SyncedStudy.objects.get(study_id="NCT90000006")
    left = SyncedStudy.objects.get(study_id="NCT90000007")
    assert gone.state == "gone" and gone.state_since is not None
    assert left.state == "out_of_scope"
    assert run.gone >= 2
    # Kept, with the status they had.
    assert Trial.objects.get(trial_id="NCT90000006").status == "RECRUITING"
    assert Trial.objects.get(trial_id="NCT90000007").conditions == ["alopecia-areata"]
    asked = [r.params.get("filter.ids", "") for r in fake.study_requests()]
    assert any("NCT90000006" in ids for ids in asked)
    # A later full run still knows them; a study that comes back is listed again.
    fake.put(study("NCT90000006", conditions=["Vitiligo"], updated="2026-06-13"))
    fake.data_timestamp = "2026-06-14T09:00:00"
    sync(clock)
    assert SyncedStudy.objects.get(study_id="NCT90000006").state == "listed"


def test_one_sync_at_a_time(fake, clock):
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [ctgov._LOCK])
        with pytest.raises(ctgov.SyncBusy):
            sync(clock)
    assert not fake.requests


def test_the_shared_corpus_syncs_and_a_second_run_changes_nothing(fake, clock, corpus):
    folder = corpus / "ctgov-json"
    if not folder.exists():
        pytest.skip(f"no {folder}")
    studies = load_corpus(folder)
    fake.put(*studies)
    run = sync(clock)
    assert run.status == "succeeded", run.error
    assert run.failed == 0, run.errors
    # Every study the scope queries found is loaded or out of scope (skipped).
    assert run.created > 10
    assert run.created + run.skipped + run.unchanged + run.updated == run.studies
    again = sync(clock, full=True)
    assert again.status == "succeeded"
    assert again.created == again.updated == again.failed == 0
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    _assert_once([i for i in ids if Trial.objects.filter(trial_id=i).exists()])


def _assert_once(ids):
    for nct in ids:
        assert Trial.objects.filter(trial_id=nct).count() == 1
        keys = SourceRecord.objects.filter(source_key=f"ctgov-json|ClinicalTrials.gov|{nct}")
        assert keys.count() == 1
    assert SyncChunk.objects.filter(done=False).count() == 0


def test_runs_and_synced_studies_are_shown_in_admin(fake, clock, admin_client):
    run = sync(clock)
    page = admin_client.get("/admin/trials/syncrun/")
    assert page.status_code == 200
    assert b"succeeded" in page.content.lower() or b"Succeeded" in page.content
    detail = admin_client.get(f"/admin/trials/syncrun/{run.pk}/change/")
    assert detail.status_code == 200
    assert b"query.cond" in detail.content  # its queries, with how far each got
    studies = admin_client.get("/admin/trials/syncedstudy/?state=listed")
    assert studies.status_code == 200
    assert b"NCT90000001" in studies.content
    assert admin_client.get("/admin/trials/syncrun/add/").status_code == 403


def test_gzip_answers_are_read(fake, clock):
    fake.gzip = True
    run = sync(clock)
    assert run.status == "succeeded", run.error
    assert set(_ours().values_list("trial_id", flat=True)) == set(SKIN)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--since", "yesterday"], "not a date"), (["--full", "--since", "2026-01-01"], "exclude")],
)
def test_the_command_refuses_bad_options(args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("sync", "ctgov", *args)


def test_a_document_stream_loads_each_document_in_the_order_sent():
    import orjson

    from trials.loading.importer import DocumentLoader

    docs = [
        [study("NCT90000201", conditions=["Psoriasis"]), study("NCT90000202", conditions=["Acne"])],
        [study("NCT90000203", conditions=["Asthma"])],
        [study("NCT90000201", conditions=["Psoriasis"])],
    ]
    with DocumentLoader(fmt="ctgov-json").stream() as stream:
        for i, doc in enumerate(docs):
            stream.send(f"doc{i}", orjson.dumps(doc))
        results = [stream.load_next() for _ in docs]
    assert [r.counts.values["created"] for r in results] == [2, 0, 0]
    assert results[1].skipped_ids == ["NCT90000203"]
    assert results[2].counts.values["unchanged"] == 1
    assert Trial.objects.filter(trial_id__in=["NCT90000201", "NCT90000202"]).count() == 2
