"""Bulk inserts through PostgreSQL's COPY, for the loader's batches.

`bulk_create` builds one huge INSERT whose every parameter Django prepares and psycopg quotes
in Python, and which the server then parses; COPY streams rows that the server reads without a
statement to plan. Row triggers and constraints still apply, so what COPY writes is exactly
what an INSERT would have written.

Rows are written in COPY's text format by `line()`, here rather than by psycopg, so that they
can be made where the database is not: the importer's reader process encodes each new trial's
rows, and the loading process only puts the primary and foreign keys in front (`Layout`).
"""

from __future__ import annotations

import datetime
import re
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import orjson
from django.db import connection, models

NULL = "\\N"


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


def copy_lines(model: type[models.Model], columns: Sequence[str], lines: Iterable[bytes]) -> None:
    """COPY rows already in COPY's text format (each ending in a newline) into `model`'s table,
    `columns` being the database columns in the rows' order. Nothing is sent without rows."""
    data = b"".join(lines)
    if not data:
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    # wrap_database_errors: psycopg's errors as Django's (IntegrityError...), as execute() does.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(data)


def copy_binary(model: type[models.Model], columns: Sequence[str], rows: Iterable[bytes]) -> None:
    """COPY rows in COPY's binary format (each a tuple made by `binary_row()`)."""
    data = b"".join(rows)
    if not data:
        return
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        "FROM STDIN WITH (FORMAT binary)"
    )
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(_BINARY_HEADER + data + _BINARY_TRAILER)


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (tuples of Python values in the order of `columns`) into `model`'s table.
    JSON goes in as JSON only from model instances (copy_objects): a list here is an array."""
    copy_lines(model, columns, (line(row) for row in rows))


# --- COPY's text format ------------------------------------------------------------------------


def text(value: str) -> str:
    """A string as a COPY text field: backslash, tab, newline and carriage return escaped."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    return value


_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"t": "\t", "n": "\n", "r": "\r"}


def untext(field: str) -> str:
    """The string a COPY text field (made by `text()`) holds."""
    return _UNESCAPE.sub(lambda m: _UNESCAPED.get(m[1], m[1]), field)


def _element(value) -> str:
    if value is None:
        return "NULL"
    value = str(value)
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _array(value: list | tuple) -> str:
    return text("{" + ",".join(map(_element, value)) + "}")


def _bytea(value: bytes | bytearray | memoryview) -> str:
    return "\\\\x" + bytes(value).hex()


# By exact type: a dictionary look-up instead of a chain of isinstance() for every value.
_TEXT = {
    str: text,
    type(None): lambda _: NULL,
    bool: lambda value: "t" if value else "f",
    int: repr,
    float: repr,
    datetime.datetime: datetime.datetime.isoformat,  # before date, its base, for subclasses
    datetime.date: datetime.date.isoformat,
    list: _array,
    tuple: _array,
    bytes: _bytea,
    bytearray: _bytea,
    memoryview: _bytea,
}


def as_text(value) -> str:
    """One value as a COPY text field. Lists are arrays (of scalars); JSON is encoded before."""
    try:
        return _TEXT[type(value)](value)
    except KeyError:
        for kind, encode in _TEXT.items():  # a subclass (a str enum member...)
            if kind is not type(None) and isinstance(value, kind):
                return encode(value)
        raise TypeError(f"no COPY text form for {type(value).__name__}") from None


def line(values: Iterable) -> bytes:
    """A row as a line of COPY text."""
    return ("\t".join(map(as_text, values)) + "\n").encode()


# --- COPY's binary format, for large byte strings (bytea in text is twice its size, in hex) ---

_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)
_PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _binary_bigint(value: int) -> bytes:
    return struct.pack("!iq", 8, value)


def _binary_bytes(value: bytes) -> bytes:
    return struct.pack("!i", len(value)) + value


def _binary_text(value: str) -> bytes:
    return _binary_bytes(value.encode())


