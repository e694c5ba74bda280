"""Keep a trial's search vector in its row, not in the TOAST table.

Ranking a word's matches (ts_rank_cd over up to engine.RANK_LIMIT trials) reads each match's
`search` vector. At ~2.6 kB (uncompressible) it went out of line: a TOAST index probe and two
chunks per trial. In the row (STORAGE MAIN, and rows up to half a page before the other long
columns are moved out: toast_tuple_target) ranking a 1% word's 1,000 matches at 100k trials
took 10 ms instead of 21 warm and 26 instead of 47 cold, and a common word's search page 92 ms
instead of 115 (docs/benchmarks.md, Session 8). `record` and the search text stay EXTENDED:
compressed, and out of line when the row is still too long. The table's own pages grow from
174 to 391 MB at 100k trials (the TOAST table shrinks as much).

Rows written before this keep their storage until rewritten: `VACUUM FULL trials_trial` (it
locks the table while it runs) converts them all at once.
"""

from django.db import migrations

INLINE = """
ALTER TABLE trials_trial SET (toast_tuple_target = 4096);
ALTER TABLE trials_trial ALTER COLUMN search SET STORAGE MAIN;
"""
BACK = """
ALTER TABLE trials_trial RESET (toast_tuple_target);
ALTER TABLE trials_trial ALTER COLUMN search SET STORAGE EXTENDED;
"""


class Migration(migrations.Migration):
    dependencies = [("trials", "0019_trial_change_before")]

    operations = [migrations.RunSQL(INLINE, BACK)]
