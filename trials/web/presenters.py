"""What the search page shows of an engine result: links, words and the sidebar's shape.

The engine's result is immutable; everything here is new values made from it and the request's
parameters (the idea of django-oscar's FacetMunger). Links that change the facets are built here
in Python (the sidebar has a hundred of them); the template's page links use `{% querystring %}`.
"""

from __future__ import annotations

import datetime
from calendar import monthrange
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote_plus, urlencode

from django.conf import settings
from django.http import QueryDict

from trials.search import facets, labels, words
from trials.search.engine import (
    DEFAULT_WITHIN_KM,
    PAGE_SIZE,
    SORTS,
    FacetValue,
    Query,
    SearchResult,
)
from trials.search.readings import READ_FILLED

# Longer facets show this many values and fold the rest into "Show all".
FACET_SHOWN = 8
SORT_LABELS = {
    "relevance": "Best match",
    "updated": "Last updated",
    "start": "Start date",
    "enrollment": "Enrollment",
    "distance": "Distance",
}
# Parameters the patient form sets; every other one rides along in hidden inputs.
PATIENT_PARAMS = ("age", "sex", "recruiting", "include_unconfirmed", "near", "within")
# The patient form's choices of distance (km); `within` takes any number up to the setting.
WITHIN_CHOICES = (25, 50, 100, 200, 500)


class FacetLink(NamedTuple):
    """A facet value as the sidebar shows it: the engine's value and the link that toggles it.
    (A named tuple: several times cheaper to make than a frozen dataclass, ~70 a page.)"""

    value: str
    label: str
    count: int
    selected: bool
    url: str


def search_page(
    query: Query, result: SearchResult, params: QueryDict, errors: dict[str, str]
) -> dict:
    """The search template's context."""
    explicit = _explicit(params, query)
    read = {reading.parameter for reading in query.understood}
    active = _active(query, result, params, explicit, read)
    drops = sorted(
        (
            {**active[name], "count": n}
            for name, n in result.drop_counts.items()
            if n and name in active
        ),
        key=lambda drop: -drop["count"],
    )
    return {
        "query": query,
        "result": result,
        "facets": sidebar(result, params, explicit, read),
        "chips": _chips(active, result, query, params, explicit),
        "understood": _understood(query, explicit),
        "drops": drops,
        "notices": list(errors.values()),
        "sorts": [(sort, SORT_LABELS[sort]) for sort in SORTS if _offered(sort, query)],
        "sort": query.effective_sort(),
        "sex_choices": _sex_choices(query, result),
        "recruiting": query.recruiting,
        "include_unconfirmed": query.include_unconfirmed,
        "near_text": params.get("near", "")[:200],
        "within_choices": _within_choices(query),
        "near_choices": _near_choices(params, errors),
        "unconfirmed_years": settings.STATUS_UNCONFIRMED_YEARS,
        "search_hidden": _hidden(params, "q"),
        "patient_hidden": _hidden(params, *PATIENT_PARAMS),
        "date_forms": [
            {
                "range": date_range,
                "hidden": _hidden(params, *date_range.parameters),
                "low": params.get(date_range.low, "")[:10],
                "high": params.get(date_range.high, "")[:10],
            }
            for date_range in facets.DATE_RANGES
        ],
        "sort_hidden": _hidden(params, "sort"),
        "suggestion": result.suggestion,
        "suggestion_url": _with_q(explicit, result.suggestion) if result.suggestion else None,
        "corrected_from": result.corrected_from,
        "corrected_to": result.corrected_to,
        "broader_from": result.broader_from,
        "broader_to": result.broader_to,
        "broader_general": bool(result.broader_to)
        and result.broader_to == words.skin_in_general()[0],
        "broader_class": bool(result.broader_to) and words.is_class_label(result.broader_to),
        "relaxed": result.relaxed,
        "described": _described(query, result),
        "all_words": result.all_words,
        "class_first": result.class_first,
        "same_class": result.same_class,
        "general_first": result.general_first,
        "skin_in_general": words.skin_in_general()[0],
        "about_first": result.about_first,
        "read_first": result.read_first,
        "read_first_by": _filled_by(query) if result.read_first is not None else None,
        "first": (result.page - 1) * PAGE_SIZE + 1,
        "last": (result.page - 1) * PAGE_SIZE + len(result.trials),
    }


