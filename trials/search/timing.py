"""Where a request's time goes, by phase (issue 15 point 3), for `make bench` only.

With PORTAL_BENCHMARK=1, `ServerTimingMiddleware` records each request's phases and says them
in a `Server-Timing` header (`parse;dur=0.4, text;dur=12.1, …, db;dur=13.0, dbn;dur=3,
total;dur=31.2`, milliseconds; `dbn` is the number of database round trips). The bench's wrk
script adds them up per query type and prints the means (bench/drive.py, bench/report.py).

A phase's time is its own: a phase inside another (the text match inside the search) is taken
out of the outer one, so the phases add up to the request's time less what no phase covers.
`db` is the time spent waiting for the database, across phases (not added to them). Without
the middleware (production), `phase()` costs one context-variable read.
"""

from __future__ import annotations

import contextvars
import functools
import time
from contextlib import contextmanager

from django.db import connection

# The phases of the request being served: {name: seconds}, and the stack of open phases.
_current: contextvars.ContextVar[tuple[dict, list] | None] = contextvars.ContextVar(
    "phases", default=None
)


@contextmanager
def phase(name: str):
    state = _current.get()
    if state is None:
        yield
        return
    phases, stack = state
    stack.append(name)
    began = time.perf_counter()
    try:
        yield
    finally:
        spent = time.perf_counter() - began
        stack.pop()
        phases[name] = phases.get(name, 0.0) + spent
        if stack:  # the outer phase's own time excludes this one
            phases[stack[-1]] = phases.get(stack[-1], 0.0) - spent


def timed(name: str):
    """A function's calls as the phase `name`."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with phase(name):
                return function(*args, **kwargs)

        return wrapper

    return decorate


class ServerTimingMiddleware:
    """Installed first in MIDDLEWARE when PORTAL_BENCHMARK=1 (portal/settings.py)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        phases: dict[str, float] = {}
        database = [0, 0.0]  # round trips, seconds

        def waited(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                database[0] += 1
                database[1] += time.perf_counter() - began

        token = _current.set((phases, []))
        began = time.perf_counter()
        try:
            with connection.execute_wrapper(waited):
                response = self.get_response(request)
        finally:
            _current.reset(token)
        total = time.perf_counter() - began
        said = [f"{name};dur={seconds * 1000:.2f}" for name, seconds in phases.items()]
        said += [f"db;dur={database[1] * 1000:.2f}", f"dbn;dur={database[0]}"]
        response["Server-Timing"] = ", ".join([*said, f"total;dur={total * 1000:.2f}"])
        return response
