"""Bulk inserts through PostgreSQL's COPY, for the loader's batches.

`bulk_create` builds one huge INSERT whose every parameter Django prepares and psycopg quotes
in Python, and which the server then parses; COPY streams rows that the server reads without a
statement to plan. Row triggers and constraints still apply, so what COPY writes is exactly
what an INSERT would have written.

The bulk path writes COPY's binary format (`Layout`): nothing to escape, bytes as they are,
numbers and dates without parsing. Its rows are encoded where the database is not: the
importer's reader process encodes each new trial's rows, and the loading process only puts the
primary and foreign keys in front. Other rows (`copy_rows`) go in COPY's text format.
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


# --- COPY's binary format, for the bulk path: no escaping, no hex, no parsing of numbers -------

_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)
_NULL = struct.pack("!i", -1)
_PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_PG_DATE_EPOCH = _PG_EPOCH.date()
_MICROSECOND = datetime.timedelta(microseconds=1)
# Element types of the arrays we write (pg_type OIDs).
_ELEMENT_OIDS = {"varchar": 1043, "text": 25}


def _sized(data: bytes) -> bytes:
    return struct.pack("!i", len(data)) + data


def _packer(fmt: str) -> Callable[[object], bytes]:
    pack = struct.Struct("!i" + fmt).pack
    size = struct.calcsize("!" + fmt)
    return lambda value: pack(size, value)


def _binary_array(element_oid: int) -> Callable[[list], bytes]:
    def encode(values: list) -> bytes:
        if not values:
            return _sized(struct.pack("!iii", 0, 0, element_oid))
        items = [_NULL if v is None else _sized(v.encode()) for v in values]
        header = struct.pack("!iiiii", 1, None in values, element_oid, len(values), 1)
        return _sized(header + b"".join(items))

    return encode


def _json(model_field: models.JSONField) -> Callable[[object], bytes]:
    prep = model_field.get_prep_value  # ProvenanceField's compact form
    # jsonb's binary form: a version byte, then the text. orjson writes what json.dumps does
    # (without its spaces) for str keys and standard types.
    return lambda value: _sized(b"\x01" + orjson.dumps(prep(value)))


def _binary_text(value: str) -> bytes:
    return _sized(value.encode())


_BIGINT = _packer("q")
_INTEGER = _packer("i")
# By the column's type.
_BINARY = {
    "bigint": _BIGINT,
    "integer": _INTEGER,
    "smallint": _packer("h"),
    "boolean": _packer("?"),
    "double precision": _packer("d"),
    "bytea": _sized,
    "text": _binary_text,
    "varchar": _binary_text,
    "date": lambda value: _INTEGER((value - _PG_DATE_EPOCH).days),
    "timestamp with time zone": lambda value: _BIGINT((value - _PG_EPOCH) // _MICROSECOND),
}


def binary_encoder(model_field: models.Field) -> Callable[[object], bytes]:
    """value -> the field in COPY's binary format, by the column's type (NULL for None)."""
    db_type = re.sub(r"\(\d+\)", "", model_field.db_type(connection) or "")
    if isinstance(model_field, models.JSONField):
        encode = _json(model_field)
    elif db_type.endswith("[]") and db_type[:-2] in _ELEMENT_OIDS:
        encode = _binary_array(_ELEMENT_OIDS[db_type[:-2]])
    elif db_type in _BINARY:
        encode = _BINARY[db_type]
    else:
        raise TypeError(f"no COPY binary form for {model_field!r} ({db_type})")
    return lambda value: _NULL if value is None else encode(value)


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
            values = [values[name] for name in self.rest]
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


def _auto_add(f: models.Field) -> bool:
    return getattr(f, "auto_now_add", False)
