"""Answers while the database is away: 503 with Retry-After, never a 500.

Django calls `server_error` (portal/urls.py's handler500) for any exception a view or a
middleware did not handle. When the exception (or one it was raised from) is the database's
(`OperationalError`: the server refused or dropped the connection, is shutting down or
starting; `InterfaceError`: the connection is gone) the answer is 503 with Retry-After
(DB_OUTAGE_RETRY_AFTER seconds): JSON `{"error": {"code": "database_unavailable", …}}` under
/api/, otherwise a plain page rendered without the request (no context processor, session or
user: nothing of it needs the database). Anything else is the plain 500 page, as before.

Recovery needs no restart: each request takes a connection anew when the last one failed
(Django closes a connection that raised, and checks a reused one: `conn_health_checks`).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

UNAVAILABLE_MESSAGE = "The trials database is unavailable for a moment. Please try again shortly."


def database_is_away(error: BaseException | None) -> bool:
    """Whether `error`, or one it was raised from or during, is the database being away."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON under /api/ (the API's one error shape), a plain page elsewhere."""
    if request.path.startswith("/api/"):
        from trials.web.api import error  # here: settings' logging loads this module early

        response = error(503, "database_unavailable", UNAVAILABLE_MESSAGE)
    else:
        page = loader.get_template("503.html").render({"message": UNAVAILABLE_MESSAGE})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(settings.DB_OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 when the database is away, else the plain 500 page (JSON under /api/)."""
    if database_is_away(sys.exc_info()[1]):
        return unavailable(request)
    if request.path.startswith("/api/"):
        from trials.web.api import server_error as api_server_error

        return api_server_error(request)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class OutageRecords(logging.Filter):
    """Django's log record of a 503 answered because the database is away: one line (method,
    path, the database's message), not a traceback per request for as long as it lasts."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if getattr(record, "status_code", None) == 503 and database_is_away(error):
            record.msg = f"{record.msg} (database unavailable: %s)"
            record.args = (*(record.args or ()), str(error).strip().splitlines()[0][:200])
            record.exc_info, record.exc_text = None, None
        return True
