"""A word found only in a trial's exclusion criteria is not a match (issue 14, point 1)."""

import copy
import importlib
import json
from pathlib import Path

import pytest
from django.db import connection
from django.http import QueryDict

from trials.loading.columns import SEARCH_TEXT_MAX_CHARS
from trials.loading.loader import Loader
from trials.models import Trial
from trials.search.engine import search
from trials.search.params import parse

pytestmark = pytest.mark.django_db

rebuild = importlib.import_module("trials.migrations.0030_who_runs_it_in_search_text")
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds.jsonl"


def _run(**params):
    query_dict = QueryDict(mutable=True)
    for name, value in params.items():
        query_dict[name] = value
    query, errors = parse(query_dict)
    assert not errors, errors
    return search(query)


@pytest.mark.parametrize("word", ["syphilis", "thrombosis", "muscular dystrophy", "myasthenia"])
def test_a_word_only_among_who_cannot_join_finds_nothing(word):
    # Each of these is in a seed trial's exclusion criteria and nowhere else in the trial.
    result = _run(q=word)
    assert result.count == 0
    assert not result.trials
    assert all(value.count == 0 for values in result.facets.values() for value in values)


def test_inclusion_criteria_still_match():
    # "classification criteria" sits in NCT05488327's inclusion criteria only.
    record = Trial.objects.get(key="NCT05488327").record
    inclusion = " ".join(record["criteria"]["inclusion"]).lower()
    assert "classification" in inclusion
    assert "NCT05488327" in {hit.key for hit in _run(q="classification").trials}


def _rebuilding_agrees_with_the_loader() -> None:
    """Rebuilding the stored text the migration's way changes none of the freshly loaded rows,
    and rewrites every stale one."""
    with connection.cursor() as cursor:
        cursor.execute(rebuild.REBUILD)
        assert cursor.rowcount == 0
        cursor.execute("UPDATE trials_trial SET text_criteria = 'stale'")
        cursor.execute(rebuild.REBUILD)
        assert cursor.rowcount == Trial.objects.count()


def test_the_migration_sql_agrees_with_the_loader():
    assert Trial.objects.count() >= 5
    _rebuilding_agrees_with_the_loader()


def test_snippets_say_which_part_matched(client):
    Trial.objects.create(
        key="S1", record={}, title="Study one", text_summary="Pruritus relief in adults."
    )
    Trial.objects.create(
        key="C1", record={}, title="Study two", text_criteria="Adults with chronic pruritus."
    )
    hits = {hit.key: hit for hit in _run(q="pruritus").trials}
    assert hits["S1"].snippet_part == "summary"
    assert hits["C1"].snippet_part == "criteria"
    assert any(matched for _, matched in hits["C1"].snippet)
    page = client.get("/", {"q": "pruritus"}).content.decode()
    assert "Summary:</span>" in page
    assert "Inclusion criteria, description:</span>" in page


def _load_with_treatments(trial_id: str, interventions: list[dict]) -> None:
    """The first seed record made another trial with these interventions."""
    _load_as(trial_id, interventions=interventions)


def _load_as(trial_id: str, **fields) -> None:
    """The first seed record made another trial, these fields replaced."""
    record = copy.deepcopy(json.loads(SEEDS.read_text(encoding="utf-8").splitlines()[0]))
    record["trial_id"] = trial_id
    record["identifiers"] = [{"id": trial_id, "kind": "registry", "registry": "ClinicalTrials.gov"}]
    record["title"] = record["official_title"] = "TQH3821 tablets in rheumatoid arthritis"
    record.update(fields)
    record["source"] = {**record["source"], "url": f"https://example.org/{trial_id}"}
    loader = Loader()
    document = loader.document(json.dumps(record).encode(), trial_id, "ctgov-json")
    assert loader.load(record, document) == "created"


