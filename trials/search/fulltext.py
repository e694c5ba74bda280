"""Full text in PostgreSQL: the trials matching a query's words, and whether any is about them.

The stored tsvector (Trial.search, trials/models.py) weighs where a word is: A the title, B
the conditions, drugs, IDs and their vocabulary synonyms, C the summary, D the inclusion
criteria, description and sites' cities. Matching uses all four; being *about* a word is having
it in A or B.
"""

from __future__ import annotations

import numpy as np

from portal.replicas import search_connection
from trials.models import Ids
from trials.search import cache, words
from trials.search.index import FacetIndex
from trials.search.lexemes import ids_of, quoted, wider
from trials.search.timing import timed

# A query naming diseases that finds at most this many trials is checked for trials about them
# (passing_mentions); one finding more is taken to be about them: the check is one look at
# those few rows, never a scan of a broad word's hits.
ABOUT_CHECK_MAX = 200
# Where a trial has the words it is about: a respelling must be in its title, conditions, drugs
# or their synonyms (A, B); a disease may also be in its summary (C), not only in its
# description, inclusion criteria or sites' cities (D).
RESPELT_IN = "{a,b}"
DISEASE_IN = "{" + ",".join(words.ABOUT_WEIGHTS.lower()) + "}"  # {a,b,c}
# A phrase matched in process is checked in the vectors of the trials having all its words, up
# to this many; more go to the GIN index whole (which then checks as many, and more slowly).
PHRASE_CHECK_MAX = 20_000


@timed("text")
def text_rows(
    index: FacetIndex, text: str, relaxed: bool = False, anywhere: bool = False
) -> np.ndarray:
    """The facet index's rows of the trials matching `text` as people write it (see
    words.read: all its words, or with `relaxed` any; `anywhere`: diseases not only where a
    trial says what it is about), cached until the data changes. Common words are matched in
    the index itself (lexemes.py), others through the GIN index. For a query naming diseases
    the same statement says whether one of at most ABOUT_CHECK_MAX hits is about them."""
    mode = ("relaxed", "anywhere")[anywhere] if relaxed else None
    key = ((text, mode) if mode else text, index.seq)
    rows = cache.TEXT_HITS.get(key)
    if rows is not None:
        return rows
    if relaxed and not anywhere:
        # Relaxed, a query naming diseases among other words lists the trials about them.
        if (lists := _about_lists(index, text)) is not None:
            rows = lists[1]
            cache.TEXT_HITS.put(key, rows)
            return rows
        if words.about_parts(text) and not _welcomed_named(index, text):
            # It names or describes diseases no trial is about ("white patches on my skin" with
            # no vitiligo trial): none, not every trial with one of its other words; unless
            # some trial takes people with a disease it names (welcomed: "… I have melasma
            # … a laser study?"): its relaxed words then find it.
            rows = np.zeros(0, np.int32)
            cache.TEXT_HITS.put(key, rows)
            return rows
    text_query = words.read(text, relaxed, anywhere)
    rows = _rows(index, key, text, text_query, check=not relaxed and words.names_diseases(text))
    if relaxed and not anywhere and len(rows):
        rows = _welcoming_rows(index, text, rows)
        cache.TEXT_HITS.put(key, rows)
    return rows


# A relaxed match's trials not tagged with the diseases its query names are read for whom they
# turn away when at most this many (_welcoming_rows): one statement over a few hundred rows'
# exclusion criteria (~10 ms at 100k); beyond, the words alone decide.
RELAXED_AWAY_MAX = 300


def _welcoming_rows(index: FacetIndex, text: str, rows: np.ndarray) -> np.ndarray:
    """`rows` (a relaxed match of `text`) less the trials tagged with none of the diseases it
    names whose exclusion criteria name them ("psoriatic arthritis or ankylosing spondylitis
    trials": not a rheumatoid arthritis trial through "arthritis" that turns away both), when
    those untagged are at most RELAXED_AWAY_MAX."""
    if not (pattern := words.condition_names_pattern(text)):
        return rows
    mask = np.zeros(index.row_count, bool)
    mask[rows] = True
    away = untagged_turning_away(index, text, mask, pattern)
    return np.setdiff1d(rows, away).astype(rows.dtype, copy=False) if len(away) else rows


