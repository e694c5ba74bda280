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
        # An alternative said twice, or holding one said alone, ranks nothing more: a drug's
        # names alone and in phrases ('ivig' | 'intraven' & 'ivig' & 'g') are its name.
        ("'ivig' | 'ivig' | 'intraven' & 'ivig' & 'g' | 'octagam'", (), "( 'ivig' | 'octagam' )"),
        ("'ivig' | 'gamma' <-> 'ivig'", (), "'ivig'"),
        # Not one within another alternative, nor one of other weights.
        ("'a' | ( 'b' | 'a' ) & 'c'", (), "( 'a' | ( ( 'b' | 'a' ) & 'c' ) )"),
        ("'a':AB | 'a' & 'b'", (), "( 'a':AB | ( 'a' & 'b' ) )"),
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


@pytest.mark.parametrize(
    "tsquery",
    [
        "'ivig' | 'ivig' | 'intraven' & 'ivig' & 'g' | 'octagam'",
        "'lupus' | 'cutan' <-> 'lupus' | 'skin' & 'lupus' & 'rash'",
        "'a' | 'b' & 'a' | 'c' <-> 'a' <-> 'b'",
    ],
)
def test_alternatives_left_out_rank_every_text_the_same(tsquery):
    """PostgreSQL's own ts_rank_cd of the simpler query equals the whole's, text by text."""
    simpler = _simpler(tsquery)
    assert simpler != tsquery_text(parse(tsquery))
    texts = [
        "intravenous immunoglobulin g (ivig) then ivig again; octagam or ivig, gamma ivig",
        "ivig",
        "octagam intravenous g",
        "skin rash of lupus: cutaneous lupus, lupus of the skin and a rash",
        "a b c a b a c b a b c",
        "b c b c a",
    ]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(
                "SELECT ts_rank_cd(v, %s::tsquery, 32), ts_rank_cd(v, %s::tsquery, 32) "
                "FROM (SELECT setweight(to_tsvector('english', %s), 'A') "
                "|| to_tsvector('english', %s) AS v) AS t",
                [tsquery, simpler, text[:20], text],
            )
            whole, simple = cursor.fetchone()
            assert whole == pytest.approx(simple, abs=1e-7), text
