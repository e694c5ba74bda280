"""Bulk inserts through PostgreSQL's COPY, for the loader's batches.

`bulk_create` builds one huge INSERT whose every parameter Django prepares and psycopg quotes
in Python, and which the server then parses; COPY streams rows that the server reads without a
statement to plan. Row triggers and constraints still apply, so what COPY writes is exactly
what an INSERT would have written.

The bulk path writes COPY's binary format (`Layout`): nothing to escape, bytes as they are,
numbers and dates without parsing. Its rows are encoded where the database is not: the
importer's reader process encodes each new trial's rows, and the loading process only puts the
primary and foreign keys in front. Other rows (`copy_rows`) are encoded by psycopg.
"""

from __future__ import annotations

import datetime
import re
import struct
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import orjson
from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`n` primary keys from the table's identity sequence, for rows that others point at."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_binary(model: type[models.Model], columns: Sequence[str], rows: Iterable[bytes]) -> None:
    """COPY rows in COPY's binary format (each a `Layout.prefixes()` prefix and an encoded rest)
    into `model`'s table. Nothing is sent without rows."""
    data = b"".join(rows)
    if data:
        with _copy(model, columns, " WITH (FORMAT binary)") as copy:
            copy.write(_BINARY_HEADER + data + _BINARY_TRAILER)


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (tuples of Python values in the order of `columns`; psycopg adapts them) into
    `model`'s table. Nothing is sent when there are no rows."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    with _copy(model, columns) as copy:
        copy.write_row(first)
        for row in rows:
            copy.write_row(row)


@contextmanager
def _copy(model: type[models.Model], columns: Sequence[str], options: str = ""):
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    sql = f"COPY {table} ({names}) FROM STDIN{options}"
    # wrap_database_errors: psycopg's errors as Django's (IntegrityError...), as execute() does.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as copy:
        yield copy


# --- COPY's binary format, for the bulk path: no escaping, no hex, no parsing of numbers -------

_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)
_NULL = struct.pack("!i", -1)
_PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_PG_DATE_EPOCH = _PG_EPOCH.date()
_MICROSECOND = datetime.timedelta(microseconds=1)
# Element types of the arrays we write (pg_type OIDs).
_ELEMENT_OIDS = {"varchar": 1043, "text": 25}


# Each encoder below writes None as NULL itself: fields are encoded by the hundred per record,
# and one call a field is most of what they cost.
_LENGTH = struct.Struct("!i").pack


def _sized(data: bytes) -> bytes:
    return _LENGTH(len(data)) + data


def _packer(fmt: str) -> Callable[[object], bytes]:
    pack = struct.Struct("!i" + fmt).pack
    size = struct.calcsize("!" + fmt)
    return lambda value: _NULL if value is None else pack(size, value)


def _binary_array(element_oid: int) -> Callable[[list], bytes]:
    empty = _sized(struct.pack("!iii", 0, 0, element_oid))

    def encode(values: list | None) -> bytes:
        if values is None:
            return _NULL
        if not values:
            return empty
        items = [_NULL if v is None else _sized(v.encode()) for v in values]
        header = struct.pack("!iiiii", 1, None in values, element_oid, len(values), 1)
        return _sized(header + b"".join(items))

    return encode


def _json(model_field: models.JSONField) -> Callable[[object], bytes]:
    prep = model_field.get_prep_value  # ProvenanceField's compact form

    # jsonb's binary form: a version byte, then the text. orjson writes what json.dumps does
    # (without its spaces) for str keys and standard types.
    def encode(value: object) -> bytes:
        if value is None:
            return _NULL
        data = orjson.dumps(prep(value))
        return _LENGTH(len(data) + 1) + b"\x01" + data

    return encode


def _binary_text(value: str | None) -> bytes:
    if value is None:
        return _NULL
    data = value.encode()
    return _LENGTH(len(data)) + data


def _binary_bytes(value: bytes | None) -> bytes:
    return _NULL if value is None else _LENGTH(len(value)) + value


