"""`manage.py import_trials PATH... [--format F] [--url URL] [--all] [--dry-run]`.

The work is done by trials.loading.importer, which the admin's upload form uses too.
"""

import sys

from django.core.management.base import BaseCommand

from trials.loading.importer import run_import
from trials.readers import FORMATS


class Command(BaseCommand):
    help = "Normalize registry documents and load the in-scope trials into the database."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, .zip")
        parser.add_argument("--format", choices=sorted(FORMATS), help="skip format sniffing")
        parser.add_argument("--url", help="where a single document came from")
        parser.add_argument("--all", action="store_true", help="keep out-of-scope trials too")
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")

    def handle(self, *args, **opts):
        result = run_import(
            opts["paths"],
            fmt=opts["format"],
            url=opts["url"],
            keep_all=opts["all"],
            dry_run=opts["dry_run"],
            stderr=self.stderr,
        )
        if opts["dry_run"]:
            self.stdout.write("dry run: nothing was written")
        for outcome, count in result.counts.values.items():
            self.stdout.write(f"{outcome}: {count}")
        for reason, count in sorted(result.skipped_reasons.items()):
            self.stdout.write(f"  skipped, {reason}: {count}")
        if result.errors:
            sys.exit(1)
