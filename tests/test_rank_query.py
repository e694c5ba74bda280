"""rank_query.py: what ranks the matches is the query less its hyphenated words' phrases and
the words most trials have; the matches stay the whole query's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.searching import search_text
from trials.models import Trial
from trials.search import rank_query, words
from trials.search.lexemes import parse, tsquery_text

pytestmark = pytest.mark.django_db


def _simpler(tsquery: str, common=()) -> str:
    tree = parse(tsquery)
    return tsquery_text(rank_query._simplify(tree, lambda lexeme: 0.9 if lexeme in common else 0.1))


@pytest.mark.parametrize(
    ("tsquery", "common", "ranked"),
    [
        # A hyphenated word's phrase is its whole word.
        (
            "'graft-versus-host' <-> 'graft' <-> 'versus' <-> 'host' & 'diseas'",
            (),
            "( 'graft-versus-host' & 'diseas' )",
        ),
        # A word most trials have goes from an AND, beside rarer ones; all common: all stay.
        ("'lupus' & 'diseas' & 'skin'", ("diseas", "skin"), "'lupus'"),
        ("'diseas' & 'skin'", ("diseas", "skin"), "( 'diseas' & 'skin' )"),
        # Alternatives, phrases of other words and weights are kept as they are.
        ("'lupus':ABC | 'diseas':ABC", ("diseas",), "( 'lupus':ABC | 'diseas':ABC )"),
        ("'red' <-> 'scali' & 'diseas'", ("diseas",), "( 'red' <-> 'scali' )"),
        ("'adult-onset' <-> 'onset' & 'still'", (), "( 'adult-onset' & 'still' )"),
    ],
)
def test_the_rank_query_leaves_out_what_ranks_nothing(tsquery, common, ranked):
    assert _simpler(tsquery, common) == ranked


def test_the_rank_query_is_postgresqls_reading_and_ranks_as_the_whole_would(settings):
    settings.TEXT_INDEX_MIN_ROWS = 1
    for n in range(12):
        Trial.objects.create(key=f"RQ-{n}", record={}, title=f"Disease register {n}")
    Trial.objects.create(
        key="RQ-GVHD", record={}, title="Graft-versus-host disease of the skin", text_summary="x"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trials_trial")
    from trials.search.index import get_index

    index = get_index()
    text_query = words.TextQuery(words.WEBSEARCH, "graft-versus-host disease")
    ranked = rank_query.rank_query(index, text_query)
    assert ranked.search_type == "tsquery" and "<->" not in ranked.text
    with CaptureQueriesContext(connection) as queries:
        result = search_text("graft-versus-host disease")
    assert [hit.key for hit in result.trials] == ["RQ-GVHD"]
    assert any("::tsquery" in query["sql"] for query in queries.captured_queries)


def test_a_query_of_hundreds_of_operands_ranks_by_its_distinct_ones():
    """500 characters of drug classes and kinds of disease, each meaning dozens of names: the
    same lexemes over and over (one such query made ts_rank_cd ask PostgreSQL for 1 GB)."""
    limit = rank_query.RANK_MAX_OPERANDS
    many = " | ".join(
        f"('disease':ABC & 'w{n % 40}')" for n in range(rank_query.RANK_REPEATED_OVER)
    )
    bounded = rank_query._bounded(many)
    assert bounded is not None and bounded.search_type == "tsquery"
    operands = bounded.text.split(" | ")
    assert len(operands) == 41 and operands[0] == "'disease':ABC"
    distinct = " | ".join(f"'w{n}'" for n in range(limit + 5))
    assert len(rank_query._bounded(distinct).text.split(" | ")) == limit
    assert rank_query._bounded("'lupus' & 'nephriti'") is None  # a query of a few: as it is


def test_a_group_said_twice_is_one_group():
    said = "lupus autoimmune disease autoimmune disease autoimmune disease tofacitinib"
    groups = words._groups(said)
    assert len(groups) == len(set(groups)) == 3
