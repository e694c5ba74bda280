"""Readers: source documents in, `trial/1` records (dicts) out. No database here.

Each format is a module with `FORMAT`, `sniff(text) -> bool` and
`read(data, *, url=None, vocab=None) -> Iterator[dict]`; registering one is adding it to
`FORMATS`. Formats whose documents hold many records (registry downloads) also have
`read_source(source, *, url=None, vocab=None) -> Iterator[(record, raw bytes)]`, which parses
a `Source` incrementally and gives each record's own raw bytes (what the loader stores).
Order matters for sniffing: the first module whose `sniff` says yes reads the document, so
unambiguous formats (JSON, XML) go before the page formats. Sniffing sees the first MiB.
"""

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from trials.readers import ctgov_json, ctgov_page, ctgov_xml, ictrp_page, ictrp_xml, listing_page
from trials.readers.errors import NotATrialDocument, ReaderError
from trials.readers.limits import DEFAULT, LimitExceeded, Limits
from trials.readers.record import TrialRecord
from trials.readers.stream import Source, head_text
from trials.readers.vocabulary import Vocabulary

__all__ = [
    "FORMATS",
    "LimitExceeded",
    "Limits",
    "NotATrialDocument",
    "ReaderError",
    "Source",
    "detect_format",
    "iter_inputs",
    "read_bytes",
    "read_source",
    "skipped",
    "sniff_format",
]

FORMATS: dict[str, ModuleType] = {
    module.FORMAT: module
    for module in (ctgov_json, ictrp_xml, ctgov_xml, ictrp_page, ctgov_page, listing_page)
}
# The error for an unrecognised file names the formats the portal reads (README describes them).
NOT_RECOGNISED = (
    f"not a recognised trial document (the portal reads: {', '.join(FORMATS)}; see README)"
)


def sniff_format(source: Source) -> str | None:
    """The format whose reader recognises the content (file names are never consulted).
    ReaderError when the input is empty or binary."""
    text = head_text(source)
    return next((name for name, module in FORMATS.items() if module.sniff(text)), None)


def detect_format(data: bytes) -> str | None:
    """`sniff_format` for bytes in memory; None also for empty or binary data."""
    try:
        return sniff_format(Source.from_bytes(data))
    except ReaderError:
        return None


def read_source(
    source: Source,
    *,
    fmt: str | None = None,
    url: str | None = None,
    vocab: Vocabulary | None = None,
) -> Iterator[tuple[TrialRecord, bytes]]:
    """Yield (record, the record's own raw bytes) for each record of one input; ReaderError
    when it cannot be read. Multi-record formats stream; records yielded before an error
    are complete (a truncated download gives its readable records, then the error).

    `fmt` forces a format (no sniffing); `url` is where the document came from — recorded as
    `source.url`, and a registry ID in it is the trial ID when the text names none. The
    source's `limits` hold: an input over one is a ReaderError naming it, as is one that runs
    the reader out of stack or memory (RecursionError, MemoryError), so that the batch goes on;
    so is any other failure of a reader on a document it cannot make sense of (a value of a type
    the format never has). In a download or an export, such a record is left out and the others
    are read, then one ReaderError names them (errors.BadRecords)."""
    try:
        yield from _read_source(source, fmt=fmt, url=url, vocab=vocab)
    except ReaderError:
        raise
    except RecursionError:
        depth = source.limits.depth
        raise ReaderError(
            f"nested too deep to read (RecursionError; limit READER_MAX_DEPTH={depth})"
        ) from None
    except MemoryError:
        raise ReaderError("too large to read in memory (MemoryError)") from None
    except Exception as exc:  # an unreadable document fails alone
        raise ReaderError(f"could not be read ({type(exc).__name__}: {exc})") from exc


def _read_source(source: Source, *, fmt, url, vocab) -> Iterator[tuple[TrialRecord, bytes]]:
    if fmt is None:
        fmt = sniff_format(source)
        if fmt is None:
            raise NotATrialDocument(NOT_RECOGNISED)
    elif fmt not in FORMATS:
        raise ReaderError(f"unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
    else:
        head_text(source)  # empty and binary inputs say so, whatever the format
    module = FORMATS[fmt]
    if hasattr(module, "read_source"):
        yield from module.read_source(source, url=url, vocab=vocab)
        return
    data = source.read()
    for record in module.read(data, url=url, vocab=vocab, limits=source.limits):
        yield record, data


def read_bytes(
    data: bytes,
    *,
    fmt: str | None = None,
    url: str | None = None,
    vocab: Vocabulary | None = None,
) -> Iterator[TrialRecord]:
    """The `trial/1` records of one document in memory; ReaderError when it cannot be read."""
    for record, _ in read_source(Source.from_bytes(data), fmt=fmt, url=url, vocab=vocab):
        yield record


def skipped(source: Source, exc: ReaderError) -> bool:
    """Whether a read error means "skip this input" rather than "it failed": no trial document
    (a MANIFEST.json, a README, an image) found beside trial documents, in a directory or a
    ZIP. The same file named on its own is an error: the person meant it to be read."""
    return isinstance(exc, NotATrialDocument) and source.listed


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in Path(name).parts)


def _zip_members(path: str, limits: Limits) -> Iterator[tuple[str, Source | Exception]]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield path, ReaderError(f"unreadable zip archive ({exc})")
        return
    with archive:
        members = [
            info for info in archive.infolist() if not info.is_dir() and not _hidden(info.filename)
        ]
        # A member never inflates past its declared size (zipfile stops there and fails it on
        # its checksum), so the declared sizes bound what the archive can inflate to.
        inflated = sum(info.file_size for info in members)
        if len(members) > limits.zip_members:
            yield path, LimitExceeded("zip_members", limits.zip_members, f"{len(members)} members")
            return
        if inflated > limits.zip_bytes:
            yield path, LimitExceeded("zip_bytes", limits.zip_bytes, f"{inflated} bytes inflated")
            return
        # Members are yielded in name order, one at a time, each opened from this one open
        # archive (see Source.from_zip): an AllPublicXML ZIP streams in flat memory.
        for info in sorted(members, key=lambda member: member.filename):
            name = f"{path}:{info.filename}"
            # Members are streamed, never inflated whole; a truncated member fails on reading.
            yield name, Source.from_zip(path, info, name, archive, limits)


def _file(
    path: str, limits: Limits, *, listed: bool = False
) -> Iterator[tuple[str, Source | Exception]]:
    if path.lower().endswith(".zip"):
        yield from _zip_members(path, limits)
        return
    try:
        yield path, Source.from_path(path, listed=listed, limits=limits)
    except OSError as exc:
        yield path, ReaderError(exc.strerror or str(exc))


def iter_inputs(
    paths: list[str], limits: Limits = DEFAULT
) -> Iterator[tuple[str, Source | Exception]]:
    """(name, Source) for every input file: directories recursively (sorted, hidden names
    skipped), `.zip` archives member by member (`archive.zip:inner/file.json`). A path or
    member that cannot be read gives (name, exception) so that the batch goes on. Nothing is
    read here: a Source is opened by the reader, so inputs of any size stream. Each Source
    carries `limits`, which its readers keep to (trials/readers/limits.py)."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield from _file(os.path.join(root, name), limits, listed=True)
        elif os.path.exists(path):
            yield from _file(path, limits)
        else:
            yield path, ReaderError("no such file or directory")
