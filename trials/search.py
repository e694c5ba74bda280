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
from dataclasses import dataclass, field, replace

import numpy as np
from django.db import connection
from django.db.models import FloatField, TextField
from django.db.models.expressions import RawSQL

from trials import labels, spelling
from trials.facetindex import FacetIndex, get_index
from trials.models import Identifier, Status, Trial
from trials.readers.identifiers import identifier_norm

PAGE_SIZE = 20
RANK_LIMIT = 2000
# A query finding this few trials is checked for typos (see _suggestion).
SUGGEST_BELOW = 2
TSQUERY = "websearch_to_tsquery('english', %s)"
FACETS = (
    "condition",
    "drug",
    "phase",
    "status",
    "country",
    "study_type",
    "sex",
    "age_group",
    "refractory",
    "registry",
)
# "Recruiting or soon recruiting", the patients' switch.
OPEN_STATUSES = [Status.RECRUITING, Status.NOT_YET_RECRUITING, Status.ENROLLING_BY_INVITATION]
# ts_headline's markers around matched words: control characters no registry text contains, so
# that the template can escape the text first and only then mark the matches.
START, STOP = "\x02", "\x03"
HEADLINE = (
    "ts_headline('english', coalesce(text_summary, '') || ' ' || coalesce(text_criteria, ''), "
    f"{{tsquery}}, 'StartSel={START}, StopSel={STOP}, MaxWords=28, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "\')'
)
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
    # When the query found nothing and a spelling correction did: the query as typed.
    corrected_from: str | None = None
    corrected_to: str | None = None
    suggestion: str | None = None
    # With no results: how many each active parameter's removal would give.
    drop_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Query:
    """Cleaned parameters (see filters.parse)."""

    q: str = ""
    facets: dict[str, list[str]] = field(default_factory=dict)
    age: float | None = None
    recruiting: bool = False
    sort: str = ""
    page: int = 1

    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "updated")

    @property
    def refractory(self) -> bool:
        return "1" in self.facets.get("refractory", [])

    @property
    def sex(self) -> str | None:
        """The one sex asked for (FEMALE or MALE), or None when none or both are."""
        chosen = self.facets.get("sex") or []
        return chosen[0].upper() if len(chosen) == 1 else None


def search(query: Query) -> SearchResult:
    index = get_index()
    id_pks = _id_match(query.q)
    corrected_from = None
    masks = _masks(index, query, id_pks)
    if "q" in masks and not masks["q"].any() and (better := spelling.correct(query.q)):
        hits = index.rows_of(text_hits(index, better))
        if len(hits):
            corrected_from, query = query.q, replace(query, q=better)
            masks["q"] = np.zeros(index.n, bool)
            masks["q"][hits] = True
    suggestion = _suggestion(index, query.q, masks["q"]) if "q" in masks else None
    everything = _combine(index, masks)
    count = int(everything.sum())
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(query.page, 1), pages)
    start = (page - 1) * PAGE_SIZE

    facets = {}
    for name in FACETS:
        others = [k for k in masks if k != name]
        facets[name] = index.counts(name, _combine(index, masks, skip=name) if others else None)

    ranked = query.effective_sort() == "relevance" and bool(query.q) and count <= RANK_LIMIT
    if ranked:
        trials = _page(query.q).filter(pk__in=index.cols.pks[everything].tolist())
        trials = list(trials.order_by("-rank", "-last_updated", "pk")[start : start + PAGE_SIZE])
    else:
        sort = query.effective_sort() if query.effective_sort() != "relevance" else "updated"
        order = index.order(sort)
        rows = order[everything[order]][start : start + PAGE_SIZE]
        trials = _fetch(_page(query.q), index.cols.pks[rows])
    for trial in trials:
        trial.snippet = _segments(getattr(trial, "headline", None))
    match = None
    if len(id_pks) == 1:
        match = next((t for t in trials if t.pk == id_pks[0]), None)
    drops = {k: int(_combine(index, masks, skip=k).sum()) for k in masks} if not count else {}
    return SearchResult(
        trials,
        count,
        page,
        pages,
        _label(facets, query),
        match,
        corrected_from=corrected_from,
        corrected_to=query.q if corrected_from else None,
        suggestion=suggestion if not corrected_from else None,
        drop_counts=drops,
    )


def _suggestion(index: FacetIndex, q: str, hits: np.ndarray) -> str | None:
    """A respelling to offer ("Did you mean …?") when the query finds only a trial or two and
    the respelt one finds more: a typo beside a correct word ("lupis or abatacept")."""
    found = int(hits.sum())
    if not 0 < found <= SUGGEST_BELOW or not (better := spelling.correct(q)):
        return None
    return better if len(index.rows_of(text_hits(index, better))) > found else None


def _masks(index: FacetIndex, query: Query, id_pks: list[int]) -> dict[str, np.ndarray]:
    """One mask per active parameter, named as the parameter is."""
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
    if query.age is not None:
        with np.errstate(invalid="ignore"):
            masks["age"] = (np.isnan(cols.min_age) | (cols.min_age <= query.age)) & (
                np.isnan(cols.max_age) | (cols.max_age >= query.age)
            )
    if query.recruiting:
        masks["recruiting"] = index.facet_mask("status", OPEN_STATUSES)
    return masks


def _combine(index: FacetIndex, masks: dict, skip: str | None = None) -> np.ndarray:
    m = index.alive.copy()
    for name, mask in masks.items():
        if name != skip:
            m &= mask
    return m


_text_cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
TEXT_CACHE_SIZE = 256
# And at most this many ids in all (8 bytes each): a word in a fifth of a million trials has
# 200,000 of them, and 256 such answers would be 400 MB in every worker.
TEXT_CACHE_IDS = 4_000_000


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
    held = sum(len(h) for h in _text_cache.values())
    while len(_text_cache) > 1 and (len(_text_cache) > TEXT_CACHE_SIZE or held > TEXT_CACHE_IDS):
        held -= len(_text_cache.popitem(last=False)[1])
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


def _page(q: str):
    """The queryset a page of results is read from: few columns, rank and snippet with text."""
    trials = Trial.objects.only(*RESULT_FIELDS)
    if q:
        trials = trials.annotate(
            rank=RawSQL(f"ts_rank_cd(search, {TSQUERY}, 32)", [q], output_field=FloatField()),
            headline=RawSQL(HEADLINE.format(tsquery=TSQUERY), [q], output_field=TextField()),
        )
    return trials


def _fetch(trials, pks: np.ndarray) -> list[Trial]:
    if not len(pks):
        return []
    by_pk = trials.in_bulk(pks.tolist())
    return [by_pk[pk] for pk in pks.tolist() if pk in by_pk]


def _segments(headline: str | None) -> list[tuple[str, bool]] | None:
    """ts_headline's text as (text, is_match) pairs, for the template to escape and mark."""
    if not headline or START not in headline:
        return None
    out = []
    for i, part in enumerate(headline.replace(STOP, START).split(START)):
        if part:
            out.append((part, i % 2 == 1))
    return out


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
