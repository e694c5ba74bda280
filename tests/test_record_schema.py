"""The typed `trial/1` record (trials/readers/record.py) and the record's documentation
(../shared/docs/record-schema.md) name the same fields. No database is used."""

import re
import typing
from pathlib import Path

import pytest

from trials.readers import record as record_module
from trials.readers.record import FIELDS, TrialRecord, empty_record

DOC = Path(__file__).resolve().parent.parent.parent / "shared" / "docs" / "record-schema.md"
# Documented but not read by any reader yet: the record lacks them until a reader gives them.
# (Empty since `status_verified` and `sites[].lat/lon` were added: every documented field is
# now in the typed record.)
NOT_READ_YET: dict[str, str] = {}
_ROW = re.compile(r"^\| `([a-z_]+)` \|(.*)$")
_KEYS = re.compile(r'`\{("[^`]*)\}`')


def _doc() -> str:
    if not DOC.exists():
        pytest.skip(f"{DOC} is absent (the shared docs live next to the repository)")
    return DOC.read_text(encoding="utf-8")


def _documented(text: str) -> tuple[set[str], dict[str, set[str]]]:
    """(top-level field names, {field: the keys of its objects}) as the document gives them:
    the first cell of a table row, or the names a paragraph starts by listing."""
    fields: set[str] = set()
    keys: dict[str, set[str]] = {}
    for block in _blocks(text):
        if row := _ROW.match(block):
            fields.add(row[1])
            if found := _KEYS.search(row[2]):
                keys[row[1]] = _key_names(found[1])
        elif block.startswith("`"):
            names = _listed(block)
            fields.update(names)
            if names == ["warnings"] and (found := _KEYS.search(block)):
                keys["warnings"] = _key_names(found[1])
    return fields, keys


def _blocks(text: str) -> list[str]:
    """Table rows and headings one by one, prose paragraphs whole."""
    blocks: list[str] = []
    prose = False
    for line in text.splitlines():
        if line.startswith(("|", "#")) or not line.strip():
            blocks.append(line)
            prose = False
        elif prose:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
            prose = True
    return blocks


def _listed(paragraph: str) -> list[str]:
    """The field names a paragraph starts with (`a` (note), `b` / `c` — the rest...)."""
    while (flat := re.sub(r"\([^()]*\)", "", paragraph)) != paragraph:  # notes in parentheses
        paragraph = flat
    words = re.sub(
        r"`([^`]*)`", lambda quoted: quoted[0] if re.fullmatch(r"[a-z_]+", quoted[1]) else "X", flat
    )
    head = re.split(r": | — |\. ", words, maxsplit=1)[0]
    return re.findall(r"`([a-z_]+)`", head)


def _key_names(inside: str) -> set[str]:
    """The keys of `{"a": value, "b", ...}` (quoted values such as "primary" are not keys)."""
    return set(re.findall(r'(?:^|[{,]\s*)"([a-z_]+)"', inside.split("}")[0]))


def _element_keys(field: str) -> set[str]:
    hint = typing.get_type_hints(TrialRecord)[field]
    if typing.get_origin(hint) is list:
        hint = typing.get_args(hint)[0]
    return set(typing.get_type_hints(hint)) - set(getattr(hint, "__optional_keys__", ()))


def test_every_record_field_is_documented_and_every_documented_field_is_in_the_record():
    documented, _ = _documented(_doc())
    assert set(FIELDS) - documented == set(), "fields the document does not name"
    unknown = documented - set(FIELDS) - set(NOT_READ_YET)
    assert unknown == set(), "documented fields the typed record lacks"


def test_the_documented_objects_have_the_typed_records_keys():
    _, documented = _documented(_doc())
    assert {"identifiers", "sites", "contacts", "conditions", "warnings"} <= set(documented)
    for field, keys in documented.items():
        missing = {key for key in keys if f"{field}.{key}" not in NOT_READ_YET}
        assert _element_keys(field) == missing, field


def test_the_typed_record_is_what_readers_build():
    record = empty_record("ctgov-json", b"")
    assert tuple(record) == FIELDS
    assert set(record_module.LIST_FIELDS) == {k for k, v in record.items() if v == []}


def _shape_errors(value, hint, where: str) -> list[str]:
    """Where a value's objects lack a key of their TypedDict or have one it does not declare."""
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [
            e for i, v in enumerate(value or []) for e in _shape_errors(v, item, f"{where}[{i}]")
        ]
    if isinstance(hint, type) and typing.is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        hints = typing.get_type_hints(hint)
        required = set(hints) - set(hint.__optional_keys__)
        errors = (
            [f"{where}: lacks {sorted(required - set(value))}"] if required - set(value) else []
        )
        if extra := set(value) - set(hints):
            errors.append(f"{where}: undeclared {sorted(extra)}")
        for key in set(value) & set(hints):
            errors += _shape_errors(value[key], hints[key], f"{where}.{key}")
        return errors
    return []


def test_every_golden_record_has_the_typed_records_shape():
    from trials.readers import detect_format, read_bytes

    data_dir = Path(__file__).parent / "data"
    inputs = sorted(data_dir.glob("*/in/*"))
    inputs += sorted((Path(__file__).parent.parent / "fixtures" / "sources").glob("*"))
    assert inputs
    for path in inputs:
        data = path.read_bytes()
        for number, record in enumerate(read_bytes(data, fmt=detect_format(data))):
            assert _shape_errors(record, TrialRecord, f"{path.name}#{number}") == []
