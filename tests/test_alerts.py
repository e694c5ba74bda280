"""E-mail alerts' pages: the results page's form, sign-up with double opt-in, confirming,
unsubscribing (the page and RFC 8058's one-click POST), throttles, and hostile input that never
answers 500. Pages run a fixed number of queries."""

import pytest
from django.core import mail

from trials.alerts.models import Alert, AlertReport
from trials.alerts.signup import unsubscribe_token

from .alerting import SIGNUP, confirmed_alert, link_in, sign_up

pytest_plugins = ["tests.alerting"]
pytestmark = pytest.mark.django_db


def test_the_results_page_has_the_form_with_the_search(client):
    page = client.get("/", {"condition": "dermatomyositis", "page": "1"}).content.decode()
    assert 'action="/alerts/"' in page and 'method="post"' in page
    assert 'name="search" value="condition=dermatomyositis&amp;page=1"' in page
    assert 'type="email"' in page and 'value="daily"' in page and 'value="weekly" checked' in page
    form = page[page.index('class="alert-signup"') :]
    form = form[: form.index("</section>")]
    assert "style=" not in form and "<script" not in form
    assert "csrfmiddlewaretoken" not in form  # the page is shared by a cache: no token in it


def test_signing_up_stores_the_canonical_search_and_mails_a_confirmation_link(client):
    search = "phase=phase2&condition=dermatomyositis&sort=start&page=2&phase=PHASE2&q=abatacept"
    response = sign_up(client, email="Ana@Example.ORG", search=search)
    assert response.status_code == 302 and response["Location"] == "/alerts/sent/"
    alert = Alert.objects.get()
    assert alert.email == "Ana@example.org"
    assert alert.search == "q=abatacept&condition=dermatomyositis&phase=PHASE2"
    assert (alert.frequency, alert.confirmed, alert.due) == ("daily", None, None)
    [message] = mail.outbox
    assert message.to == ["Ana@example.org"] and message.subject == "Confirm your trial alert"
    link = link_in(message)
    assert link.startswith("/alerts/confirm/")
    assert link.split("/")[3] not in alert.confirm_hash  # only the token's hash is stored
    assert "List-Unsubscribe" not in message.extra_headers
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()


def test_the_confirmation_link_shows_a_button_and_only_its_post_confirms(
    client, django_assert_num_queries
):
    sign_up(client)
    link = link_in(mail.outbox[0])
    with django_assert_num_queries(1):
        page = client.get(link)
    assert page.status_code == 200 and "Confirm the alert" in page.content.decode()
    assert Alert.objects.get().confirmed is None  # a mail scanner's GET confirms nothing
    with django_assert_num_queries(2):
        done = client.post(link)
    assert done.status_code == 200 and "Your alert is on" in done.content.decode()
    alert = Alert.objects.get()
    assert alert.confirmed and alert.confirm_hash is None and alert.due > alert.confirmed
    assert client.post(link).status_code == 404  # used


def test_links_that_were_not_made_here_are_404(client):
    assert client.get("/alerts/confirm/not-a-token/").status_code == 404
    assert client.post("/alerts/confirm/" + "x" * 5000 + "/").status_code == 404
    assert client.get("/alerts/unsubscribe/1:forged/").status_code == 404
    assert client.post("/alerts/unsubscribe/" + "y" * 5000 + "/").status_code == 404


def test_unsubscribing_shows_a_button_and_the_post_deletes_the_address(
    client, django_assert_num_queries
):
    alert = confirmed_alert(client)
    link = f"/alerts/unsubscribe/{unsubscribe_token(alert)}/"
    with django_assert_num_queries(1):
        page = client.get(link)
    assert "Stop the alert" in page.content.decode() and "ana@example.org" in page.content.decode()
    assert Alert.objects.exists()  # GET (a scanner) deletes nothing
    with django_assert_num_queries(3):
        # As a mail client sends RFC 8058's one-click: no cookie, no token, that body.
        done = client.post(link, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")
    assert done.status_code == 200
    assert not Alert.objects.filter(email="ana@example.org").exists()
    assert not AlertReport.objects.exists()
    again = client.post(link)
    assert again.status_code == 200 and "stopped" in again.content.decode()
    assert "stopped" in client.get(link).content.decode()


@pytest.mark.parametrize(
    ("email", "field"),
    [
        ("not an address", "email"),
        ("", "email"),
        ("a" * 250 + "@example.org", "email"),
        ("ana@example.org\r\nBcc: everyone@example.org", "email"),
        ("ana@example.org\nSubject: hi", "email"),
        ("ana\x00@example.org", "email"),
    ],
)
def test_a_bad_address_is_a_400_naming_the_field_and_sends_nothing(client, email, field):
    response = sign_up(client, email=email)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Alert.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    "extra",
    [
        {"frequency": "hourly"},
        {"frequency": "daily\r\nBcc: x@example.org"},
        {"search": "q=" + "a" * 5000},
        {"search": "q=lupus\x00"},
    ],
)
def test_other_hostile_fields_are_a_400_never_a_500(client, extra):
    response = sign_up(client, **extra)
    assert response.status_code == 400
    assert not Alert.objects.exists() and not mail.outbox


def test_hostile_search_text_is_kept_as_words_never_as_headers(client):
    search = "q=lupus%0D%0ABcc:+evil@example.org&condition=nonsense&near=%0A&age=-5"
    response = sign_up(client, search=search)
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert "condition" not in alert.search and "age" not in alert.search
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"] and not message.cc and not message.bcc
    message.message()  # encodes without BadHeaderError


