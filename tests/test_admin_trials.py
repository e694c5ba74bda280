"""The trials changelist and form: columns, search, filters, provenance, locks, re-normalizing."""

import copy

import pytest
from django.contrib.admin.models import LogEntry

from trials.curation import EDITABLE_FIELDS
from trials.loading.loader import Loader
from trials.models import PossibleDuplicate, Trial

from .curators import document, import_studies, study

pytest_plugins = ["tests.curators"]  # the curator fixtures
pytestmark = pytest.mark.django_db
LIST = "/admin/trials/trial/"


def _keys(response) -> list[str]:
    return sorted(t.key for t in response.context["cl"].result_list)


def _change_url(trial: Trial) -> str:
    return f"{LIST}{trial.pk}/change/"


def _form_data(trial: Trial, **changes) -> dict:
    """What the trial form posts when nothing is edited, with `changes`."""
    r = trial.record
    data = {
        name: "" if r.get(name) is None else r.get(name)
        for name in EDITABLE_FIELDS
        if name not in ("phases", "healthy_volunteers")  # not plain inputs: set below
    }
    data["phases"] = r.get("phases") or []
    data["healthy_volunteers"] = {None: "unknown", True: "true", False: "false"}[
        r.get("healthy_volunteers")
    ]
    for prefix in (
        "identifiers",
        "condition_rows",
        "interventions",
        "sites",
        "contacts",
        "sources",
    ):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return data | changes


def test_the_changelist_shows_the_columns_curators_scan(curator_client):
    html = curator_client.get(LIST).content.decode().lower()
    for text in (
        "NCT01408199",
        "Refractory Cutaneous Lupus",
        "PHASE4",
        "ES",
        "ClinicalTrials.gov",
        "locked",
        "duplicate?",
    ):
        assert text.lower() in html


def test_the_changelist_query_count_does_not_grow_with_trials(
    curator_client, django_assert_max_num_queries, tmp_path
):
    import_studies(tmp_path, *(study(f"NCT0910000{i}", title=f"Study {i}") for i in range(8)))
    assert Trial.objects.count() == 13
    with django_assert_max_num_queries(13):
        response = curator_client.get(LIST)
    assert len(response.context["cl"].result_list) == 13


@pytest.mark.parametrize(
    "query", ["2009-016508-21", "nct01408199", " NCT 01408199 ", "NCT01408199"]
)
def test_any_identifier_finds_its_trial_whatever_its_case_and_spacing(curator_client, query):
    assert _keys(curator_client.get(LIST, {"q": query})) == ["NCT01408199"]


def test_title_words_find_trials(curator_client):
    assert _keys(curator_client.get(LIST, {"q": "cutaneous lupus lenalidomide"})) == ["NCT01408199"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "COMPLETED"}, ["NCT01408199"]),
        ({"phases": "EARLY_PHASE1"}, ["NCT04946669"]),
        ({"countries": "ES"}, ["NCT01408199"]),
        ({"conditions": "systemic-lupus-erythematosus"}, ["ChiCTR1900025376"]),
        ({"drugs": "abatacept"}, ["NCT04946669"]),
        ({"registries": "ChiCTR"}, ["ChiCTR1900025376"]),
        ({"is_refractory__exact": "0"}, []),
    ],
)
def test_the_filters_narrow_the_list(curator_client, params, expected):
    response = curator_client.get(LIST, params)
    assert response.status_code == 200
    assert _keys(response) == expected


def test_the_warnings_filter_splits_the_trials(curator_client):
    with_warnings = _keys(curator_client.get(LIST, {"warnings": "yes"}))
    without = _keys(curator_client.get(LIST, {"warnings": "no"}))
    assert sorted(with_warnings + without) == sorted(Trial.objects.values_list("key", flat=True))
    expected = sorted(t.key for t in Trial.objects.all() if t.record.get("warnings"))
    assert with_warnings == expected
    assert "NCT04946669" in with_warnings  # the listed "Abatacept" condition was dropped


def test_the_duplicate_filter_and_column_show_open_pairs(curator_client):
    a, b = Trial.objects.order_by("pk")[:2]
    PossibleDuplicate.objects.create(trial_a=a, trial_b=b, reason="same title")
    assert _keys(curator_client.get(LIST, {"duplicate": "yes"})) == sorted([a.key, b.key])
    assert len(_keys(curator_client.get(LIST, {"duplicate": "no"}))) == 3


