"""What the registry syncs record: every run, each run's resumable per-query state, and, per
registry ID, when the registry last listed the study (a study that leaves the registry or the
portal's scope is flagged here; its trial is kept as it was, never deleted).

Imported by the trials app's ready() (trials/apps.py), so these are models of the trials app
(migrations live there).
"""

from __future__ import annotations

from django.db import models


class SyncRun(models.Model):
    """One run of a registry sync, counted as `import_trials` counts (admin → Sync runs)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        SKIPPED = "skipped", "Skipped (nothing changed)"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted (resumed by a later run)"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    source = models.CharField(max_length=20, default="ctgov")
    status = models.CharField(max_length=20, choices=Status, default=Status.RUNNING)
    mode = models.CharField(max_length=20, choices=Mode)
    since = models.DateField(
        null=True, blank=True, help_text="Incremental: studies last updated on or after this day."
    )
    data_timestamp = models.CharField(
        max_length=40, blank=True, default="", help_text="The registry's dataTimestamp (/version)."
    )
    resumed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resumed_by"
    )
    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    requests = models.PositiveIntegerField(default=0, help_text="HTTP requests, retries included.")
    retries = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    studies = models.PositiveIntegerField(default=0, help_text="Studies the registry sent.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Out of the portal's scope.")
    failed = models.PositiveIntegerField(default=0)
    rechecked = models.PositiveIntegerField(
        default=0, help_text="Known studies asked for by ID (filter.ids)."
    )
    gone = models.PositiveIntegerField(
        default=0, help_text="Studies found gone from the registry or the scope in this run."
    )
    error = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, blank=True, help_text="[[study, reason], ...]")

    class Meta:
        ordering = ["-started", "-pk"]
        indexes = [models.Index(fields=["source", "status", "-started"], name="syncrun_last_idx")]

    def __str__(self) -> str:
        return f"Sync {self.source} {self.started:%Y-%m-%d %H:%M} ({self.mode}, {self.status})"

    @property
    def duration(self):
        return self.finished - self.started if self.finished and self.started else None

    COUNTED = ("created", "updated", "unchanged", "merged", "skipped", "failed")


class SyncChunk(models.Model):
    """One query of a run (a chunk of the scope's terms, or a batch of IDs to re-check) and how
    far it got: the page token to ask for next, committed with each page's load."""

    class Kind(models.TextChoices):
        QUERY = "query", "Scope query"
        RECHECK = "recheck", "Re-check by ID"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.QUERY)
    params = models.JSONField(help_text="The query's parameters (without paging).")
    page_token = models.TextField(blank=True, default="", help_text="Next page; empty: the first.")
    pages = models.PositiveIntegerField(default=0)
    studies = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="The registry's count.")
    restarts = models.PositiveSmallIntegerField(default=0, help_text="Expired page tokens.")
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="syncchunk_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number} ({self.kind})"


class SyncedStudy(models.Model):
    """A registry study the portal holds: when a sync last saw the registry list it, and
    whether it left the registry or the portal's scope (the trial is kept, flagged here)."""

    class State(models.TextChoices):
        LISTED = "listed", "Listed by the registry"
        OUT_OF_SCOPE = "out_of_scope", "Left the portal's scope"
        GONE = "gone", "No longer returned by the registry"

    registry = models.CharField(max_length=60)
    study_id = models.CharField(max_length=100)
    trial = models.ForeignKey(
        "trials.Trial", null=True, blank=True, on_delete=models.SET_NULL, related_name="synced"
    )
    state = models.CharField(max_length=20, choices=State, default=State.LISTED)
    state_since = models.DateTimeField(null=True, blank=True)
    last_update = models.CharField(
        max_length=10, blank=True, default="", help_text="The registry's last update posted date."
    )
    last_synced = models.DateTimeField(
        null=True, blank=True, help_text="When a sync last got the study from the registry."
    )
    last_checked = models.DateTimeField(
        null=True, blank=True, help_text="When a sync last asked the registry for it."
    )

    class Meta:
        ordering = ["registry", "study_id"]
        verbose_name_plural = "synced studies"
        indexes = [
            models.Index(fields=["registry", "last_checked"], name="syncedstudy_checked_idx"),
            models.Index(fields=["state"], name="syncedstudy_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["registry", "study_id"], name="syncedstudy_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.study_id} ({self.state})"
