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
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from trials.curation import apply_value_mappings, db_vocabulary, value_mappings
from trials.ingest import FORMATS, ReaderError, Source, iter_inputs, read_source, sniff_format
from trials.ingest.load import Counts, Loader
from trials.models import ImportRun

BATCH = 500


class _DryRun(Exception):
    pass


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
    try:
        with transaction.atomic():
            importer.run(paths, {"format": fmt, "url": url, "all": keep_all, "dry_run": dry_run})
            if dry_run:
                raise _DryRun
    except _DryRun:
        importer.result.run = None
    return importer.result


class _Importer:
    def __init__(self, fmt, url, keep_all, stderr, names) -> None:
        self.fmt, self.url, self.keep_all = fmt, url, keep_all
        self.stderr = stderr
        self.names = names
        self.result = ImportResult(run=None)
        self.batch: list[tuple[dict, bytes, str, str | None]] = []
        self.loader = Loader()
        self.vocab = db_vocabulary()
        self.mappings = value_mappings()

    def _name(self, path: str) -> str:
        for prefix, name in self.names.items():
            if path == prefix or path.startswith(prefix + ":"):
                return name + path[len(prefix) :]
        return path

    def run(self, paths: list[str], options: dict) -> None:
        run = ImportRun.objects.create(paths=[self._name(p) for p in paths], options=options)
        self.progress = tqdm(
            desc="records", unit=" rec", file=sys.stderr, disable=None, mininterval=1
        )
        for name, data in iter_inputs(paths):
            name = self._name(name)
            if isinstance(data, Exception):
                self._fail(name, str(data))
                continue
            self._read_input(name, data)
        self._flush()
        self.progress.close()
        run.counts = self.result.counts.values
        run.errors = self.result.errors
        run.finished = timezone.now()
        run.save()
        self.result.run = run

    def _read_input(self, name: str, source: Source) -> None:
        try:
            fmt = self.fmt or sniff_format(source)
            streamed = hasattr(FORMATS.get(fmt), "read_source")
            for record, raw in read_source(source, fmt=fmt, url=self.url, vocab=self.vocab):
                record = apply_value_mappings(record, self.mappings)
                if not self.keep_all and not self.loader.in_scope(record):
                    self._skip(record)
                    continue
                # A download's records are stored one by one: name each after its record.
                own = streamed and (record["source"].get("source_id") or record["trial_id"])
                self.batch.append((record, raw, f"{name}#{own}" if own else name, fmt))
                if len(self.batch) >= BATCH:
                    self._flush()
        except ReaderError as exc:
            self._fail(name, exc)

    def _flush(self) -> None:
        if not self.batch:
            return
        documents = self.loader.documents([(raw, name, fmt) for _, raw, name, fmt in self.batch])
        outcomes = self.loader.load_many(
            [(r, d) for (r, *_), d in zip(self.batch, documents, strict=True)]
        )
        for (record, _, name, _), outcome in zip(self.batch, outcomes, strict=True):
            if isinstance(outcome, Exception):
                name = name.partition("#")[0]
                self._fail(f"{name} [{record.get('trial_id') or record.get('title')}]", outcome)
            else:
                self.result.counts.add(outcome)
        self.progress.update(len(self.batch))
        self.progress.set_postfix(errors=len(self.result.errors), refresh=False)
        self.batch = []

    def _skip(self, record: dict) -> None:
        self.result.counts.add("skipped")
        reason = "out of scope: no skin condition" if record.get("conditions") else "no condition"
        reasons = self.result.skipped_reasons
        reasons[reason] = reasons.get(reason, 0) + 1

    def _fail(self, name: str, reason) -> None:
        self.result.counts.add("failed")
        self.result.errors.append([name, str(reason)])
        if self.stderr is not None:
            self.stderr.write(f"{name}: {reason}")
