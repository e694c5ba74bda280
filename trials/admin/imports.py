"""Import runs: uploads queued as background jobs (trials.jobs), live progress, and each
run's report."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from trials import jobs
from trials.admin.forms import UploadForm
from trials.admin.links import admin_url
from trials.jobs import queue_upload
from trials.models import (
    ImportRun,
)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "started",
        "status",
        "finished",
        "path_list",
        "outcome_summary",
        "error_count",
    ]
    list_filter = ["status"]
    readonly_fields = [
        "status",
        "started",
        "finished",
        "path_list",
        "options",
        "progress",
        "error",
        "counts_table",
        "error_table",
    ]
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # a run is a record of what happened; its page is its report

    def add_view(self, request, form_url="", extra_context=None):
        """Upload files or a ZIP: stored and queued; a background job runs the importer
        `import_trials` uses (trials/jobs.py) and the run's page follows its progress."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if request.method == "POST" and form.is_valid():
            run = queue_upload(
                form.cleaned_data["files"],
                fmt=form.cleaned_data["format"] or None,
                keep_all=form.cleaned_data["keep_all"],
            )
            self.log_addition(request, run, f"Queued the import of {', '.join(run.paths)}.")
            self.message_user(
                request,
                "Import queued: this page follows its progress until it is done.",
                messages.SUCCESS,
            )
            return redirect(admin_url(run))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import registry documents",
            "form": form,
            "runs": ImportRun.objects.all()[:10],
        }
        return TemplateResponse(request, "admin/trials/importrun/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        live = run is not None and run.status in (ImportRun.State.QUEUED, ImportRun.State.RUNNING)
        extra_context = {**(extra_context or {}), "refresh_seconds": 2 if live else None}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.status == ImportRun.State.QUEUED:
            if jobs.worker_running():
                return "Waiting for the job worker."
            return (
                "Waiting for the job worker, and none is running: `make run` and `make serve` "
                "start one, or run `manage.py procrastinate worker`."
            )
        rate = f", {obj.rate:,.1f} records/s" if obj.rate else ""
        errors = obj.counts.get("failed", 0)
        seen = f" (last update {obj.progress_at:%H:%M:%S} UTC)" if obj.progress_at else ""
        text = f"{obj.records_done:,} records done{rate}, {errors:,} errors{seen}"
        if obj.status == ImportRun.State.RUNNING and jobs.stalled(obj):
            text += (
                ". Its job worker stopped half-way: nothing was kept, and the import starts "
                "over by itself within 5 minutes of a worker running again."
            )
        return text

    @admin.display(description="files")
    def path_list(self, obj):
        return ", ".join(obj.paths)[:200]

    @admin.display(description="outcomes")
    def outcome_summary(self, obj):
        return _summary(obj)

    @admin.display(description="errors")
    def error_count(self, obj):
        return len(obj.errors)

    @admin.display(description="records per outcome")
    def counts_table(self, obj):
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", obj.counts.items()),
        )

    @admin.display(description="errors (input: reason)")
    def error_table(self, obj):
        if not obj.errors:
            return "None."
        return format_html(
            "<table class='import-errors'>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", obj.errors),
        )


def _summary(run: ImportRun) -> str:
    return ", ".join(f"{k} {v}" for k, v in run.counts.items() if v) or "nothing"
