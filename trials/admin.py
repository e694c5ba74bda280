"""Django admin: the curators' workshop. Trials (with locks), vocabularies, source documents;
the import, unmapped-value and duplicate screens are in trials/admin_curation.py.

The domain work (locks, re-normalizing, mapping, merging) is in trials/curation.py; this module
only shows things and hands requests to it.
"""

from django.contrib import admin, messages
from django.db.models import Exists, F, Func, OuterRef, Q
from django.utils.html import format_html, format_html_join

from trials import admin_curation, curation
from trials.admin_forms import ThrottledAuthenticationForm, TrialCurationForm
from trials.models import (
    Condition,
    Contact,
    Drug,
    DrugClass,
    Identifier,
    Intervention,
    PossibleDuplicate,
    RawDocument,
    Site,
    SourceRecord,
    Trial,
    TrialCondition,
)
from trials.readers.identifiers import identifier_norm
from trials.search import facets
from trials.web.links import http_url

admin.site.login_form = ThrottledAuthenticationForm
admin.site.site_header = "Skin trials portal: curation"
admin.site.site_title = "Skin trials curation"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("id", "trial")]


class IdentifierInline(ReadOnlyInline):
    model = Identifier
    fields = ["value", "kind", "registry", "is_primary"]


class ConditionInline(ReadOnlyInline):
    model = TrialCondition
    fields = ["name", "condition"]


class InterventionInline(ReadOnlyInline):
    model = Intervention
    fields = ["name", "type", "drug", "is_placebo"]


class SiteInline(ReadOnlyInline):
    model = Site
    fields = ["facility", "city", "region", "country", "status"]


class ContactInline(ReadOnlyInline):
    model = Contact
    fields = ["name", "role", "email", "phone", "affiliation"]


class SourceInline(ReadOnlyInline):
    model = SourceRecord
    fields = ["format", "registry", "refreshed", "priority", "link", "document", "imported"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "link"]

    @admin.display(description="URL")
    def link(self, obj: SourceRecord) -> str:
        """The source's URL, a link only when it is http(s) (registry text: see web/links.py)."""
        if url := http_url(obj.url):
            return format_html('<a href="{}" rel="noreferrer">{}</a>', url, url)
        return obj.url or "-"


# --- Changelist filters over the derived array columns -----------------------------------------


