"""`manage.py import_trials PATH... [--format F] [--url URL] [--all] [--dry-run]`.

Inputs stream: records are read one by one from each input (a 200 MB download is never held in
memory) and loaded in batches of BATCH. Each record's own raw bytes are stored as its
RawDocument: the whole file for a one-record document, the record's own part of a download.
A download that breaks halfway keeps the records read before the break and reports the input.
"""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from trials.ingest import FORMATS, ReaderError, Source, iter_inputs, read_source, sniff_format
from trials.ingest.load import Counts, Loader
from trials.models import ImportRun

BATCH = 500


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Normalize registry documents and load the in-scope trials into the database."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, .zip")
        parser.add_argument("--format", choices=sorted(FORMATS), help="skip format sniffing")
        parser.add_argument("--url", help="where a single document came from")
        parser.add_argument("--all", action="store_true", help="keep out-of-scope trials too")
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")

    def handle(self, *args, **opts):
        self.counts = Counts()
        self.errors: list[list[str]] = []
        self.skipped_reasons: dict[str, int] = {}
        try:
            with transaction.atomic():
                self._run(opts)
                if opts["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("dry run: nothing was written")
        for outcome, n in self.counts.values.items():
            self.stdout.write(f"{outcome}: {n}")
        for reason, n in sorted(self.skipped_reasons.items()):
            self.stdout.write(f"  skipped, {reason}: {n}")
        if self.errors:
            sys.exit(1)

    def _run(self, opts) -> None:
        run = ImportRun.objects.create(
            paths=opts["paths"],
            options={k: opts[k] for k in ("format", "url", "all", "dry_run")},
        )
        self.loader = Loader()
        self.batch: list[tuple[dict, bytes, str, str | None]] = []
        self.progress = tqdm(
            desc="records", unit=" rec", file=sys.stderr, disable=None, mininterval=1
        )
        for name, data in iter_inputs(opts["paths"]):
            if isinstance(data, Exception):
                self._fail(name, str(data))
                continue
            self._read_input(name, data, opts)
        self._flush()
        self.progress.close()
        run.counts = self.counts.values
        run.errors = self.errors
        run.finished = timezone.now()
        run.save()

    def _read_input(self, name: str, source: Source, opts) -> None:
        try:
            fmt = opts["format"] or sniff_format(source)
            streamed = hasattr(FORMATS.get(fmt), "read_source")
            for record, raw in read_source(source, fmt=fmt, url=opts["url"]):
                if not opts["all"] and not self.loader.in_scope(record):
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
                self.counts.add(outcome)
        self.progress.update(len(self.batch))
        self.progress.set_postfix(errors=len(self.errors), refresh=False)
        self.batch = []

    def _skip(self, record: dict) -> None:
        self.counts.add("skipped")
        reason = "out of scope: no skin condition" if record.get("conditions") else "no condition"
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1

    def _fail(self, name: str, reason) -> None:
        self.counts.add("failed")
        self.errors.append([name, str(reason)])
        self.stderr.write(f"{name}: {reason}")
