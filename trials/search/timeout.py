"""A bound on a search's full-text work: SEARCH_STATEMENT_TIMEOUT per statement, and
SEARCH_TIME_BUDGET for all of them.

A new `q` misses every cache and costs the database real time (~0.4 s at 80,000 trials, more
for words in every trial); a flood of distinct queries must not tie up the database for
everyone. Inside `bounded()` each statement may run at most SEARCH_STATEMENT_TIMEOUT (a
PostgreSQL duration, `0` = no bound): `SET LOCAL statement_timeout` in a transaction of its
own, so the bound ends with the search. A statement cancelled by it raises `TooSlow`, which the
page and the API turn into "search took too long — add a word or a filter". The bound is set on
the connection the full text runs on (`search_connection()`: this process's replica, when
there are replicas). A search runs several statements; once SEARCH_TIME_BUDGET seconds have
passed since it began, it starts no other and raises `TooSlow` (a hostile tester's 500
characters of drug classes once took 19 s in statements each under the bound).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import OperationalError, transaction

from portal.replicas import search_connection

TOO_SLOW_MESSAGE = "Search took too long — add a word or a filter to narrow it."
_OFF = re.compile(r"0+\s*[a-z]*")


class TooSlow(Exception):
    """A search's statement ran past SEARCH_STATEMENT_TIMEOUT and was cancelled."""


def active() -> bool:
    limit = settings.SEARCH_STATEMENT_TIMEOUT
    return bool(limit) and not _OFF.fullmatch(limit)


@contextmanager
def bounded() -> Iterator[None]:
    if not active():
        yield
        return
    limit = settings.SEARCH_STATEMENT_TIMEOUT
    connection = search_connection()
    nested = connection.in_atomic_block  # a caller's transaction (tests): restore it after
    deadline = time.monotonic() + settings.SEARCH_TIME_BUDGET

    def within_budget(execute, sql, params, many, context):
        if time.monotonic() > deadline:
            raise TooSlow(TOO_SLOW_MESSAGE)
        return execute(sql, params, many, context)

    try:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'),"
                    " set_config('statement_timeout', %s, true)",
                    [limit],
                )
                before = cursor.fetchone()[0]
            with connection.execute_wrapper(within_budget):
                yield
            if nested:  # a savepoint's release would keep the bound for the rest of it
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
    except OperationalError as error:
        if isinstance(error.__cause__, psycopg.errors.QueryCanceled):
            raise TooSlow(TOO_SLOW_MESSAGE) from error
        raise
