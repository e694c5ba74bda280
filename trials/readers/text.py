"""Text helpers every normalizer and reader uses: bytes to text, markup to plain text."""

import html
import re

from trials.readers.record import Warning

Warnings = list[Warning] | None


def warn(warnings: Warnings, warning: Warning) -> None:
    """Append a warning once; `warnings` is the record's list (None: the caller does not care)."""
    if warnings is not None and warning not in warnings:
        warnings.append(warning)


_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def fold(value: str) -> str:
    """Lower case with punctuation folded to single spaces, for comparing registry words."""
    return _NOT_ALPHANUMERIC.sub(" ", value.lower()).strip()


def decode_bytes(data: bytes) -> str:
    """Bytes to text. Raises ValueError("binary content") for data that is not text at all.

    A BOM decides first (registries' Windows exports carry UTF-16 with BOM); then strict UTF-8;
    then cp1252, which covers Latin-1 except five undefined bytes, hence latin-1 as last resort.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if b"\x00" in data[:4096]:
        raise ValueError("binary content")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_MARKUP = re.compile(r"[&<>\\\r\n\xa0]")
_BR = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?(?:p|div|li|ul|ol|span|b|i|strong|em)\b[^>]*>", re.IGNORECASE)
# CT.gov's Markdown-ish criteria escape `<`, `>` and friends with a backslash.
_MD_ESCAPE = re.compile(r"\\([<>*_\[\]#~`\\-])")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value: str | None) -> str | None:
    """Plain text: entities decoded (twice, for `&amp;lt;br&amp;gt;`), `<br>` and CR as line breaks,
    NBSP as space, trailing spaces and surrounding blank lines stripped. Empty is None."""
    if value is None:
        return None
    if not _MARKUP.search(value):  # most values (names, cities, enums): nothing to undo
        return value.strip() or None
    text = value
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    text = _BR.sub("\n", text)
    text = _TAG.sub("", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text or None


_SPACES = re.compile(r"\s+")


def one_line(value: str | None) -> str | None:
    text = clean_text(value)
    return _SPACES.sub(" ", text) if text else None