class FacetFilter(admin.SimpleListFilter):
    """Trials having the chosen value of a facet (made for each facet by `_facet_list_filter`).

    The values offered are the facet's fixed choices, or for open sets (conditions, drugs,
    countries, registries) the values the trials use."""

    facet: facets.Facet

    def lookups(self, request, model_admin):
        if self.facet.choices:
            return [(choice.value, choice.label) for choice in self.facet.choices]
        used = (
            Trial.objects.annotate(value=Func(F(self.facet.column), function="unnest"))
            .values_list("value", flat=True)
            .distinct()
        )
        return sorted(((value, self.facet.label(value)) for value in used), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.facet.kind is facets.Kind.MULTI:  # `contains`: the array column's GIN index
            return queryset.filter(**{f"{self.facet.column}__contains": [self.value()]})
        return queryset.filter(self.facet.where([self.value()]))


def _facet_list_filter(facet: facets.Facet):
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


def _open_duplicates():
    pairs = PossibleDuplicate.objects.filter(dismissed=False)
    return Exists(pairs.filter(Q(trial_a=OuterRef("pk")) | Q(trial_b=OuterRef("pk"))))


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    form = TrialCurationForm
    list_display = [
        "key",
        "title_short",
        "status",
        "phase_list",
        "country_list",
        "is_refractory",
        "registry_list",
        "last_updated",
        "locks",
        "duplicate_flag",
    ]
    # The facets' filters come first (get_list_filter), then these.
    list_filter = [WarningsFilter, DuplicateFilter, LockedFilter]
    search_fields = ["key", "title", "identifiers__norm"]
    search_help_text = "Any identifier (primary, secondary, EudraCT, sponsor's) or title words."
    readonly_fields = [
        "key",
        "trial_id",
        "lock_list",
        "provenance_table",
        "conflict_table",
        "warning_list",
        "conditions",
        "drugs",
        "countries",
        "registries",
        "is_refractory",
        "start_date",
        "last_updated",
        "created",
        "modified",
    ]
    fieldsets = [
        (None, {"fields": ["key", "trial_id", "lock_list"]}),
        (
            "Curated fields: saving an edited field locks it against imports",
            {"fields": [*curation.EDITABLE_FIELDS, "unlock"]},
        ),
        ("Sources", {"fields": ["provenance_table", "conflict_table", "warning_list"]}),
        (
            "Derived for search and facets",
            {
                "classes": ["collapse"],
                "fields": [
                    "conditions",
                    "drugs",
                    "countries",
                    "registries",
                    "is_refractory",
                    "start_date",
                    "last_updated",
                    "created",
                    "modified",
                ],
            },
        ),
    ]
    inlines = [
        IdentifierInline,
        ConditionInline,
        InterventionInline,
        SiteInline,
        ContactInline,
        SourceInline,
    ]
    actions = ["renormalize", "unlock_all"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # trials come from imports

    def get_list_filter(self, request):
        shown = sorted(
            (facet for facet in facets.declared() if facet.admin is not None),
            key=lambda facet: facet.admin,
        )
        facet_filters = [_facet_list_filter(facet) for facet in shown]
        return [*facet_filters, *self.list_filter]

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(has_duplicate=_open_duplicates())
        return qs.defer("record", "provenance", "conflicts", "text_terms", "text_summary")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.refresh_from_db(fields=["record", "provenance", "conflicts"])
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The form's fields are record fields, declared on the form; no model field is edited
        # directly (the derived columns follow the record).
        return super().get_form(request, obj, change, **{**kwargs, "fields": []})

    def get_search_results(self, request, queryset, search_term):
        qs, duplicates = super().get_search_results(request, queryset, search_term)
        norm = identifier_norm(search_term.strip()) if search_term.strip() else ""
        if norm:
            # "nct 01408199", "2009-016508-21 ": any ID, whatever its case and spacing.
            by_id = queryset.filter(Q(identifiers__norm=norm) | Q(key__iexact=search_term.strip()))
            qs = qs | by_id
            duplicates = True
        return qs, duplicates

    def save_model(self, request, obj, form, change):
        edited = curation.edit_fields(obj, form.curated_values())
        unlocked = curation.unlock(obj, form.cleaned_data.get("unlock") or [])
        notes = []
        if edited:
            notes.append(f"Edited and locked {', '.join(edited)}.")
        if unlocked:
            notes.append(f"Unlocked {', '.join(unlocked)}.")
        form.curation_message = " ".join(notes)

    def construct_change_message(self, request, form, formsets, add=False):
        return getattr(form, "curation_message", "") or "No change."

    @admin.action(description="Re-normalize from stored documents (today's readers)")
    def renormalize(self, request, queryset):
        trials = Trial.objects.filter(pk__in=queryset.values("pk"))
        changed = curation.renormalize(trials, request.user)
        self.message_user(request, f"Re-normalized {len(trials)} trials; {changed} changed.")

    @admin.action(description="Unlock all curated fields")
    def unlock_all(self, request, queryset):
        n = sum(
            bool(curation.unlock(t, user=request.user)) for t in queryset.exclude(locked_fields=[])
        )
        self.message_user(request, f"Unlocked the fields of {n} trials.", messages.SUCCESS)

    @admin.display(description="title")
    def title_short(self, obj):
        return obj.title[:90]

    @admin.display(description="phases")
    def phase_list(self, obj):
        return ", ".join(obj.phases)

    @admin.display(description="countries")
    def country_list(self, obj):
        return ", ".join(obj.countries)

    @admin.display(description="sources")
    def registry_list(self, obj):
        return ", ".join(obj.registries)

    @admin.display(description="🔒 locked")
    def locks(self, obj):
        return ", ".join(obj.locked_fields)

    @admin.display(description="duplicate?", boolean=True)
    def duplicate_flag(self, obj):
        return obj.has_duplicate

    @admin.display(description="locked fields")
    def lock_list(self, obj):
        if not obj.locked_fields:
            return "None: every field follows the sources."
        return "🔒 " + ", ".join(obj.locked_fields)

    @admin.display(description="provenance (field: source)")
    def provenance_table(self, obj):
        rows = sorted(obj.provenance.items())
        return format_html(
            "<table><tr><th>field</th><th>source</th><th>refreshed</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        k,
                        " / ".join(filter(None, [v.get("format"), v.get("registry")])),
                        v.get("refreshed") or "",
                    )
                    for k, v in rows
                ),
            ),
        )

    @admin.display(description="sources disagree")
    def conflict_table(self, obj):
        if not obj.conflicts:
            return "No disagreement."
        rows = [(f, c["source"], c["value"]) for f, cs in sorted(obj.conflicts.items()) for c in cs]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="warnings")
    def warning_list(self, obj):
        warnings = obj.record.get("warnings") or []
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w["message"],) for w in warnings))
        )


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["slug", "label", "parent", "skin"]
    list_filter = ["skin"]
    search_fields = ["slug", "label", "synonyms"]


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ["slug", "label"]
    list_filter = ["classes"]
    search_fields = ["slug", "label", "synonyms"]
    filter_horizontal = ["classes"]


@admin.register(DrugClass)
class DrugClassAdmin(admin.ModelAdmin):
    list_display = ["slug", "label"]
    search_fields = ["slug", "label"]


@admin.register(RawDocument)
class RawDocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "size", "sha256", "created"]
    list_filter = ["format"]
    search_fields = ["name", "sha256"]
    readonly_fields = ["sha256", "size", "name", "format", "created", "preview"]
    exclude = ["content"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description="content (first 5,000 characters)")
    def preview(self, obj):
        text = bytes(obj.content[:5000]).decode("utf-8", errors="replace")
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)


__all__ = ["admin_curation"]  # imported for its registrations (imports, queue, duplicates)