def untagged_turning_away(
    index: FacetIndex, text: str, rows: np.ndarray, pattern: str
) -> np.ndarray:
    """The rows of `rows` (a mask) tagged with none of the conditions `text` names whose
    exclusion criteria match `pattern` (their names): listed for other words, they turn away
    whom the query is about (left out: _welcoming_rows; listed last:
    engine._excluding_named_last). None when more than RELAXED_AWAY_MAX are untagged."""
    untagged = rows & ~index.facet_mask("condition", list(words.named_conditions(text)))
    if not 0 < int(np.count_nonzero(untagged)) <= RELAXED_AWAY_MAX:
        return np.zeros(0, np.int32)
    from trials.search.engine import _excluding  # the engine reads this module

    return _excluding(index, pattern, untagged)


def about_first(index: FacetIndex, text: str) -> np.ndarray | None:
    """The rows a relaxed query naming diseases lists first, when fewer than FILL_BELOW trials
    are about what it names most closely (words.about_choice) and more are about one of the
    diseases it names: those trials join the list after them ("lupus … antiphospholipid
    antibodies … lost two pregnancies": the antiphospholipid syndrome trials, then the lupus
    trials). None when the list is not filled so."""
    lists = _about_lists(index, text)
    return lists[0] if lists is not None and len(lists[0]) < len(lists[1]) else None


def _about_lists(index: FacetIndex, text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The rows of the about part chosen (words.about_choice) and those relaxed matching lists
    (the same, or with fewer than FILL_BELOW, those about any disease named whole too:
    words.about_listed); None when no part matches any trial."""

    def about_rows(part: words.TextQuery) -> np.ndarray:
        part_key = ((part.text, "about part"), index.seq)
        found = cache.TEXT_HITS.get(part_key)
        if found is None:
            found = _rows(index, part_key, text, part, check=False)
        return found

    if (listed := words.about_listed(text, lambda part: len(about_rows(part)))) is None:
        return None
    chosen, widest = listed
    rows = about_rows(chosen)  # from the cache: about_listed read it
    if widest is None:
        return rows, rows
    after = np.setdiff1d(about_rows(widest), rows)
    if len(after) and (named := words.condition_names_pattern(text)):
        # Not those it is filled with that turn away whom it is about (a lupus trial excluding
        # lupus nephritis after "anti-CD40L mAb proliferative LN"), as the trials open to any
        # skin disease are not (engine._general_filled).
        from trials.search.engine import _excluding  # the engine reads this module

        mask = np.zeros(index.row_count, bool)
        mask[after] = True
        mask[_excluding(index, named, mask)] = False
        after = np.flatnonzero(mask)
    return rows, np.union1d(rows, after).astype(rows.dtype, copy=False)


def skin_in_general_mask(index: FacetIndex) -> np.ndarray:
    """The live trials open to skin diseases in general (words.skin_in_general), as the index
    marks them (FacetIndex.general): a mask of its rows, the caller's to change."""
    return index.general & index.alive


def counts(index: FacetIndex, parts: list[words.TextQuery]) -> list[tuple[str, int]]:
    """Each of `parts` (to_tsquery's texts) as PostgreSQL reads it (a tsquery's text; '' for
    stop words alone) and how many trials it matches, cached until the data changes. What the
    index's own lexemes hold (lexemes.py) is counted there, the rest in one statement that also
    reads the words not read before (and a second for those the index turned out not to hold:
    a frequent word's trials are not counted in PostgreSQL)."""
    texts = list(dict.fromkeys(part.text for part in parts))
    tsqueries = {text: cache.TSQUERIES.get(("to_tsquery", text)) for text in texts}
    found: dict[str, int] = {}
    for text, tsquery in tsqueries.items():
        if tsquery is not None and (count := _count(index, tsquery)) is not None:
            found[text] = count
    asked = [text for text in texts if text not in found]
    left = []
    if asked:
        # Counted here: the words the index's lexemes cannot hold (they begin none of them).
        counted = [n for n, text in enumerate(asked, 1) if not index.lexemes.may_hold(text)]
        with search_connection().cursor() as cursor:
            cursor.execute(
                "SELECT q::text, CASE WHEN n = ANY(%s) THEN (SELECT count(*) FROM trials_trial"
                " WHERE search @@ q) END FROM unnest(%s::text[]) WITH ORDINALITY AS t(p, n),"
                " to_tsquery('english', p) AS q ORDER BY n",
                [counted, asked],
            )
            for text, (tsquery, count) in zip(asked, cursor.fetchall(), strict=True):
                tsqueries[text] = tsquery
                cache.TSQUERIES.put(("to_tsquery", text), tsquery)
                if count is None and (count := _count(index, tsquery)) is None:
                    left.append(text)
                else:
                    found[text] = _counted(index, tsquery, count)
    if left:
        with search_connection().cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM trials_trial WHERE search @@ q::tsquery)"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, n) ORDER BY n",
                [[tsqueries[text] for text in left]],
            )
            for text, (count,) in zip(left, cursor.fetchall(), strict=True):
                found[text] = _counted(index, tsqueries[text], count)
    return [(tsqueries[part.text], found[part.text]) for part in parts]


