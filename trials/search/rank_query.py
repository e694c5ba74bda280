"""What ranks a search's matches: its query, less what costs ranking time and tells it little.

`ts_rank_cd` (TrialQuerySet.ranked) tests the query at every position of its words in each
match, and its cost grows with the query's operands and their positions: ranking the 1,371
matches of "graft-versus-host disease" took 16 ms, `disease` alone 4 (docs/benchmarks.md,
session 17). Two parts of a query cost most and change the order least:

- a hyphenated word is a phrase of the whole and its parts ('graft-versus-host' <-> 'graft' <->
  'versus' <-> 'host'): the whole alone is in the same trials, at the same places;
- a word most trials have ('diseas' in nine trials of ten at 100k): beside rarer words it
  orders nothing, and it has the most positions to test.

The matches are those of the whole query (fulltext.py): only their order is read from this one,
as a tsquery PostgreSQL wrote (models.TSQUERY). A query this module does not read (see
lexemes.parse) ranks as typed.
"""

from __future__ import annotations

import re

from portal.replicas import search_connection
from trials.models import TSQUERY
from trials.search import cache, lexemes, words
from trials.search.index import FacetIndex

# A word in more than this share of the trials ranks nothing beside rarer words of the query.
RANK_COMMON = 0.5
# A query of more operands than this (500 characters of drug classes and kinds of disease, each
# meaning dozens of names) ranks by its first distinct operands, this many, any of them:
# ts_rank_cd keeps, for every position of a matched word in a trial, room for every item of the
# query, and 1,400 operands asked PostgreSQL for a gigabyte (a 500). "biologic" alone is ~200.
RANK_MAX_OPERANDS = 2 * lexemes.MAX_LEXEMES
# … and so does a query of more than RANK_REPEATED_OVER operands most of which say the same
# words again (a kind of disease said over and over: 206 operands of 48 lexemes, the same 500).
RANK_REPEATED_OVER = 100
_OPERAND = re.compile(r"'(?:[^']|'')*'(?::[A-D*]+)?")
_DISTANCE = re.compile(r"<\d+>")
_WORDS = re.compile(r"[^\W_]+")


def rank_query(index: FacetIndex, text_query: words.TextQuery) -> words.TextQuery:
    """The query that ranks the matches of `text_query` (see the module's text)."""
    if text_query.search_type not in words.FUNCTIONS or not _may_simplify(text_query.text):
        return text_query
    key = ((text_query.search_type, text_query.text, "rank"), index.seq)
    ranked = cache.RANK_QUERIES.get(key)
    if ranked is None:
        tsquery = tsquery_of(text_query)
        ranked = _bounded(tsquery) or _simpler(index, tsquery) or text_query
        cache.RANK_QUERIES.put(key, ranked)
    return ranked


def _bounded(tsquery: str) -> words.TextQuery | None:
    """A tsquery of more than RANK_MAX_OPERANDS operands, or of more than RANK_REPEATED_OVER
    most of them repeated, as its first distinct operands (the words as typed come first in
    each group), at most RANK_MAX_OPERANDS, any of them; None for any other."""
    operands = _OPERAND.findall(tsquery)
    distinct = len(set(operands))
    repeated = len(operands) > RANK_REPEATED_OVER and len(operands) > 2 * distinct
    if len(operands) <= RANK_MAX_OPERANDS and not repeated:
        return None
    return words.TextQuery(TSQUERY, " | ".join(list(dict.fromkeys(operands))[:RANK_MAX_OPERANDS]))


def _may_simplify(text: str) -> bool:
    """Whether `text` has words to leave out: several, or a hyphenated one (a single word
    ranks as it is, without a statement to read it)."""
    return "-" in text or len(_WORDS.findall(text)) > 1


