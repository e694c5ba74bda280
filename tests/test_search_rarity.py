"""A list of trials with only some of a query's words ranks the rarer words higher (inverse
document frequency: engine.COVERAGE): "fludarabine" says more than "disease"."""

import pytest
from django.db import connection
from django.http import QueryDict

from tests.searching import search_text
from trials.models import Trial
from trials.search import cache, engine, lexemes, spelling
from trials.search.params import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohorts():
    """One fludarabine trial; trials about inflammatory disease, many more about a disease (not
    "autoimmune disease": a kind of disease, lay_terms.json `categories`, lists only trials about
    its conditions)."""
    Trial.objects.create(key="FLUDARABINE", record={}, title="Subcutaneous fludarabine")
    for number in range(5):
        Trial.objects.create(
            key=f"INFLAMMATORY-{number}", record={}, title=f"Inflammatory disease registry {number}"
        )
    for number in range(15):
        Trial.objects.create(key=f"DISEASE-{number}", record={}, title=f"Disease cohort {number}")


def test_the_rarest_words_trial_comes_first_among_those_with_some_words(cohorts):
    result = search_text("fludarabine for inflammatory disease")
    keys = [hit.key for hit in result.trials]
    assert result.relaxed and result.count >= 21  # and the seed trials' diseases
    assert keys[0] == "FLUDARABINE", keys
    assert {key.split("-")[0] for key in keys[1:6]} == {"INFLAMMATORY"}


def test_without_the_words_rarity_the_most_words_came_first(cohorts, monkeypatch):
    # What the rarity changes (and so what the test above can catch): ranked by cover density
    # alone, two of the three words beat the rarest one.
    monkeypatch.setattr(engine, "COVERAGE", 0.0)
    keys = [hit.key for hit in search_text("fludarabine for inflammatory disease").trials]
    assert keys.index("FLUDARABINE") > 0


def _criteria_only_rank() -> int:
    """Where the fludarabine trial comes when only its criteria name fludarabine."""
    Trial.objects.filter(key="FLUDARABINE").update(
        title="Subcutaneous injections", text_criteria="Prior fludarabine allowed"
    )
    assert [hit.key for hit in search_text("fludarabine").trials] == ["FLUDARABINE"]
    query, errors = parse(QueryDict("q=fludarabine+for+inflammatory+disease"))
    assert not errors
    found = engine.matching(query, limit=100)
    fludarabine = Trial.objects.get(key="FLUDARABINE").pk
    return found.pks.tolist().index(fludarabine)


def test_a_word_only_in_who_may_join_weighs_less_than_one_a_trial_is_about(cohorts, monkeypatch):
    # Where a trial has a word counts (engine.COVERAGE_IN): naming fludarabine only in its
    # criteria, a trial weighs a quarter of one whose title names it: the trials about
    # inflammatory disease come first. Counted alike anywhere, it would come before some.
    where = _criteria_only_rank()
    assert where >= 5
    monkeypatch.setattr(engine, "COVERAGE_IN", (("", 1.0),))
    cache.reset()
    assert _criteria_only_rank() < where


@pytest.mark.parametrize(
    ("tsquery", "expected"),
    [
        ("'a'", "'a':AB"),
        ("'a':C & 'b' | 'c':*", "'a':AB & 'b':AB | 'c':*AB"),
        ("'o''brien' <-> 'x'", "'o''brien':AB <-> 'x':AB"),
    ],
)
def test_a_tsquery_is_limited_to_parts_of_the_vector(tsquery, expected):
    assert lexemes.weighted(tsquery, "AB") == expected
    with connection.cursor() as cursor:  # PostgreSQL reads it as written
        cursor.execute("SELECT %s::tsquery::text", [expected])
        assert cursor.fetchone()[0] == expected


def test_an_everyday_word_the_trials_seldom_have_weighs_as_a_common_one(monkeypatch):
    """ "physio and a trip to the spa didnt help … microdiscectomy": "trip" is in one trial,
    yet incidental to the sentence (an everyday English word no vocabulary has:
    engine.EVERYDAY_SHARE), as is "offers"; the trial of the surgery named comes first, not
    the one whose title says a trip on offer. ("shot" was the example until the lay terms had
    "steroid shot": a vocabulary's word is no everyday word.)"""
    Trial.objects.create(key="TRIP", record={}, title="Lumbar disc: a trip on offer")
    Trial.objects.create(key="SURGERY", record={}, title="Microdiscectomy for lumbar disc")
    for number in range(40):
        Trial.objects.create(key=f"DISC-{number}", record={}, title=f"Lumbar disc study {number}")
    typed = "lumbar disc, a trip didnt help, surgeon offers microdiscectomy"
    assert search_text(typed).trials[0].key == "SURGERY"
    monkeypatch.setattr(engine, "EVERYDAY_SHARE", 0.0)  # by its rarity alone
    cache.reset()
    assert search_text(typed).trials[0].key == "TRIP"
    # … as in a query of fewer words, where every word is meant ("dog allergy")
    monkeypatch.setattr(engine, "EVERYDAY_SHARE", 0.1)
    monkeypatch.setattr(engine, "EVERYDAY_FROM_PARTS", 99)
    cache.reset()
    assert search_text(typed).trials[0].key == "TRIP"
    # a body part or a word in capitals is no everyday word ("MET" amplification, a gene)
    assert spelling.everyday_groups("trip in the brain, MET amplification") == [
        True,
        False,
        False,
        False,
    ]
