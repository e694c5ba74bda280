"""The JSON API: /api/trials/ (a search), /api/trials/<key>/ (one trial), /api/schema/ (its
OpenAPI 3.1 document, api_schema.py) and /api/ (a page generated from that document).

Every answer under /api/ is JSON with one error shape, `{"error": {"code", "message",
"parameter"}}` (`error()`), whatever went wrong: a bad or unknown parameter (400), a page past
the end or a missing trial (404), a method other than GET, HEAD and OPTIONS (405), a server
error (500, through portal/urls.py's handlers). `api_view` gives every endpoint the same HTTP:
HEAD and OPTIONS, CORS for any origin, ETag and Last-Modified from the data version with
304 Not Modified, Cache-Control.
"""

from __future__ import annotations

import datetime
import functools
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.views.decorators.csrf import csrf_exempt

from portal import replicas
from trials import freshness
from trials.models import trial_url
from trials.search import facets, params
from trials.search.engine import Hit
from trials.search.index import FacetIndex, get_index, peek
from trials.search.timeout import TOO_SLOW_MESSAGE, TooSlow
from trials.search.timing import phase
from trials.web import api_schema
from trials.web.trial_page import lookup
from trials.web.views import bounded_search, cached_by_data_version

METHODS = ("GET", "HEAD", "OPTIONS")
ALLOWED = ", ".join(METHODS)


def error(
    status: int,
    code: str,
    message: str,
    parameter: str | None = None,
    *,
    errors: dict | None = None,
    **extra,
) -> JsonResponse:
    """The API's one error answer: `{"error": {"code", "message", "parameter", ...}}`, and
    with `errors` a message per parameter that was wrong (`{"errors": {name: message}}`)."""
    body: dict = {"error": {"code": code, "message": str(message), "parameter": parameter}}
    body["error"] |= extra
    if errors:
        body["errors"] = {name: str(text) for name, text in errors.items()}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _data_version(index: FacetIndex) -> tuple[str, datetime.datetime | None]:
    """The ETag and the time of the last change of the data the answers are made from: the
    change log's position, which the facet index follows (an import or an edit moves it)."""
    return quote_etag(f"d{index.seq}"), index.changed_at


def _not_modified(request: HttpRequest, etag: str, changed: datetime.datetime | None) -> bool:
    """Whether the client's copy is current (If-None-Match, else If-Modified-Since)."""
    if match := request.META.get("HTTP_IF_NONE_MATCH"):
        tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
        return "*" in tags or etag in tags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return bool(since and changed and int(changed.timestamp()) <= since)


def _headers(response: HttpResponse, etag: str | None, changed) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Link"
    if etag and response.status_code in (200, 304):
        response["ETag"] = etag
        if changed:
            response["Last-Modified"] = http_date(changed.timestamp())
        seconds = settings.API_CACHE_SECONDS
        response["Cache-Control"] = f"public, max-age={seconds}, must-revalidate"
    else:
        response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Origin"])
    return response


def api_view(view):
    """An API endpoint: GET, HEAD (GET's headers, no body) and OPTIONS (the methods, and
    CORS's preflight); JSON 405 for any other method, JSON 404 for Http404; answers carry
    CORS, ETag, Last-Modified and Cache-Control headers, and a current copy gets 304."""

    @csrf_exempt  # read-only: nothing to forge, and a POST is answered 405 in JSON
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ALLOWED
            response["Access-Control-Allow-Methods"] = ALLOWED
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            return _headers(response, None, None)
        if request.method not in METHODS:
            response = error(405, "method_not_allowed", f"{request.method} is not allowed here")
            response["Allow"] = ALLOWED
            return _headers(response, None, None)
        # A tag never newer than the answer's data (a client's copy is never kept too long):
        # taken before the view when the client asks whether its copy is current, else from
        # the index as the view left it (a search looked at the change log just now).
        conditional = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"} & request.META.keys()
        if conditional:
            etag, changed = _data_version(get_index())
            if _not_modified(request, etag, changed):
                return _headers(HttpResponse(status=304), etag, changed)
        try:
            response = view(request, *args, **kwargs)
        except Http404 as exc:
            response = error(404, "not_found", str(exc) or "no such trial")
        if not conditional:
            etag, changed = _data_version(peek() or get_index())
        if request.method == "HEAD" and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return _headers(response, etag, changed)

    return wrapper


# --- /api/trials/ ---------------------------------------------------------------------------


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
        "start": _isoformat(trial.start_date),
        "last_updated": _isoformat(trial.last_updated),
        "status_verified": _isoformat(trial.status_verified),
        "status_unconfirmed": trial.status_unconfirmed,
        "last_synced": _isoformat(synced.get(trial.pk)),
        "url": request.build_absolute_uri(trial.get_absolute_url()),
        "api_url": request.build_absolute_uri(trial_url("api_trial", trial.key)),
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


def _page_url(request: HttpRequest, page: int) -> str:
    """The same search at another page, as an absolute URL."""
    pairs = [(k, v) for k, values in request.GET.lists() for v in values if k != "page"]
    return request.build_absolute_uri(f"{request.path}?{urlencode([*pairs, ('page', page)])}")


