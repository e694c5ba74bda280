"""The most frequent lexemes matched in process (trials/search/lexemes.py): the same trials as
PostgreSQL's `search @@ query`, for every query form it takes, and fresh after edits."""

import random

import numpy as np
import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trials.models import Trial
from trials.search import fulltext, index, lexemes, words
from trials.search.lexemes import Unsupported, _chosen, parse, quoted, wider

from .test_search_exact import WORDS, _corpus, _random_params, assert_counts_exact

A = ("lexeme", "a")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("'a'", ("lexeme", "a")),
        ("'a' & 'b' | 'c'", ("or", ("and", ("lexeme", "a"), ("lexeme", "b")), ("lexeme", "c"))),
        ("'a' & ( 'b' | 'c' )", ("and", ("lexeme", "a"), ("or", ("lexeme", "b"), ("lexeme", "c")))),
        ("!'a' & !!'b'", ("and", ("not", ("lexeme", "a")), ("not", ("not", ("lexeme", "b"))))),
        ("'o''brien' & 'a\\\\b'", ("and", ("lexeme", "o'brien"), ("lexeme", "a\\b"))),
        ("", None),
        ("'a' <-> 'b'", ("phrase", ("lexeme", "a"), ("lexeme", "b"))),
        (
            "'a' <2> 'b' & 'c' | 'd'",
            ("or", ("and", ("phrase", A, ("lexeme", "b")), ("lexeme", "c")), ("lexeme", "d")),
        ),
        ("'a' <-> ( 'b' | 'c' )", ("phrase", A, ("or", ("lexeme", "b"), ("lexeme", "c")))),
        ("!'a' & 'b' <-> 'c'", ("and", ("not", A), ("phrase", ("lexeme", "b"), ("lexeme", "c")))),
    ],
)
def test_tsquery_text_is_read_with_postgresql_precedence(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize(
    "text",
    [
        "'a':*",
        "'a':*AB & 'b'",
        "!'a':AB & 'b'",  # all trials with 'a' anywhere are no superset of a negated weight
        "'a' &",
        "( 'a'",
        "'a' 'b'",
        "!( 'a' <-> 'b' )",  # a phrase's words all present is no superset of its negation
        "'a' <-> !'b'",  # nor of a phrase holding a negation ('a' then another word)
        "!( 'c' & 'a' <-> 'b' )",
    ],
)
def test_prefixes_weights_negated_phrases_and_broken_forms_are_left_to_postgresql(text):
    with pytest.raises(Unsupported):
        parse(text)


@pytest.mark.django_db
def test_a_lexeme_is_quoted_as_postgresql_reads_it_back():
    with connection.cursor() as cursor:
        for lexeme in ["plain", "o'brien", "back\\slash", "a b"]:
            cursor.execute("SELECT %s::tsquery::text", [quoted(lexeme)])
            (text,) = cursor.fetchone()
            assert parse(text) == ("lexeme", lexeme)


def _sql_rows(facet_index, text: str, relaxed: bool = False) -> list[int]:
    """PostgreSQL's answer to what text_rows reads `text` as (relaxed: first the trials about
    the diseases it names among other words, words.about_choice, when there are some)."""
    text_query = words.read(text, relaxed)
    if relaxed and (about_part := words.about_choice(text, _found)) is not None:
        text_query = about_part
    query = SearchQuery(text_query.text, search_type=text_query.search_type, config="english")
    pks = Trial.objects.filter(search=query).values_list("pk", flat=True)
    return sorted(facet_index.rows_of(np.asarray(list(pks), np.int64)).tolist())


def _found(text_query: words.TextQuery) -> int:
    query = SearchQuery(text_query.text, search_type=text_query.search_type, config="english")
    return Trial.objects.filter(search=query).count()


def _analyzed(settings, mebibytes: float | None = None) -> index.FacetIndex:
    """The index over an analyzed test corpus, every lexeme in pg_stats kept that
    `mebibytes` (by default the setting's) holds."""
    settings.TEXT_INDEX_MIN_ROWS = 1
    if mebibytes is not None:
        settings.TEXT_INDEX_MB = mebibytes
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trials_trial")
    facet_index = index.get_index()
    assert len(facet_index.lexemes) > 5 or mebibytes is not None
    return facet_index


QUERIES = [
    *WORDS,
    "itch rash",
    "itch or plaque",
    "scalp -nail",
    "-flare",
    "study itch or rash -blister",
    '"itch rash"',  # a phrase: its words here, their order in the trials' vectors
    '"rash itch" plaque',
    'itch -"rash plaque"',  # a negated phrase: PostgreSQL's
    "itch zzzunknown",  # a lexeme not kept: read through the GIN index
]


@pytest.mark.django_db
def test_kept_lexemes_match_the_same_trials_as_postgresql(settings):
    _corpus(random.Random(5), n=200)
    facet_index = _analyzed(settings)
    answered_here = 0
    for text in QUERIES:
        text_query = words.read(text)
        function = words.FUNCTIONS[text_query.search_type]
        answered_here += fulltext._in_process(facet_index, function, text_query.text) is not None
        assert sorted(fulltext.text_rows(facet_index, text).tolist()) == _sql_rows(
            facet_index, text
        ), text
    assert answered_here == len(QUERIES) - 1  # all but the negated phrase
    assert sorted(fulltext.text_rows(facet_index, "itch rash", relaxed=True).tolist()) == (
        _sql_rows(facet_index, "itch rash", relaxed=True)
    )


def test_a_weighted_lexeme_is_read_as_the_lexeme_anywhere():
    assert parse("'a':AB & 'b'") == ("and", ("lexeme", "a", "AB"), ("lexeme", "b"))
    assert wider("'a':ABC | 'b':ABC") == "( 'a' | 'b' )"


@pytest.mark.django_db
def test_weighted_lexemes_match_the_same_trials_as_postgresql(settings):
    """A relaxed query naming diseases wants its words in a trial's title, conditions or
    summary (words.ABOUT_WEIGHTS): the bits find the trials with the words anywhere, their
    vectors in RankVector which have them there."""
    _corpus(random.Random(5), n=200)
    for i, (summary, criteria) in enumerate([("itch", "rash"), ("", "itch plaque"), ("rash", "")]):
        Trial.objects.create(
            key=f"W{i}", record={}, title="W", text_summary=summary, text_criteria=criteria
        )
    facet_index = _analyzed(settings)
    for tsquery in ["'itch':A", "'itch':ABC | 'rash':ABC", "'itch':C & 'rash':D", "'itch':D"]:
        expected = Trial.objects.filter(search=SearchQuery(tsquery, search_type="raw"))
        want = sorted(facet_index.rows_of(np.asarray(list(expected.values_list("pk", flat=True)))))
        assert fulltext._in_process(facet_index, "to_tsquery", tsquery) is not None, tsquery
        found = fulltext._in_process(facet_index, "to_tsquery", tsquery)
        assert sorted(found.tolist()) == [int(row) for row in want], tsquery
    assert fulltext._in_process(facet_index, "to_tsquery", "'itch' & !'rash':D") is None


@pytest.mark.django_db
def test_weights_and_phrases_of_rare_words_are_checked_in_rankvector(settings):
    """A weighted lexeme or a phrase none of whose words the index keeps: the GIN index
    finds the trials with the words (exact, no vector read) and RankVector's vectors say which
    have them where, or in order (fulltext._phrases); the same trials as PostgreSQL's. The GIN
    index alone read every match's vector again, compressed (16 ms for 1,905 at 100k)."""
    _corpus(random.Random(5), n=120)
    rows = [("zzqa-zzqb", ""), ("", "zzqa zzqb"), ("zzqb zzqa", "zzqa"), ("zzqa", "")]
    for i, (summary, criteria) in enumerate(rows):
        Trial.objects.create(
            key=f"R{i}", record={}, title="R", text_summary=summary, text_criteria=criteria
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trials_trial")
    settings.TEXT_INDEX_MIN_ROWS = 5  # the four trials' words are not kept
    facet_index = index.get_index()
    assert len(facet_index.lexemes) > 5
    assert not facet_index.lexemes.may_hold("zzqa zzqb")
    for function, text in [
        ("to_tsquery", "'zzqa':ABC"),
        ("to_tsquery", "((zzqa:ABC)) | ((zzqb:AB))"),
        ("to_tsquery", "'zzqa' <-> 'zzqb'"),
        ("websearch_to_tsquery", '"zzqa zzqb"'),
        ("websearch_to_tsquery", "zzqa-zzqb"),
    ]:
        assert facet_index.lexemes.may_narrow(text), text
        with CaptureQueriesContext(connection) as queries:
            found = fulltext._in_process(facet_index, function, text)
        assert found is not None, text
        assert not any("trials_trial " in query["sql"] for query in queries), text
        search_type = "raw" if function == "to_tsquery" else "websearch"
        query = SearchQuery(text, search_type=search_type, config="english")
        pks = Trial.objects.filter(search=query).values_list("pk", flat=True)
        want = facet_index.rows_of(np.asarray(list(pks), np.int64))
        assert sorted(found.tolist()) == sorted(want.tolist()), text
        assert 0 < len(found) < 4, text
    for text in ["zzqa zzqb", "zzqa or zzqb", "note: a", "'zzqa' & 'zzqb'"]:
        assert not facet_index.lexemes.may_narrow(text), text
    # … not with a negation: its wider query would match nearly every trial
    for function, text in [
        ("websearch_to_tsquery", "-zzqa or zzqb-zzqa"),
        ("to_tsquery", "!zzqa:A"),
    ]:
        assert facet_index.lexemes.may_narrow(text), text
        assert fulltext._in_process(facet_index, function, text) is None, text


@pytest.mark.django_db
def test_a_phrase_with_more_trials_to_check_than_the_limit_goes_to_postgresql(
    settings, monkeypatch
):
    _corpus(random.Random(5), n=200)
    facet_index = _analyzed(settings)
    text_query = words.read('"itch rash"')
    function = words.FUNCTIONS[text_query.search_type]
    assert fulltext._in_process(facet_index, function, text_query.text) is not None
    monkeypatch.setattr(fulltext, "PHRASE_CHECK_MAX", 1)  # more than one trial has both words
    assert fulltext._in_process(facet_index, function, text_query.text) is None
    rows = sorted(fulltext.text_rows(facet_index, '"itch rash"').tolist())
    assert rows == _sql_rows(facet_index, '"itch rash"')


@pytest.mark.django_db
def test_edits_new_trials_and_deletions_show_in_the_kept_lexemes(settings):
    _corpus(random.Random(6), n=120)
    facet_index = _analyzed(settings)
    without = Trial.objects.exclude(title__contains="itch").order_by("pk")[0]
    with_itch = Trial.objects.filter(title__contains="itch").order_by("pk")[0]
    Trial.objects.filter(pk=without.pk).update(title="itch again")
    Trial.objects.filter(pk=with_itch.pk).update(title="nothing here")
    Trial.objects.filter(title__contains="rash").order_by("pk")[0].delete()
    Trial.objects.create(key="NEW1", record={}, title="itch and rash, new")
    facet_index = index.get_index()  # refreshed from the change log
    for text in ["itch", "rash", "itch rash", "-itch", "itch or rash"]:
        assert sorted(fulltext.text_rows(facet_index, text).tolist()) == _sql_rows(
            facet_index, text
        ), text
    assert fulltext._in_process(facet_index, "websearch_to_tsquery", "itch") is not None


@pytest.mark.django_db
def test_a_rare_lexemes_trials_are_read_once_until_the_data_changes(settings):
    """A lexeme not kept (rarer than those that are) is read through the GIN index once: the
    next query with it takes its rows from cache.LEXEME_ROWS, until an edit moves the data
    version."""
    _corpus(random.Random(5), n=100)
    Trial.objects.create(key="Q1", record={}, title="itch in quokkas")
    facet_index = _analyzed(settings)
    assert "quokka" not in facet_index.lexemes.slots

    def reads(text: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert fulltext._in_process(facet_index, "websearch_to_tsquery", text) is not None
        return sum("unnest" in query["sql"] for query in queries.captured_queries)

    assert reads("itch quokkas") == 1
    assert reads("quokka or rash") == 0
    assert sorted(fulltext.text_rows(facet_index, "quokka").tolist()) == _sql_rows(
        facet_index, "quokka"
    )
    Trial.objects.create(key="Q2", record={}, title="a quokka's rash")
    facet_index = index.get_index()  # refreshed from the change log: another data version
    assert reads("quokka or rash") == 1
    assert len(fulltext.text_rows(facet_index, "quokka")) == 2
    assert sorted(fulltext.text_rows(facet_index, "quokka").tolist()) == _sql_rows(
        facet_index, "quokka"
    )


@pytest.mark.django_db
def test_no_memory_for_lexemes_no_lexemes(settings):
    _corpus(random.Random(7), n=50)
    facet_index = _analyzed(settings, mebibytes=0)
    assert len(facet_index.lexemes) == 0
    assert fulltext._in_process(facet_index, "websearch_to_tsquery", "itch") is None
    assert sorted(fulltext.text_rows(facet_index, "itch").tolist()) == _sql_rows(
        facet_index, "itch"
    )


@pytest.mark.django_db
def test_the_budget_keeps_the_most_frequent_lexemes(settings):
    _corpus(random.Random(8), n=400)
    # A mebibyte at 400 rows (50 bytes a lexeme) holds every lexeme pg_stats names; with room
    # for two, the two most frequent.
    facet_index = _analyzed(settings, mebibytes=1)
    settings.TEXT_INDEX_MB = 100 / (1024 * 1024)
    with connection.cursor() as cursor:
        two, left_out = _chosen(cursor, facet_index.row_count)
    assert len(facet_index.lexemes) > 2
    assert len(two) == 2
    assert "studi" in two  # every title says "study"
    assert left_out == facet_index.lexemes.slots.keys() - set(two)


@pytest.mark.django_db
def test_engine_counts_stay_exact_with_lexemes_kept(settings):
    """The oracle of test_search_exact, its words matched here."""
    rng = random.Random(20261202)
    _corpus(rng, side=random.Random(3))
    _analyzed(settings)
    therapy = random.Random(4)
    asked = 0
    while asked < 80:
        params = _random_params(rng, random.Random(asked), therapy)
        if "q" not in params:
            continue
        asked += 1
        assert_counts_exact(params)


@pytest.mark.django_db
def test_a_frequent_lexeme_the_budget_left_out_sends_the_query_to_postgresql(settings):
    _corpus(random.Random(9), n=300)
    facet_index = _analyzed(settings, mebibytes=38 * 3 / (1024 * 1024))  # three lexemes
    kept, left_out = set(facet_index.lexemes.slots), facet_index.lexemes.left_out
    assert len(kept) == 3 and left_out
    one_kept, one_left = sorted(kept)[0], sorted(left_out)[0]
    for text, here in [
        (f"{one_kept} -{one_left}", False),
        (f"{one_kept} or zzzunknown", True),  # a lexeme pg_stats does not list: read alone
        ("zzzunknown", False),  # nothing kept: PostgreSQL's one statement
    ]:
        answer = fulltext._in_process(
            facet_index, "to_tsquery", text.replace(" -", " & !").replace(" or ", " | ")
        )
        assert (answer is not None) == here, text
    # A phrase with a word left out: its words through the GIN index, their order in
    # RankVector's vectors (fulltext._phrases), the same trials as PostgreSQL's.
    word_kept = sorted(kept & set(WORDS))[0]
    word_left = sorted(left_out & set(WORDS))[0]  # titles hold two of WORDS side by side
    for text in (f'"{word_kept} {word_left}"', f'"{word_left} {word_kept}" {word_kept}'):
        function, query = "websearch_to_tsquery", text
        assert fulltext._in_process(facet_index, function, query) is not None, text
        rows = sorted(fulltext.text_rows(facet_index, text).tolist())
        assert rows == _sql_rows(facet_index, text), text
        assert 0 < len(rows) < len(_sql_rows(facet_index, f"{word_kept} {word_left}")), text


@pytest.mark.parametrize(
    ("tsquery", "superset"),
    [
        ("'a' <-> 'b' & 'c'", "( ( 'a' & 'b' ) & 'c' )"),
        ("'a' <2> ( 'b' | 'c' ) | !'d'", "( ( 'a' & ( 'b' | 'c' ) ) | !'d' )"),
        ("'a' & 'b'", None),  # no phrase: nothing wider to ask for
        ("!( 'a' <-> 'b' )", None),
    ],
)
def test_a_phrase_widens_to_its_words_together(tsquery, superset):
    assert wider(tsquery) == superset


@pytest.mark.django_db
def test_words_beginning_no_kept_lexeme_skip_the_reading_statement(settings):
    _corpus(random.Random(10), n=100)
    facet_index = _analyzed(settings)
    assert facet_index.lexemes.may_hold("Plaques")  # 'plaqu'
    assert facet_index.lexemes.may_hold("zzz or scalps")
    assert not facet_index.lexemes.may_hold("zzzunknown qqqq")
    facet_index.lexemes.prefixes |= {"acn"}  # as kept: a stem shorter than a word's beginning
    assert facet_index.lexemes.may_hold("Acne")
    with CaptureQueriesContext(connection) as queries:
        assert fulltext._in_process(facet_index, "websearch_to_tsquery", "zzzunknown") is None
    assert not queries.captured_queries


@pytest.mark.django_db
@pytest.mark.parametrize("analyzed", [True, False])
def test_words_are_counted_as_postgresql_counts_them(settings, analyzed):
    # The counts that weigh a relaxed list's words by their rarity (engine._coverage): from the
    # kept lexemes when the index holds them all, else PostgreSQL's; cached, and fresh after
    # the data changes.
    _corpus(random.Random(6), n=200)
    facet_index = _analyzed(settings) if analyzed else index.get_index()
    texts = ("itch", "rash & plaque", "zzzunknown", "the")
    parts = [words.TextQuery(words.RAW, text) for text in texts]
    parts += words.relaxed_parts("itch or nail scalp")
    expected = [_found(part) for part in parts]
    with CaptureQueriesContext(connection) as first:
        assert [count for _, count in fulltext.counts(facet_index, parts)] == expected
    with CaptureQueriesContext(connection) as again:
        assert [count for _, count in fulltext.counts(facet_index, parts)] == expected
    assert len(first) <= 2 and len(again) == 0
    assert [tsquery for tsquery, _ in fulltext.counts(facet_index, parts)][2:4] == [
        "'zzzunknown'",
        "",
    ]
    Trial.objects.filter(key="X0").update(title="itch itch")
    changed = index.get_index()
    assert [count for _, count in fulltext.counts(changed, parts)] == [_found(p) for p in parts]


def test_a_tsquery_too_long_to_walk_is_left_to_postgresql():
    many = " | ".join(quoted(f"w{number}") for number in range(lexemes.MAX_LEXEMES + 1))
    with pytest.raises(Unsupported):
        parse(many)
    assert parse(" | ".join(quoted(f"w{n}") for n in range(lexemes.MAX_LEXEMES)))


# Words with synonyms (people's words, drug classes), 500 characters of them: the relaxed query
# is hundreds of lexemes (it once took the ranking's tree walk past Python's recursion limit).
LONG_SENTENCE = (
    "mouth injection rash itch ulcer scalp silver tight hair psoriasis steroid wound patch lupus"
    " loss cheek pain biologic nail knee face fever child eye fatigue rash tight plaque skin"
    " finger redness sore biologic cheek fever arm white itch flaky wound pain finger blue blue"
    " cream sore white scalp elbow leg cream loss flaky plaque silver injection knee eye joint"
    " cold arm child dry patch cold ulcer sun leg fatigue sun elbow swelling nail face swelling"
    " mouth skin psoriasis steroid lupus"
)


@pytest.mark.django_db
def test_a_sentence_of_hundreds_of_lexemes_is_answered(client):
    _corpus(random.Random(7), n=50)
    assert client.get("/", {"q": LONG_SENTENCE}).status_code == 200
    assert client.get("/api/trials/", {"q": LONG_SENTENCE}).status_code == 200
