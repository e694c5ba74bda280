"""Golden-file tests for the readers: tests/data/<format>/in/<name>.txt -> out/<name>.json.

Adding a document is adding two files. `UPDATE_GOLDEN=1 pytest tests/test_readers_golden.py`
rewrites the out files from the current readers — then read the diff by hand before committing.
No database is used.
"""

import json
import os
from pathlib import Path

import pytest

from trials.readers import detect_format, read_bytes

DATA = Path(__file__).parent / "data"
CASES = sorted(DATA.glob("*/in/*"))
SEEDS = Path(__file__).parent.parent / "fixtures" / "sources"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _messages(record: dict) -> list[str]:
    return [w["message"] for w in record["warnings"]]


def _out(path: Path) -> Path:
    return path.parent.parent / "out" / f"{path.stem}.json"


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_reader_output_matches_golden_file(path: Path):
    fmt = path.parent.parent.name
    data = path.read_bytes()
    assert detect_format(data) == fmt, f"{path.name} sniffed as {detect_format(data)}"
    records = list(read_bytes(data))
    out = _out(path)
    if UPDATE:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(out.read_text(encoding="utf-8"))
    assert len(records) == len(expected), f"{path.name}: number of records"
    for i, (got, want) in enumerate(zip(records, expected, strict=True)):
        assert list(got) == list(want), f"{path.name} record {i}: field order"
        for field in want:
            assert got[field] == want[field], (
                f"{fmt}/{path.name} record {i} field {field!r}:\n"
                f"  got      {json.dumps(got[field], ensure_ascii=False)}\n"
                f"  expected {json.dumps(want[field], ensure_ascii=False)}"
            )


def test_every_golden_input_has_an_output_and_back():
    outputs = {p.parent.parent.name + "/" + p.stem for p in DATA.glob("*/out/*.json")}
    inputs = {p.parent.parent.name + "/" + p.stem for p in CASES}
    assert inputs == outputs


# --- The seed table of docs/record-schema.md, asserted as written there -----------------------

SEED_TABLE = {
    "000": ("NCT05488327", "UNKNOWN", ["NA"], 10, ["CN"], ["dermatomyositis"], ["lenalidomide"]),
    "001": (
        "NCT01408199",
        "COMPLETED",
        ["PHASE4"],
        15,
        ["ES"],
        ["cutaneous-lupus-erythematosus"],
        ["lenalidomide"],
    ),
    "002": (
        "ChiCTR1900025376",
        "RECRUITING",
        ["PHASE4"],
        30,
        ["CN"],
        ["systemic-lupus-erythematosus", "cutaneous-lupus-erythematosus"],
        ["lenalidomide"],
    ),
    "003": (
        "NCT04946669",
        "RECRUITING",
        ["EARLY_PHASE1"],
        20,
        ["CN"],
        ["dermatomyositis"],
        ["abatacept"],
    ),
    "004": (None, "NOT_YET_RECRUITING", ["PHASE3"], None, [], ["dermatomyositis"], ["aldesleukin"]),
}


def _seed(number: str) -> dict:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    (record,) = read_bytes(path.read_bytes())
    return record


@pytest.mark.parametrize("number", sorted(SEED_TABLE))
def test_seed_reads_as_the_schema_table_says(number: str):
    trial_id, status, phases, enrollment, countries, terms, drugs = SEED_TABLE[number]
    r = _seed(number)
    assert r["schema"] == "trial/1"
    assert r["trial_id"] == trial_id
    assert r["status"] == status
    assert r["phases"] == phases
    assert r["enrollment"] == enrollment
    assert r["countries"] == countries
    assert [c["term"] for c in r["conditions"]] == terms
    assert [i["drug"] for i in r["interventions"] if i["drug"]] == drugs
    assert r["refractory"]["is_refractory"] is True
    assert r["refractory"]["evidence"]


def test_seed_001_eudract_number_is_a_registry_id():
    ids = _seed("001")["identifiers"]
    assert ids[0] == {"id": "NCT01408199", "kind": "registry", "registry": "ClinicalTrials.gov"}
    assert {"id": "2009-016508-21", "kind": "registry", "registry": "EudraCT"} in ids


def test_seed_003_dates_ages_and_the_dropped_condition():
    r = _seed("003")
    assert (r["registered"], r["start"]) == ("2021-05-17", "2021-02-01")
    assert (r["min_age_years"], r["max_age_years"]) == (18, None)
    assert "Abatacept" not in [c["name"] for c in r["conditions"]]
    assert any("conditions" in w and "Abatacept" in w for w in _messages(r))
    assert {
        "field": "conditions",
        "code": "condition_is_intervention",
        "raw": "Abatacept",
    }.items() <= r["warnings"][0].items()
    assert r["source"]["registry"] == "ClinicalTrials.gov"


def test_seed_002_placebo_is_an_intervention_but_never_a_drug():
    interventions = _seed("002")["interventions"]
    assert [(i["drug"], i["is_placebo"]) for i in interventions] == [
        ("lenalidomide", False),
        (None, True),
    ]


def test_seed_004_takes_its_trial_id_from_the_url_only():
    path = next(SEEDS.glob("004_*.txt"))
    url = "https://example.org/clinical-trials/interleukin-2-on-refractory-dermatomyositis/NCT05495321"
    (record,) = read_bytes(path.read_bytes(), url=url)
    assert record["trial_id"] == "NCT05495321"
    assert record["source"]["url"] == url
    assert record["identifiers"][0]["id"] == "NCT05495321"
    assert _seed("004")["trial_id"] is None


def test_seed_prior_therapies():
    assert _seed("000")["refractory"]["prior_therapies"] == [
        "corticosteroids",
        "immunosuppressants",
        "biologics",
    ]
    assert set(_seed("001")["refractory"]["prior_therapies"]) == {
        "antimalarials",
        "corticosteroids",
        "thalidomide",
    }
    assert _seed("002")["refractory"]["prior_therapies"] == ["hydroxychloroquine"]
    assert _seed("003")["refractory"]["prior_therapies"] == [
        "corticosteroids",
        "immunosuppressants",
    ]


def test_exclusion_criteria_are_no_refractory_evidence():
    evidence = " ".join(_seed("003")["refractory"]["evidence"])
    assert "hypertension" not in evidence