def test_the_form_shows_provenance_per_field(curator_client):
    trial = Trial.objects.get(trial_id="NCT04946669")
    html = curator_client.get(_change_url(trial)).content.decode()
    assert "From ictrp-page" in html  # the help text under each curated field
    assert "provenance" in html
    for inline in ("Identifiers", "Sources", "Sites", "Contacts", "Interventions"):
        assert inline.lower() in html.lower()


def test_editing_a_field_writes_the_record_and_locks_it(curator_client, curator):
    trial = Trial.objects.get(trial_id="NCT01408199")
    response = curator_client.post(
        _change_url(trial), _form_data(trial, title="Curated title", enrollment="17")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    trial.refresh_from_db()
    assert trial.record["title"] == "Curated title"
    assert trial.title == "Curated title"  # derived columns follow
    assert trial.enrollment == 17
    assert trial.locked_fields == ["enrollment", "title"]
    assert trial.provenance["title"] == {"format": "curator"}
    entry = LogEntry.objects.get(object_id=str(trial.pk))
    assert entry.user == curator
    assert "locked enrollment, title" in entry.get_change_message()
    # The form and the list show the locks.
    assert "🔒 Locked" in curator_client.get(_change_url(trial)).content.decode()
    listed = curator_client.get(LIST, {"locked": "yes"})
    assert _keys(listed) == ["NCT01408199"]
    assert "enrollment, title" in listed.content.decode()


def test_an_unedited_save_locks_nothing(curator_client):
    trial = Trial.objects.get(trial_id="NCT05488327")
    response = curator_client.post(_change_url(trial), _form_data(trial))
    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.locked_fields == []


def test_an_import_leaves_a_locked_field_alone_and_updates_the_rest(curator_client):
    trial = Trial.objects.get(trial_id="NCT01408199")
    curator_client.post(_change_url(trial), _form_data(trial, title="Curated title"))
    record = copy.deepcopy(trial.sources.get().record)
    record["title"] = "Registry title v2"
    record["enrollment"] = 16
    assert Loader().load(record, document()) == "updated"
    trial.refresh_from_db()
    assert trial.title == trial.record["title"] == "Curated title"
    assert trial.record["enrollment"] == trial.enrollment == 16


def test_unticking_a_lock_on_the_form_takes_the_sources_value_again(curator_client):
    trial = Trial.objects.get(trial_id="NCT01408199")
    source_title = trial.record["title"]
    curator_client.post(_change_url(trial), _form_data(trial, title="Curated", sponsor="Me"))
    trial.refresh_from_db()
    curator_client.post(_change_url(trial), _form_data(trial, unlock=["title"]))
    trial.refresh_from_db()
    assert trial.locked_fields == ["sponsor"]
    assert trial.title == source_title
    assert trial.record["sponsor"] == "Me"


def test_the_unlock_action_releases_every_lock(curator_client, curator):
    trial = Trial.objects.get(trial_id="NCT01408199")
    source_title = trial.record["title"]
    curator_client.post(_change_url(trial), _form_data(trial, title="Curated"))
    response = curator_client.post(
        LIST, {"action": "unlock_all", "_selected_action": [trial.pk]}, follow=True
    )
    assert "Unlocked the fields of 1 trials" in response.content.decode()
    trial.refresh_from_db()
    assert trial.locked_fields == []
    assert trial.title == source_title
    assert LogEntry.objects.filter(object_id=str(trial.pk), user=curator).count() == 2


def test_renormalize_rebuilds_from_the_stored_documents_and_respects_locks(curator_client):
    trial = Trial.objects.get(trial_id="NCT05488327")
    original = trial.record
    # A reader bug stored a wrong record; a curator locked the title meanwhile.
    source = trial.sources.get()
    source.record = {**source.record, "status": "WITHDRAWN", "enrollment": 999}
    source.save()
    Loader().rebuild(trial)
    curator_client.post(_change_url(trial), _form_data(trial, title="Curated"))
    assert Trial.objects.get(pk=trial.pk).status == "WITHDRAWN"

    response = curator_client.post(
        LIST, {"action": "renormalize", "_selected_action": [trial.pk]}, follow=True
    )
    assert "1 changed" in response.content.decode()
    trial.refresh_from_db()
    assert trial.status == original["status"]
    assert trial.record["enrollment"] == original["enrollment"]
    assert trial.title == "Curated"
    assert LogEntry.objects.filter(
        object_id=str(trial.pk), change_message__contains="Re-normalized"
    ).exists()


def test_trials_cannot_be_added_by_hand(curator_client):
    assert curator_client.get(f"{LIST}add/").status_code == 403