def _binary_timestamptz(value: datetime.datetime) -> bytes:
    return _binary_bigint((value - _PG_EPOCH) // _MICROSECOND)


# By the field's database type: bigint, bytea, text (varchar) and timestamptz.
_BINARY = {
    "BigAutoField": _binary_bigint,
    "BigIntegerField": _binary_bigint,
    "PositiveBigIntegerField": _binary_bigint,
    "BinaryField": _binary_bytes,
    "CharField": _binary_text,
    "TextField": _binary_text,
    "DateTimeField": _binary_timestamptz,
}


def binary_encoder(model_field: models.Field) -> Callable[[object], bytes]:
    """value -> the field in COPY's binary format (NULL for None)."""
    try:
        encode = _BINARY[model_field.get_internal_type()]
    except KeyError:
        raise TypeError(f"no COPY binary form for {model_field!r}") from None
    return lambda value: b"\xff\xff\xff\xff" if value is None else encode(value)


def binary_fields(data: bytes) -> list[bytes | None]:
    """The fields of a run of binary COPY fields (what binary encoders made, joined)."""
    fields, at = [], 0
    while at < len(data):
        (size,) = struct.unpack_from("!i", data, at)
        at += 4
        fields.append(None if size < 0 else data[at : at + size])
        at += max(size, 0)
    return fields


# --- Model instances ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How the bulk path writes a model's rows: the `head` columns (primary key, foreign keys,
    automatic dates) are filled where the row is inserted; the rest are encoded beforehand,
    possibly in another process, by `encode()`. In COPY's text format, or its binary one."""

    model: type[models.Model]
    head: tuple[str, ...]  # attribute names
    rest: tuple[str, ...]
    encoders: tuple[tuple[str, Callable], ...]  # (name, value -> the field, str or bytes)
    binary: bool = False
    head_encoders: tuple[Callable, ...] = ()  # binary: value -> the field

    def encode(self, values: dict) -> bytes:
        """The `rest` of a row (`values` by attribute name, an instance's __dict__). In text,
        from the tab that joins it to the head to the newline that ends the row."""
        if self.binary:
            return b"".join([encode(values[name]) for name, encode in self.encoders])
        fields = "\t".join([encode(values[name]) for name, encode in self.encoders])
        return f"\t{fields}\n".encode()

    def row(self, head: Sequence, rest: bytes) -> bytes:
        """A whole binary row: the `head` values, then an encoded rest."""
        encoded = [encode(v) for encode, v in zip(self.head_encoders, head, strict=True)]
        return struct.pack("!h", len(self.head) + len(self.rest)) + b"".join(encoded) + rest

    def columns(self) -> list[str]:
        """The database columns of a whole row (head, then rest)."""
        return [self.model._meta.get_field(name).column for name in (*self.head, *self.rest)]

    def untext(self, rest: bytes, name: str) -> str:
        """The value of column `name` in an encoded text `rest` (JSON for a JSON field)."""
        return untext(rest.decode().rstrip("\n").split("\t")[1 + self.rest.index(name)])

    def value(self, rest: bytes, name: str) -> bytes | None:
        """The bytes of column `name` in an encoded binary `rest`."""
        return binary_fields(rest)[self.rest.index(name)]


@cache
def layout(model: type[models.Model], *head: str, binary: bool = False) -> Layout:
    """The Layout of `model` whose head is the fields named in `head` (attribute names) and its
    automatic dates. A primary key not named is left to the database."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    dates = [f.attname for f in fields if getattr(f, "auto_now", False) or _auto_add(f)]
    head_ = (*head, *dates)
    rest = [f for f in fields if f.attname not in head_ and not f.primary_key]
    names = tuple(f.attname for f in rest)
    encoders = tuple(zip(names, map(binary_encoder if binary else _encoder, rest), strict=True))
    if not binary:
        return Layout(model, head_, names, encoders)
    head_encoders = tuple(binary_encoder(model._meta.get_field(name)) for name in head_)
    return Layout(model, head_, names, encoders, binary, head_encoders)


def _encoder(model_field: models.Field):
    if isinstance(model_field, models.JSONField):
        prep = model_field.get_prep_value  # ProvenanceField's compact form
        # orjson: what json.dumps gives (without its spaces), for str keys and standard types.
        return lambda value: text(orjson.dumps(prep(value)).decode())
    return as_text


def _auto_add(f: models.Field) -> bool:
    return getattr(f, "auto_now_add", False)
