"""trials_matching_ids(tsquery) with room for an exact bitmap of its matches (work_mem 32 MB).

The GIN index answers with a bitmap of the matching rows. Past `work_mem` (PostgreSQL's 4 MB
by default) the bitmap turns lossy: whole pages instead of rows, every row of those pages then
read again and its search vector detoasted to be tested. At a million trials a word in a fifth
of them (200,000 rows on ~90,000 pages) took 5.5-11.5 s so; with an exact bitmap, 0.7-0.8 s
(docs/benchmarks.md, Session 9). An exact bitmap holds ~100 bytes a heap page: 32 MB is room
for ~3 million trials. The memory is taken only as the bitmap grows, for this statement alone.
"""

from django.db import migrations

BODY = "AS $$ SELECT string_agg(id::text, ',') FROM trials_trial WHERE search @@ query $$;"
HEAD = """
CREATE OR REPLACE FUNCTION trials_matching_ids(query tsquery) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off
"""
EXACT = HEAD + "SET work_mem = '32MB'\n" + BODY
BEFORE = HEAD + BODY  # as migration 0020 made it


class Migration(migrations.Migration):
    dependencies = [("trials", "0021_trial_narrow_heap")]

    operations = [migrations.RunSQL(EXACT, BEFORE)]