_BIGINT = _packer("q")
_INTEGER = _packer("i")
# By the column's type.
_BINARY = {
    "bigint": _BIGINT,
    "integer": _INTEGER,
    "smallint": _packer("h"),
    "boolean": _packer("?"),
    "double precision": _packer("d"),
    "bytea": _binary_bytes,
    "text": _binary_text,
    "varchar": _binary_text,
    "date": lambda value: _NULL if value is None else _INTEGER((value - _PG_DATE_EPOCH).days),
    "timestamp with time zone": lambda value: (
        _NULL if value is None else _BIGINT((value - _PG_EPOCH) // _MICROSECOND)
    ),
}


def binary_encoder(model_field: models.Field) -> Callable[[object], bytes]:
    """value -> the field in COPY's binary format, by the column's type (NULL for None)."""
    db_type = re.sub(r"\(\d+\)", "", model_field.db_type(connection) or "")
    if isinstance(model_field, models.JSONField):
        return _json(model_field)
    if db_type.endswith("[]") and db_type[:-2] in _ELEMENT_OIDS:
        return _binary_array(_ELEMENT_OIDS[db_type[:-2]])
    if db_type in _BINARY:
        return _BINARY[db_type]
    raise TypeError(f"no COPY binary form for {model_field!r} ({db_type})")


def binary_fields(data: bytes) -> list[bytes | None]:
    """The fields of a run of binary COPY fields (what binary encoders made, joined)."""
    fields, at = [], 0
    while at < len(data):
        (size,) = struct.unpack_from("!i", data, at)
        at += 4
        fields.append(None if size < 0 else data[at : at + size])
        at += max(size, 0)
    return fields


@dataclass(frozen=True)
class Layout:
    """How the bulk path writes a model's rows, in COPY's binary format: the `head` columns
    (primary key, foreign keys, automatic dates) are filled where the row is inserted; the
    rest are encoded beforehand, possibly in another process, by `encode()`."""

    model: type[models.Model]
    head: tuple[str, ...]  # attribute names
    rest: tuple[str, ...]
    head_encoders: tuple[Callable[[object], bytes], ...]
    rest_encoders: tuple[Callable[[object], bytes], ...]

    def encode(self, values: dict | Sequence) -> bytes:
        """The rest of a row: `values` by attribute name (an instance's __dict__), or in
        the order of `rest`."""
        if isinstance(values, dict):
            return b"".join(
                [
                    encode(values[name])
                    for name, encode in zip(self.rest, self.rest_encoders, strict=True)
                ]
            )
        return b"".join([encode(v) for encode, v in zip(self.rest_encoders, values, strict=True)])

    def prefixes(self, keys: Iterable[Sequence], *fixed) -> list[bytes]:
        """What comes before the rest of each row: the field count, the head values `keys`
        give (the first ones), then those that are the same in every row (`fixed`)."""
        count = struct.pack("!h", len(self.head) + len(self.rest))
        tail = self.head_encoders[len(self.head) - len(fixed) :]
        tail = b"".join([encode(v) for encode, v in zip(tail, fixed, strict=True)])
        encoders = self.head_encoders[: len(self.head) - len(fixed)]
        return [
            count + b"".join([encode(v) for encode, v in zip(encoders, key, strict=True)]) + tail
            for key in keys
        ]

    def columns(self) -> list[str]:
        """The database columns of a whole row (head, then rest)."""
        return [self.model._meta.get_field(name).column for name in (*self.head, *self.rest)]

    def value(self, rest: bytes, name: str) -> bytes | None:
        """The bytes of column `name` in an encoded rest (for jsonb, a version byte first)."""
        return binary_fields(rest)[self.rest.index(name)]


@cache
def layout(model: type[models.Model], *head: str, rest: tuple[str, ...] | None = None) -> Layout:
    """The Layout of `model` whose head is the fields named in `head` (attribute names) and its
    automatic dates, and whose rest is `rest` or every other field. A primary key not named
    is left to the database."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    dates = [f.attname for f in fields if getattr(f, "auto_now", False) or _auto_add(f)]
    head_ = (*head, *dates)
    if rest is None:
        rest = tuple(f.attname for f in fields if f.attname not in head_ and not f.primary_key)

    def encoders(names):
        return tuple(binary_encoder(model._meta.get_field(name)) for name in names)

    return Layout(model, head_, rest, encoders(head_), encoders(rest))


def _auto_add(field: models.Field) -> bool:
    return getattr(field, "auto_now_add", False)
