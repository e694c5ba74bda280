"""Reading settings from the environment: a malformed value stops start-up, naming the variable.

A typo such as `CONN_MAX_AGE=6o` or `DJANGO_DEBUG=ture` used to fall back to the default in
silence; a deployment then ran with settings nobody chose. Each reader here raises
`ImproperlyConfigured` with the variable's name, the value and what was expected.
"""

from __future__ import annotations

import math
import os
import re

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})
# PostgreSQL memory units (https://www.postgresql.org/docs/current/config-setting.html).
MEMORY = re.compile(r"\d+\s*(?:B|kB|MB|GB|TB)?")
DURATION = re.compile(r"\d+\s*(?:us|ms|s|min|h|d)?")


def _bad(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r}: expected {expected}")


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise _bad(name, raw, "1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, raw, "a whole number") from None
    if minimum is not None and value < minimum:
        raise _bad(name, raw, f"a whole number of at least {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise _bad(name, raw, "a number") from None
    if not math.isfinite(value):
        raise _bad(name, raw, "a finite number")
    if minimum is not None and value < minimum:
        raise _bad(name, raw, f"a number of at least {minimum:g}")
    return value


def env_memory(name: str, default: str) -> str:
    """A PostgreSQL memory setting such as `32MB` (checked, since it is passed to the server)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    if not MEMORY.fullmatch(raw.strip()):
        raise _bad(name, raw, "a PostgreSQL memory size such as 32MB")
    return raw.strip()


def env_duration(name: str, default: str) -> str:
    """A PostgreSQL time setting such as `5min` (checked, since it is passed to the server)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    if not DURATION.fullmatch(raw.strip()):
        raise _bad(name, raw, "a PostgreSQL duration such as 5min, 300s or 0 (off)")
    return raw.strip().replace(" ", "")


def env_list(name: str, default: str) -> list[str]:
    raw = os.environ.get(name, default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise _bad(name, raw, "a comma-separated list with no empty items")
    return items
