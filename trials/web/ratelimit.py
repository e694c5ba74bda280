"""Requests per client address and window, on the pages, the API and the exports.

Counted in PostgreSQL, which every worker and machine shares: one UNLOGGED table (migration
`rate_limit_counter`: losing it in a crash loses only the current window's counts) holding a
fixed-window counter per client and kind of request, bumped by one `INSERT … ON CONFLICT DO
UPDATE … RETURNING` (one round trip per request). Over the limit the answer is 429 with
Retry-After (the seconds left in the window): JSON under /api/, a plain page elsewhere, neither
touching the database again.

The kinds and their settings (requests per RATE_LIMIT_WINDOW seconds; 0 turns one off):
RATE_LIMIT_API (/api/), RATE_LIMIT_EXPORTS (/export/, /feeds/), RATE_LIMIT_PAGES (the rest).
Not counted: static files (whitenoise answers them before this middleware), /healthz, and the
admin, which has its own login throttle and serves only signed-in curators.

A request without a client address (a server on a unix socket, no trusted proxy set) is not
counted: one shared count would refuse every client at once. Behind a proxy, set
TRUSTED_PROXY_COUNT, or every client is counted as the proxy.

Should the database fail, requests are let through (the view then answers 503 itself: see
portal/outage.py): the limiter never turns an outage into a refusal of its own.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from portal.client import client_address, client_key

logger = logging.getLogger(__name__)

# One statement: the client's count in the current window (restarted when the window moved on)
# and the seconds left in it, by the database's clock, which every machine shares.
_COUNT = """
INSERT INTO trials_rate_window AS counted (client, kind, window_no, hits)
VALUES (%(client)s, %(kind)s, floor(extract(epoch FROM now()) / %(window)s)::bigint, 1)
ON CONFLICT (client, kind) DO UPDATE SET
    hits = CASE WHEN counted.window_no = EXCLUDED.window_no THEN counted.hits + 1 ELSE 1 END,
    window_no = EXCLUDED.window_no
RETURNING hits, %(window)s - mod(extract(epoch FROM now()), %(window)s), window_no
"""
# Counters of windows gone by: deleted once a window by each process (a client that stopped
# coming leaves one row, for at most two windows).
_SWEEP = "DELETE FROM trials_rate_window WHERE window_no < %s"


def kind_of(path: str) -> str | None:
    """Which limit a path counts against; None: not counted."""
    if path == "/healthz" or path.startswith(("/" + settings.STATIC_URL.lstrip("/"),)):
        return None
    if path.startswith("/" + settings.ADMIN_URL):
        return None
    if path.startswith("/api/"):
        return "api"
    if path.startswith(("/export/", "/feeds/")):
        return "exports"
    return "pages"


def limit_for(kind: str) -> int:
    return {
        "api": settings.RATE_LIMIT_API,
        "exports": settings.RATE_LIMIT_EXPORTS,
        "pages": settings.RATE_LIMIT_PAGES,
    }[kind]


class RateLimitMiddleware:
    """429 for a client over its kind's limit in the current window (see the module's doc)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.swept_before = 0  # windows before this one are swept (per process)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = kind_of(request.path)
        limit = limit_for(kind) if kind else 0
        client = client_key(client_address(request)) if limit else None
        if client is not None:
            counted = self._count(client, kind)
            if counted and counted[0] > limit:
                return too_many(request, kind, counted[1])
        return self.get_response(request)

    def _count(self, client: str, kind: str) -> tuple[int, int] | None:
        window = settings.RATE_LIMIT_WINDOW
        try:
            with connection.cursor() as cursor:
                cursor.execute(_COUNT, {"client": client, "kind": kind, "window": window})
                hits, left, window_no = cursor.fetchone()
                if window_no - 1 > self.swept_before:
                    self.swept_before = window_no - 1
                    cursor.execute(_SWEEP, [self.swept_before])
        except DatabaseError as error:  # the database is away: let the view answer (503)
            logger.warning("rate limit not counted: %s", error)
            return None
        return hits, max(1, math.ceil(left))


def too_many(request: HttpRequest, kind: str, retry_after: int) -> HttpResponse:
    limit, window = limit_for(kind), settings.RATE_LIMIT_WINDOW
    message = (
        f"Too many requests from your address: at most {limit} every {window} s. "
        f"Please wait {retry_after} s."
    )
    if kind == "api":
        body = {"error": {"code": "rate_limited", "message": message, "parameter": None}}
        response = JsonResponse(body, status=429)
    else:
        # No request context: nothing of the page may reach the database again.
        page = loader.get_template("429.html").render({"message": message})
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
