"""Warnings stored before they were data: plain strings, read once into `Warning`s.

Until warnings carried a code they were sentences ("status: unmapped 'X' read as UNKNOWN").
The data migration that converted the stored records (trials/migrations/0009) reads them
here. Each known sentence gives exactly the warning today's readers give for the same value,
so a re-import after the migration finds the records unchanged; any other sentence keeps its
text as the message, with the code `other`. Nothing else reads message text.
"""

import ast
import re

from trials.readers import record as schema
from trials.readers.record import Warning
from trials.readers.value_mappings import unmapped_spelling

_FIELD = r"(?P<field>\w+)"
# (pattern, field when the pattern names none, code), most specific first. `raw` is the repr()
# of the source's words, as the readers' f-strings wrote it.
_SENTENCES = [
    (_FIELD + r": read (?P<raw>.+) as month/day/year", None, schema.DATE_READ_MONTH_FIRST),
    (_FIELD + r": unreadable date (?P<raw>.+)", None, schema.UNREADABLE_VALUE),
    (_FIELD + r": placeholder date (?P<raw>.+) ignored", None, schema.PLACEHOLDER_NULLED),
    (r"status: unmapped (?P<raw>.+) read as UNKNOWN", "status", schema.UNMAPPED_VALUE),
    (r"phases: no phase marked yes in (?P<raw>.+)", "phases", schema.NO_PHASE_MARKED),
    (r"enrollment: unreadable (?P<raw>.+)", "enrollment", schema.UNREADABLE_VALUE),
    (r"enrollment: placeholder (?P<raw>.+) ignored", "enrollment", schema.PLACEHOLDER_NULLED),
    (_FIELD + r": unreadable age (?P<raw>.+)", None, schema.UNREADABLE_VALUE),
    (r"interventions: unmapped type (?P<raw>.+)", "interventions.type", schema.UNMAPPED_VALUE),
    (r"sites: unmapped country (?P<raw>.+)", "sites.country", schema.UNMAPPED_VALUE),
    (
        r"conditions: dropped (?P<raw>.+), an intervention of this trial",
        "conditions",
        schema.CONDITION_IS_INTERVENTION,
    ),
    (_FIELD + r": unmapped (?P<raw>.+)", None, schema.UNMAPPED_VALUE),
]
_COMPILED = [(re.compile(pattern), field, code) for pattern, field, code in _SENTENCES]
_FIXED = {
    "layout: no field labels; values read by their shape": (
        None,
        schema.VALUES_READ_BY_SHAPE,
        None,
    ),
    "phases: '0' of an observational study read as not given": (
        "phases",
        schema.PLACEHOLDER_NULLED,
        "0",
    ),
}


def from_message(message: str | Warning) -> Warning:
    """The warning a stored sentence stands for (a warning already in the new shape as it is)."""
    if isinstance(message, dict):
        return message
    if message in _FIXED:
        field, code, raw = _FIXED[message]
        return schema.warning(field, code, raw, message)
    for pattern, field, code in _COMPILED:
        if (match := pattern.fullmatch(message)) and (raw := _literal(match["raw"])) is not None:
            return schema.warning(field or match["field"], code, raw, message)
    prefix, colon, _ = message.partition(":")
    field = prefix if colon and re.fullmatch(r"\w+", prefix) else None
    return schema.warning(field, schema.OTHER, None, message)


def parse_warning(message: str) -> tuple[str, str] | None:
    """(kind, spelling) for a stored sentence about an unmapped status, phase or country."""
    return unmapped_spelling(from_message(message))


def _literal(quoted: str) -> str | None:
    # A repr() of a string, read back without evaluating anything else.
    try:
        value = ast.literal_eval(quoted)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None
