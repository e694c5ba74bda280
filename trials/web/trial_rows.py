"""The trial page's two queries, written in SQL: the trial (with when the portal last copied
it) and its related trials' cards (kept per data version: most pages share them).

Built by the ORM (`.filter(key=…).first()`, `.in_bulk(…)`) each cost 1-1.5 ms of Python,
compiling the query and reading its columns, for a few tenths of a millisecond in PostgreSQL: a
third of the page's time at 100k trials. Here the SQL is written once per process and the rows
become Trial instances as the ORM makes them (the same converters, `Model.from_db`), the
columns not selected deferred. The cards are read as the search page reads its page of trials
(trials/search/rows.by_pk).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Hashable

from django.db import connections
from django.db.models import Field
from django.db.models.expressions import Col

from trials import freshness
from trials.models import SEARCH_ONLY_FIELDS, Identifier, Trial
from trials.readers.identifiers import identifier_norm
from trials.search import cache, rows

TABLE = Trial._meta.db_table
# What the page and the API show of a trial: every column but the text search's own (as
# TrialQuerySet.for_display()).
DISPLAY_FIELDS = tuple(
    field.attname for field in Trial._meta.concrete_fields if field.name not in SEARCH_ONLY_FIELDS
)
# What a related trial's card shows (besides its id).
CARD_FIELDS = (
    "key",
    "trial_id",
    "title",
    "status",
    "status_verified",
    "phases",
    "conditions",
    "drugs",
)


@functools.cache
def _fields(names: tuple[str, ...]) -> list[Field]:
    return [Trial._meta.get_field(name) for name in names]


def _select(names: tuple[str, ...]) -> str:
    return ", ".join(f"t.{field.column}" for field in _fields(names))


@functools.cache
def _converters(db: str, names: tuple[str, ...]) -> list[tuple[int, Col, list]]:
    """(position, column, converters) of the `names` columns that have converters (the ORM's:
    the backend's, then the field's: JSONField's json.loads). Kept per process: asked per
    value, they cost a fifth of a millisecond a row."""
    connection = connections[db]
    found = []
    for position, field in enumerate(_fields(names)):
        column = field.get_col(TABLE)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            found.append((position, column, converters))
    return found


def _trial(db: str, names: tuple[str, ...], row: tuple) -> Trial:
    """A Trial from a row of the `names` columns (in the model's order), each value converted
    as the ORM would."""
    connection = connections[db]
    values = list(row)
    for position, column, converters in _converters(db, names):
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    return Trial.from_db(db, list(names), values)


@functools.cache
def _lookup_sql() -> str:
    # The trial whose key is the first parameter, else the first (by id) of those with an
    # identifier whose norm is the second (TrialQuerySet.by_any_id(…).first()).
    return f"""
        SELECT {_select(DISPLAY_FIELDS)}, {freshness.last_synced_sql("t.id")}
        FROM {TABLE} t
        WHERE t.id = COALESCE(
            (SELECT k.id FROM {TABLE} k WHERE k.key = %s),
            (SELECT min(i.trial_id) FROM {Identifier._meta.db_table} i WHERE i.norm = %s))
    """  # noqa: S608 - names from the models, values as parameters


def find(key: str) -> tuple[Trial, datetime.datetime | None] | None:
    """The trial whose key or one of whose identifiers is `key`, and when the portal last
    copied it (freshness.last_synced); None when there is none. One query."""
    db = Trial.objects.db
    with connections[db].cursor() as cursor:
        cursor.execute(_lookup_sql(), [key, identifier_norm(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    return _trial(db, DISPLAY_FIELDS, row[:-1]), row[-1]


def cards(pks: list[int], version: Hashable | None) -> list[Trial]:
    """The trials whose ids are `pks`, in that order, with the columns of a related trial's
    card (CARD_FIELDS) and none other, and its `page_url` and `status_label`: from the cache
    of cards at data version `version` (the facet index's change-log position, read before
    this call; None: no cache), the others in one query.

    The cache serves a trial only while the change log has not moved past `version`: an edit
    or an import shows on the cards once the index follows the log, as it shows in which trials
    are related (SEARCH_CACHE_SECONDS)."""
    found = {}
    if version is not None:
        found = {pk: card for pk in pks if (card := cache.RELATED_CARDS.get((pk, version)))}
    if missing := [pk for pk in pks if pk not in found]:
        for card in rows.by_pk(missing, CARD_FIELDS):
            found[card.pk] = card
            # What depends on the row alone, made once for as long as the card is kept.
            card.page_url = card.get_absolute_url()
            card.status_label = card.get_status_display()
            if version is not None:
                cache.RELATED_CARDS.put((card.pk, version), card)
    return [found[pk] for pk in pks if pk in found]