def test_sign_ups_are_throttled_per_client_address(client, settings):
    settings.ALERT_SIGNUPS_PER_IP_HOUR = 2
    assert sign_up(client, email="one@example.org").status_code == 302
    assert sign_up(client, email="two@example.org").status_code == 302
    refused = sign_up(client, email="three@example.org")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "Too many sign-ups" in refused.content.decode()
    assert sign_up(client, email="three@example.org", ip="198.51.100.7").status_code == 302
    assert Alert.objects.count() == 3 and len(mail.outbox) == 3


def test_sign_ups_are_throttled_per_email_address(client, settings):
    settings.ALERT_SIGNUPS_PER_EMAIL_DAY = 2
    for number in range(2):
        response = sign_up(client, ip=f"203.0.113.{number}", search=f"q=word{number}")
        assert response.status_code == 302
    refused = sign_up(client, email="ANA@example.org", ip="203.0.113.9", search="q=other")
    assert refused.status_code == 429
    assert len(mail.outbox) == 2


def test_signing_up_again_sends_a_new_link_or_says_the_alert_exists(client):
    sign_up(client)
    first = link_in(mail.outbox[0])
    sign_up(client, frequency="weekly")
    second = link_in(mail.outbox[1])
    assert Alert.objects.get().frequency == "weekly"
    assert client.post(first).status_code == 404  # the newer link replaces it
    assert client.post(second).status_code == 200
    response = sign_up(client)
    assert response.status_code == 302  # the page says the same: it never tells who signed up
    assert mail.outbox[2].subject == "You already have this trial alert"
    assert link_in(mail.outbox[2]).startswith("/alerts/unsubscribe/")
    assert Alert.objects.get().frequency == "weekly"  # unchanged without confirmation


def test_an_address_has_a_bounded_number_of_alerts(client, settings):
    settings.ALERT_MAX_PER_EMAIL = 2
    for word in ("one", "two", "three"):
        assert sign_up(client, search=f"q={word}").status_code == 302
    assert Alert.objects.count() == 2 and len(mail.outbox) == 2


def test_a_post_from_another_site_is_refused(client):
    response = client.post(
        SIGNUP,
        {"email": "ana@example.org", "frequency": "daily", "search": ""},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403 and not Alert.objects.exists()
    same = client.post(
        SIGNUP,
        {"email": "ana@example.org", "frequency": "daily", "search": ""},
        headers={"Origin": "http://testserver"},
    )
    assert same.status_code == 302


def test_the_sign_up_page_shows_the_search_and_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    # The vocabularies (conditions, drugs, classes), read once per process, then none.
    with django_assert_num_queries(3):
        page = client.get(SIGNUP, {"q": "abatacept", "phase": "PHASE2", "drug": "no-such-drug"})
    with django_assert_num_queries(0):
        client.get(SIGNUP, {"q": "abatacept", "phase": "PHASE2", "drug": "no-such-drug"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "“abatacept”" in text and "Phase: Phase 2" in text
    assert 'name="search" value="q=abatacept&amp;phase=PHASE2"' in text
    assert "unknown drug" in text


def test_a_failed_confirmation_mail_is_a_503_and_asks_to_try_later(client, monkeypatch):
    def down(message, fail_silently=False):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(mail.EmailMessage, "send", down)
    response = sign_up(client)
    assert response.status_code == 503 and "could not be sent" in response.content.decode()


def test_a_sign_up_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.get(SIGNUP, {"condition": "dermatomyositis"})  # the vocabularies, read once
    # The two throttles' counts, each read then written (DatabaseCache counts its rows and
    # writes in a savepoint: 6 statements), the same search's alert, the address's alerts, the
    # insert (in a savepoint: 3).
    with django_assert_num_queries(17):
        assert sign_up(client).status_code == 302


@pytest.mark.parametrize(
    "search",
    [
        "q=%ZZ&near=%00&within=nan&page=-1&sort=<x>",
        "age=1e999&recruiting=yes&include_unconfirmed=1&phase=" + "X" * 300,
        "near=Springfield&within=5000&condition=&condition=dermatomyositis",
        "&&&==&q",
    ],
)
def test_odd_searches_are_read_as_the_page_reads_them_never_a_500(client, search):
    assert client.get(SIGNUP + "?" + search).status_code == 200
    assert sign_up(client, search=search).status_code == 302
    stored = Alert.objects.get().search
    assert "page=" not in stored and "sort=" not in stored and "X" * 10 not in stored


def test_other_methods_are_refused(client):
    assert client.put(SIGNUP).status_code == 405
    assert client.delete("/alerts/unsubscribe/1:abc/").status_code == 405


def test_words_read_as_filters_are_stored_as_their_parameters(client):
    sign_up(client, search="q=dermatomyositis+not+responding+to+methotrexate+near+Bethesda")
    stored = Alert.objects.get().search
    assert stored.startswith("q=dermatomyositis&")
    assert "refractory=1" in stored and "prior_therapy=methotrexate" in stored
    assert "near=Bethesda" in stored


def test_the_alert_pages_answer_head_as_get(client):
    assert client.head("/alerts/", {"q": "psoriasis"}).status_code == 200
    assert client.head("/alerts/sent/").status_code == 200
    assert client.head("/alerts/confirm/not-a-token/").status_code == 404  # as GET answers
    assert client.put("/alerts/").status_code == 405
