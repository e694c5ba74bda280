"""Which database each request reads (portal/replicas.py), without a real replica: an alias
that does not exist stands for the replica, so a read sent there fails loudly. The real
streaming replica is tests/test_replica.py's."""

import os
import subprocess
import sys

import pytest
from django.db import router
from django.db.utils import ConnectionDoesNotExist

from portal import replicas
from trials.models import Trial

from .conftest import ROOT

pytestmark = pytest.mark.django_db

FAKE = "replica_fake"


@pytest.fixture
def fake_replica(settings):
    settings.DATABASE_REPLICAS = [FAKE]
    yield FAKE
    replicas._chosen.clear()


def test_with_no_replica_every_read_and_write_goes_to_default(client):
    assert replicas.aliases() == []
    assert router.db_for_read(Trial) == "default"
    assert router.db_for_write(Trial) == "default"
    assert replicas.search_connection().alias == "default"
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert replicas.PIN_COOKIE not in response.cookies, "no pinning without replicas"


def test_public_reads_go_to_the_replica_and_everything_else_to_the_primary(fake_replica, rf):
    seen = {}

    @replicas.readable
    def view(request):
        seen["read"] = router.db_for_read(Trial)
        seen["write"] = router.db_for_write(Trial)
        return None

    view(rf.get("/"))
    assert seen == {"read": FAKE, "write": "default"}
    assert router.db_for_read(Trial) == "default", "outside a public read view: the primary"
    assert router.allow_migrate(FAKE, "trials") is False
    assert router.allow_migrate("default", "trials") is True


def test_the_trial_page_reads_the_replica_unless_the_client_has_just_written(
    fake_replica, client, statuses_confirmed
):
    key = Trial.objects.order_by("pk").first().key
    with pytest.raises(ConnectionDoesNotExist):
        client.get(f"/trials/{key}/")  # sent to the (missing) replica
    # Any POST pins the client to the primary (logging in, a curator's save in the admin).
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.cookies[replicas.PIN_COOKIE]["max-age"] == 15
    assert response.cookies[replicas.PIN_COOKIE]["httponly"]
    assert client.get(f"/trials/{key}/").status_code == 200


def test_a_forged_or_expired_pin_is_ignored(fake_replica, client, settings):
    key = Trial.objects.order_by("pk").first().key
    client.cookies[replicas.PIN_COOKIE] = "1"  # unsigned
    with pytest.raises(ConnectionDoesNotExist):
        client.get(f"/trials/{key}/")
    client.post("/admin/login/", {"username": "x", "password": "y"})
    settings.DATABASE_REPLICA_PIN_SECONDS = -1  # the signature's age is over the limit
    with pytest.raises(ConnectionDoesNotExist):
        client.get(f"/trials/{key}/")


def test_the_facet_index_is_loaded_from_the_replica(fake_replica):
    from trials.search.index import get_index

    with pytest.raises(ConnectionDoesNotExist):
        get_index()


def test_healthz_fails_when_the_replica_does_not_answer(fake_replica, client):
    """A load balancer takes a machine whose replica is down out of service."""
    assert client.get("/healthz").status_code == 503


def _settings_with(replica_urls: str) -> subprocess.CompletedProcess:
    code = (
        "from portal import settings as s; print(s.DATABASE_REPLICAS);"
        "r = s.DATABASES['replica_2']; print(r['HOST'], r['NAME'], r['TEST']['MIRROR']);"
        "print(r['OPTIONS'] == s.DATABASES['default']['OPTIONS'])"
    )
    env = {**os.environ, "DATABASE_REPLICA_URLS": replica_urls}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_replica_urls_become_aliases_mirrored_in_tests():
    done = _settings_with("postgres://u@one:5432/portal, postgres://u@two:5433/portal")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == [
        "['replica_1', 'replica_2']",
        "two portal default",  # the test runner never creates or migrates a replica
        "True",  # work_mem and the idle-in-transaction timeout, as on the primary
    ]
    assert "DATABASE_REPLICA_URLS" in _settings_with("postgres://u@one/portal,,").stderr
