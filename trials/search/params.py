"""The search parameters' front door: parse and validate request input for the page and the API.

`TrialFilterSet` declares every parameter of interfaces.md: the facets' filters are made from
their declarations (facets.py), the others are written out below. Its form validates; `parse()`
turns a QueryDict into a clean `engine.Query` plus a message per parameter it had to ignore, so
the page can show a notice and the API can answer 400. The FilterSet's own `.qs` applies the same
filters with the plain ORM: the reference the fast engine is tested against.
"""

from __future__ import annotations

import copy
import math
from decimal import Decimal

import django_filters
from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.http import QueryDict

from trials.models import Site, Status, Trial, search_parts, unconfirmed_before
from trials.models import text_query as text_query_expression
from trials.readers.gazetteer import EARTH_RADIUS_KM
from trials.search import facets, fulltext, places, readings, regions, words
from trials.search.engine import DEFAULT_WITHIN_KM, PAGE_SIZE, SORTS, Query
from trials.search.facets import Facet
from trials.search.index import current_values
from trials.search.readings import Reading


class Problem(str):
    """A parameter's message with a code for the API's error (`{"error": {"code", …}}`), for
    an ambiguous place the texts of its places (the page links them), and what the page did
    instead (`instead`: "100 km used"), which the page's notice says after the message and the
    API, which refuses the request, does not (`refused`)."""

    code: str = "invalid_parameter"
    choices: tuple[str, ...] = ()
    refused: str = ""

    def __new__(
        cls, message: str, code: str = "invalid_parameter", choices=(), instead: str = ""
    ) -> Problem:
        problem = super().__new__(cls, f"{message}; {instead}" if instead else message)
        problem.code, problem.choices, problem.refused = code, tuple(choices), message
        return problem


def accepts(facet: Facet, value: str) -> bool:
    """Whether a (cleaned) URL value is one the portal knows: a set look-up, not a list scan."""
    if facet.accepts is not None:
        return facet.accepts(value)
    if facet.choices:
        return facet.choice(value) is not None
    return value in current_values(facet.name)  # an open set: what the loaded trials have


