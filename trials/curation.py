"""What curators do to the data: edit and lock fields, re-normalize trials from their stored
documents, map the values readers could not, merge or dismiss possible duplicates.

The admin calls these; each writes its entry in the admin's history (LogEntry) when given the
user who acted. Trials always change through the Loader, so derived columns, child rows, the
search index and facets follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from trials.loading.loader import Loader, source_key
from trials.loading.vocab_tables import db_vocabulary, value_mappings
from trials.models import (
    Condition,
    Drug,
    Intervention,
    PossibleDuplicate,
    SourceRecord,
    Trial,
    TrialCondition,
    ValueMapping,
)
from trials.readers import FORMATS, ReaderError, read_bytes
from trials.readers.record import UNMAPPED_VALUE
from trials.readers.value_mappings import MAPPED_FIELDS, apply_value_mappings, fold

# The trial/1 fields a curator may edit on the trial form (each edit locks the field).
EDITABLE_FIELDS = (
    "title",
    "official_title",
    "acronym",
    "summary",
    "status",
    "phases",
    "study_type",
    "enrollment",
    "registered",
    "start",
    "completion",
    "sponsor",
    "sex",
    "min_age_years",
    "max_age_years",
    "healthy_volunteers",
)
# Intervention types that name a drug; the others (devices, procedures, …) are not unmapped drugs.
_DRUG_TYPES = ("DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT", "OTHER")


def log(user, obj, message: str, flag: int = CHANGE) -> None:
    """Record what a curator did in the object's admin history."""
    if user is not None and user.pk is not None:
        LogEntry.objects.log_actions(
            user.pk, [obj], flag, change_message=message, single_object=True
        )


def _rebuild(loader: Loader, trial: Trial) -> None:
    # rebuild() saves only when the merged result differs from what the trial holds; a curator's
    # edit has already changed trial.record, so forget the stored provenance to make it save.
    trial.provenance = {}
    loader.rebuild(trial)


# --- Locks -------------------------------------------------------------------------------------


def edit_fields(trial: Trial, values: dict, user=None) -> list[str]:
    """Write a curator's values into the merged record and lock them against imports.
    Returns the fields that changed."""
    changed = sorted(f for f, v in values.items() if trial.record.get(f) != v)
    if not changed:
        return []
    with transaction.atomic():
        trial.record = {**trial.record, **{f: values[f] for f in changed}}
        trial.locked_fields = sorted(set(trial.locked_fields) | set(changed))
        _rebuild(Loader(), trial)
    log(user, trial, f"Edited and locked {', '.join(changed)}.")
    return changed


def unlock(trial: Trial, fields: Iterable[str] | None = None, user=None) -> list[str]:
    """Unlock fields (all when None): they take the sources' values again, at once."""
    fields = set(trial.locked_fields if fields is None else fields) & set(trial.locked_fields)
    if not fields:
        return []
    with transaction.atomic():
        trial.locked_fields = [f for f in trial.locked_fields if f not in fields]
        _rebuild(Loader(), trial)
    log(user, trial, f"Unlocked {', '.join(sorted(fields))}.")
    return sorted(fields)


# --- Re-normalizing ----------------------------------------------------------------------------


class _Rereader:
    """Reads a source's stored raw document again with today's readers and vocabulary."""

    def __init__(self) -> None:
        self.vocab = db_vocabulary()
        self.mappings = value_mappings()

    def __call__(self, source: SourceRecord) -> dict | None:
        fmt = source.format if source.format in FORMATS else None
        try:
            data = bytes(source.document.content)
            records = list(read_bytes(data, fmt=fmt, url=source.url, vocab=self.vocab))
        except ReaderError:
            return None
        same = [r for r in records if source_key(r) == source.source_key]
        record = same[0] if same else records[0] if len(records) == 1 else None
        return apply_value_mappings(record, self.mappings) if record else None


def renormalize(trials: Iterable[Trial], user=None, why: str = "") -> int:
    """Rebuild trials from their stored raw documents; locked fields stay. Returns how many
    changed."""
    loader, reread, changed = Loader(), _Rereader(), 0
    for trial in trials:
        if loader.renormalize(trial, reread):
            changed += 1
            log(user, trial, f"Re-normalized from its stored documents{why}.")
    return changed


# --- Unmapped values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmapped:
    kind: str  # condition, drug, status, phase, country
    raw: str  # as a source wrote it
    trials: int  # how many trials use it


_UNMAPPED_WARNINGS = """
SELECT t.id, w ->> 'field', w ->> 'raw'
FROM trials_trial t, jsonb_array_elements(t.record -> 'warnings') w
WHERE jsonb_typeof(t.record -> 'warnings') = 'array'
  AND w ->> 'code' = %s AND w ->> 'field' = ANY(%s)
"""


