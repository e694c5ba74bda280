"""Every reader over the real documents of ../shared/corpus (issue 4, point 11; the legacy
ClinicalTrials.gov XML of issue 13, point 4).

Skipped, with the reason, where the corpus is absent.
"""

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from trials.loading.loader import Loader
from trials.models import Trial
from trials.readers import (
    ReaderError,
    iter_inputs,
    read_source,
    skipped,
    sniff_format,
)
from trials.readers import normalize as n
from trials.readers.identifiers import identifier_norm

from .conftest import CORPUS

# Its module fixtures are made once: run whole on one worker (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("test_corpus")

# Records in the corpus when this test was written; a reader that loses some fails here.
EXPECTED = {"ctgov-json": 541, "ictrp": 95}
# Records whose conditions map to a skin term (22 when written): a vocabulary or reader change
# that loses many of them, or maps half the amyloidosis export to skin, fails here.
MIN_IN_SCOPE, MAX_IN_SCOPE = 18, 40


def _records(folder) -> list[tuple[str, str, dict]]:
    found = []
    for name, source in iter_inputs([str(folder)]):
        assert not isinstance(source, Exception), f"{name}: {source}"
        fmt = sniff_format(source)
        found += [(name, fmt, record) for record, _ in read_source(source, fmt=fmt)]
    return found


@pytest.fixture(scope="module")
def corpus_records() -> dict[str, list[tuple[str, str, dict]]]:
    """Read once for the module (the `corpus` fixture is per test, hence the check here)."""
    if not CORPUS.exists():
        pytest.skip(f"the shared corpus is not here ({CORPUS}); CI has it")
    return {part: _records(CORPUS / part) for part in EXPECTED}


@pytest.mark.parametrize("part", sorted(EXPECTED))
def test_every_corpus_record_reads_with_id_status_and_title(corpus_records, part):
    records = corpus_records[part]
    assert len(records) == EXPECTED[part]
    expected_format = "ctgov-json" if part == "ctgov-json" else "ictrp-xml"
    for name, fmt, record in records:
        assert fmt == expected_format, name
        assert record["trial_id"], f"{name}: no trial_id"
        assert record["status"], f"{name} {record['trial_id']}: no status"
        assert record["title"] or record["official_title"], f"{name} {record['trial_id']}: title"
    ids = Counter(r["trial_id"] for _, _, r in records)
    if part == "ictrp":
        # Member-state records share one trial ID; every other record has its own.
        assert ids["EUCTR2021-000037-14"] == 5
        assert all(n == 1 for tid, n in ids.items() if not tid.startswith("EUCTR"))


def test_ctgov_json_records_keep_what_the_registry_says(corpus_records):
    by_id = {r["trial_id"]: r for _, _, r in corpus_records["ctgov-json"]}
    hs = by_id["NCT05819398"]
    assert hs["conditions"][0]["term"] == "hidradenitis-suppurativa"
    assert hs["phases"] == ["PHASE2", "PHASE3"]
    assert {"id": "2022-501074-19-00", "kind": "registry", "registry": "CTIS"} in hs["identifiers"]
    assert hs["source"]["url"] == "https://clinicaltrials.gov/study/NCT05819398"
    assert all(r["source"]["refreshed"] == r["last_updated"] for r in by_id.values())


@pytest.mark.django_db
def test_how_many_corpus_records_are_in_scope(corpus_records):
    loader = Loader()
    in_scope = [r for part in corpus_records.values() for _, _, r in part if loader.in_scope(r)]
    assert MIN_IN_SCOPE <= len(in_scope) <= MAX_IN_SCOPE, len(in_scope)
    # hATTR amyloidosis trials abbreviate polyneuropathy "PN": that is no prurigo nodularis.
    assert not any(
        r["source"]["format"] == "ictrp-xml" and "ATTR" in (r["title"] or "") for r in in_scope
    )


