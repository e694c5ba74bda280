"""The benchmark's yardstick page exists only on the benchmark's own server."""

import os
import subprocess
import sys

from .conftest import ROOT


def test_production_does_not_serve_the_ceiling_page(client):
    assert client.get("/bench/ceiling").status_code == 404


def test_the_benchmark_server_does():
    code = (
        "import django; django.setup(); from django.urls import resolve;"
        "print(resolve('/bench/ceiling').url_name)"
    )
    env = {**os.environ, "PORTAL_BENCHMARK": "1", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip().splitlines()[-1] == "ceiling", out.stderr
