"""trials_matching_ids(tsquery): the ids of the trials matching a query, found through the
search vector's GIN index.

For a word in a third of the trials the planner prefers a sequential scan, which reads every
trial's vector out of the TOAST table: 1.2-1.5 s at 100k trials, where the index and the
matching rows' pages take 0.1-0.15 s (only the ids are read; docs/benchmarks.md, Session 8).
A function's own `SET` holds for its body alone, so the setting cannot leak into the rest of a
search, and it costs no extra statement (trials/search/fulltext.py calls it).
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION trials_matching_ids(query tsquery) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_seqscan = off
AS $$ SELECT string_agg(id::text, ',') FROM trials_trial WHERE search @@ query $$;
"""
DROP = "DROP FUNCTION trials_matching_ids(tsquery);"


class Migration(migrations.Migration):
    dependencies = [("trials", "0019_trial_change_before")]

    operations = [migrations.RunSQL(CREATE, DROP)]
