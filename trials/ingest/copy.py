"""Bulk inserts through PostgreSQL's COPY, for the loader's batches.

`bulk_create` builds one huge INSERT whose every parameter Django prepares and psycopg quotes
in Python, and which the server then parses; COPY streams rows that psycopg encodes in C and
the server reads without a statement to plan. Row triggers and constraints still apply, so
what COPY writes is exactly what an INSERT would have written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import orjson
from django.db import connection, models
from django.utils import timezone


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` primary keys from the table's identity sequence, for rows that others point at."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (tuples of database values in the order of `columns`) into `model`'s table.
    Nothing is sent when there are no rows."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    # wrap_database_errors: psycopg's errors as Django's (IntegrityError...), as execute() does.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write_row(first)
        for row in rows:
            copy.write_row(row)


@cache
def _fields(model: type[models.Model]) -> tuple[list[models.Field], list[str]]:
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    return fields, [f.column for f in fields]


@cache
def _plan(model: type[models.Model]) -> list[tuple[str, bool]]:
    """(attribute name, is JSON) per stored field."""
    return [(f.attname, isinstance(f, models.JSONField)) for f in _fields(model)[0]]


def columns(model: type[models.Model]) -> list[str]:
    """The attribute names of `model`'s stored fields, in the order of `encode()`'s values."""
    return [f.attname for f in _fields(model)[0]]


def encode(obj: models.Model) -> list:
    """The values of an instance's stored fields as COPY takes them (JSON encoded), in
    `columns()` order. Plain data: it can be made in another process and sent."""
    values = obj.__dict__
    return [_json(values[name]) if is_json else values[name] for name, is_json in _plan(type(obj))]


def copy_encoded(model: type[models.Model], rows: list[list]) -> list[int]:
    """Insert `encode()`d rows as `save()` would: rows whose primary key is None get one from
    the table's sequence, `auto_now`/`auto_now_add` dates are set. The rows are completed in
    place; returns their primary keys."""
    if not rows:
        return []
    fields, cols = _fields(model)
    pk_at = next(i for i, f in enumerate(fields) if f.primary_key)
    unnumbered = [row for row in rows if row[pk_at] is None]
    for row, pk in zip(unnumbered, reserve_ids(model, len(unnumbered)), strict=True):
        row[pk_at] = pk
    now = timezone.now()
    for i, f in enumerate(fields):
        if getattr(f, "auto_now", False):
            for row in rows:
                row[i] = now
        elif getattr(f, "auto_now_add", False):
            for row in rows:
                if row[i] is None:
                    row[i] = now
    copy_rows(model, cols, rows)
    return [row[pk_at] for row in rows]


def copy_objects(objs: Sequence[models.Model], model: type[models.Model]) -> None:
    """Insert unsaved instances as `save()` would (see copy_encoded); their primary keys and
    dates are set on them."""
    rows = [encode(obj) for obj in objs]
    copy_encoded(model, rows)
    fields, _ = _fields(model)
    set_by_copy = [
        (i, f.attname)
        for i, f in enumerate(fields)
        if f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj, row in zip(objs, rows, strict=True):
        for i, name in set_by_copy:
            setattr(obj, name, row[i])
        obj._state.adding = False


def _json(value) -> str:
    # orjson: what json.dumps gives (without its spaces), for str keys and standard types.
    return orjson.dumps(value).decode()