def _described(query: Query, result) -> list[str]:
    """When nothing is found for words that describe signs (lay_terms.json `signs`), the
    diseases they describe, so that the page can say no trial is about them; else []."""
    if result.count or result.passing or not query.q:
        return []
    return [" ".join(group[0]) for group in words.signs(query.q)]


def _offered(sort: str, query: Query) -> bool:
    return (sort != "relevance" or bool(query.q)) and (sort != "distance" or bool(query.near))


def _within_choices(query: Query) -> list[dict]:
    """The patient form's distances; the one asked for is among them even when not a choice.
    The default's value is empty, so that the form adds no `within` to a URL without a place."""
    values = sorted({*WITHIN_CHOICES, DEFAULT_WITHIN_KM, query.within})
    return [
        {
            "value": "" if value == DEFAULT_WITHIN_KM else f"{value:g}",
            "label": f"{value:g} km",
            "selected": value == query.within,
        }
        for value in values
    ]


def _near_choices(params: QueryDict, errors: dict[str, str]) -> list[dict]:
    """An ambiguous place's places, each a link searching near it instead."""
    choices = getattr(errors.get("near"), "choices", ())
    out = []
    for choice in choices:
        changed = params.copy()
        changed.pop("page", None)
        changed["near"] = choice
        out.append({"label": choice, "url": _link(changed)})
    return out


def _link(params: QueryDict) -> str:
    return "?" + params.urlencode() if params else "?"


def _toggle(params: QueryDict, name: str, value: str) -> str:
    """The query string with `value` added to or removed from parameter `name`, page reset."""
    return _toggler(params, name)(value)


def _toggler(params: QueryDict, name: str) -> Callable[[str], str]:
    """`_toggle` for many values of one parameter: the other parameters are encoded once (the
    sidebar links sixty values; a QueryDict copy each cost a tenth of the page). The string is
    QueryDict.urlencode's: parameters in their order, a new one last."""
    kept = [(key, values) for key, values in params.lists() if key not in ("page", "expand")]
    keys = [key for key, _ in kept]
    at = keys.index(name) if name in keys else len(kept)
    current = kept[at][1] if at < len(kept) else []
    head = urlencode([(key, v) for key, values in kept[:at] for v in values])
    tail = urlencode([(key, v) for key, values in kept[at + 1 :] for v in values])
    key = quote_plus(name)

    def toggle(value: str) -> str:
        values = [v for v in current if v != value] if value in current else [*current, value]
        middle = "&".join(f"{key}={quote_plus(v)}" for v in values)  # urlencode's text
        return "?" + "&".join(part for part in (head, middle, tail) if part)

    return toggle


def _with_q(params: QueryDict, text: str) -> str:
    """The query string searching `text` instead, the rest as it is, page reset."""
    changed = params.copy()
    changed.pop("page", None)
    changed["q"] = text
    return _link(changed)


def _without(params: QueryDict, *names: str) -> str:
    changed = params.copy()
    changed.pop("page", None)
    for name in names:
        changed.pop(name, None)
    return _link(changed)


def _distance_sort(params: QueryDict) -> tuple[str, ...]:
    return ("sort",) if params.get("sort") == "distance" else ()


def _expander(params: QueryDict) -> Callable[[str | None], str]:
    """The query string expanding facet `name` (None: none), as `QueryDict.urlencode` writes it
    with `expand` set last; the other parameters are encoded once for the sidebar's facets."""
    pairs = [(key, v) for key, values in params.lists() if key != "expand" for v in values]
    kept = urlencode(pairs)

    def expand(name: str | None) -> str:
        if not name:
            return "?" + kept
        return f"?{kept}{'&' if kept else ''}expand={quote_plus(name)}#facet-{name}"

    return expand


