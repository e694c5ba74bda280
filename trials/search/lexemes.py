"""The most frequent lexemes' trials, held in process: a common word matched without PostgreSQL.

A word in a fifth of the trials is matched through the search vector's GIN index and then the
heap page of every match is visited for its id: ~13 ms at 100k trials, ~400 ms at a million
(docs/benchmarks.md, session 11). The facet index (index.py) instead keeps, for the lexemes
PostgreSQL's own statistics name as the most frequent in Trial.search (`pg_stats`'
most_common_elems: up to 1,000 with the default statistics target), one bit per index row, as
many lexemes as TEXT_INDEX_MB holds (a lexeme costs a bit a row: 12.5 kB at 100k trials), none
found in fewer than TEXT_INDEX_MIN_ROWS trials (the GIN index answers those in a millisecond or
two).

A query is answered here when its tsquery (PostgreSQL reads the words: the english
configuration's stemming and stop words, one short statement) joins lexemes by &, |, ! and
phrase operators (no prefix) and some of them are kept here: the others, rarer than
any that pg_stats lists (or than TEXT_INDEX_MIN_ROWS), are read through the GIN index one by one
in a second statement (a query about itching is its words and a dozen synonyms, most of them
rare). Its rows are then the same as `search @@ query`'s. A phrase ("graft-versus-host" is
'graft-versus-host' <-> 'graft' <-> 'versus' <-> 'host') needs the words' positions, which bits
do not have: here its words are required together (every trial the phrase matches, and more),
and `Match.exact` is False: the caller checks those few trials' stored vectors (the GIN index
would check the same trials, reading them compressed). So is a weighted lexeme ('lupus':ABC, a
relaxed query naming diseases: words.read), read here as the lexeme anywhere. A phrase may not
be negated nor hold a negation, nor a weighted lexeme be negated (then the bits would not
include every match). Any other query goes to
PostgreSQL whole, as before, and so does one whose lexemes pg_stats lists as frequent but that
the budget left out (reading those alone would cost what the kept ones save).

Rows appended to the facet index (a changed or new trial) get their bits from their stored
vectors in the same refresh; dead rows keep theirs, and every answer is limited to live rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
from django.conf import settings

# may_hold: the characters of a word's beginning that its stem keeps.
PREFIX = 4
_WORD = re.compile(r"[^\W_]+")
# A weight (`:ABC`, `:*A`), a phrase operator, a quote or a hyphen between letters.
_MAY_NARROW = re.compile(r"(?:[^\W_]|'):\*?[A-Da-d]|<(?:-|\d+)>|\"|[^\W_]-[^\W_]")
_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')(:[*A-Da-d]+)?|(&|\||!|\(|\)|<(?:-|\d+)>))")


class Match(NamedTuple):
    """The rows' mask (dead rows included) for a query; `exact` False: rows with all the words
    of a phrase, which may not have them in its order (their vectors say)."""

    mask: np.ndarray
    exact: bool


class LexemeIndex:
    """Bits per row for the most frequent lexemes (packed, one array row per lexeme)."""

    def __init__(self) -> None:
        self.slots: dict[str, int] = {}
        self.prefixes: frozenset[str] = frozenset()
        # pg_stats' frequent lexemes not kept (the budget's): a query with one goes to
        # PostgreSQL whole.
        self.left_out: frozenset[str] = frozenset()
        self.bits = np.zeros((0, 0), np.uint8)
        self._counts: dict[int, int] = {}  # slot -> rows with the lexeme (share)

    def __len__(self) -> int:
        return len(self.slots)

    @property
    def nbytes(self) -> int:
        return self.bits.nbytes

    def build(self, cursor, rows_of, row_count: int) -> None:
        """Choose the lexemes (pg_stats) and read each one's trials through the GIN index;
        `rows_of` maps trial ids to the facet index's rows."""
        chosen, self.left_out = _chosen(cursor, row_count)
        self.bits = np.zeros((len(chosen), _bytes_for(row_count)), np.uint8)
        for slot, lexeme in enumerate(chosen):
            cursor.execute("SELECT trials_matching_ids(%s::tsquery)", [quoted(lexeme)])
            self.bits[slot] = self._packed(rows_of(ids_of(cursor.fetchone()[0])))
        self.slots = {lexeme: slot for slot, lexeme in enumerate(chosen)}
        self._counts = {}
        self.prefixes = frozenset(lexeme[:PREFIX] for lexeme in chosen)

    def may_hold(self, text: str) -> bool:
        """Whether a word of `text` (a query as typed, or to_tsquery's text) may stem to a
        lexeme kept here: the word begins with a kept lexeme's first PREFIX characters (or
        the whole of a shorter one). A stem keeps a word's beginning (english Snowball:
        "biomarkers" 'biomark', "acne" 'acn'), so False spares the statement that reads the
        words; a wrong True costs only that."""
        return any(
            word[:length] in self.prefixes
            for word in _WORD.findall(text.lower())
            for length in range(1, PREFIX + 1)
        )

    def may_narrow(self, text: str) -> bool:
        """Whether `text` (a query as typed, or to_tsquery's text) may hold a weighted lexeme
        or a phrase (its words in order: a quoted phrase, a hyphenated word): what the GIN
        index answers by reading every match's vector again (search.fulltext._phrases). A
        wrong True costs a statement reading the words."""
        return _MAY_NARROW.search(text) is not None

    def append(self, first: int, row_count: int, lexemes_by_row: Iterable[Iterable[str]]) -> None:
        """Rows `first`… (just appended to the facet index, `row_count` rows now), each with
        its vector's lexemes."""
        if not self.slots:
            return
        needed = _bytes_for(row_count)
        if needed > self.bits.shape[1]:
            grown = np.zeros((len(self.slots), needed + needed // 8), np.uint8)
            grown[:, : self.bits.shape[1]] = self.bits
            self.bits = grown
        # Each row's kept lexemes found by the slots' look-ups and their slots by a map, both
        # in C: a word at a time in Python took ~0.4 s for 5,000 rows (a refresh after an
        # import, in every worker; docs/benchmarks.md, session 42).
        kept, slot_of = self.slots.keys(), self.slots.__getitem__
        slots: list[int] = []
        per_row: list[int] = []
        for lexemes in lexemes_by_row:
            found = kept & lexemes
            slots += map(slot_of, found)
            per_row.append(len(found))
        if slots:
            self._counts = {}
            rows = np.repeat(np.arange(first, first + len(per_row), dtype=np.intp), per_row)
            at = np.fromiter(slots, np.intp, count=len(slots))
            np.bitwise_or.at(self.bits, (at, rows >> 3), (0x80 >> (rows & 7)).astype(np.uint8))

    def share(self, lexeme: str, row_count: int) -> float:
        """The share of the `row_count` rows with `lexeme` (dead ones counted: near enough);
        0 for a lexeme not kept here (rarer than any kept, or left out by the budget)."""
        slot = self.slots.get(lexeme)
        if slot is None or not row_count:
            return 0.0
        if (count := self._counts.get(slot)) is None:
            count = self._counts[slot] = int(np.bitwise_count(self.bits[slot]).sum())
        return count / row_count

    def match(
        self, tsquery: str, read: Callable[[list[str]], list[np.ndarray]], row_count: int
    ) -> Match | None:
        """The first `row_count` rows' Match for a tsquery's text form, or None when
        PostgreSQL should answer it whole (see the module's text). `read(lexemes)` gives the
        rows of lexemes not kept here, in order."""
        if (tree := self._tree(tsquery)) is None:
            return None
        leaves = set(_leaves(tree))
        others = sorted(leaves - self.slots.keys())
        if len(others) == len(leaves) or not self.left_out.isdisjoint(others):
            return None
        found = read(others) if others else []
        extra = {lexeme: self._packed(rows) for lexeme, rows in zip(others, found, strict=True)}
        packed = self._evaluate(tree, extra)
        return Match(np.unpackbits(packed, count=row_count).view(bool), not _inexact(tree))

    def count(self, tsquery: str, alive: np.ndarray) -> int | None:
        """How many of the rows `alive` (a mask) match a tsquery's text, or None unless every
        lexeme of it is kept here and it has no phrase."""
        tree = self._tree(tsquery)
        if tree is None or _inexact(tree) or not self.slots.keys() >= set(_leaves(tree)):
            return None
        packed = self._evaluate(tree, {})
        return int(np.count_nonzero(np.unpackbits(packed, count=len(alive)).view(bool) & alive))

    def _tree(self, tsquery: str):
        """A tsquery's parse() tree, or None when nothing is kept here or the query is empty
        or one this module does not read."""
        if not self.slots:
            return None
        try:
            return parse(tsquery)
        except Unsupported:
            return None

    def _packed(self, rows: np.ndarray) -> np.ndarray:
        """`rows` as a lexeme's bits."""
        mask = np.zeros(self.bits.shape[1] * 8, bool)
        mask[rows] = True
        return np.packbits(mask)

    def _evaluate(self, node, extra: dict[str, np.ndarray]) -> np.ndarray:
        kind = node[0]
        if kind == "lexeme":
            slot = self.slots.get(node[1])
            return extra[node[1]] if slot is None else self.bits[slot]
        if kind == "not":
            return ~self._evaluate(node[1], extra)
        left, right = self._evaluate(node[1], extra), self._evaluate(node[2], extra)
        return left | right if kind == "or" else left & right  # a phrase: all its words


def wider(tsquery: str) -> str | None:
    """A tsquery with phrases as the same query with each phrase's words required together
    (every trial it matches, and those with the words in another order): a query the GIN index
    answers without reading a single vector. None for a query with no phrase, or one this
    module does not read (see parse)."""
    try:
        tree = parse(tsquery)
    except Unsupported:
        return None
    return _text(tree) if tree is not None and _inexact(tree) else None


def tsquery_text(node) -> str:
    """A parse() tree as a tsquery's text (its phrases as `<->`, its weights kept)."""
    kind = node[0]
    if kind == "lexeme":
        return quoted(node[1]) + (f":{node[2]}" if len(node) > 2 else "")
    if kind == "not":
        return "!" + tsquery_text(node[1])
    operator = {"or": "|", "and": "&", "phrase": _FOLLOWED_BY}[kind]
    return f"( {tsquery_text(node[1])} {operator} {tsquery_text(node[2])} )"


def _text(node) -> str:
    kind = node[0]
    if kind == "lexeme":
        return quoted(node[1])
    if kind == "not":
        return "!" + _text(node[1])
    return f"( {_text(node[1])} {'|' if kind == 'or' else '&'} {_text(node[2])} )"


def ids_of(joined: str | None) -> np.ndarray:
    """trials_matching_ids' answer (ids joined by commas, NULL for none) as an array."""
    return np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)


def quoted(lexeme: str) -> str:
    """A lexeme as a tsquery's text (its own quotes doubled, backslashes escaped)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


_LEXEME = re.compile(r"('(?:[^']|'')*')(:[*A-Da-d]+)?")


def weighted(tsquery: str, weights: str) -> str:
    """A tsquery's text with each lexeme limited to the vector's parts `weights` ("AB")."""

    def limited(match: re.Match) -> str:
        prefix = "*" if match[2] and "*" in match[2] else ""
        return f"{match[1]}:{prefix}{weights}"

    return _LEXEME.sub(limited, tsquery)


def _unquote(token: str) -> str:
    return token[1:-1].replace("''", "'").replace("\\\\", "\\")


def _bytes_for(row_count: int) -> int:
    return (row_count + 7) // 8


def _chosen(cursor, row_count: int) -> tuple[list[str], frozenset[str]]:
    """The lexemes to keep: pg_stats' most common in Trial.search, most frequent first, found
    in at least TEXT_INDEX_MIN_ROWS trials, as many as TEXT_INDEX_MB holds; and those of them
    the budget left out."""
    budget = settings.TEXT_INDEX_MB * 1024 * 1024
    if budget <= 0 or row_count == 0:
        return [], frozenset()
    cursor.execute(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
        " WHERE tablename = 'trials_trial' AND attname = 'search'"
        " AND schemaname = current_schema()"
    )
    found = cursor.fetchone()
    if not found or not found[0]:
        return [], frozenset()
    lexemes, shares = found
    # The shares array ends with three figures of its own (least, most, nulls).
    ranked = sorted(zip(lexemes, shares[: len(lexemes)], strict=True), key=lambda pair: -pair[1])
    most = budget // max(_bytes_for(row_count), 1)
    wanted = [
        lexeme for lexeme, share in ranked if share * row_count >= settings.TEXT_INDEX_MIN_ROWS
    ]
    return wanted[: int(most)], frozenset(wanted[int(most) :])


class Unsupported(Exception):
    """A tsquery with a prefix, a negated phrase or weight, or a form this parser does not
    read."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match:
            if text[at:].strip():
                raise Unsupported(text)
            break
        lexeme, suffix, operator = match.groups()
        if suffix and "*" in suffix:  # a prefix: the lexemes it stands for are not listed
            raise Unsupported(text)
        if operator and operator.startswith("<"):
            operator = _FOLLOWED_BY  # at any distance: here, all the phrase's words
        if lexeme:
            # A weight (`'lupus':ABC`: in those parts of a vector only) is read as the lexeme
            # anywhere, every trial it matches and more (Match.exact False).
            out.append(
                ("lexeme", _unquote(lexeme), suffix[1:].upper())
                if suffix
                else ("lexeme", _unquote(lexeme))
            )
        else:
            out.append(("op", operator))
        at = match.end()
    return out


def parse(text: str):
    """A tsquery's text form as a tree: ("lexeme", l), ("not", x), ("and"|"or"|"phrase", a,
    b); None for an empty query. Precedence as PostgreSQL's: ! then <-> then & then |. A
    phrase holding a negation, or negated, is Unsupported."""
    tokens = _tokens(text)
    if not tokens:
        return None
    if sum(kind == "lexeme" for kind, *_ in tokens) > MAX_LEXEMES:
        raise Unsupported(text)  # its tree would be too deep for the functions that walk it
    at = 0

    def peek():
        return tokens[at] if at < len(tokens) else None

    def take():
        nonlocal at
        at += 1
        return tokens[at - 1]

    def either():
        node = both()
        while peek() == ("op", "|"):
            take()
            node = ("or", node, both())
        return node

    def both():
        node = phrase()
        while peek() == ("op", "&"):
            take()
            node = ("and", node, phrase())
        return node

    def phrase():
        node = single()
        while peek() == ("op", _FOLLOWED_BY):
            take()
            node = ("phrase", node, single())
        return node

    def single():
        token = take() if peek() else None
        if token is None:
            raise Unsupported(text)
        if token == ("op", "!"):
            return ("not", single())
        if token == ("op", "("):
            node = either()
            if peek() != ("op", ")"):
                raise Unsupported(text)
            take()
            return node
        if token[0] == "lexeme":
            return token
        raise Unsupported(text)

    tree = either()
    if at != len(tokens) or _negated_phrase(tree):
        raise Unsupported(text)
    return tree


_FOLLOWED_BY = "<->"
# The most lexemes a tsquery read here may have: a tree is as deep as its operands are many
# (a long relaxed sentence, each word with its synonyms, is hundreds), and the functions that
# walk it recurse. A longer query is PostgreSQL's alone (matched and ranked as it is).
MAX_LEXEMES = 150


def _has(node, kind: str) -> bool:
    return node[0] == kind or (node[0] != "lexeme" and any(_has(n, kind) for n in node[1:]))


def _inexact(node) -> bool:
    """Whether the bits match more than the query: it has a phrase (its words in any order)
    or a weighted lexeme (anywhere in a trial's vector)."""
    if node[0] == "lexeme":
        return len(node) > 2
    return node[0] == "phrase" or any(_inexact(child) for child in node[1:])


def _negated_phrase(node) -> bool:
    """Whether a phrase or a weighted lexeme is under a negation, or a phrase holds one (the
    bits would then match less than the query, not more)."""
    if node[0] == "lexeme":
        return False
    if node[0] == "not" and _inexact(node[1]):
        return True
    if node[0] == "phrase" and _has(node, "not"):
        return True
    return any(_negated_phrase(child) for child in node[1:])


def _leaves(node) -> Iterable[str]:
    if node[0] == "lexeme":
        yield node[1]
    else:
        for child in node[1:]:
            yield from _leaves(child)
