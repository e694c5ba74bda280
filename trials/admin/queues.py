"""The curators' queues: unmapped values (mapping one updates the vocabulary and re-normalizes
the trials at once), value mappings, possible duplicates side by side (merge or dismiss)."""

import pycountry
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from trials import curation
from trials.admin.forms import MapValueForm
from trials.admin.links import admin_url
from trials.models import (
    Condition,
    Drug,
    Phase,
    PossibleDuplicate,
    Status,
    ValueMapping,
)
from trials.search import cache, labels

QUEUE_SHOWN = 300


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
            return redirect(admin_url(pair))
        other = pair.trial_b if keep == pair.trial_a else pair.trial_a
        curation.merge_duplicate(pair, keep, request.user)
        self.message_user(request, f"Merged {other.key} into {keep.key}; its IDs redirect here.")
        return redirect(admin_url(keep))


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
