"""`manage.py normalize PATH... [--format F] [--url URL]`: documents in, `trial/1` JSON lines out.

Touches no database. Each record is one line on stdout; each input that cannot be read is one
`PATH: reason` line on stderr, and the others are still processed. Exit 1 if any input failed.
A file beside trial documents that is none (a README, a MANIFEST.json in a directory or ZIP) is
`PATH: skipped, reason` on stderr and fails nothing.
Records are printed as they are read, so a download of any size streams through in flat memory;
a download that breaks halfway has printed the records before the break (each complete).
"""

import json
import sys
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError

from trials.readers import FORMATS, Limits, ReaderError, iter_inputs, read_source, skipped
from trials.readers.record import ordered


def run(
    paths: list[str],
    *,
    fmt: str | None,
    url: str | None,
    out: TextIO,
    err: TextIO,
    limits: Limits | None = None,
) -> int:
    """The command's work, callable without Django's command machinery. Returns the exit code."""
    failed = False
    for name, source in iter_inputs(paths, limits or Limits()):
        if isinstance(source, Exception):
            err.write(f"{name}: {source}\n")
            failed = True
            continue
        try:
            for record, _ in read_source(source, fmt=fmt, url=url):
                out.write(json.dumps(ordered(record), ensure_ascii=False) + "\n")
        except ReaderError as exc:
            if skipped(source, exc):
                err.write(f"{name}: skipped, {exc}\n")
                continue
            err.write(f"{name}: {exc}\n")
            failed = True
    return 1 if failed else 0


class Command(BaseCommand):
    help = "Print the trial/1 records of documents, one JSON object per line. No database."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, .zip")
        parser.add_argument("--format", choices=sorted(FORMATS), help="skip format sniffing")
        parser.add_argument("--url", help="where a single document came from")

    def handle(self, *args, **opts):
        # Here, not at the top: run() is used without Django set up (tests/test_ctgov_xml.py).
        from trials.loading.importer import reader_limits

        if opts["url"] and len(opts["paths"]) > 1:
            raise CommandError("--url describes a single document; give one PATH")
        code = run(
            opts["paths"],
            fmt=opts["format"],
            url=opts["url"],
            out=self.stdout,
            err=self.stderr,
            limits=reader_limits(),
        )
        self.stdout.flush()
        if code:
            sys.exit(code)