@pytest.mark.django_db
def test_eu_member_state_records_collapse_into_one_trial(corpus, corpus_records):
    out = io.StringIO()
    call_command("import_trials", "--all", str(corpus / "ictrp"), stdout=out, stderr=io.StringIO())
    assert "failed: 0" in out.getvalue().splitlines()
    states: dict[str, list[dict]] = {}
    for _, _, record in corpus_records["ictrp"]:
        if record["trial_id"].startswith("EUCTR"):
            states.setdefault(record["trial_id"], []).append(record)
    assert len(states["EUCTR2021-000037-14"]) == 5
    for trial_id, records in states.items():
        trials = Trial.objects.filter(identifiers__norm=identifier_norm(trial_id)).distinct()
        assert trials.count() == 1, trial_id
        trial = trials.get()
        source_ids = {s.record["source"]["source_id"] for s in trial.sources.all()}
        assert {r["source"]["source_id"] for r in records} <= source_ids
        union = set().union(*(r["countries"] for r in records))
        assert union <= set(trial.countries), trial_id


# --- Legacy ClinicalTrials.gov XML (issue 13, point 4) -----------------------------------------

XML_FILES = 195  # studies in ../shared/corpus/ctgov-xml (183 distinct; 12 are in two folders)


@pytest.fixture(scope="module")
def xml_read() -> dict:
    """{"records": [(name, fmt, record)], "skipped": [name], "failed": [(name, reason)]}."""
    if not CORPUS.exists():
        pytest.skip(f"the shared corpus is not here ({CORPUS}); CI has it")
    found: dict = {"records": [], "skipped": [], "failed": []}
    for name, source in iter_inputs([str(CORPUS / "ctgov-xml")]):
        assert not isinstance(source, Exception), f"{name}: {source}"
        try:
            fmt = sniff_format(source)
            found["records"] += [(name, fmt, r) for r, _ in read_source(source, fmt=fmt)]
        except ReaderError as exc:
            found["skipped" if skipped(source, exc) else "failed"].append((name, str(exc)))
    return found


def test_every_ctgov_xml_corpus_file_reads(xml_read):
    assert xml_read["failed"] == []
    assert [Path(name).name for name, _ in xml_read["skipped"]] == ["MANIFEST.json"]
    records = xml_read["records"]
    assert len(records) == XML_FILES
    for name, fmt, record in records:
        assert fmt == "ctgov-xml", name
        assert record["trial_id"] == re.search(r"NCT\d{8}", name)[0], name
        assert record["source"]["url"] == f"https://clinicaltrials.gov/study/{record['trial_id']}"
        assert record["status"] and record["status_raw"], name
        assert record["title"], name
        assert record["registered"] and record["last_updated"], name
    # Both 2013-variant files read their dates from the old elements.
    old = {r["trial_id"]: r for name, _, r in records if name.endswith("_2013.xml")}
    assert old["NCT00000102"]["registered"] == "1999-11-03"
    assert old["NCT00000102"]["phases"] == ["PHASE1", "PHASE2"]
    assert old["NCT00000102"]["design"]["masking"] == "DOUBLE"
    assert {r["status"] for _, _, r in records} >= {"COMPLETED", "RECRUITING", "WITHHELD"}


def test_ctgov_xml_records_agree_with_the_dumps_manifest(xml_read, corpus):
    """The AllPublicXML sample's MANIFEST.json (written by whoever cut the sample, from the
    same files) names each study's conditions, status, phase and type."""
    folder = corpus / "ctgov-xml" / "allpublicxml-2023-skin-rheum"
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    by_file = {Path(name).name: r for name, _, r in xml_read["records"] if str(folder) in name}
    assert len(manifest) == len(by_file) == 100
    for entry in manifest:
        r = by_file[entry["file"]]
        names = [c["name"] for c in r["conditions"]]
        # A condition the title names but the list lacks is added after the list (finish()).
        assert names[: len(entry["conditions"])] == entry["conditions"], entry["file"]
        assert all(name in r["title"] for name in names[len(entry["conditions"]) :])
        assert r["status"] == n.parse_status(entry["status"]), entry["file"]
        assert r["phases"] == n.parse_phases(entry["phase"]), entry["file"]
        assert r["study_type"] == n.parse_study_type(entry["study_type"]), entry["file"]


@pytest.mark.django_db
def test_the_ctgov_xml_corpus_imports_without_failures(corpus):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_trials", "--all", "--dry-run", str(corpus / "ctgov-xml"), stdout=out, stderr=err
    )
    lines = out.getvalue().splitlines()
    assert "failed: 0" in lines or not any(line.startswith("failed:") for line in lines), lines
    assert "  skipped, not a trial document: 1" in lines
    assert err.getvalue() == ""
