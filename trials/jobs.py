"""Background jobs, queued in PostgreSQL by procrastinate and run by its worker.

`make run` and `make serve` start the worker beside the web server (`manage.py boot --worker`);
by hand: `manage.py procrastinate worker`. The jobs:

- `import_upload(run_id)`: an admin upload's import. The admin stores the uploaded files under
  IMPORT_UPLOAD_DIR/<run id>/ and queues the job in the same transaction as the ImportRun
  (`queue_upload`); the job runs the importer `import_trials` uses and writes its progress to
  the ImportRun as it goes. Imports take the lock "imports": one at a time, in upload order
  (the sync takes it too).
- `retry_stalled_jobs`: every 5 minutes, a job whose worker stopped sending heartbeats (killed
  mid-job) is queued again. An import killed half-way kept nothing (its transaction rolled
  back) and starts over from its stored files.
- `sync_ctgov`: the ClinicalTrials.gov sync (trials/sync/), daily (SYNC_CTGOV=0 turns it off).
  The job is looked at every hour and syncs when the last successful sync is a day old or
  there was none: a sync that failed (no network, the registry down) is tried again within the
  hour, quietly (logged, and the failed run is in admin), and nothing else is affected.
  `manage.py boot --worker` (make run, make serve) queues one at start when no sync ever
  succeeded, so a new portal fills itself with real trials within minutes.
- `send_alerts`: every hour (at :43), the e-mail alerts that are due (trials/alerts/digest.py):
  each confirmed alert's new and changed trials, at most once a day or a week as its owner
  chose; unconfirmed sign-ups past ALERT_CONFIRM_HOURS are deleted.

Uploads are kept on disk, not in the database: the importer reads paths (files, ZIPs) as it
streams, a 200 MB upload is never held in memory, and the worker runs on the web server's
machine. A folder is removed when its import is done; a failed import keeps its files so that
its job can be retried.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from procrastinate.contrib.django import app, connector_params
from procrastinate.contrib.django.models import ProcrastinateWorker
from procrastinate.exceptions import AlreadyEnqueued
from psycopg.types.json import Jsonb

from trials.alerts.digest import send_due_alerts
from trials.loading.importer import ImportResult, run_import
from trials.models import ImportRun
from trials.sync.ctgov import SyncBusy, run_ctgov_sync
from trials.sync.models import SyncRun

logger = logging.getLogger(__name__)
State = ImportRun.State

# Errors written with the live progress (all of them are saved when the import ends), and how
# often (seconds) the progress is written at most.
LIVE_ERRORS = 50
PROGRESS_EVERY = 1.0


def worker_running() -> bool:
    """Whether a job worker has sent its heartbeat lately (every 10 s while it runs)."""
    recent = timezone.now() - timedelta(minutes=1)
    return ProcrastinateWorker.objects.filter(last_heartbeat__gte=recent).exists()


def stalled(run: ImportRun) -> bool:
    """Whether a running import's worker is gone: none runs, or the run's progress stopped
    (it is written after every batch, seconds apart)."""
    quiet = run.progress_at is None or run.progress_at < timezone.now() - timedelta(minutes=2)
    return quiet or not worker_running()


def upload_dir(run_id: int) -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR) / str(run_id)


def _stored_paths(run: ImportRun) -> list[Path]:
    """Where the run's uploaded files are, in upload order (run.paths names them)."""
    folder = upload_dir(run.pk)
    return [
        folder / f"{i:04d}-{get_valid_filename(name) or 'upload'}"
        for i, name in enumerate(run.paths)
    ]


