"""The alerts' e-mails, through Django's e-mail backend (MAILERS in portal/settings.py:
console in development, SMTP from the environment).

Plain text, with an HTML alternative for the digest rendered by Django templates with
autoescaping: registry text (titles) is never marked safe. Links are absolute, from SITE_URL.
Every digest carries the one-click unsubscribe of RFC 8058: a `List-Unsubscribe` header with the
link (POSTed to by mail clients) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
Subjects hold no registry text and no typed words with line breaks (one line, cut short).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string
from django.urls import reverse

from trials.alerts.models import Alert
from trials.alerts.searches import describe

SUBJECT_WORDS = 60


def absolute(path: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def search_url(alert: Alert) -> str:
    return absolute(reverse("search")) + (f"?{alert.search}" if alert.search else "")


def unsubscribe_url(token: str) -> str:
    return absolute(reverse("alert_unsubscribe", args=[token]))


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= SUBJECT_WORDS else one_line[: SUBJECT_WORDS - 1] + "…"


@dataclass(frozen=True)
class Item:
    """A trial in a digest: its words and absolute link, and whether it is new to the alert."""

    title: str
    trial_id: str
    status: str
    url: str
    new: bool


def _context(alert: Alert, **extra) -> dict:
    return {
        "alert": alert,
        "search": describe(alert.search),
        "search_url": search_url(alert),
        "site_url": settings.SITE_URL,
        **extra,
    }


def send_confirmation(alert: Alert, token: str) -> None:
    context = _context(
        alert,
        confirm_url=absolute(reverse("alert_confirm", args=[token])),
        hours=settings.ALERT_CONFIRM_HOURS,
    )
    EmailMultiAlternatives(
        subject="Confirm your trial alert",
        body=render_to_string("alerts/email/confirm.txt", context),
        to=[alert.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()


def send_already(alert: Alert, unsubscribe_token: str) -> None:
    """The address asked again for an alert it has: say so, with the way out."""
    context = _context(alert, unsubscribe_url=unsubscribe_url(unsubscribe_token))
    EmailMultiAlternatives(
        subject="You already have this trial alert",
        body=render_to_string("alerts/email/already.txt", context),
        to=[alert.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()


def digest(
    alert: Alert, items: Sequence[Item], more: int, unsubscribe_token: str
) -> EmailMultiAlternatives:
    """The digest of an alert: `items` listed, `more` others counted."""
    link = unsubscribe_url(unsubscribe_token)
    total = len(items) + more
    context = _context(alert, items=items, more=more, total=total, unsubscribe_url=link)
    subject = f"{total} new or updated trial{'s' if total != 1 else ''}: {describe(alert.search)}"
    message = EmailMultiAlternatives(
        subject=_short(subject),
        body=render_to_string("alerts/email/digest.txt", context),
        to=[alert.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("alerts/email/digest.html", context), "text/html")
    return message


def mailer():
    """The default mailer, for a run's digests: one SMTP session, not one per e-mail (use it
    as a context manager: `with mail.mailer() as sender: sender.send_messages([...])`)."""
    return mailers.default
