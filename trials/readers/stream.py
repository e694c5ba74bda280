"""Inputs read without slurping them: a `Source` is a file or ZIP member that can be opened (as
often as needed), sniffed from its head, and decoded to text chunk by chunk.

Why: a registry download can be hundreds of megabytes; readers of multi-record formats (CT.gov
JSON arrays, ICTRP XML exports) parse it incrementally, so memory stays flat whatever its size.
Page formats are small documents and are still read whole, up to the source's
`limits.record_bytes` (trials/readers/limits.py).
"""

import codecs
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from trials.readers.errors import NotATrialDocument, ReaderError
from trials.readers.limits import DEFAULT, LimitExceeded, Limits

CHUNK = 1024 * 1024
HEAD = 1024 * 1024  # what format sniffing looks at
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class Source:
    """One input document. `open()` gives a fresh binary stream each time. `listed` is true
    for a file found beside others (walking a directory, a ZIP member): one that is no trial
    document there is skipped rather than failed. `limits` are what its readers allow."""

    def __init__(
        self,
        name: str,
        opener: Callable[[], BinaryIO],
        size: int | None,
        *,
        listed: bool = False,
        limits: Limits = DEFAULT,
    ) -> None:
        self.name = name
        self.size = size
        self.listed = listed
        self.limits = limits
        self._opener = opener
        self._head: bytes | None = None

    @classmethod
    def from_path(cls, path: str, *, listed: bool = False, limits: Limits = DEFAULT) -> "Source":
        size = Path(path).stat().st_size
        return cls(path, lambda: open(path, "rb"), size, listed=listed, limits=limits)

    @classmethod
    def from_zip(
        cls,
        path: str,
        info: zipfile.ZipInfo,
        name: str,
        archive: zipfile.ZipFile | None = None,
        limits: Limits = DEFAULT,
    ) -> "Source":
        """A ZIP member. Opened from `archive` while that is open: opening the ZIP anew reads
        its whole central directory (0.2 s for 20,000 members), which per member would make
        an AllPublicXML archive (~500,000 members) take days. Once `archive` is closed, the
        ZIP is opened anew each time, so a Source outlives the listing of members; the member
        stream keeps the archive's file open until it is closed itself."""

        def opener() -> BinaryIO:
            if archive is not None and archive.fp is not None:
                return archive.open(info)
            return zipfile.ZipFile(path).open(info)

        return cls(name, opener, info.file_size, listed=True, limits=limits)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<bytes>", limits: Limits = DEFAULT) -> "Source":
        return cls(name, lambda: io.BytesIO(data), len(data), limits=limits)

    def open(self) -> BinaryIO:
        try:
            return self._opener()
        except (OSError, zipfile.BadZipFile, RuntimeError, ValueError) as exc:
            raise ReaderError(f"unreadable ({exc})") from exc

    def head(self) -> bytes:
        if self._head is None:
            with self.open() as stream:
                self._head = _read(stream, HEAD)
        return self._head

    def read(self) -> bytes:
        """The whole document, for single-record formats; refused beyond the record limit."""
        limit = self.limits.record_bytes
        if self.size is not None and self.size > limit:
            raise LimitExceeded("record_bytes", limit, f"the document ({self.size} bytes)")
        with self.open() as stream:
            data = _read(stream, limit + 1)
        if len(data) > limit:
            raise LimitExceeded("record_bytes", limit, "the document")
        return data


def _read(stream: BinaryIO, limit: int) -> bytes:
    try:
        return stream.read(limit)
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError, ValueError) as exc:
        # A truncated ZIP member or a failing disk: one reason line, the batch goes on.
        raise ReaderError(f"unreadable ({exc})") from exc


def head_text(source: Source) -> str:
    """The document's first characters, for sniffing. ReaderError for empty or binary input."""
    data = source.head()
    if not data.strip():
        raise ReaderError("empty file")
    encoding = _bom_encoding(data)
    if encoding is None and b"\x00" in data[:4096]:
        raise NotATrialDocument("binary content")
    if encoding == "utf-16":
        data = data[: len(data) // 2 * 2]
    text = data.decode(encoding or "utf-8", errors="ignore")
    if not text.strip():
        raise ReaderError("empty file")
    return text


def _bom_encoding(data: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), None)


def iter_text(source: Source) -> Iterator[str]:
    """The document as text chunks. Decoding as `normalize.decode_bytes` does, incrementally:
    a BOM decides; else UTF-8, and on the first invalid byte the rest is read as cp1252 (Latin-1
    for cp1252's five undefined bytes) — registry exports are one or the other, not mixed."""
    with source.open() as stream:
        first = _read(stream, CHUNK)
        encoding = _bom_encoding(first)
        if encoding is None and b"\x00" in first[:4096]:
            raise ReaderError("binary content")
        decoder = codecs.getincrementaldecoder(encoding or "utf-8")()
        chunk = first
        while True:
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                if encoding is not None:
                    raise ReaderError("undecodable text") from None
                pending = decoder.getstate()[0]  # an unfinished sequence from the last chunk
                decoder, encoding = _Cp1252Decoder(), "cp1252"
                text = decoder.decode(pending + chunk, final=final)
            if text:
                yield text
            if final:
                return
            chunk = _read(stream, CHUNK)


class _Cp1252Decoder:
    def decode(self, data: bytes, final: bool = False) -> str:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def records_of(read_source: Callable, data: bytes, *, url, vocab, limits) -> Iterator:
    """The records of a document held in memory, read by a format's streaming `read_source`:
    the `read()` of every format that has one."""
    source = Source.from_bytes(data, limits=limits or DEFAULT)
    for record, _ in read_source(source, url=url, vocab=vocab):
        yield record