def _hidden(params: QueryDict, *skip: str) -> list[tuple[str, str]]:
    """(name, value) pairs for a GET form to carry every parameter but `skip` and the page
    (without NUL characters: no parameter accepts them, and a page must not carry them)."""
    return [
        (name, value.replace("\x00", ""))
        for name, values in params.lists()
        if name not in skip and name != "page"
        for value in values
    ]


# What the page says a reading of the search words shows (readings.py); other readings say
# "Showing trials with <facet title>: <value label>".
READ_AS = {
    ("age_group", "child"): "Showing trials open to children",
    ("age_group", "adult"): "Showing trials open to adults",
    ("age_group", "older_adult"): "Showing trials open to older adults (65 and over)",
    ("sex", "female"): "Showing trials open to women",
    ("sex", "male"): "Showing trials open to men",
    ("refractory", "1"): "Showing only trials for disease that did not respond to treatment",
    ("recruiting", "1"): "Showing trials recruiting now or soon",
}
# Readings whose sentence names their value (a place), by parameter.
READ_AS_VALUE = {
    "near": "Showing trials with a site near {label}",
    "country": "Showing trials with a site in {label}",
    "region": "Showing trials with a site in {label}",
    "age": "Showing trials open to people aged {label}",
}


def _explicit(params: QueryDict, query: Query) -> QueryDict:
    """The parameters with the readings of `q` made explicit and their words taken out of `q`:
    a link made from these never reads the words again, so removing a reading's chip removes
    it for good while the other readings stay."""
    if not query.understood:
        return params
    changed = params.copy()
    changed.pop("page", None)
    if query.q:
        changed["q"] = query.q
    else:
        changed.pop("q", None)
    for reading in query.understood:
        changed.appendlist(reading.parameter, reading.value)
    return changed


def _filled_by(query: Query) -> dict:
    """What a search filled without the filters read from its words (readings.READ_FILLED)
    says of them: the words they were read from ("prednisone didn't help", "in Japan"), and
    whether they are a treatment failure, a place, a status, or several."""
    read = [r for r in query.understood if r.parameter in READ_FILLED]
    kinds = {READ_FILLED[r.parameter] for r in read}
    return {
        "said": "”, “".join(dict.fromkeys(r.said for r in read)),
        "kind": kinds.pop() if len(kinds) == 1 else "several",
    }


def _understood(query: Query, explicit: QueryDict) -> list[dict]:
    """What the page read from the search words, each with the link that undoes it."""
    out = []
    # A distance read with a place ("socal": within 200 km) is said with the place.
    within = any(reading.parameter == "within" for reading in query.understood)
    dated: set[str] = set()  # the date filters said already: both ends of one, one sentence
    for reading in query.understood:
        date_range = facets.date_range(reading.parameter)
        if reading.parameter == "within" or (date_range and date_range.name in dated):
            continue
        if date_range:
            dated.add(date_range.name)
            what = date_range.title.lower()
            sentence = f"Showing trials whose {what} is {dates_phrase(query, date_range)}"
            url = _without(explicit, *date_range.parameters)
            label = dates_label(query, date_range)
            out.append({"sentence": sentence, "said": reading.said, "label": label, "url": url})
            continue
        label = facets.label(reading.parameter, reading.value)
        facet = facets.get(reading.parameter)
        title = facet.title.lower() if facet else reading.parameter
        sentence = READ_AS.get((reading.parameter, reading.value)) or READ_AS_VALUE.get(
            reading.parameter, "Showing trials with {title}: {label}"
        ).format(title=title, label=label)
        if reading.parameter == "near" and within:
            sentence += f" (within {query.within:g} km)"
        url = _toggle(explicit, reading.parameter, reading.value)
        out.append({"sentence": sentence, "said": reading.said, "label": label, "url": url})
    return out


