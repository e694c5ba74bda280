"""Signing up, confirming and unsubscribing.

- Double opt-in: a sign-up stores the alert unconfirmed and e-mails a link holding a random
  token; only the token's SHA-256 is stored, so the table alone confirms nothing. Nothing else
  is ever sent to an unconfirmed address, and an unconfirmed sign-up older than
  ALERT_CONFIRM_HOURS is deleted (by the job) and its link refused.
- Throttled in Django's cache (the database cache: every server process counts together):
  ALERT_SIGNUPS_PER_IP_HOUR sign-ups an hour from one client address, and
  ALERT_SIGNUPS_PER_EMAIL_DAY a day to one e-mail address (so the form cannot be used to flood
  someone's mailbox with confirmation mails). Counted in fixed windows; the e-mail address is
  hashed in the cache key, never stored there.
- Unsubscribing: every e-mail carries a link signed with SECRET_KEY over the alert's id (the job
  builds it for each digest without keeping a secret per alert); following it deletes the row.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from trials.alerts import mail
from trials.alerts.models import Alert

_UNSUBSCRIBE_SALT = "trials.alerts.unsubscribe"
_HOUR = 3600


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_email(email: str) -> str:
    """The address as stored: the domain in lower case (the local part is the mailbox's own)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def _clock() -> float:
    return time.time()


def _within_limit(kind: str, who: str, limit: int, seconds: int) -> bool:
    """Count one more attempt in this window; whether it is within the limit."""
    window = int(_clock() // seconds)
    key = f"alerts:signup:{kind}:{hashlib.sha256(who.encode()).hexdigest()}:{window}"
    count = cache.get(key, 0) + 1
    cache.set(key, count, seconds)
    return count <= limit


def client_allowed(address: str) -> bool:
    """One more sign-up from this client address (REMOTE_ADDR): within its hourly limit?"""
    return _within_limit("ip", address, settings.ALERT_SIGNUPS_PER_IP_HOUR, _HOUR)


def email_allowed(email: str) -> bool:
    """One more sign-up to this e-mail address: within its daily limit?"""
    limit = settings.ALERT_SIGNUPS_PER_EMAIL_DAY
    return _within_limit("email", email.lower(), limit, 24 * _HOUR)


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did: `sent` names the e-mail sent ("confirm", "already" or "")."""

    alert: Alert | None
    sent: str


def sign_up(email: str, search: str, frequency: str) -> SignUp:
    """Store an unconfirmed alert and e-mail its confirmation link.

    The same address and search again: an unconfirmed alert gets a new link (and the frequency
    asked for now); a confirmed one is left as it is and the address is told it has it. Over
    ALERT_MAX_PER_EMAIL alerts for one address: nothing is stored or sent. The page says the
    same in every case: it never tells who has an alert."""
    email = normal_email(email)
    existing = Alert.objects.filter(email=email, search=search).first()
    if existing is not None and existing.confirmed is not None:
        mail.send_already(existing, unsubscribe_token(existing))
        return SignUp(existing, "already")
    full = Alert.objects.filter(email=email).count() >= settings.ALERT_MAX_PER_EMAIL
    if existing is None and full:
        return SignUp(None, "")
    alert = existing or Alert(email=email, search=search)
    token = secrets.token_urlsafe(32)
    alert.frequency, alert.confirm_hash = frequency, _hash(token)
    alert.created = timezone.now()  # a new link: the wait starts again
    try:
        with transaction.atomic():
            alert.save(update_fields=["frequency", "confirm_hash", "created"] if existing else None)
    except IntegrityError:  # the same sign-up at the same moment in another request: it mails
        return SignUp(None, "")
    mail.send_confirmation(alert, token)
    return SignUp(alert, "confirm")


def pending(token: str) -> Alert | None:
    """The unconfirmed, unexpired alert a confirmation token is for."""
    if not token or len(token) > 100:
        return None
    expired = timezone.now() - settings.ALERT_CONFIRM_HOURS * timedelta(hours=1)
    return Alert.objects.filter(
        confirm_hash=_hash(token), confirmed__isnull=True, created__gt=expired
    ).first()


def confirm(alert: Alert) -> Alert:
    """The alert starts: its first look is one period from now, at trials changed from now."""
    now = timezone.now()
    alert.confirmed, alert.confirm_hash, alert.since = now, None, now
    alert.due = now + alert.period
    alert.save(update_fields=["confirmed", "confirm_hash", "since", "due"])
    return alert


def expire_unconfirmed() -> int:
    """Delete the sign-ups never confirmed within ALERT_CONFIRM_HOURS; how many."""
    expired = timezone.now() - settings.ALERT_CONFIRM_HOURS * timedelta(hours=1)
    deleted, _ = Alert.objects.filter(confirmed__isnull=True, created__lte=expired).delete()
    return deleted


def unsubscribe_token(alert: Alert) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(str(alert.pk))


def unsubscribe_id(token: str) -> int | None:
    """The alert id a link names, or None when the link was not made here."""
    if not token or len(token) > 200:
        return None
    try:
        value = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None
