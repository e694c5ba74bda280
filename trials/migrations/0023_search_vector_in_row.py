"""The search vector back in the row (STORAGE MAIN), the texts it is made from still out.

Ranking a word's matches reads each match's vector. From the TOAST table (a look-up in its
index, then two chunks a vector) that cost ~7 µs a match: the 1,016 trials of a word in 1% of
100,000 ranked in 7.5 ms; from the row in 3.1 ms, and a common word's page 26.7 -> 18.7 ms
(docs/benchmarks.md, session 11). Migration 0021 had moved the vector out so that a broad
word's matches visited few heap pages for their ids; broad words are now matched in process
(trials/search/lexemes.py), and a rarer word's few matches are on as many pages either way.
The heap grows (73 -> 410 MB at 100,000 trials; the table with its TOAST by 7%). A vector too
long for a page still moves out: MAIN leaves the row only as a last resort.

Rows stored before keep their layout until rewritten: VACUUM FULL rewrites them (18 s at
100,000 trials, an exclusive lock meanwhile; docs/deploy.md).
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction
    dependencies = [("trials", "0022_matching_ids_exact_bitmap")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE trials_trial ALTER COLUMN search SET STORAGE MAIN",
            "ALTER TABLE trials_trial ALTER COLUMN search SET STORAGE EXTERNAL",
        ),
        migrations.RunSQL("VACUUM (FULL, ANALYZE) trials_trial", migrations.RunSQL.noop),
    ]
