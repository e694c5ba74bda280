"""The trial page: one real-world trial, everything the portal knows of it, in plain words.

Clinicians want exact eligibility, sites, contacts and which registry said what; patients want
to know at a glance whether they can join, where, and whom to call.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from portal import replicas
from trials.models import Phase, Status, Trial
from trials.search import labels, words
from trials.search.facets import label
from trials.search.index import peek
from trials.search.related import related_pks
from trials.search.timing import phase, timed
from trials.web import trial_parts, trial_rows

PHASE_GLOSSARY = {
    Phase.EARLY_PHASE1: "A first, very small study in people, before phase 1.",
    Phase.PHASE1: "Tests safety and dosage in a small group of people.",
    Phase.PHASE2: "Tests whether the treatment works and checks its safety further.",
    Phase.PHASE3: "Compares the treatment with standard care in a large group.",
    Phase.PHASE4: "Studies a treatment already approved, in everyday use.",
    Phase.NA: "No phase applies (for example a device or observational study).",
}
PLAIN_STATUS = {
    Status.RECRUITING: "Looking for participants",
    Status.NOT_YET_RECRUITING: "Will soon look for participants",
    Status.ENROLLING_BY_INVITATION: "Participants are invited by the study team",
    Status.ACTIVE_NOT_RECRUITING: "Running, no longer looking for participants",
    Status.SUSPENDED: "Paused for now",
    Status.TERMINATED: "Stopped early",
    Status.COMPLETED: "Finished",
    Status.WITHDRAWN: "Stopped before anyone took part",
    Status.UNKNOWN: "Not known: not confirmed recently",
    Status.AVAILABLE: "Available outside a trial (expanded access)",
    Status.NO_LONGER_AVAILABLE: "No longer available",
    Status.TEMPORARILY_NOT_AVAILABLE: "Temporarily not available",
    Status.APPROVED_FOR_MARKETING: "Approved for sale",
    Status.WITHHELD: "Withheld by the sponsor",
}
# schema.org's MedicalStudyStatus members; other statuses are given as text.
SCHEMA_STATUS = {
    Status.RECRUITING: "Recruiting",
    Status.NOT_YET_RECRUITING: "NotYetRecruiting",
    Status.ENROLLING_BY_INVITATION: "EnrollingByInvitation",
    Status.ACTIVE_NOT_RECRUITING: "ActiveNotRecruiting",
    Status.SUSPENDED: "Suspended",
    Status.TERMINATED: "Terminated",
    Status.COMPLETED: "Completed",
    Status.WITHDRAWN: "Withdrawn",
}
SCHEMA_DESIGN = {
    ("allocation", "RANDOMIZED"): "RandomizedTrial",
    ("masking", "NONE"): "OpenTrial",
    ("masking", "SINGLE"): "SingleBlindedTrial",
    ("masking", "DOUBLE"): "DoubleBlindedTrial",
    ("masking", "TRIPLE"): "TripleBlindedTrial",
    ("masking", "QUADRUPLE"): "TripleBlindedTrial",
}
RELATED = 6


def lookup(key: str) -> Trial:
    """The trial whose key or one of whose identifiers is `key`; Http404 when none is. Its
    `last_synced` is when the portal last copied it (freshness.last_synced), from the same
    query (trials/web/trial_rows.py)."""
    if "\x00" in key or len(key) > 200:  # PostgreSQL text cannot hold NUL; no ID is that long
        raise Http404("Not a trial ID")
    found = trial_rows.find(key)
    # An ID as the search box takes it, the page redirects to ("NCT 4318938", an EU trial as
    # WHO ICTRP prints it: "EUCTR2021-000037-14-ES").
    for candidate in [] if found is not None else words.id_candidates(key)[:3]:
        if candidate != key and (found := trial_rows.find(candidate)) is not None:
            break
    if found is None:
        raise Http404(f"No trial with the ID {key}")
    trial, trial.last_synced = found
    return trial


@timed("related")
def _related(trial: Trial) -> list[Trial]:
    """Up to six trials of the same condition or drug: open ones first, then the freshest
    (trials/search/related.py, from the facet index), their cards from one query or the
    cache of cards (trials/web/trial_rows.py)."""
    pks = related_pks(trial.pk, trial.conditions, trial.drugs, RELATED)
    if not pks:
        return []
    index = peek()  # as related_pks left it: its position in the change log is the version
    return trial_rows.cards(pks, index.seq if index else None)


def unconfirmed_words(trial: Trial) -> str:
    """What the page says instead of an open status no source has confirmed for years."""
    return f"Status not confirmed since {trial.status_verified:%B %Y} — ask the study team"


def _says_more(raw: str | None, *shown: str) -> str | None:
    """The registry's own words when they add to what the page shows (`Phase 1/Phase 2`, not
    `PHASE4` beside Phase 4; `intervention group:15;control group:15;`, not `15`)."""

    def letters(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    if not raw or not raw.strip():
        return None
    key = letters(raw)
    plain = {letters(s) for s in shown} | {letters(s).removeprefix("phase") for s in shown}
    if key in plain or key.removesuffix("participants") in plain:
        return None
    return raw


def _jsonld(request: HttpRequest, trial: Trial, record: dict, conditions: list[dict]) -> dict:
    """schema.org MedicalTrial: what search engines show of a trial. Rendered by json_script."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "MedicalTrial",
        "name": trial.title,
        "url": request.build_absolute_uri(trial.get_absolute_url()),
    }
    if record.get("official_title") and record["official_title"] != trial.title:
        data["alternateName"] = record["official_title"]
    if record.get("summary"):
        data["description"] = record["summary"]
    if ids := [ident["id"] for ident in record.get("identifiers") or [] if ident.get("id")]:
        data["identifier"] = ids
    if trial.status_unconfirmed:
        data["status"] = unconfirmed_words(trial)
    elif trial.status in SCHEMA_STATUS:
        data["status"] = f"https://schema.org/{SCHEMA_STATUS[trial.status]}"
    else:
        data["status"] = label("status", trial.status)
    if phases := [label("phase", p) for p in trial.phases if p != Phase.NA]:
        data["phase"] = ", ".join(phases)
    if kinds := _design_kinds(record):
        data["trialDesign"] = [f"https://schema.org/{kind}" for kind in kinds]
    if conditions:
        data["healthCondition"] = [
            {"@type": "MedicalCondition", "name": c["label"] or c["name"]} for c in conditions
        ]
    if trial.drugs:
        data["studySubject"] = [{"@type": "Drug", "name": label("drug", d)} for d in trial.drugs]
    if record.get("sponsor"):
        data["sponsor"] = {"@type": "Organization", "name": record["sponsor"]}
    if trial.countries:
        data["studyLocation"] = [
            {"@type": "Country", "name": labels.country_name(c)} for c in trial.countries
        ]
    return data


