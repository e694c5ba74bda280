"""Every reader over the real documents of ../shared/corpus (issue 4, point 11).

Skipped, with the reason, where the corpus is absent. ctgov-xml (the retired ClinicalTrials.gov
XML format) has no reader yet: its test is skipped with a note until it does.
"""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from trials.loading.loader import Loader
from trials.models import Trial
from trials.readers import FORMATS, iter_inputs, read_source, sniff_format
from trials.readers.identifiers import identifier_norm

from .conftest import CORPUS

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


def test_ctgov_xml_has_no_reader_yet(corpus):
    assert (corpus / "ctgov-xml").exists()
    if "ctgov-xml" not in FORMATS:
        pytest.skip(
            "ctgov-xml: the retired ClinicalTrials.gov XML format; its reader is future work"
        )
