"""The search page and /healthz (the trial page is in trial_page.py, the JSON API in api.py)."""

from __future__ import annotations

import functools
from dataclasses import replace
from types import MappingProxyType

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal import replicas
from trials import freshness
from trials.search import cache, params, timeout
from trials.search.engine import PAGE_SIZE, Query, SearchResult, search
from trials.search.index import get_index, peek
from trials.search.timeout import TOO_SLOW_MESSAGE, TooSlow, bounded
from trials.search.timing import phase
from trials.web import exports, presenters, warm


def cached_by_data_version(view):
    """Serve a GET view's 200 answers from `cache.PAGES` while the data has not changed.

    The search page and the search API are pure functions of the query string and the data:
    the key is the URL and the facet index's change-log position, so an import or a curator's
    edit (which moves that position) is never hidden by the cache. A client pinned to the
    primary (portal/replicas.py: it has just written) is answered afresh: its rows are newer
    than those the cached answers were rendered from."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SEARCH_PAGE_CACHE or replicas.reads_primary(request):
            return _told(view(request, *args, **kwargs), "off")
        key = (request.path, request.META.get("QUERY_STRING", ""), get_index().seq)
        if hit := cache.PAGES.get(key):
            return _told(HttpResponse(hit[0], content_type=hit[1]), "hit")
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.PAGES.put(key, (response.content, response["Content-Type"]))
        return _told(response, "miss")

    return wrapper


def _told(response: HttpResponse, answer: str) -> HttpResponse:
    """With PORTAL_BENCHMARK=1 only: say whether the answer cache answered (`make bench` counts
    the X-Answer-Cache header per query type: hit, miss, or off when the cache is turned off)."""
    if settings.BENCHMARK:
        response["X-Answer-Cache"] = answer
    return response


def bounded_search(query: Query) -> SearchResult:
    """search(), its full-text work bounded by SEARCH_STATEMENT_TIMEOUT (timeout.py; raises
    TooSlow). Without words nothing is searched in the database but the page's rows."""
    if not query.q or not timeout.active():
        return search(query)
    # Built or brought up to date outside the bound (after an import that is real work); the
    # search's own get_index() then finds it fresh (within SEARCH_CACHE_SECONDS). So are the
    # vocabularies' phrases and readings a process builds once (warm.py).
    get_index()
    warm.searches_ready()
    with bounded():
        return search(query)


def _too_slow_page(request: HttpRequest, query: Query, errors: dict) -> HttpResponse:
    """The search page with no results and a notice saying what to do: 503 (not cached)."""
    empty = SearchResult((), 0, 1, 1, MappingProxyType({}))
    context = presenters.search_page(query, empty, request.GET, errors)
    context["too_slow"] = TOO_SLOW_MESSAGE
    return render(request, "trials/search.html", context, status=503)


@require_safe
@replicas.readable
@cached_by_data_version
def search_page(request: HttpRequest) -> HttpResponse:
    with phase("parse"):
        query, errors = params.parse(request.GET)
    errors.pop("page_size", None)  # the API's and the exports': the page shows PAGE_SIZE
    query = replace(query, page_size=PAGE_SIZE)
    try:
        result = bounded_search(query)
    except TooSlow:
        return _too_slow_page(request, query, errors)
    if result.id_match and not any(query.facets.values()):
        return redirect(result.id_match)
    with phase("present"):
        context = presenters.search_page(query, result, request.GET, errors)
        # The data version the search has just used (peek: no second look at the change log).
        version = peek().seq
        context["registry_updates"] = freshness.registry_updates(version)
        context["sync_running"] = freshness.sync_in_progress(version)
        # Taking the results away (issue 17): downloads, the feed, compare, a link to copy.
        context |= exports.links(request.GET, errors)
        context["share_url"] = request.build_absolute_uri()
        context["compare_max"] = settings.COMPARE_MAX_TRIALS
    with phase("render"):
        return render(request, "trials/search.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    # The primary, and this process's replica when there is one: a load balancer then takes a
    # machine whose replica is down out of service.
    try:
        for alias in dict.fromkeys([replicas.PRIMARY, replicas.replica_alias()]):
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
    except Exception:
        response = HttpResponse("database unavailable", status=503, content_type="text/plain")
        response["Retry-After"] = str(settings.DB_OUTAGE_RETRY_AFTER)
        return response
    return HttpResponse("ok", content_type="text/plain")
