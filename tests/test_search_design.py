"""A trial's design is searchable in the words searchers use for it (design.DESIGN_WORDS): a
crossover trial whose title and summary never say "crossover" is found by it, an open-label one
by "open label", and "randomized" never finds a non-randomized trial. Migration 0026 gives
stored trials the same words."""

import copy
import importlib
import json
from pathlib import Path

import pytest
from django.db import connection

from tests.searching import search_text
from trials.loading.loader import Loader
from trials.models import Trial
from trials.readers.design import DESIGN_WORDS, design_words
from trials.readers.record import DESIGN_FIELDS

pytestmark = pytest.mark.django_db

migration = importlib.import_module("trials.migrations.0026_design_words")
# Over this file's trials: the seeds' terms end with their instruments' acronyms since 0027.
REBUILD = migration.REBUILD + " AND trial_id LIKE 'NCT092%'"
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds.jsonl"


def _load(trial_id: str, title: str, arms=(), **design) -> Trial:
    """The first seed record made another trial with this title, design and kinds of arm."""
    record = json.loads(SEEDS.read_text(encoding="utf-8").splitlines()[0])
    record = copy.deepcopy(record)
    record["trial_id"] = trial_id
    record["identifiers"] = [{"id": trial_id, "kind": "registry", "registry": "ClinicalTrials.gov"}]
    record["title"] = record["official_title"] = title
    record["summary"] = record["description"] = "Tofacitinib for pruritus of unknown origin."
    record["design"] = dict.fromkeys(DESIGN_FIELDS) | design
    record["arms"] = [
        {"label": kind.title(), "type": kind, "description": None, "interventions": []}
        for kind in arms
    ]
    record["outcomes"] = []  # no instrument's acronym after the design words (0027)
    record["source"] = {**record["source"], "url": f"https://example.org/{trial_id}"}
    loader = Loader()
    document = loader.document(json.dumps(record).encode(), trial_id, "ctgov-json")
    assert loader.load(record, document) == "created"
    return Trial.objects.get(trial_id=trial_id)


def test_the_words_of_a_design_in_the_schemas_order():
    # A record read back from jsonb has its keys in another order: the words' order is fixed.
    design = {"masking": "TRIPLE", "primary_purpose": "TREATMENT", "allocation": "RANDOMIZED"}
    assert design_words(design) == ["randomized", "double-blind triple-blind"]
    assert design_words({"intervention_model": "CROSSOVER"}) == ["crossover"]
    assert design_words(None) == [] and design_words({"allocation": "NA"}) == []
    # No word for a design is a hyphenated one indexing a part that says otherwise.
    assert not any("non-" in words or "arm" in words for words in DESIGN_WORDS.values())


def test_a_design_is_found_by_its_words_where_the_text_does_not_say_them():
    _load(
        "NCT09200001", "Pruritus study A", allocation="RANDOMIZED", intervention_model="CROSSOVER"
    )
    _load("NCT09200002", "Pruritus study B", allocation="NON_RANDOMIZED", masking="NONE")
    _load("NCT09200003", "Pruritus study C", masking="QUADRUPLE", primary_purpose="PREVENTION")

    def found(text: str) -> set[str]:
        """Ours among the trials with every word (a filled list lists others after them)."""
        result = search_text(text)
        every_word = result.trials[: result.all_words] if result.all_words else result.trials
        ours = {"NCT09200001", "NCT09200002", "NCT09200003"}
        return {hit.trial_id for hit in every_word} & ours

    assert found("crossover pruritus") == {"NCT09200001"}
    assert found("randomized pruritus") == {"NCT09200001"}  # never the non-randomized one
    assert found("open label pruritus") == {"NCT09200002"}
    assert found("double-blind pruritus") == {"NCT09200003"}
    assert found("double blind pruritus") == {"NCT09200003"}
    assert "NCT09200003" in found("pruritus prevention")


def test_the_migration_gives_stored_trials_the_words_the_loader_does():
    trial = _load("NCT09200004", "Pruritus study D", intervention_model="CROSSOVER")
    assert trial.text_terms.endswith(" crossover")
    with connection.cursor() as cursor:
        cursor.execute(REBUILD)
        assert cursor.rowcount == 0  # freshly loaded trials have them already
        cursor.execute(
            "UPDATE trials_trial SET text_terms = left(text_terms, -length(' crossover'))"
            " WHERE trial_id = 'NCT09200004'"
        )
        cursor.execute(REBUILD)
        assert cursor.rowcount == 1
        cursor.execute(REBUILD)
        assert cursor.rowcount == 0  # once
    trial.refresh_from_db()
    assert trial.text_terms.endswith(" crossover")
    assert {hit.trial_id for hit in search_text("crossover").trials} >= {"NCT09200004"}


def test_the_kinds_of_arm_are_found_by_their_words():
    _load("NCT09200005", "Pruritus study E", arms=["EXPERIMENTAL", "PLACEBO_COMPARATOR"])
    _load("NCT09200006", "Pruritus study F", arms=["EXPERIMENTAL", "ACTIVE_COMPARATOR"])
    ours = {"NCT09200005", "NCT09200006"}
    for text, wanted in (
        ("placebo-controlled pruritus", "NCT09200005"),
        ("active comparator pruritus", "NCT09200006"),
    ):
        result = search_text(text)
        every_word = result.trials[: result.all_words] if result.all_words else result.trials
        assert {hit.trial_id for hit in every_word} & ours == {wanted}, text
    with connection.cursor() as cursor:
        cursor.execute(REBUILD)
        assert cursor.rowcount == 0  # the migration's SQL says the same
