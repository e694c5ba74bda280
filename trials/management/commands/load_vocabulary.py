from django.core.management.base import BaseCommand

from trials.loading import vocab_tables


class Command(BaseCommand):
    help = "Add the terms of trials/vocab/*.json that the vocabulary tables do not have yet."

    def handle(self, *args, **opts):
        self.stdout.write(f"added: {vocab_tables.load()}")
