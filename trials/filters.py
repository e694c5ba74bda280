"""The search parameters' front door: parse and validate request input for the page and the API.

`TrialFilterSet` declares every parameter of interfaces.md. Its form validates; `parse()` turns a
QueryDict into a clean `search.Query` plus a message per parameter it had to ignore, so the page
can show a notice and the API can answer 400. The FilterSet's own `.qs` applies the same filters
with the plain ORM: the reference the fast engine is tested against.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q
from django.http import QueryDict

from trials import labels
from trials.facetindex import current_values
from trials.models import Phase, Sex, Status, StudyType, Trial
from trials.search import FACETS, OPEN_STATUSES, SORTS, Query

_sorted: dict[tuple[str, int], list] = {}


def _vocab_choices(facet: str):
    def choices():
        vocab = labels.vocabulary()[facet]
        key = (facet, id(vocab))  # the label cache hands out a new dict when it reloads
        if key not in _sorted:
            _sorted.clear()
            _sorted[key] = sorted(vocab.items(), key=lambda kv: kv[1].lower())
        return _sorted[key]

    return choices


class CountryField(forms.MultipleChoiceField):
    """ISO alpha-2 codes; validated against pycountry rather than a 250-item choice list."""

    def valid_value(self, value) -> bool:
        return labels.is_country(str(value))


class CountryFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryField


class PageFilter(django_filters.Filter):
    field_class = forms.IntegerField


class RegistryField(forms.MultipleChoiceField):
    """Source registries: whatever the loaded trials name."""

    def valid_value(self, value) -> bool:
        return str(value) in current_values("registry")


class RegistryFilter(django_filters.MultipleChoiceFilter):
    field_class = RegistryField


AGE_GROUPS = [("child", "Children"), ("adult", "Adults"), ("older_adult", "Older adults")]
AGE_RANGES = {"child": (0, 17.999), "adult": (18, 64.999), "older_adult": (65, 200)}


class TrialFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=500)
    condition = django_filters.MultipleChoiceFilter(
        field_name="conditions", choices=_vocab_choices("condition"), method="filter_overlap"
    )
    drug = django_filters.MultipleChoiceFilter(
        field_name="drugs", choices=_vocab_choices("drug"), method="filter_overlap"
    )
    phase = django_filters.MultipleChoiceFilter(
        field_name="phases", choices=Phase.choices, method="filter_overlap"
    )
    status = django_filters.MultipleChoiceFilter(field_name="status", choices=Status.choices)
    country = CountryFilter(field_name="countries", method="filter_overlap")
    study_type = django_filters.MultipleChoiceFilter(
        field_name="study_type", choices=StudyType.choices
    )
    registry = RegistryFilter(field_name="registries", method="filter_overlap")
    refractory = django_filters.MultipleChoiceFilter(
        choices=[("1", "yes")], method="filter_refractory"
    )
    sex = django_filters.MultipleChoiceFilter(
        choices=[("female", "Female"), ("male", "Male")], method="filter_sex"
    )
    age_group = django_filters.MultipleChoiceFilter(choices=AGE_GROUPS, method="filter_age_group")
    age = django_filters.NumberFilter(
        method="filter_age", min_value=Decimal(0), max_value=Decimal(130)
    )
    recruiting = django_filters.ChoiceFilter(choices=[("1", "yes")], method="filter_recruiting")
    sort = django_filters.ChoiceFilter(
        choices=[(s, s) for s in SORTS], method="filter_nothing", empty_label=None
    )
    page = PageFilter(method="filter_nothing", min_value=1)

    class Meta:
        model = Trial
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return qs.filter(search=SearchQuery(value, search_type="websearch", config="english"))

    def filter_overlap(self, qs, name, value):
        # django-filter passes the field name (the array column) as `name`.
        return qs.filter(**{f"{name}__overlap": value}) if value else qs

    def filter_refractory(self, qs, name, value):
        return qs.filter(is_refractory=True) if value else qs

    def filter_age(self, qs, name, value):
        return qs.filter(_admits_ages(value, value))

    def filter_age_group(self, qs, name, value):
        if not value:
            return qs
        either = Q(pk__in=[])
        for group in value:
            either |= _admits_ages(*AGE_RANGES[group])
        return qs.filter(either)

    def filter_sex(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(sex__isnull=True) | Q(sex__in=[Sex.ALL, *(v.upper() for v in value)]))

    def filter_recruiting(self, qs, name, value):
        return qs.filter(status__in=OPEN_STATUSES) if value else qs

    def filter_nothing(self, qs, name, value):
        return qs


def _admits_ages(low, high) -> Q:
    """Trials whose age range overlaps [low, high]."""
    return (Q(min_age__isnull=True) | Q(min_age__lte=high)) & (
        Q(max_age__isnull=True) | Q(max_age__gte=low)
    )


MULTI = list(FACETS)
# Enum values are matched whatever their case: `phase=phase2` is PHASE2.
UPPER = {"phase", "status", "country", "study_type"}
LOWER = {"sex", "age_group"}


def _valid(name: str, value: str) -> bool:
    """Whether a facet value is one the portal knows (a set look-up, not a choice-list scan)."""
    if name in ("condition", "drug"):
        return value in labels.vocabulary()[name]
    if name == "country":
        return labels.is_country(value)
    if name == "registry":
        return value in current_values("registry")
    return value in KNOWN[name]


KNOWN = {
    "phase": set(Phase.values),
    "status": set(Status.values),
    "study_type": set(StudyType.values),
    "sex": {"female", "male"},
    "age_group": set(AGE_RANGES),
    "refractory": {"1"},
}


def parse(data: QueryDict) -> tuple[Query, dict[str, str]]:
    """Clean values, and {parameter: message} for whatever was ignored."""
    if not data:
        return Query(), {}
    errors: dict[str, str] = {}
    clean = data.copy()
    for name in MULTI:
        values = [_case(name, v.strip()) for v in data.getlist(name)]
        good = [v for v in dict.fromkeys(values) if v and _valid(name, v)]
        bad = [v for v in values if v and v not in good]
        if bad:
            errors[name] = f"unknown {name.replace('_', ' ')} {', '.join(repr(v) for v in bad)}"
        clean.setlist(name, good)
    form = TrialFilterSet(data=clean, queryset=Trial.objects.none()).form
    form.is_valid()
    for name, messages in form.errors.items():
        value = data.get(name, "")
        errors[name] = f"{name}={value!r}: {' '.join(messages)}"
    cd = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    query = Query(
        q=(cd.get("q") or "").strip(),
        facets={name: cd.get(name) or [] for name in MULTI},
        age=float(cd["age"]) if cd.get("age") is not None else None,
        recruiting=cd.get("recruiting") == "1",
        sort=cd.get("sort") or "",
        page=cd.get("page") or 1,
    )
    return query, errors


def _case(name: str, value: str) -> str:
    if name in UPPER:
        return value.upper()
    if name in LOWER:
        return value.lower()
    return value
