"""The instruments a trial's outcomes are measured with are searchable by their acronyms
(readers.instruments, vocab/instruments.json): "DLQI" finds a trial whose outcome says
"Dermatology Life Quality Index", "PASI 75" one whose outcome says "PASI-75"; an acronym only
as written ("IgA" is no IGA) and whole ("PASIS" is no PASI). Migration 0027 gives stored
trials the same words as the loader."""

import copy
import importlib
import json
from pathlib import Path

import pytest
from django.db import connection

from tests.searching import search_text
from trials.loading.loader import Loader
from trials.models import Trial
from trials.readers.instruments import instrument_words

pytestmark = pytest.mark.django_db

migration = importlib.import_module("trials.migrations.0027_outcome_instruments")
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds.jsonl"


def _load(trial_id: str, title: str, *measures: str) -> Trial:
    """The first seed record made another trial with this title and these outcomes."""
    record = copy.deepcopy(json.loads(SEEDS.read_text(encoding="utf-8").splitlines()[0]))
    record["trial_id"] = trial_id
    record["identifiers"] = [{"id": trial_id, "kind": "registry", "registry": "ClinicalTrials.gov"}]
    record["title"] = record["official_title"] = title
    record["summary"] = record["description"] = "A cream for pruritus of unknown origin."
    record["outcomes"] = [
        {"kind": "primary", "measure": measure, "time_frame": "Week 16"} for measure in measures
    ]
    record["source"] = {**record["source"], "url": f"https://example.org/{trial_id}"}
    loader = Loader()
    document = loader.document(json.dumps(record).encode(), trial_id, "ctgov-json")
    assert loader.load(record, document) == "created"
    return Trial.objects.get(trial_id=trial_id)


@pytest.mark.parametrize(
    ("measures", "words"),
    [
        (["Change in Dermatology Life  Quality Index"], ["DLQI"]),
        (["Percentage achieving EASI-75 and IGA 0/1"], ["EASI", "IGA"]),
        (["EASI75 at week 16", "cDLQI"], ["DLQI", "EASI"]),  # in the file's order
        (["ACR 20 response", "SF-36 physical"], ["ACR20", "SF-36"]),
        (["Serum IgA levels", "PASIS score", "percentage of pasi"], []),  # as written, whole
        ([None, "Peak Pruritus NRS"], ["NRS"]),
    ],
)
def test_the_instruments_an_outcome_names(measures, words):
    outcomes = [{"kind": "primary", "measure": measure} for measure in measures]
    assert instrument_words(outcomes) == words


def test_a_trial_is_found_by_the_instruments_of_its_outcomes():
    _load(
        "NCT09300001", "Pruritus study A", "Change from baseline in Dermatology Life Quality Index"
    )
    _load("NCT09300002", "Pruritus study B", "Proportion achieving PASI-75 at week 12")
    _load("NCT09300003", "Pruritus study C", "Serum IgA")
    ours = {"NCT09300001", "NCT09300002", "NCT09300003"}

    def found(text: str) -> set[str]:
        result = search_text(text)
        every_word = result.trials[: result.all_words] if result.all_words else result.trials
        return {hit.trial_id for hit in every_word} & ours

    assert found("DLQI") == {"NCT09300001"}
    assert found("dermatology life quality index pruritus") == {"NCT09300001"}
    assert found("PASI pruritus") == {"NCT09300002"}
    assert found("IGA") == set()


def test_the_migration_gives_stored_trials_the_words_the_loader_does():
    trial = _load("NCT09300004", "Pruritus study D", "DLQI and EASI-50", "Skindex-29")
    assert trial.text_terms.endswith(" DLQI EASI Skindex")
    with connection.cursor() as cursor:
        cursor.execute(migration.REBUILD)
        assert cursor.rowcount == 0  # freshly loaded trials have them already
        cursor.execute(
            "UPDATE trials_trial SET text_terms = left(text_terms, -length(' DLQI EASI Skindex'))"
            " WHERE trial_id = 'NCT09300004'"
        )
        cursor.execute(migration.REBUILD)
        assert cursor.rowcount == 1
        cursor.execute(migration.REBUILD)
        assert cursor.rowcount == 0  # once
    trial.refresh_from_db()
    assert trial.text_terms.endswith(" DLQI EASI Skindex")
