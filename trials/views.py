from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from trials import filters, pagecache
from trials.models import Phase, Trial
from trials.search import PAGE_SIZE, SORTS, search
from trials.trial_page import lookup

FACET_TITLES = {
    "condition": "Condition",
    "drug": "Drug",
    "phase": "Phase",
    "status": "Recruitment status",
    "country": "Country",
    "study_type": "Study type",
    "sex": "Open to",
    "age_group": "Age group",
    "refractory": "Population",
    "registry": "Source registry",
}
# The sidebar's link facets, in the order people narrow a search; sex is in the patient form.
SIDEBAR = (
    "status",
    "condition",
    "drug",
    "refractory",
    "age_group",
    "phase",
    "study_type",
    "country",
    "registry",
)
# Facets whose values have a natural order keep it; the others list the biggest counts first.
NATURAL_ORDER = {
    "phase": list(Phase.values),
    "age_group": ["child", "adult", "older_adult"],
}
# Longer facets show this many values and fold the rest into "Show all".
FACET_SHOWN = 8
# Words for facet values the engine labels with their raw value.
VALUE_LABELS = {
    "sex": {"female": "Women", "male": "Men"},
    "age_group": {
        "child": "Children (under 18)",
        "adult": "Adults (18–64)",
        "older_adult": "Older adults (65+)",
    },
    "refractory": {"1": "Refractory disease only"},
}
SORT_LABELS = {
    "relevance": "Best match",
    "updated": "Last updated",
    "start": "Start date",
    "enrollment": "Enrollment",
}
# Parameters the patient form sets; every other one rides along in hidden inputs.
PATIENT_PARAMS = ("age", "sex", "recruiting")


def _toggle(params: QueryDict, name: str, value: str) -> str:
    """The query string with `value` added to or removed from parameter `name`, page reset."""
    q = params.copy()
    q.pop("page", None)
    q.pop("expand", None)
    values = q.getlist(name)
    q.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    return "?" + q.urlencode() if q else "?"


def _without(params: QueryDict, name: str) -> str:
    q = params.copy()
    q.pop("page", None)
    q.pop(name, None)
    return "?" + q.urlencode() if q else "?"


def _hidden(params: QueryDict, *skip: str) -> list[tuple[str, str]]:
    """(name, value) pairs for a GET form to carry every parameter but `skip` and the page."""
    return [
        (name, value)
        for name, values in params.lists()
        if name not in skip and name != "page"
        for value in values
    ]


def _value_label(name: str, fv) -> str:
    return VALUE_LABELS.get(name, {}).get(fv.value, fv.label)


def _active(query, result, params: QueryDict) -> dict[str, dict]:
    """Each active parameter in words, with the link that removes it: chips and the empty page."""
    active: dict[str, dict] = {}
    if query.q:
        active["q"] = {"title": "Search", "label": f"“{query.q}”"}
    if query.age is not None:
        active["age"] = {"title": "Age", "label": f"{query.age:g} years"}
    if query.recruiting:
        active["recruiting"] = {"title": None, "label": "Recruiting or soon recruiting"}
    for name, values in result.facets.items():
        chosen = [_value_label(name, fv) for fv in values if fv.selected]
        if chosen:
            active[name] = {"title": FACET_TITLES.get(name, name), "label": " or ".join(chosen)}
    for name, item in active.items():
        item["name"] = name
        item["url"] = _without(params, name)
        item["text"] = f"{item['title']}: {item['label']}" if item["title"] else item["label"]
    return active


def _chips(active: dict[str, dict], result, params: QueryDict) -> list[dict]:
    """One removable chip per selected facet value, one per other parameter."""
    chips = []
    for name, item in active.items():
        if name in result.facets and len([v for v in result.facets[name] if v.selected]) > 1:
            for fv in result.facets[name]:
                if fv.selected:
                    label = f"{item['title']}: {_value_label(name, fv)}"
                    chips.append({"text": label, "url": _toggle(params, name, fv.value)})
        else:
            chips.append({"text": item["text"], "url": item["url"]})
    return chips


def _sidebar(result, params: QueryDict) -> list[dict]:
    """Each facet's first values (all of them for the one the person expanded), with links.

    Only the values shown are given URLs and rendered: a facet with two hundred drugs costs a
    link "Show all", not two hundred hidden ones.
    """
    expanded = params.get("expand")
    facets = []
    for name in SIDEBAR:
        values = result.facets.get(name)
        if values is None:
            continue
        if order := NATURAL_ORDER.get(name):
            rank = {v: i for i, v in enumerate(order)}
            values = sorted(values, key=lambda fv: rank.get(fv.value, len(rank)))
        shown = values if name == expanded else values[:FACET_SHOWN]
        for fv in shown:
            fv.url = _toggle(params, name, fv.value)
            fv.label = _value_label(name, fv)
        facets.append(
            {
                "name": name,
                "title": FACET_TITLES.get(name, name),
                "shown": shown,
                "more": values[len(shown) :],
                "count": len(values),
                "expanded": name == expanded and len(values) > FACET_SHOWN,
                "toggle_url": _expand(params, None if name == expanded else name),
            }
        )
    return facets


def _expand(params: QueryDict, name: str | None) -> str:
    q = params.copy()
    q.pop("expand", None)
    if name:
        q["expand"] = name
    return ("?" + q.urlencode() if q else "?") + (f"#facet-{name}" if name else "")


def _sex_choices(query, result) -> list[dict]:
    counts = {fv.value: fv.count for fv in result.facets.get("sex", [])}
    chosen = query.facets.get("sex") or []
    current = chosen[0] if len(chosen) == 1 else ""
    return [
        {"value": "", "label": "Any", "count": None, "checked": current == ""},
        *(
            {"value": v, "label": label, "count": counts.get(v, 0), "checked": current == v}
            for v, label in VALUE_LABELS["sex"].items()
        ),
    ]


@require_GET
@pagecache.by_data_version
def search_page(request: HttpRequest) -> HttpResponse:
    query, errors = filters.parse(request.GET)
    result = search(query)
    if result.id_match and not any(query.facets.values()):
        return redirect(result.id_match)
    params = request.GET
    active = _active(query, result, params)
    drop_counts = result.drop_counts
    drops = sorted(
        ({**active[name], "count": n} for name, n in drop_counts.items() if n and name in active),
        key=lambda d: -d["count"],
    )
    sort = query.effective_sort()
    corrected_from = result.corrected_from
    context = {
        "query": query,
        "result": result,
        "facets": _sidebar(result, params),
        "chips": _chips(active, result, params),
        "drops": drops,
        "notices": list(errors.values()),
        "sorts": [(s, SORT_LABELS[s]) for s in SORTS if s != "relevance" or query.q],
        "sort": sort,
        "sex_choices": _sex_choices(query, result),
        "recruiting": query.recruiting,
        "search_hidden": _hidden(params, "q"),
        "patient_hidden": _hidden(params, *PATIENT_PARAMS),
        "sort_hidden": _hidden(params, "sort"),
        "suggestion": result.suggestion,
        "corrected_from": corrected_from,
        "corrected_to": result.corrected_to,
        "first": (result.page - 1) * PAGE_SIZE + 1,
        "last": (result.page - 1) * PAGE_SIZE + len(result.trials),
    }
    return render(request, "trials/search.html", context)


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
@pagecache.by_data_version
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
