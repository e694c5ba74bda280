"""The alerts' periodic job: a confirmed alert's digest of new and changed trials, at most once a
day or a week, never a trial twice unless it changed; unconfirmed sign-ups send nothing and
expire. The job's function runs directly (as test_jobs.py runs the sync's), under a controlled
clock; e-mails land in Django's outbox."""

import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from procrastinate.contrib.django import app

from trials.alerts import digest
from trials.alerts.models import Alert, AlertReport
from trials.models import Trial

from .alerting import confirmed_alert, link_in, new_trial, sign_up

pytest_plugins = ["tests.alerting"]
pytestmark = pytest.mark.django_db


def run_job() -> list:
    """The job as the worker runs it; the e-mails it sent."""
    before = len(mail.outbox)
    app.tasks["trials.send_alerts"](timestamp=0)
    return mail.outbox[before:]


def test_the_job_is_looked_at_every_hour():
    schedule = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert schedule["trials.send_alerts"] == "43 * * * *"
    assert app.tasks["trials.send_alerts"].lock == "alerts"


def test_new_trials_are_sent_once_and_a_changed_one_again(client, clock):
    alert = confirmed_alert(client)
    mail.outbox.clear()
    clock.advance(hours=20)
    trial = new_trial("NCT09900001", title="Abatacept for refractory dermatomyositis")
    new_trial("NCT09900002", title="A psoriasis trial", conditions=["psoriasis"])
    clock.advance(hours=4, minutes=1)

    [message] = run_job()

    assert message.to == ["ana@example.org"]
    assert message.subject == "1 new or updated trial: Condition: Dermatomyositis"
    assert "New: Abatacept for refractory dermatomyositis" in message.body
    assert "http://testserver/trials/NCT09900001/" in message.body
    assert "psoriasis" not in message.body.lower()
    # The seed dermatomyositis trials were there before the alert began: not news.
    assert "NCT05488327" not in message.body
    unsubscribe = link_in(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<http://testserver{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://testserver/?condition=dermatomyositis" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and 'href="http://testserver/trials/NCT09900001/"' in html
    assert AlertReport.objects.get(alert=alert).trial == trial

    clock.advance(days=1, minutes=1)
    assert run_job() == []  # nothing new: nothing sent
    # Reported versions older than the next window are forgotten: they can hide nothing.
    assert not AlertReport.objects.exists()

    trial.status = "COMPLETED"
    trial.save()
    clock.advance(days=1, minutes=1)
    [again] = run_job()
    assert "Updated: Abatacept for refractory dermatomyositis" in again.body
    assert "Completed" in again.body
    clock.advance(days=1, minutes=1)
    assert run_job() == []


def test_at_most_one_email_a_day_or_a_week(client, clock):
    confirmed_alert(client, email="daily@example.org")
    weekly = confirmed_alert(client, email="weekly@example.org", frequency="weekly")
    assert weekly.frequency == "weekly"
    mail.outbox.clear()
    clock.advance(hours=1)
    new_trial("NCT09900011")
    assert run_job() == []  # an hour after confirming: neither is due
    clock.advance(days=1)
    assert [message.to for message in run_job()] == [["daily@example.org"]]
    new_trial("NCT09900012")
    clock.advance(hours=12)
    assert run_job() == []  # the daily one had its e-mail today; the weekly waits
    clock.advance(days=6)
    sent = run_job()
    assert sorted(message.to[0] for message in sent) == ["daily@example.org", "weekly@example.org"]
    weekly_mail = next(message for message in sent if message.to == ["weekly@example.org"])
    assert "2 new or updated trials" in weekly_mail.body


def test_nothing_is_sent_before_confirmation_and_unconfirmed_sign_ups_expire(
    client, clock, settings
):
    settings.ALERT_CONFIRM_HOURS = 48
    sign_up(client)
    assert len(mail.outbox) == 1  # the confirmation only
    new_trial("NCT09900021")
    clock.advance(days=1, minutes=1)
    assert run_job() == []
    assert Alert.objects.count() == 1
    clock.advance(days=1)
    assert run_job() == []
    assert not Alert.objects.exists()  # deleted, address and all
    assert client.get(link_in(mail.outbox[0])).status_code == 404


def test_a_long_digest_lists_the_cap_and_counts_the_rest(client, clock, settings):
    settings.ALERT_MAX_TRIALS = 2
    alert = confirmed_alert(client)
    clock.advance(hours=20)
    for number in range(5):
        new_trial(f"NCT0990010{number}")
    clock.advance(hours=4, minutes=1)
    [message] = run_job()
    assert message.subject.startswith("5 new or updated trials")
    assert message.body.count("New: ") == 2
    assert "…and 3 more: http://testserver/?condition=dermatomyositis" in message.body
    assert AlertReport.objects.filter(alert=alert).count() == 5  # none of them comes back
    clock.advance(days=1, minutes=1)
    assert run_job() == []


def test_registry_text_is_escaped_in_the_html_and_kept_out_of_the_subject(client, clock):
    confirmed_alert(client, search="q=lupus%0D%0ABcc:+evil@example.org&condition=dermatomyositis")
    new_trial("NCT09900031", title="<script>alert(1)</script> lupus <b>bold</b>")
    clock.advance(days=1, minutes=1)
    [message] = run_job()
    html = message.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script> lupus" in message.body  # plain text is not HTML
    assert "\n" not in message.subject and "\r" not in message.subject
    message.message()  # the headers encode: no BadHeaderError


def test_a_failed_send_leaves_the_alert_due_and_the_others_go(client, clock, monkeypatch, caplog):
    first = confirmed_alert(client, email="first@example.org")
    confirmed_alert(client, email="second@example.org")
    new_trial("NCT09900041")
    clock.advance(days=1, minutes=1)
    real_send = locmem.EmailBackend.send_messages

    def flaky(backend, messages):
        if messages[0].to == ["first@example.org"]:
            raise smtplib.SMTPServerDisconnected("gone")
        return real_send(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", flaky)
    with caplog.at_level(logging.ERROR, logger="trials.alerts.digest"):
        sent = run_job()
    assert [message.to for message in sent] == [["second@example.org"]]
    assert "digest not sent" in caplog.text
    assert not AlertReport.objects.filter(alert=first).exists()
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", real_send)
    clock.advance(hours=1)
    assert [message.to for message in run_job()] == [["first@example.org"]]


def test_a_search_whose_values_are_gone_finds_nothing_rather_than_everything(client, clock):
    alert = confirmed_alert(client)
    Alert.objects.filter(pk=alert.pk).update(search="condition=no-such-condition")
    new_trial("NCT09900051")
    clock.advance(days=1, minutes=1)
    assert run_job() == []
    assert digest.send_due_alerts().sent == 0


def test_every_word_of_the_search_is_applied_as_the_page_applies_it(client, clock):
    confirmed_alert(client, search="q=abatacept&recruiting=1&page=3&sort=start")
    alert = Alert.objects.get()
    assert alert.search == "q=abatacept&recruiting=1"
    new_trial("NCT09900061", title="Abatacept in dermatomyositis")
    new_trial("NCT09900062", title="Abatacept, finished", status="COMPLETED")
    new_trial("NCT09900063", title="Lenalidomide in dermatomyositis")
    clock.advance(days=1, minutes=1)
    [message] = run_job()
    assert "NCT09900061" in message.body
    assert "NCT09900062" not in message.body and "NCT09900063" not in message.body


def test_unsubscribing_from_a_digest_deletes_the_alert_and_its_reports(client, clock):
    confirmed_alert(client)
    clock.advance(hours=20)
    new_trial("NCT09900071")
    clock.advance(hours=4, minutes=1)
    [message] = run_job()
    assert AlertReport.objects.exists()
    response = client.post(link_in(message), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Alert.objects.exists() and not AlertReport.objects.exists()
    assert Trial.objects.filter(key="NCT09900071").exists()


def test_a_trial_committed_after_a_look_with_an_earlier_stamp_is_not_missed(client, clock):
    confirmed_alert(client)
    clock.advance(days=1, minutes=1)
    assert run_job() == []
    # An import's long transaction stamped the trial an hour before that look, and committed
    # after it: the next look's window reaches back over it.
    late = new_trial("NCT09900081")
    Trial.objects.filter(pk=late.pk).update(modified=clock.now - timedelta(hours=1, minutes=1))
    clock.advance(days=1)
    [message] = run_job()
    assert "NCT09900081" in message.body
