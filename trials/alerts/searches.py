"""A search as an alert keeps it, and the trials it finds: the search page's own parsing.

`canonical()` reads a request's search parameters with params.py, as the page reads them (the
words of `q` read as filters become their parameters, unknown values are left out, `page` and
`sort` do not matter), and writes what it understood as one query string in a fixed order:
the same search is the same string, whatever order or spelling its URL had. `changed_since()`
hands that string to params.py's FilterSet (the ORM path, which needs no facet index in the job
worker): the filters are never written twice.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict

from trials.models import Trial
from trials.search import facets, params
from trials.search.engine import DEFAULT_WITHIN_KM, Query

# The parameters the page shows without a facet's words.
_FLAGS = {"recruiting": "Recruiting or soon", "include_unconfirmed": "status not confirmed too"}


def canonical(data: QueryDict) -> tuple[str, dict[str, str]]:
    """The search's canonical query string, and {parameter: message} for what was left out."""
    data, _ = params.understand(data)
    query, errors = params.parse(data)
    return urlencode(_pairs(query, (data.get("near") or "").strip())), errors


def _pairs(query: Query, near_text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if query.q:
        pairs.append(("q", query.q))
    for facet in facets.declared():
        pairs += [(facet.name, value) for value in sorted(query.facets.get(facet.name) or ())]
    if query.age is not None:
        pairs.append(("age", f"{query.age:g}"))
    if query.recruiting:
        pairs.append(("recruiting", "1"))
        if query.include_unconfirmed:
            pairs.append(("include_unconfirmed", "1"))
    if query.near:
        pairs.append(("near", near_text))
        if query.within != DEFAULT_WITHIN_KM:
            pairs.append(("within", f"{query.within:g}"))
    if query.region:
        pairs.append(("region", query.region.name))
    for date_range in facets.DATE_RANGES:
        low, high = query.dates.get(date_range.name, (None, None))
        pairs += [(date_range.low, low.isoformat())] if low else []
        pairs += [(date_range.high, high.isoformat())] if high else []
    return pairs


def describe(search: str) -> str:
    """A stored search in words, for e-mails and pages: `lupus · Phase: Phase 2 · …`."""
    data = QueryDict(search)
    parts = [f"“{data['q']}”"] if data.get("q") else []
    for facet in facets.declared():
        values = data.getlist(facet.name)
        if values:
            words = ", ".join(facets.label(facet.name, value) for value in values)
            parts.append(f"{facet.title}: {words}")
    if data.get("age"):
        parts.append(f"Age {data['age']}")
    parts += [words for name, words in _FLAGS.items() if data.get(name)]
    if data.get("near"):
        within = data.get("within") or f"{DEFAULT_WITHIN_KM:g}"
        parts.append(f"Within {within} km of {data['near']}")
    if data.get("region"):
        parts.append(f"In {data['region']}")
    for date_range in facets.DATE_RANGES:
        if data.get(date_range.low) or data.get(date_range.high):
            low, high = data.get(date_range.low) or "…", data.get(date_range.high) or "…"
            parts.append(f"{date_range.title} {low} to {high}")
    return " · ".join(parts) or "every trial"


def changed_since(search: str, since: datetime) -> QuerySet[Trial]:
    """The trials the search finds among those changed after `since`.

    The search is read again first: a value the portal no longer knows (a vocabulary term
    removed) is left out as the page would leave it out; when a parameter lost every value the
    search no longer means what the person asked for, and it finds nothing rather than every
    trial."""
    stored = QueryDict(search)
    current, _ = canonical(stored)
    data = QueryDict(current)
    if any(stored.getlist(name) and not data.getlist(name) for name in stored):
        return Trial.objects.none()
    window = Trial.objects.filter(modified__gt=since)
    filterset = params.TrialFilterSet(data, queryset=window, read_words=False)
    if not filterset.is_valid():
        return Trial.objects.none()
    return filterset.qs
