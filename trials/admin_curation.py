"""The curators' screens beyond trials: imports (upload and report), the unmapped-values queue
and value mappings, possible duplicates side by side. The work itself is in trials.curation and
trials.loading.importer; uploads are imported by a background job (trials.jobs)."""

import pycountry
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from trials import curation, jobs
from trials.admin_forms import MapValueForm, UploadForm
from trials.jobs import queue_upload
from trials.models import (
    Condition,
    Drug,
    ImportRun,
    Phase,
    PossibleDuplicate,
    Status,
    ValueMapping,
)
from trials.search import cache, labels

QUEUE_SHOWN = 300


def _admin_url(obj, view: str = "change") -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


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
            return redirect(_admin_url(run))
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


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(admin.ModelAdmin):
    list_display = ["pair", "title", "reason", "created", "dismissed"]
    list_filter = ["dismissed"]
    list_select_related = ["trial_a", "trial_b"]
    search_fields = ["trial_a__key", "trial_b__key", "trial_a__title"]
    actions = ["dismiss"]

    def has_add_permission(self, request):
        return False  # proposed by the loader

    @admin.display(description="pair")
    def pair(self, obj):
        return f"{obj.trial_a.key} ~ {obj.trial_b.key}"

    @admin.display(description="title")
    def title(self, obj):
        return obj.trial_a.title[:90]

    @admin.action(description="Dismiss: not the same trial")
    def dismiss(self, request, queryset):
        for pair in queryset.filter(dismissed=False):
            curation.dismiss_duplicate(pair, request.user)
        self.message_user(request, "Dismissed; these pairs will not be proposed again.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The pair side by side; merge into either trial, or dismiss."""
        pair = get_object_or_404(
            PossibleDuplicate.objects.select_related("trial_a", "trial_b"), pk=object_id
        )
        if not self.has_view_or_change_permission(request, pair):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, pair):
                raise PermissionDenied
            return self._decide(request, pair)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Possible duplicate: {pair}",
            "pair": pair,
            "rows": curation.compare(pair),
            "can_change": self.has_change_permission(request, pair) and not pair.dismissed,
        }
        return TemplateResponse(request, "admin/trials/possibleduplicate/compare.html", context)

    def _decide(self, request, pair):
        decision = request.POST.get("decision")
        if decision == "dismiss":
            curation.dismiss_duplicate(pair, request.user)
            self.message_user(request, f"Dismissed {pair}: it will not be proposed again.")
            return redirect("admin:trials_possibleduplicate_changelist")
        keep = {"keep_a": pair.trial_a, "keep_b": pair.trial_b}.get(decision)
        if keep is None or pair.dismissed:
            self.message_user(request, "Choose which trial to keep.", messages.ERROR)
            return redirect(_admin_url(pair))
        other = pair.trial_b if keep == pair.trial_a else pair.trial_a
        curation.merge_duplicate(pair, keep, request.user)
        self.message_user(request, f"Merged {other.key} into {keep.key}; its IDs redirect here.")
        return redirect(_admin_url(keep))


@admin.register(ValueMapping)
class ValueMappingAdmin(admin.ModelAdmin):
    """Curators' status, phase and country mappings; made from the unmapped-values queue."""

    list_display = ["kind", "raw", "value", "created"]
    list_filter = ["kind"]
    search_fields = ["raw", "value"]

    def has_add_permission(self, request):
        return False  # made in the queue, which re-normalizes the trials concerned

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        queue = self.admin_site.admin_view(self.unmapped_view)
        return [path("unmapped/", queue, name="trials_unmapped"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"queue_url": reverse("admin:trials_unmapped"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def unmapped_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._map(request)
        kind = request.GET.get("kind") or ""
        items = [u for u in curation.unmapped_values() if not kind or u.kind == kind]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Unmapped values",
            "items": items[:QUEUE_SHOWN],
            "hidden": max(0, len(items) - QUEUE_SHOWN),
            "kind": kind,
            "kinds": ["condition", "drug", "status", "phase", "country"],
            "conditions": Condition.objects.values_list("slug", "label"),
            "drugs": Drug.objects.values_list("slug", "label"),
            "statuses": Status.choices,
            "phases": Phase.choices,
            "countries": sorted(
                ((c.alpha_2, labels.country_name(c.alpha_2)) for c in pycountry.countries),
                key=lambda c: c[1],
            ),
        }
        return TemplateResponse(request, "admin/trials/valuemapping/unmapped.html", context)

    def _map(self, request):
        form = MapValueForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("__all__", []) or form.errors.values():
                self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:trials_unmapped")
        data = form.cleaned_data
        perm = {"condition": "change_condition", "drug": "change_drug"}.get(
            data["kind"], "add_valuemapping"
        )
        if not request.user.has_perm(f"trials.{perm}"):
            raise PermissionDenied
        changed = curation.map_value(
            data["kind"],
            data["raw"],
            data["target"],
            new_label=data["new_label"],
            user=request.user,
        )
        cache.VOCABULARY.clear()  # a new term's label shows at once
        self.message_user(
            request, f"Mapped {data['kind']} {data['raw']!r}; {changed} trials re-normalized."
        )
        return redirect("admin:trials_unmapped")