def _design_kinds(record: dict) -> list[str]:
    """schema.org's kinds of trial design that the record's design names."""
    design = record.get("design") or {}
    kinds = [SCHEMA_DESIGN[k, v] for k, v in design.items() if (k, v) in SCHEMA_DESIGN]
    if any(item.get("is_placebo") for item in record.get("interventions") or []):
        kinds.append("PlaceboControlledTrial")
    sites = record.get("sites") or []
    if sites:
        kinds.append("MultiCenterTrial" if len(sites) > 1 else "SingleCenterTrial")
    return list(dict.fromkeys(kinds))


def _sites_by_country(record: dict) -> list[tuple[str, list[dict]]]:
    grouped: dict[str, list] = {}
    for site in record.get("sites") or []:
        grouped.setdefault(labels.country_name(site.get("country") or "") or "", []).append(site)
    return sorted(grouped.items())


@require_safe
@replicas.readable
def trial_page(request: HttpRequest, key: str) -> HttpResponse:
    with phase("lookup"):
        trial = lookup(key)
    if trial.key != key:
        return redirect(trial, permanent=True)
    context = _context(request, trial)
    with phase("render"):
        return render(request, "trials/trial.html", context)


@timed("present")
def _context(request: HttpRequest, trial: Trial) -> dict:
    """The trial template's context."""
    record = trial.record
    conditions = [
        {**c, "label": label("condition", c["term"]) if c.get("term") else None}
        for c in record.get("conditions") or []
    ]
    conflicts = trial.conflicts or {}
    contacts = record.get("contacts") or []
    status_label = label("status", trial.status)
    phase_labels = [label("phase", p) for p in trial.phases]
    enrollment = record.get("enrollment")
    return {
        "trial": trial,
        "record": record,
        "status_label": status_label,
        "status_raw": _says_more(record.get("status_raw"), trial.status, status_label),
        "phase_raw": _says_more(record.get("phase_raw"), *trial.phases, *phase_labels),
        "enrollment_raw": _says_more(
            record.get("enrollment_raw"), *([] if enrollment is None else [str(enrollment)])
        ),
        "plain_status": (
            unconfirmed_words(trial) if trial.status_unconfirmed else PLAIN_STATUS.get(trial.status)
        ),
        "status_unconfirmed": trial.status_unconfirmed,
        "unconfirmed_years": settings.STATUS_UNCONFIRMED_YEARS,
        "is_open": trial.status in Status.OPEN and not trial.status_unconfirmed,
        "last_synced": trial.last_synced,
        "phases": [(label("phase", p), PHASE_GLOSSARY.get(p)) for p in trial.phases],
        "glossary": [(label("phase", p), text) for p, text in PHASE_GLOSSARY.items()],
        "conditions": conditions,
        "drugs": [(d, label("drug", d)) for d in trial.drugs],
        "countries": [labels.country_name(c) for c in trial.countries],
        "sites_by_country": _sites_by_country(record),
        "site_count": len(record.get("sites") or []),
        "first_contact": next(
            (c for c in contacts if c.get("phone") or c.get("email")), next(iter(contacts), None)
        ),
        "sources": record.get("sources") or [],
        "provenance": trial_parts.provenance_rows(trial.provenance, conflicts),
        "conflicts": conflicts,
        "related": (related := _related(trial)),
        "related_items": trial_parts.related_items(related),
        "jsonld": _jsonld(request, trial, record, conditions),
    }
