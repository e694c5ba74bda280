"""The RIS writer of `/export/trials.ris` (exports.py streams it): one record a trial, for
reference managers (Zotero, EndNote, Mendeley). Type `DBASE`: an entry of an online database.

Every value is kept on one line: a line break in registry text would start a tag of its own
("ER  - " ends a record early, "TY  - " starts a forged one).
"""

from __future__ import annotations

from collections.abc import Iterator

from trials.web.export_columns import COLUMNS, Row, cached_label


def _plain(value: object) -> str:
    """A column's value as the record's note says it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return str(value)


RIS_NEEDS = ("summary", "registries", "start_date", "last_updated", "sponsor")
# The columns the record's note (N1) gives, as the CSV names them.
NOTE = ("status", "status_verified", "phases", "enrollment", "countries")
NOTE += ("failed_therapies_required", "last_updated")
NOTE_COLUMNS = tuple(column for name in NOTE for column in COLUMNS if column.name == name)


def _ris_text(value: object) -> str:
    """One line: a value holding a line break would start a tag of its own."""
    return " ".join(str(value).split())


def ris_record(row: Row) -> str:
    """A trial as an RIS record (type DBASE: an entry of an online database)."""
    lines = [("TY", "DBASE"), ("ID", row["trial_id"] or row["key"]), ("TI", row["title"])]
    if row["trial_id"]:
        lines.append(("AN", row["trial_id"]))
    if row["sponsor"]:
        lines.append(("AU", row["sponsor"]))
    if start := row["start_date"]:
        lines += [("PY", str(start.year)), ("DA", start.strftime("%Y/%m/%d"))]
    for registry in row["registries"] or []:
        lines.append(("DB", registry))
    lines += [("DP", "Skin trials finder"), ("UR", row["_url"])]
    if row["summary"]:
        lines.append(("AB", row["summary"]))
    keywords = [*(cached_label("condition", c) for c in row["conditions"] or [])]
    keywords += [cached_label("drug", d) for d in row["drugs"] or []]
    lines += [("KW", keyword) for keyword in dict.fromkeys(keywords)]
    lines.append(("N1", _ris_note(row)))
    text = "".join(f"{tag}  - {_ris_text(value)}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n\r\n"


def _ris_note(row: Row) -> str:
    parts = []
    for column in NOTE_COLUMNS:
        if text := _plain(column.value(row)):
            parts.append(f"{column.name.replace('_', ' ').capitalize()}: {text}")
    return "; ".join(parts)


def ris_lines(chunks: Iterator[list[Row]], note: str | None) -> Iterator[bytes]:
    for chunk in chunks:
        yield "".join(ris_record(row) for row in chunk).encode()
    if note:
        record = f"TY  - GEN\r\nTI  - Export cut\r\nN1  - {_ris_text(note)}\r\nER  - \r\n"
        yield record.encode()
