"""Content-Security-Policy on every kind of answer, and HSTS preload only when asked for
(issue 16 point 2). The browser tests (tests/conftest.py's `page`) fail on any violation."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User

from .conftest import ROOT

pytestmark = pytest.mark.django_db
CSP = "Content-Security-Policy"


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("keeper", password="x" * 20))
    return client


def _directives(header: str) -> dict[str, list[str]]:
    pairs = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in pairs}


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=psoriasis&country=ES",
        "/trials/NCT01408199/",
        "/api/trials/",
        "/api/trials/NCT01408199/",
        "/no-such-page/",
        "/admin/login/",
    ],
)
def test_every_page_carries_the_policy_and_the_portal_needs_no_nonce(client, url):
    header = client.get(url)[CSP]
    policy = _directives(header)
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert policy[directive][0] == "'self'"
        assert "'unsafe-inline'" not in policy[directive]
    if not url.startswith("/admin/"):
        assert "nonce-" not in header  # the portal's own pages have nothing inline


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/trials/trial/", "/admin/trials/trial/?status__exact=RECRUITING"],
)
def test_admin_pages_carry_the_policy_with_their_nonce(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    policy = _directives(response[CSP])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    nonces = [value for value in policy["script-src"] if value.startswith("'nonce-")]
    # Django admin marks its own elements with the nonce; the same one for scripts and styles.
    assert len(nonces) == 1 and nonces[0] in policy["style-src"]
    nonce = nonces[0].removeprefix("'nonce-").rstrip("'")
    assert f'nonce="{nonce}"' in response.content.decode()


def test_templates_have_no_inline_script_or_style():
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "jinja2").rglob("*.html")]:
        text = path.read_text()
        for needle in ("<style", "style=", " onclick=", " onload=", " onchange=", " onsubmit="):
            assert needle not in text, f"{path}: {needle}"
        for line in text.splitlines():
            if "<script" in line:
                assert "src=" in line, f"{path}: inline script: {line.strip()}"


def _hsts(extra_env: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_HSTS_PRELOAD"}
    env.update({"DJANGO_HTTPS": "1", **extra_env})
    code = "from portal import settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()


def test_hsts_preload_only_when_asked_for():
    assert _hsts({}) == ["31536000", "False"]
    assert _hsts({"DJANGO_HSTS_PRELOAD": "1"}) == ["31536000", "True"]
