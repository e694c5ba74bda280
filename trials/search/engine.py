"""The query and facet engine: cleaned search parameters in, one page of trials and counts out.

Filters and facet counts run on this process's `FacetIndex` (numpy masks and bincounts); full
text runs in PostgreSQL (the stored, weighted tsvector and its GIN index) and comes back as the
set of matching trial ids, cached per query until the data changes. Facet counts are
disjunctive: each facet's counts apply every filter but its own. Relevance is PostgreSQL's
`ts_rank_cd`, computed only when the hits are few enough to rank cheaply; broader queries are
ordered by last update. A search costs one to three statements whatever the page size.

The results are immutable: the web layer's presenters turn them into links and words.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from django.utils import timezone

from portal.replicas import search_connection
from trials.models import (
    MATCH_START,
    MATCH_STOP,
    RANKED_ORDER,
    Ids,
    Sex,
    Status,
    Trial,
    headline_part,
    ids,
    unconfirmed_before,
)
from trials.readers.vocabulary import Vocabulary
from trials.search import cache, facets, labels, lexemes, readings, regions, spelling, words
from trials.search.distance import NearestSite, Proximity
from trials.search.fulltext import (
    RELAXED_AWAY_MAX,
    about,
    about_first,
    counts,
    passing_mentions,
    passing_mentions_relaxed,
    skin_in_general_mask,
    text_rows,
    untagged_turning_away,
    welcomed,
)
from trials.search.index import SORT_COLUMNS, FacetIndex, get_index
from trials.search.rank_query import rank_query
from trials.search.readings import Reading
from trials.search.regions import State
from trials.search.rows import by_pk, ranked_by_pk
from trials.search.timing import timed

PAGE_SIZE = 20
RANK_LIMIT = 2000
# The most matching trials whose records' text a tier reads (engine._tiers, _saying): their
# interventions for a route asked for or refused, their sites' names for an institution said.
# Beyond, the words alone order them.
ROUTE_ROWS_MAX = 2000
# … and whose criteria it reads for whom they turn away (pregnant, breastfeeding:
# words.EXCLUDED_CIRCUMSTANCES; a drug that failed: _turned_away_last), fewer: reading 2,000
# trials' criteria costs 60–80 ms (the bench's "granuloma annulare failed aldesleukin" at
# 100k: 1,816 matches), 300 a tenth of it. The field's own searches match fewer.
AWAY_ROWS_MAX = 300
# The matches whose titles and conditions are read for a marker the query denies (the leading
# tiers' within it): a short text a trial, cheaper to read than criteria.
MARKED_ROWS_MAX = 2_000
# A list of trials with only some of the query's words (relaxed, or filled: words.FILL_BELOW)
# ranks each trial by its rank (0 to 1) plus up to this much for the words it has (where it
# has them: COVERAGE_IN), each word weighing by its rarity among all trials (inverse document
# frequency): "SC fludarabine for refractory autoimmune disease" lists the fludarabine trials
# before those about autoimmune disease. Relevance set: 0.900 without, 0.906-0.910 from 0.3
# to 4 (docs/benchmarks.md, session 21).
COVERAGE = 1.0
# Where a trial has a word counts: in its title, conditions or drugs (A, B: what it is about)
# all of the word's weight, in its summary (C) half, only in its description, criteria or sites
# (D) a quarter, as ts_rank_cd weighs those parts against B (0.4, 0.2, 0.1).
COVERAGE_IN = (("AB", 1.0), ("ABC", 0.5), ("", 0.25))
# How much more a rarer word weighs: its inverse document frequency to this power (2: the
# relevance set 0.909 and the tenth blind set 0.679, against 0.909 and 0.669 with 1).
RARITY_POWER = 2
# An everyday English word no vocabulary has (spelling.everyday_groups: "trip", "newer",
# "offered") weighs as if at least this share of the trials had it: rare among the trials, it
# is incidental to a sentence, not what it asks for ("… physio and a trip to the spa didnt
# help … endoscopic discectomy or a regular microdiscectomy": the discectomy words order it).
# Relevance set 0.8525 -> 0.8535 (0.02: 0.8528, 0.05: 0.8531, 0.2: 0.8535); session 49's blind
# sets 0.733 -> 0.748 (docs/benchmarks.md, session 49).
EVERYDAY_SHARE = 0.1
# … in a query of this many words the trials have or more: in a shorter one every word is
# meant ("dog allergy", "music therapy dementia"). Relevance set 0.8534 (3: 0.8535).
EVERYDAY_FROM_PARTS = 4
# A search for children's trials (age_group=child: chosen, or read from "kids", "my daughter";
# or an age under 18) ranks the trials for the young only (the oldest they admit at most this)
# before the others: a parent typing "psoriasis in kids" wants a paediatric trial before an
# adult one that also admits 16-year-olds; and those that state ages before those that state
# none (whom they take is unknown). Each tier is ranked as before. Only where relevance
# ranks (words, at most RANK_LIMIT matches): other orders are the one chosen.
YOUNG_ONLY_MAX_AGE = 21
# A teenager's ages: a search said with a word for one (lay_terms.json `teen`) ranks the trials
# that take someone of these ages first.
TEEN_AGES = (13, 17)
# A search for older people (age_group=older_adult alone: "studies for older people with lung
# cancer") ranks the trials for older people only (the youngest they take this or more:
# "Docetaxel plus bevacizumab for elderly patients", 70 and over) before the others, as a
# child's search ranks the children's trials first.
OLDER_ONLY_MIN_AGE = 60
# From this age a search said with one ("my mom is 72 and has lupus") lists the trials about
# pregnancy (PREGNANCY_TITLE: registries, heart block in the unborn) after the others: past it
# no one joins them, though their ages often say "18 and over".
PAST_PREGNANCY_AGE = 55
PREGNANCY_TITLE = r"pregnan|gestation|\yfetal|\yfoetal|neonatal|postpartum|in utero|\yunborn"
# A query finding this few trials is checked for typos (see _suggestion).
SUGGEST_BELOW = 2
SORTS = ("relevance", *SORT_COLUMNS, "distance")
# A search filled without its `near` (no trial within reach): the trials with a site this close
# (km) are listed before the others.
NEAR_FILL_KM = 600
# With `near`, without `within`: how far a site may be, in km.
DEFAULT_WITHIN_KM = 100.0
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
    "status_verified",
    "start_date",
    "completion_date",
    "enrollment",
    "study_type",
)
# A text's matched words and the rest, in order: [("… in ", False), ("lupus", True), …].
Snippet = tuple[tuple[str, bool], ...]


class FacetValue(NamedTuple):
    """A facet's value, counted. A named tuple, not a frozen dataclass: a search makes one for
    every value of every facet (hundreds), and a tuple is several times cheaper to make."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Hit:
    """One result: the trial's row (a few columns) and, with a text query, its snippet.

    Reads like the row it wraps (`hit.title`, `hit.get_absolute_url`), so that the template and
    the API need not know the difference; the row itself is left as the database gave it."""

    trial: Trial
    snippet: Snippet | None = None
    nearest_site: NearestSite | None = None
    # Which text the snippet is from: "summary" or "criteria" (models.HEADLINE_PARTS).
    snippet_part: str | None = None

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "trial":  # copying and pickling probe these
            raise AttributeError(name)
        return getattr(self.trial, name)


@dataclass(frozen=True)
class SearchResult:
    trials: tuple[Hit, ...]
    count: int
    page: int
    pages: int
    facets: MappingProxyType[str, tuple[FacetValue, ...]]
    id_match: Trial | None = None
    # When the query found nothing and a spelling correction did: the query as typed.
    corrected_from: str | None = None
    corrected_to: str | None = None
    suggestion: str | None = None
    # With no results: how many each active parameter's removal would give.
    drop_counts: MappingProxyType[str, int] = MappingProxyType({})
    # With "Recruiting or soon": the open trials left out as no longer confirmed.
    unconfirmed_left_out: int = 0
    # No trial had every word of the query: these have some of them, best first.
    relaxed: bool = False
    # Few trials had every word (words.FILL_BELOW): this many, listed first; after them, those
    # with some of the words (counted in `count`). None when the query was not filled.
    all_words: int | None = None
    # No trial is about the terms the query names: this many mention them only in passing
    # (summary, description, inclusion criteria), and are neither listed nor counted.
    passing: int = 0
    # Few trials (words.FILL_BELOW) met the failure, place, status or phase read from the words
    # ("prednisone didn't help", "in Japan", "still recruiting": readings.READ_FILLED): this
    # many, listed first; after them, the query's other trials (counted in `count`). None when
    # the search was not filled so.
    read_first: int | None = None
    # Relaxed, few trials (words.FILL_BELOW) were about what the query names most closely: this
    # many, listed first; after them, those about one of the other diseases it names
    # (fulltext.about_first). None when the list was not filled so.
    about_first: int | None = None
    # No trial was about the diseases the query names (as typed: `broader_from`); these are
    # about the group they belong to (`broader_to`, searched instead: "pemphigus": autoimmune
    # blistering diseases).
    broader_from: str | None = None
    broader_to: str | None = None
    # Few trials (words.FILL_BELOW) test the drugs a query names and nothing else: this many,
    # listed first; after them (counted in `count`) the trials of other drugs of their class
    # (`same_class`, its label: words.same_class). None when the search was not filled so.
    class_first: int | None = None
    same_class: str | None = None
    # Few trials (words.FILL_BELOW) matched a query naming skin diseases ("bullous pemphigoid"):
    # this many, listed first; after them (counted in `count`) the trials open to skin
    # diseases in general (words.skin_in_general). None when the search was not filled so.
    general_first: int | None = None


