"""Trials that are one: records sharing a registry ID join one trial (merged automatically, the
others' keys kept as aliases so their URLs redirect); trials that only look alike (same title
and sponsor, no shared ID) are proposed to curators as possible duplicates, never merged here.
Also: whether a source's new copy replaces the one stored."""

from __future__ import annotations

import re

from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Lower

from trials.models import Identifier, PossibleDuplicate, Trial
from trials.readers.identifiers import identifier_norm, relay_norms
from trials.readers.merge import is_empty


def merge_norms(record: dict) -> set[str]:
    """The identifiers that make two records one trial: registry IDs (never sponsors' numbers),
    each with and without a relay's prefix (identifiers.relay_norms)."""
    ids = [
        ident["id"] for ident in record.get("identifiers") or [] if ident.get("kind") == "registry"
    ]
    if record.get("trial_id"):
        ids.append(record["trial_id"])
    return {form for value in ids for form in relay_norms(identifier_norm(value))}


def matching_trials(record: dict) -> list[Trial]:
    """The stored trials that share a registry ID with the record, oldest first."""
    norms = merge_norms(record)
    if not norms:
        return []
    ids = (
        Identifier.objects.filter(norm__in=norms)
        .exclude(kind="org")
        .values_list("trial_id", flat=True)
        .distinct()
    )
    return list(Trial.objects.filter(pk__in=list(ids)).order_by("created", "pk"))


def merge_trials(trial: Trial, others: list[Trial]) -> None:
    """Merge `others` into `trial`: their sources and locks move to it, they are deleted, their
    keys stay reachable as aliases. The caller rebuilds `trial` (Loader.rebuild)."""
    for other in others:
        other.sources.update(trial=trial)
        aliases = [
            other.key,
            *other.identifiers.filter(kind="alias").values_list("value", flat=True),
        ]
        trial.locked_fields = sorted(set(trial.locked_fields) | set(other.locked_fields))
        other.delete()
        for alias in aliases:
            Identifier.objects.get_or_create(
                trial=trial,
                norm=identifier_norm(alias),
                defaults={"value": alias, "kind": "alias"},
            )


def lookalike_key(title: str, record: dict) -> tuple[str, str] | None:
    """What flags a trial as another's possible duplicate: its title (when the record has
    one) and its sponsor."""
    return (title.lower(), fold_sponsor(record.get("sponsor"))) if record.get("title") else None


def fold_sponsor(text: str | None) -> str:
    """A sponsor name as compared: case, punctuation and spacing do not matter."""
    return " ".join(_NOT_WORD.sub(" ", (text or "").lower()).split())


_NOT_WORD = re.compile(r"[^\w]+")


def flag_lookalikes(trials: list[Trial]) -> None:
    """Propose new trials that have the title and sponsor of another trial as possible
    duplicates. They share no registry ID (or they would be one trial), so only a curator
    may merge them; a dismissed pair is never proposed again (it stays in the table)."""
    keys = [
        (trial.pk, *key) for trial in trials if (key := lookalike_key(trial.title, trial.record))
    ]
    flag_lookalike_keys(keys)


def flag_lookalike_keys(trials: list[tuple[int, str, str]]) -> None:
    """flag_lookalikes() for (pk, lower-case title, folded sponsor)."""
    titles = {title for _, title, _ in trials}
    if not titles:
        return
    rows = (
        Trial.objects.annotate(lower_title=Lower("title"))  # trial_title_lower_idx
        .filter(lower_title__any=titles)
        .values_list("pk", "lower_title")
    )
    by_title: dict[str, list[int]] = {}
    for pk, title in rows:
        by_title.setdefault(title, []).append(pk)
    # Sponsors only of trials that share a title with another: most titles are their
    # trial's alone. Trials stored before the sponsor column have it in their record.
    shared = [pk for pks in by_title.values() if len(pks) > 1 for pk in pks]
    sponsor = Coalesce("sponsor", KeyTextTransform("sponsor", "record"))
    sponsors = dict(Trial.objects.filter(pk__in=shared).values_list("pk", sponsor))
    sponsors_by_title = {
        title: [(pk, fold_sponsor(sponsors[pk])) for pk in pks]
        for title, pks in by_title.items()
        if len(pks) > 1
    }
    pairs = {}
    for trial_pk, title, trial_sponsor in trials:
        for pk, other_sponsor in sponsors_by_title.get(title, []):
            if pk == trial_pk or (
                trial_sponsor and other_sponsor and trial_sponsor != other_sponsor
            ):
                continue
            both = trial_sponsor and other_sponsor
            reason = "same title and sponsor" if both else "same title"
            first, second = sorted((pk, trial_pk))
            pairs[first, second] = PossibleDuplicate(
                trial_a_id=first, trial_b_id=second, reason=reason
            )
    PossibleDuplicate.objects.bulk_create(pairs.values(), ignore_conflicts=True)


def _filled(record: dict) -> int:
    return sum(not is_empty(v) for k, v in record.items() if k not in ("source", "warnings"))


def supersedes(new: dict, old: dict) -> bool:
    """Whether a source's new record should replace the one stored for it.

    The same study often comes in several downloads (a search answer lacks what the full
    download has): an older copy never replaces a newer one, and a copy of the same date
    replaces it unless it says less. So a thinner copy never undoes a fuller one.
    """
    if new == old:
        return False
    new_date = (new.get("source") or {}).get("refreshed") or ""
    old_date = (old.get("source") or {}).get("refreshed") or ""
    if new_date != old_date:
        return new_date > old_date
    return _filled(new) >= _filled(old)