class FacetField(forms.MultipleChoiceField):
    """A facet's values, validated by the facet's declaration rather than a choice list."""

    def __init__(self, *args, facet: Facet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.facet = facet

    def valid_value(self, value) -> bool:
        return accepts(self.facet, str(value))


class FacetFilter(django_filters.MultipleChoiceFilter):
    field_class = FacetField


def _text_query(value: str, relaxed: bool = False) -> SearchQuery:
    return _search_query(words.read(value, relaxed))


def _same_class(matching, value: str):
    """The engine's class fill (engine._class_filled): when fewer than words.FILL_BELOW trials
    match `value`, which names drugs alone, the pks of the other trials of their class
    (words.same_class), at most SAME_CLASS_TRIALS_MAX of them, less those whose exclusion
    criteria name its drugs; None when not filled so."""
    chosen = words.same_class(value)
    if not chosen or matching[: words.FILL_BELOW].count() >= words.FILL_BELOW:
        return None
    others = Trial.objects.filter(facets.get("drug_class").where([chosen[0]]))
    others = others.exclude(pk__in=matching.values("pk"))
    if others[: words.SAME_CLASS_TRIALS_MAX + 1].count() > words.SAME_CLASS_TRIALS_MAX:
        return None
    excluding = RawSQL(
        "SELECT id FROM trials_trial WHERE record->'criteria'->>'exclusion' ~* %s",
        [words.drug_names_pattern(value)],
    )
    return others.exclude(pk__in=excluding).values("pk")


def _skin_general(matching, value: str):
    """The engine's skin fill (engine._general_filled): when fewer than words.FILL_BELOW trials
    match a query naming skin diseases (words.skin_diseases_named), the pks of the trials open
    to skin diseases in general, less those whose exclusion criteria name the diseases; None
    otherwise."""
    if not words.skin_diseases_named(value):
        return None
    if matching[: words.FILL_BELOW].count() >= words.FILL_BELOW:
        return None
    general = _general_trials(value)
    if words.children_s_disease_named(value):
        general = general.exclude(min_age__gte=facets.ADULT_AGE)
    return general.values("pk")


def _general_trials(value: str):
    """The trials open to skin diseases in general (words.skin_in_general), less those whose
    exclusion criteria name the diseases `value` names."""
    general = Q(search=_search_query(words.skin_in_general()[1]))
    return Trial.objects.filter(general, *_welcoming(value))


def _welcoming(value: str) -> tuple[Q, ...]:
    """Not the trials whose exclusion criteria name the diseases `value` names (engine:
    _excluding with words.condition_names_pattern); () when it names none."""
    if not (named := words.condition_names_pattern(value)):
        return ()
    sql = "SELECT id FROM trials_trial WHERE record->'criteria'->>'exclusion' ~* %s"
    return (~Q(pk__in=RawSQL(sql, [named])),)  # noqa: S611 - a constant statement, bound


def _with_general(qs, matching, value: str):
    """`qs` filtered to `matching`, with the trials open to skin diseases in general when the
    engine fills the list with them (_skin_general)."""
    if (general := _skin_general(matching, value)) is not None:
        return qs.filter(Q(pk__in=matching.values("pk")) | Q(pk__in=general))
    return qs.filter(pk__in=matching.values("pk"))


def _broader(text: str):
    """The pks of the trials the engine lists when no trial is about the diseases `text`
    names (_wider); for drugs named alone, the trials of their class (_same_class); none
    otherwise."""
    if (wider := _wider(text)) is not None:
        return wider
    if (siblings := _same_class(Trial.objects.none(), text)) is not None:
        return siblings  # no trial tests the drugs it names: their class's (engine)
    return Trial.objects.none().values("pk")


def _wider(text: str):
    """The pks of the trials about the group of the diseases `text` names (words.broader);
    failing those, when they are skin diseases, of the trials open to skin diseases in
    general but those turning them away (_general_trials); None when neither has any
    (engine._wider)."""

    def has_trials(slug: str) -> bool:
        return Trial.objects.filter(conditions__contains=[slug]).exists()

    if (group := words.broader(text, has_trials)) and (
        about := Trial.objects.filter(conditions__contains=[group[0]])
    ).exists():
        if (general := _skin_general(about, group[1])) is not None:
            return Trial.objects.filter(Q(pk__in=about) | Q(pk__in=general)).values("pk")
        return about.values("pk")  # … filled as a disease named is (engine._general_filled)
    if words.skin_diseases_said(text):
        general = _general_trials(text)
        if general.exists():
            return general.values("pk")
    return None


def _untagged(text: str) -> bool:
    """Whether no trial is about the diseases `text` asks about (engine._untagged)."""
    slugs, names = words.conditions_meant(text)
    if not slugs or Trial.objects.filter(conditions__overlap=list(slugs)).exists():
        return False
    named_in = search_parts(fulltext.RESPELT_IN)
    return not any(
        Trial.objects.annotate(about=named_in).filter(about=_text_query(name)).exists()
        or _welcomed(name)
        for name in names
    )


def _welcomed(text: str) -> bool:
    """Whether some of the at most ABOUT_CHECK_MAX trials matching `text` take people with a
    disease it names in their inclusion criteria, not negated (fulltext.welcomed)."""
    matching = Trial.objects.filter(search=_text_query(text))
    named = words.condition_names_pattern(text)
    if not named or not 0 < matching.count() <= fulltext.ABOUT_CHECK_MAX:
        return False
    return matching.filter(
        pk__in=RawSQL(fulltext.INCLUDING, [named, fulltext.NOT_BEFORE + f"({named})"])  # noqa: S611
    ).exists()


def _welcomed_named(text: str) -> bool:
    """Whether a disease `text` names is welcomed (fulltext._welcomed_named)."""
    return any(_welcomed(name) for name in words.condition_names_said(text))


def _about_unfilled(value: str) -> bool:
    """Whether a relaxed list is not filled with the trials about other diseases it names
    (words.about_listed: none, or the part chosen alone), as engine._general_after_named
    asks."""
    listed = words.about_listed(value, _found)
    return listed is None or listed[1] is None


def _relaxed(value: str) -> Q:
    """The relaxed match of `value` (fulltext.text_rows): the trials about the diseases it
    names or describes among other words when some are (none when none is; with the trials
    about any of them when few are: words.about_listed), else those with any of its words."""
    if (listed := words.about_listed(value, _found)) is not None:
        chosen, widest = listed
        match = Q(search=_search_query(chosen))
        if widest is None:
            return match
        # Those it is filled with, less those that turn away whom it is about (the engine).
        return match | Q(Q(search=_search_query(widest)), *_welcoming(value))
    if words.about_parts(value) and not _welcomed_named(value):
        return Q(pk__in=[])
    match = Q(search=_text_query(value, relaxed=True))
    if not (pattern := words.condition_names_pattern(value)):
        return match
    # Less the untagged trials turning away whom it names, when few (fulltext._welcoming_rows).
    named = list(words.named_conditions(value))
    untagged = Trial.objects.filter(match).exclude(conditions__overlap=named)
    if not 0 < untagged[: fulltext.RELAXED_AWAY_MAX + 1].count() <= fulltext.RELAXED_AWAY_MAX:
        return match
    sql = "SELECT id FROM trials_trial WHERE record->'criteria'->>'exclusion' ~* %s"
    away = untagged.filter(pk__in=RawSQL(sql, [pattern]))  # noqa: S611 - constant, bound
    return match & ~Q(pk__in=away.values("pk"))


def _search_query(text_query: words.TextQuery) -> SearchQuery:
    return text_query_expression(text_query.text, text_query.search_type)


def _found(text_query: words.TextQuery) -> int:
    """How many trials `text_query` matches, counted up to words.FILL_BELOW."""
    return Trial.objects.filter(search=_search_query(text_query))[: words.FILL_BELOW].count()


# The parts of the search vector where a trial has the diseases it is about (title, terms,
# summary), as fulltext.passing_mentions reads them.
_ABOUT = search_parts(fulltext.DISEASE_IN)


class PageFilter(django_filters.Filter):
    field_class = forms.IntegerField


class PeriodField(forms.CharField):
    """An end of a date filter (facets.DATE_RANGES): a year, a month or a day (facets.period)."""

    def validate(self, value) -> None:
        super().validate(value)
        if value and facets.period(value) is None:
            low, high = facets.PERIOD_YEARS
            raise ValidationError(f"{facets.PERIOD_FORMS}, from {low} to {high}")


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodField


class TrialFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=settings.SEARCH_QUERY_MAX_CHARS)
    age = django_filters.NumberFilter(
        method="filter_age", min_value=Decimal(0), max_value=Decimal(130)
    )
    recruiting = django_filters.ChoiceFilter(choices=[("1", "yes")], method="filter_recruiting")
    # With `recruiting`: keep trials whose open status is no longer confirmed (filter_recruiting).
    include_unconfirmed = django_filters.ChoiceFilter(
        choices=[("1", "yes")], method="filter_nothing"
    )
    sort = django_filters.ChoiceFilter(
        choices=[(s, s) for s in SORTS], method="filter_nothing", empty_label=None
    )
    page = PageFilter(method="filter_nothing", min_value=1)
    # Trials a page: the API and the exports (the search page always shows engine.PAGE_SIZE).
    page_size = PageFilter(method="filter_nothing", min_value=1)
    # A place (places.locate) and how far from it, in km (`within`, read by within_km()).
    near = django_filters.CharFilter(method="filter_near")
    # A US state by name or code, another country's region by name (regions.py): trials with a
    # site in it.
    region = django_filters.CharFilter(method="filter_region", max_length=60)

    class Meta:
        model = Trial
        fields: list[str] = []

    def __init__(
        self, data=None, *args, read_words: bool = True, general: bool = True, **kwargs
    ) -> None:
        # `general`: whether a relaxed list is filled with the trials open to skin diseases in
        # general (_general_after); not by the wider search filter_queryset makes, which
        # `filter_queryset` fills itself.
        self.general = general
        # The words of `q` read as filters (readings.py), as parse() reads them for the engine.
        self.understood: tuple[Reading, ...] = ()
        if read_words and isinstance(data, QueryDict):
            data, self.understood = understand(data)
        super().__init__(data, *args, **kwargs)
        # The facets' filters, made here rather than in the class body so that they follow
        # the declarations as they are now (tests declare facets of their own).
        for facet in facets.declared():
            facet_filter = FacetFilter(field_name=facet.name, method="filter_facet", facet=facet)
            facet_filter.model = Trial
            facet_filter.parent = self
            self.filters[facet.name] = facet_filter

    def filter_queryset(self, queryset):
        """The engine's match (engine._read_filled): a failure, place, status or phase read from the
        words that fewer than words.FILL_BELOW trials meet is left out when more trials have the
        words (the engine lists those that meet it first)."""
        self.general_after: str | None = None
        self.words_relaxed = False  # filter_q: no trial had every word
        filtered = super().filter_queryset(queryset)
        data = self.data
        read = {reading.parameter for reading in self.understood} & set(readings.READ_FILLED)
        children = facets.for_children(
            self.data.getlist("age_group"), self.form.cleaned_data.get("age")
        )
        if self.words_relaxed and filtered.exists() and not children:
            read -= set(readings.AGE_READ)  # an adult's age: as engine._read_filled
        if (
            read
            and self.form.cleaned_data.get("q")
            and not self.errors
            and filtered[: words.FILL_BELOW].count() < words.FILL_BELOW
        ):
            data = self.data.copy()
            for name in read:
                data.pop(name, None)
            wider = TrialFilterSet(data, queryset=queryset, read_words=False, general=False).qs
            about_only = read & set(readings.ABOUT_ONLY)
            if about_only and (named := words.named_conditions(data.get("q") or "")):
                # A phase or an age let go adds, of the trials not meeting it, only those about
                # the conditions named (as engine._read_filled).
                meeting = Q()
                for name in about_only:
                    meeting &= self._meeting(name)
                about = wider.filter(meeting | Q(conditions__overlap=list(named)))
                wider = queryset.filter(
                    Q(pk__in=filtered.values("pk")) | Q(pk__in=about.values("pk"))
                )
            if wider.count() > filtered.count():
                filtered = wider
            else:
                data = self.data
        if (
            self.general
            and self.general_after
            and (general := self._general_after(queryset, filtered, data)) is not None
        ):
            filtered = queryset.filter(Q(pk__in=filtered.values("pk")) | Q(pk__in=general))
        return filtered

    def _meeting(self, name: str) -> Q:
        """The filter of the parameter `name` as the data asks it (a facet's values, an age)."""
        if name == "age":
            age = self.form.cleaned_data["age"]
            return facets.admits_ages(age, age).where
        return facets.get(name).where(self.data.getlist(name))

    def _general_after(self, queryset, filtered, data):
        """The engine's skin fill of a relaxed list (engine._general_after_named): when fewer
        than words.FILL_BELOW of the trials `filtered` (the filters with the relaxed words)
        are about the skin diseases the words name or their kin (words.skin_kin), the pks of
        the trials open to skin diseases in general that meet the other filters, less those
        whose exclusion criteria name the diseases; None otherwise."""
        value = self.general_after
        kin = words.skin_kin(value)
        about = filtered.filter(conditions__overlap=list(kin)) if kin else filtered.none()
        if not 0 < about[: words.FILL_BELOW].count() < words.FILL_BELOW:
            return None
        data = data.copy()
        data.pop("q", None)
        others = TrialFilterSet(data, queryset=queryset, read_words=False).qs
        return others.filter(pk__in=_general_trials(value).values("pk")).values("pk")

    def filter_facet(self, qs, name, value):
        # django-filter passes the field name, which is the facet's name.
        return qs.filter(facets.get(name).where(value)) if value else qs

    def filter_q(self, qs, name, value):
        """The engine's text match in the plain ORM: the query as words.read reads it; none
        when it names diseases that no trial is about (fulltext.passing_mentions);
        relaxed when no trial has them all (engine.search): to the trials about the diseases
        it names among other words (words.about_choice), else to any of its words; and with
        its relaxed matches too when fewer than words.FILL_BELOW have them all (a query naming
        drugs alone: with its drugs' class's trials, words.same_class); when nothing matches,
        the trials about the group of the diseases it names (words.broader)."""
        strict = _text_query(value)
        pasted = words.id_candidates(value)
        if pasted and (by_id := Trial.objects.by_any_id(*pasted)).exists():
            # Registry IDs pasted ("NCT 04946669", a registry page's address): their trials,
            # with any the words find, nothing relaxed or filled (engine._id_match).
            return qs.filter(Q(pk__in=by_id.values("pk")) | Q(search=strict))
        matching = Trial.objects.filter(search=strict)
        if (bare := words.unquoted(value)) and not matching.exists():
            value, strict = bare, _text_query(bare)  # a quoted phrase no trial has: its words
            matching = Trial.objects.filter(search=strict)
        if words.names_diseases(value) and fulltext.ABOUT_CHECK_MAX >= matching.count() > 0:
            about = matching.annotate(about=_ABOUT).filter(about=strict)
            if not about.exists() and not _welcomed(value):
                matching = Trial.objects.none()
        if (short := words.named_by_abbreviation(value)) and not matching.filter(
            conditions__overlap=list(short)
        ).exists():
            matching = Trial.objects.none()  # "PG trials": pregabalin's (engine._match)
        if not words.can_relax(value):
            if not matching.exists():
                return qs.filter(pk__in=_broader(value))
            if (siblings := _same_class(matching, value)) is not None:
                return qs.filter(Q(pk__in=matching.values("pk")) | Q(pk__in=siblings))
            return _with_general(qs, matching, value)
        found = matching.count()
        if not found:
            relaxed = Trial.objects.filter(_relaxed(value))
            if relaxed.exists():
                self.words_relaxed = True  # filter_queryset: an age read is not let go
                if (
                    _untagged(value)
                    and (wider := _wider(value)) is not None
                    and not relaxed.filter(pk__in=wider).exists()
                ):
                    return qs.filter(pk__in=wider)  # other diseases' trials (engine)
                if _skin_general(relaxed, value) is None and _about_unfilled(value):
                    self.general_after = value  # filter_queryset, within the other filters
                return _with_general(qs, relaxed, value)
            return qs.filter(pk__in=_broader(value))
        if found < words.FILL_BELOW and words.fills(value):
            more = Trial.objects.filter(_relaxed(value)).exclude(pk__in=matching.values("pk"))
            if more.exists():
                return qs.filter(Q(pk__in=matching.values("pk")) | _relaxed(value))
        return _with_general(qs, matching, value)

    def filter_age(self, qs, name, value):
        return qs.filter(facets.admits_ages(value, value).where)

    def filter_dates(self, qs, name, value):
        """A date filter's end (facets.DATE_RANGES): from the first day of `<name>_from`'s
        period, to the last of `<name>_to`'s."""
        if not value:
            return qs
        first, last = facets.period(value)
        date_range = facets.date_range(name)
        if name == date_range.low:
            return qs.filter(date_range.between(first, None).where)
        return qs.filter(date_range.between(None, last).where)

    def filter_recruiting(self, qs, name, value):
        """Open statuses, less those not confirmed since the cut-off (engine.open_mask)."""
        if not value:
            return qs
        qs = qs.filter(status__in=Status.OPEN)
        if self.form.cleaned_data.get("include_unconfirmed") == "1":
            return qs
        return qs.filter(
            Q(status_verified__isnull=True) | Q(status_verified__gte=unconfirmed_before())
        )

    def filter_near(self, qs, name, value):
        """Trials with a site within `within` km of the place: the haversine formula of
        distance.py in SQL, over the stored sites (the reference the index is tested against).
        An unknown place filters nothing (parse() reports it)."""
        place = places.locate(value or "")
        if not value or not isinstance(place, places.Place):
            return qs
        within, _ = within_km(self.data.get("within"))
        return qs.filter(Exists(sites_within(place.lat, place.lon, within)))

    def filter_region(self, qs, name, value):
        """Trials with a site in the region (regions.where); an unknown one filters nothing
        (parse() reports it)."""
        chosen = regions.state(value)
        return qs.filter(regions.where(chosen)) if chosen else qs

    def filter_nothing(self, qs, name, value):
        return qs