@dataclass(frozen=True)
class Query:
    """Cleaned parameters (see params.parse)."""

    q: str = ""
    facets: dict[str, list[str]] = field(default_factory=dict)
    age: float | None = None
    recruiting: bool = False
    # With `recruiting`: keep open trials whose status is no longer confirmed (see open_mask).
    include_unconfirmed: bool = False
    sort: str = ""
    page: int = 1
    # Trials a page (the API's `page_size`; the search page always shows PAGE_SIZE).
    page_size: int = PAGE_SIZE
    # `q` as typed, when words of it were read as filters (`understood`; params.understand):
    # `q` is then the words left to search.
    typed: str = ""
    understood: tuple[Reading, ...] = ()

    @property
    def as_typed(self) -> str:
        return self.typed or self.q

    # A place (params.parse reads `near` with trials/search/places.py): (lat, lon), its words.
    near: tuple[float, float] | None = None
    near_label: str = ""
    within: float = DEFAULT_WITHIN_KM
    # A US state (regions.py): trials with a site in it.
    region: State | None = None
    # The dates asked for, by date filter (facets.DATE_RANGES: "start" for `start_from` and
    # `start_to`): the first and last days admitted (facets.period's), None for an open end.
    dates: dict[str, tuple[datetime.date | None, datetime.date | None]] = field(
        default_factory=dict
    )

    def date_filter(self, date_range: facets.DateRange) -> str | None:
        """A date filter asked for (both ends one filter), named by its first parameter
        given: what its mask, its chip and a reading of it are called; None when not."""
        low, high = self.dates.get(date_range.name, (None, None))
        return date_range.low if low else date_range.high if high else None

    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if self.q else "distance" if self.near else "updated"

    @property
    def for_children(self) -> bool:
        """A child's search (facets.for_children): its children's trials ranked first (_tiers),
        its age let go like the other filters read (_read_filled)."""
        return facets.for_children(self.facets.get("age_group", ()), self.age)


@dataclass(frozen=True)
class _Matched:
    """What a query matches, before any page is cut: the masks, their combination, and what
    the search did to the query (respelt, relaxed) on the way."""

    index: FacetIndex
    query: Query
    masks: dict[str, np.ndarray]
    everything: np.ndarray
    id_pks: list[int]
    near: Proximity | None
    distances: np.ndarray | None
    corrected_from: str | None
    relaxed: bool
    passing: int
    suggestion: str | None
    # The rows with every word of a query filled with partial matches (words.FILL_BELOW).
    all_words: np.ndarray | None = None
    # The rows meeting the filters read from the words when the search was filled without them,
    # and for each kind of filter read (readings.READ_FILLED) the rows meeting it.
    read_first: np.ndarray | None = None
    # The query as typed, when no trial was about the diseases it names and their group's name
    # (words.broader) was searched instead: `query.q`.
    broader_from: str | None = None
    # The rows about what a relaxed query names most closely, when filled (fulltext.about_first).
    about_first: np.ndarray | None = None
    read_met: tuple[np.ndarray, ...] = ()  # see read_first
    # The query respelt, when it was (`query.q` unless its group was searched instead).
    corrected_to: str | None = None
    # The rows testing the drugs a query names, when filled with their class's (_class_filled),
    # and the class's label.
    class_first: np.ndarray | None = None
    same_class: str | None = None
    # The rows matching a query naming skin diseases, when filled with the trials open to skin
    # diseases in general (_general_filled).
    general_first: np.ndarray | None = None


@timed("masks")  # the match's own time: masks, combining, distances
def _match(query: Query) -> _Matched:
    index = get_index()
    id_pks = _id_match(query.q)
    masks = _masks(index, query, id_pks)
    near = index.sites.around(*query.near, query.within) if query.near else None
    distances = near.per_row(index.row_count) if near else None
    if distances is not None:
        masks["near"] = np.isfinite(distances)
    if query.region:
        masks["region"] = regions.mask(index, query.region)
    corrected_from, relaxed = None, False
    words_relaxed = False  # the words relaxed, whatever was searched instead (_read_filled)
    about_listed = None
    passing = passing_mentions(index, query.q) if "q" in masks else 0
    short = words.named_by_abbreviation(query.q) if "q" in masks and not passing else ()
    if short and not (masks["q"] & index.facet_mask("condition", list(short))).any():
        # "PG trials": no trial tagged pyoderma gangrenosum, those with the letters say
        # them for something else (pregabalin): mentions, not trials about it.
        passing = int(np.count_nonzero(masks["q"]))
    if passing:
        masks["q"] = np.zeros(index.row_count, bool)
        masks["q"][index.rows_of(np.asarray(id_pks, np.int64))] = True
    unquoted_from = None
    if "q" in masks and not masks["q"].any() and (bare := words.unquoted(query.q)):
        # A phrase pasted in quotes that no trial has word for word: its words, as typed bare
        # (the page says so, as of a respelling).
        unquoted_from, query = query.q, replace(query, q=bare)
        masks["q"] = np.zeros(index.row_count, bool)
        masks["q"][text_rows(index, bare)] = True
        if passing := passing_mentions(index, bare):
            masks["q"][:] = False
    better, fixes = None, {}
    if "q" in masks and not masks["q"].any() and (fixes := spelling.corrections(query.q)):
        better = spelling.respelt(query.q, fixes)
        hits = text_rows(index, better)
        # A respelling only when trials are about it, not when they mention it in passing.
        if len(hits) and about(index, better):
            corrected_from, query = query.q, replace(query, q=better)
            masks["q"] = np.zeros(index.row_count, bool)
            masks["q"][hits] = True
        elif _respelt_disease(index, query.q, better, hits):
            # Respelt, it names a disease no trial is about: what the disease spelt right
            # finds, below: its group's trials ("icthyosis", "the doctor called it
            # icthyosis"), those open to any skin disease ("vitaligo"), or those that mention
            # it in passing, said so ("alopesha").
            corrected_from, query = query.q, replace(query, q=better)
            passing = passing or passing_mentions(index, better)
    if "q" in masks and not masks["q"].any() and words.can_relax(query.q):
        # No trial has every word: those with any of them, ranked (issue 14, point 2); those
        # of the respelt words ("excema injections for adults") when trials are about each
        # word respelt.
        hits = np.zeros(0, np.int32)
        if fixes and (respelt := _respelt_about(index, query.q, fixes)):
            hits = text_rows(index, respelt, relaxed=True)
            if len(hits):  # what was typed, when respelt before (_respelt_disease)
                corrected_from, query = corrected_from or query.q, replace(query, q=respelt)
        if not corrected_from:
            hits = text_rows(index, query.q, relaxed=True)
        relaxed = words_relaxed = bool(len(hits))
        masks["q"][hits] = True
        if relaxed and (first := about_first(index, query.q)) is not None:
            about_listed = np.zeros(index.row_count, bool)
            about_listed[first] = True  # listed first (_tiers)
        if not relaxed and not passing and not corrected_from:
            passing = passing_mentions_relaxed(index, query.q)  # no trial is about its diseases
    corrected_from = corrected_from or unquoted_from
    corrected_to = query.q if corrected_from else None
    broader_from = None
    if "q" in masks and (not masks["q"].any() or (relaxed and _untagged(index, query.q))):
        # No trial is about the diseases it names, alone or among other words ("rituximab
        # pemphigus"): those about their group, or open to any skin disease (_wider). Nor when
        # only its other words find trials, none of those ("lichen planopilaris or frontal
        # fibrosing alopecia": acne scars through "scarring"; "i have ulcerative colitis …
        # the dermatologist thinks its pyoderma gangrenosum": colitis trials).
        if (wider := _wider(index, query.q)) is not None and not (wider[2] & masks["q"]).any():
            broader_from, query = wider[0], replace(query, q=wider[1])
            masks["q"] = wider[2]
            passing, relaxed, about_listed = 0, False, None
        elif not masks["q"].any() and (siblings := _class_broader(index, query.q)) is not None:
            # No trial tests the drugs it names and nothing else ("apremilast"): those testing
            # the other drugs of their class (words.same_class), ranked by the class's name.
            broader_from, query = siblings[2], replace(query, q=siblings[1])
            masks["q"] = siblings[0]
    suggestion = _suggestion(index, query.q, masks["q"]) if "q" in masks else None
    all_words = None
    if "q" in masks and not (relaxed or passing or broader_from or id_pks):
        all_words = _filled(index, query.q, masks)  # not a registry ID's trial either
    class_first, same_class = None, None
    if "q" in masks and not (relaxed or passing or broader_from or id_pks) and all_words is None:
        class_first, same_class = _class_filled(index, query.q, masks)
    general_first = None
    filled = all_words is not None or class_first is not None
    # A group searched instead (broader) is filled as a disease named is ("mucous membrane
    # pemphigoid": the one trial about autoimmune blistering diseases, then those open to any
    # skin disease); not the skin in general itself, nor a drug's class.
    group_instead = broader_from and words.skin_diseases_named(query.q) is not None
    if "q" in masks and not (passing or (broader_from and not group_instead) or id_pks or filled):
        general_first = _general_filled(index, query.q, masks, relaxed)
    everything = _combine(index, masks)
    read_first, read_met = None, ()
    if (wider := _read_filled(index, query, masks, everything, words_relaxed)) is not None:
        masks, everything, read_first, read_met = wider
    # Within the filters as kept (_read_filled may have widened them).
    if (
        relaxed
        and general_first is None
        and about_listed is None
        and not broader_from
        and (general_first := _general_after_named(index, query.q, masks)) is not None
    ):
        everything = _combine(index, masks)
    return _Matched(
        index,
        query,
        masks,
        everything,
        id_pks,
        near,
        distances,
        corrected_from,
        relaxed,
        passing,
        suggestion,
        all_words,
        read_first,
        broader_from,
        about_listed,
        read_met,
        corrected_to,
        class_first,
        same_class,
        general_first,
    )


def _general_filled(
    index: FacetIndex, text: str, masks: dict[str, np.ndarray], relaxed: bool = False
) -> np.ndarray | None:
    """When fewer than words.FILL_BELOW trials match a query naming skin diseases and nothing
    else (words.skin_diseases_named: "bullous pemphigoid", "my dad has bullous pemphigoid"),
    the trials open to skin diseases in general (words.skin_in_general) join the match, after
    them, less those whose exclusion criteria name the diseases and, for a disease of
    children, those that take no child: masks["q"] becomes both; the rows matching the query
    are returned (`relaxed`, some of its words: those not tagged with other diseases alone,
    maybe none). None when not filled so."""
    strict = masks["q"]
    if not 0 < int(np.count_nonzero(strict)) < words.FILL_BELOW:
        return None
    if not words.skin_diseases_named(text):
        return None
    more = skin_in_general_mask(index) & ~strict
    if words.children_s_disease_named(text):  # "juvenile dermatomyositis": a child's
        with np.errstate(invalid="ignore"):
            more &= ~(index.columns["min_age"] >= facets.ADULT_AGE)
    if more.any() and (named := words.condition_names_pattern(text)):
        more[_excluding(index, named, more)] = False  # turning away those who have them
    if not more.any():
        return None
    masks["q"] = strict | more
    if relaxed:
        # Some of its words only: those about other diseases than the skin's (nor the kin of
        # those it names, words.skin_kin: "my lupus rash", systemic lupus) after the trials
        # open to any skin disease ("lymphoma" of an "anaplastic lymphoma kinase" lung cancer
        # trial for "cutaneous t cell lymphoma … patches on my hips").
        skin, other = words.conditions_by_skin()
        elsewhere = index.facet_mask("condition", list(other)) & ~index.facet_mask(
            "condition", [*skin, *words.skin_kin(text)]
        )
        return strict & ~elsewhere
    return strict


