"""Freshness told honestly (issue 13, point 5) and site coordinates (point 6).

The seed trials, as loaded for every test: ChiCTR1900025376 (RECRUITING, last confirmed
2019-08-27) and NCT04946669 (RECRUITING, 2021-07-12) are more than two years old today; the
listing site's trial (NOT_YET_RECRUITING) gives no date at all, so it is never called stale.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.http import QueryDict

from trials import freshness
from trials.loading.loader import Loader
from trials.models import RawDocument, Site, Status, Trial, status_unconfirmed, unconfirmed_before
from trials.readers import ctgov_json, read_bytes
from trials.readers.finish import status_verified
from trials.readers.merge import merge
from trials.search import cache
from trials.search.engine import search
from trials.search.params import TrialFilterSet, parse
from trials.sync.models import SyncedStudy, SyncRun

DATA = Path(__file__).parent / "data"
STALE = {"ChiCTR1900025376", "NCT04946669"}
STALE_WORDS = "Status not confirmed since August 2019 — ask the study team"


def _query(**params) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data[name] = str(value)
    return data


def _engine_and_orm(params: QueryDict) -> tuple[set[str], set[str], int]:
    query, errors = parse(params)
    assert not errors, errors
    result = search(query)
    orm = TrialFilterSet(data=params, queryset=Trial.objects.all()).qs
    assert result.count == orm.count()
    return {hit.key for hit in result.trials}, set(orm.values_list("key", flat=True)), result.count


# --- The rule ------------------------------------------------------------------------------


def test_the_cut_off_is_two_years_before_today_and_a_setting(settings):
    today = datetime.date(2026, 12, 1)
    assert unconfirmed_before(today) == datetime.date(2024, 12, 1)
    assert unconfirmed_before(datetime.date(2028, 2, 29)) == datetime.date(2026, 2, 28)
    settings.STATUS_UNCONFIRMED_YEARS = 5
    assert unconfirmed_before(today) == datetime.date(2021, 12, 1)


def test_only_an_open_status_with_an_old_date_is_unconfirmed():
    today = datetime.date(2026, 12, 1)
    old, recent = datetime.date(2024, 11, 30), datetime.date(2024, 12, 1)
    assert status_unconfirmed(Status.RECRUITING, old, today)
    assert status_unconfirmed(Status.ENROLLING_BY_INVITATION, old, today)
    assert not status_unconfirmed(Status.RECRUITING, recent, today)
    assert not status_unconfirmed(Status.COMPLETED, old, today)  # a closed status stays said
    assert not status_unconfirmed(Status.RECRUITING, None, today)  # no date: cannot say since


# --- Readers --------------------------------------------------------------------------------


def test_ctgov_json_reads_status_verified_and_geo_points():
    (record,) = read_bytes((DATA / "ctgov-json/in/single-study.json").read_bytes())
    assert record["status_verified"] == "2024-03"
    assert record["last_updated"] == "2024-03-05"
    first = record["sites"][0]
    assert (first["lat"], first["lon"]) == (42.35843, -71.05977)


@pytest.mark.parametrize(
    "point",
    [None, {}, {"lat": "42"}, {"lat": 42.1}, {"lat": 95.0, "lon": 1.0}, {"lat": True, "lon": 1}],
)
def test_a_broken_geo_point_is_no_coordinates(point):
    assert ctgov_json._coordinates(point) == {"lat": None, "lon": None}


def test_ctgov_xml_reads_the_verification_date_and_has_no_coordinates():
    (record,) = read_bytes((DATA / "ctgov-xml/in/old-2013-variant.xml").read_bytes())
    assert record["status_verified"] == "2012-11"
    assert all(site["lat"] is None and site["lon"] is None for site in record["sites"])


def test_ictrp_gives_its_last_refreshed_date():
    (record,) = read_bytes((DATA / "ictrp-page/in/seed-002.txt").read_bytes())
    assert record["status_verified"] == record["source"]["refreshed"] == "2019-08-27"


def test_without_a_verified_date_the_rule_falls_back_to_the_last_update_then_the_refresh():
    source = {"refreshed": "2020-01-02"}
    assert status_verified({"status_verified": "2024-03", "last_updated": "2024-05"}) == "2024-03"
    assert status_verified({"last_updated": "2021-06-07", "source": source}) == "2021-06-07"
    assert status_verified({"source": source}) == "2020-01-02"
    assert status_verified({"source": {}}) is None


def test_merging_keeps_the_most_recent_confirmation():
    registry = {"source": {"format": "ctgov-json"}, "status_verified": "2019-08", "title": "A"}
    listing = {"source": {"format": "listing-page"}, "status_verified": "2025-02-03", "title": "B"}
    merged, provenance, _ = merge([registry, listing])
    assert merged["status_verified"] == "2025-02-03"
    assert merged["title"] == "A"  # other fields still come from the best-ranked source
    assert provenance["status_verified"]["format"] == "listing-page"


def test_a_confirmation_of_another_status_vouches_for_nothing():
    registry = {
        "source": {"format": "ctgov-json"},
        "status": "RECRUITING",
        "status_verified": "2023-01",
    }
    relay = {
        "source": {"format": "ictrp-xml"},
        "status": "ACTIVE_NOT_RECRUITING",
        "status_verified": "2024-06-10",
    }
    merged, provenance, conflicts = merge([registry, relay])
    assert (merged["status"], merged["status_verified"]) == ("RECRUITING", "2023-01")
    assert provenance["status_verified"]["format"] == "ctgov-json"
    assert len(conflicts["status"]) == 2
    # The same status, confirmed later by the other source: its date.
    relay["status"] = "RECRUITING"
    assert merge([registry, relay])[0]["status_verified"] == "2024-06-10"


# --- Stored -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_trial_column_and_the_sites_coordinates_are_stored():
    data = (DATA / "ctgov-json/in/single-study.json").read_bytes()
    (record,) = read_bytes(data)
    loader = Loader()
    document = loader.document(data, "single-study.json", None)
    loader.load(record, document)
    trial = Trial.objects.get(key=record["trial_id"])
    assert trial.status_verified == datetime.date(2024, 3, 1)
    site = Site.objects.filter(trial=trial).order_by("id").first()
    assert (site.lat, site.lon) == (42.35843, -71.05977)


# --- The recruiting switch ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_recruiting_switch_leaves_out_unconfirmed_statuses_and_can_bring_them_back():
    engine, orm, count = _engine_and_orm(_query(recruiting=1))
    assert engine == orm
    assert not engine & STALE
    assert count == 1 and next(iter(engine)).startswith("unregistered-")  # no date: kept
    engine, orm, count = _engine_and_orm(_query(recruiting=1, include_unconfirmed=1))
    assert engine == orm
    assert engine >= STALE
    assert count == 3
    # Without the switch the new parameter changes nothing.
    assert _engine_and_orm(_query(include_unconfirmed=1))[2] == 5


@pytest.mark.django_db
def test_staleness_is_reckoned_at_query_time_not_at_load(settings):
    assert _engine_and_orm(_query(recruiting=1))[2] == 1
    settings.STATUS_UNCONFIRMED_YEARS = 6  # as if today were years earlier: nothing reloads
    engine, orm, count = _engine_and_orm(_query(recruiting=1))
    assert engine == orm and count == 2 and "NCT04946669" in engine


@pytest.mark.django_db
def test_the_results_say_how_many_were_left_out_and_link_to_them(client):
    response = client.get("/", {"recruiting": "1"})
    assert response.context["result"].unconfirmed_left_out == 2
    html = response.content.decode()
    assert "2 trials with a status not confirmed for 2 years are left out" in html
    assert "include_unconfirmed=1" in html
    assert 'name="include_unconfirmed" value="1">' in html  # the checkbox, unchecked
    response = client.get("/", {"recruiting": "1", "include_unconfirmed": "1"})
    assert response.context["result"].unconfirmed_left_out == 0
    assert 'name="include_unconfirmed" value="1" checked>' in response.content.decode()
    texts = [chip["text"] for chip in response.context["chips"]]
    assert "Including statuses not confirmed recently" in texts


# --- What people read -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_trial_page_says_the_status_is_not_confirmed(client):
    html = client.get("/trials/ChiCTR1900025376/").content.decode()
    assert STALE_WORDS in html
    assert "Looking for participants" not in html
    assert "Status last confirmed" in html
    data = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert data["status"] == STALE_WORDS


@pytest.mark.django_db
def test_a_confirmed_open_status_still_says_looking_for_participants(client, settings):
    settings.STATUS_UNCONFIRMED_YEARS = 1000
    html = client.get("/trials/ChiCTR1900025376/").content.decode()
    assert "Looking for participants" in html
    assert "Status not confirmed" not in html


@pytest.mark.django_db
def test_the_results_say_it_too(client):
    html = client.get("/", {"q": "lenalidomide"}).content.decode()
    assert STALE_WORDS in html
    cards = [card.split("</li>")[0] for card in html.split('<li class="trial-card">')[1:]]
    card = next(card for card in cards if "ChiCTR1900025376" in card)
    assert "Status not confirmed since August 2019" in card
    assert ">Recruiting<" not in card


@pytest.mark.django_db
def test_the_search_page_says_when_each_registry_was_last_updated(client):
    newest = RawDocument.objects.filter(format__startswith="ctgov").latest("created").created
    html = client.get("/").content.decode()
    assert f"ClinicalTrials.gov: {newest:%-d %b %Y}" in html
    assert "WHO ICTRP: " in html


@pytest.mark.django_db
def test_the_registry_dates_are_two_queries_cached_by_data_version(django_assert_num_queries):
    # The newest document of each format, and the last successful ClinicalTrials.gov sync.
    with django_assert_num_queries(2):
        first = freshness.registry_updates(("test", 1))
    with django_assert_num_queries(0):
        assert freshness.registry_updates(("test", 1)) == first
    assert {name for name, _ in first} == {"ClinicalTrials.gov", "WHO ICTRP", "Listing sites"}


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_gives_status_verified_and_last_synced(client):
    results = client.get("/api/trials/", {"q": "lenalidomide"}).json()["results"]
    by_id = {result["trial_id"]: result for result in results}
    chictr = by_id["ChiCTR1900025376"]
    assert chictr["status_verified"] == "2019-08-27"
    assert chictr["status_unconfirmed"] is True
    assert chictr["last_synced"]
    trial = Trial.objects.get(trial_id="ChiCTR1900025376")
    newest = trial.sources.latest("imported").imported
    assert chictr["last_synced"] == newest.isoformat()
    detail = client.get("/api/trials/ChiCTR1900025376/").json()
    assert detail["status_verified"] == "2019-08-27"
    assert detail["status_unconfirmed"] is True
    assert detail["last_synced"] == newest.isoformat()


@pytest.mark.django_db
def test_the_api_list_costs_one_query_more_for_last_synced(client, django_assert_num_queries):
    client.get("/api/trials/")  # builds the index
    # The change-log poll, the page of trials, the page's last-synced times.
    with django_assert_num_queries(3):
        client.get("/api/trials/", {"country": "CN"})


@pytest.mark.django_db
def test_a_sync_that_saw_a_trial_later_moves_its_last_synced():
    trial = Trial.objects.get(trial_id="NCT04946669")
    imported = trial.sources.latest("imported").imported
    assert freshness.last_synced([trial.pk]) == {trial.pk: imported}
    later = imported + datetime.timedelta(days=3)
    SyncedStudy.objects.create(
        registry="ClinicalTrials.gov", study_id="NCT04946669", trial=trial, last_synced=later
    )
    assert freshness.last_synced([trial.pk]) == {trial.pk: later}


@pytest.mark.django_db
def test_the_search_page_says_a_sync_is_running_and_when_the_last_one_ended(client):
    cache.reset()
    SyncRun.objects.create(status=SyncRun.Status.RUNNING, mode=SyncRun.Mode.FULL, created=12)
    html = client.get("/").content.decode()
    assert "Fetching skin trials from ClinicalTrials.gov in the background (12 new so far)" in html
    finished = datetime.datetime(2031, 5, 4, tzinfo=datetime.UTC)
    SyncRun.objects.update(status=SyncRun.Status.SUCCEEDED, finished=finished)
    cache.reset()
    html = client.get("/", {"q": "other"}).content.decode()
    assert "Fetching skin trials" not in html
    assert "ClinicalTrials.gov: 4 May 2031" in html
