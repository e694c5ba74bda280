"""The portal's data: merged trials, what each source said, and the vocabularies.

A `Trial` is one real-world study. Its `record` is the merged `trial/1` record (what the API
returns and the page shows); the columns beside it are derived from that record by the loader
so that search, facets and admin can query them: never edit them by hand.

Why one module of some 500 lines: Django finds an app's models here, and the whole schema in one
place reads as the portal's data model at a glance. It holds declarations and small QuerySet
helpers only; what is derived and how is declared in trials/loading/columns.py.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

import psycopg
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchVector,
    SearchVectorField,
)
from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Concat, Lower, Now
from django.urls import get_script_prefix, get_urlconf, reverse
from psycopg.adapt import Dumper

from trials.readers.identifiers import identifier_norm


class ParseableChoices(models.TextChoices):
    @classmethod
    def parse(cls, value: str | None):
        """The member for request input such as `recruiting` or `RECRUITING`, else None."""
        if not value:
            return None
        try:
            return cls(value.strip().upper())
        except ValueError:
            return None


class Status(ParseableChoices):
    RECRUITING = "RECRUITING", "Recruiting"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", "Not yet recruiting"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", "Enrolling by invitation"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", "Active, not recruiting"
    SUSPENDED = "SUSPENDED", "Suspended"
    TERMINATED = "TERMINATED", "Terminated"
    COMPLETED = "COMPLETED", "Completed"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"
    UNKNOWN = "UNKNOWN", "Unknown status"
    AVAILABLE = "AVAILABLE", "Available (expanded access)"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE", "No longer available"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE", "Temporarily not available"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING", "Approved for marketing"
    WITHHELD = "WITHHELD", "Withheld"


# "Recruiting or soon recruiting", the patients' switch. Set after the class: an attribute in
# the class body would become one more member.
Status.OPEN = (Status.RECRUITING, Status.NOT_YET_RECRUITING, Status.ENROLLING_BY_INVITATION)


def unconfirmed_before(today: datetime.date | None = None) -> datetime.date:
    """An open status last confirmed before this date is no longer believed: the same day
    STATUS_UNCONFIRMED_YEARS years ago (ClinicalTrials.gov turns such a status into "Unknown
    status" after two years). Computed when asked, never stored: a trial goes stale by itself."""
    today = today or datetime.date.today()
    years = settings.STATUS_UNCONFIRMED_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def status_unconfirmed(
    status: str | None, verified: datetime.date | None, today: datetime.date | None = None
) -> bool:
    """Whether a trial's open status is too old to tell anyone they can join. A trial with no
    date at all is not called stale: the page cannot say since when."""
    return status in Status.OPEN and verified is not None and verified < unconfirmed_before(today)


class Phase(ParseableChoices):
    EARLY_PHASE1 = "EARLY_PHASE1", "Early phase 1"
    PHASE1 = "PHASE1", "Phase 1"
    PHASE2 = "PHASE2", "Phase 2"
    PHASE3 = "PHASE3", "Phase 3"
    PHASE4 = "PHASE4", "Phase 4"
    NA = "NA", "Not applicable"


class StudyType(ParseableChoices):
    INTERVENTIONAL = "INTERVENTIONAL", "Interventional"
    OBSERVATIONAL = "OBSERVATIONAL", "Observational"
    EXPANDED_ACCESS = "EXPANDED_ACCESS", "Expanded access"


class Sex(ParseableChoices):
    ALL = "ALL", "All"
    FEMALE = "FEMALE", "Female"
    MALE = "MALE", "Male"


def _in(field: str, choices) -> Q:
    return Q(**{f"{field}__in": choices.values})


# --- Vocabularies (data files in trials/vocab/, loaded by `manage.py load_vocabulary`) ---------


class Condition(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    label = models.CharField(max_length=200)
    synonyms = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    skin = models.BooleanField(default=True, help_text="In the portal's scope (skin disease).")

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class DrugClass(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    label = models.CharField(max_length=200)
    synonyms = ArrayField(models.CharField(max_length=200), default=list, blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name_plural = "drug classes"

    def __str__(self) -> str:
        return self.label


class Drug(models.Model):
    slug = models.SlugField(max_length=100, unique=True, help_text="Lower-case INN.")
    label = models.CharField(max_length=200)
    synonyms = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    classes = models.ManyToManyField(DrugClass, blank=True, related_name="drugs")

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


# --- Sources -----------------------------------------------------------------------------------


class RawDocument(models.Model):
    """Input bytes kept whole, so any trial can be rebuilt with tomorrow's readers."""

    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    size = models.PositiveBigIntegerField()
    name = models.CharField(max_length=500, help_text="The path it was first imported from.")
    format = models.CharField(max_length=40)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        # Constraints rather than unique=True, which adds a second (LIKE pattern) index that no
        # query uses and every insert pays for: the same goes for Trial and Identifier.
        constraints = [models.UniqueConstraint(fields=["sha256"], name="rawdocument_unique_sha256")]
        # When each format's newest document came in (trials/freshness.py), in a few probes.
        indexes = [models.Index(fields=["format", "created"], name="rawdocument_format_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class ImportRun(models.Model):
    class State(models.TextChoices):
        # An admin upload is queued for the job worker (trials/jobs.py); a command-line import
        # is recorded when it has finished, so it is "done" from the start.
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    paths = ArrayField(models.CharField(max_length=500), default=list)
    options = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="[[path, reason], ...]")
    # Live progress of a queued import, written by its job while the import's own transaction
    # is still open (trials.jobs.ProgressWriter).
    status = models.CharField(max_length=10, choices=State.choices, default=State.DONE)
    records_done = models.PositiveIntegerField(default=0)
    rate = models.FloatField(null=True, blank=True, help_text="records per second")
    progress_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="why the job failed (nothing was kept)")
    job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"Import {self.started:%Y-%m-%d %H:%M} ({', '.join(self.paths)[:80]})"


# --- A trial's URLs ------------------------------------------------------------------------------

# reverse() takes ~19 µs; a search page links 20 trials and an API answer names 40 URLs. A trial's
# key is made of the characters a URL path carries as they are (loading/columns.url_key), and
# its routes take it as a `<str:key>` segment, so its URL is the same text around the key for
# every trial: that text is reversed once (per route, script prefix and URL conf) around a
# stand-in key. A key with any other character goes through reverse() itself.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9._~-]+")  # what quote() keeps and `<str:…>` takes
_STAND_IN_KEY = "0trial0key0"
_AROUND_KEY: dict[tuple[str, str, object], tuple[str, str]] = {}


def trial_url(name: str, key: str) -> str:
    """reverse(name, args=[key]) for a route whose only argument is a trial's key."""
    if not _PLAIN_KEY.fullmatch(key):
        return reverse(name, args=[key])
    where = (name, get_script_prefix(), get_urlconf())
    around = _AROUND_KEY.get(where)
    if around is None:
        head, _, tail = reverse(name, args=[_STAND_IN_KEY]).partition(_STAND_IN_KEY)
        around = _AROUND_KEY[where] = (head, tail)
    return around[0] + key + around[1]


# --- Trials ------------------------------------------------------------------------------------


class ProvenanceField(models.JSONField):
    """Which source gave each field of a trial: {field: {"format", "registry", "url",
    "refreshed"}} in Python. Stored with each distinct source written once,
    {"@sources": [source, ...], "@fields": {field: index}}, a tenth of the size: a trial's
    fields mostly come from one source, and the repeated form was most of what the database
    compressed on every import. Values stored in the repeated form read as they are."""

    def get_prep_value(self, value):
        return super().get_prep_value(compact_provenance(value))

    def from_db_value(self, value, expression, connection):
        return expand_provenance(super().from_db_value(value, expression, connection))


def compact_provenance(value):
    if not isinstance(value, dict) or "@fields" in value:
        return value
    sources: list = []
    fields = {}
    for name, source in value.items():
        try:
            at = sources.index(source)  # equal sources are written once
        except ValueError:
            at = len(sources)
            sources.append(source)
        fields[name] = at
    return {"@sources": sources, "@fields": fields}


def expand_provenance(value):
    if not isinstance(value, dict) or "@fields" not in value:
        return value
    sources = value["@sources"]
    return {name: _copy(sources[at]) for name, at in value["@fields"].items()}


def _copy(source):
    return dict(source) if isinstance(source, dict) else source


# ts_headline's markers around matched words: control characters no registry text contains, so
# that the template can escape the text first and only then mark the matches.
MATCH_START, MATCH_STOP = "\x02", "\x03"
# The first character of a ranked trial's `headline`: which text it shows.
HEADLINE_PARTS = {"s": "summary", "c": "criteria"}


def headline_part(headline: str | None) -> tuple[str | None, str | None]:
    """A `ranked()` headline as (the part it shows, "summary" or "criteria"; its text)."""
    if not headline:
        return None, None
    return HEADLINE_PARTS.get(headline[0]), headline[1:]


# The Trial columns only the text search reads (see Trial.text_terms): pages need none of them.
SEARCH_ONLY_FIELDS = ("text_terms", "text_summary", "text_criteria", "search")


class TrialQuerySet(models.QuerySet):
    def for_display(self) -> TrialQuerySet:
        """Without the columns only the text search reads (its stored text and tsvector: the
        bulk of a row): a trial page or an API answer loads half the bytes."""
        return self.defer(*SEARCH_ONLY_FIELDS)

    def with_pks(self, pks: list[int]) -> TrialQuerySet:
        """The trials whose ids are `pks`, as one array parameter: `pk__in` writes a
        placeholder per id, and binding a thousand of them cost more Python than the query."""
        if not pks:  # as pk__in=[]: no query at all
            return self.none()
        return self.filter(PkAmong(pks))

    def best_first(self, q: str, search_type: str, pks: list[int], page: slice) -> TrialQuerySet:
        """ranked() for the trials of `pks`: the page `page` of them in RANKED_ORDER. The page is
        chosen from RankVector's rows alone (its vectors and dates): visiting each match's
        trial row too took as long as ranking them."""
        if not pks:
            return self.none()
        query = text_query(q, search_type)
        page_ids = (
            RankVector.objects.filter(PkAmong(pks))
            .annotate(rank=_rank("search", query))
            .order_by(*RANKED_ORDER)  # its pk is the trial's
            .values("trial_id")[page]
        )
        return self.ranked(q, search_type).filter(pk__in=page_ids).order_by(*RANKED_ORDER)

    def rank_order(self, q: str, search_type: str, pks: list[int]) -> list[int]:
        """The ids of the trials of `pks`, all of them, in RANKED_ORDER for `q` (as best_first
        orders a page of them), from RankVector's rows alone."""
        if not pks:
            return []
        query = text_query(q, search_type)
        ordered = (
            RankVector.objects.filter(PkAmong(pks))
            .annotate(rank=_rank("search", query))
            .order_by(*RANKED_ORDER)  # its pk is the trial's
        )
        return list(ordered.values_list("trial_id", flat=True))

    def covered_first(
        self,
        q: str,
        search_type: str,
        pks: list[int],
        parts: list[tuple[tuple[str, float], ...]],
        page: slice,
    ) -> list[int]:
        """The ids of the page `page` of the trials of `pks`, best first by their rank for `q`
        plus the weights of the `parts` (tsqueries' texts) each trial's vector matches (a
        relaxed list's words weighed by their rarity: search.engine.COVERAGE), then the most
        recently updated. Like best_first, from RankVector's rows alone."""
        if not pks:
            return []
        query = text_query(q, search_type)
        covered = sum(
            (
                Case(
                    *(
                        When(Q(search=text_query(tsquery, TSQUERY)), then=Value(weight))
                        for tsquery, weight in part
                    ),
                    default=Value(0.0),
                    output_field=models.FloatField(),
                )
                for part in parts
            ),
            start=Value(0.0, output_field=models.FloatField()),
        )
        return list(
            RankVector.objects.filter(PkAmong(pks))
            .annotate(score=_rank("search", query) + covered)
            .order_by("-score", "-last_updated", "pk")
            .values_list("trial_id", flat=True)[page]
        )

    def by_any_id(self, value: str, *more: str) -> TrialQuerySet:
        """Trials one of whose identifiers is `value` (or one of `more`), however a registry or a
        paper spells it.

        A semi-join (`pk IN (...)`) rather than a join: the identifier index finds the few rows,
        and no trial comes back twice."""
        norms = {identifier_norm(item) for item in (value, *more)}
        matching = Identifier.objects.filter(norm__in=norms).values("trial_id")
        return self.filter(pk__in=matching)

    def ranked(self, q: str, search_type: str = "websearch") -> TrialQuerySet:
        """Annotated with `rank` (cover density, weighted by field, normalised by length: 32)
        and `headline`: the words of `q` (web-search syntax, or with search_type "raw"
        to_tsquery's) in the summary when it has them, else in the criteria text (inclusion
        criteria, description), matches between MATCH_START and MATCH_STOP, its first character
        saying which of the two it shows (HEADLINE_PARTS; see headline_part).

        One expression, and a costly one (ts_headline): PostgreSQL computes it after the sort,
        for the page's rows only. A second column saying which part (the same test of the
        summary's words, but cheap to the planner) was computed for every match before the
        sort: 43 of 52 ms for a word in 1,000 trials."""
        query = text_query(q, search_type)
        # The summary's words are the search vector's weight C: testing the stored vector is
        # a filter, where to_tsvector(text_summary) parsed the text again for every row.
        in_summary = Q(summary_words=query)
        summary, criteria = (Value(mark) for mark in HEADLINE_PARTS)
        return self.alias(summary_words=search_parts("{c}", RANKED_VECTOR)).annotate(
            rank=_rank(RANKED_VECTOR, query),
            headline=Case(
                When(in_summary, then=Concat(summary, _headline("text_summary", query))),
                default=Concat(criteria, _headline("text_criteria", query)),
                output_field=models.TextField(),
            ),
        )


# A search type of TrialQuerySet.ranked and best_first besides SearchQuery's ("raw",
# "websearch", …): the text is a tsquery as PostgreSQL writes one (its lexemes stemmed already),
# cast, not read again (search.rank_query).
TSQUERY = "tsquery"


class _TsQuery(SearchQuery):
    """A tsquery's text, cast: a SearchQuery (so that a vector's `=` lookup takes it as one)
    without a parsing function."""

    template = "%(expressions)s::tsquery"

    def __init__(self, value: str) -> None:
        super().__init__(value, search_type="raw")  # no config: the function is not called


def text_query(q: str, search_type: str) -> SearchQuery:
    """The query expression of `q` read as `search_type`."""
    if search_type == TSQUERY:
        return _TsQuery(q)
    return SearchQuery(q, search_type=search_type, config="english")


# Trial.search as ranking reads it: from RankVector's rows, not from TOAST.
RANKED_VECTOR = "rank_vector__search"
# The order of ranked trials: best first, then the most recently updated.
RANKED_ORDER = ("-rank", "-last_updated", "pk")


def _rank(vector: str, query: SearchQuery) -> Func:
    """How well a trial's vector matches: cover density, weighted by field, rank / (rank + 1)
    (`ts_rank_cd(vector, query, 32)`), a query of alternatives ranked by the one a trial
    matches when it matches one only (the SQL function `trials_rank`: migration 0029)."""
    return Func(F(vector), query, function="trials_rank", output_field=models.FloatField())


class Ids(list):
    """Trial ids (ints) bound as one `bigint[]` parameter, quickly: a search binds its hits'
    ids (often over a thousand) as one array, and psycopg's own list dumper looks at every
    element to choose the array's type (~1.0 ms for 1,400 ids, half of what the ranked page's
    statement took in Python; docs/benchmarks.md, session 17). An Ids is dumped by joining its
    integers (IdsDumper: 0.16 ms): every place that binds trial ids binds one (`ids()`)."""


class IdsDumper(Dumper):
    """An Ids as PostgreSQL's text form of an int8 array, `{1,2,3}`: int() of each element
    (numpy's too) is its digits, nothing to escape, and anything else fails here."""

    oid = psycopg.adapters.types["int8"].array_oid

    def dump(self, obj: Ids) -> bytes:
        return ("{" + ",".join(map(str, map(int, obj))) + "}").encode()


def ids(values: Iterable[int]) -> Ids:
    """`values` as an Ids (the same object when it is one already)."""
    return values if isinstance(values, Ids) else Ids(values)


# On the template every connection's adapters are made from (Django's map extends
# psycopg.adapters when its first connection opens, after the models are imported).
psycopg.adapters.register_dumper(Ids, IdsDumper)


class PkAmong(models.Expression):
    """The rows whose primary key is one of `pks`, as one array parameter (`pk__in` writes a
    placeholder per id), whatever alias the table has in the statement (a subquery's)."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, pks: list[int]) -> None:
        super().__init__()
        self.pks = ids(pks)  # one parameter, dumped quickly
        self.column = F("pk")

    def get_source_expressions(self) -> list:
        return [self.column]  # what Django resolves and relabels (a subquery's alias)

    def set_source_expressions(self, expressions: list) -> None:
        (self.column,) = expressions

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s::bigint[])", (*params, self.pks)


def search_parts(weights: str, vector: str = "search") -> Func:
    """The parts of Trial.search weighted `weights` (`{a,b}`: title and terms), as a vector
    (read from `vector`: the same vector, kept again for ranking as RANKED_VECTOR)."""
    return Func(
        F(vector),
        template=f"ts_filter(%(expressions)s, '{weights}')",
        output_field=SearchVectorField(),
    )


def _headline(column: str, query: SearchQuery) -> SearchHeadline:
    return SearchHeadline(
        column,
        query,
        config="english",
        start_sel=MATCH_START,
        stop_sel=MATCH_STOP,
        max_words=28,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


class Trial(models.Model):
    key = models.CharField(
        max_length=100,
        help_text="URL key: the primary registry ID, or a stable generated one when there is none.",
    )
    trial_id = models.CharField(max_length=100, null=True, blank=True)
    record = models.JSONField(help_text="The merged trial/1 record.")
    provenance = ProvenanceField(default=dict, blank=True, help_text="field -> source")
    conflicts = models.JSONField(default=dict, blank=True, help_text="field -> {source: value}")
    locked_fields = ArrayField(
        models.CharField(max_length=50),
        default=list,
        blank=True,
        help_text="Fields a curator edited: imports leave them alone.",
    )

    # Derived from `record` by the loader, for search, facets and sorting.
    title = models.TextField()
    # For the look-alike check (same title and sponsor), without reading the whole record.
    sponsor = models.TextField(null=True, blank=True)
    status = models.CharField(max_length=30, choices=Status, default=Status.UNKNOWN)
    phases = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    study_type = models.CharField(max_length=20, choices=StudyType, null=True, blank=True)
    conditions = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    drugs = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    # The drug classes the trial tests (its drugs' classes) and the drugs and classes it requires
    # to have failed (the refractory reading, with their classes): trials/loading/columns.py.
    drug_classes = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    prior_therapies = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    registries = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    sex = models.CharField(max_length=10, choices=Sex, null=True, blank=True)
    min_age = models.FloatField(null=True, blank=True)
    max_age = models.FloatField(null=True, blank=True)
    is_refractory = models.BooleanField(default=False)
    enrollment = models.PositiveIntegerField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    # When the study ends or ended, as its registry says (the record's `completion`).
    completion_date = models.DateField(null=True, blank=True)
    last_updated = models.DateField(null=True, blank=True)
    # When a source last confirmed the status (the most recent any source gives).
    status_verified = models.DateField(null=True, blank=True)
    # Text fed to the search vector, by weight: title (A); conditions, drugs, IDs (B);
    # summary (C); inclusion criteria and description (D). Never the exclusion criteria.
    text_terms = models.TextField(blank=True, default="")
    text_summary = models.TextField(blank=True, default="")
    text_criteria = models.TextField(blank=True, default="")
    search = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("text_terms", weight="B", config="english")
        + SearchVector("text_summary", weight="C", config="english")
        + SearchVector("text_criteria", weight="D", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True, db_index=True)

    objects = TrialQuerySet.as_manager()

    class Meta:
        ordering = ["-last_updated", "key"]
        indexes = [
            # Full-text search.
            GinIndex(fields=["search"], name="trial_search_gin"),
            # Facet filters (array overlap) and the status filter.
            GinIndex(fields=["conditions"], name="trial_conditions_gin"),
            GinIndex(fields=["drugs"], name="trial_drugs_gin"),
            GinIndex(fields=["drug_classes"], name="trial_drug_classes_gin"),
            GinIndex(fields=["prior_therapies"], name="trial_prior_therapies_gin"),
            GinIndex(fields=["phases"], name="trial_phases_gin"),
            GinIndex(fields=["countries"], name="trial_countries_gin"),
            models.Index(fields=["status"], name="trial_status_idx"),
            # Default sort order of the search page without a query.
            models.Index(fields=["-last_updated", "key"], name="trial_updated_idx"),
            # The loader's look-alike check (same title, no shared ID): see PossibleDuplicate.
            models.Index(Lower("title"), name="trial_title_lower_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="trial_unique_key"),
            models.UniqueConstraint(fields=["trial_id"], name="trial_unique_trial_id"),
            models.CheckConstraint(condition=_in("status", Status), name="trial_status_valid"),
            models.CheckConstraint(
                condition=Q(study_type__isnull=True) | _in("study_type", StudyType),
                name="trial_study_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(sex__isnull=True) | _in("sex", Sex), name="trial_sex_valid"
            ),
            models.CheckConstraint(
                condition=Q(phases__contained_by=Phase.values), name="trial_phases_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return trial_url("trial_detail", self.key)

    @property
    def status_unconfirmed(self) -> bool:
        """An open status not confirmed for STATUS_UNCONFIRMED_YEARS: "ask the study team"."""
        return status_unconfirmed(self.status, self.status_verified)


class RankVector(models.Model):
    """Each trial's search vector again, kept in this table's own rows for ranking
    (TrialQuerySet.ranked): in trials_trial it lives in TOAST (migration 0021 keeps that heap
    narrow for the GIN index's visits), and fetching it from there took ~10 µs a match, ranking a
    common word's 1,000 matches 10 ms of a search's ~12 ms in the database; read from these rows
    3.5 ms. A trigger keeps it (migration 0023): written with the trial's own row, in the same
    statement, whoever writes it (import, sync, admin). With the trial's date: the page of
    ranked trials is chosen here alone (TrialQuerySet.best_first)."""

    trial = models.OneToOneField(
        Trial, on_delete=models.DB_CASCADE, primary_key=True, related_name="rank_vector"
    )
    search = SearchVectorField()
    # Trial.last_updated, RANKED_ORDER's second key (TrialQuerySet.best_first).
    last_updated = models.DateField(null=True)

    def __str__(self) -> str:
        return f"rank vector of trial {self.trial_id}"


class Identifier(models.Model):
    """Every ID a source names for a trial; `norm` is how URLs and merges look them up."""

    # Not indexed alone: identifier_unique_per_trial (trial, norm) serves look-ups by trial.
    trial = models.ForeignKey(
        Trial, on_delete=models.CASCADE, related_name="identifiers", db_index=False
    )
    value = models.CharField(max_length=200)
    norm = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    registry = models.CharField(max_length=60, null=True, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "value"]
        indexes = [models.Index(fields=["norm"], name="identifier_norm_idx")]
        constraints = [
            models.UniqueConstraint(fields=["trial", "norm"], name="identifier_unique_per_trial")
        ]

    def __str__(self) -> str:
        return self.value


class TrialCondition(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="condition_rows")
    name = models.CharField(max_length=500, help_text="As the source wrote it.")
    condition = models.ForeignKey(Condition, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.name


class Intervention(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="interventions")
    name = models.CharField(max_length=500)
    type = models.CharField(max_length=30, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    drug = models.ForeignKey(Drug, null=True, blank=True, on_delete=models.SET_NULL)
    is_placebo = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="sites")
    facility = models.CharField(max_length=500, null=True, blank=True)
    city = models.CharField(max_length=200, null=True, blank=True)
    region = models.CharField(max_length=200, null=True, blank=True)
    country = models.CharField(max_length=2, null=True, blank=True)
    status = models.CharField(max_length=40, null=True, blank=True)
    # Degrees, when the registry gives coordinates (ClinicalTrials.gov's `geoPoint`).
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sites of a US state (search/regions.py: `region=Maryland`), any case.
            models.Index(Lower("region"), name="site_us_region_idx", condition=Q(country="US")),
        ]

    def __str__(self) -> str:
        return ", ".join(filter(None, [self.facility, self.city, self.country]))


class Contact(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=300, null=True, blank=True)
    role = models.CharField(max_length=60, null=True, blank=True)
    email = models.CharField(max_length=300, null=True, blank=True)
    phone = models.CharField(max_length=100, null=True, blank=True)
    affiliation = models.CharField(max_length=500, null=True, blank=True)

    def __str__(self) -> str:
        return self.name or self.email or "contact"


class SourceRecord(models.Model):
    """What one source document said about one trial: its normalized record, kept as read."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="sources")
    document = models.ForeignKey(RawDocument, on_delete=models.PROTECT, related_name="records")
    source_key = models.CharField(
        max_length=300, help_text="Which source this is: a newer version of it replaces it."
    )
    format = models.CharField(max_length=40)
    registry = models.CharField(max_length=60, null=True, blank=True)
    url = models.URLField(max_length=1000, null=True, blank=True)
    refreshed = models.CharField(max_length=10, null=True, blank=True)
    priority = models.PositiveSmallIntegerField(help_text="Lower wins when sources disagree.")
    record = models.JSONField()
    imported = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "-refreshed"]
        constraints = [
            models.UniqueConstraint(fields=["source_key"], name="source_record_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.format}: {self.source_key}"


class TrialChange(models.Model):
    """Filled by a database trigger on every write to a trial; search workers follow it.

    An update that changes what a feed reader follows (status, countries, start, the
    registry's last update, when the status was confirmed) keeps those fields' values from
    before it in `before` (only the changed ones; "" for none): the search's Atom feed says
    what changed (trials/web/feeds.py)."""

    # The fields `before` keeps (the trigger's list: trials/migrations/0019_trial_change_before).
    FOLLOWED = ("status", "countries", "start_date", "last_updated", "status_verified")

    seq = models.BigAutoField(primary_key=True)
    trial_id = models.BigIntegerField()
    at = models.DateTimeField(db_default=Now())
    before = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            # A trial's latest change that changed a followed field (the feed's sub-query).
            models.Index(
                fields=["trial_id", "-seq"],
                condition=Q(before__isnull=False),
                name="trialchange_before_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.seq}: trial {self.trial_id}"


# --- Curation ----------------------------------------------------------------------------------


class PossibleDuplicate(models.Model):
    """Two trials that look alike (same title and sponsor) but share no registry ID.

    The loader proposes them; only a curator merges them. A dismissed pair stays, so that it is
    never proposed again. `trial_a` is the older trial (lower pk).
    """

    trial_a = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    trial_b = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    dismissed = models.BooleanField(default=False)

    class Meta:
        ordering = ["dismissed", "-created"]
        constraints = [
            models.UniqueConstraint(fields=["trial_a", "trial_b"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=Q(trial_a__lt=models.F("trial_b")), name="duplicate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trial_a.key} ~ {self.trial_b.key}"


class ValueMapping(models.Model):
    """A curator's reading of a status, phase or country spelling the readers do not map.

    Conditions and drugs are mapped in their vocabulary tables (as synonyms); these three have
    fixed values, so a spelling is mapped to one of them here. `raw` is folded (lower case,
    single spaces); `value` is a Status, a comma-separated list of Phases ("" for none), or an
    ISO 3166-1 alpha-2 code.
    """

    class Kind(models.TextChoices):
        STATUS = "status", "Status"
        PHASE = "phase", "Phase"
        COUNTRY = "country", "Country"

    kind = models.CharField(max_length=10, choices=Kind)
    raw = models.CharField(max_length=300)
    value = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "raw"]
        constraints = [models.UniqueConstraint(fields=["kind", "raw"], name="value_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.raw} → {self.value or '(none)'}"
