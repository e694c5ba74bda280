"""A narrow trials_trial heap: the long columns (the record, provenance, conflicts, the text
the search vector is made from, the vector) live in the TOAST table, the columns that searches
and result lists read stay in the row.

A word in a fifth of the trials is matched through the search vector's GIN index, then every
matching row's heap page is visited for its id: with ~2.2 kB rows (the text columns and the
provenance inline) that was 14,000 of 22,000 pages at 100k trials, 170-210 ms; with ~0.7 kB rows
(8,800 pages) 52 ms (docs/benchmarks.md, Session 9). `toast_tuple_target` 128 makes PostgreSQL
move every EXTERNAL or EXTENDED column out of a row that it toasts at all (a row over 2 kB, as
a trial with a record of any size is): the texts and the vector (EXTERNAL since 0007), the
provenance and conflicts. The columns set to MAIN (the title and sponsor were EXTERNAL, 0007
and 0008) stay in the row, compressed if pglz gains anything, and leave it only if the row
would not fit in a page.

Rows stored before keep their layout until they are rewritten: the migration rewrites them
(VACUUM FULL, which cannot run in a transaction: the migration is not atomic). It holds an
exclusive lock on trials_trial meanwhile: 75 s at 100,000 trials, 25 min at a million
(docs/deploy.md).
"""

from django.db import migrations

# Read by the facet index, the result lists and the trial cards (tests/test_storage.py keeps
# this list in step with them).
INLINE = (
    "key",
    "trial_id",
    "title",
    "status",
    "study_type",
    "sex",
    "sponsor",
    "phases",
    "conditions",
    "drugs",
    "drug_classes",
    "prior_therapies",
    "countries",
    "registries",
    "locked_fields",
)


def _storage(kind: str) -> str:
    columns = ", ".join(f"ALTER COLUMN {name} SET STORAGE {kind}" for name in INLINE)
    return f"ALTER TABLE trials_trial {columns};"


NARROW = "ALTER TABLE trials_trial SET (toast_tuple_target = 128);" + _storage("MAIN")
WIDE = "ALTER TABLE trials_trial RESET (toast_tuple_target);" + _storage("EXTENDED")


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction
    dependencies = [("trials", "0020_matching_ids_by_index")]

    operations = [
        migrations.RunSQL(NARROW, WIDE),
        migrations.RunSQL("VACUUM (FULL, ANALYZE) trials_trial", migrations.RunSQL.noop),
    ]
