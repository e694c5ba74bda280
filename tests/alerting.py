"""Helpers shared by the e-mail alert tests: a controlled clock, a confirmed alert, trials.

Test modules load the fixtures with `pytest_plugins = ["tests.alerting"]` and import the rest;
no asserts here (PYTEST_DONT_REWRITE).
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from trials.alerts import signup
from trials.alerts.models import Alert
from trials.models import Trial

SIGNUP = "/alerts/"
REAL_NOW = timezone.now
LINK = re.compile(r"http://testserver(/alerts/(?:confirm|unsubscribe)/[^/\s]+/)")


class Clock:
    """timezone.now() as a test sets it: alerts, trials' `modified`, everything Django stamps.
    Each reading is a microsecond after the last, as real time would be."""

    def __init__(self) -> None:
        self.now = REAL_NOW() + timedelta(minutes=1)

    def __call__(self):
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    found = Clock()
    monkeypatch.setattr(timezone, "now", found)
    return found


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def throttle_window(monkeypatch):
    """The throttles' windows stay put during a test (no count reset at an hour's turn)."""
    start = signup._clock()
    monkeypatch.setattr(signup, "_clock", lambda: start)


def link_in(message) -> str:
    """The path of the confirmation or unsubscribe link in an e-mail's text."""
    return LINK.search(message.body).group(1)


def sign_up(
    client, email="ana@example.org", search="condition=dermatomyositis", ip="192.0.2.1", **extra
):
    data = {"email": email, "frequency": "daily", "search": search, **extra}
    return client.post(SIGNUP, data, REMOTE_ADDR=ip)


def confirmed_alert(client, **kwargs) -> Alert:
    """Sign up, then follow the confirmation link and press its button: the confirmed alert."""
    before = len(mail.outbox)
    sign_up(client, **kwargs)
    client.post(link_in(mail.outbox[before]))
    return Alert.objects.get(email=kwargs.get("email", "ana@example.org"))


def new_trial(key: str, title: str = "A new dermatomyositis trial", **fields) -> Trial:
    values = {"conditions": ["dermatomyositis"], "status": "RECRUITING", **fields}
    return Trial.objects.create(key=key, trial_id=key, title=title, record={}, **values)
