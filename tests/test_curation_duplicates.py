"""Possible duplicates: flagged by the loader, never merged by it; merged or dismissed by
curators, side by side."""

import copy

import pytest
from django.contrib.admin.models import LogEntry

from trials.loading.loader import Loader
from trials.models import PossibleDuplicate, Trial

from .curators import document, import_studies, study

pytest_plugins = ["tests.curators"]  # the curator fixtures
pytestmark = pytest.mark.django_db
TITLE = "Zorblimab for Refractory Dermatomyositis"


@pytest.fixture
def lookalikes(tmp_path):
    import_studies(tmp_path, study("NCT09400001", title=TITLE, sponsor="Derm Uni"), name="a.json")
    import_studies(
        tmp_path,
        study("NCT09400002", title=TITLE, sponsor="DERM UNI.", enrollment=40),
        name="b.json",
    )
    return PossibleDuplicate.objects.get()


def test_the_loader_flags_the_same_title_and_sponsor_without_a_shared_id(lookalikes):
    assert {lookalikes.trial_a.trial_id, lookalikes.trial_b.trial_id} == {
        "NCT09400001",
        "NCT09400002",
    }
    assert lookalikes.reason == "same title and sponsor"
    assert lookalikes.trial_a.pk < lookalikes.trial_b.pk
    assert Trial.objects.filter(title=TITLE).count() == 2  # never merged by the loader


@pytest.mark.parametrize("sponsor", ["Derm Uni", "Other Uni"])
def test_a_trial_stored_before_the_sponsor_column_is_compared_by_its_record(tmp_path, sponsor):
    import_studies(tmp_path, study("NCT09400041", title=TITLE, sponsor="Derm Uni"), name="a.json")
    assert Trial.objects.filter(sponsor="Derm Uni").update(sponsor=None) == 1  # as migrated
    import_studies(tmp_path, study("NCT09400042", title=TITLE, sponsor=sponsor), name="b.json")
    flagged = PossibleDuplicate.objects.filter(reason="same title and sponsor").exists()
    assert flagged == (sponsor == "Derm Uni")


def test_look_alikes_in_one_batch_are_flagged_too(tmp_path):
    import_studies(tmp_path, study("NCT09400011", title=TITLE), study("NCT09400012", title=TITLE))
    assert PossibleDuplicate.objects.count() == 1


def test_another_sponsor_is_another_trial(tmp_path):
    import_studies(tmp_path, study("NCT09400021", title=TITLE, sponsor="A"), name="a.json")
    import_studies(tmp_path, study("NCT09400022", title=TITLE, sponsor="B"), name="b.json")
    assert not PossibleDuplicate.objects.exists()


def test_a_single_record_load_flags_too():
    seed = Trial.objects.get(trial_id="NCT01408199")
    record = copy.deepcopy(seed.sources.get().record)
    record["trial_id"] = "NCT09400031"
    record["identifiers"] = [{"id": "NCT09400031", "kind": "registry", "registry": "CT.gov"}]
    record["source"] = {**record["source"], "url": None}
    assert Loader().load(record, document()) == "created"
    pair = PossibleDuplicate.objects.get()
    assert pair.trial_a == seed


def test_the_pair_shows_side_by_side_with_its_differences(curator_client, lookalikes):
    response = curator_client.get(f"/admin/trials/possibleduplicate/{lookalikes.pk}/change/")
    assert response.status_code == 200
    rows = {field: (a, b, differs) for field, a, b, differs in response.context["rows"]}
    assert rows["enrollment"] == ("24", "40", True)
    assert rows["title"] == (TITLE, TITLE, False)
    assert rows["identifiers"][2]
    html = response.content.decode()
    assert 'class="differs"' in html
    assert "Merge: keep A (NCT09400001)" in html


def test_merging_keeps_the_chosen_trial_and_redirects_the_other(
    curator_client, curator, lookalikes, client
):
    keep, other = lookalikes.trial_b, lookalikes.trial_a
    response = curator_client.post(
        f"/admin/trials/possibleduplicate/{lookalikes.pk}/change/", {"decision": "keep_b"}
    )
    assert response["Location"] == f"/admin/trials/trial/{keep.pk}/change/"
    assert not Trial.objects.filter(pk=other.pk).exists()
    assert not PossibleDuplicate.objects.exists()
    keep.refresh_from_db()
    assert keep.sources.count() == 2
    assert {"NCT09400001", "NCT09400002"} <= set(keep.identifiers.values_list("value", flat=True))
    redirect = client.get("/trials/NCT09400001/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/trials/NCT09400002/"
    entry = LogEntry.objects.get(object_id=str(keep.pk), user=curator)
    assert "Merged NCT09400001 into this trial" in entry.get_change_message()


def test_a_merged_trial_stays_merged_on_reimport(curator_client, lookalikes, tmp_path):
    curator_client.post(
        f"/admin/trials/possibleduplicate/{lookalikes.pk}/change/", {"decision": "keep_a"}
    )
    run = import_studies(
        tmp_path,
        study("NCT09400002", title=TITLE, sponsor="DERM UNI.", enrollment=40),
        name="b.json",
    )
    assert run.counts["unchanged"] == 1
    assert Trial.objects.filter(title=TITLE).count() == 1


def test_a_dismissed_pair_is_never_proposed_again(curator_client, curator, lookalikes, tmp_path):
    response = curator_client.post(
        f"/admin/trials/possibleduplicate/{lookalikes.pk}/change/", {"decision": "dismiss"}
    )
    assert response.status_code == 302
    lookalikes.refresh_from_db()
    assert lookalikes.dismissed
    assert LogEntry.objects.filter(object_id=str(lookalikes.pk), user=curator).exists()
    # The loader sees the pair again (a third look-alike arrives): the old pair stays dismissed.
    import_studies(tmp_path, study("NCT09400003", title=TITLE, sponsor="Derm Uni"), name="c.json")
    assert PossibleDuplicate.objects.filter(dismissed=False).count() == 2
    assert PossibleDuplicate.objects.get(pk=lookalikes.pk).dismissed
    Loader().flag_lookalikes([lookalikes.trial_a, lookalikes.trial_b])
    assert PossibleDuplicate.objects.filter(pk=lookalikes.pk, dismissed=True).exists()
    assert PossibleDuplicate.objects.count() == 3


def test_the_changelist_dismiss_action(curator_client, lookalikes):
    curator_client.post(
        "/admin/trials/possibleduplicate/",
        {"action": "dismiss", "_selected_action": [lookalikes.pk]},
    )
    lookalikes.refresh_from_db()
    assert lookalikes.dismissed
