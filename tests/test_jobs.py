"""Background jobs through the real worker (procrastinate's, in this process): an admin upload is
queued, the worker imports it, the run's page follows its progress; a failing job marks its run;
the daily sync's slot. Transactional tests: the worker's connections see committed data only."""

import json
import logging
import sys
import threading
from datetime import timedelta

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app, connector_params
from procrastinate.contrib.django.models import ProcrastinateJob

from trials import jobs
from trials.models import ImportRun, Trial
from trials.sync.models import SyncRun

from .curators import study

pytest_plugins = ["tests.curators"]  # the curator fixtures
UPLOAD = "/admin/trials/importrun/add/"
# The importer's module (trials.loading.importer).
importer = sys.modules[jobs.run_import.__module__]


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def worker(monkeypatch):
    """Run the worker until the queue is empty, as `manage.py procrastinate worker` would."""
    # The worker's threads close their Django connections after each job (none outlives the test).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)

    def work():
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    def run():
        # In a thread of its own, as in its own process: the worker runs its own event loop,
        # which cannot start where one runs already (Playwright's, after the browser tests).
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=120)
        assert not thread.is_alive(), "the worker did not finish the queue"

    return run


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _studies(*ncts: str) -> bytes:
    return json.dumps([study(n, title=f"Trial {n}") for n in ncts]).encode()


def _job(run: ImportRun) -> ProcrastinateJob:
    return ProcrastinateJob.objects.get(pk=run.job_id)


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_queued_then_imported_by_the_worker(curator_client, worker, upload_dir):
    files = [_upload("a.json", _studies("NCT09300001", "NCT09300002")), _upload("b.txt", b"")]
    response = curator_client.post(UPLOAD, {"files": files, "keep_all": "on"})
    run = ImportRun.objects.first()
    assert response["Location"] == f"/admin/trials/importrun/{run.pk}/change/"
    assert (run.status, run.paths, run.counts) == ("queued", ["a.json", "b.txt"], {})
    assert (_job(run).task_name, _job(run).args, _job(run).status) == (
        "trials.import_upload",
        {"run_id": run.pk},
        "todo",
    )
    assert len(list((upload_dir / str(run.pk)).iterdir())) == 2
    assert not Trial.objects.filter(trial_id__startswith="NCT093").exists()
    page = curator_client.get(response["Location"]).content.decode()
    assert "Waiting for the job worker" in page
    assert 'http-equiv="refresh"' in page  # the page follows the run

    worker()

    run.refresh_from_db()
    assert run.status == "done" and run.finished and not run.error
    assert (run.counts["created"], run.counts["failed"], run.records_done) == (2, 1, 3)
    assert run.rate > 0
    assert run.errors[0][0] == "b.txt"
    assert Trial.objects.filter(trial_id__startswith="NCT093").count() == 2
    assert _job(run).status == "succeeded"
    assert not (upload_dir / str(run.pk)).exists()  # the stored upload is gone once imported
    page = curator_client.get(response["Location"]).content.decode()
    assert "3 records done" in page and "records/s" in page and "1 errors" in page
    assert "b.txt" in page and "empty" in page.lower()
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_progress_is_visible_while_the_import_runs(curator_client, worker, monkeypatch):
    monkeypatch.setattr(importer, "FIRST_BATCH", 2)
    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    seen = []  # what another connection (the admin's page) sees after each batch
    write = jobs.ProgressWriter.__call__

    def watched(self, result):
        write(self, result)
        with psycopg.connect(**connector_params()) as other:
            seen.append(
                other.execute(
                    "SELECT status, records_done, rate > 0,"
                    " (SELECT count(*) FROM trials_trial WHERE trial_id LIKE 'NCT094%%')"
                    " FROM trials_importrun WHERE id = %s",
                    [self.run.pk],
                ).fetchone()
            )

    monkeypatch.setattr(jobs.ProgressWriter, "__call__", watched)
    ncts = [f"NCT094000{i:02d}" for i in range(7)]
    curator_client.post(UPLOAD, {"files": [_upload("s.json", _studies(*ncts))], "keep_all": "on"})

    worker()

    # Every batch's progress was there to see, while the import's own transaction kept its
    # trials out of sight until the end.
    assert seen == [("running", n, True, 0) for n in (2, 4, 6, 7)]
    run = ImportRun.objects.first()
    assert (run.status, run.records_done, run.counts["created"]) == ("done", 7, 7)


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_marks_its_run_and_keeps_nothing(
    curator_client, worker, monkeypatch, upload_dir, caplog
):
    def broken(data):
        raise RuntimeError("the reader broke")

    monkeypatch.setattr(importer, "sniff_format", broken)
    files = [_upload("a.json", _studies("NCT09500001"))]
    response = curator_client.post(UPLOAD, {"files": files, "keep_all": "on"})
    with caplog.at_level(logging.CRITICAL):  # the worker logs the job's traceback
        worker()

    run = ImportRun.objects.first()
    assert run.status == "failed" and run.finished
    assert run.error.startswith("RuntimeError: the reader broke")
    assert "Nothing from this run was kept" in run.error
    assert _job(run).status == "failed"
    assert not Trial.objects.filter(trial_id="NCT09500001").exists()
    assert (upload_dir / str(run.pk)).is_dir()  # kept, so that the job can be retried
    page = curator_client.get(response["Location"]).content.decode()
    assert "Failed" in page and "the reader broke" in page


