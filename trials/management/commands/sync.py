"""`manage.py sync ctgov [--full] [--since DATE]`: bring the portal up to date with a registry.

The work is done by trials.sync.ctgov.run_ctgov_sync (what a daily job would call too).
"""

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError

from trials.sync.ctgov import SyncBusy, run_ctgov_sync
from trials.sync.models import SyncRun


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since: not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Harvest a registry's API for the portal's scope (ctgov: ClinicalTrials.gov API v2)."

    def add_arguments(self, parser):
        parser.add_argument("registry", choices=["ctgov"])
        parser.add_argument("--full", action="store_true", help="every study of the scope")
        parser.add_argument(
            "--since", metavar="DATE", help="studies updated on or after DATE (YYYY-MM-DD)"
        )

    def handle(self, *args, **opts):
        since = _date(opts["since"]) if opts["since"] else None
        if opts["full"] and since:
            raise CommandError("--full and --since exclude each other")
        try:
            run = run_ctgov_sync(full=opts["full"], since=since, stdout=self.stdout)
        except SyncBusy as exc:
            self.stderr.write(str(exc))
            sys.exit(1)
        if run.status == SyncRun.Status.FAILED:
            self.stderr.write(f"sync ctgov failed: {run.error}")
            sys.exit(1)
