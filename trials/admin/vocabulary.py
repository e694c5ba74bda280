"""The vocabulary tables curators edit, and the raw documents every import stores."""

from django.contrib import admin
from django.utils.html import format_html

from trials.models import (
    Condition,
    Drug,
    DrugClass,
    RawDocument,
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
        return format_html('<pre class="raw-preview">{}</pre>', text)