def test_what_a_treatment_is_said_to_be_is_searched():
    """An intervention's description says what the drug is ("a selective IRAK4 inhibitor"),
    which the vocabulary may not know: searched (weight D); a placebo's is not ("has no
    effect on TNF"). Migration 0028 gives stored trials the same text (0030 since)."""
    drug = "TQH3821 tablets, a selective IRAK4 inhibitor"
    _load_with_treatments(
        "NCT09000001",
        [
            {"name": "TQH3821", "type": "DRUG", "description": drug, "is_placebo": False},
            {
                "name": "Placebo",
                "type": "DRUG",
                "description": "No effect on TNF.",
                "is_placebo": True,
            },
            {"name": "Methotrexate", "type": "DRUG", "description": None},
        ],
    )
    assert [hit.key for hit in _run(q="IRAK4").trials] == ["NCT09000001"]
    assert _run(q="IRAK4 inhibitor").trials[0].key == "NCT09000001"
    assert "NCT09000001" not in {hit.key for hit in _run(q="TNF").trials}
    assert drug in Trial.objects.get(trial_id="NCT09000001").text_criteria
    with connection.cursor() as cursor:
        cursor.execute(rebuild.REBUILD)
        assert cursor.rowcount == 0


def test_who_runs_a_trial_and_where_is_searched_by_name():
    """Its sites' facilities, collaborators, contacts' and officials' names and affiliations
    are searched (weight D), each once ("Wellman Center for Photomedicine", "michael holick
    psoriasis"); never an email or a phone number. Migration 0030 gives stored trials the
    same text, whatever shape the lists have."""
    wellman = "Wellman Center for Photomedicine"
    sites = [
        {"facility": wellman, "city": "Boston", "country": "US"},
        {"facility": wellman, "city": "Boston", "country": "US"},  # said once
        {"facility": None, "city": "Cambridge", "country": "US"},
    ]
    contacts = [
        {"name": "Michael F. Holick", "role": "STUDY_CHAIR", "affiliation": "Boston University"},
        {
            "name": "Ann Contact",
            "role": "CONTACT",
            "email": "qx81@mailhost.test",
            "phone": "555 0142",
        },
        {"name": "", "affiliation": 7},
    ]
    _load_as("NCT09000002", sites=sites, contacts=contacts, collaborators=["Photonics Fund"])
    text = Trial.objects.get(trial_id="NCT09000002").text_criteria
    assert text.endswith(
        f"\n{wellman} Photonics Fund Michael F. Holick Boston University Ann Contact"
    )
    for q in ("holick", "michael holick", "photonics", "photomedicine"):
        assert [hit.key for hit in _run(q=q).trials] == ["NCT09000002"], q
    assert _run(q="wellman center for photomedicine").trials[0].key == "NCT09000002"
    for q in ("qx81@mailhost.test", "mailhost", "555 0142", "0142"):
        assert "NCT09000002" not in {hit.key for hit in _run(q=q).trials}, q
    _rebuilding_agrees_with_the_loader()
    assert Trial.objects.get(trial_id="NCT09000002").text_criteria == text
    # Lists of another shape in a stored record (no reader writes them) say no name.
    odd = {"sites": {"facility": wellman}, "contacts": "Holick", "collaborators": "Fund"}
    Trial.objects.filter(trial_id="NCT09000002").update(record=odd | {"criteria": {}})
    with connection.cursor() as cursor:
        cursor.execute(rebuild.REBUILD)
    assert Trial.objects.get(trial_id="NCT09000002").text_criteria == ""


def test_a_record_with_more_distinct_words_than_a_tsvector_holds_still_loads():
    """150,000 sites of distinct names (9 MB, within the readers' limits) made 2 MB of
    distinct words, more than a tsvector holds: the load failed ("string is too long for
    tsvector"). The search texts are bounded (columns.SEARCH_TEXT_MAX_CHARS); the trial is
    found by its first sites' names, and migration 0030 bounds the text alike."""
    names = [f"x{number:06d}q" for number in range(150_000)]  # one distinct word each
    sites = [{"facility": name, "city": None, "country": "US"} for name in names]
    _load_as("NCT09000004", sites=sites, summary=" ".join(names))
    trial = Trial.objects.get(trial_id="NCT09000004")
    assert len(trial.text_criteria) == SEARCH_TEXT_MAX_CHARS["text_criteria"]
    assert len(trial.text_summary) == SEARCH_TEXT_MAX_CHARS["text_summary"]
    assert [hit.key for hit in _run(q=names[0]).trials] == ["NCT09000004"]
    with connection.cursor() as cursor:
        cursor.execute(rebuild.REBUILD)
        assert cursor.rowcount == 0