def _count(index: FacetIndex, tsquery: str) -> int | None:
    """A tsquery's count from the cache or the index's lexemes (0 for stop words alone)."""
    if not tsquery:
        return 0
    count = cache.COUNTS.get((tsquery, index.seq))
    if count is None and (count := index.lexemes.count(tsquery, index.alive)) is not None:
        _counted(index, tsquery, count)
    return count


def _counted(index: FacetIndex, tsquery: str, count: int) -> int:
    """`count`, remembered as the tsquery's until the data changes."""
    cache.COUNTS.put((tsquery, index.seq), count)
    return count


def _rows(index, key, text: str, text_query: words.TextQuery, check: bool) -> np.ndarray:
    """text_rows' rows of `text_query`, put in the cache under `key`; with `check`, whether
    some are about the diseases `text` names is remembered too."""
    function = words.FUNCTIONS[text_query.search_type]
    rows = _in_process(index, function, text_query.text)
    if rows is not None:
        cache.TEXT_HITS.put(key, rows)
        if check and len(rows) > ABOUT_CHECK_MAX:
            _remember_about(index, text, DISEASE_IN, True)
        elif check and len(rows):
            about(index, text, DISEASE_IN)
        return rows
    # The ids as one text value (a broad word matches 100,000s), through the GIN index
    # (migration 0020). The about test is an init plan, run only when the hits are few (AND
    # stops at false).
    # PostgreSQL's reading of the words comes too: what ranks the matches reads it
    # (rank_query.py).
    select = f"SELECT trials_matching_ids(q) AS ids, q::text AS tsquery FROM {function}('english', %s) AS q"  # noqa: S608, E501 - the function's name only
    words_said = text_query.text
    sql, parameters = select, [words_said]
    if check:
        # Constants and the function's name only: the words are parameters. With none about
        # them, whether one's inclusion criteria take people with them (welcomed).
        about_test = _EXISTS_ABOUT.format(function=function, weights=DISEASE_IN)
        few = f"length(ids) - length(replace(ids, ',', '')) < {ABOUT_CHECK_MAX}"
        welcome_test, welcome_parameters = "false", []
        if included := _included(text):
            welcome_test = _EXISTS_WELCOMED.format(function=function)
            welcome_parameters = [words_said, *included]
        sql = (
            f"SELECT ids, tsquery, {few} AND {about_test},"  # noqa: S608
            f" {few} AND NOT {about_test} AND {welcome_test} FROM ({select}) AS hits"
        )
        parameters = [words_said] * 4 + welcome_parameters + [words_said]
    with search_connection().cursor() as cursor:
        cursor.execute(sql, parameters)
        joined, tsquery, *flag = cursor.fetchone()
    cache.TSQUERIES.put((function, text_query.text), tsquery)
    hits = ids_of(joined)
    rows = index.rows_of(hits)
    cache.TEXT_HITS.put(key, rows)
    if check and len(hits):
        found = bool(flag[0]) or len(hits) > ABOUT_CHECK_MAX
        _remember_about(index, text, DISEASE_IN, found)
        if not found:
            _remember_welcomed(index, text, bool(flag[1]))
    return rows


