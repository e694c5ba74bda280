"""A page's trials read by primary key, without compiling a QuerySet each time.

`Trial.objects.only(*fields).in_bulk(pks)` spent about twice the statement's own time in the
ORM's query compiler (~1.5 ms of CPU for a page of 20, on every search without words). Here the
statement is written once per set of fields, and each row becomes a Trial by `Model.from_db`,
as the ORM's own iterator makes it: the fields not read are deferred, as with `only()`.

The searches with words read their page ranked and with snippets (`TrialQuerySet.ranked`):
`ranked_by_pk` has the ORM write that statement once per shape, with placeholder words and ids,
and binds each search's own (the compiling took 1.6 ms a search, a tenth of a common word's).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from django.db import connections, router

from trials.models import Ids, Trial, ids


@cache
def _statement(names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The SELECT of the pk and `names` by a list of pks, and the attnames it reads in order."""
    meta = Trial._meta
    fields = [field for field in meta.concrete_fields if field.primary_key or field.name in names]
    if any(hasattr(field, "from_db_value") for field in fields):
        # The ORM would convert such a field's value: read it through a QuerySet instead.
        raise TypeError(f"rows.by_pk reads no converted fields ({names})")
    quote = connections["default"].ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"SELECT {columns} FROM {quote(meta.db_table)}"  # noqa: S608 - names from the model
        f" WHERE {quote(meta.pk.column)} = ANY(%s::bigint[])"
    )
    return sql, tuple(field.attname for field in fields)


def by_pk(pks: list[int], names: Iterable[str]) -> list[Trial]:
    """The trials of `pks` that are still there, in the order of `pks`, with the fields
    `names` read (and the pk); one statement."""
    if not pks:
        return []
    sql, attnames = _statement(tuple(names))
    alias = router.db_for_read(Trial)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [ids(pks)])
        found = cursor.fetchall()
    trials = (Trial.from_db(alias, attnames, row) for row in found)
    by_key = {trial.pk: trial for trial in trials}
    return [by_key[pk] for pk in pks if pk in by_key]


# What the ORM writes the ranked statement with, to be replaced by each search's own: the words
# (found by value: unlike the statement's other parameters) and the ids (found by identity).
_WORDS = "\x00words"
_PKS = Ids([0])


@lru_cache(maxsize=256)
def _ranked_statement(names: tuple[str, ...], search_type: str, page: slice | None) -> tuple:
    """The ranked statement over a list of ids (TrialQuerySet.ranked), with `page` the page
    `page` of them best first (TrialQuerySet.best_first: Django writes its bounds into the
    statement, hence one a page), and its parameters with the places of the words and ids."""
    trials = Trial.objects.only(*names)
    if page is None:
        trials = trials.ranked(_WORDS, search_type=search_type).with_pks(_PKS)
    else:
        trials = trials.best_first(_WORDS, search_type, _PKS, page)
    sql, params = trials.query.sql_with_params()
    words_at = tuple(i for i, param in enumerate(params) if param == _WORDS)
    pks_at = tuple(i for i, param in enumerate(params) if param is _PKS)
    if not words_at or len(pks_at) != 1:
        raise TypeError("rows.ranked_by_pk: the placeholders were not found in the statement")
    return sql, tuple(params), words_at, pks_at[0]


def ranked_by_pk(
    names: Iterable[str],
    words: str,
    search_type: str,
    pks: list[int],
    page: slice | None = None,
) -> list[Trial]:
    """The trials of `pks` with the fields `names`, `rank` and `headline` (TrialQuerySet.ranked
    for `words`), the page `page` of them best first (RANKED_ORDER), or without `page` all of
    them in no order."""
    if not pks:
        return []
    sql, template, words_at, pks_at = _ranked_statement(tuple(names), search_type, page)
    params: list[Any] = list(template)
    for place in words_at:
        params[place] = words
    params[pks_at] = ids(pks)
    return list(Trial.objects.raw(sql, params))