def dates_phrase(query: Query, date_range: facets.DateRange) -> str:
    """The dates asked for, as a sentence ends: "in 2023", "in or after 2020"."""
    low, high = _date_texts(query, date_range)
    if low and low == high:
        return f"in {low}"
    if low and high:
        return f"from {low} to {high}"
    return f"in or after {low}" if low else f"in or before {high}"


def dates_label(query: Query, date_range: facets.DateRange) -> str:
    """The dates asked for, as short as they were given: "2023", "from 2020", "until June
    2018", "2020 to 2022"."""
    low, high = _date_texts(query, date_range)
    if low and low == high:
        return low
    if low and high:
        return f"{low} to {high}"
    return f"from {low}" if low else f"until {high}"


def _date_texts(query: Query, date_range: facets.DateRange) -> tuple[str, str]:
    """The first and last days asked for, each as the period it begins or ends ("" for an
    open end)."""
    first, last = query.dates.get(date_range.name, (None, None))
    low = _period_text(first, first=True) if first else ""
    return low, _period_text(last, first=False) if last else ""


def _period_text(day: datetime.date, *, first: bool) -> str:
    """A period's first or last day as the year or month it begins or ends, else the day."""
    year_end, month_end = ((1, 1), 1) if first else ((12, 31), monthrange(day.year, day.month)[1])
    if (day.month, day.day) == year_end:
        return str(day.year)
    if day.day == month_end:
        return day.strftime("%B %Y")
    return f"{day.day} {day:%B %Y}"


# What a region is called where it is: a chip says "State: Maryland", "Region: Bavaria, Germany".
_REGION_TITLES = {"US": "State", "AU": "State", "CA": "Province"}


def _active(
    query: Query,
    result: SearchResult,
    params: QueryDict,
    explicit: QueryDict | None = None,
    read: set[str] | frozenset[str] = frozenset(),
) -> dict[str, dict]:
    """Each active parameter in words, with the link that removes it: chips and the empty page.
    A parameter read from the search words is removed from the explicit parameters."""
    explicit = params if explicit is None else explicit
    active: dict[str, dict] = {}
    if query.q:
        active["q"] = {"title": "Search", "label": f"“{query.q}”"}
    if query.age is not None:
        active["age"] = {"title": "Age", "label": f"{query.age:g} years"}
    if query.near:
        label = f"{query.near_label} (within {query.within:g} km)"
        active["near"] = {"title": "Near", "label": label}
    if query.region:
        country = query.region.country
        # an area of several states ("Midwest") or countries ("Europe") is a region
        title = "Region" if query.region.area else _REGION_TITLES.get(country, "Region")
        label = query.region.name
        if country not in _REGION_TITLES and not query.region.countries:  # "Bavaria, Germany"
            label = f"{label}, {labels.country_name(country)}"
        active["region"] = {"title": title, "label": label}
    for date_range in facets.DATE_RANGES:
        if name := query.date_filter(date_range):
            active[name] = {"title": date_range.title, "label": dates_label(query, date_range)}
    if query.recruiting:
        active["recruiting"] = {"title": None, "label": "Recruiting or soon recruiting"}
        if query.include_unconfirmed:
            label = "Including statuses not confirmed recently"
            active["include_unconfirmed"] = {"title": None, "label": label}
    for facet in facets.declared():
        chosen = [value.label for value in result.facets.get(facet.name, ()) if value.selected]
        if chosen:
            active[facet.name] = {"title": facet.title, "label": " or ".join(chosen)}
    for name, item in active.items():
        item["name"] = name
        item["url"] = _without(explicit if name in read or name == "q" else params, name)
        item["text"] = f"{item['title']}: {item['label']}" if item["title"] else item["label"]
    for date_range in facets.DATE_RANGES:  # one chip for both ends
        if (name := query.date_filter(date_range)) in active:
            base = explicit if set(date_range.parameters) & read else params
            active[name]["url"] = _without(base, *date_range.parameters)
    if "near" in active:  # its distance and its order go with it (read: from the words too)
        base = explicit if "near" in read else params
        active["near"]["url"] = _without(base, "near", "within", *_distance_sort(params))
    return active


