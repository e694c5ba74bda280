"""`manage.py boot [--collectstatic] -- CMD...`: get the database ready, then become CMD.

Used by `make run` and `make serve`: migrate, load the vocabularies, load fixtures/ when there
are no trials yet, then exec the server (so signals reach it directly).
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from trials.loading import vocab_tables
from trials.models import Trial

FIXTURE_SOURCES = settings.BASE_DIR / "fixtures" / "sources"


class Command(BaseCommand):
    help = "Migrate, load vocabularies and starter data, then exec the given command."

    def add_arguments(self, parser):
        parser.add_argument("--collectstatic", action="store_true")
        parser.add_argument("command", nargs="*", help="what to exec afterwards (after --)")

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        added = vocab_tables.load()
        if any(added.values()):
            self.stdout.write(f"vocabulary: added {added}")
        if not Trial.objects.exists():
            self.stdout.write(f"No trials yet: loading the starter data from {FIXTURE_SOURCES}")
            call_command("import_trials", str(FIXTURE_SOURCES))
        if opts["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            "To create an admin user: .venv/bin/python manage.py createsuperuser "
            f"(then open /{settings.ADMIN_URL})"
        )
        if opts["command"]:
            sys.stdout.flush()
            os.execvp(opts["command"][0], opts["command"])  # noqa: S606 - our own Makefile line
