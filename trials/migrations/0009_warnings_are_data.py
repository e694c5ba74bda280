"""Warnings become data: each stored sentence ("status: unmapped 'X' read as UNKNOWN") becomes
{"field", "code", "raw", "message"}, in the merged records (Trial.record) and the sources'
(SourceRecord.record). The message keeps the sentence, so curators read what they read before;
the unmapped-values queue reads the code, the field and the raw value.

Each known sentence gives exactly what today's readers give (trials/readers/legacy_warnings.py),
so a re-import after the migration finds the records unchanged. Only rows with a sentence left
are rewritten, and only their `warnings` (jsonb_set). Backwards: the messages again.
"""

import json

from django.db import migrations

from trials.readers.legacy_warnings import from_message

TABLES = ("trials_trial", "trials_sourcerecord")
BATCH = 1000


def _convert(apps, schema_editor, *, element_type, convert):
    connection = schema_editor.connection
    for table in TABLES:
        select = f"""
            SELECT id, record -> 'warnings' FROM {table}
            WHERE jsonb_typeof(record -> 'warnings') = 'array'
              AND EXISTS (SELECT 1 FROM jsonb_array_elements(record -> 'warnings') w
                          WHERE jsonb_typeof(w) = %s)
              AND id > %s
            ORDER BY id LIMIT %s
        """
        update = f"UPDATE {table} SET record = jsonb_set(record, '{{warnings}}', %s::jsonb) WHERE id = %s"
        after = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(select, [element_type, after, BATCH])
                rows = cursor.fetchall()
                if not rows:
                    break
                cursor.executemany(
                    update,
                    [
                        (json.dumps([convert(w) for w in _loaded(warnings)]), pk)
                        for pk, warnings in rows
                    ],
                )
            after = rows[-1][0]


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value


def _message(warning):
    return warning["message"] if isinstance(warning, dict) else warning


def forwards(apps, schema_editor):
    _convert(apps, schema_editor, element_type="string", convert=from_message)


def backwards(apps, schema_editor):
    _convert(apps, schema_editor, element_type="object", convert=_message)


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0008_trial_sponsor"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
