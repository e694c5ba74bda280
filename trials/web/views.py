"""The search page, the JSON API and /healthz (the trial page is in trial_page.py)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from trials import freshness
from trials.search import cache, params
from trials.search.engine import PAGE_SIZE, Hit, search
from trials.search.index import get_index, peek
from trials.web import exports, presenters
from trials.web.trial_page import lookup


def _cached_by_data_version(view):
    """Serve a GET view's 200 answers from `cache.PAGES` while the data has not changed.

    The search page and the search API are pure functions of the query string and the data:
    the key is the URL and the facet index's change-log position, so an import or a curator's
    edit (which moves that position) is never hidden by the cache."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SEARCH_PAGE_CACHE:
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


@require_GET
@_cached_by_data_version
def search_page(request: HttpRequest) -> HttpResponse:
    query, errors = params.parse(request.GET)
    result = search(query)
    if result.id_match and not any(query.facets.values()):
        return redirect(result.id_match)
    context = presenters.search_page(query, result, request.GET, errors)
    # The data version the search has just used (peek: no second look at the change log).
    version = peek().seq
    context["registry_updates"] = freshness.registry_updates(version)
    context["sync_running"] = freshness.sync_in_progress(version)
    # Taking the results away (issue 17): downloads, the feed, compare, a link to copy.
    context |= exports.links(request.GET, errors)
    context["share_url"] = request.build_absolute_uri()
    context["compare_max"] = settings.COMPARE_MAX_TRIALS
    return render(request, "trials/search.html", context)


# --- JSON API ------------------------------------------------------------------------------


def _isoformat(value) -> str | None:
    return value.isoformat() if value else None


def _result_json(request: HttpRequest, trial: Hit, synced: dict) -> dict:
    return {
        "trial_id": trial.trial_id,
        "key": trial.key,
        "title": trial.title,
        "status": trial.status,
        "phases": trial.phases,
        "conditions": trial.conditions,
        "drugs": trial.drugs,
        "countries": trial.countries,
        "refractory": trial.is_refractory,
        "study_type": trial.study_type,
        "enrollment": trial.enrollment,
        "start": trial.start_date.isoformat() if trial.start_date else None,
        "last_updated": trial.last_updated.isoformat() if trial.last_updated else None,
        "status_verified": _isoformat(trial.status_verified),
        "status_unconfirmed": trial.status_unconfirmed,
        "last_synced": _isoformat(synced.get(trial.pk)),
        "url": request.build_absolute_uri(trial.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api_trial", args=[trial.key])),
        # With `near`: the site nearest the place (distance in km, one decimal); else null.
        "nearest_site": _nearest_json(trial.nearest_site),
    }


def _near_json(query) -> dict | None:
    if query.near is None:
        return None
    lat, lon = query.near
    return {"place": query.near_label, "lat": lat, "lon": lon, "within_km": query.within}


def _nearest_json(site) -> dict | None:
    if site is None:
        return None
    return {
        "name": site.facility,
        "city": site.city,
        "region": site.region,
        "country": site.country,
        "distance_km": round(site.distance_km, 1),
    }


@require_GET
@_cached_by_data_version
def api_search(request: HttpRequest) -> JsonResponse:
    query, errors = params.parse(request.GET)
    if errors:
        name, message = next(iter(errors.items()))
        error = {"code": getattr(message, "code", "invalid_parameter"), "parameter": name}
        error["message"] = message
        if choices := getattr(message, "choices", ()):
            error["choices"] = list(choices)  # an ambiguous place: texts that are one place each
        return JsonResponse({"error": error, "errors": errors}, status=400)
    result = search(query)
    synced = freshness.last_synced(hit.pk for hit in result.trials)
    return JsonResponse(
        {
            "count": result.count,
            # With `near`: the place understood, and how far from it (km).
            "near": _near_json(query),
            "page": result.page,
            "pages": result.pages,
            "page_size": PAGE_SIZE,
            # No trial had all the words of `q`: these have some of them, best first.
            "relaxed": result.relaxed,
            # Words of `q` read as filters (applied like the parameters), and the words searched.
            "understood": [
                {"parameter": reading.parameter, "value": reading.value, "from": reading.said}
                for reading in query.understood
            ],
            "searched": query.q,
            # No trial is about the terms `q` names: this many mention them only in passing.
            "mentioned_in_passing": result.passing,
            "results": [_result_json(request, hit, synced) for hit in result.trials],
            "facets": {
                name: [
                    {"value": value.value, "label": value.label, "count": value.count}
                    for value in values
                ]
                for name, values in result.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def api_trial(request: HttpRequest, key: str) -> JsonResponse:
    trial = lookup(key)
    if trial.key != key:
        return redirect(reverse("api_trial", args=[trial.key]), permanent=True)
    body = {
        **trial.record,
        "key": trial.key,
        "url": request.build_absolute_uri(trial.get_absolute_url()),
        "provenance": trial.provenance,
        "conflicts": trial.conflicts,
        "locked_fields": trial.locked_fields,
        # The stored column: the most recent date any source gives (a record stored before
        # the field existed has none of its own).
        "status_verified": _isoformat(trial.status_verified),
        "status_unconfirmed": trial.status_unconfirmed,
        "last_synced": _isoformat(freshness.last_synced([trial.pk]).get(trial.pk)),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
