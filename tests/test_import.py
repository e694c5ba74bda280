"""import_trials and the loader: outcomes, idempotence, merges, scope, bad input."""

import copy
import io

import pytest
from django.core.management import call_command

from trials.loading.loader import Loader
from trials.models import ImportRun, RawDocument, SourceRecord, Trial
from trials.readers.identifiers import identifier_entry

from .conftest import SEEDS

pytestmark = pytest.mark.django_db


def _import(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_trials", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def _counts(out: str) -> dict:
    return {
        k: int(v)
        for k, v in (line.split(": ") for line in out.splitlines() if not line.startswith(" "))
        if v.isdigit()
    }


def _doc():
    return RawDocument.objects.create(sha256="a" * 64, content=b"{}", size=2, name="t", format="t")


def test_importing_the_seeds_again_changes_nothing():
    before = list(Trial.objects.values_list("key", "modified").order_by("key"))
    code, out, _ = _import(SEEDS)
    assert code == 0
    assert _counts(out)["unchanged"] == 5
    assert _counts(out)["created"] == 0
    assert list(Trial.objects.values_list("key", "modified").order_by("key")) == before


def test_every_run_is_recorded():
    _import(SEEDS)
    run = ImportRun.objects.first()
    assert run.finished is not None
    assert run.counts["unchanged"] == 5


def test_a_dry_run_writes_nothing():
    Trial.objects.all().delete()
    runs = ImportRun.objects.count()
    code, out, _ = _import(SEEDS, "--dry-run")
    assert code == 0
    assert _counts(out)["created"] == 5
    assert Trial.objects.count() == 0
    assert ImportRun.objects.count() == runs


def test_a_bad_input_is_named_and_the_rest_still_loads(tmp_path):
    Trial.objects.all().delete()
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02\xff" * 100)
    code, out, err = _import(tmp_path / "empty.txt", tmp_path / "binary.bin", SEEDS)
    assert code == 1
    assert "empty.txt: " in err
    assert "binary.bin: " in err
    assert Trial.objects.count() == 5
    assert _counts(out)["failed"] == 2


def test_a_missing_path_is_reported():
    code, _, err = _import("/no/such/file.json")
    assert code == 1
    assert "/no/such/file.json: " in err


def test_records_sharing_an_identifier_become_one_trial():
    trial = Trial.objects.get(trial_id="NCT04946669")
    ictrp = trial.sources.get().record
    other = copy.deepcopy(ictrp)
    other["source"] = {**other["source"], "format": "ctgov-json", "registry": "ClinicalTrials.gov"}
    other["enrollment"] = 22
    other["sponsor"] = None  # a thinner source never blanks a field
    outcome = Loader().load(other, _doc())
    assert outcome == "updated"
    trial.refresh_from_db()
    assert trial.sources.count() == 2
    assert trial.record["enrollment"] == 22  # the register of record wins
    assert trial.provenance["enrollment"]["format"] == "ctgov-json"
    assert trial.record["sponsor"] == ictrp["sponsor"]
    assert {c["value"] for c in trial.conflicts["enrollment"]} == {20, 22}


@pytest.mark.parametrize(
    ("relayed", "bare"),
    [
        ("EUCTR2013-002987-17", "2013-002987-17"),
        ("JPRN-jRCT2071210009", "jRCT2071210009"),
        ("JPRN-UMIN000012345", "UMIN000012345"),
        ("CTIS2022-502888-38-00", "2022-502888-38-00"),
    ],
)
def test_a_number_a_relay_prefixes_is_the_same_trial(relayed, bare):
    trial = Trial.objects.get(trial_id="NCT04946669")
    trials = Trial.objects.count()
    registered = copy.deepcopy(trial.sources.get().record)
    registered["identifiers"].append(identifier_entry(bare))
    document = _doc()
    assert Loader().load(registered, document) == "updated"
    relay = copy.deepcopy(registered)
    relay["trial_id"] = relayed
    relay["identifiers"] = [identifier_entry(relayed)]
    relay["source"] = {**relay["source"], "format": "ictrp-xml", "registry": "ICTRP"}
    assert Loader().load(relay, document) == "updated"
    assert trial.sources.count() == 2
    assert Trial.objects.count() == trials


def test_a_record_linking_two_trials_merges_them_and_keeps_redirects(client):
    a = Trial.objects.get(trial_id="NCT05488327")
    b = Trial.objects.get(trial_id="ChiCTR1900025376")
    bridge = copy.deepcopy(a.sources.get().record)
    bridge["source"] = {**bridge["source"], "format": "ictrp-xml", "registry": "ChiCTR"}
    bridge["identifiers"].append(
        {"id": "ChiCTR1900025376", "kind": "registry", "registry": "ChiCTR"}
    )
    assert Loader().load(bridge, _doc()) == "merged"
    assert Trial.objects.filter(pk=b.pk).count() == 0
    response = client.get("/trials/ChiCTR1900025376/")
    assert response.status_code == 301
    assert response["Location"] == "/trials/NCT05488327/"


def test_a_locked_field_survives_a_reimport():
    trial = Trial.objects.get(trial_id="NCT01408199")
    trial.record["title"] = "Curated title"
    trial.locked_fields = ["title"]
    trial.save()
    record = copy.deepcopy(trial.sources.get().record)
    record["title"] = "Registry title v2"
    record["enrollment"] = 16
    Loader().load(record, _doc())
    trial.refresh_from_db()
    assert trial.record["title"] == "Curated title"
    assert trial.title == "Curated title"
    assert trial.record["enrollment"] == 16


def test_out_of_scope_trials_are_skipped_unless_all():
    loader = Loader()
    record = copy.deepcopy(SourceRecord.objects.first().record)
    record["conditions"] = [{"name": "Non-small cell lung cancer", "term": None}]
    assert not loader.in_scope(record)
    record["conditions"] = [{"name": "Dermatomyositis", "term": "dermatomyositis"}]
    assert loader.in_scope(record)