def _in_process(index: FacetIndex, function: str, text: str) -> np.ndarray | None:
    """The live rows matching a query through the index's own lexemes (lexemes.py), or None
    when PostgreSQL should answer it whole. PostgreSQL reads the words into a tsquery, and
    the rows of its rare lexemes. A query none of whose lexemes the index holds is read here
    too when it may have weights or phrases (lexemes.may_narrow): the GIN index answers those
    by reading every match's vector again, compressed (`'melasma':ABC`, 1,905 matches at
    100k: 16 ms), where _phrases reads them in RankVector (6 ms)."""
    held = index.lexemes.may_hold(text)
    if not (held or index.lexemes.may_narrow(text)):
        return None
    with search_connection().cursor() as cursor:
        cursor.execute(f"SELECT {function}('english', %s)::text", [text])
        tsquery = cursor.fetchone()[0]
        cache.TSQUERIES.put((function, text), tsquery)  # what ranks the matches reads it too
        if not held and "!" in tsquery:
            # A negation: its wider query matches nearly every trial ("-melasma or
            # pyoderma-gangrenosum": 0.9 s of vectors read at 100k, 0.35 s PostgreSQL's way).
            return None

        def read(lexemes: list[str]) -> list[np.ndarray]:
            found = {lexeme: cache.LEXEME_ROWS.get((lexeme, index.seq)) for lexeme in lexemes}
            if missing := [lexeme for lexeme, rows in found.items() if rows is None]:
                cursor.execute(
                    "SELECT trials_matching_ids(q) FROM unnest(%s::tsquery[]) WITH ORDINALITY"
                    " AS lexemes(q, n) ORDER BY n",
                    [[quoted(lexeme) for lexeme in missing]],
                )
                for lexeme, (joined,) in zip(missing, cursor.fetchall(), strict=True):
                    found[lexeme] = index.rows_of(ids_of(joined))
                    cache.LEXEME_ROWS.put((lexeme, index.seq), found[lexeme])
            return [found[lexeme] for lexeme in lexemes]

        found = index.lexemes.match(tsquery, read, index.row_count)
        if found is None:
            return _phrases(cursor, index, tsquery)
        rows = np.flatnonzero(found.mask & index.alive).astype(np.int32)
        if found.exact or not len(rows):
            return rows
        if len(rows) > PHRASE_CHECK_MAX:
            return None
        return _in_order(cursor, index, "%s::bigint[]", Ids(index.pks[rows].tolist()), tsquery)


def _phrases(cursor, index: FacetIndex, tsquery: str) -> np.ndarray | None:
    """The rows matching a query with phrases whose words the index does not hold (rare ones,
    or frequent ones the budget left out), or None for any other query. The GIN index finds
    the trials with each phrase's words (lexemes.wider: exact, no vector read), and their
    vectors in RankVector say which have them in order. The GIN index alone tests each of
    those trials' vectors too, read compressed from trials_trial: "Adult-onset Still disease"
    took 22 ms so, 8 ms this way (docs/benchmarks.md, session 13)."""
    if (superset := wider(tsquery)) is None:
        return None
    found = "string_to_array(trials_matching_ids(%s::tsquery), ',')::bigint[]"
    return _in_order(cursor, index, found, superset, tsquery)


def _in_order(cursor, index: FacetIndex, ids: str, param, tsquery: str) -> np.ndarray:
    """The rows of the trials among `ids` (an SQL array of trial ids, with one parameter:
    `param`) whose vectors, as RankVector holds them (uncompressed: trials/models.py), match
    `tsquery`: those that have a phrase's words in its order."""
    cursor.execute(
        "SELECT string_agg(trial_id::text, ',') FROM trials_rankvector"  # noqa: S608 - ours
        f" WHERE trial_id = ANY({ids}) AND search @@ %s::tsquery",
        [param, tsquery],
    )
    return np.sort(index.rows_of(ids_of(cursor.fetchone()[0])))


# Some trial matching the query has its words in the parts of the search vector weighted
# `weights` (ts_filter keeps only those).
_EXISTS_ABOUT = (
    "EXISTS (SELECT 1 FROM trials_trial WHERE search @@ {function}('english', %s)"
    " AND ts_filter(search, '{weights}') @@ {function}('english', %s))"
)


def _remember_about(index: FacetIndex, text: str, weights: str, found: bool) -> None:
    key = ((text, "about", weights), index.seq)
    cache.TEXT_HITS.put(key, np.ones(1 if found else 0, np.int64))


@timed("text")
def passing_mentions(index: FacetIndex, text: str) -> int:
    """How many trials name the diseases `text` names when none is about them: "pemphigus"
    only in a description ("unlike pemphigus, …") or inclusion criteria is no pemphigus trial
    (issue 14, point 7). 0 when some trial is about them, or the query names something else
    (a drug in inclusion criteria is a prior treatment people look for: it stays a match)."""
    found = len(text_rows(index, text))
    if not 0 < found <= ABOUT_CHECK_MAX or not words.names_diseases(text):
        return 0
    return 0 if about(index, text, DISEASE_IN) or welcomed(index, text) else found


