"""The unmapped-values queue: what the vocabularies miss, and mapping it re-normalizes at once."""

import pytest
from django.contrib.admin.models import LogEntry

from trials import curation
from trials.models import Condition, Drug, Trial, ValueMapping
from trials.readers.legacy_warnings import from_message, parse_warning
from trials.readers.value_mappings import apply_value_mappings

from .curators import import_studies, study

pytest_plugins = ["tests.curators"]  # the curator fixtures
pytestmark = pytest.mark.django_db
QUEUE = "/admin/trials/valuemapping/unmapped/"
ODD = {
    "status": "Awaiting ethics",
    "phases": ["PHASE_Q"],
    "conditions": ["Dermatomyositis", "Heliotrope rash of the eyelids"],
    "drug": "Zorblimab",
    "country": "Ruritania",
}


@pytest.fixture
def odd_trials(tmp_path):
    """Two imported trials whose sources say things no vocabulary maps."""
    import_studies(tmp_path, study("NCT09300001", **ODD), study("NCT09300002", **ODD))
    return Trial.objects.filter(trial_id__in=["NCT09300001", "NCT09300002"])


def _queue(client, kind=""):
    response = client.get(QUEUE, {"kind": kind} if kind else {})
    assert response.status_code == 200
    return {(u.kind, u.raw): u.trials for u in response.context["items"]}


def test_the_queue_lists_every_kind_with_its_trial_count(curator_client, odd_trials):
    items = _queue(curator_client)
    assert items[("condition", "Heliotrope rash of the eyelids")] == 2
    assert items[("drug", "Zorblimab")] == 2
    assert items[("status", "Awaiting ethics")] == 2
    assert items[("phase", "PHASE_Q")] == 2
    assert items[("country", "Ruritania")] == 2
    assert set(_queue(curator_client, "drug")) == {
        k for k in items if k[0] == "drug"
    }  # filtered by kind


def test_mapping_a_condition_as_a_synonym_renormalizes_its_trials(curator_client, odd_trials):
    response = curator_client.post(
        QUEUE,
        {"kind": "condition", "raw": "Heliotrope rash of the eyelids", "target": "dermatomyositis"},
        follow=True,
    )
    assert "2 trials re-normalized" in response.content.decode()
    assert (
        "Heliotrope rash of the eyelids" in Condition.objects.get(slug="dermatomyositis").synonyms
    )
    for trial in odd_trials:
        rows = trial.condition_rows.filter(name="Heliotrope rash of the eyelids")
        assert rows.get().condition.slug == "dermatomyositis"
    assert ("condition", "Heliotrope rash of the eyelids") not in _queue(curator_client)


def test_mapping_a_drug_as_a_new_term_fills_the_drug_facet(curator_client, curator, odd_trials):
    curator_client.post(QUEUE, {"kind": "drug", "raw": "Zorblimab", "new_label": "Zorblimab"})
    drug = Drug.objects.get(slug="zorblimab")
    assert drug.synonyms == ["Zorblimab"]
    for trial in odd_trials.all():
        assert trial.drugs == ["zorblimab"]
    assert LogEntry.objects.filter(object_id=str(drug.pk), user=curator).exists()
    assert LogEntry.objects.filter(
        object_id=str(odd_trials[0].pk), change_message__contains="after mapping drug"
    ).exists()


def test_mapping_a_status_phase_and_country_changes_trials_and_later_imports(
    curator_client, odd_trials, tmp_path
):
    for kind, raw, target in [
        ("status", "Awaiting ethics", "NOT_YET_RECRUITING"),
        ("phase", "PHASE_Q", "PHASE1,PHASE2"),
        ("country", "Ruritania", "RO"),
    ]:
        curator_client.post(QUEUE, {"kind": kind, "raw": raw, "target": target})
    for trial in odd_trials:
        assert trial.status == "NOT_YET_RECRUITING"
        assert trial.phases == ["PHASE1", "PHASE2"]
        assert trial.countries == ["RO"]
        messages = [w["message"] for w in trial.record["warnings"]]
        assert not any("unmapped" in w for w in messages if "Zorblimab" not in w)
    assert ValueMapping.objects.count() == 3
    items = _queue(curator_client)
    assert not {k for k in items if k[0] in ("status", "phase", "country")}
    # A new trial with the same spellings is read the curators' way.
    import_studies(tmp_path, study("NCT09300003", **ODD), name="later.json")
    later = Trial.objects.get(trial_id="NCT09300003")
    assert (later.status, later.phases, later.countries) == (
        "NOT_YET_RECRUITING",
        ["PHASE1", "PHASE2"],
        ["RO"],
    )


def test_reimporting_after_a_mapping_does_not_undo_it(odd_trials, tmp_path):
    curation.map_value("condition", "Heliotrope rash of the eyelids", "dermatomyositis")
    run = import_studies(tmp_path, study("NCT09300001", **ODD), study("NCT09300002", **ODD))
    assert run.counts["unchanged"] == 2


def test_a_bad_mapping_is_refused(curator_client, odd_trials):
    response = curator_client.post(
        QUEUE, {"kind": "country", "raw": "Ruritania", "target": "XX"}, follow=True
    )
    assert "Choose a country" in response.content.decode()
    response = curator_client.post(
        QUEUE, {"kind": "condition", "raw": "x", "target": "no-such-term"}, follow=True
    )
    assert "Choose a condition term" in response.content.decode()
    assert not ValueMapping.objects.exists()


@pytest.mark.parametrize(
    ("warning", "parsed"),
    [
        ("status: unmapped 'Awaiting ethics' read as UNKNOWN", ("status", "Awaiting ethics")),
        ("phases: unmapped \"Phase '0'\"", ("phase", "Phase '0'")),
        ("countries: unmapped 'Ruritania'", ("country", "Ruritania")),
        ("sites: unmapped country 'Ruritania'", ("country", "Ruritania")),
        ("sex: unmapped 'x'", None),
        ("status: unmapped __import__('os')", None),
    ],
)
def test_reader_warnings_name_the_unmapped_value(warning, parsed):
    assert parse_warning(warning) == parsed


def test_a_mapping_applies_only_where_the_reader_gave_up():
    record = {
        "status": "UNKNOWN",
        "phases": [],
        "countries": ["FR"],
        "warnings": [
            from_message("status: unmapped 'Pending X' read as UNKNOWN"),
            from_message("countries: unmapped 'Gaul'"),
        ],
    }
    mapped = apply_value_mappings(
        record, {("status", "pending x"): "RECRUITING", ("country", "gaul"): "FR"}
    )
    assert mapped == {"status": "RECRUITING", "phases": [], "countries": ["FR"], "warnings": []}
    assert record["warnings"]  # the input is left as it was
