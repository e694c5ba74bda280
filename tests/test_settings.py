"""Security basics: DEBUG off by default, production settings pass `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from portal import pgembed

from .conftest import ROOT


def test_debug_is_off_unless_asked_for():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    out = subprocess.run(
        [sys.executable, "-c", "from portal import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_check_deploy_is_clean_with_production_settings():
    db = settings.DATABASES["default"]
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
        },
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_HTTPS": "1",
        "ALLOWED_HOSTS": "trials.example.org",
        "DATABASE_URL": pgembed.url_for(Path(db["HOST"]), db["PORT"], db["NAME"]),
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_database_url_overrides_the_embedded_server():
    env = {**os.environ, "DATABASE_URL": "postgres://alice:secret@db.example.org:6543/trials"}
    code = (
        "from portal import settings; d = settings.DATABASES['default'];"
        "print(d['HOST'], d['PORT'], d['NAME'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["db.example.org", "6543", "trials"]
