"""Migration 0009: warnings stored as sentences become data, exactly what today's readers give,
so curators read the same and a re-import finds nothing changed."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection

from trials.models import SourceRecord, Trial

from .conftest import SEEDS

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("trials.migrations.0009_warnings_are_data")


def _as_sentences() -> None:
    """The stored records as they were before warnings were data."""
    for table in ("trials_trial", "trials_sourcerecord"):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET record = jsonb_set(record, '{{warnings}}',
                    (SELECT coalesce(jsonb_agg(w -> 'message'), '[]')
                     FROM jsonb_array_elements(record -> 'warnings') w))
                    WHERE jsonb_array_length(record -> 'warnings') > 0"""  # noqa: S608 (table names)
            )


def _warnings() -> dict:
    trials = dict(Trial.objects.values_list("key", "record__warnings"))
    sources = dict(SourceRecord.objects.values_list("source_key", "record__warnings"))
    return {"trials": trials, "sources": sources}


def _migrate(direction) -> None:
    with connection.schema_editor() as editor:
        direction(None, editor)


def test_stored_sentences_become_the_readers_warnings_and_back():
    now = _warnings()
    assert any(now["trials"].values()), "the seeds have warnings"
    _as_sentences()
    old = _warnings()
    assert all(isinstance(w, str) for ws in old["trials"].values() for w in ws)
    _migrate(MIGRATION.forwards)
    assert _warnings() == now
    _migrate(MIGRATION.backwards)
    assert _warnings() == old
    _migrate(MIGRATION.forwards)
    _migrate(MIGRATION.forwards)  # a second run finds nothing to do
    assert _warnings() == now


def test_after_the_migration_a_reimport_changes_nothing():
    before = list(Trial.objects.values_list("key", "modified").order_by("key"))
    _as_sentences()
    _migrate(MIGRATION.forwards)
    out = io.StringIO()
    call_command("import_trials", str(SEEDS), stdout=out)
    assert "unchanged: 5" in out.getvalue(), out.getvalue()
    assert list(Trial.objects.values_list("key", "modified").order_by("key")) == before


def test_the_unmapped_values_queue_reads_the_migrated_warnings(tmp_path):
    from trials import curation

    from .curators import import_studies, study

    import_studies(tmp_path, study("NCT09400001", status="Awaiting ethics"))
    _as_sentences()
    _migrate(MIGRATION.forwards)
    items = {(item.kind, item.raw): item.trials for item in curation.unmapped_values()}
    assert items[("status", "Awaiting ethics")] == 1
