"""Warnings stored before they were data: plain strings, read once into `Warning`s.

Until warnings carried a code they were sentences ("status: unmapped 'X' read as UNKNOWN").
The data migration that converted the stored records (trials/migrations/0009) reads them
here. Each known sentence gives exactly the warning today's readers give for the same value,
so a re-import after the migration finds the records unchanged; any other sentence keeps its
text as the message, with the code `other`. Nothing else reads message text.
"""

import ast
import re

from trials.readers import record as r
from trials.readers.record import Warning
from trials.readers.value_mappings import unmapped_spelling

_FIELD = r"(?P<field>\w+)"
# (pattern, field when the pattern names none, code), most specific first. `raw` is the repr()
# of the source's words, as the readers' f-strings wrote it.
_SENTENCES = [
    (_FIELD + r": read (?P<raw>.+) as month/day/year", None, r.DATE_READ_MONTH_FIRST),
    (_FIELD + r": unreadable date (?P<raw>.+)", None, r.UNREADABLE_VALUE),
    (_FIELD + r": placeholder date (?P<raw>.+) ignored", None, r.PLACEHOLDER_NULLED),
    (r"status: unmapped (?P<raw>.+) read as UNKNOWN", "status", r.UNMAPPED_VALUE),
    (r"phases: no phase marked yes in (?P<raw>.+)", "phases", r.NO_PHASE_MARKED),
    (r"enrollment: unreadable (?P<raw>.+)", "enrollment", r.UNREADABLE_VALUE),
    (r"enrollment: placeholder (?P<raw>.+) ignored", "enrollment", r.PLACEHOLDER_NULLED),
    (_FIELD + r": unreadable age (?P<raw>.+)", None, r.UNREADABLE_VALUE),
    (r"interventions: unmapped type (?P<raw>.+)", "interventions.type", r.UNMAPPED_VALUE),
    (r"sites: unmapped country (?P<raw>.+)", "sites.country", r.UNMAPPED_VALUE),
    (
        r"conditions: dropped (?P<raw>.+), an intervention of this trial",
        "conditions",
        r.CONDITION_IS_INTERVENTION,
    ),
    (_FIELD + r": unmapped (?P<raw>.+)", None, r.UNMAPPED_VALUE),
]
_COMPILED = [(re.compile(pattern), field, code) for pattern, field, code in _SENTENCES]
_FIXED = {
    "layout: no field labels; values read by their shape": (None, r.VALUES_READ_BY_SHAPE, None),
    "phases: '0' of an observational study read as not given": (
        "phases",
        r.PLACEHOLDER_NULLED,
        "0",
    ),
}


def from_message(message: str | Warning) -> Warning:
    """The warning a stored sentence stands for (a warning already in the new shape as it is)."""
    if isinstance(message, dict):
        return message
    if message in _FIXED:
        field, code, raw = _FIXED[message]
        return r.warning(field, code, raw, message)
    for pattern, field, code in _COMPILED:
        if (match := pattern.fullmatch(message)) and (raw := _literal(match["raw"])) is not None:
            return r.warning(field or match["field"], code, raw, message)
    prefix, colon, _ = message.partition(":")
    field = prefix if colon and re.fullmatch(r"\w+", prefix) else None
    return r.warning(field, r.OTHER, None, message)


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
