"""The refractory reading measured on labelled sentences of real registry records (issue 14,
point 4): tests/data/refractory_sentences.json quotes sentences of ../shared/corpus records
(ClinicalTrials.gov JSON, legacy XML, WHO ICTRP XML), each judged by hand from its meaning in its
trial: positives say that the trial enrols people whose own disease resisted earlier treatment,
with the therapies that failed; negatives are the look-alikes ("failure to do so will be
considered a protocol violation", "refractory" about another disease, outcome definitions,
background, other studies, what happens during the trial, exclusion criteria).

Each sentence is read where its record has it (title, summary, description, inclusion or
exclusion criteria, or criteria text without headings), in a record with the trial's conditions
as the registry names them."""

import json
from pathlib import Path

import pytest

from trials.readers.record import empty_record
from trials.readers.refractory import read_refractory
from trials.readers.vocabulary import Vocabulary

DATA = Path(__file__).resolve().parent / "data" / "refractory_sentences.json"
SENTENCES = json.loads(DATA.read_text(encoding="utf-8"))["sentences"]
V = Vocabulary.default()
MIN_PRECISION, MIN_RECALL = 0.95, 0.90
# Failed therapies of the positives: none invented, most found, most sentences exactly right.
MIN_SLUG_PRECISION, MIN_SLUG_RECALL, MIN_EXACT = 0.95, 0.80, 0.80


def _record(item: dict) -> dict:
    record = empty_record("ctgov-json", b"")
    record["conditions"] = [
        {"name": name, "term": V.match_condition(name)} for name in item["conditions"]
    ]
    field, sentence = item["field"], item["sentence"]
    if field in ("title", "official_title", "summary", "description"):
        record[field] = sentence
    elif field in ("inclusion", "exclusion"):
        other = "exclusion" if field == "inclusion" else "inclusion"
        record["criteria"] = {field: [sentence], other: [], "text": None}
    else:
        record["criteria"] = {"inclusion": [], "exclusion": [], "text": sentence}
    return record


def _readings() -> list[tuple[dict, dict]]:
    return [(item, read_refractory(_record(item), V)) for item in SENTENCES]


def test_the_set_is_large_and_from_every_kind_of_record():
    assert len(SENTENCES) >= 60
    assert sum(item["is_evidence"] for item in SENTENCES) >= 25
    assert sum(not item["is_evidence"] for item in SENTENCES) >= 25
    assert {item["source"] for item in SENTENCES} == {"ctgov-json", "ctgov-xml", "ictrp-xml"}
    assert any("protocol violation" in item["sentence"] for item in SENTENCES)
    for item in SENTENCES:
        assert item["prior_therapies"] == [] or item["is_evidence"], item["sentence"]
        for slug in item["prior_therapies"]:
            assert slug in V.drugs or slug in V.drug_classes, slug


def test_the_evidence_decision_is_precise_and_finds_most(capsys):
    found = {"tp": [], "fp": [], "fn": []}
    for item, reading in _readings():
        if reading["is_refractory"] and item["is_evidence"]:
            found["tp"].append(item)
        elif reading["is_refractory"]:
            found["fp"].append(item)
        elif item["is_evidence"]:
            found["fn"].append(item)
    tp, fp, fn = (len(found[kind]) for kind in ("tp", "fp", "fn"))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nrefractory evidence over {len(SENTENCES)} labelled sentences: "
            f"precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"
        )
    wrong = [f"{kind}: {item['sentence'][:120]}" for kind in ("fp", "fn") for item in found[kind]]
    assert precision >= MIN_PRECISION, wrong
    assert recall >= MIN_RECALL, wrong


def test_the_failed_therapies_of_the_positives(capsys):
    exact = named = expected = right = 0
    positives = [(item, reading) for item, reading in _readings() if item["is_evidence"]]
    misses = []
    for item, reading in positives:
        got, want = set(reading["prior_therapies"]), set(item["prior_therapies"])
        exact += got == want
        named, expected, right = named + len(got), expected + len(want), right + len(got & want)
        if got != want:
            misses.append(f"{sorted(got)} for {sorted(want)}: {item['sentence'][:80]}")
    precision, recall = right / max(named, 1), right / max(expected, 1)
    with capsys.disabled():
        print(
            f"failed therapies: {exact}/{len(positives)} sentences exactly right; "
            f"slugs precision {precision:.3f}, recall {recall:.3f}"
        )
    assert precision >= MIN_SLUG_PRECISION, misses
    assert recall >= MIN_SLUG_RECALL, misses
    assert exact >= MIN_EXACT * len(positives), misses