# Each date filter's two ends (facets.DATE_RANGES): a period each, a year, a month or a day.
for _range in facets.DATE_RANGES:
    for _name in _range.parameters:
        TrialFilterSet.base_filters[_name] = PeriodFilter(
            field_name=_name, method="filter_dates", max_length=10
        )


def _accepted(name: str, value: str) -> bool:
    """Whether a reading's parameter is one the portal has, and its value one it accepts."""
    if facet := facets.get(name):
        return accepts(facet, facet.clean(value))
    if name == "within":  # read with `near` ("socal": readings.place), which reads it
        return within_km(value)[1] is None
    known = TrialFilterSet.base_filters.get(name)
    if known is None or name == "q":
        return False
    try:
        known.field.clean(value)
    except ValidationError:
        return False
    return True


def _explicit(data: QueryDict, name: str) -> bool:
    names = (name, *readings.YIELDS_TO.get(name, ()))
    return any(value.strip() for other in names for value in data.getlist(other))


def understand(data: QueryDict) -> tuple[QueryDict, tuple[Reading, ...]]:
    """The parameters with the words of `q` read as filters (readings.py): each reading's
    words leave `q` and its parameter is set. Explicit URL parameters win; a reading of a
    parameter or value the portal does not accept is not made (its words stay in `q`)."""
    typed = data.get("q") or ""
    if "\x00" in typed:
        return data, ()  # the form refuses it whole, not what reading would leave of it
    # Full-width letters folded, invisible characters dropped, Chinese, Japanese or Korean
    # cut into words: what the words are read from, while it fits the form's length.
    read = next(
        (
            text
            for text in (words.spaced(words.normalized(typed)), words.normalized(typed))
            if len(text) <= readings.max_length()
        ),
        typed,
    )
    if read != typed:
        data = data.copy()
        data["q"] = typed = read
    applied = tuple(
        reading
        for reading in readings.read(typed)
        if not _explicit(data, reading.parameter) and _accepted(reading.parameter, reading.value)
    )
    # How long or since when ("for about 12 years"): out of the words too, setting nothing.
    asides = readings.asides(typed)
    if not applied and not asides:
        return data, ()
    clean = data.copy()
    rest = readings.without(
        typed, [*asides, *(span for reading in applied for span in reading.spans)]
    )
    # "studies in Louisiana? we live in Baton Rouge": the state is where, the town who asks —
    # near it and in the state, no trial was; its words go, its place is not a filter.
    applied = tuple(reading for reading in applied if not _within_a_read_state(reading, applied))
    # What is left may be only filler ("trials for kids"): then there is nothing to search.
    clean["q"] = "" if words.only_filler(rest) else rest
    for reading in applied:
        clean.appendlist(reading.parameter, reading.value)
    return clean, applied


