"""Issue 16 point 6: several web machines on one database. Two servers booted as `make serve`
boots them (`manage.py boot --collectstatic -- gunicorn ...`, without the job worker), on two
127.0.0.1 ports, share one PostgreSQL; a curator's edit, saved as the admin saves it
(trials.curation.edit_fields, in a process of its own), shows in the other server's search
counts within 5 s (each server follows the change log every SEARCH_CACHE_SECONDS, 2 by default).
"""

import os
import time

from .pgcluster import clusters
from .webservers import Server, api_count, manage, wait_for

WORD = "zanzibarite"  # in no seed trial
EDIT = f"""
from django.contrib.auth.models import User
from trials.curation import edit_fields
from trials.models import Trial
trial = Trial.objects.get(trial_id="NCT01408199")
edit_fields(trial, {{"title": trial.title + " ({WORD})"}}, User.objects.get(username="curator"))
"""


def test_an_edit_through_one_server_shows_in_the_others_counts_within_5_s(tmp_path):
    with clusters(replica=False) as (database,):
        env = {
            **os.environ,
            "DATABASE_URL": database.url(),
            "SECRET_KEY": "two-servers-test-key",  # shared, as machines behind one balancer
            "DJANGO_DEBUG": "0",
            "IMPORT_UPLOAD_DIR": str(tmp_path / "uploads"),
            "DJANGO_SUPERUSER_PASSWORD": "a long curator password 16",
        }
        env.pop("SEARCH_CACHE_SECONDS", None)  # the default, as deployed
        servers = []
        try:
            # One after the other: the first boot migrates and loads the seeds.
            for name in ("first", "second"):
                servers.append(Server(env, tmp_path / f"{name}.log"))
                servers[-1].wait_ready()
            first, second = servers
            manage(env, "createsuperuser", "--noinput", "--username=curator", "--email=c@x.org")
            assert api_count(first.base) == api_count(second.base) == 5
            assert api_count(second.base, f"q={WORD}") == 0

            manage(env, "shell", "-c", EDIT)
            edited = time.monotonic()
            wait_for(lambda: api_count(second.base, f"q={WORD}") == 1, 5, "not shown within 5 s")
            shown = time.monotonic() - edited
            assert api_count(first.base, f"q={WORD}") == 1
            print(f"the edit showed on the other server after {shown:.2f} s")
            assert shown <= 5
        finally:
            for server in servers:
                server.stop()
