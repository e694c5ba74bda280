"""The trials changelist's filters: one per declared facet (trials.search.facets), and the
curation states (warnings, possible duplicates, locks)."""

from django.contrib import admin
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from trials.models import (
    PossibleDuplicate,
    Trial,
)
from trials.search import facets


class FacetFilter(admin.SimpleListFilter):
    """Trials having the chosen value of a facet (made for each facet by `facet_list_filter`).

    The values offered are the facet's fixed choices, or for open sets (conditions, drugs,
    drug classes, failed therapies, countries, registries) the values the trials use: one
    query for all of them (`_used_values`), however many facets there are."""

    facet: facets.Facet

    def lookups(self, request, model_admin):
        if self.facet.choices:
            return [(choice.value, choice.label) for choice in self.facet.choices]
        used = _used_values(request)[self.facet.column]
        return sorted(((value, self.facet.label(value)) for value in used), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.facet.kind is facets.Kind.MULTI:  # `contains`: the array column's GIN index
            return queryset.filter(**{f"{self.facet.column}__contains": [self.value()]})
        return queryset.filter(self.facet.where([self.value()]))


def _used_values(request) -> dict[str, list[str]]:
    """Every value each open-set array column of the admin's facets holds, in one query, kept
    on the request for the other filters."""
    if not hasattr(request, "_facet_values"):
        columns = [
            facet.column
            for facet in facets.declared()
            if facet.admin is not None and facet.kind is facets.Kind.MULTI and not facet.choices
        ]
        table = Trial._meta.db_table
        arrays = ", ".join(
            # Names from the model, quoted: no input reaches the statement.
            f"ARRAY(SELECT DISTINCT unnest({connection.ops.quote_name(column)}) FROM {table})"  # noqa: S608
            for column in columns
        )
        row: tuple = ()
        if columns:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {arrays}")
                row = cursor.fetchone()
        request._facet_values = dict(zip(columns, row, strict=True))
    return request._facet_values


def facet_list_filter(facet: facets.Facet):
    """The admin's list filter for a facet: a column's own filter (status's choices, a boolean's
    yes/no) when it has a column of one value, else a `FacetFilter` named by the column."""
    if facet.kind in (facets.Kind.SINGLE, facets.Kind.BOOLEAN) and facet.column:
        return facet.column
    parameter = facet.column or facet.name
    attributes = {"facet": facet, "title": facet.title.lower(), "parameter_name": parameter}
    return type(f"{facet.name.title()}Filter", (FacetFilter,), attributes)


class YesNoFilter(admin.SimpleListFilter):
    condition = Q()

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


class WarningsFilter(YesNoFilter):
    title = "has warnings"
    parameter_name = "warnings"
    condition = Q(record__warnings__0__isnull=False)


class DuplicateFilter(YesNoFilter):
    title = "has possible duplicate"
    parameter_name = "duplicate"

    def queryset(self, request, queryset):
        self.condition = Q(has_duplicate=True)
        return super().queryset(request, queryset)


class LockedFilter(YesNoFilter):
    title = "has locked fields"
    parameter_name = "locked"
    condition = ~Q(locked_fields=[])


def open_duplicates():
    pairs = PossibleDuplicate.objects.filter(dismissed=False)
    return Exists(pairs.filter(Q(trial_a=OuterRef("pk")) | Q(trial_b=OuterRef("pk"))))
