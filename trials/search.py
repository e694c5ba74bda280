"""The query and facet engine: cleaned search parameters in, one page of trials and counts out.

Every filter is a WHERE clause on the `trials_trial` row (facet values are denormalized arrays
there), so a search is three statements whatever the page size: the page, the total, and all
facet counts in one UNION ALL. Facet counts are disjunctive: each facet's counts apply every
filter but its own, so a selected facet's other values stay visible with their counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL

from trials import labels
from trials.ingest.merge import identifier_norm
from trials.models import Identifier, Trial

PAGE_SIZE = 20
TABLE = Trial._meta.db_table
TSQUERY = "websearch_to_tsquery('english', %s)"


@dataclass(frozen=True)
class FacetSpec:
    name: str
    column: str
    is_array: bool


FACETS = (
    FacetSpec("condition", "conditions", True),
    FacetSpec("drug", "drugs", True),
    FacetSpec("phase", "phases", True),
    FacetSpec("status", "status", False),
    FacetSpec("country", "countries", True),
)
SORTS = {
    "relevance": None,  # rank, computed per query
    "updated": ["-last_updated", "key"],
    "start": ["-start_date", "key"],
    "enrollment": ["-enrollment", "key"],
}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    trials: list
    count: int
    page: int
    pages: int
    facets: dict[str, list[FacetValue]]
    id_match: Trial | None = None


@dataclass
class Query:
    """Cleaned parameters (see filters.SearchForm)."""

    q: str = ""
    facets: dict[str, list[str]] = field(default_factory=dict)
    refractory: bool = False
    age: float | None = None
    sex: str | None = None
    sort: str = ""
    page: int = 1

    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "updated")


def _where(query: Query, id_trials: list[int], skip: str | None = None) -> tuple[str, list]:
    clauses, params = [], []
    if query.q:
        if id_trials:
            clauses.append(f"(search @@ {TSQUERY} OR id = ANY(%s))")
            params += [query.q, id_trials]
        else:
            clauses.append(f"search @@ {TSQUERY}")
            params.append(query.q)
    for spec in FACETS:
        values = query.facets.get(spec.name)
        if values and spec.name != skip:
            if spec.is_array:
                clauses.append(f"{spec.column} && %s::varchar[]")
            else:
                clauses.append(f"{spec.column} = ANY(%s::varchar[])")
            params.append(values)
    if query.refractory:
        clauses.append("is_refractory")
    if query.age is not None:
        clauses.append("(min_age IS NULL OR min_age <= %s) AND (max_age IS NULL OR max_age >= %s)")
        params += [query.age, query.age]
    if query.sex:
        clauses.append("(sex IS NULL OR sex = 'ALL' OR sex = %s)")
        params.append(query.sex)
    return (" AND ".join(clauses) or "TRUE"), params


def _id_match(q: str) -> list[int]:
    """Trials one of whose identifiers is exactly the query (a registry number from a paper)."""
    q = q.strip()
    # Every registry's IDs contain digits; words never need this look-up.
    if not q or " " in q or len(q) > 60 or not any(ch.isdigit() for ch in q):
        return []
    return list(
        Identifier.objects.filter(norm=identifier_norm(q)).values_list("trial_id", flat=True)
    )


def search(query: Query) -> SearchResult:
    id_trials = _id_match(query.q)
    where, params = _where(query, id_trials)
    condition = RawSQL(where, params, output_field=BooleanField())
    hits = Trial.objects.filter(condition)

    facets = _facet_counts(query, id_trials)
    count = facets[""].get("", 0)
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(query.page, 1), pages)
    ordered = _ordered(hits, query)
    start = (page - 1) * PAGE_SIZE
    trials = list(
        ordered.only(
            "key",
            "title",
            "status",
            "phases",
            "conditions",
            "drugs",
            "countries",
            "is_refractory",
            "last_updated",
            "start_date",
            "enrollment",
            "study_type",
        )[start : start + PAGE_SIZE]
    )
    match = next((t for t in trials if t.pk in id_trials), None) if len(id_trials) == 1 else None
    return SearchResult(trials, count, page, pages, _label(facets, query), id_match=match)


def _ordered(hits, query: Query):
    sort = query.effective_sort()
    if sort == "relevance" and query.q:
        rank = RawSQL(f"ts_rank_cd(search, {TSQUERY}, 32)", [query.q])
        return hits.annotate(rank=rank).order_by("-rank", "-last_updated", "key")
    fields = SORTS.get(sort) or SORTS["updated"]
    return hits.order_by(F(fields[0][1:]).desc(nulls_last=True), *fields[1:])


def _facet_counts(query: Query, id_trials: list[int]) -> dict[str, dict[str, int]]:
    """All facets' counts in one statement; also the total (facet '' = every filter applied)."""
    parts, params = [], []
    for spec in FACETS:
        where, p = _where(query, id_trials, skip=spec.name)
        value = f"unnest({spec.column})" if spec.is_array else spec.column
        parts.append(
            f"SELECT %s AS facet, v AS value, count(*) AS n FROM "
            f"(SELECT {value} AS v FROM {TABLE} WHERE {where}) s GROUP BY v"
        )
        params += [spec.name, *p]
    where, p = _where(query, id_trials)
    parts.append(f"SELECT '' AS facet, '' AS value, count(*) AS n FROM {TABLE} WHERE {where}")
    params += p
    counts: dict[str, dict[str, int]] = {spec.name: {} for spec in FACETS}
    counts[""] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for facet, value, n in cursor.fetchall():
            if value is not None:
                counts[facet][value] = n
    return counts


def _label(counts: dict[str, dict[str, int]], query: Query) -> dict[str, list[FacetValue]]:
    out = {}
    for spec in FACETS:
        selected = set(query.facets.get(spec.name) or [])
        values = dict(counts[spec.name])
        for value in selected:
            values.setdefault(value, 0)
        items = [
            FacetValue(v, labels.label(spec.name, v), n, v in selected) for v, n in values.items()
        ]
        items.sort(key=lambda fv: (not fv.selected, -fv.count, fv.label.lower()))
        out[spec.name] = items
    return out