def queue_upload(files, *, fmt: str | None = None, keep_all: bool = False) -> ImportRun:
    """Store uploaded files (Django UploadedFile) and queue their import: the queued run."""
    names = [Path(f.name).name or "upload" for f in files]
    options = {"format": fmt, "url": None, "all": keep_all, "dry_run": False}
    with transaction.atomic():
        run = ImportRun.objects.create(paths=names, options=options, status=State.QUEUED)
        try:
            upload_dir(run.pk).mkdir(parents=True, exist_ok=True)
            for upload, path in zip(files, _stored_paths(run), strict=True):
                with open(path, "wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
            # Queued through Django's connection: the job exists only if the run does.
            run.job_id = import_upload.defer(run_id=run.pk)
            run.save(update_fields=["job_id"])
        except BaseException:
            shutil.rmtree(upload_dir(run.pk), ignore_errors=True)
            raise
    return run


@app.task(name="trials.import_upload", lock="imports")
def import_upload(run_id: int) -> None:
    run_queued_import(run_id)


def run_queued_import(run_id: int) -> ImportRun:
    """Import a queued upload, writing progress to its ImportRun; the run."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status == State.DONE:  # a job retried after its import had finished
        return run
    paths = [str(p) for p in _stored_paths(run)]
    run.status, run.error, run.records_done, run.rate = State.RUNNING, "", 0, None
    run.counts, run.errors, run.finished, run.progress_at = {}, [], None, timezone.now()
    run.save()
    progress = ProgressWriter(run)
    try:
        result = run_import(
            paths,
            fmt=run.options.get("format") or None,
            keep_all=bool(run.options.get("all")),
            names=dict(zip(paths, run.paths, strict=True)),
            run=run,
            progress=progress,
        )
    except Exception as exc:
        logger.exception("import run %s failed", run_id)
        run.status, run.finished, run.counts = State.FAILED, timezone.now(), {}
        run.error = f"{type(exc).__name__}: {exc}. Nothing from this run was kept."
        run.save(update_fields=["status", "finished", "counts", "error"])
        raise
    finally:
        progress.close()
    progress.update(result)
    run.status = State.DONE
    run.save()
    shutil.rmtree(upload_dir(run_id), ignore_errors=True)
    return run


class ProgressWriter:
    """The importer's progress callback: the counts so far, the records done and their rate,
    kept on the run and written to its row at most every `every` seconds.

    The import runs in one transaction, which the admin page cannot see into, so the row is
    written through a connection of its own, in autocommit. The import itself never writes the
    row before it ends (run_import leaves a given run alone), so the two never wait on each
    other. Inside a test's transaction the row is not visible to that connection: the write
    changes nothing and the final save still tells the whole story."""

    def __init__(self, run: ImportRun, every: float | None = None) -> None:
        self.run = run
        self.every = PROGRESS_EVERY if every is None else every
        self.started = time.monotonic()
        self.written = 0.0
        self.conn: psycopg.Connection | None = None

    def update(self, result: ImportResult) -> None:
        run = self.run
        run.counts = dict(result.counts.values)
        run.records_done = sum(run.counts.values())
        elapsed = time.monotonic() - self.started
        run.rate = round(run.records_done / elapsed, 1) if elapsed > 0 else None
        run.progress_at = timezone.now()

    def __call__(self, result: ImportResult) -> None:
        self.update(result)
        if time.monotonic() - self.written < self.every:
            return
        self.written = time.monotonic()
        run = self.run
        if self.conn is None:
            self.conn = psycopg.connect(**connector_params(), autocommit=True)
        self.conn.execute(
            "UPDATE trials_importrun SET counts = %s, errors = %s, records_done = %s,"
            " rate = %s, progress_at = %s WHERE id = %s",
            [
                Jsonb(run.counts),
                Jsonb(result.errors[:LIVE_ERRORS]),
                run.records_done,
                run.rate,
                run.progress_at,
                run.pk,
            ],
        )

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@app.periodic(cron="*/5 * * * *")
@app.task(name="trials.retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Queue again the jobs whose worker died under them (no heartbeat for 30 s)."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs():
        logger.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await manager.retry_job(job)


# Lock "imports": a sync loads trials, never beside an upload's import.
@app.periodic(cron="17 * * * *")
@app.task(name="trials.sync_ctgov", queueing_lock="sync_ctgov", lock="imports")
def sync_ctgov(timestamp: int) -> None:
    """Sync with ClinicalTrials.gov when the last successful sync is SYNC_CTGOV_EVERY old."""
    if not settings.SYNC_CTGOV or not sync_due():
        return
    try:
        run = run_ctgov_sync()
    except SyncBusy:
        logger.info("ClinicalTrials.gov sync already running: not started again")
        return
    if run.status == SyncRun.Status.FAILED:
        # Quietly: the run's page in admin has the error; the next hour tries again.
        logger.warning("ClinicalTrials.gov sync failed (run %s): %s", run.pk, run.error)


def sync_due() -> bool:
    """No successful sync yet, or the last one is SYNC_CTGOV_EVERY hours old."""
    done = (SyncRun.Status.SUCCEEDED, SyncRun.Status.SKIPPED)
    last = SyncRun.objects.filter(status__in=done).order_by("-started").first()
    every = timedelta(hours=settings.SYNC_CTGOV_EVERY)
    return last is None or timezone.now() - last.started >= every - timedelta(minutes=5)


def queue_first_sync() -> bool:
    """Queue a sync now when none ever succeeded (a new portal); True when one was queued."""
    if not settings.SYNC_CTGOV or not sync_due():
        return False
    try:
        with transaction.atomic():  # a savepoint: the lock's refusal leaves a caller's intact
            sync_ctgov.defer(timestamp=int(time.time()))
    except AlreadyEnqueued:  # one is waiting already (its queueing lock)
        return False
    return True


# Lock "alerts": two workers never look at the same alerts at once (each alert is also locked).
@app.periodic(cron="43 * * * *")
@app.task(name="trials.send_alerts", queueing_lock="send_alerts", lock="alerts")
def send_alerts(timestamp: int) -> None:
    """Send the e-mail alerts that are due (trials/alerts/digest.py)."""
    outcome = send_due_alerts()
    if outcome.sent or outcome.failed:
        logger.info(
            "alerts: %s sent, %s with nothing new, %s failed, %s unconfirmed expired",
            outcome.sent,
            outcome.empty,
            outcome.failed,
            outcome.expired,
        )
