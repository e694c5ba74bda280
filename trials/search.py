"""The query and facet engine: cleaned search parameters in, one page of trials and counts out.

Filters and facet counts run on this process's `FacetIndex` (numpy masks and bincounts); full
text runs in PostgreSQL (the stored, weighted tsvector and its GIN index) and comes back as the
set of matching trial ids, cached per query until the data changes. Facet counts are
disjunctive: each facet's counts apply every filter but its own. Relevance is PostgreSQL's
`ts_rank_cd`, computed only when the hits are few enough to rank cheaply; broader queries are
ordered by last update. A search costs one to three statements whatever the page size.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import FloatField
from django.db.models.expressions import RawSQL

from trials import labels
from trials.facetindex import FacetIndex, get_index
from trials.ingest.merge import identifier_norm
from trials.models import Identifier, Sex, Trial

PAGE_SIZE = 20
RANK_LIMIT = 2000
TSQUERY = "websearch_to_tsquery('english', %s)"
FACETS = ("condition", "drug", "phase", "status", "country")
SORTS = ("relevance", "updated", "start", "enrollment")
RESULT_FIELDS = (
    "key",
    "trial_id",
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
)
SEX_CODES = {Sex.FEMALE: 2, Sex.MALE: 3}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class SearchResult:
    trials: list
    count: int
    page: int
    pages: int
    facets: dict[str, list[FacetValue]]
    id_match: Trial | None = None
    ranked: bool = False


@dataclass
class Query:
    """Cleaned parameters (see filters.parse)."""

    q: str = ""
    facets: dict[str, list[str]] = field(default_factory=dict)
    refractory: bool = False
    age: float | None = None
    sex: str | None = None
    sort: str = ""
    page: int = 1

    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "updated")


def search(query: Query) -> SearchResult:
    index = get_index()
    id_pks = _id_match(query.q)
    masks = _masks(index, query, id_pks)
    everything = _combine(index, masks)
    count = int(everything.sum())
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(query.page, 1), pages)
    start = (page - 1) * PAGE_SIZE

    facets = {}
    for name in FACETS:
        others = [k for k in masks if k != name]
        facets[name] = index.counts(name, _combine(index, masks, skip=name) if others else None)

    ranked = False
    if query.effective_sort() == "relevance" and query.q and count <= RANK_LIMIT:
        trials, ranked = _ranked_page(index.cols.pks[everything], query.q, start), True
    else:
        sort = query.effective_sort() if query.effective_sort() != "relevance" else "updated"
        order = index.order(sort)
        rows = order[everything[order]][start : start + PAGE_SIZE]
        trials = _fetch(index.cols.pks[rows])
    match = None
    if len(id_pks) == 1:
        match = next((t for t in trials if t.pk == id_pks[0]), None)
    return SearchResult(trials, count, page, pages, _label(facets, query), match, ranked)


def _masks(index: FacetIndex, query: Query, id_pks: list[int]) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    cols = index.cols
    if query.q:
        m = np.zeros(index.n, bool)
        m[index.rows_of(text_hits(index, query.q))] = True
        m[index.rows_of(np.asarray(id_pks, np.int64))] = True
        masks["q"] = m
    for name in FACETS:
        if selected := query.facets.get(name):
            masks[name] = index.facet_mask(name, selected)
    if query.refractory:
        masks["refractory"] = cols.refractory
    if query.age is not None:
        with np.errstate(invalid="ignore"):
            masks["age"] = (np.isnan(cols.min_age) | (cols.min_age <= query.age)) & (
                np.isnan(cols.max_age) | (cols.max_age >= query.age)
            )
    if query.sex in SEX_CODES:
        masks["sex"] = (cols.sex <= 1) | (cols.sex == SEX_CODES[query.sex])
    return masks


def _combine(index: FacetIndex, masks: dict, skip: str | None = None) -> np.ndarray:
    m = index.alive.copy()
    for name, mask in masks.items():
        if name != skip:
            m &= mask
    return m


_text_cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
TEXT_CACHE_SIZE = 256


def text_hits(index: FacetIndex, q: str) -> np.ndarray:
    """Ids of the trials matching q (web-search syntax), cached until the data changes."""
    key = (q, index.seq)
    if key in _text_cache:
        _text_cache.move_to_end(key)
        return _text_cache[key]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT string_agg(id::text, ',') FROM trials_trial WHERE search @@ {TSQUERY}", [q]
        )
        joined = cursor.fetchone()[0]
    hits = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
    _text_cache[key] = hits
    if len(_text_cache) > TEXT_CACHE_SIZE:
        _text_cache.popitem(last=False)
    return hits


def _id_match(q: str) -> list[int]:
    """Trials one of whose identifiers is exactly the query (a registry number from a paper)."""
    q = q.strip()
    # Every registry's IDs contain digits; words never need this look-up.
    if not q or " " in q or len(q) > 60 or not any(ch.isdigit() for ch in q):
        return []
    return list(
        Identifier.objects.filter(norm=identifier_norm(q))
        .values_list("trial_id", flat=True)
        .distinct()
    )


def _ranked_page(pks: np.ndarray, q: str, start: int) -> list[Trial]:
    rank = RawSQL(f"ts_rank_cd(search, {TSQUERY}, 32)", [q], output_field=FloatField())
    return list(
        Trial.objects.filter(pk__in=pks.tolist())
        .annotate(rank=rank)
        .only(*RESULT_FIELDS)
        .order_by("-rank", "-last_updated", "pk")[start : start + PAGE_SIZE]
    )


def _fetch(pks: np.ndarray) -> list[Trial]:
    if not len(pks):
        return []
    by_pk = Trial.objects.only(*RESULT_FIELDS).in_bulk(pks.tolist())
    return [by_pk[pk] for pk in pks.tolist() if pk in by_pk]


def _label(counts: dict[str, dict[str, int]], query: Query) -> dict[str, list[FacetValue]]:
    out = {}
    for name in FACETS:
        selected = set(query.facets.get(name) or [])
        values = dict(counts[name])
        for value in selected:
            values.setdefault(value, 0)
        items = [FacetValue(v, labels.label(name, v), n, v in selected) for v, n in values.items()]
        items.sort(key=lambda fv: (not fv.selected, -fv.count, fv.label.lower()))
        out[name] = items
    return out