def _welcomed_named(index: FacetIndex, text: str) -> bool:
    """Whether some trial's inclusion criteria take people with a disease `text` names."""
    return any(welcomed(index, name) for name in words.condition_names_said(text))


# An inclusion criterion naming a disease takes people with it, unless a negation comes a few
# words before ("no history of melasma"; not "non-pregnant women with melasma"). Each
# criterion is read on its own (records read from a registry keep them as a list).
NOT_BEFORE = r"\y(no|not|without|free of|absence of|negative for)\W+(\w+\W+){0,3}"
_AN_INCLUSION_TAKES = (
    "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(record->'criteria'"
    "->'inclusion') WHEN 'array' THEN record->'criteria'->'inclusion' END) AS criterion"
    " WHERE criterion ~* %s AND criterion !~* %s)"
)
# Constants only: the names and the negation are parameters.
INCLUDING = "SELECT id FROM trials_trial WHERE " + _AN_INCLUSION_TAKES  # noqa: S608
_EXISTS_WELCOMED = (
    "EXISTS (SELECT 1 FROM trials_trial WHERE search @@ {function}('english', %s) AND "  # noqa: S608
    + _AN_INCLUSION_TAKES
    + ")"
)


@timed("text")
def welcomed(index: FacetIndex, text: str) -> bool:
    """Whether, of the at most ABOUT_CHECK_MAX trials matching `text`, one's inclusion
    criteria name a disease it names, not negated: a trial about something else (lasers for
    "benign pigmented lesions") that takes people with it ("Presence of … solar lentigines,
    freckles, café au lait, melasma …") is one they can join, no mention in passing. Cached
    like the hits."""
    key = ((text, "welcomed"), index.seq)
    known = cache.TEXT_HITS.get(key)
    if known is not None:
        return bool(len(known))
    rows = text_rows(index, text)
    known = cache.TEXT_HITS.get(key)  # the text statement may have said (_rows)
    if known is not None:
        return bool(len(known))
    found = False
    if 0 < len(rows) <= ABOUT_CHECK_MAX and (named := _included(text)):
        with search_connection().cursor() as cursor:
            sql = f"SELECT EXISTS ({INCLUDING} AND id = ANY(%s))"
            cursor.execute(sql, [*named, index.pks[rows].tolist()])
            found = bool(cursor.fetchone()[0])
    _remember_welcomed(index, text, found)
    return found


def _included(text: str) -> tuple[str, str] | None:
    """INCLUDING's patterns for the diseases `text` names: their names, negated; None for
    none."""
    named = words.condition_names_pattern(text)
    return (named, NOT_BEFORE + f"({named})") if named else None


def _remember_welcomed(index: FacetIndex, text: str, found: bool) -> None:
    cache.TEXT_HITS.put(((text, "welcomed"), index.seq), np.ones(1 if found else 0, np.int64))


@timed("text")
def passing_mentions_relaxed(index: FacetIndex, text: str) -> int:
    """passing_mentions for a query whose relaxed form found nothing: how many trials name
    some of the diseases `text` names, none being about any of them (the relaxed query of
    diseases wants them where a trial says what it is about: words.read)."""
    if not words.names_diseases(text):
        return 0
    return len(text_rows(index, text, relaxed=True, anywhere=True))


@timed("text")
def about(index: FacetIndex, text: str, weights: str = RESPELT_IN) -> bool:
    """Whether some trial is *about* `text` (read as text_rows reads it): has its words in the
    parts of its search vector weighted `weights` (by default its title or its conditions,
    drugs and their synonyms), not only elsewhere. Cached like the hits."""
    key = ((text, "about", weights), index.seq)
    known = cache.TEXT_HITS.get(key)
    if known is not None:
        return bool(len(known))
    text_query = words.read(text)
    function = words.FUNCTIONS[text_query.search_type]
    with search_connection().cursor() as cursor:
        sql = "SELECT " + _EXISTS_ABOUT.format(function=function, weights=weights)
        cursor.execute(sql, [text_query.text] * 2)
        found = bool(cursor.fetchone()[0])
    _remember_about(index, text, weights, found)
    return found