def _chips(
    active: dict[str, dict],
    result: SearchResult,
    query: Query,
    params: QueryDict,
    explicit: QueryDict,
) -> list[dict]:
    """One removable chip per selected facet value, one per other parameter; a value read from
    the search words says from which."""
    said = {(reading.parameter, reading.value): reading.said for reading in query.understood}
    chips = []
    for name, item in active.items():
        selected = [value for value in result.facets.get(name, ()) if value.selected]
        read = any(key[0] == name for key in said)
        if len(selected) > 1 or (read and selected):
            for value in selected:
                text = f"{item['title']}: {value.label}"
                if words := said.get((name, value.value)):
                    text += f" — from “{words}”"
                url = _toggle(explicit if read else params, name, value.value)
                chips.append({"text": text, "url": url, "read": bool(words)})
        elif read:  # a parameter that is no facet ("near" read from "lupus near Bethesda")
            said_here = "; ".join(words for key, words in said.items() if key[0] == name)
            text = f"{item['text']} — from “{said_here}”"
            chips.append({"text": text, "url": item["url"], "read": True})
        else:
            chips.append({"text": item["text"], "url": item["url"]})
    return chips


def sidebar(
    result: SearchResult,
    params: QueryDict,
    explicit: QueryDict | None = None,
    read: set[str] | frozenset[str] = frozenset(),
) -> list[dict]:
    """Each sidebar facet's first values (all of them for the one the person expanded), linked.

    Only the values shown are given URLs and rendered: a facet with two hundred drugs costs a
    link "Show all", not two hundred hidden ones.
    """
    expanded = params.get("expand")
    shown_facets = sorted(
        (facet for facet in facets.declared() if facet.sidebar is not None),
        key=lambda facet: facet.sidebar,
    )
    out = []
    expand = _expander(params)
    for facet in shown_facets:
        values = result.facets.get(facet.name)
        if values is None:
            continue
        if facet.natural_order:
            rank = {choice.value: position for position, choice in enumerate(facet.choices)}
            values = sorted(values, key=lambda value: rank.get(value.value, len(rank)))
        shown = values if facet.name == expanded else values[:FACET_SHOWN]
        # A facet set by a reading of the search words toggles it among explicit parameters.
        base = explicit if explicit is not None and facet.name in read else params
        toggle = _toggler(base, facet.name)
        out.append(
            {
                "name": facet.name,
                "title": facet.title,
                "shown": [_facet_link(toggle, value) for value in shown],
                "more": values[len(shown) :],
                "count": len(values),
                "expanded": facet.name == expanded and len(values) > FACET_SHOWN,
                "toggle_url": expand(None if facet.name == expanded else facet.name),
            }
        )
    return out


def _facet_link(toggle: Callable[[str], str], value: FacetValue) -> FacetLink:
    return FacetLink(value.value, value.label, value.count, value.selected, toggle(value.value))


def _sex_choices(query: Query, result: SearchResult) -> list[dict]:
    """The patient form's radio buttons: any sex, or one, with their counts."""
    counts = {value.value: value.count for value in result.facets.get("sex", ())}
    chosen = query.facets.get("sex") or []
    current = chosen[0] if len(chosen) == 1 else ""
    choices = facets.get("sex").choices
    return [
        {"value": "", "label": "Any", "count": None, "checked": current == ""},
        *(
            {
                "value": choice.value,
                "label": choice.label,
                "count": counts.get(choice.value, 0),
                "checked": current == choice.value,
            }
            for choice in choices
        ),
    ]
