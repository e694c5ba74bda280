"""The periodic job's work (trials/jobs.py `send_alerts`): each due alert's digest.

An alert is due one period (a day or a week, as chosen) after its confirmation, then one period
after each look: at most one e-mail a period. A look takes the trials the alert's search finds
among those changed since its last look, less those it already reported at their current
version (`AlertReport`: trial and `modified` stamp); a trial that changes after it was reported
is reported again, once. Nothing found, nothing sent (the look still counts). Reports older
than the window are deleted: the table holds about a period's worth per alert.

The window reaches back LATE_COMMITS before the last look: a trial's `modified` is stamped when
its import writes it, but another process sees it only when the import's one transaction
commits, which may be minutes later. The reported versions keep the overlap from repeating.

One alert at a time, each in its transaction: the e-mail is sent, then its trials are recorded
and its next look set. A failed send (the SMTP server down) leaves the alert due: the next run
tries again; the other alerts are not held up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from trials.alerts import mail, searches
from trials.alerts.models import Alert, AlertReport
from trials.alerts.signup import expire_unconfirmed, unsubscribe_token

logger = logging.getLogger(__name__)

LATE_COMMITS = timedelta(hours=6)


@dataclass
class Outcome:
    sent: int = 0
    empty: int = 0
    failed: int = 0
    expired: int = 0


def send_due_alerts() -> Outcome:
    """Look at every due alert once; send the digests that have trials. Safe to run often."""
    outcome = Outcome(expired=expire_unconfirmed())
    due = Alert.objects.filter(confirmed__isnull=False, due__lte=timezone.now())
    alert_ids = list(due.order_by("due").values_list("pk", flat=True))
    if not alert_ids:
        return outcome  # no SMTP connection for nothing
    with mail.mailer() as sender:
        for alert_id in alert_ids:
            try:
                sent = _look(alert_id, sender)
            except Exception:
                logger.exception("alert %s: digest not sent; tried again at the next run", alert_id)
                outcome.failed += 1
                continue
            if sent:
                outcome.sent += 1
            else:
                outcome.empty += 1
    return outcome


def _look(alert_id: int, sender) -> bool:
    """One alert's look, in its transaction; whether an e-mail went out."""
    with transaction.atomic():
        now = timezone.now()
        # Locked, and skipped when another worker holds it (or it was unsubscribed meanwhile).
        alert = (
            Alert.objects.select_for_update(skip_locked=True)
            .filter(pk=alert_id, due__lte=now, confirmed__isnull=False)
            .first()
        )
        if alert is None:
            return False
        window = alert.since or alert.confirmed
        changed = _unreported(alert, window)
        found = list(changed.values_list("pk", "modified"))
        if found:
            sender.send_messages([_digest(alert, changed, len(found), window)])
            AlertReport.objects.bulk_create(
                [AlertReport(alert=alert, trial_id=pk, stamp=stamp) for pk, stamp in found],
                update_conflicts=True,
                unique_fields=["alert", "trial"],
                update_fields=["stamp"],
            )
            alert.last_sent = now
        alert.since, alert.due = now - LATE_COMMITS, now + alert.period
        alert.save(update_fields=["since", "due", "last_sent"])
        # A version older than the next window can no longer hide a trial (the window's
        # trials changed after it): forgotten, so that the table holds a period's reports.
        AlertReport.objects.filter(alert=alert, stamp__lte=alert.since).delete()
        return bool(found)


def _unreported(alert: Alert, window: datetime):
    """The search's trials changed since `window` and not reported at this version."""
    reported = AlertReport.objects.filter(
        alert=alert, trial=OuterRef("pk"), stamp__gte=OuterRef("modified")
    )
    return searches.changed_since(alert.search, window).exclude(Exists(reported))


def _digest(alert: Alert, changed, total: int, window: datetime):
    """The e-mail: the first ALERT_MAX_TRIALS trials, newest change first, the rest counted. A
    trial is "New" when it came to the portal in the window and the alert never reported it."""
    shown = settings.ALERT_MAX_TRIALS
    earlier = AlertReport.objects.filter(alert=alert, trial=OuterRef("pk"))
    trials = (
        changed.order_by("-modified", "pk")
        .only("key", "trial_id", "title", "status", "created")
        .annotate(reported_before=Exists(earlier))[:shown]
    )
    items = [
        mail.Item(
            title=trial.title,
            trial_id=trial.trial_id or "",
            status=trial.get_status_display(),
            url=mail.absolute(trial.get_absolute_url()),
            new=not trial.reported_before and trial.created > window,
        )
        for trial in trials
    ]
    return mail.digest(alert, items, total - len(items), unsubscribe_token(alert))
