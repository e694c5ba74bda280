"""A small per-process cache of rendered search answers, valid while the data is unchanged.

The search page and the search API are pure functions of the query string and the data: the
key is the URL and the facet index's change-log position, so an import or a curator edit
(which moves that position) is never hidden by the cache. Entries also expire after TTL
seconds, which bounds how long a vocabulary label edit takes to show. Only 200 answers are
kept; the memory is bounded by entry count and bytes.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.http import HttpResponse

from trials.facetindex import get_index

TTL = 60.0
MAX_BYTES = 32 * 1024 * 1024

_entries: OrderedDict[tuple, tuple[float, bytes, str]] = OrderedDict()
_bytes = 0
_lock = threading.Lock()


def clear() -> None:
    global _bytes
    with _lock:
        _entries.clear()
        _bytes = 0


def _get(key: tuple) -> tuple[bytes, str] | None:
    with _lock:
        entry = _entries.get(key)
        if entry is None or time.monotonic() - entry[0] > TTL:
            return None
        _entries.move_to_end(key)
        return entry[1], entry[2]


def _put(key: tuple, content: bytes, content_type: str) -> None:
    global _bytes
    with _lock:
        _entries[key] = (time.monotonic(), content, content_type)
        _bytes += len(content)
        while _entries and (len(_entries) > settings.SEARCH_PAGE_CACHE or _bytes > MAX_BYTES):
            _, (_, old, _) = _entries.popitem(last=False)
            _bytes -= len(old)


def by_data_version(view):
    """Serve a GET view's 200 answers from the cache while the data has not changed."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SEARCH_PAGE_CACHE:
            return view(request, *args, **kwargs)
        key = (request.path, request.META.get("QUERY_STRING", ""), get_index().seq)
        if hit := _get(key):
            return HttpResponse(hit[0], content_type=hit[1])
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            _put(key, response.content, response["Content-Type"])
        return response

    return wrapper
