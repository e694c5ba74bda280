from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from trials import filters, labels
from trials.ingest.merge import identifier_norm
from trials.models import Identifier, Phase, Status, Trial
from trials.search import FACETS, PAGE_SIZE, SORTS, search

FACET_TITLES = {
    "condition": "Condition",
    "drug": "Drug",
    "phase": "Phase",
    "status": "Recruitment status",
    "country": "Country",
}

PHASE_GLOSSARY = {
    Phase.EARLY_PHASE1: "A first, very small study in people, before phase 1.",
    Phase.PHASE1: "Tests safety and dosage in a small group of people.",
    Phase.PHASE2: "Tests whether the treatment works and checks its safety further.",
    Phase.PHASE3: "Compares the treatment with standard care in a large group.",
    Phase.PHASE4: "Studies a treatment already approved, in everyday use.",
    Phase.NA: "No phase applies (for example a device or observational study).",
}
PLAIN_STATUS = {
    Status.RECRUITING: "Looking for participants",
    Status.NOT_YET_RECRUITING: "Not yet looking for participants",
    Status.ENROLLING_BY_INVITATION: "Participants are invited by the study team",
    Status.ACTIVE_NOT_RECRUITING: "Running, no longer looking for participants",
    Status.COMPLETED: "Finished",
}


def _toggle(params: QueryDict, name: str, value: str) -> str:
    """The query string with `value` added to or removed from parameter `name`, page reset."""
    q = params.copy()
    q.pop("page", None)
    values = q.getlist(name)
    q.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    return "?" + q.urlencode() if q else "?"


def _without(params: QueryDict, name: str) -> str:
    q = params.copy()
    q.pop("page", None)
    q.pop(name, None)
    return "?" + q.urlencode() if q else "?"


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query, errors = filters.parse(request.GET)
    result = search(query)
    if result.id_match and not any(query.facets.values()):
        return redirect(result.id_match)
    params = request.GET
    facets = []
    chips = []
    for name in FACETS:
        values = result.facets[name]
        for fv in values:
            fv.url = _toggle(params, name, fv.value)
            if fv.selected:
                chips.append({"facet": FACET_TITLES[name], "label": fv.label, "url": fv.url})
        facets.append({"name": name, "title": FACET_TITLES[name], "values": values})
    if query.q:
        chips.insert(0, {"facet": "Text", "label": query.q, "url": _without(params, "q")})
    if query.refractory:
        chips.append(
            {"facet": "Population", "label": "Refractory", "url": _without(params, "refractory")}
        )
    if query.age is not None:
        chips.append({"facet": "Age", "label": f"{query.age:g}", "url": _without(params, "age")})
    if query.sex:
        chips.append({"facet": "Sex", "label": query.sex.title(), "url": _without(params, "sex")})
    context = {
        "query": query,
        "result": result,
        "facets": facets,
        "chips": chips,
        "notices": list(errors.values()),
        "sorts": [(s, s.title()) for s in SORTS],
        "sort": query.effective_sort(),
        "first": (result.page - 1) * PAGE_SIZE + 1,
        "last": (result.page - 1) * PAGE_SIZE + len(result.trials),
    }
    return render(request, "trials/search.html", context)


def _lookup(key: str) -> Trial:
    """The trial whose key or one of whose identifiers is `key`; Http404 when none is."""
    trial = Trial.objects.filter(key=key).first()
    if trial:
        return trial
    ident = Identifier.objects.filter(norm=identifier_norm(key)).select_related("trial").first()
    if ident is None:
        raise Http404(f"No trial with the ID {key}")
    return ident.trial


@require_GET
def trial_page(request: HttpRequest, key: str) -> HttpResponse:
    trial = _lookup(key)
    if trial.key != key:
        return redirect(trial, permanent=True)
    r = trial.record
    sites_by_country: dict[str, list] = {}
    for site in r.get("sites") or []:
        sites_by_country.setdefault(
            labels.country_name(site.get("country") or "") or "", []
        ).append(site)
    context = {
        "trial": trial,
        "r": r,
        "status_label": labels.label("status", trial.status),
        "plain_status": PLAIN_STATUS.get(trial.status),
        "phases": [(labels.label("phase", p), PHASE_GLOSSARY.get(p)) for p in trial.phases],
        "conditions": [
            {**c, "label": labels.label("condition", c["term"]) if c.get("term") else None}
            for c in r.get("conditions") or []
        ],
        "countries": [labels.country_name(c) for c in trial.countries],
        "sites_by_country": sorted(sites_by_country.items()),
        "sources": r.get("sources") or [],
        "provenance": sorted(trial.provenance.items()),
        "conflicts": trial.conflicts,
    }
    return render(request, "trials/trial.html", context)


# --- JSON API ------------------------------------------------------------------------------


def _result_json(request: HttpRequest, trial: Trial) -> dict:
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
        "url": request.build_absolute_uri(trial.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api_trial", args=[trial.key])),
    }


@require_GET
def api_search(request: HttpRequest) -> JsonResponse:
    query, errors = filters.parse(request.GET)
    if errors:
        name, message = next(iter(errors.items()))
        return JsonResponse(
            {"error": {"parameter": name, "message": message}, "errors": errors}, status=400
        )
    result = search(query)
    return JsonResponse(
        {
            "count": result.count,
            "page": result.page,
            "pages": result.pages,
            "page_size": PAGE_SIZE,
            "results": [_result_json(request, t) for t in result.trials],
            "facets": {
                name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                for name, values in result.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def api_trial(request: HttpRequest, key: str) -> JsonResponse:
    trial = _lookup(key)
    if trial.key != key:
        return redirect(reverse("api_trial", args=[trial.key]), permanent=True)
    body = {
        **trial.record,
        "key": trial.key,
        "url": request.build_absolute_uri(trial.get_absolute_url()),
        "provenance": trial.provenance,
        "conflicts": trial.conflicts,
        "locked_fields": trial.locked_fields,
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
def ceiling(request: HttpRequest) -> HttpResponse:
    """The base template and no database work: what `make bench` compares every page with."""
    return render(request, "ceiling.html")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
