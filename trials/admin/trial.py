"""Trials in the admin: the curated fields (an edit locks the field), the child rows and sources
read-only, actions to re-normalize and unlock."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html, format_html_join

from trials import curation
from trials.admin.filters import (
    DuplicateFilter,
    LockedFilter,
    WarningsFilter,
    facet_list_filter,
    open_duplicates,
)
from trials.admin.forms import TrialCurationForm
from trials.models import (
    Contact,
    Identifier,
    Intervention,
    Site,
    SourceRecord,
    Trial,
    TrialCondition,
)
from trials.readers.identifiers import identifier_norm
from trials.search import facets
from trials.web.links import http_url


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
        "drug_classes",
        "countries",
        "registries",
        "is_refractory",
        "prior_therapies",
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
                    "drug_classes",
                    "countries",
                    "registries",
                    "is_refractory",
                    "prior_therapies",
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
        facet_filters = [facet_list_filter(facet) for facet in shown]
        return [*facet_filters, *self.list_filter]

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(has_duplicate=open_duplicates())
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
        count = sum(
            bool(curation.unlock(t, user=request.user)) for t in queryset.exclude(locked_fields=[])
        )
        self.message_user(request, f"Unlocked the fields of {count} trials.", messages.SUCCESS)

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