def tsquery_of(text_query: words.TextQuery) -> str:
    """The tsquery PostgreSQL reads `text_query` as, in its text form (cached: it depends on
    the words alone)."""
    function = words.FUNCTIONS[text_query.search_type]
    key = (function, text_query.text)
    tsquery = cache.TSQUERIES.get(key)
    if tsquery is None:
        with search_connection().cursor() as cursor:
            cursor.execute(f"SELECT {function}('english', %s)::text", [text_query.text])
            tsquery = cursor.fetchone()[0]
        cache.TSQUERIES.put(key, tsquery)
    return tsquery


def _simpler(index: FacetIndex, tsquery: str) -> words.TextQuery | None:
    if _DISTANCE.search(tsquery):  # parse reads `<2>` as `<->`: not for ranking
        return None
    try:
        tree = lexemes.parse(tsquery)
    except lexemes.Unsupported:
        return None
    if tree is None:
        return None
    simpler = _simplify(tree, lambda lexeme: index.lexemes.share(lexeme, index.row_count))
    if simpler == tree:
        return None
    return words.TextQuery(TSQUERY, lexemes.tsquery_text(simpler))


def _simplify(node, share):
    kind = node[0]
    if kind == "lexeme":
        return node
    if kind == "phrase":
        return _whole_word(node) or ("phrase", *(_simplify(child, share) for child in node[1:]))
    if kind == "or":
        return _alternatives(node, share)
    if kind != "and":
        return (kind, *(_simplify(child, share) for child in node[1:]))
    parts = [_simplify(child, share) for child in _parts(node, "and")]
    rarer = [part for part in parts if not (part[0] == "lexeme" and share(part[1]) > RANK_COMMON)]
    return _joined("and", rarer or parts)


def _alternatives(node, share):
    """An OR of alternatives without those said twice or holding one said alone: `'a' | 'a' &
    'b'` ranks as `'a'` (a drug's synonyms list its name alone and in phrases). ts_rank_cd's
    covers are the shortest spans where the query holds: where `'a' & 'b'` holds `'a'` alone
    already did, at the same place or before, so the covers and the rank are the same — and its
    cost, which grows with the query's operands, is a fraction (a drug with its 25 names:
    31 → 5 ms for 535 matches)."""
    parts = list(dict.fromkeys(_simplify(child, share) for child in _parts(node, "or")))
    alone = {part for part in parts if part[0] == "lexeme"}
    return _joined("or", [p for p in parts if p[0] == "lexeme" or not _required(p) & alone])


def _required(node) -> set:
    """The lexemes (with their weights) every match of `node` has: its words joined by AND
    and phrases, not those of an alternative or a negation within it."""
    if node[0] == "lexeme":
        return {node}
    if node[0] in ("and", "phrase"):
        return _required(node[1]) | _required(node[2])
    return set()


def _parts(node, kind: str) -> list:
    """The operands a chain of `kind` ("and", "or") joins, in order."""
    if node[0] != kind:
        return [node]
    return [*_parts(node[1], kind), *_parts(node[2], kind)]


def _joined(kind: str, parts: list):
    """`parts` joined by `kind` again, left to right (as PostgreSQL writes a chain)."""
    joined = parts[0]
    for part in parts[1:]:
        joined = (kind, joined, part)
    return joined


def _phrase_leaves(node) -> list | None:
    if node[0] == "lexeme":
        return [node]
    if node[0] != "phrase":
        return None
    left, right = _phrase_leaves(node[1]), _phrase_leaves(node[2])
    return None if left is None or right is None else left + right


def _whole_word(node):
    """A hyphenated word's phrase ('graft-versus-host' <-> 'graft' <-> 'versus' <-> 'host') as
    its whole ('graft-versus-host'); None for any other phrase."""
    leaves = _phrase_leaves(node)
    if not leaves or "-" not in leaves[0][1]:
        return None
    whole, *parts = leaves
    pieces = whole[1].split("-")
    # Its parts as the english configuration stems them ('adult' is left out of 'adult-onset').
    if len(parts) > len(pieces) or any(
        part[2:] != whole[2:] or not any(piece[:3] == part[1][:3] for piece in pieces)
        for part in parts
    ):
        return None
    return whole
