"""Readers: source documents (bytes) in, `trial/1` records (dicts) out. No database here.

Each format is a module with `FORMAT`, `sniff(text) -> bool` and
`read(data, *, url=None, vocab=None) -> Iterator[dict]`; registering one is adding it to
`FORMATS`. Order matters for sniffing: the first module whose `sniff` says yes reads the
document, so unambiguous formats (JSON, XML) go before the page formats.
"""

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from trials.ingest import ctgov_page, ictrp_page, listing_page
from trials.ingest.errors import ReaderError
from trials.ingest.normalize import decode_bytes
from trials.ingest.vocabulary import Vocabulary

__all__ = ["FORMATS", "ReaderError", "detect_format", "iter_inputs", "read_bytes"]

FORMATS: dict[str, ModuleType] = {
    module.FORMAT: module for module in (ictrp_page, ctgov_page, listing_page)
}

# Zip members beyond this size are refused rather than inflated (a zip bomb is not a trial).
MAX_MEMBER_BYTES = 200 * 1024 * 1024


def _text(data: bytes) -> str:
    if not data or not data.strip():
        raise ReaderError("empty file")
    try:
        text = decode_bytes(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReaderError("binary content") from exc
    if not text.strip():
        raise ReaderError("empty file")
    return text


def detect_format(data: bytes) -> str | None:
    """The format whose reader recognises the content (file names are never consulted)."""
    try:
        text = _text(data)
    except ReaderError:
        return None
    return next((name for name, module in FORMATS.items() if module.sniff(text)), None)


def read_bytes(
    data: bytes,
    *,
    fmt: str | None = None,
    url: str | None = None,
    vocab: Vocabulary | None = None,
) -> Iterator[dict]:
    """Yield the `trial/1` records of one document; ReaderError when it cannot be read.

    `fmt` forces a format (no sniffing); `url` is where the document came from — recorded as
    `source.url`, and a registry ID in it is the trial ID when the text names none."""
    text = _text(data)
    if fmt is None:
        fmt = next((name for name, module in FORMATS.items() if module.sniff(text)), None)
        if fmt is None:
            raise ReaderError("not a recognised trial document")
    elif fmt not in FORMATS:
        raise ReaderError(f"unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
    yield from FORMATS[fmt].read(data, url=url, vocab=vocab)


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in Path(name).parts)


def _zip_members(path: str) -> Iterator[tuple[str, bytes | Exception]]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield path, ReaderError(f"unreadable zip archive ({exc})")
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or _hidden(info.filename):
                continue
            name = f"{path}:{info.filename}"
            if info.file_size > MAX_MEMBER_BYTES:
                yield name, ReaderError(f"zip member too large ({info.file_size} bytes)")
                continue
            try:
                yield name, archive.read(info)
            except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as exc:
                yield name, ReaderError(f"unreadable zip member ({exc})")


def _file(path: str) -> Iterator[tuple[str, bytes | Exception]]:
    if path.lower().endswith(".zip"):
        yield from _zip_members(path)
        return
    try:
        yield path, Path(path).read_bytes()
    except OSError as exc:
        yield path, ReaderError(exc.strerror or str(exc))


def iter_inputs(paths: list[str]) -> Iterator[tuple[str, bytes | Exception]]:
    """(name, bytes) for every input file: directories recursively (sorted, hidden names
    skipped), `.zip` archives member by member (`archive.zip:inner/file.json`). A path or
    member that cannot be read gives (name, exception) so that the batch goes on."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield from _file(os.path.join(root, name))
        elif os.path.exists(path):
            yield from _file(path)
        else:
            yield path, ReaderError("no such file or directory")
