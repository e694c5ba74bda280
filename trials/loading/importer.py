"""The importer behind `manage.py import_trials` and the admin's upload form.

Inputs stream: records are read one by one from each input (a 200 MB download is never held in
memory) and loaded in batches of BATCH. Each record's own raw bytes are stored as its
RawDocument: the whole file for a one-record document, the record's own part of a download.
A download that breaks halfway keeps the records read before the break and reports the input.
Records are read with the vocabulary as curators edited it (the tables, not the data files) and
with their value mappings, so that a re-import agrees with a re-normalization.

DocumentLoader (and its DocumentStream) is the same path for documents a caller fetched itself
(the registry sync, trials/sync/). It lives here, beside the _Importer whose reading and loading
it reuses, which puts this module a little over ~300 lines.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from trials.loading import reader_process
from trials.loading.loader import Counts, Loader
from trials.loading.scope import skip_reason
from trials.loading.vocab_tables import db_vocabulary, value_mappings
from trials.models import ImportRun
from trials.readers import (
    FORMATS,
    Limits,
    ReaderError,
    Source,
    iter_inputs,
    read_source,
    skipped,
    sniff_format,
)
from trials.readers.value_mappings import apply_value_mappings

BATCH = 500
FIRST_BATCH = reader_process.FIRST_CHUNK  # small, so that the database starts early


def reader_limits() -> Limits:
    """The readers' limits, as the settings give them (READER_MAX_*)."""
    return Limits(
        record_bytes=settings.READER_MAX_RECORD_BYTES,
        depth=settings.READER_MAX_DEPTH,
        string_chars=settings.READER_MAX_STRING,
        zip_bytes=settings.READER_MAX_ZIP_BYTES,
        zip_members=settings.READER_MAX_ZIP_MEMBERS,
    )


@dataclass
class ImportResult:
    run: ImportRun | None  # None after a dry run
    counts: Counts = field(default_factory=Counts)
    errors: list[list[str]] = field(default_factory=list)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # The trial IDs of the records skipped as out of scope (DocumentLoader only).
    skipped_ids: list[str] = field(default_factory=list)


