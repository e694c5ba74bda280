"""Curators' mappings of the status, phase and country spellings readers could not map.

Readers warn about each value they cannot map (code `unmapped_value`, the field and the raw
words); a curator maps the spelling once (trials.models.ValueMapping) and every record read
after — a re-import, a re-normalization — takes the mapped value, its warning dropped.
Only `code`, `field` and `raw` are read here, never a warning's message.
"""

from trials.readers.record import UNMAPPED_VALUE, TrialRecord, Warning

# The fields whose unmapped values curators map, and the kind of value each is.
MAPPED_FIELDS = {
    "status": "status",
    "phases": "phase",
    "countries": "country",
    "sites.country": "country",
}

Mappings = dict[tuple[str, str], str]  # (kind, folded spelling) -> value


def fold(raw: str) -> str:
    """A spelling as mappings compare it: case and spacing do not matter."""
    return " ".join(raw.lower().split())


def unmapped_spelling(warning: Warning) -> tuple[str, str] | None:
    """(kind, spelling) when the warning is about a status, phase or country no map knows."""
    if not isinstance(warning, dict) or warning.get("code") != UNMAPPED_VALUE:
        return None
    kind, raw = MAPPED_FIELDS.get(warning.get("field") or ""), warning.get("raw")
    return (kind, raw) if kind and isinstance(raw, str) else None


def apply_value_mappings(record: TrialRecord, mappings: Mappings) -> TrialRecord:
    """The record with curators' status, phase and country mappings applied (their warnings
    dropped). The input is left as it was."""
    if not mappings or not record.get("warnings"):
        return record
    record, kept = dict(record), []  # type: ignore[assignment]
    for warning in record["warnings"]:
        spelling = unmapped_spelling(warning)
        key = spelling and (spelling[0], fold(spelling[1]))
        if not key or key not in mappings:
            kept.append(warning)
            continue
        value = mappings[key]
        if key[0] == "status" and record.get("status") in (None, "UNKNOWN"):
            record["status"] = value
        elif key[0] == "phase" and not record.get("phases"):
            record["phases"] = value.split(",") if value else []
        elif key[0] == "country":
            record["countries"] = sorted(set(record.get("countries") or []) | {value})
    record["warnings"] = kept
    return record