def _warned() -> dict[tuple[str, str], tuple[str, set[int]]]:
    """(kind, folded spelling) -> (a spelling as written, the trials whose sources warned)."""
    found: dict[tuple[str, str], tuple[str, set[int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_UNMAPPED_WARNINGS, [UNMAPPED_VALUE, list(MAPPED_FIELDS)])
        for trial_id, field, raw in cursor.fetchall():
            if raw is None:
                continue
            key = (MAPPED_FIELDS[field], fold(raw))
            found.setdefault(key, (raw, set()))[1].add(trial_id)
    return found


def _unmapped_conditions():
    return TrialCondition.objects.filter(condition__isnull=True)


def _unmapped_drugs():
    return Intervention.objects.filter(drug__isnull=True, is_placebo=False).filter(
        Q(type__isnull=True) | Q(type__in=_DRUG_TYPES)
    )


def unmapped_values() -> list[Unmapped]:
    """Condition, drug, status, phase and country spellings no vocabulary maps, most used first."""
    items = []
    for kind, rows in (("condition", _unmapped_conditions()), ("drug", _unmapped_drugs())):
        grouped = (
            rows.annotate(folded=Lower("name"))
            .values("folded")
            .annotate(raw=Min("name"), n=Count("trial", distinct=True))
        )
        items += [Unmapped(kind, g["raw"], g["n"]) for g in grouped if g["raw"].strip()]
    items += [Unmapped(kind, raw, len(ids)) for (kind, _), (raw, ids) in _warned().items()]
    return sorted(items, key=lambda item: (-item.trials, item.kind, item.raw.lower()))


def affected_trials(kind: str, raw: str):
    """The trials that use an unmapped spelling."""
    if kind == "condition":
        ids = _unmapped_conditions().filter(name__iexact=raw).values("trial_id")
    elif kind == "drug":
        ids = _unmapped_drugs().filter(name__iexact=raw).values("trial_id")
    else:
        ids = list(_warned().get((kind, fold(raw)), ("", set()))[1])
    return Trial.objects.filter(pk__in=ids).order_by("pk")


def map_value(kind: str, raw: str, target: str, *, new_label: str = "", user=None) -> int:
    """Map a spelling: a condition or drug as a synonym of the term `target` (or of a new term
    `new_label`), a status, phase or country to the value `target`. The trials that use it are
    re-normalized at once; returns how many changed."""
    raw = raw.strip()
    with transaction.atomic():
        affected = list(affected_trials(kind, raw))
        if kind in ("condition", "drug"):
            obj, created = _add_synonym(kind, raw, target, new_label)
            log(user, obj, f"Added the synonym {raw!r}.", ADDITION if created else CHANGE)
        else:
            obj, _ = ValueMapping.objects.update_or_create(
                kind=kind, raw=fold(raw), defaults={"value": target}
            )
            log(user, obj, f"Mapped {kind} {raw!r} to {target or '(none)'}.", ADDITION)
        return renormalize(affected, user, f" after mapping {kind} {raw!r}")


def _add_synonym(kind: str, raw: str, slug: str, new_label: str):
    model = Condition if kind == "condition" else Drug
    if new_label:
        obj, created = model.objects.get_or_create(
            slug=slugify(new_label)[:100], defaults={"label": new_label.strip()}
        )
    else:
        obj, created = model.objects.get(slug=slug), False
    if fold(raw) not in {fold(s) for s in obj.synonyms}:
        obj.synonyms = [*obj.synonyms, raw]
        obj.save(update_fields=["synonyms"])
    return obj, created


# --- Possible duplicates -----------------------------------------------------------------------


def compare(pair: PossibleDuplicate) -> list[tuple[str, str, str, bool]]:
    """(field, trial A's value, trial B's value, whether they differ) for the side-by-side view."""

    def show(trial: Trial, field: str) -> str:
        record = trial.record
        if field == "identifiers":
            value = [i["id"] for i in record.get("identifiers") or []]
        elif field == "conditions":
            value = [c.get("term") or c.get("name") for c in record.get("conditions") or []]
        elif field == "interventions":
            value = [i.get("drug") or i.get("name") for i in record.get("interventions") or []]
        elif field == "sources":
            value = sorted({s.format for s in trial.sources.all()})
        else:
            value = record.get(field)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)

    rest = [f for f in EDITABLE_FIELDS[3:] if f != "summary"]
    fields = ["identifiers", "sources", *EDITABLE_FIELDS[:3], "conditions", "interventions"]
    fields += [*rest, "countries"]
    rows = []
    for field in fields:
        value_a, value_b = show(pair.trial_a, field), show(pair.trial_b, field)
        rows.append((field, value_a, value_b, value_a != value_b))
    return rows


def merge_duplicate(pair: PossibleDuplicate, keep: Trial, user=None) -> Trial:
    """Merge the other trial of the pair into `keep`: its sources move, its IDs redirect."""
    if keep.pk not in (pair.trial_a_id, pair.trial_b_id):
        raise ValueError("the trial to keep must be one of the pair")
    other = pair.trial_b if keep.pk == pair.trial_a_id else pair.trial_a
    other_key, reason = other.key, pair.reason
    with transaction.atomic():
        Loader().merge_trials(keep, [other])  # deletes `other`, and with it this pair
    log(user, keep, f"Merged {other_key} into this trial (possible duplicate: {reason}).")
    return keep


def dismiss_duplicate(pair: PossibleDuplicate, user=None) -> None:
    """Not the same trial: the pair stays, dismissed, so it is never proposed again."""
    pair.dismissed = True
    pair.save(update_fields=["dismissed"])
    log(user, pair, "Dismissed: not the same trial.")
