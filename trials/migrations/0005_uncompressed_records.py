"""Records and raw documents are stored uncompressed (TOAST storage EXTERNAL).

PostgreSQL compresses large values with pglz unless told otherwise, and pglz was a quarter of
the server's work on an import (perf, 5,000 CT.gov studies). lz4 would be as fast, but the
embedded server has no lz4. The cost is disk: about 5 KB more per trial (docs/benchmarks.md).
Values already stored keep their compression; new and updated ones are stored plain.
"""

from django.db import migrations

COLUMNS = [
    ("trials_trial", "record"),
    ("trials_sourcerecord", "record"),
    ("trials_rawdocument", "content"),
]


class Migration(migrations.Migration):
    dependencies = [("trials", "0004_curator_group")]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL" for table, column in COLUMNS],
            [f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTENDED" for table, column in COLUMNS],
        )
    ]
