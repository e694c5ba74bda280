"""Migration 0029's `trials_rank(vector, query)`: a query of alternatives ranks each trial as
`ts_rank_cd(vector, query, 32)` does, from the alternative it matches when it matches one only;
`trials_tsquery_part` splits a query at its top-level OR, as PostgreSQL writes it."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@pytest.mark.parametrize(
    ("query", "first", "others"),
    [
        ("'a' & 'b' | 'c' | 'd' & 'e'", "'a' & 'b'", "'c' | 'd' & 'e'"),
        ("( 'a' | 'b' ) & 'c'", None, None),  # an AND at the top: no alternatives
        ("'a' & ( 'b' | 'c' ) | 'd'", "'a' & ( 'b' | 'c' )", "'d'"),
        ("'it''s' | 'b'", "'it''s'", "'b'"),  # a quote inside a word
        ("'a|b' | 'c'", "'a|b'", "'c'"),  # a bar inside a word
        ("'a':AB | 'b':*", "'a':AB", "'b':*"),
        ("'a' <-> 'b' | !'c'", "'a' <-> 'b'", "!'c'"),
        ("'a'", None, None),
    ],
)
def test_a_query_is_split_at_its_top_level_or(query, first, others):
    got = _one(
        "SELECT trials_tsquery_part(%s::tsquery, 1)::text,"
        " trials_tsquery_part(%s::tsquery, 2)::text",
        [query, query],
    )
    assert got == (first, others)


DOCUMENTS = [
    "cutaneous vasculitis of the legs; cutaneous small vessel vasculitis",
    "IgA vasculitis (Henoch-Schönlein purpura) in children, cutaneous vasculitis",
    "Henoch Schonlein purpura with nephritis",
    "vasculitis, cutaneous: a purpura study of Henoch",
    "cutaneous lupus",
]
QUERIES = [
    "(cutaneous & vasculitis) | (iga & vasculitis) | (henoch & schonlein & purpura)",
    "lupus | vasculitis",
    "cutaneous & vasculitis",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_rank_is_ts_rank_cds(query):
    for document in DOCUMENTS:
        ours, theirs = _one(
            "SELECT trials_rank(v, q), ts_rank_cd(v, q, 32) FROM"
            " (SELECT to_tsvector('english', %s) v, to_tsquery('english', %s) q) given",
            [document, query],
        )
        assert ours == pytest.approx(theirs, rel=1e-6), document


def test_the_split_is_made_once_when_planning():
    """The function's body is written into the statement and its parts computed there: the
    plan ranks with the query's parts as constants, no call of trials_tsquery_part left."""
    plan = "\n".join(
        row[0]
        for row in _all(
            "EXPLAIN VERBOSE SELECT"
            " trials_rank(search, to_tsquery('english', 'lupus & skin | rash'))"
            " FROM trials_rankvector"
        )
    )
    assert "trials_tsquery_part" not in plan
    assert "ts_rank_cd(search, '''lupus'' & ''skin'''::tsquery, 32)" in plan


def _all(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
