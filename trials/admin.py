"""Django admin: where curators see trials, vocabularies, source documents and import runs."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from trials.models import (
    Condition,
    Contact,
    Drug,
    DrugClass,
    Identifier,
    ImportRun,
    Intervention,
    RawDocument,
    Site,
    SourceRecord,
    Trial,
    TrialCondition,
)


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
    fields = ["format", "registry", "refreshed", "priority", "url", "document", "imported"]


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "title_short",
        "status",
        "phase_list",
        "country_list",
        "is_refractory",
        "registry_list",
        "last_updated",
    ]
    list_filter = ["status", "is_refractory", "study_type"]
    search_fields = ["key", "title", "identifiers__norm"]
    readonly_fields = [
        "key",
        "trial_id",
        "provenance_table",
        "conflicts",
        "title",
        "status",
        "phases",
        "study_type",
        "conditions",
        "drugs",
        "countries",
        "registries",
        "sex",
        "min_age",
        "max_age",
        "is_refractory",
        "enrollment",
        "start_date",
        "last_updated",
        "created",
        "modified",
    ]
    exclude = ["record", "provenance", "text_terms", "text_summary", "text_criteria"]
    inlines = [
        IdentifierInline,
        ConditionInline,
        InterventionInline,
        SiteInline,
        ContactInline,
        SourceInline,
    ]
    list_per_page = 50

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

    @admin.display(description="provenance")
    def provenance_table(self, obj):
        rows = sorted(obj.provenance.items())
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (k, v.get("registry") or v.get("format"), v.get("refreshed") or "")
                    for k, v in rows
                ),
            ),
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

    @admin.display(description="content (first 5,000 characters)")
    def preview(self, obj):
        text = bytes(obj.content[:5000]).decode("utf-8", errors="replace")
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started", "finished", "path_list", "counts", "error_count"]
    readonly_fields = ["started", "finished", "paths", "options", "counts", "errors"]

    @admin.display(description="paths")
    def path_list(self, obj):
        return ", ".join(obj.paths)[:120]

    @admin.display(description="errors")
    def error_count(self, obj):
        return len(obj.errors)