@pytest.mark.django_db
def test_a_queued_import_says_when_no_worker_is_running(curator_client):
    run = ImportRun.objects.create(paths=["a.json"], status="queued")
    page = curator_client.get(f"/admin/trials/importrun/{run.pk}/change/").content.decode()
    assert "none is running" in page and "procrastinate worker" in page


@pytest.mark.django_db
def test_a_running_import_shows_its_progress(curator_client):
    run = ImportRun.objects.create(
        paths=["big.zip"],
        status="running",
        records_done=12345,
        rate=678.9,
        counts={"created": 12340, "failed": 5},
    )
    page = curator_client.get(f"/admin/trials/importrun/{run.pk}/change/").content.decode()
    assert "12,345 records done, 678.9 records/s, 5 errors" in page
    assert 'http-equiv="refresh"' in page
    assert "Its job worker stopped half-way" in page  # no worker runs here
    listing = curator_client.get("/admin/trials/importrun/").content.decode()
    assert "Running" in listing


def test_imports_run_one_at_a_time_and_are_not_retried_blindly():
    task = app.tasks["trials.import_upload"]
    assert task.lock == app.tasks["trials.sync_ctgov"].lock == "imports"
    assert not task.retry_strategy  # a broken file would fail again: a curator decides


@pytest.mark.django_db
def test_the_sync_job_looks_every_hour_and_syncs_when_a_day_has_passed(settings, monkeypatch):
    schedule = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert schedule["trials.sync_ctgov"] == "17 * * * *"
    assert schedule["trials.retry_stalled_jobs"] == "*/5 * * * *"
    ran = []
    monkeypatch.setattr(jobs, "run_ctgov_sync", lambda: ran.append(1) or SyncRun(status="failed"))
    settings.SYNC_CTGOV, settings.SYNC_CTGOV_EVERY = True, 24.0
    app.tasks["trials.sync_ctgov"](timestamp=0)  # none ever succeeded: due
    assert ran == [1]
    SyncRun.objects.create(status=SyncRun.Status.SUCCEEDED)
    app.tasks["trials.sync_ctgov"](timestamp=0)  # succeeded just now: not due
    assert ran == [1]
    SyncRun.objects.update(started=timezone.now() - timedelta(hours=25))
    app.tasks["trials.sync_ctgov"](timestamp=0)
    assert ran == [1, 1]
    settings.SYNC_CTGOV = False
    app.tasks["trials.sync_ctgov"](timestamp=0)
    assert ran == [1, 1]


@pytest.mark.django_db
def test_a_failed_sync_is_logged_quietly_and_a_busy_one_skipped(settings, monkeypatch, caplog):
    settings.SYNC_CTGOV = True
    failed = SyncRun(pk=7, status=SyncRun.Status.FAILED, error="no network")
    monkeypatch.setattr(jobs, "run_ctgov_sync", lambda: failed)
    with caplog.at_level(logging.INFO, logger="trials.jobs"):
        app.tasks["trials.sync_ctgov"](timestamp=0)
    assert "sync failed (run 7): no network" in caplog.text

    def busy():
        raise jobs.SyncBusy

    monkeypatch.setattr(jobs, "run_ctgov_sync", busy)
    with caplog.at_level(logging.INFO, logger="trials.jobs"):
        app.tasks["trials.sync_ctgov"](timestamp=0)
    assert "already running" in caplog.text


@pytest.mark.django_db
def test_a_new_portal_queues_its_first_sync_once(settings):
    settings.SYNC_CTGOV = True
    assert jobs.queue_first_sync()
    assert not jobs.queue_first_sync()  # the queueing lock: one waiting sync at most
    assert (
        ProcrastinateJob.objects.filter(task_name="trials.sync_ctgov", status="todo").count() == 1
    )
    settings.SYNC_CTGOV = False
    assert not jobs.queue_first_sync()
