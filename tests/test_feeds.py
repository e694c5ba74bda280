"""A feed per search (issue 17, point 2): Atom with RFC 4287's required elements, the search's
own trials, newest change first, what each is now, linked from the search page."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from trials.models import Trial

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, **params) -> ET.Element:
    response = client.get("/feeds/trials.atom", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer


def _date(text: str) -> datetime.datetime:
    # RFC 3339 date-time (RFC 4287 section 3.3): with a time zone.
    value = datetime.datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


def _entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def test_the_feed_has_the_elements_atom_requires(client):
    feed = _feed(client, country="CN")
    assert feed.tag == f"{ATOM}feed"
    # atom:feed MUST contain exactly one id, title and updated (4.1.1).
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.findtext(f"{ATOM}id").startswith("http://testserver/feeds/trials.atom?")
    assert "Country: China" in feed.findtext(f"{ATOM}title")
    _date(feed.findtext(f"{ATOM}updated"))
    # An author for the feed, since an entry may name none (4.1.1); a self link (SHOULD).
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    rels = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert rels["self"] == "http://testserver/feeds/trials.atom?country=CN"
    assert rels["alternate"] == "http://testserver/?country=CN"
    entries = _entries(feed)
    assert len(entries) == 3
    ids = set()
    for entry in entries:
        # atom:entry MUST contain exactly one id, title and updated, and a link (4.1.2).
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        ids.add(entry.findtext(f"{ATOM}id"))
        assert entry.findtext(f"{ATOM}id").startswith("tag:testserver,")
        _date(entry.findtext(f"{ATOM}updated"))
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link.get("href").startswith("http://testserver/trials/")
        assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert len(ids) == 3


def test_the_feed_holds_the_search_s_trials(client):
    links = [e.find(f"{ATOM}link").get("href") for e in _entries(_feed(client, country="ES"))]
    assert links == ["http://testserver/trials/NCT01408199/"]
    assert len(_entries(_feed(client))) == 5
    assert len(_entries(_feed(client, q="lenalidomide", page="2"))) == 3


def test_the_newest_change_comes_first_and_says_what_the_trial_is_now(client, settings):
    settings.FEED_MAX_ENTRIES = 2
    week_ago = timezone.now() - datetime.timedelta(days=7)
    Trial.objects.update(created=week_ago, modified=week_ago)
    Trial.objects.filter(trial_id="NCT01408199").update(modified=timezone.now())
    entries = _entries(_feed(client))
    assert len(entries) == 2
    first = entries[0]
    assert first.findtext(f"{ATOM}title").startswith("Changed: Study To Evaluate")
    summary = first.findtext(f"{ATOM}summary")
    assert "Changed on the portal" in summary and "first seen" in summary
    assert "a source or a curator&#x27;s edit changed the portal&#x27;s copy" in summary
    assert "<li>Status: Completed</li>" in summary
    assert "<li>Status confirmed by the registry: 3 Aug 2011</li>" in summary
    assert "<li>Sites: 1 site in Spain</li>" in summary
    assert "start 31 Jan 2010 · completion 2011-08-31" in summary
    assert _date(first.findtext(f"{ATOM}updated")) > _date(entries[1].findtext(f"{ATOM}updated"))


def test_a_new_trial_says_new(client):
    (entry,) = _entries(_feed(client, country="ES"))
    assert entry.findtext(f"{ATOM}title").startswith("New: ")
    assert "New on the portal" in entry.findtext(f"{ATOM}summary")


def test_a_change_is_a_new_entry_id(client):
    (before,) = _entries(_feed(client, country="ES"))
    Trial.objects.filter(trial_id="NCT01408199").update(
        modified=timezone.now() + datetime.timedelta(hours=1)
    )
    (after,) = _entries(_feed(client, country="ES"))
    assert before.findtext(f"{ATOM}id") != after.findtext(f"{ATOM}id")


def test_registry_text_is_escaped_in_the_summary(client):
    Trial.objects.create(
        key="X-1",
        title="<script>alert(1)</script>",
        countries=["NZ"],
        record={"completion": "<img src=x onerror=alert(1)>"},
    )
    client.get("/")
    (entry,) = _entries(_feed(client, country="NZ"))
    assert entry.findtext(f"{ATOM}title").endswith("<script>alert(1)</script>")  # text, not HTML
    summary = entry.findtext(f"{ATOM}summary")
    assert "<img" not in summary and "&lt;img src=x onerror=alert(1)&gt;" in summary


def test_a_bad_parameter_is_a_400_naming_it(client):
    response = client.get("/feeds/trials.atom", {"country": "XX"})
    assert response.status_code == 400
    assert response.content.decode().startswith("country:")


def test_the_feed_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.get("/")  # builds the index
    client.get("/feeds/trials.atom")  # reads the vocabulary labels
    with django_assert_num_queries(2):  # the change-log poll, the entries
        client.get("/feeds/trials.atom", {"country": "CN"})
    for n in range(30):
        Trial.objects.create(key=f"F{n}", record={}, title=f"Filler trial {n}", countries=["CN"])
    client.get("/")
    with django_assert_num_queries(2):
        assert len(_entries(_feed(client, country="CN"))) == 33


def test_the_search_page_links_its_feed(client):
    html = client.get("/", {"country": "CN", "page": "1"}).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="New and changed trials for this search" href="/feeds/trials.atom?country=CN">'
    ) in html


def test_a_search_of_everything_reads_no_ids(client, django_assert_num_queries):
    client.get("/")
    client.get("/feeds/trials.atom")
    with django_assert_num_queries(1):  # the entries: no search, no change-log poll
        assert len(_entries(_feed(client, sort="updated", page="3"))) == 5


def test_a_change_says_what_the_registry_dates_show(client):
    week_ago = timezone.now() - datetime.timedelta(days=7)
    Trial.objects.update(created=week_ago, modified=week_ago)
    today = timezone.now().date()
    Trial.objects.filter(trial_id="NCT01408199").update(
        modified=timezone.now(), last_updated=today, status_verified=today
    )
    client.get("/")
    (entry,) = _entries(_feed(client, country="ES"))
    summary = entry.findtext(f"{ATOM}summary")
    assert f"the registry updated its record on {today:%-d %b %Y}" in summary
    assert f"the registry confirmed the status on {today:%-d %b %Y}" in summary


def test_a_change_says_what_changed_from_what(client):
    week_ago = timezone.now() - datetime.timedelta(days=7)
    Trial.objects.update(created=week_ago, modified=week_ago)
    trial = Trial.objects.get(trial_id="NCT01408199")  # COMPLETED, in Spain
    trial.status, trial.countries = "RECRUITING", ["ES", "FR"]
    trial.start_date = datetime.date(2026, 3, 1)
    trial.save()
    (entry,) = _entries(_feed(client, country="ES"))
    summary = entry.findtext(f"{ATOM}summary")
    assert "What changed:" in summary
    assert "Status: Recruiting (was Completed)" in summary
    assert "Countries with sites: Spain, France (was Spain)" in summary
    assert "Start: 1 Mar 2026 (was" in summary
    # A change that leaves the followed fields alone keeps the last one's words.
    Trial.objects.filter(pk=trial.pk).update(title="Only the title changed")
    (entry,) = _entries(_feed(client, country="ES"))
    assert "Status: Recruiting (was Completed)" in entry.findtext(f"{ATOM}summary")


def test_the_trigger_keeps_the_fields_the_model_names():
    from importlib import import_module

    from trials.models import TrialChange

    migration = import_module("trials.migrations.0019_trial_change_before")
    assert migration.FOLLOWED == TrialChange.FOLLOWED
