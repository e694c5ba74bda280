"""The alert form under the results, in Chromium: signing up from a search, confirming by the
link's button, with and without JavaScript (the form is plain HTML)."""

import re

import pytest
from django.core import mail

from trials.alerts.models import Alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signing_up_from_the_results_and_confirming(seeded, page, settings):
    """With JavaScript, under the Content-Security-Policy guard of tests/conftest.py's `page`."""
    _sign_up_and_confirm(seeded, page, settings)


def test_signing_up_and_confirming_without_javascript(seeded, browser, settings):
    context = browser.new_context(java_script_enabled=False)
    _sign_up_and_confirm(seeded, context.new_page(), settings)
    context.close()


def _sign_up_and_confirm(seeded, page, settings):
    settings.SITE_URL = seeded.url
    page.goto(seeded.url + "/?condition=dermatomyositis")
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_label("Daily").check()
    page.get_by_role("button", name="Send me alerts").click()
    page.wait_for_url(re.compile(r"/alerts/sent/$"))
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()
    alert = Alert.objects.get()
    assert (alert.search, alert.frequency, alert.confirmed) == (
        "condition=dermatomyositis",
        "daily",
        None,
    )
    link = re.search(r"http\S+/alerts/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm the alert").click()
    # The answer comes at the same address: wait for it (is_visible() does not wait, and under
    # load the old page was still there: CI, session 47).
    heading = page.get_by_role("heading", name="Your alert is on")
    heading.wait_for(state="visible")
    assert heading.is_visible()
    assert Alert.objects.get().confirmed is not None
