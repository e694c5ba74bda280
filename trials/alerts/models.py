"""What the alerts keep: the address and the search, and what each alert has reported.

An address is kept for its alerts only: unsubscribing deletes the alert (and, by cascade, what
it reported); an unconfirmed sign-up is deleted when it expires (ALERT_CONFIRM_HOURS).

Imported by the trials app's ready() (trials/apps.py), so these are models of the trials app
(migrations live there).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q

from trials.models import Trial


class Alert(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    email = models.EmailField(max_length=254)
    # The search's canonical query string (searches.canonical); "" is every trial.
    search = models.TextField(blank=True, default="")
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.WEEKLY)
    created = models.DateTimeField(auto_now_add=True)
    # SHA-256 of the confirmation token sent by e-mail (the token itself is never stored);
    # null once confirmed.
    confirm_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    confirmed = models.DateTimeField(null=True, blank=True)
    # Trials changed after this are looked at (the last look, less a margin for late commits).
    since = models.DateTimeField(null=True, blank=True)
    # The next look: one period after confirmation, then after each look.
    due = models.DateTimeField(null=True, blank=True)
    last_sent = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "search"], name="alert_unique_search"),
            models.CheckConstraint(
                condition=Q(frequency__in=["daily", "weekly"]), name="alert_frequency_known"
            ),
        ]
        indexes = [
            # Used by the job: the confirmed alerts that are due.
            models.Index(fields=["due"], name="alert_due", condition=Q(confirmed__isnull=False)),
            # Used by the job: the unconfirmed sign-ups that expired.
            models.Index(
                fields=["created"], name="alert_unconfirmed", condition=Q(confirmed__isnull=True)
            ),
            # Used by the sign-up: how many alerts an address has.
            models.Index(fields=["email"], name="alert_email"),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.frequency})"

    @property
    def period(self) -> timedelta:
        return timedelta(days=7 if self.frequency == self.Frequency.WEEKLY else 1)


class AlertReport(models.Model):
    """A trial an alert reported, and which version (the trial's `modified` then): the trial is
    reported again only when it changes after that."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="reports")
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    stamp = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "trial"], name="alert_report_unique")
        ]

    def __str__(self) -> str:
        return f"alert {self.alert_id}: trial {self.trial_id} at {self.stamp}"
