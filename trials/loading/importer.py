"""The importer behind `manage.py import_trials` and the admin's upload form.

Inputs stream: records are read one by one from each input (a 200 MB download is never held in
memory) and loaded in batches of BATCH. Each record's own raw bytes are stored as its
RawDocument: the whole file for a one-record document, the record's own part of a download.
A download that breaks halfway keeps the records read before the break and reports the input.
Records are read with the vocabulary as curators edited it (the tables, not the data files) and
with their value mappings, so that a re-import agrees with a re-normalization.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


def run_import(
    paths: list[str],
    *,
    fmt: str | None = None,
    url: str | None = None,
    keep_all: bool = False,
    dry_run: bool = False,
    stderr: TextIO | None = None,
    names: dict[str, str] | None = None,
) -> ImportResult:
    """Import files, directories and ZIPs; every run is recorded as an ImportRun.

    `names` gives inputs the names to record and report (the admin's uploads are temporary
    files named after what the curator uploaded). Errors are written to `stderr` as
    `PATH: reason` as they happen."""
    importer = _Importer(fmt, url, keep_all, stderr, names or {})
    with transaction.atomic():
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked all at once at
        # commit, on one core, after the reader is done. Checked as rows go in, they
        # overlap with reading (the bulk path inserts trials before what points at them).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        options = {"format": fmt, "url": url, "all": keep_all, "dry_run": dry_run}
        with _by_index():
            importer.run(paths, options)
        if dry_run:  # everything written is rolled back when the block ends
            transaction.set_rollback(True)
            importer.result.run = None
    return importer.result


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
        self.limits = reader_limits()

    def _name(self, path: str) -> str:
        for prefix, name in self.names.items():
            if path == prefix or path.startswith(prefix + ":"):
                return name + path[len(prefix) :]
        return path

    def run(self, paths: list[str], options: dict) -> None:
        run = ImportRun.objects.create(paths=[self._name(p) for p in paths], options=options)
        # Reading (parsing, normalizing) and loading overlap when a second process can read.
        if reader_process.can_fork():
            events = reader_process.in_reader_process(self._events, paths)
        else:
            events = self._events(paths)
        self.progress = _Progress(
            desc="records", unit=" rec", file=sys.stderr, disable=None, mininterval=1
        )
        # The first batch is small, so that the database starts while the reader goes on.
        batch = FIRST_BATCH
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
        self.progress.close()
        run.counts = self.result.counts.values
        run.errors = self.result.errors
        run.finished = timezone.now()
        run.save()
        self.result.run = run

    def _events(self, paths: list[str]) -> Iterator[tuple]:
        """What reading the inputs gives, in order: ("record", record or None, the record's
        raw bytes prepared for storing (PreparedDocument), name, prepared or None),
        ("skip", reason) or ("fail", name, reason). No database here: this may run in the
        reader process."""
        for name, data in iter_inputs(paths, self.limits):
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
                        yield "skip", skip_reason(record)
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
        self.batch = []

    def _skip(self, reason: str) -> None:
        self.result.counts.add("skipped")
        reasons = self.result.skipped_reasons
        reasons[reason] = reasons.get(reason, 0) + 1

    def _fail(self, name: str, reason) -> None:
        self.result.counts.add("failed")
        self.result.errors.append([name, str(reason)])
        if self.stderr is not None:
            self.stderr.write(f"{name}: {reason}")


class _Progress(tqdm):
    # No monitor thread: a thread would stop the next import in this process from forking
    # its reader (see reader_process.can_fork); the bar refreshes on updates, every batch.
    monitor_interval = 0


def _label(record: dict) -> str | None:
    return record.get("trial_id") or record.get("title")
