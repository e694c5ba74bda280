"""Limits on every input: what a registry sends cannot take the reader's memory or stack.

Why: probing found a 260 kB JSON nested 100,000 deep that grew the reader past 7 GB, a 0.6 MB
ZIP holding one 600 MB string that took 3.7 GB and stored a 629 MB raw row, and a deeply nested
file whose RecursionError aborted the whole batch. Each limit here is a setting of the portal's
(the name in `SETTINGS`; portal/settings.py fills a `Limits` from them, since readers know
nothing of Django); an input over one fails alone, with a reason that names the limit, and the
rest of the batch goes on. The defaults are far above any real registry document (a
ClinicalTrials.gov study with results is ~1 MB, nested ~10 deep; AllPublicXML is ~500,000
members, ~12 GB inflated)."""

from dataclasses import dataclass

from trials.readers.errors import ReaderError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    record_bytes: int = 32 * MIB  # one record of a download, or one single-record document
    depth: int = 100  # nesting of JSON arrays/objects and XML elements
    string_chars: int = 1_000_000  # one text value
    zip_bytes: int = 64 * 1024 * MIB  # a ZIP's members inflated, together
    zip_members: int = 2_000_000  # a ZIP's members


DEFAULT = Limits()
SETTINGS = {
    "record_bytes": "READER_MAX_RECORD_BYTES",
    "depth": "READER_MAX_DEPTH",
    "string_chars": "READER_MAX_STRING",
    "zip_bytes": "READER_MAX_ZIP_BYTES",
    "zip_members": "READER_MAX_ZIP_MEMBERS",
}


class LimitExceeded(ReaderError):
    """An input over one of the limits: `what` is over `SETTINGS[limit]`."""

    def __init__(self, limit: str, value: int, what: str) -> None:
        super().__init__(f"{what} is over the limit {SETTINGS[limit]}={value}")
        self.limit = limit


def check_value(value: object, limits: Limits, what: str = "a value") -> None:
    """LimitExceeded when a decoded JSON value nests deeper than `limits.depth` or holds a
    string longer than `limits.string_chars`. Iterative: a deep value cannot overflow the stack
    here."""
    stack = [(value, 1)]
    depth_limit, string_limit = limits.depth, limits.string_chars
    while stack:
        item, depth = stack.pop()
        if depth > depth_limit:
            raise LimitExceeded("depth", depth_limit, f"{what} nesting")
        if isinstance(item, dict):
            for key, inner in item.items():
                if len(key) > string_limit:
                    raise LimitExceeded("string_chars", string_limit, f"a key in {what}")
                if isinstance(inner, (dict, list)):
                    stack.append((inner, depth + 1))
                elif isinstance(inner, str) and len(inner) > string_limit:
                    raise LimitExceeded("string_chars", string_limit, f"a string in {what}")
        elif isinstance(item, list):
            for inner in item:
                if isinstance(inner, (dict, list)):
                    stack.append((inner, depth + 1))
                elif isinstance(inner, str) and len(inner) > string_limit:
                    raise LimitExceeded("string_chars", string_limit, f"a string in {what}")
        elif isinstance(item, str) and len(item) > string_limit:
            raise LimitExceeded("string_chars", string_limit, f"a string in {what}")