def _general_after_named(
    index: FacetIndex, text: str, masks: dict[str, np.ndarray]
) -> np.ndarray | None:
    """When no trial has every word of a query that names skin diseases ("my dad is 68 and his
    eczema has gotten really bad … trials that take people his age?") and fewer than
    words.FILL_BELOW of the trials with some of them, within the filters, are tagged with
    those diseases, their groups or kin (words.skin_kin: "my lupus rash": systemic lupus
    too), the trials open to skin diseases in general join the match as _general_filled's
    do: listed after those, before the trials with only its other words (_ranked: not back
    surgery trials through "back"). The rows tagged so are returned; None when not filled
    so."""
    if not (kin := words.skin_kin(text)):
        return None
    about = index.facet_mask("condition", list(kin)) & masks["q"]
    if not 0 < int(np.count_nonzero(about & _combine(index, masks))) < words.FILL_BELOW:
        return None
    more = skin_in_general_mask(index) & ~about
    if more.any() and (pattern := words.condition_names_pattern(text)):
        more[_excluding(index, pattern, more)] = False  # turning away those who have them
    if not more.any():
        return None
    masks["q"] = masks["q"] | more
    return about


def _class_filled(
    index: FacetIndex, text: str, masks: dict[str, np.ndarray]
) -> tuple[np.ndarray | None, str | None]:
    """When fewer than words.FILL_BELOW trials match a query naming drugs and nothing else
    ("infliximab"), the trials of the other drugs of their class (words.same_class) join the
    match, after them: masks["q"] becomes both; the rows matching the words and the class's
    label are returned. (None, None) when not filled so."""
    strict = masks["q"]
    if not 0 < int(np.count_nonzero(strict)) < words.FILL_BELOW:
        return None, None
    if (siblings := _class_siblings(index, text, strict)) is None:
        return None, None
    masks["q"] = strict | siblings[0]
    return strict, siblings[1]


# What _saying looks in: a record's exclusion criteria; its interventions and arms (how a
# treatment is given); its exclusion criteria, or any of its criteria for a second pattern
# (what it turns away: words.EXCLUDED_CIRCUMSTANCES); its title (PREGNANCY_TITLE); its title
# or its inclusion criteria unless they say it negated (what it is about or takes: the
# circumstances' topics). One statement each.
_EXCLUSION, _TREATMENTS, _TURNED_AWAY = "exclusion", "treatments", "turned away"
_FACILITY, _HEALTHY, _NO_MEDICINE = "facility", "healthy volunteers", "no medicine"
_TITLE, _WELCOMED, _MARKED = "title", "welcomed", "marked"
# A record's interventions as jsonb prints them: a treatment that is no medicine, a medicine.
_NOT_MEDICINES = '"type": "(BEHAVIORAL|DEVICE|PROCEDURE|RADIATION)"'
_MEDICINES = '"type": "(DRUG|BIOLOGICAL|GENETIC|COMBINATION_PRODUCT|DIETARY_SUPPLEMENT)"'
_SAYING = {
    _NO_MEDICINE: (
        "SELECT id FROM trials_trial WHERE id = ANY(%s) AND record->>'interventions' ~ %s"
        " AND record->>'interventions' !~ %s"
    ),
    _HEALTHY: (
        "SELECT id FROM trials_trial WHERE id = ANY(%s) AND record->>'healthy_volunteers' ~* %s"
    ),
    _TITLE: "SELECT id FROM trials_trial WHERE id = ANY(%s) AND title ~* %s",
    # (its conditions too when they are a few: one of a long list is no trial's subject)
    _MARKED: (
        "SELECT id FROM (SELECT id, title || coalesce(CASE WHEN jsonb_typeof("
        "record->'conditions') = 'array' THEN CASE WHEN jsonb_array_length("
        "record->'conditions') <= 3 THEN ' ' || (record->>'conditions') END END, '') AS about"
        " FROM trials_trial WHERE id = ANY(%s)) AS trials WHERE about ~* %s AND about !~* %s"
    ),
    _WELCOMED: (
        "SELECT id FROM trials_trial WHERE id = ANY(%s) AND (title ~* %s"
        " OR (record->'criteria'->>'inclusion' ~* %s"
        " AND record->'criteria'->>'inclusion' !~* %s))"
    ),
    _FACILITY: (
        "SELECT DISTINCT trial_id FROM trials_site WHERE trial_id = ANY(%s) AND facility ~* %s"
    ),
    _EXCLUSION: (
        "SELECT id FROM trials_trial WHERE id = ANY(%s) AND record->'criteria'->>'exclusion' ~* %s"
    ),
    _TURNED_AWAY: (
        "SELECT id FROM trials_trial WHERE id = ANY(%s) AND (record->'criteria'->>'exclusion'"
        " ~* %s OR concat(record->'criteria'->>'inclusion', record->'criteria'->>'text') ~* %s)"
    ),
    _TREATMENTS: (
        "SELECT id FROM trials_trial WHERE id = ANY(%s)"
        " AND concat(record->>'interventions', record->>'arms') ~* %s"
    ),
}


def _class_siblings(
    index: FacetIndex, text: str, strict: np.ndarray
) -> tuple[np.ndarray, str] | None:
    """(the rows, the class's label) of the trials besides `strict` testing the other drugs
    of the class of the drugs a query names and nothing else (words.same_class), at most
    words.SAME_CLASS_TRIALS_MAX, less those whose exclusion criteria name them (turning them
    away); None when there is none (_class_filled, _class_broader)."""
    if (chosen := words.same_class(text)) is None:
        return None
    rows = index.facet_mask("drug_class", [chosen[0]]) & ~strict & index.alive
    if not 0 < int(np.count_nonzero(rows)) <= words.SAME_CLASS_TRIALS_MAX:
        return None
    rows[_excluding(index, words.drug_names_pattern(text), rows)] = False
    return (rows, chosen[1]) if rows.any() else None


def _wider(index: FacetIndex, text: str) -> tuple[str, str, np.ndarray] | None:
    """What a search for diseases no trial is about lists instead, as (the diseases as typed,
    the label searched instead, its trials' mask): the trials about their group (words.broader:
    "pemphigus": autoimmune blistering diseases; the condition facet's trials) or, with none,
    when they are skin diseases ("vitiligo"), the trials open to skin diseases in general
    (words.skin_in_general), less those whose exclusion criteria name them; None when neither
    has trials."""
    group = words.broader(text, lambda slug: index.facet_mask("condition", [slug]).any())
    if group and (mask := index.facet_mask("condition", [group[0]])).any():
        return group[2], group[1], mask
    if (said := words.skin_diseases_said(text)) and (mask := skin_in_general_mask(index)).any():
        if named := words.condition_names_pattern(text):
            mask[_excluding(index, named, mask)] = False  # turning away those who have them
        if mask.any():
            return said, words.skin_in_general()[0], mask
    return None


def _untagged(index: FacetIndex, text: str) -> bool:
    """Whether no trial is about the diseases a query asks about (words.conditions_meant: all
    it names, or the diagnosis it gives among other diseases): none tagged with them or their
    groups' members, none naming them in its title or conditions. Its relaxed words then find
    trials about other diseases. Nor any whose inclusion criteria take people with them
    (welcomed)."""
    slugs, names = words.conditions_meant(text)
    if not slugs or index.facet_mask("condition", list(slugs)).any():
        return False
    return not any(about(index, name) or welcomed(index, name) for name in names)


def _class_broader(index: FacetIndex, text: str) -> tuple[np.ndarray, str, str] | None:
    """_class_siblings of a query no trial matches, with the drugs as typed."""
    if (siblings := _class_siblings(index, text, np.zeros(index.row_count, bool))) is None:
        return None
    said = " or ".join(m.text for m in Vocabulary.default().find(text, ("drug",)))
    return (*siblings, said)


def _excluding(index: FacetIndex, pattern: str, rows: np.ndarray) -> np.ndarray:
    """The rows of `rows` (a mask) whose exclusion criteria match `pattern` (a regular
    expression, any case: the drugs a query names, words.drug_names_pattern; pregnancy)."""
    return _saying(index, _EXCLUSION, pattern, rows)


def _saying(
    index: FacetIndex, where: str, pattern: str | tuple[str, ...], rows: np.ndarray
) -> np.ndarray:
    """The rows of `rows` (a mask) whose record's part `where` (_EXCLUSION, _TREATMENTS,
    _TURNED_AWAY: two patterns) matches `pattern`, in one statement, cached until the data
    changes."""
    patterns = pattern if isinstance(pattern, tuple) else (pattern,)

    def find(among: Ids) -> list[int]:
        with search_connection().cursor() as cursor:
            cursor.execute(_SAYING[where], [among, *patterns])
            return [row[0] for row in cursor]

    return _cached_rows(index, (where, pattern), rows, find)


_CRITERIA_SAYING = (
    "SELECT id, (record->'criteria')::text FROM trials_trial WHERE id = ANY(%s)"
    " AND record->>'criteria' ~* %s"
)


