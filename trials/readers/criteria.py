"""Eligibility criteria text: inclusion/exclusion items, and ages written only in the text.

Registries number criteria `1.`, `(1)`, `1)` or bullet them `*`, `-`, `•`, and wrap long items
over several lines; a line that starts with no marker continues the item before it.
"""

import re

from trials.readers.record import Criteria

_HEADING = re.compile(
    r"^\s*(?:key\s+)?(inclusion|exclusion)\s+criteria\s*[:：]?\s*", re.IGNORECASE | re.MULTILINE
)
# A marker must be followed by a space or a letter, so "2.0 cm" is no item and "1.Age" is.
_MARKER = re.compile(
    r"^\s*(?:[*•·▪◦-]\s*)?(?:\(\d{1,2}\)|\d{1,2}[.)、．](?!\d)|[a-z][.)](?=\s))\s*"
    r"|^\s*[*•·▪◦-]\s+"
)


def _items(block: str) -> list[str]:
    items: list[str] = []
    preamble: list[str] = []
    marked = False
    for raw in block.split("\n"):
        line = raw.strip()
        if not line:
            continue
        match = _MARKER.match(line)
        if match and line[match.end() :].strip():
            items.append(line[match.end() :].strip())
            marked = True
        elif match:
            continue  # a marker with nothing after it
        elif items:
            items[-1] = f"{items[-1]} {line}"
        else:
            preamble.append(line)
    # A lead-in ("Any subject meeting any of the following…:") is no criterion when items
    # follow; free text without any marker is one item per line.
    if not marked:
        return preamble
    if preamble and not preamble[-1].endswith(":"):
        items = preamble + items
    return items


def split_criteria(text: str | None) -> Criteria:
    """`{"inclusion": [...], "exclusion": [...], "text": text}`. Without any heading the
    items are not sorted into either list (that would be a guess); `text` keeps them."""
    result: dict = {"inclusion": [], "exclusion": [], "text": text or None}
    if not text:
        return result
    headings = list(_HEADING.finditer(text))
    for position, match in enumerate(headings):
        end = headings[position + 1].start() if position + 1 < len(headings) else len(text)
        kind = match[1].lower()
        result[kind] += _items(text[match.end() : end])
    return result


_NUM = r"(\d{1,2}(?:\.\d)?)"
_AGE_PATTERNS = [
    # "Aged 18 to 70 years", "Age 18-75 years old", "aged between 18 and 65 years"
    (
        re.compile(
            rf"\bage[ds]?\s*(?:of\s*|:\s*|is\s*|range\s*)?(?:between\s*|from\s*)?{_NUM}\s*"
            rf"(?:years?\s*)?(?:-|–|~|to|and)\s*{_NUM}\s*(?:years?|yrs?|y)\b",
            re.I,
        ),
        "range",
    ),
    (
        re.compile(rf"\b{_NUM}\s*(?:-|–|~|to)\s*{_NUM}\s*years?\s*(?:old|of\s+age)\b", re.I),
        "range",
    ),
    # "aged 18 years or older", "age ≥ 18 years", "over 18 years of age", "18 years and above"
    (
        re.compile(
            rf"\bage[ds]?\s*(?:of\s*|:\s*)?(?:≥|>=|over|above|at\s+least)?\s*{_NUM}\s*"
            rf"(?:years?|yrs?)\s*(?:old\s*)?(?:or|and)\s*(?:older|over|above)",
            re.I,
        ),
        "min",
    ),
    (
        re.compile(
            rf"\bage[ds]?\s*(?:≥|>=|>|over|above|older\s+than|of\s+at\s+least|at\s+least)\s*{_NUM}\b",
            re.I,
        ),
        "min",
    ),
    (
        re.compile(rf"\b{_NUM}\s*years?\s*(?:of\s+age\s*)?(?:or|and)\s*(?:older|over|above)", re.I),
        "min",
    ),
]


def _num(value: str) -> int | float:
    number = float(value)
    return int(number) if number == int(number) else number


def ages_from_criteria(text: str | None) -> tuple[int | float | None, int | float | None]:
    """(min, max) years from criteria prose, for sources without structured age fields."""
    if not text:
        return None, None
    inclusion = split_criteria(text)
    scope = " ".join(inclusion["inclusion"]) or text
    for pattern, kind in _AGE_PATTERNS:
        if match := pattern.search(scope):
            if kind == "range":
                low, high = _num(match[1]), _num(match[2])
                if low < high <= 120:
                    return low, high
            else:
                return _num(match[1]), None
    return None, None
