"""A trial's search terms carry the words of its vocabulary terms' synonyms each once
(trials.loading.columns._synonym_words): whole synonyms said "dermatomyositis" a dozen times
in every dermatomyositis trial, ranking it by the size of the vocabulary entry and making
ts_rank_cd test the query at every one of those places. Each synonym's words still find it."""

import copy
import json
from pathlib import Path

import pytest

from tests.searching import search_text
from trials.loading.columns import _synonym_words, _word_key
from trials.loading.loader import Loader
from trials.loading.vocab_tables import Terms
from trials.models import Condition, Trial

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds.jsonl"


def test_each_word_of_the_synonyms_once_and_none_said_already():
    said = ["Cutaneous vasculitis", None, "Cutaneous Vasculitis"]
    synonyms = [
        "IgA vasculitis",
        "Henoch-Schönlein purpura",
        "leukocytoclastic vasculitis (LCV)",
        "urticarial vasculitis",
        "HSP, IgAV",
        "LCV",
    ]
    # (key, word) pairs, as Terms.synonym_words makes them once a term
    pairs = [(_word_key(word), word) for synonym in synonyms for word in synonym.split()]
    assert _synonym_words(said, pairs) == [
        "IgA",
        "Henoch-Schönlein",
        "purpura",
        "leukocytoclastic",
        "(LCV)",
        "urticarial",
        "HSP,",
        "IgAV",
    ]
    assert _synonym_words(said, []) == []
    # blank synonyms and marks alone give no word
    term = Condition(slug="cutaneous-vasculitis", synonyms=["", "  ", "(LCV) ;"])
    assert Terms({}, {}).synonym_words(term, _word_key) == (("lcv", "(LCV)"),)


def _load(trial_id: str, title: str) -> Trial:
    """The first seed record (dermatomyositis, lenalidomide) made another trial titled `title`."""
    record = json.loads(SEEDS.read_text(encoding="utf-8").splitlines()[0])
    record = copy.deepcopy(record)
    record["trial_id"] = trial_id
    record["identifiers"] = [{"id": trial_id, "kind": "registry", "registry": "ClinicalTrials.gov"}]
    record["title"] = record["official_title"] = title
    record["summary"] = record["description"] = "An open-label study."
    record["criteria"] = {"inclusion": ["Adults"], "exclusion": [], "text": None}
    record["source"] = {**record["source"], "url": f"https://example.org/{trial_id}"}
    loader = Loader()
    document = loader.document(json.dumps(record).encode(), trial_id, "ctgov-json")
    assert loader.load(record, document) == "created"
    return Trial.objects.get(trial_id=trial_id)


@pytest.mark.django_db
def test_a_trial_has_its_synonyms_words_once_and_is_found_by_them():
    trial = _load("NCT09300001", "Lenalidomide for a skin disease")
    words = [word.strip("(),").casefold() for word in trial.text_terms.split()]
    assert words.count("dermatomyositis") == 2  # the condition as written, the label
    assert words.count("juvenile") == 1  # "juvenile dermatomyositis", "juvenile DM"
    assert "amyopathic" in words and "皮肌炎" in words
    for said in ("clinically amyopathic dermatomyositis", "juvenile DM", "皮肌炎", "CADM"):
        assert "NCT09300001" in {hit.trial_id for hit in search_text(said).trials}, said
