"""The rate limits' counters (trials/web/ratelimit.py): one row per client and kind of request.

UNLOGGED: no write-ahead log for a counter bumped on every request; a crash empties the table,
which only forgets the current window's counts. No model: the middleware's one statement is
all that reads or writes it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("trials", "0016_place_sites_from_gazetteer")]

    operations = [
        migrations.RunSQL(
            """
            CREATE UNLOGGED TABLE trials_rate_window (
                client text NOT NULL,
                kind text NOT NULL,
                window_no bigint NOT NULL,
                hits integer NOT NULL,
                PRIMARY KEY (client, kind)
            )
            """,
            "DROP TABLE trials_rate_window",
        )
    ]