def _within_a_read_state(reading: readings.Reading, applied: tuple) -> bool:
    """Whether `reading` is a place read from the words that lies in a US state read too."""
    if reading.parameter != "near":
        return False
    states = [other.value for other in applied if other.parameter == "region"]
    if not states:
        return False
    located = places.locate(reading.value)
    if not isinstance(located, places.Place):
        return False
    return any(f", {state}, " in f"{located.label}, " for state in states)


def haversine_sql(lat: float, lon: float):
    """The distance (km) from a point to a site's, as an ORM expression (distance.py's formula)."""
    two = Value(2.0)
    half = Power(Sin((Radians(F("lat")) - Radians(Value(lat))) / two), two) + Cos(
        Radians(Value(lat))
    ) * Cos(Radians(F("lat"))) * Power(Sin((Radians(F("lon")) - Radians(Value(lon))) / two), two)
    return Value(2.0 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(Value(1.0), half)))


def sites_within(lat: float, lon: float, within: float):
    return (
        Site.objects.filter(trial=OuterRef("pk"), lat__isnull=False, lon__isnull=False)
        .annotate(distance=haversine_sql(lat, lon))
        .filter(distance__lte=within)
    )


def within_km(raw: str | None) -> tuple[float, Problem | None]:
    """`within` as km: a number from 1 to SEARCH_NEAR_MAX_KM; the default, and why, otherwise."""
    if raw is None or not str(raw).strip():
        return DEFAULT_WITHIN_KM, None
    limit = settings.SEARCH_NEAR_MAX_KM
    try:
        value = float(str(raw).strip()[:40])
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 1 <= value <= limit):
        shown = str(raw)[:20]
        message = f"within={shown!r}: a distance in km from 1 to {limit}"
        return DEFAULT_WITHIN_KM, Problem(message, instead=f"{DEFAULT_WITHIN_KM:g} km used")
    return value, None


