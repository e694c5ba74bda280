"""Admin pages of the registry syncs: runs (read-only) and the studies they track."""

from django.contrib import admin

from trials.sync.models import SyncChunk, SyncedStudy, SyncRun


class SyncChunkInline(admin.TabularInline):
    model = SyncChunk
    fields = ("number", "kind", "params", "pages", "studies", "total", "restarts", "done")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "started",
        "source",
        "mode",
        "status",
        "pages",
        "studies",
        "created",
        "updated",
        "unchanged",
        "failed",
        "gone",
        "duration",
    )
    list_filter = ("source", "status", "mode")
    inlines = [SyncChunkInline]
    readonly_fields = [f.name for f in SyncRun._meta.fields if f.name != "id"] + ["duration"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncedStudy)
class SyncedStudyAdmin(admin.ModelAdmin):
    list_display = ("study_id", "registry", "state", "state_since", "last_update", "last_synced")
    list_filter = ("registry", "state")
    search_fields = ("study_id",)
    raw_id_fields = ("trial",)
    readonly_fields = (
        "registry",
        "study_id",
        "trial",
        "state",
        "state_since",
        "last_update",
        "last_synced",
        "last_checked",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