def _cancer_fates(
    index: FacetIndex, had: words.CancerHad, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The masks of the rows of `rows` (a mask) whose criteria welcome, and turn away,
    someone who had the cancer `had` (words.cancer_fate): one statement for both, cached
    until the data changes."""
    read_once: list[dict[int, str | None]] = []  # both looks are asked the same rows

    def read(among: Ids) -> dict[int, str | None]:
        if not read_once:
            with search_connection().cursor() as cursor:
                cursor.execute(_CRITERIA_SAYING, [among, words.CRITERIA_CANCER])
                read_once.append(
                    {pk: words.cancer_fate(json.loads(text) or {}, had) for pk, text in cursor}
                )
        return read_once[0]

    def saying(fate: str) -> Callable[[Ids], list[int]]:
        return lambda among: [pk for pk, said in read(among).items() if said == fate]

    welcome, away = np.zeros_like(rows), np.zeros_like(rows)
    welcome[_cached_rows(index, ("cancer", words.WELCOME, had), rows, saying(words.WELCOME))] = True
    away[_cached_rows(index, ("cancer", words.AWAY, had), rows, saying(words.AWAY))] = True
    return welcome, away


def _cached_rows(
    index: FacetIndex, asked: tuple, rows: np.ndarray, find: Callable[[Ids], list[int]]
) -> np.ndarray:
    """The rows of `rows` (a mask) whose pks `find` picks from `rows`' pks, cached by
    `asked` and `rows` until the data changes."""
    chosen = hashlib.blake2b(rows.tobytes(), digest_size=16).digest()
    key = ((*asked, chosen), index.seq)
    found = cache.TEXT_HITS.get(key)
    if found is None:
        found = index.rows_of(np.asarray(find(ids(index.pks[rows].tolist())), np.int64))
        cache.TEXT_HITS.put(key, found)
    return found


def _general_only(index: FacetIndex, rows: np.ndarray) -> bool:
    """Whether the trials of `rows` (a mask) are all open to any skin disease."""
    return not (rows & ~skin_in_general_mask(index)).any()


# The filters read that put first only the trials about the conditions named (_read_filled).
_AMONG_ABOUT = frozenset({"phase"}) | {p for r in facets.DATE_RANGES for p in r.parameters}


def _read_filled(
    index: FacetIndex,
    query: Query,
    masks: dict[str, np.ndarray],
    everything: np.ndarray,
    relaxed: bool = False,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | None, tuple[np.ndarray, ...]] | None:
    """The masks without the READ_FILLED filters read from the words, what they match, the rows
    listed first (those meeting the filters: `everything`) and the rows meeting each kind of
    filter left out (a place, a status, a failure: all of its filters), when fewer than
    words.FILL_BELOW trials meet those filters and more trials have the words; None otherwise
    (no such reading, enough trials, or no words left to search)."""
    said = {reading.parameter for reading in query.understood} & set(readings.READ_FILLED)
    read = said & masks.keys()
    if not read or "q" not in masks or int(np.count_nonzero(everything)) >= words.FILL_BELOW:
        return None
    named = words.named_conditions(query.q)
    tagged = index.facet_mask("condition", list(named)) if named else None
    if (
        relaxed
        and everything.any()
        and (tagged is None or not _general_only(index, everything))
        and not query.for_children
    ):
        # An adult's age let go only when it leaves nothing to list, or only trials open to
        # any skin disease ("tache de vin … ma fille a 2 ans": the one that takes her, then
        # the port-wine stain trials of adults); a child's as the other filters read
        read = read - set(readings.AGE_READ)
    if not read:
        return None
    kept = {name: mask for name, mask in masks.items() if name not in read}
    wider = _combine(index, kept)
    if (about := read & set(readings.ABOUT_ONLY)) and tagged is not None:
        # A phase or an age let go adds, of the trials not meeting it, only those about the
        # conditions named: not those that say them in passing or turn them away ("phase 3
        # lupus or scleroderma … in Turkey", "paediatric eczema": not a volunteers' study
        # excluding eczema).
        meeting = np.logical_and.reduce([masks[name] for name in sorted(about)])
        wider = everything | (wider & (meeting | tagged))
    if not (wider & ~everything).any():
        return None
    if said <= _AMONG_ABOUT and tagged is not None and (wider & tagged).any():
        # A phase or start dates alone: the trials meeting them first only among those about
        # the conditions named, the others then in the words' order ("phase 3 anti-CD20 in
        # lupus nephritis": the lupus nephritis trials of other phases before phase 3 trials
        # not about nephritis; "new scleroderma trials 2023": the other scleroderma trials
        # before a 2023 trial about multiple sclerosis).
        first = everything & tagged
        return (kept, wider, first, ()) if first.any() else (kept, wider, None, ())
    met: dict[str, np.ndarray] = {}
    for name in sorted(read):
        # "still recruiting": an open trial whose status is no longer confirmed meets it here
        # (listed after those confirmed: they are `everything`).
        mask = open_mask(index, include_unconfirmed=True) if name == "recruiting" else masks[name]
        kind = readings.READ_FILLED[name]
        if kind == "place":
            # Each place its own: a country and a city in it ("we live in Rome … trials in
            # Italy?") list the trials in that country far from the city before those
            # elsewhere, the nearby ones before both.
            kind = name
        met[kind] = met[kind] & mask if kind in met else mask
        if name == "registry" and (
            countries := readings.registry_countries(query.facets.get("registry", []))
        ):
            # A national registry's ("the German Clinical Trials Register"): after its trials,
            # those with a site in its country (the German trials of an international one).
            met["registry_country"] = index.facet_mask("country", countries)
    near_none = "near" in read and query.near and not (masks["near"] & wider).any()
    if near_none or ("near" in read and query.near and tagged is not None):
        # Those with a site in the wider region come before those without ("lupus near
        # Gwangju": the trials in Seoul before those in Ohio); when some are near, only those
        # about the conditions named ("herniated disc in my neck … i live in ankara": after
        # the one there, the disc trials in Istanbul before those in Korea; not a trial in
        # Washington naming scleroderma in passing before the scleroderma trials far from
        # Baltimore).
        around = index.sites.around(*query.near, NEAR_FILL_KM).per_row(index.row_count)
        nearby = np.isfinite(around)
        met["nearby"] = nearby if near_none else nearby & tagged
    return kept, wider, everything, tuple(met.values())


def _filled(index: FacetIndex, text: str, masks: dict[str, np.ndarray]) -> np.ndarray | None:
    """When fewer than words.FILL_BELOW trials have every word of `text`, the trials with some
    of them (its relaxed form: those about the diseases it names, else any word) join the
    match, after them: masks["q"] becomes both, and the rows with every word are returned.
    None when the query is not filled (enough trials, no other trial, or words.fills says
    no)."""
    strict = masks["q"]
    if not 0 < int(np.count_nonzero(strict)) < words.FILL_BELOW or not words.fills(text):
        return None
    more = np.zeros(index.row_count, bool)
    more[text_rows(index, text, relaxed=True)] = True
    if not (more & ~strict).any():
        return None
    masks["q"] = strict | more
    return strict


def search(query: Query) -> SearchResult:
    matched = _match(query)
    index, masks, near, query = matched.index, matched.masks, matched.near, matched.query
    count = int(np.count_nonzero(matched.everything))
    pages = max(1, -(-count // query.page_size))
    page = min(max(query.page, 1), pages)
    hits = _page_of_hits(index, query, matched, count, page)
    if near is not None:
        pks = np.fromiter((hit.pk for hit in hits), np.int64, count=len(hits))
        nearest = near.nearest_site_of(index.row_for_pk[pks], pks)
        hits = tuple(replace(hit, nearest_site=nearest.get(hit.pk)) for hit in hits)
    match = None
    if len(matched.id_pks) == 1:
        match = next((hit.trial for hit in hits if hit.pk == matched.id_pks[0]), None)
    drops = (
        {name: int(_combine(index, masks, skip=name).sum()) for name in masks} if not count else {}
    )
    corrected_from = matched.corrected_from
    return SearchResult(
        hits,
        count,
        page,
        pages,
        _facet_values(index, masks, query),
        match,
        corrected_from=corrected_from,
        corrected_to=matched.corrected_to,
        suggestion=matched.suggestion if not corrected_from else None,
        drop_counts=MappingProxyType(drops),
        unconfirmed_left_out=_unconfirmed_left_out(index, query, masks),
        relaxed=matched.relaxed,
        passing=matched.passing if not count else 0,
        all_words=(
            int(np.count_nonzero(matched.everything & matched.all_words))
            if matched.all_words is not None
            else None
        ),
        read_first=(
            int(np.count_nonzero(matched.read_first)) if matched.read_first is not None else None
        ),
        broader_from=matched.broader_from,
        class_first=(
            int(np.count_nonzero(matched.everything & matched.class_first))
            if matched.class_first is not None
            else None
        ),
        same_class=matched.same_class,
        general_first=(
            int(np.count_nonzero(matched.everything & matched.general_first))
            if matched.general_first is not None
            else None
        ),
        about_first=(
            int(np.count_nonzero(matched.everything & matched.about_first))
            if matched.about_first is not None
            else None
        ),
        broader_to=query.q if matched.broader_from else None,
    )


@dataclass(frozen=True)
class Matches:
    """Every trial a query finds, not a page of them (exports, feeds): their pks in the order
    the search page lists them, up to a limit, and how many there are in all."""

    count: int
    pks: np.ndarray
    # With `near`: the sites in range, for each trial's nearest (Proximity.nearest_site_of).
    near: Proximity | None
    index: FacetIndex

    def nearest_sites(self, pks: np.ndarray) -> dict[int, NearestSite]:
        """{pk: its nearest site} for some of the pks (one query); {} without `near`."""
        if self.near is None or not len(pks):
            return {}
        return self.near.nearest_site_of(self.index.row_for_pk[pks], pks)


def _tiers(
    index: FacetIndex,
    query: Query,
    everything: np.ndarray,
    all_words: np.ndarray | None = None,
    read_first: np.ndarray | None = None,
    about_first: np.ndarray | None = None,
    read_met: tuple[np.ndarray, ...] = (),
    words_first: bool = False,
) -> list[np.ndarray]:
    """The matching rows as masks in the order relevance lists them: those about what a relaxed
    query names most closely first (a list filled with those about its other diseases:
    fulltext.about_first), then those meeting the filters read from the words (a search filled
    without them: _read_filled), then those with
    every word (a filled query: words.FILL_BELOW), then those tagged with the conditions it
    names, those testing the treatments it names, those about the rest of the conditions'
    groups (_group_kin), then for a children's search by age
    (YOUNG_ONLY_MAX_AGE), for older people's the trials for them only (OLDER_ONLY_MIN_AGE),
    then for a search for one sex the trials for it only. Not the children's with
    `words_first` when a child's age is given (a relaxed query naming no disease the
    vocabulary knows: its words are all that says which trials it is about; the age filter
    keeps those that take the child, "congenital adrenal hyperplasia … my son is 14": not a
    children's trial of another disease before the one about it; "pediatric trials" asks
    for a kind of trial)."""
    if about_first is not None:
        return [
            tier & part
            for part in (about_first, ~about_first)
            for tier in _tiers(
                index, query, everything, all_words, read_first, None, read_met, words_first
            )
        ]
    if read_first is not None:
        return [
            tier & part
            for part in _read_parts(read_first, read_met)
            for tier in _tiers(index, query, everything, all_words, words_first=words_first)
        ]
    if all_words is not None:
        return [
            tier & part
            for part in (all_words, ~all_words)
            for tier in _tiers(index, query, everything, words_first=words_first)
        ]
    tiers = [everything]
    # The trials tagged with a condition the query names before those that only say its words
    # ("cutaneous lupus": not a transplant trial for systemic lupus and cutaneous vasculitis);
    # not when signs described refine them ("psoriasis" with swollen fingers: words.described).
    named = words.named_conditions(query.q) if query.q else ()
    if named and words.asks_about_side_effect(query.q):
        # A skin problem from the treatment of another disease ("on tarceva for her lung
        # cancer … a rash … its from the pills"): that disease's trials are not the ones asked.
        named = tuple(slug for slug in named if slug in words.conditions_by_skin()[0])
    if named and not words.described(query.q):
        tagged = index.facet_mask("condition", list(named))
        if not (everything & tagged).any():  # "skin GVHD": those about GVHD, failing those
            tagged = index.facet_mask("condition", sorted(words.groups_of(named)))
        if (everything & tagged).any():
            tiers = [everything & tagged, everything & ~tagged]
    if query.q and any(treatments := _treatments_named(query.q)):
        # … and within them, the trials testing a drug or drug class it names before those
        # that only say its words ("tnf blocker studies for kids": not a children's study
        # of autoinflammatory diseases that says TNF).
        tested = index.facet_mask("drug", treatments[0]) | index.facet_mask(
            "drug_class", treatments[1]
        )
        if (everything & tested).any():
            tiers = [tier & part for tier in tiers for part in (tested, ~tested)]
    if query.q and (kin := _group_kin(query.q)) is not None:
        # … and the trials about the rest of the groups of the conditions it names before
        # others ("sIBM … IVIG or other immunotherapy": the other myositis trials before
        # rheumatoid arthritis trials of a drug it names).
        kin_mask = index.facet_mask("condition", kin) & ~index.facet_mask(
            "condition", list(words.named_conditions(query.q))
        )
        tiers = [tier & part for tier in tiers for part in (kin_mask, ~kin_mask)]
    few = int(np.count_nonzero(everything)) <= ROUTE_ROWS_MAX
    if query.q and few and (pattern := words.institution_pattern(query.q)):
        # An institution said ("lupus research at Johns Hopkins"): the trials with a site
        # whose name has its words first.
        there = np.zeros_like(everything)
        there[_saying(index, _FACILITY, pattern, everything)] = True
        if there.any():
            tiers = [tier & part for tier in tiers for part in (there, ~there)]
    if query.q and any(refused := words.refused(query.q)):
        # Trials testing what the person does not want last ("psoriasis cream no steroids").
        drugs, classes = refused
        tested = index.facet_mask("drug", drugs) | index.facet_mask("drug_class", classes)
        tiers = [tier & part for tier in tiers for part in (~tested, tested)]
    if query.q and (last := _treatment_history_last(index, query)) is not None:
        # Trials requiring a treatment the person never had to have failed, and the like, last.
        tiers = [tier & part for tier in tiers for part in (~last, last)]
    known = Vocabulary.default().drugs
    if failed := [slug for slug in query.facets.get("prior_therapy", ()) if slug in known]:
        # The drugs that failed ("refractory to IVIG and rituximab", prior_therapy=ivig): the
        # trials testing one of them again after the others (a class that failed is no drug:
        # someone past two biologics may want a third of another kind).
        again = index.facet_mask("drug", failed)
        tiers = [tier & part for tier in tiers for part in (~again, again)]
    markers = words.negated_markers(query.q) if query.q else ()
    if markers and (among := _leading(tiers, MARKED_ROWS_MAX)) is not None:
        # A marker the disease is said not to have ("EGFR wild-type NSCLC", "without EGFR/ALK
        # alterations", "non-V30M"): the trials whose titles or conditions say they are about
        # it with the marker ("EGFR-mutant", "ALK-positive") after the others; not those
        # saying both ("V30M or non-V30M"), nor the marker as an antibody's target.
        marked = np.zeros_like(everything)
        for marker in markers:
            marked[_saying(index, _MARKED, words.marker_patterns(marker), among)] = True
        tiers = [tier & part for tier in tiers for part in (~marked, marked)]
    # The trials whose criteria are read for whom they turn away: every match when at most
    # AWAY_ROWS_MAX, else those of the leading tiers within it, where the first pages come
    # from ("lung cancer … spread to her brain": the lung cancer trials excluding brain
    # metastases after the other lung cancer trials, whatever else has the other words).
    checked = _leading(tiers, AWAY_ROWS_MAX)
    for said in words.excluded_circumstances(query.q) if query.q and checked is not None else ():
        # Someone pregnant, breastfeeding or living with another disease ("any study that
        # takes pregnant women?", "on dialysis"): the trials whose criteria turn them away
        # after the others. Another disease only beside the one searched ("eczema … HIV
        # positive", not "HIV"): the trials about it are no trials turning them away, and go
        # with them unless about the disease searched too (depression's trials for "sclero-
        # derma … depressed", not "myositis trials that don't exclude ILD"'s myositis-ILD).
        away = np.zeros_like(everything)
        away[_saying(index, _TURNED_AWAY, (said.excluded, said.refused), checked)] = True
        if not said.topic and (itself := _named_as(query.q, said.said)):
            # The disease searched is the circumstance ("stage 4 lung cancer … studies for
            # older people"): its trials, which turn away other cancers, do not turn it away.
            away &= ~index.facet_mask("condition", itself)
        if said.topic:
            # (without the marks that would make the rest a query's syntax: "Hepatitis-B-Träger")
            rest = re.sub(r"[^\w\s']+", " ", said.said.sub(" ", query.q))
            if not (searched := words.named_conditions(rest)):
                continue
            about = np.zeros_like(everything)
            welcomed = (said.topic, said.topic, said.refused)
            about[_saying(index, _WELCOMED, welcomed, checked)] = True
            away = (away & ~about) | (about & ~index.facet_mask("condition", list(searched)))
        tiers = [tier & part for tier in tiers for part in (~away, away)]
        if said.welcome:
            # … and the trials made for people in it first ("any study that takes pregnant
            # women?": a registry of autoimmunity in pregnancy).
            made = np.zeros_like(everything)
            made[_saying(index, _TITLE, said.welcome, checked)] = True
            made &= ~away  # not one whose criteria turn them away all the same
            tiers = [tier & part for part in (made, ~made) for tier in tiers]
    if query.q and checked is not None and (had := words.cancer_had(query.as_typed)):
        # A cancer had and gone ("had colon cancer 7 years ago … do RA studies rule out cancer
        # survivors?"): in each tier, the trials whose criteria allow it first (a window it is
        # past, only an active cancer, the treated skin cancer it was), those turning it away
        # last (words.cancer_fate). Read from the words as typed: how long ago is no search word.
        welcome, away = _cancer_fates(index, had, checked)
        tiers = [tier & part for tier in tiers for part in (welcome, ~(welcome | away), away)]
    if query.q and few and words.asks_healthy_volunteers(query.q):
        # Someone healthy ("can healthy people sign up as controls?"): the trials that take
        # healthy volunteers first.
        takes = np.zeros_like(everything)
        takes[_saying(index, _HEALTHY, "^true$", everything)] = True
        tiers = [tier & part for tier in tiers for part in (takes, ~takes)]
    if query.q and few and words.asks_no_medicine(query.q):
        # Someone who wants no medicine ("something other than more pills - exercises, an
        # app"): the trials testing such a treatment and no drug first.
        treated = np.zeros_like(everything)
        found = _saying(index, _NO_MEDICINE, (_NOT_MEDICINES, _MEDICINES), everything)
        treated[found] = True
        tiers = [tier & part for tier in tiers for part in (treated, ~treated)]
    if query.q and (denied := words.negated_conditions(query.q)):
        # A disease the person says they do not have ("discoid lupus, no systemic lupus"):
        # the trials about it last, unless about a disease named too.
        about = index.facet_mask("condition", list(denied))
        if named := words.named_conditions(query.q):
            about &= ~index.facet_mask("condition", list(named))
        tiers = [tier & part for tier in tiers for part in (~about, about)]
    if query.q and (spared := words.organs_spared(query.q)):
        # An organ the disease spares ("my kidneys are fine"): the trials about its disease
        # last (lupus nephritis).
        about = index.facet_mask("condition", list(spared))
        tiers = [tier & part for tier in tiers for part in (~about, about)]
    if few and _past_pregnancy(query):
        # Someone past bearing children ("my mom is 72", "lupus in the elderly"): the trials
        # about pregnancy last.
        pregnancy = np.zeros_like(everything)
        pregnancy[_saying(index, _TITLE, PREGNANCY_TITLE, everything)] = True
        tiers = [tier & part for tier in tiers for part in (~pregnancy, pregnancy)]
    asked, refused = words.routes_asked(query.q) if query.q else ((), ())
    if (asked or refused) and few:
        # How the treatment is taken ("pills instead of shots", "a cream for discoid lupus"):
        # the trials giving it so first, those giving it as refused last.
        # … or, by the vocabulary, testing only drugs given so (asked for: tafamidis, a pill)
        # or by no route but those refused (adalimumab, for "no needles": one mask for both).
        refused_only = _testing_only(index, refused) if refused else None
        # In the routes' own order: a set's varies between processes (PYTHONHASHSEED).
        for route, first in [(r, r in asked) for r in words.ROUTES if r in asked | refused]:
            given = np.zeros_like(everything)
            given[_saying(index, _TREATMENTS, words.ROUTES[route], everything)] = True
            given |= _testing_only(index, frozenset({route})) if first else refused_only
            parts = (given, ~given) if first else (~given, given)
            tiers = [tier & part for tier in tiers for part in parts]
    if query.for_children and not (words_first and query.age is not None):
        # Those that say which ages they take (and so take the child) before those that say
        # none: "no ages given" admits a child to the filter, not to the trial.
        unstated = np.isnan(index.columns["min_age"]) & np.isnan(index.columns["max_age"])
        if any(readings.says_teen(reading) for reading in query.understood):
            # A teenager ("my teenage son"): the trials that take one first, then those that
            # say no ages, then those for younger children only.
            with np.errstate(invalid="ignore"):
                too_old = index.columns["max_age"] < TEEN_AGES[0]
                too_young = index.columns["min_age"] > TEEN_AGES[1]
            takes = everything & ~too_old & ~too_young
            parts = [takes & ~unstated, unstated, ~takes & ~unstated]
        else:
            with np.errstate(invalid="ignore"):  # no oldest age given: not for the young only
                young = index.columns["max_age"] <= YOUNG_ONLY_MAX_AGE
            parts = [young, ~young & ~unstated, ~young & unstated]
        tiers = [tier & part for tier in tiers for part in parts]
    if _for_older(query):
        with np.errstate(invalid="ignore"):  # no youngest age given: not for the old only
            older = index.columns["min_age"] >= OLDER_ONLY_MIN_AGE
        tiers = [tier & part for tier in tiers for part in (older, ~older)]
    # A search for one sex ("lupus studies for women"; sex=female) ranks the trials for that
    # sex only before those for all, within each tier above; not one for a relative ("my
    # wife has lupus": the filter keeps the trials she may join, it wishes for no kind).
    sexes = query.facets.get("sex", ())
    if len(sexes) == 1 and not any(map(readings.says_relative, query.understood)):
        only = index.columns.is_in("sex", [Sex[sexes[0].upper()].value])
        tiers = [tier & part for tier in tiers for part in (only, ~only)]
    # A combined phase said ("phase II/III trials"): the trials in every phase of it before
    # those in one (the filter takes either).
    if combined := _combined_phases(query):
        every = np.logical_and.reduce([index.facet_mask("phase", [phase]) for phase in combined])
        tiers = [tier & part for tier in tiers for part in (every, ~every)]
    return tiers


def _group_kin(text: str) -> list[str] | None:
    """The groups of the conditions a query names and their other members (slugs), as
    _tiers orders them; None when it names none in a group, or describes signs."""
    if words.described(text) or not (named := words.named_conditions(text)):
        return None
    return sorted(words.group_family(named) - set(named)) or None


def _treatment_history_last(index: FacetIndex, query: Query) -> np.ndarray | None:
    """The rows to list after the others for the person's treatment history the words tell
    (words.naive_to, words.line_asked), None when they tell none: the trials requiring a
    treatment the person never had to have failed ("biologic-naive", "EGFR-TKI naive"), or any
    ("treatment-naive stage IV NSCLC", "1L trials": the trials for those previously treated);
    for a later line all but those requiring what the person had to have failed ("progressed
    on 1L osimertinib - 2L trials": an EGFR-TKI's first). Not any failure for a later line:
    "ALK+ … crizotinib stopped working … second line" is no EGFR-TKI or checkpoint inhibitor
    trial. What the words say failed ("failed humira, not bio-naive anymore") is neither never
    had nor untreated."""
    slugs, untreated = words.naive_to(query.q)
    line = words.line_asked(query.q)
    if not (slugs or untreated or line):
        return None
    had = readings.failed_named(query.q)
    failed = _with_classes(had | set(query.facets.get("prior_therapy", ())))
    untreated = untreated and not failed and line != "later"
    line = None if line == "first" and failed else line
    last = index.facet_mask("prior_therapy", [slug for slug in slugs if slug not in failed])
    if untreated or line == "first":
        last |= index.facet_mask("refractory", ["1"])
    elif line == "later" and (had := had | words.treated_before(query.q)):
        last = ~index.facet_mask("prior_therapy", sorted(_with_classes(had)))
    return last


def _with_classes(slugs: Iterable[str]) -> set[str]:
    """Drugs (slugs) with the classes they belong to."""
    classes, slugs = Vocabulary.default().classes_of, set(slugs)
    return slugs | {c for slug in slugs for c in classes.get(slug, ())}


def _treatments_named(text: str) -> tuple[list[str], list[str]]:
    """The drugs and classes a query names (words.named_treatments) but background ones
    (_BACKGROUND: "steroid-sparing", "hydroxychloroquine havent worked" say what the person
    takes or took, not what they want tested)."""
    drugs, classes = words.named_treatments(text)
    # had ("progressing after EGFR-TKIs", "IO-pretreated"), are on ("irAEs in pts on
    # checkpoint inhibitors"), or have a skin problem from ("on tarceva … a rash, its from
    # the pills")
    failed = (
        readings.failed_named(text)
        | words.pretreated_with(text)
        | words.taken_by_those_asked(text)
        | words.side_effect_causes(text)
    )
    return (
        [slug for slug in drugs if not _background(slug) and slug not in failed],
        [slug for slug in classes if slug not in _BACKGROUND and slug not in failed],
    )


def _testing_only(index: FacetIndex, routes: frozenset[str]) -> np.ndarray:
    """The rows testing drugs of the vocabulary and none of it given by a route but `routes`
    (words.drug_routes: tafamidis, a pill; not methotrexate, a pill or an injection)."""
    known = words.drug_routes()
    kept = [slug for slug, given in known.items() if given <= routes]
    others = sorted(set(known) - set(kept))
    return index.facet_mask("drug", kept) & ~index.facet_mask("drug", others)


def _background(drug: str) -> bool:
    """Whether a drug (slug) is a background treatment: of a class in _BACKGROUND."""
    return bool(set((Vocabulary.default().drug(drug) or {}).get("classes", ())) & _BACKGROUND)


def _past_pregnancy(query: Query) -> bool:
    """Whether a search is for someone past bearing children: an age said from
    PAST_PREGNANCY_AGE, or older adults (age_group) alone."""
    if query.age is not None:
        return query.age >= PAST_PREGNANCY_AGE
    return _for_older(query)


def _named_as(text: str, said: re.Pattern) -> list[str]:
    """The conditions (slugs) a query names whose label says a circumstance as people do
    (`said`, the circumstance's own pattern): lung cancer for "… lung cancer …"."""
    vocabulary = Vocabulary.default()
    return [
        slug
        for slug in words.named_conditions(text)
        if said.search((vocabulary.condition(slug) or {}).get("label", ""))
    ]


def _for_older(query: Query) -> bool:
    """Whether a search asks for older people's trials: older adults (age_group, chosen or read
    from "older people", "the elderly") alone. Not an age said: "my dad is 71 … his grip got so
    weak" asks for his disease's trials, which take adults of any age."""
    return list(query.facets.get("age_group", ())) == ["older_adult"]


def _combined_phases(query: Query) -> tuple[str, ...]:
    """The phases of a combined phase the query's words said ("phase 2/3", "phase I-II"; not
    "phase 2 or 3"), when the phase filter is theirs."""
    said: dict[str, list[str]] = {}
    for reading in query.understood:
        if reading.parameter == "phase":
            said.setdefault(reading.said, []).append(reading.value)
    for text, phases in said.items():
        if (
            len(phases) > 1
            and _COMBINED.search(text)
            and set(phases) == set(query.facets.get("phase", ()))
        ):
            return tuple(phases)
    return ()


_COMBINED = re.compile(r"\w\s*[/-]\s*\w")


def _coverage(index: FacetIndex, text: str) -> list[tuple[tuple[str, float], ...]] | None:
    """The parts of a relaxed query (its words, each with its synonyms), each weighing COVERAGE
    by its rarity among all trials (RARITY_POWER; an everyday word's: EVERYDAY_SHARE) over
    their sum, as tsqueries limited to the
    parts of a trial where it counts (COVERAGE_IN: the first a trial matches gives the weight);
    None unless two parts or more match trials (a part no trial has orders nothing)."""
    parts = counts(index, words.relaxed_parts(text))
    live = max(int(np.count_nonzero(index.alive)), 1)
    floor = EVERYDAY_SHARE * live
    sentence = sum(1 for _, count in parts if count) >= EVERYDAY_FROM_PARTS
    for n, everyday in enumerate(spelling.everyday_groups(text) if sentence else ()):
        if everyday and parts[n][1]:
            parts[n] = (parts[n][0], max(parts[n][1], floor))
    found = [(tsquery, count) for tsquery, count in parts if count]
    if len(found) < 2:
        return None
    rarity = [
        float(np.log1p(max(live - count + 0.5, 0.5) / (count + 0.5))) ** RARITY_POWER
        for _, count in found
    ]
    scale = COVERAGE / sum(rarity)
    return [
        tuple(
            (lexemes.weighted(tsquery, where) if where else tsquery, part * weight * scale)
            for where, part in COVERAGE_IN
        )
        for (tsquery, _), weight in zip(found, rarity, strict=True)
    ]


def _leading(tiers: list[np.ndarray], limit: int) -> np.ndarray | None:
    """The rows of the first of `tiers` that hold at most `limit` together, as a mask; None when
    the first that holds any holds more."""
    taken, size = None, 0
    for tier in tiers:
        size += int(np.count_nonzero(tier))
        if size > limit:
            break
        taken = tier if taken is None else taken | tier
    return taken if taken is not None and taken.any() else None


def _turned_away_last(
    index: FacetIndex, query: Query, everything: np.ndarray, tiers: list[np.ndarray]
) -> list[np.ndarray]:
    """`tiers` (_tiers), but the trials whose exclusion criteria name a drug that failed
    ("failed dupilumab": "prior treatment with dupilumab") after all the others, whatever
    tier they were in: they turn away, or make wait, whoever it failed."""
    drugs = Vocabulary.default().drugs
    failed = [
        slug
        for slug in query.facets.get("prior_therapy", ())
        if slug in drugs and not _background(slug)
    ]
    if not failed or int(np.count_nonzero(everything)) > AWAY_ROWS_MAX:
        return tiers
    away = np.zeros_like(everything)
    away[_had_before(index, failed, everything)] = True
    return [tier & part for part in (~away, away) for tier in tiers]


def _excluding_named_last(
    index: FacetIndex, query: Query, everything: np.ndarray, tiers: list[np.ndarray]
) -> list[np.ndarray]:
    """`tiers` of a relaxed list, but the trials not about the conditions the query names
    whose exclusion criteria name them after all the others: listed for its other words, they
    turn the person away ("psoriatic arthritis … an IV drip once a month": an infliximab
    trial in rheumatoid arthritis that excludes psoriatic arthritis). fulltext._welcoming_rows
    leaves such trials out of a relaxed match of the words when they are few; these are those
    that stay (listed as about the diseases, fulltext._about_lists, or past its bound), read
    the same way (fulltext.untagged_turning_away). So too the trials testing none of the
    members of a class of drugs it asks for whose exclusion criteria name them ("TTR silencer
    … after liver transplant": a stabilizer's trial excluding patisiran)."""
    away = np.zeros_like(everything)
    named = words.named_conditions(query.q)
    # signs described: a disease named may be what they are likened to
    if named and not words.described(query.q) and (pattern := words.conditions_pattern(named)):
        away[untagged_turning_away(index, query.q, everything, pattern)] = True
    # A class asked for is what the person wants tested; a drug named may be one they took.
    _, classes = _treatments_named(query.q)
    vocabulary = Vocabulary.default()
    asked = sorted({m for c in classes for m in vocabulary.drug_classes[c].get("members", [])})
    if asked and (pattern := words.drugs_pattern(asked)):
        untested = everything & ~index.facet_mask("drug", asked)
        if 0 < int(np.count_nonzero(untested)) <= RELAXED_AWAY_MAX:
            away[_excluding(index, pattern, untested)] = True
    if not away.any():
        return tiers
    return [tier & part for part in (~away, away) for tier in tiers]


def _had_before(index: FacetIndex, failed: list[str], rows: np.ndarray) -> np.ndarray:
    """The rows of `rows` (a mask) whose exclusion criteria say the person had one of the
    drugs `failed` (_PRIOR): PostgreSQL finds those that name them (a plain pattern, a third
    of the time of the whole one), Python reads those few for the words before the name;
    cached until the data changes."""

    def find(among: Ids) -> list[int]:
        names = words.drug_names(failed)
        prior = re.compile(_PRIOR + r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.I)
        with search_connection().cursor() as cursor:
            cursor.execute(_NAMING_SQL, [among, words.drugs_pattern(failed)])
            return [pk for pk, exclusion in cursor if prior.search(exclusion or "")]

    return _cached_rows(index, ("had before", tuple(failed)), rows, find)


_NAMING_SQL = (
    "SELECT id, record->'criteria'->>'exclusion' FROM trials_trial WHERE id = ANY(%s)"
    " AND record->'criteria'->>'exclusion' ~* %s"
)


# Background treatments: what exclusion criteria say of them is a dose or a washout ("prednisone
# above 20 mg/day received within 4 weeks"), not who had them (_turned_away_last).
_BACKGROUND = frozenset({"corticosteroids", "antimalarials", "immunosuppressants"})
# An exclusion criterion about having had a drug, not its dose or its washout ("Had prior
# treatment with dupilumab"; not "methotrexate above 25 mg a week", nor "wash out … prior to
# enrollment with the exception of those on methotrexate"): a word for having had it a few
# words before its name, within one criterion (the exclusion criteria are a JSON array: no
# double quote inside one).
_PRIOR = (
    r"\b(?:prior(?! to)|previous|previously|history of|exposure to|exposed to|received"
    r"|treated with|failed|inadequate)\b[^\"]{0,40}"
)


def _read_parts(read_first: np.ndarray, read_met: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """A search filled without the filters read from its words (_read_filled): the rows that
    meet them, then the others by how many kinds of them they meet ("skin disease studies in
    Bethesda still recruiting": those open elsewhere or closed in Bethesda before those
    neither); for "recruiting" read, the open trials whose status is no longer confirmed meet
    it here, after those confirmed."""
    rest = ~read_first
    if not read_met:
        return [read_first, rest]
    met = np.sum(read_met, axis=0, dtype=np.int8)
    return [read_first, *(rest & (met == count) for count in range(len(read_met), -1, -1))]


# Words searched a second time (with other filters: an age, a failure read from the words, a
# facet; another page) have all their matches ranked at once, and the order kept until the
# data changes, when they are at most RANK_ALL_MAX and the page's tiers hold at least
# RANK_ALL_SHARE of them: later searches for the words take their page from that order, as
# their matches come from the text-hit cache. Words searched once are ranked as before, the
# page's tiers only, in the statement that fetches the page.
RANK_ALL_MAX = 5000
RANK_ALL_SHARE = 0.25
# … and not while the data changes (an import, a sync): an order made then would serve until
# the next change only. No order is made for this many seconds after a change.
RANK_ORDER_QUIET_S = 30.0


def _rank_order(matched: _Matched, text_query, tiered: int) -> np.ndarray | None:
    """The rows matching the words (masks["q"]) in RANKED_ORDER for `text_query`, cached
    (cache.RANK_ORDERS): made now when the words were searched before (cache.RANK_ASKED), the
    data has not changed for RANK_ORDER_QUIET_S, their matches are few enough (RANK_ALL_MAX)
    and the `tiered` rows to rank are a large enough share of them (RANK_ALL_SHARE). None
    otherwise."""
    index = matched.index
    words_mask = matched.masks.get("q")
    if words_mask is None:
        return None
    # The words as typed, as the text-hit cache keys them: "psoriasis trial" and "psoriasis
    # study" are two searches here as there, though they rank alike.
    key = (("rank order", matched.query.q, text_query.search_type, text_query.text), index.seq)
    order = cache.RANK_ORDERS.get(key)
    if order is not None:
        return order
    if cache.RANK_ASKED.get(key) is None:
        cache.RANK_ASKED.put(key, True)
        return None
    changed = index.changed_at
    if changed is not None and (timezone.now() - changed).total_seconds() < RANK_ORDER_QUIET_S:
        return None
    rows = np.flatnonzero(words_mask & index.alive)
    if not 0 < len(rows) <= RANK_ALL_MAX or tiered < RANK_ALL_SHARE * len(rows):
        return None
    pks = Trial.objects.rank_order(
        text_query.text, text_query.search_type, index.pks[rows].tolist()
    )
    order = index.row_for_pk[np.asarray(pks, np.int64)].astype(np.int32, copy=False)
    cache.RANK_ORDERS.put(key, order)
    return order


def _in_order(names, text_query, pks: list[int]) -> list[Trial]:
    """The trials of `pks` with the fields `names`, their rank and snippet (ranked_by_pk), in
    the order of `pks`."""
    fetched = ranked_by_pk(names, text_query.text, text_query.search_type, pks)
    by_key = {trial.pk: trial for trial in fetched}
    return [by_key[pk] for pk in pks if pk in by_key]


def _words_only(text: str) -> bool:
    """Whether a query names no condition, nor signs of one, the vocabulary knows: a relaxed
    list of it is ordered by its words before who the trials are for (_tiers)."""
    return not words.named_conditions(text) and not words.described(text)


def _ranked(matched: _Matched, text_query, start: int, stop: int, names=None) -> list:
    """The trials `start:stop` of the matches ranked best first, tier by tier (_tiers): with
    `names` as Trials with those fields and snippets (ranked_by_pk), else their pks."""
    found: list = []
    index, query = matched.index, matched.query
    tiers = _tiers(
        index,
        query,
        matched.everything,
        matched.all_words if matched.all_words is not None else matched.class_first,
        matched.read_first,
        matched.about_first,
        matched.read_met,
        matched.relaxed and _words_only(query.q),
    )
    if (named := matched.general_first) is not None:
        # The trials open to any skin disease after all those matching the diseases named,
        # whatever else orders them (a status, a place read from the words); then any others
        # (_general_after_named: those with only a relaxed query's other words).
        general = skin_in_general_mask(index)
        parts = (named, ~named & general, ~named & ~general)
        tiers = [tier & part for part in parts for tier in tiers]
    tiers = _turned_away_last(index, query, matched.everything, tiers)
    if matched.relaxed:
        tiers = _excluding_named_last(index, query, matched.everything, tiers)
    coverage = None
    if matched.relaxed or matched.all_words is not None:
        coverage = _coverage(index, query.q)
    ranked_rows = None
    if coverage is None:
        ranked_rows = _rank_order(matched, text_query, int(np.count_nonzero(matched.everything)))
    for mask in tiers:
        size = int(np.count_nonzero(mask))
        if start >= size:
            start, stop = start - size, stop - size
            continue
        in_order = ranked_rows[mask[ranked_rows]] if ranked_rows is not None else None
        if in_order is not None and len(in_order) == size:
            # The tier's page from the words' order: no ranking statement.
            page = index.pks[in_order[start:stop]].tolist()
            found += page if names is None else _in_order(names, text_query, page)
            start, stop = 0, stop - size
            if stop <= 0:
                break
            continue
        pks = index.pks[mask].tolist()
        if coverage is not None:
            order = Trial.objects.covered_first(
                text_query.text, text_query.search_type, pks, coverage, slice(start, stop)
            )
            found += order if names is None else _in_order(names, text_query, order)
        elif names is None:
            ranked = Trial.objects.ranked(text_query.text, search_type=text_query.search_type)
            ordered = ranked.with_pks(pks).order_by(*RANKED_ORDER).values_list("pk", flat=True)
            found += list(ordered[start:stop])
        else:
            page = slice(start, stop)
            found += ranked_by_pk(names, text_query.text, text_query.search_type, pks, page)
        start, stop = 0, stop - size
        if stop <= 0:
            break
    return found


def matching(query: Query, limit: int) -> Matches:
    """The trials `query` finds, in the page's order (relevance, a sort, distance), at most
    `limit` of them. The same masks as `search`: only the cutting into pages differs."""
    matched = _match(query)
    index, query, everything = matched.index, matched.query, matched.everything
    count = int(np.count_nonzero(everything))
    sort = query.effective_sort()
    if sort == "relevance" and query.q and count <= RANK_LIMIT:
        text_query = _text_query(matched)
        pks = np.asarray(_ranked(matched, text_query, 0, limit), np.int64)
    elif sort == "distance" and matched.distances is not None:
        found = np.flatnonzero(everything)
        order = np.lexsort((index.pks[found], matched.distances[found]))
        pks = index.pks[found[order[:limit]]]
    else:
        sort = sort if sort != "relevance" else "updated"
        pks = index.pks[index.first_in_order(sort, everything, limit)]
    return Matches(count, np.asarray(pks, np.int64), matched.near, index)


def _unconfirmed_left_out(index: FacetIndex, query: Query, masks: dict) -> int:
    if not query.recruiting or query.include_unconfirmed or "recruiting" not in masks:
        return 0  # no filter, or a recruiting search filled without it (_read_filled)
    left_out = open_mask(index, include_unconfirmed=True) & ~masks["recruiting"]
    return int((_combine(index, masks, skip="recruiting") & left_out).sum())


def _text_query(matched: _Matched) -> words.TextQuery:
    """What ranks and highlights the matches: the query's words, in its relaxed form when
    some matches have only some of them (relaxed, or filled), less what ranks nothing
    (rank_query.py)."""
    text_query = words.read(matched.query.q, matched.relaxed or matched.all_words is not None)
    return rank_query(matched.index, text_query)


@timed("page")  # the page's trials: ranking and snippets (PostgreSQL), fetching
def _page_of_hits(
    index: FacetIndex, query: Query, matched: _Matched, count: int, page: int
) -> tuple[Hit, ...]:
    """The page's trials: ranked by PostgreSQL when few enough, else in the index's order
    (with `near`, by distance: nearest site first, then pk)."""
    size = query.page_size
    start = (page - 1) * size
    everything, distances = matched.everything, matched.distances
    text_query = _text_query(matched) if query.q else None
    if text_query and query.effective_sort() == "relevance" and count <= RANK_LIMIT:
        trials = _ranked(matched, text_query, start, start + size, RESULT_FIELDS)
    elif query.effective_sort() == "distance" and distances is not None:
        found = np.flatnonzero(everything)
        order = np.lexsort((index.pks[found], distances[found]))
        trials = _fetch(index.pks[found[order[start : start + size]]], text_query)
    else:
        sort = query.effective_sort() if query.effective_sort() != "relevance" else "updated"
        page_rows = index.first_in_order(sort, everything, start + size)[start:]
        trials = _fetch(index.pks[page_rows], text_query)
    return tuple(_hit(trial) for trial in trials)


def _hit(trial: Trial) -> Hit:
    part, headline = headline_part(getattr(trial, "headline", None))
    return Hit(trial, _segments(headline), snippet_part=part)


@timed("counts")
def _facet_values(
    index: FacetIndex, masks: dict[str, np.ndarray], query: Query
) -> MappingProxyType[str, tuple[FacetValue, ...]]:
    """Each facet's values: counted under every filter but the facet's own, selected first,
    then the biggest counts."""
    out = {}
    # A facet with no filter of its own counts under every filter: one mask for all of them.
    everything = _combine(index, masks) if masks else None
    for facet in index.facets:
        if facet.name not in masks:
            mask = everything
        else:  # every filter but its own (None: no other, the index's own counts)
            mask = _combine(index, masks, facet.name) if len(masks) > 1 else None
        selected = set(query.facets.get(facet.name) or [])
        label = facet.labeller()
        if mask is None:  # the index's own counts: their values made once (_all_values)
            values = _all_values(index, facet)
        else:
            values = _counted_values(index.counts(facet.name, mask), label)
        out[facet.name] = _selected_first(values, selected, label)
    return MappingProxyType(out)


def _counted_values(counts: dict[str, int], label) -> tuple[FacetValue, ...]:
    """FacetValues of `counts`, none selected: the biggest counts first, then by label."""
    values = [FacetValue(value, label(value), count, False) for value, count in counts.items()]
    values.sort(key=lambda item: (-item.count, item.label.lower()))
    return tuple(values)


def _all_values(index: FacetIndex, facet: facets.Facet) -> tuple[FacetValue, ...]:
    """A facet's values counted over every live row, none selected: the same for every search
    with no filter but the facet's own (a page of all trials, one facet chosen), so made once
    for the index's rows as they are and the vocabulary's labels as read (labels.memo)."""
    known = labels.memo(facet)
    held = index.derived.get(("values", facet.name))
    if held is None or held[0] is not known:
        values = _counted_values(index.counts(facet.name, None), facet.labeller())
        held = index.derived[("values", facet.name)] = (known, values)
    return held[1]


def _selected_first(
    values: tuple[FacetValue, ...], selected: set[str], label
) -> tuple[FacetValue, ...]:
    """`values` (none selected, in _counted_values' order) with `selected` marked and first,
    in the same order (uncounted ones with 0)."""
    if not selected:
        return values
    counted = {value.value: value for value in values if value.value in selected}
    first = sorted(
        (
            counted[value]._replace(selected=True)
            if value in counted
            else FacetValue(value, label(value), 0, True)
            for value in selected
        ),
        key=lambda item: (-item.count, item.label.lower(), item.value),
    )
    return (*first, *(value for value in values if value.value not in selected))


def _respelt_about(index: FacetIndex, text: str, fixes: dict[str, str]) -> str | None:
    """`text` with those of its respellings (spelling.corrections: `fixes`) that some trial is
    about, the other words as typed; None when there is none: a relaxed search of them lists
    what the person meant, not what a typo happens to be close to ("my wife has loopus":
    lupus, not wine)."""
    about_fixes = {typed: fix for typed, fix in fixes.items() if about(index, fix)}
    return spelling.respelt(text, about_fixes) if about_fixes else None


def _respelt_disease(index: FacetIndex, text: str, better: str, hits: np.ndarray) -> bool:
    """Whether the respelling `better`, which no trial is about, names a disease `text` does
    not, and is what to search for: a disease alone ("vitaligo", "alopesha": what is shown
    for it spelt right), or one of a group (words.broader) that trials are about, which no
    trial has with the other words ("the doctor called it icthyosis"). Other sentences are
    relaxed as typed ("lupus pemphigis", "pemphigis flares in winter")."""
    if words.diseases_said(better) <= words.diseases_said(text):
        return False
    if not words.can_relax(better):
        return True
    if len(hits):
        return False
    group = words.broader(better)
    if group is not None and index.facet_mask("condition", [group[0]]).any():
        return True
    # A skin disease no trial is about, in a sentence ("granuloma anulare on the backs of my
    # hands …": nothing at all was listed; "my 5 year old has epidermolisis bulosa …"): what
    # it finds spelt right, when that is something (those open to any skin disease, or its
    # group's: _wider); with nothing there, relaxed as typed ("pemphigis flares in winter").
    kin = words.skin_kin(better)
    if not kin or index.facet_mask("condition", list(kin)).any():
        return False
    conditions = Vocabulary.default().conditions  # nor one untagged but about it by its words
    if any(about(index, conditions[slug]["label"]) for slug in kin if slug in conditions):
        return False
    return _wider(index, better) is not None


def _suggestion(index: FacetIndex, text: str, hits: np.ndarray) -> str | None:
    """A respelling to offer ("Did you mean …?") when the query finds only a trial or two and
    the respelt one finds more: a typo beside a correct word ("lupis or abatacept")."""
    found = int(hits.sum())
    if not 0 < found <= SUGGEST_BELOW or not (better := spelling.correct(text)):
        return None
    more = len(text_rows(index, better)) > found
    return better if more and about(index, better) else None


def _masks(index: FacetIndex, query: Query, id_pks: list[int]) -> dict[str, np.ndarray]:
    """One mask per active parameter, named as the parameter is."""
    masks: dict[str, np.ndarray] = {}
    if query.q:
        text = np.zeros(index.row_count, bool)
        text[text_rows(index, query.q)] = True
        text[index.rows_of(np.asarray(id_pks, np.int64))] = True
        masks["q"] = text
    for facet in index.facets:
        if selected := query.facets.get(facet.name):
            masks[facet.name] = index.facet_mask(facet.name, selected)
    if query.age is not None:
        masks["age"] = facets.admits_ages(query.age, query.age).mask(index.columns)
    for date_range in facets.DATE_RANGES:
        if name := query.date_filter(date_range):
            between = date_range.between(*query.dates[date_range.name])
            masks[name] = between.mask(index.columns)
    if query.recruiting:
        masks["recruiting"] = open_mask(index, include_unconfirmed=query.include_unconfirmed)
    return masks


def open_mask(index: FacetIndex, *, include_unconfirmed: bool = False) -> np.ndarray:
    """Rows with an open status ("Recruiting or soon"), less those whose status no source has
    confirmed since `unconfirmed_before()` — today's cut-off, so a trial goes stale by itself.
    The ORM's equivalent is params.TrialFilterSet.filter_recruiting."""
    mask = index.facet_mask("status", Status.OPEN)
    if not include_unconfirmed:
        verified = index.columns["status_verified"]  # date ordinals, -1 for none
        mask = mask & ((verified < 0) | (verified >= unconfirmed_before().toordinal()))
    return mask


def _combine(index: FacetIndex, masks: dict, skip: str | None = None) -> np.ndarray:
    combined = index.alive.copy()
    for name, mask in masks.items():
        if name != skip:
            combined &= mask
    return combined


def _id_match(text: str) -> list[int]:
    """Trials one of whose identifiers is one of the query's IDs (a registry number from a
    paper, or several): one statement, and none for a query without digits."""
    candidates = words.id_candidates(text)
    if not candidates:
        return []
    return list(Trial.objects.by_any_id(*candidates).order_by().values_list("pk", flat=True))


def _fetch(pks: np.ndarray, text_query: words.TextQuery | None) -> list[Trial]:
    """The trials of `pks`, in that order: with words ranked, with their snippets, without
    them read directly (rows.py: neither compiles a QuerySet)."""
    if not len(pks):
        return []
    if text_query is None:
        return by_pk(pks.tolist(), RESULT_FIELDS)
    found = ranked_by_pk(RESULT_FIELDS, text_query.text, text_query.search_type, pks.tolist())
    by_key = {trial.pk: trial for trial in found}
    return [by_key[pk] for pk in pks.tolist() if pk in by_key]


def _segments(headline: str | None) -> Snippet | None:
    """ts_headline's text as (text, is_match) pairs, for the template to escape and mark."""
    if not headline or MATCH_START not in headline:
        return None
    parts = headline.replace(MATCH_STOP, MATCH_START).split(MATCH_START)
    return tuple((part, position % 2 == 1) for position, part in enumerate(parts) if part)