def _near(data: QueryDict, errors: dict[str, str]) -> places.Place | None:
    """The place `near` names, if any; a notice naming what was not understood otherwise."""
    text = data.get("near") or ""
    if not text.strip():
        return None
    place = places.locate(text)
    if isinstance(place, places.Place):
        return place
    if isinstance(place, places.Ambiguous):
        errors["near"] = Problem(place.message, "ambiguous_place", place.choices)
    else:
        errors["near"] = Problem(place.message, "unknown_place")
    return None


def known_parameters() -> tuple[str, ...]:
    """Every parameter a search takes (the page, the API, exports), in a stable order: the
    FilterSet's own, `within`, then the facets as declared now."""
    return (*TrialFilterSet.base_filters, "within", *(facet.name for facet in facets.declared()))


_form_class_kept: list[tuple[tuple[Facet, ...], int, type[forms.Form]]] = []


def _form_class() -> type[forms.Form]:
    """TrialFilterSet's form class for the facets as declared now and API_MAX_PAGE_SIZE.
    django-filter builds it anew for every FilterSet (a field per filter, labels and all: 3 ms
    a request); it depends on nothing but these. Its forms share its fields, which validation
    only reads: Django's Form deep-copies its fields for each form, half of parse()'s time."""
    declared, largest = facets.declared(), settings.API_MAX_PAGE_SIZE
    kept = _form_class_kept[0] if _form_class_kept else None
    if kept is None or kept[0] is not declared or kept[1] != largest:
        filterset = TrialFilterSet(queryset=Trial.objects.none(), read_words=False)
        form_class = filterset.get_form_class()
        fields = copy.deepcopy(form_class.base_fields)
        fields["page_size"].max_value = largest
        fields["page_size"].validators.append(MaxValueValidator(largest))

        class SharedFieldsForm(form_class):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)  # copies base_fields, made empty below
                self.fields = fields

        SharedFieldsForm.base_fields = {}
        _form_class_kept[:] = [(declared, largest, SharedFieldsForm)]
    return _form_class_kept[0][2]


