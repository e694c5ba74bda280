"""Eligibility criteria text: inclusion and exclusion items (ages in the text: ages.py).

Registries number criteria `1.`, `(1)`, `1)` or bullet them `*`, `-`, `•`, and wrap long items
over several lines; a line that starts with no marker continues the item before it.
"""

import re

from trials.readers.record import Criteria

# A heading starts a line (numbered or bulleted or not: "1. Inclusion criteria"), or follows
# the end of a sentence ("… 18 years. Exclusion criteria: …"). Registries write "Inclusion
# criteria", "Key inclusion criteria", "Criteria for inclusion:", "INCLUSION:" (the colon then
# needed: "Inclusion of patients …" is no heading) and ChiCTR's 纳入标准 / 排除标准.
# A heading after other words counts only capitalised and whole: at the start of a line after
# one or two capitalised words ("Subject Exclusion Criteria", "Pre-Operative Exclusion
# Criteria:"), or after any word with its colon ("… EASI > 16 Exclusion Criteria: …",
# "Polyneuropathy Inclusion Criteria (UK only):", "Inclusion: adults Exclusion: pregnancy").
# "… meets the following inclusion criteria:" is a lead-in, not a heading.
_CAPITALISED = r"(?-i:Inclusion|INCLUSION|Exclusion|EXCLUSION)"
_QUALIFIER = r"\s*(?:\([^)\n]{0,40}\)\s*)?"  # "(UK only)"
_NAMED = rf"(?-i:(?:[A-Z][\w/-]*[ \t]+){{1,2}})(?={_CAPITALISED}\s+criteria{_QUALIFIER}(?:[:：]|$))"
_HEADING = re.compile(
    rf"(?:^\s*(?:[*•·▪◦-]\s*)?(?:\d{{1,2}}[.)]\s*)?(?:{_NAMED})?|(?<=[.;。；])[ \t]*)"
    r"(?:(?:key|main|principal)\s+)?"
    r"(?:(?P<a>inclusion|exclusion)\s+criteria\s*[:：]?"
    r"|criteria\s+for\s+(?P<b>inclusion|exclusion)\s*[:：]?"
    r"|(?P<c>inclusion|exclusion)\s*[:：]"
    r"|(?P<d>纳入|入选|排除)标准\s*[:：]?)\s*",
    re.IGNORECASE | re.MULTILINE,
)
# After any word: the capitalised word found by str.find (a scan of the text in C; a regex
# tried at every space made splitting twice as slow), then this at its place.
_MID_LINE_WORDS = ("Inclusion", "INCLUSION", "Exclusion", "EXCLUSION")
_MID_LINE = re.compile(rf"(?P<c>{_CAPITALISED})(?:\s+criteria)?{_QUALIFIER}[:：]\s*", re.IGNORECASE)
_NOT_BEFORE_MID_LINE = frozenset(" \t\n\r*•·▪◦-")
_KIND = {"纳入": "inclusion", "入选": "inclusion", "排除": "exclusion"}
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


def criterion_items(block: str) -> list[str]:
    """The items of a block of criteria without headings (numbered, bulleted, or one a line)."""
    return _items(block)


def split_criteria(text: str | None) -> Criteria:
    """`{"inclusion": [...], "exclusion": [...], "text": text}`. Without any heading the
    items are not sorted into either list (that would be a guess); `text` keeps them."""
    result: dict = {"inclusion": [], "exclusion": [], "text": text or None}
    if not text:
        return result
    headings = _headings(text)
    for position, (_start, end, kind) in enumerate(headings):
        stop = headings[position + 1][0] if position + 1 < len(headings) else len(text)
        result[kind] += _items(text[end:stop])
    return result


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each heading, in the text's order."""
    found = []
    for match in _HEADING.finditer(text):
        word = match["a"] or match["b"] or match["c"] or match["d"]
        found.append((match.start(), match.end(), _KIND.get(word) or word.lower()))
    for word in _MID_LINE_WORDS:
        at = text.find(word)
        while at > 0:
            first = at  # the spaces before the word, and what stands before them
            while first > 0 and text[first - 1] in " \t":
                first -= 1
            after_a_word = first < at and first > 0 and text[first - 1] not in _NOT_BEFORE_MID_LINE
            inside = any(start <= at < end for start, end, _ in found)
            if after_a_word and not inside and (match := _MID_LINE.match(text, at)):
                found.append((first, match.end(), match["c"].lower()))
            at = text.find(word, at + 1)
    return sorted(found)
