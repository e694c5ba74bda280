"""`manage.py import_trials PATH... [--format F] [--url URL] [--all] [--dry-run]`."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from trials.ingest import FORMATS, ReaderError, detect_format, iter_inputs, read_bytes
from trials.ingest.load import Counts, Loader
from trials.models import ImportRun


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
        loader = Loader()
        for name, data in iter_inputs(opts["paths"]):
            if isinstance(data, Exception):
                self._fail(name, str(data))
                continue
            self._load_input(loader, name, data, opts)
        run.counts = self.counts.values
        run.errors = self.errors
        run.finished = timezone.now()
        run.save()

    def _load_input(self, loader: Loader, name: str, data: bytes, opts) -> None:
        fmt = opts["format"] or detect_format(data)
        try:
            records = read_bytes(data, fmt=fmt, url=opts["url"])
            document = None
            for record in records:
                if not opts["all"] and not loader.in_scope(record):
                    self.counts.add("skipped")
                    reason = "no skin condition" if record.get("conditions") else "no condition"
                    self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1
                    continue
                document = document or loader.document(data, name, fmt)
                try:
                    self.counts.add(loader.load(record, document))
                except Exception as exc:
                    self._fail(f"{name} [{record.get('trial_id') or record.get('title')}]", exc)
        except ReaderError as exc:
            self._fail(name, exc)

    def _fail(self, name: str, reason) -> None:
        self.counts.add("failed")
        self.errors.append([name, str(reason)])
        self.stderr.write(f"{name}: {reason}")
