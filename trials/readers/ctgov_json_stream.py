"""ClinicalTrials.gov API v2 JSON, parsed: studies one by one from a download of any size, and
each study's own bytes (see ctgov_json.py for the decisions)."""

import json
import re
from collections.abc import Iterator

import ijson
import orjson

from trials.readers.errors import ReaderError
from trials.readers.limits import LimitExceeded, Limits, check_value
from trials.readers.stream import Source, iter_text
from trials.readers.text import decode_bytes


def canonical_bytes(study: dict) -> bytes:
    """A study's own bytes, the same whichever document it came in (one study, a download,
    a search answer), so that the same study imported twice is the same record: what
    `json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes."""
    return _canonical(study, _orjson_bytes(study))


def checked_bytes(study: dict, limits: Limits, what: str) -> bytes:
    """`canonical_bytes(study)` of a study within `limits` (`check_value`, which raises
    LimitExceeded naming `what`). Walking the study is needless when its bytes show it within
    them: no string of it is longer than the bytes, nor does it nest deeper than they do."""
    data = _orjson_bytes(study)
    if data is None or len(data) > limits.string_chars or not _nests_within(data, limits.depth):
        check_value(study, limits, what)
    return _canonical(study, data)


def _orjson_bytes(study: dict) -> bytes | None:
    """orjson's bytes of the study (sorted keys), or None where it cannot write them (integers
    past 64 bits, lone surrogates, nesting past its own limit)."""
    try:
        return orjson.dumps(study, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _canonical(study: dict, data: bytes | None) -> bytes:
    # orjson writes what json.dumps does, four times faster, except for floats below 1e-4
    # ("1e-05" there, "0.00001" here), which always leave one of these marks in its output.
    if data is not None and not _small_float(data):
        return data
    text = json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


_BRACKETS_AND_QUOTES = bytes(set(range(256)) - set(b'{}[]"'))
_SQUARE = bytes.maketrans(b"{}", b"[]")


def _nests_within(data: bytes, depth: int) -> bool:
    """Whether JSON `data` nests arrays and objects at most `depth` deep (the outermost is 1).
    Most studies have fewer brackets than that in all; others are measured with substring
    operations: escaped backslashes and quotes out, then all but brackets and quotes, then the
    strings; each pass of removing the innermost empty pairs then takes one level off."""
    if data.count(b"[") + data.count(b"{") <= depth:
        return True
    marks = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _BRACKETS_AND_QUOTES)
    brackets = b"".join(marks.split(b'"')[::2]).translate(_SQUARE)
    for _ in range(depth):
        brackets = brackets.replace(b"[]", b"")
        if not brackets:
            return True
    return False


def _small_float(data: bytes) -> bool:
    """Whether orjson's output may hold a float below 1e-4: a digit then "e-", or "0.0000".
    Substring searches (memchr) first: a regex starting with a class scans byte by byte."""
    if b"0.0000" in data:
        return True
    at = data.find(b"e-")
    while at != -1:
        if at and data[at - 1] in _DIGITS:
            return True
        at = data.find(b"e-", at + 2)
    return False


_DIGITS = frozenset(b"0123456789")


def load_one(data: bytes) -> dict:
    """The one study of a one-study document."""
    try:
        text = decode_bytes(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReaderError("binary content") from exc
    try:
        study = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderError(f"malformed JSON ({exc})") from exc
    if not isinstance(study, dict) or "protocolSection" not in study:
        raise ReaderError("not a ClinicalTrials.gov study object")
    return study


_DECODER = json.JSONDecoder()
_BLANK = re.compile(r"[ \t\r\n]*")


def array_items(source: Source) -> Iterator:
    """The items of a top-level JSON array, one by one, in flat memory (the site's download).

    The C decoder of the json module (`raw_decode`) reads each item from a text buffer that
    is refilled as it empties: three times faster than an event parser. An item cut by the
    end of the buffer is read again with more text (the buffer grows by doubling, so a large
    item is re-read a few times at most); an error that more text cannot mend is reported at
    once, without reading on.

    One function of ~70 lines: the buffer, the position and the item expected are one state
    that the two helpers share; split further, it would be passed around on every item."""
    chunks = iter_text(source)
    limit = source.limits.record_bytes  # an item's characters (a character is at least a byte)
    buffer, at = "", 0
    wanted = 0  # buffer length needed before the next attempt (doubles while an item is cut)

    def refill() -> bool:
        """Read on until the buffer holds `wanted` characters; False when nothing was left."""
        nonlocal buffer, at
        buffer, at = buffer[at:], 0
        parts = [buffer]
        size = len(buffer)
        for chunk in chunks:
            parts.append(chunk)
            size += len(chunk)
            if size >= wanted:
                break
        if len(parts) == 1:
            return False
        buffer = "".join(parts)
        return True

    def skip_blank() -> str:
        """The next significant character ("" at the end of the input)."""
        nonlocal at
        while True:
            at = _BLANK.match(buffer, at).end()
            if at < len(buffer):
                return buffer[at]
            if not refill():
                return ""

    if skip_blank() == "\ufeff":
        at += 1
    if skip_blank() != "[":
        raise ReaderError("malformed JSON (not an array)")
    at += 1
    expect_item = None  # None: an item or "]"; True: an item; False: "," or "]"
    number = 1
    while True:
        char = skip_blank()
        if char == "":
            raise ReaderError("malformed JSON (the document ends inside the array)")
        if char == "]" and expect_item is not True:
            return
        if expect_item is False:
            if char != ",":
                raise ReaderError(
                    f"malformed JSON (after study {number - 1}: expecting ',' or ']', "
                    f"found {char!r})"
                )
            at += 1
            expect_item = True
            continue
        try:
            item, end = _DECODER.raw_decode(buffer, at)
        except json.JSONDecodeError as exc:
            if not _cut_short(exc, buffer):
                raise ReaderError(f"malformed JSON (study {number}: {exc.msg})") from None
            if len(buffer) - at > limit:
                raise LimitExceeded("record_bytes", limit, f"study {number}") from None
            wanted = min(2 * (len(buffer) - at) + 1, limit + 2)
            if not refill():
                raise ReaderError(f"malformed JSON (study {number}: {exc.msg})") from None
            continue
        wanted, at, expect_item = 0, end, False
        number += 1
        yield item


def _cut_short(exc: json.JSONDecodeError, buffer: str) -> bool:
    """Whether a decoding error may only mean that the buffer ends inside the item."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(buffer) - 6


def search_answer_items(source: Source, prefix: str) -> Iterator[dict]:
    """The items under `prefix` of a JSON document (the API's search answer), one by one."""
    found: list = ijson.sendable_list()
    parser = ijson.items_coro(found, prefix, use_float=True)
    limit = source.limits.record_bytes
    pending = 0  # bytes sent since the last item came out: the item being built is no larger
    try:
        for chunk in iter_text(source):
            data = chunk.encode("utf-8")
            parser.send(data)
            pending = 0 if found else pending + len(data)
            if pending > limit:
                raise LimitExceeded("record_bytes", limit, "a study of the answer")
            yield from found
            del found[:]
        parser.close()
    except ijson.JSONError as exc:
        raise ReaderError(f"malformed JSON ({exc})") from exc
    yield from found