def run_import(
    paths: list[str],
    *,
    fmt: str | None = None,
    url: str | None = None,
    keep_all: bool = False,
    dry_run: bool = False,
    stderr: TextIO | None = None,
    names: dict[str, str] | None = None,
    run: ImportRun | None = None,
    progress: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import files, directories and ZIPs; every run is recorded as an ImportRun.

    `names` gives inputs the names to record and report (the admin's uploads are temporary
    files named after what the curator uploaded). Errors are written to `stderr` as
    `PATH: reason` as they happen. `run`: an ImportRun made beforehand (a queued job's), left
    untouched until the end; `progress(result)` is called after every batch (trials.jobs)."""
    importer = _Importer(fmt, url, keep_all, stderr, names or {})
    importer.existing, importer.on_progress = run, progress
    with _ctrl_c_kept() as importer.check_interrupt, _loading(rollback=dry_run):
        options = {"format": fmt, "url": url, "all": keep_all, "dry_run": dry_run}
        importer.run(paths, options)
        importer.check_interrupt()  # the last moment before the transaction commits
    if dry_run:
        importer.result.run = None
    return importer.result


@contextmanager
def _ctrl_c_kept():
    """A signal that ends an import through a Python handler (Ctrl-C's KeyboardInterrupt; a
    SIGTERM that pgembed or a caller turns into SystemExit) ends it whatever Python was doing
    when it came: yields a check that raises the handler's exception once the signal has come.
    Python runs a handler wherever the main thread is; inside an object's `__del__` (a model
    instance freed) its exception is only printed ("Exception ignored in …") and the import went
    on to commit (tests/test_hostile_kill.py, about one run in four). The signal is remembered
    too, and the import checks it after every batch and before its transaction ends. Outside
    the main thread, or for a signal without a Python handler, nothing changes."""
    came: list[tuple] = []

    def check() -> None:
        if came:
            handler, signum = came[0]
            handler(signum, None)  # raises, as it did when the signal came

    if threading.current_thread() is not threading.main_thread():
        yield check
        return
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}

    def remembering(handler):
        def remember(signum, frame):
            came.append((handler, signum))
            handler(signum, frame)

        return remember

    for signum, handler in before.items():
        if callable(handler):
            signal.signal(signum, remembering(handler))
    try:
        yield check
    finally:
        for signum, handler in before.items():
            if callable(handler):
                signal.signal(signum, handler)


@contextmanager
def _loading(rollback: bool = False):
    """The transaction a load runs in (a savepoint inside a caller's transaction); with
    `rollback`, everything written is rolled back when it ends (a dry run)."""
    with transaction.atomic():
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked all at once at
        # commit, on one core, after the reader is done. Checked as rows go in, they
        # overlap with reading (the bulk path inserts trials before what points at them).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with _by_index():
            yield
        if rollback:
            transaction.set_rollback(True)


@contextmanager
def _by_index():
    """Queries planned with indexes for what they look up.

    Every batch looks up its keys (IDs, sha256s, titles) in tables that grow within the import's
    transaction, where autovacuum cannot gather their statistics. Without them the planner
    takes a few hundred keys to match most of a table and scans it whole, every batch: time
    that grows with the square of the import's size. The import's queries are all look-ups by
    key, which indexes answer. The setting is the transaction's own (set_config's `true`), put
    back after (an error's rollback puts it back too), even inside a caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        before = cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


class _Importer:
    def __init__(self, fmt, url, keep_all, stderr, names) -> None:
        self.fmt, self.url, self.keep_all = fmt, url, keep_all
        self.stderr = stderr
        self.names = names
        self.result = ImportResult(run=None)
        self.batch: list[tuple] = []  # ("record" events without their kind)
        self.loader = Loader()
        self.vocab = db_vocabulary()
        self.mappings = value_mappings()
        self.existing: ImportRun | None = None  # a queued job's run, made beforehand
        self.on_progress: Callable[[ImportResult], None] | None = None
        self.skipped_ids = False  # DocumentLoader: list the IDs of records out of scope
        self.limits = reader_limits()
        self.check_interrupt: Callable[[], None] = lambda: None  # run_import's (_ctrl_c_kept)

    def _name(self, path: str) -> str:
        for prefix, name in self.names.items():
            if path == prefix or path.startswith(prefix + ":"):
                return name + path[len(prefix) :]
        return path

    def run(self, paths: list[str], options: dict) -> None:
        run = self.existing or ImportRun.objects.create(
            paths=[self._name(p) for p in paths], options=options
        )
        # Reading (parsing, normalizing) and loading overlap when a second process can read.
        if reader_process.can_fork():
            events = reader_process.in_reader_process(self._events, paths)
        else:
            events = self._events(paths)
        self.progress = _Progress(
            desc="records", unit=" rec", file=sys.stderr, disable=None, mininterval=1
        )
        self._consume(events)
        self.progress.close()
        run.counts = self.result.counts.values
        run.errors = self.result.errors
        run.finished = timezone.now()
        run.save()
        self.result.run = run

    def _consume(self, events: Iterator[tuple]) -> None:
        """Load what reading gives, in batches. `events` is closed whatever ends the load, so
        that a reader process is stopped at once: left to the garbage collector (an exception's
        frames in a cycle), the close came during the interpreter's shutdown."""
        # The first batch is small, so that the database starts while the reader goes on.
        batch = FIRST_BATCH
        with closing(events):
            for kind, *event in events:
                if kind == "record":
                    self.batch.append(event)
                    if len(self.batch) >= batch:
                        self._flush()
                        batch = BATCH
                elif kind == "skip":
                    self._skip(*event)
                else:
                    self._fail(*event)
        self._flush()

    def _events(self, paths: list[str]) -> Iterator[tuple]:
        """What reading the inputs gives, in order: ("record", record or None, the record's
        raw bytes prepared for storing (PreparedDocument), name, prepared or None),
        ("skip", reason, trial ID or None) or ("fail", name, reason). No database here: this
        may run in the reader process."""
        return self._read(iter_inputs(paths, self.limits))

    def _read(self, inputs: Iterable[tuple[str, Source | Exception]]) -> Iterator[tuple]:
        for name, data in inputs:
            name = self._name(name)
            if isinstance(data, Exception):
                yield "fail", name, str(data)
                continue
            try:
                fmt = self.fmt or sniff_format(data)
                streamed = hasattr(FORMATS.get(fmt), "read_source")
                for record, raw in read_source(data, fmt=fmt, url=self.url, vocab=self.vocab):
                    record = apply_value_mappings(record, self.mappings)
                    if not self.keep_all and not self.loader.in_scope(record):
                        yield "skip", skip_reason(record), record.get("trial_id")
                        continue
                    # A download's records are stored one by one: name each after its record.
                    own = streamed and (record["source"].get("source_id") or record["trial_id"])
                    name_ = f"{name}#{own}" if own else name
                    # A prepared record is sent without its dict (half the pickling): the
                    # loader reads it back from the prepared JSON only if it needs it.
                    prepared = self.loader.try_prepare(record)
                    document = self.loader.prepare_document(raw, name_, fmt)
                    yield "record", None if prepared else record, document, name_, prepared
            except ReaderError as exc:
                if skipped(data, exc):  # a README or MANIFEST.json beside the documents
                    yield "skip", "not a trial document"
                    continue
                yield "fail", name, str(exc)

    def _flush(self) -> None:
        if not self.batch:
            return
        documents = self.loader.documents([document for _, document, _, _ in self.batch])
        outcomes = self.loader.load_many(
            [(r, d) for (r, *_), d in zip(self.batch, documents, strict=True)],
            [prepared for *_, prepared in self.batch],
        )
        for (record, _, name, prepared), outcome in zip(self.batch, outcomes, strict=True):
            if isinstance(outcome, Exception):
                name = name.partition("#")[0]
                label = prepared.label if prepared else _label(record)
                self._fail(f"{name} [{label}]", outcome)
            else:
                self.result.counts.add(outcome)
        self.progress.update(len(self.batch))
        self.progress.set_postfix(errors=len(self.result.errors), refresh=False)
        if self.on_progress:
            self.on_progress(self.result)
        self.batch = []
        self.check_interrupt()

    def _skip(self, reason: str, trial_id: str | None = None) -> None:
        self.result.counts.add("skipped")
        if self.skipped_ids and trial_id:
            self.result.skipped_ids.append(trial_id)
        reasons = self.result.skipped_reasons
        reasons[reason] = reasons.get(reason, 0) + 1

    def _fail(self, name: str, reason) -> None:
        self.result.counts.add("failed")
        self.result.errors.append([name, str(reason)])
        if self.stderr is not None:
            self.stderr.write(f"{name}: {reason}")


class DocumentLoader:
    """Loads documents held in memory through the same path as `run_import` (sniffing or
    `fmt`, the readers, the curators' value mappings, the scope, the loader: locked fields
    stay), for callers that fetch documents themselves (the registry sync, trials/sync/).

    Build one per run (it reads the vocabulary and the mappings once), then call `load()` for
    each batch of documents, or send them one by one through `stream()`: each load is one
    transaction (a savepoint inside the caller's), so a caller can commit its own state with
    what it loaded. No ImportRun is recorded: the caller records its run. Reading overlaps
    loading in a forked reader when the process is single-threaded, as in `run_import`."""

    def __init__(self, *, fmt: str | None = None, keep_all: bool = False) -> None:
        self._importer = _Importer(fmt, None, keep_all, None, {})
        self._importer.skipped_ids = True
        self._importer.progress = _Progress(disable=True)

    def load(self, documents: Iterable[tuple[str, bytes]]) -> ImportResult:
        """Normalize and load `documents` ((name, bytes) pairs). The result counts outcomes,
        lists errors as [name, reason] and the trial IDs skipped as out of scope."""
        importer = self._importer
        importer.result = ImportResult(run=None)
        inputs = [
            (name, Source.from_bytes(data, name, importer.limits)) for name, data in documents
        ]
        with _loading():
            if reader_process.can_fork():
                importer._consume(reader_process.in_reader_process(importer._read, inputs))
            else:
                importer._consume(importer._read(inputs))
        return importer.result

    def stream(self) -> DocumentStream:
        """A reader kept for a run of documents that arrive one by one (see DocumentStream)."""
        return DocumentStream(self._importer)


class DocumentStream:
    """Documents sent one by one and loaded in the order sent, each in its own transaction,
    with one reader process for them all (when the process can fork): the reader reads the
    next document while the caller loads the one before, as in `run_import`, without a new
    process and an empty pipeline for each. Use as a context manager; `send(name, data)`,
    then `load_next()` for each document sent."""

    def __init__(self, importer: _Importer) -> None:
        self._importer = importer
        self._pending: list[tuple[str, bytes]] = []  # read inline: documents not loaded yet
        self._events: Iterator[tuple] | None = None  # from the reader process
        self._send: Callable[[tuple[str, bytes] | None], None] | None = None

    def __enter__(self) -> DocumentStream:
        if reader_process.can_fork():
            self._events, self._send = reader_process.in_streaming_reader(self._read_one)
        return self

    def _read_one(self, name: str, data: bytes) -> Iterator[tuple]:
        return self._importer._read([(name, Source.from_bytes(data, name, self._importer.limits))])

    def send(self, name: str, data: bytes) -> None:
        if self._send is not None:
            self._send((name, data))
        else:
            self._pending.append((name, data))

    def load_next(self) -> ImportResult:
        """Load the oldest document sent and not loaded yet: its ImportResult."""
        importer = self._importer
        importer.result = ImportResult(run=None)
        with _loading():
            if self._events is not None:
                importer._consume(self._until_end())
            else:
                importer._consume(self._read_one(*self._pending.pop(0)))
        return importer.result

    def _until_end(self) -> Iterator[tuple]:
        for event in self._events:
            if event[0] == reader_process.END:
                return
            yield event
        raise RuntimeError("the reader process ended before the document did")

    def __exit__(self, *exc) -> None:
        if self._send is not None:
            self._send(None)  # the reader ends when it has read what was sent
            if exc[0] is None:
                for _ in self._events:  # nothing is left: waits for the reader to end
                    pass
            else:
                self._events.close()  # the reader is terminated if it is still busy


class _Progress(tqdm):
    # No monitor thread: a thread would stop the next import in this process from forking
    # its reader (see reader_process.can_fork); the bar refreshes on updates, every batch.
    monitor_interval = 0


def _label(record: dict) -> str | None:
    return record.get("trial_id") or record.get("title")
