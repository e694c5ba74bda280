"""Issue 16 point 5: a real streaming replica serves the public reads (DATABASE_REPLICA_URLS).

A throw-away primary cluster and a hot standby made from it with `pg_basebackup -R`
(tests/pgcluster.py), a gunicorn server booted as `make serve` boots it, with DATABASE_URL on the
primary and DATABASE_REPLICA_URLS on the replica. What it shows:

- the reads come from the replica: with the replica's replay paused, an import on the primary
  stays out of the search and the trial page;
- read-your-writes: a curator (who has just logged in: a POST) sees the new trial and their
  own edit at once;
- an import on the primary shows through the replica within SEARCH_CACHE_SECONDS plus the
  replication lag measured (the primary's pg_current_wal_lsn() against the replica's
  pg_last_wal_replay_lsn()).

Both clusters and the server are stopped whatever happens.
"""

import json
import os
import time

import pytest

from .pgcluster import clusters, replication_lag
from .webservers import ROOT, Server, api_count, get, logged_in, manage, wait_for

DATA = ROOT / "tests" / "data" / "ctgov-json" / "in"
NEW_TITLE = "Retitled by a curator"
RETITLE = f"""
from django.contrib.auth.models import User
from trials.curation import edit_fields
from trials.models import Trial
curator = User.objects.get(username="curator")
edit_fields(Trial.objects.get(trial_id="NCT01408199"), {{"title": "{NEW_TITLE}"}}, curator)
"""
FRESHNESS = 1  # SEARCH_CACHE_SECONDS of the server under test
# What a poll adds on top of the bound: its own interval, the request, a busy shared machine.
SLACK = 1.5


@pytest.fixture
def cluster_pair():
    with clusters(replica=True) as (primary, replica):
        yield primary, replica


def _title(base: str, trial_id: str, opener=None) -> str:
    status, body = get(f"{base}/api/trials/", opener)
    assert status == 200
    return next(hit["title"] for hit in json.loads(body)["results"] if hit["trial_id"] == trial_id)


def test_reads_come_from_a_streaming_replica_and_a_curator_reads_their_writes(
    cluster_pair, tmp_path
):
    primary, replica = cluster_pair
    env = {
        **os.environ,
        "DATABASE_URL": primary.url(),
        "DATABASE_REPLICA_URLS": replica.url(),
        "SEARCH_CACHE_SECONDS": str(FRESHNESS),
        "SEARCH_PAGE_CACHE": "256",
        "SECRET_KEY": "replica-test-key",
        "DJANGO_DEBUG": "0",
        "IMPORT_UPLOAD_DIR": str(tmp_path / "uploads"),
        "DJANGO_SUPERUSER_PASSWORD": "a long curator password 16",
    }
    on_primary = {**env, "DATABASE_REPLICA_URLS": ""}
    server = Server(env, tmp_path / "server.log")  # boot migrates and loads the five seeds
    try:
        server.wait_ready()
        manage(on_primary, "createsuperuser", "--noinput", "--username=curator", "--email=c@x.org")
        replication_lag(primary, replica)
        assert api_count(server.base) == 5
        # The server's database sessions for searches are on the replica.
        sessions = replica.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'portal'"
            " AND backend_type = 'client backend'"
        )
        assert sessions >= 1

        # Replay paused: the replica stays where it is, the primary moves on.
        replica.query("SELECT pg_wal_replay_pause()::text")
        manage(on_primary, "import_trials", "--all", str(DATA / "single-study.json"))
        assert primary.query("SELECT count(*) FROM trials_trial", "portal") == 6
        time.sleep(FRESHNESS + 0.5)
        assert api_count(server.base) == 5, "a search read the primary"
        assert get(f"{server.base}/trials/NCT09000001/")[0] == 404
        # A curator who has just written (logging in is a POST) reads the primary at once.
        curator = logged_in(server.base, "curator", env["DJANGO_SUPERUSER_PASSWORD"])
        status, page = get(f"{server.base}/trials/NCT09000001/", curator)
        assert status == 200 and b"NCT09000001" in page
        assert get(f"{server.base}/api/trials/NCT09000001/", curator)[0] == 200
        assert get(f"{server.base}/trials/NCT09000001/")[0] == 404, "others still read the replica"
        # The curator's edit, saved as the admin saves it: their search rows show it at once.
        manage(on_primary, "shell", "-c", RETITLE)
        assert _title(server.base, "NCT01408199", curator) == NEW_TITLE
        assert _title(server.base, "NCT01408199") != NEW_TITLE
        replica.query("SELECT pg_wal_replay_resume()::text")
        wait_for(lambda: api_count(server.base) == 6, FRESHNESS + 10, "replay did not resume")

        # Streaming: an import shows within the freshness bound plus the lag measured.
        manage(on_primary, "import_trials", "--all", str(DATA / "download-array-2.json"))
        imported = time.monotonic()
        lag = replication_lag(primary, replica)
        wait_for(lambda: api_count(server.base) == 8, 30, "the import never showed")
        shown = time.monotonic() - imported
        print(f"replication lag {lag * 1000:.0f} ms; import visible after {shown:.2f} s")
        assert shown <= FRESHNESS + lag + SLACK
        assert get(f"{server.base}/trials/NCT09000002/")[0] == 200
    finally:
        server.stop()
