"""Read replicas: which database each read goes to (`DATABASE_REPLICA_URLS`; none by default).

With replicas configured (portal/settings.py makes aliases `replica_1`, `replica_2`, ...):

- The public read views (search page, trial page, the API's reads) are wrapped in `readable`:
  their ORM reads go to a replica through `ReplicaRouter`.
- The facet index (trials/search/index.py), the full-text queries beside it and the search
  page's freshness lines read through `search_connection()`: the same replica, always. The
  index follows the change log on that replica, so its counts and the rows a page shows come
  from one copy of the data.
- Everything else reads and writes the primary (`default`): the admin, the job worker, imports,
  management commands, /healthz. Writes always go to the primary. (The search workers keep
  their change-log position in memory: they write nothing.)
- Read-your-writes: a request with an unsafe method that was not refused (a curator's save in
  the admin, a login) gets a signed cookie that pins that browser's reads to the primary for
  DATABASE_REPLICA_PIN_SECONDS; a curator sees their own edit at once on the trial page and in
  the rows of a search (answered afresh, not from the answer cache). The facet counts follow the
  replica, within SEARCH_CACHE_SECONDS plus the replication lag.

Each process reads from one replica, chosen at random on first use (a forked gunicorn worker
keeps its master's): the index it built and the rows it shows come from the same server.
With no replica configured, nothing here changes a query: every read goes to `default`.
"""

from __future__ import annotations

import contextvars
import functools
import random

from django.conf import settings
from django.db import connections

PRIMARY = "default"
PIN_COOKIE = "portal_primary"
PIN_SALT = "portal.replicas.pin"
# Whether the current request's ORM reads may go to a replica (set by `readable`).
_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("on_replica", default=False)
_chosen: list[str] = []


def aliases() -> list[str]:
    """The replica aliases configured (settings.DATABASE_REPLICAS), in order."""
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def replica_alias() -> str:
    """This process's replica (`default` when there is none)."""
    configured = aliases()
    if not configured:
        return PRIMARY
    if not _chosen or _chosen[0] not in configured:
        _chosen[:] = [random.choice(configured)]
    return _chosen[0]


def search_connection():
    """The connection the facet index, full-text queries and freshness lines read through."""
    return connections[replica_alias()]


class ReplicaRouter:
    """ORM reads of a `readable` view go to this process's replica; everything else, and every
    write, to the primary. Replicas are never migrated (they copy the primary)."""

    def db_for_read(self, model, **hints):
        return replica_alias() if _on_replica.get() else None

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db in aliases() else None


def pinned(request) -> bool:
    """Whether this client wrote recently (its pin cookie is valid and not expired)."""
    if PIN_COOKIE not in request.COOKIES:
        return False
    value = request.get_signed_cookie(
        PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.DATABASE_REPLICA_PIN_SECONDS
    )
    return value is not None


def reads_primary(request) -> bool:
    """Whether this request's reads are pinned to the primary while there are replicas."""
    return bool(aliases()) and pinned(request)


def readable(view):
    """A read-only view: its ORM reads go to a replica unless the client is pinned."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not aliases() or pinned(request):  # no replica, or the client has just written
            return view(request, *args, **kwargs)
        token = _on_replica.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _on_replica.reset(token)

    return wrapper


def pin_writers(get_response):
    """Middleware: a request that may have written (an unsafe method) pins its client's reads
    to the primary for DATABASE_REPLICA_PIN_SECONDS (read-your-writes). Without replicas it
    sets nothing."""

    def middleware(request):
        response = get_response(request)
        wrote = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if wrote and response.status_code < 400 and aliases():
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    return middleware
