"""Trials side by side (issue 17, point 4): `/compare/?trial=<key>&trial=<key>…`, up to
`COMPARE_MAX_TRIALS` (4), as the result list's "Compare" boxes submit them (a GET form: no
script needed). With `near` (and `within`), as the search had them, each trial's nearest site.

More trials than the limit answer 400 with a notice naming the parameter and a link comparing
the first ones; an ID the portal does not know is a notice, the others are still compared. A
trial is found by its key or any of its identifiers (as the trial page finds it).

Queries: the trials (one, by key or identifier), the identifiers of IDs that are no trial's key
(only then), the nearest sites (only with `near`): never one per trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from trials.models import Identifier, Sex, Site, Trial
from trials.readers.identifiers import identifier_norm
from trials.search import labels, params, places
from trials.search.facets import label
from trials.web.export_columns import therapy_label
from trials.web.trial_page import unconfirmed_words

# A trial's key or ID is never longer (trial_page.lookup refuses longer ones too).
MAX_ID_LENGTH = 200


@dataclass
class Column:
    """One compared trial, in words."""

    trial: Trial
    remove_url: str
    status: str = ""
    sex: str = ""
    nearest: Site | None = None
    countries: list[str] = field(default_factory=list)
    drugs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)


def _asked(data: QueryDict) -> list[str]:
    """The IDs asked for, in order, each once (also comma- or space-separated in one value)."""
    found = []
    for value in data.getlist("trial"):
        found += [part for part in value.replace(",", " ").split() if part]
    return list(dict.fromkeys(part[:MAX_ID_LENGTH].replace("\x00", "") for part in found))


def _find(asked: list[str]) -> dict[str, Trial]:
    """{ID as asked: its trial}: one query, and one more for IDs that are no trial's key."""
    norms = {identifier_norm(value): value for value in asked}
    by_id = Identifier.objects.filter(norm__in=list(norms)).values("trial_id")
    trials = list(Trial.objects.filter(key__in=asked) | Trial.objects.filter(pk__in=by_id))
    by_key = {trial.key: trial for trial in trials}
    found = {value: by_key[value] for value in asked if value in by_key}
    rest = [value for value in asked if value not in found]
    if rest and trials:
        by_pk = {trial.pk: trial for trial in trials}
        rest_norms = {identifier_norm(value): value for value in rest}
        for norm, pk in Identifier.objects.filter(norm__in=list(rest_norms)).values_list(
            "norm", "trial_id"
        ):
            if pk in by_pk:
                found.setdefault(rest_norms[norm], by_pk[pk])
    return found


def _nearest_sites(trials: list[Trial], place: places.Place) -> dict[int, Site]:
    """Each trial's site nearest the place (one query: DISTINCT ON the trial)."""
    sites = (
        Site.objects.filter(trial__in=[trial.pk for trial in trials])
        .filter(lat__isnull=False, lon__isnull=False)
        .annotate(distance=params.haversine_sql(place.lat, place.lon))
        .order_by("trial_id", "distance", "pk")
        .distinct("trial_id")
    )
    return {site.trial_id: site for site in sites}


def _link(data: QueryDict, keys: list[str]) -> str:
    changed = data.copy()
    changed.setlist("trial", keys)
    return reverse("compare") + "?" + changed.urlencode()


def _column(trial: Trial, keys: list[str], data: QueryDict) -> Column:
    record = trial.record or {}
    refractory = record.get("refractory") or {}
    outcomes = [item for item in record.get("outcomes") or [] if isinstance(item, dict)]
    unconfirmed = trial.status_unconfirmed
    return Column(
        trial,
        remove_url=_link(data, [key for key in keys if key != trial.key]),
        status=unconfirmed_words(trial) if unconfirmed else label("status", trial.status),
        sex=Sex(trial.sex).label if trial.sex in Sex.values else "Not given",
        countries=[labels.country_name(code) for code in trial.countries],
        drugs=[label("drug", slug) for slug in trial.drugs],
        failed=[therapy_label(slug) for slug in refractory.get("prior_therapies") or []],
        outcomes=[
            item["measure"]
            for item in outcomes
            if item.get("kind") == "primary" and isinstance(item.get("measure"), str)
        ],
        contacts=[item for item in record.get("contacts") or [] if isinstance(item, dict)],
    )


def _place(data: QueryDict, notices: list[str]) -> places.Place | None:
    text = (data.get("near") or "").strip()
    if not text:
        return None
    place = places.locate(text)
    if isinstance(place, places.Place):
        return place
    notices.append(f"near: {place.message}")
    return None


def _search_query(data: QueryDict) -> str:
    """Back to the search: the place the comparison carried, if any."""
    back = QueryDict(mutable=True)
    for name in ("near", "within"):
        if data.get(name):
            back[name] = data[name]
    return "?" + back.urlencode() if back else ""


@require_safe
def compare_page(request: HttpRequest) -> HttpResponse:
    limit = settings.COMPARE_MAX_TRIALS
    asked = _asked(request.GET)
    notices: list[str] = []
    context = {"limit": limit, "asked": asked, "columns": [], "notices": notices}
    if len(asked) > limit:
        notices.append(
            f"trial: at most {limit} trials can be compared side by side; {len(asked)} were chosen."
        )
        context["first_url"] = _link(request.GET, asked[:limit])
        return render(request, "trials/compare.html", context, status=400)
    found = _find(asked) if asked else {}
    unknown = [value for value in asked if value not in found]
    if unknown:
        notices.append("No trial with the ID " + ", ".join(unknown) + ": left out.")
    trials = list(dict.fromkeys(found.values()))  # two IDs of one trial: shown once
    keys = [trial.key for trial in trials]
    columns = [_column(trial, keys, request.GET) for trial in trials]
    place = _place(request.GET, notices)
    if place and trials:
        nearest = _nearest_sites(trials, place)
        for column in columns:
            column.nearest = nearest.get(column.trial.pk)
    canonical = _link(request.GET, keys) if keys else reverse("compare")
    context |= {
        "columns": columns,
        "place": place,
        "share_url": request.build_absolute_uri(canonical),
        "search_url": reverse("search") + _search_query(request.GET),
    }
    return render(request, "trials/compare.html", context)
