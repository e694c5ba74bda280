"""Roles and safety: the curator group, login throttling, the admin URL, the history."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from trials import curation
from trials.loading.loader import Loader
from trials.models import Trial

from .conftest import ROOT

pytest_plugins = ["tests.curators"]  # the curator fixtures
pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/trials/trial/",
        "/admin/trials/importrun/add/",
        "/admin/trials/valuemapping/unmapped/",
        "/admin/trials/possibleduplicate/",
        "/admin/trials/condition/add/",
        "/admin/trials/drug/",
    ],
)
def test_curators_reach_every_curation_screen(curator_client, url):
    assert curator_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"]
)
def test_curators_cannot_manage_users(curator_client, url):
    assert curator_client.get(url).status_code == 403


def test_the_curator_group_holds_no_auth_permission():
    perms = Group.objects.get(name="curator").permissions.values_list(
        "content_type__app_label", flat=True
    )
    assert set(perms) == {"trials"}


def test_staff_without_the_group_see_no_curation_screen(client):
    user = User.objects.create_user("bystander", password="x" * 20, is_staff=True)
    client.force_login(user)
    assert client.get("/admin/trials/trial/").status_code == 403
    assert client.get("/admin/trials/valuemapping/unmapped/").status_code == 403


def _login(client, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": "cura", "password": password}, REMOTE_ADDR=ip)


def test_the_login_is_throttled_after_five_failures(client, curator):
    for _ in range(5):
        assert "correct username" in _login(client, "wrong").content.decode()
    response = _login(client, "a long curator password")
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not held back; a success clears that address's count.
    assert _login(client, "a long curator password", ip="10.0.0.2").status_code == 302


def test_a_successful_login_resets_the_count(client, curator):
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "a long curator password").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "a long curator password").status_code == 302


def test_the_admin_url_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.urls import reverse;"
        "print(reverse('admin:index'), reverse('admin:trials_unmapped'))"
    )
    env = {**os.environ, "ADMIN_URL": "backroom-7f3", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["/backroom-7f3/", "/backroom-7f3/trials/valuemapping/unmapped/"]


def test_every_curation_shows_in_the_trial_history(curator_client, curator):
    trial = Trial.objects.get(trial_id="NCT01408199")
    curation.edit_fields(trial, {"sponsor": "Curated sponsor"}, curator)
    curation.unlock(trial, user=curator)
    trial.sources.update(record={**trial.sources.get().record, "enrollment": 1})
    Loader().rebuild(trial)  # as an older reader had it
    curation.renormalize([trial], curator)
    html = curator_client.get(f"/admin/trials/trial/{trial.pk}/history/").content.decode()
    for text in ("Edited and locked sponsor", "Unlocked sponsor", "Re-normalized"):
        assert text in html
