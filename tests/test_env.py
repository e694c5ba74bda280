"""Malformed settings stop start-up with the variable's name, never fall back in silence."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_duration, env_float, env_int, env_list, env_memory

from .conftest import ROOT


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (lambda: env_int("PORTAL_TEST_VAR", 3), "6o"),
        (lambda: env_int("PORTAL_TEST_VAR", 3, minimum=0), "-1"),
        (lambda: env_bool("PORTAL_TEST_VAR"), "ture"),
        (lambda: env_float("PORTAL_TEST_VAR", 1.0), "1,5"),
        (lambda: env_float("PORTAL_TEST_VAR", 1.0), "nan"),
        (lambda: env_float("PORTAL_TEST_VAR", 1.0, minimum=0), "-0.5"),
        (lambda: env_memory("PORTAL_TEST_VAR", "32MB"), "32MB; DROP TABLE x"),
        (lambda: env_list("PORTAL_TEST_VAR", "a"), "localhost,,x"),
        (lambda: env_duration("PORTAL_TEST_VAR", "5min"), "5min -c fsync=off"),
    ],
)
def test_a_malformed_value_names_the_variable(monkeypatch, reader, value):
    monkeypatch.setenv("PORTAL_TEST_VAR", value)
    with pytest.raises(ImproperlyConfigured, match=r"^PORTAL_TEST_VAR="):
        reader()


def test_well_formed_values_and_defaults(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_VAR", raising=False)
    assert env_int("PORTAL_TEST_VAR", 3) == 3
    assert env_bool("PORTAL_TEST_VAR", True) is True
    assert env_float("PORTAL_TEST_VAR", 1.5) == 1.5
    assert env_memory("PORTAL_TEST_VAR", "32MB") == "32MB"
    monkeypatch.setenv("PORTAL_TEST_VAR", " 12 ")
    assert env_int("PORTAL_TEST_VAR", 3) == 12
    assert env_float("PORTAL_TEST_VAR", 1.0) == 12.0
    monkeypatch.setenv("PORTAL_TEST_VAR", "0.25")
    assert env_float("PORTAL_TEST_VAR", 1.0, minimum=0) == 0.25
    monkeypatch.setenv("PORTAL_TEST_VAR", "Off")
    assert env_bool("PORTAL_TEST_VAR", True) is False
    monkeypatch.setenv("PORTAL_TEST_VAR", "512kB")
    assert env_memory("PORTAL_TEST_VAR", "32MB") == "512kB"
    monkeypatch.setenv("PORTAL_TEST_VAR", "90s")
    assert env_duration("PORTAL_TEST_VAR", "5min") == "90s"


def test_settings_refuse_to_start_with_a_malformed_value():
    env = {**os.environ, "CONN_MAX_AGE": "sixty"}
    out = subprocess.run(
        [sys.executable, "-c", "from portal import settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "ImproperlyConfigured: CONN_MAX_AGE='sixty': expected a whole number" in out.stderr