@pytest.mark.parametrize(
    ("sentence", "evidence"),
    [
        # The acne-scar filler trial.
        (
            "Subjects will be required to abstain from other aesthetic treatment to their face "
            "during the study period and failure to do so will be considered a protocol "
            "violation.",
            False,
        ),
        ("Subjects who failed screening may be rescreened once.", False),
        ("Treatment failure will be defined as a PASI 50 not reached by week 16.", False),
        ("Time to treatment failure.", False),
        ("Failure to comply with the study treatment schedule.", False),
        ("Many patients become resistant to methotrexate over time.", False),
        ("Documented failure to conventional therapy.", True),
        ("Failure to respond to at least 12 weeks of methotrexate.", True),
        ("Patients who have failed at least one biologic.", True),
        ("Inadequate disease control with topical corticosteroids.", True),
    ],
)
def test_rules_that_generalise(sentence, evidence):
    record = empty_record("ctgov-json", b"")
    record["conditions"] = [{"name": "Psoriasis", "term": "psoriasis"}]
    record["criteria"] = {"inclusion": [sentence], "exclusion": [], "text": None}
    assert read_refractory(record, V)["is_refractory"] is evidence


@pytest.mark.parametrize(
    ("field", "sentence", "refractory"),
    [
        # the trial's own treatment failing, and its rescue
        (
            "description",
            "Participants with an inadequate response to study treatment at Week 16 may be "
            "rescued with topical corticosteroids.",
            False,
        ),
        # whom the trial excludes
        (
            "summary",
            "Patients who have failed previous biologic therapy, including dupilumab, will be "
            "excluded.",
            False,
        ),
        ("inclusion", "Has not failed any biologic therapy", False),
        ("inclusion", "Failed at least one biologic therapy", True),
        # what a refractory disease is also said to be
        ("inclusion", "Lesions must not have responded to 3 months of topical steroids", True),
        ("inclusion", "Response to steroids with inability to taper the dose", True),
        ("summary", "A study in steroid-dependent atopic dermatitis.", True),
    ],
)
def test_look_alikes_written_for_other_trials(field, sentence, refractory):
    """Held-out phrasings (not from the corpus) of sentences that are no refractory evidence."""
    item = {"conditions": ["Atopic dermatitis"], "field": field, "sentence": sentence}
    assert read_refractory(_record(item), V)["is_refractory"] is refractory


@pytest.mark.parametrize(
    ("sentence", "refractory", "prior"),
    [
        # oncology says a treatment failed by the disease progressing on it
        (
            "Disease that has progressed on osimertinib as the most recent line of treatment.",
            True,
            ["osimertinib"],
        ),
        (
            "Documented disease progression after platinum-based chemotherapy and a PD-1 "
            "inhibitor.",
            True,
            ["chemotherapy", "immune-checkpoint-inhibitors"],
        ),
        ("Patients progressing on at least one prior EGFR-TKI.", True, ["egfr-tkis"]),
        # progression as an outcome, or the trial's own course: no failure
        ("Time to progression after randomization.", False, []),
        ("Progression-free survival after 12 months of treatment.", False, []),
        ("Patients will be followed until progression after the last dose.", False, []),
        ("Disease progression during the course of the study treatment.", False, []),
        ("Must not have progressed following prior chemoradiation therapy.", False, []),
        ("No disease progression after platinum-based chemotherapy.", False, []),
    ],
)
def test_a_cancer_progressing_on_a_treatment(sentence, refractory, prior):
    """Held-out phrasings: lung cancer's failed treatments."""
    record = empty_record("ctgov-json", b"")
    record["conditions"] = [{"name": "NSCLC", "term": "non-small-cell-lung-cancer"}]
    record["criteria"] = {"inclusion": [sentence], "exclusion": [], "text": None}
    read = read_refractory(record, V)
    assert read["is_refractory"] is refractory
    assert read["prior_therapies"] == prior