def parse(data: QueryDict) -> tuple[Query, dict[str, str]]:
    """Clean values, and {parameter: message} for whatever was ignored."""
    if not data:
        return Query(), {}
    typed = data.get("q") or ""
    data, understood = understand(data)
    errors: dict[str, str] = {}
    clean = data.copy()
    # Facet values one at a time, so that one unknown value drops alone, with a notice.
    for facet in facets.declared():
        values = [facet.clean(raw) for raw in data.getlist(facet.name)]
        good = [value for value in dict.fromkeys(values) if value and accepts(facet, value)]
        bad = [value for value in values if value and value not in good]
        if bad:
            label = facet.name.replace("_", " ")
            errors[facet.name] = f"unknown {label} {', '.join(repr(value) for value in bad)}"
        clean.setlist(facet.name, good)
    form = _form_class()(clean)
    form.is_valid()
    for name, messages in form.errors.items():
        errors[name] = f"{name}={data.get(name, '')[:100]!r}: {' '.join(messages)}"
    cleaned = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    errors.pop("near", None)  # read by _near, which says what it did not understand
    near = _near(data, errors)
    within, problem = within_km(data.get("within"))
    if problem and near:
        errors["within"] = problem
    region = regions.state(cleaned.get("region"))
    if cleaned.get("region") and region is None:
        shown = str(cleaned["region"])[:60]
        errors["region"] = (
            f"region={shown!r}: a US state (its name or two-letter code), or another "
            "country's region by its name (Ontario, Bavaria, Lombardy, Guangdong)"
        )
    sort = cleaned.get("sort") or ""
    if sort == "distance" and near is None:
        if not (data.get("near") or "").strip():
            errors["sort"] = Problem(
                "sort='distance' needs a place (near=…)", instead="default order used"
            )
        sort = ""
    query = Query(
        q=(cleaned.get("q") or "").strip(),
        typed=typed.strip() if "q" not in form.errors else "",
        understood=understood,
        facets={facet.name: cleaned.get(facet.name) or [] for facet in facets.declared()},
        age=float(cleaned["age"]) if cleaned.get("age") is not None else None,
        recruiting=cleaned.get("recruiting") == "1",
        include_unconfirmed=cleaned.get("include_unconfirmed") == "1",
        sort=sort,
        page=cleaned.get("page") or 1,
        page_size=cleaned.get("page_size") or PAGE_SIZE,
        near=(near.lat, near.lon) if near else None,
        near_label=near.label if near else "",
        within=within,
        region=region,
        dates={
            date_range.name: ends
            for date_range in facets.DATE_RANGES
            if any(
                ends := (
                    _period_end(cleaned.get(date_range.low), 0),
                    _period_end(cleaned.get(date_range.high), 1),
                )
            )
        },
    )
    return query, errors


def _period_end(value: str | None, end: int):
    """The first (`end` 0) or last (1) day of a period given (facets.period), else None."""
    return facets.period(value)[end] if value else None