def _unknown(request: HttpRequest) -> JsonResponse | None:
    """A 400 naming the parameters the search does not take (a typo is never dropped)."""
    known = set(params.known_parameters())
    unknown = [name for name in request.GET if name not in known]
    if not unknown:
        return None
    names = ", ".join(repr(name[:50]) for name in unknown[:10])
    message = f"unknown parameter {names}; the parameters are listed at /api/schema/"
    return error(400, "unknown_parameter", message, unknown[0][:50])


@api_view
@replicas.readable
@cached_by_data_version
def api_search(request: HttpRequest) -> HttpResponse:
    if refused := _unknown(request):
        return refused
    with phase("parse"):
        query, errors = params.parse(request.GET)
    if errors:
        name, message = next(iter(errors.items()))
        code = getattr(message, "code", "invalid_parameter")
        extra = {"choices": list(message.choices)} if getattr(message, "choices", ()) else {}
        # Refused, not what the page does instead ("100 km used"): Problem.refused.
        said = {key: getattr(text, "refused", "") or text for key, text in errors.items()}
        return error(400, code, said[name], name, errors=said, **extra)
    try:
        result = bounded_search(query)
    except TooSlow:
        return error(503, "search_timeout", TOO_SLOW_MESSAGE, "q")
    if query.page > result.pages:
        message = f"page={query.page}: this search has {result.pages} page(s)"
        return error(404, "page_out_of_range", message, "page")
    with phase("present"):
        return _search_json(request, query, result)


def _dates_json(query, date_range) -> dict | None:
    if not query.date_filter(date_range):
        return None
    low, high = query.dates[date_range.name]
    return {"from": low.isoformat() if low else None, "to": high.isoformat() if high else None}


def _search_json(request: HttpRequest, query, result) -> JsonResponse:
    synced = freshness.last_synced(hit.pk for hit in result.trials)
    return JsonResponse(
        {
            "count": result.count,
            # With `near`: the place understood, and how far from it (km).
            "near": _near_json(query),
            "region": query.region.name if query.region else None,
            # With a date filter (`start_from`, `end_to`…): the first and last days admitted.
            **{r.answer: _dates_json(query, r) for r in facets.DATE_RANGES},
            "page": result.page,
            "pages": result.pages,
            "page_size": query.page_size,
            "next": _page_url(request, result.page + 1) if result.page < result.pages else None,
            "previous": _page_url(request, result.page - 1) if result.page > 1 else None,
            # No trial had all the words of `q`: these have some of them, best first.
            "relaxed": result.relaxed,
            # Few trials had every word of `q`: this many, listed first; then those with some.
            "all_words": result.all_words,
            # Few trials matched `q`, which names drugs alone: this many, listed first; then
            # the trials of other drugs of their class (`same_class`, its name).
            "class_first": result.class_first,
            "same_class": result.same_class,
            # Few trials matched `q`, which names skin diseases: this many, listed first; then
            # the trials open to skin diseases in general.
            "general_first": result.general_first,
            # Few trials met a treatment failure or a place read from `q` ("prednisone didn't
            # help", "in Japan"): this many, listed first; then the search's trials without it.
            "read_first": result.read_first,
            # Relaxed, few trials were about what `q` names most closely: this many, listed
            # first; then those about one of the other diseases it names.
            "about_first": result.about_first,
            # Words of `q` read as filters (applied like the parameters), and the words searched.
            "understood": [
                {"parameter": reading.parameter, "value": reading.value, "from": reading.said}
                for reading in query.understood
            ],
            "searched": query.q,
            # No trial is about the terms `q` names: this many mention them only in passing.
            "mentioned_in_passing": result.passing,
            # No trial is about the diseases `q` names: these are about their group's name.
            "broader": (
                {"from": result.broader_from, "to": result.broader_to}
                if result.broader_from
                else None
            ),
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


# --- /api/trials/<key>/ ---------------------------------------------------------------------


@api_view
@replicas.readable
def api_trial(request: HttpRequest, key: str) -> HttpResponse:
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
        "last_synced": _isoformat(trial.last_synced),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


# --- /api/schema/ and /api/ -----------------------------------------------------------------


@api_view
def schema(request: HttpRequest) -> HttpResponse:
    document = api_schema.document(request.build_absolute_uri("/"))
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Type"] = "application/vnd.oai.openapi+json;version=3.1"
    return response


def docs(request: HttpRequest) -> HttpResponse:
    """The API's page for people: the OpenAPI document, read aloud."""
    document = api_schema.document(request.build_absolute_uri("/"))
    return render(request, "trials/api.html", {"api": api_schema.readable(document)})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """handler404 for /api/ (portal/urls.py): a URL that names nothing, in JSON."""
    return _headers(error(404, "not_found", f"nothing at {request.path[:200]}"), None, None)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """handler400 for /api/ (portal/urls.py): a request Django refuses before any view reads
    it (more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters, a malformed host), in JSON."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    message = f"the request was refused: at most {limit} parameters, each a plain value"
    return _headers(error(400, "bad_request", message), None, None)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 for /api/ (portal/urls.py)."""
    message = "the server failed to answer; try again, and tell us if it goes on"
    return _headers(error(500, "server_error", message), None, None)
