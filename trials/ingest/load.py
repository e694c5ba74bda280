"""The loader: puts trial/1 records into the database. It knows nothing of source formats.

Each record is loaded in its own transaction (savepoint), so a failing record leaves the database
as it was and the rest of the batch goes on. A record joins the trial that shares one of its
registry identifiers; when it shares identifiers with several trials, those trials are merged
(the others' keys are kept as aliases, so their URLs redirect). The trial's record is then
rebuilt from all its sources (see merge.py), leaving fields a curator locked untouched.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from trials.ingest import vocab_tables
from trials.ingest.merge import identifier_norm, is_empty, merge, priority
from trials.models import (
    Condition,
    Contact,
    Drug,
    Identifier,
    Intervention,
    PossibleDuplicate,
    RawDocument,
    Site,
    SourceRecord,
    Trial,
    TrialCondition,
)

logger = logging.getLogger(__name__)
OUTCOMES = ("created", "updated", "unchanged", "merged", "skipped", "failed")


@dataclass
class Counts:
    values: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def add(self, outcome: str) -> None:
        self.values[outcome] += 1


class Loader:
    """Loads records; keeps vocabulary look-ups in memory for the length of a run."""

    def __init__(self) -> None:
        vocab_tables.ensure()
        self.conditions = {c.slug: c for c in Condition.objects.all()}
        self.drugs = {d.slug: d for d in Drug.objects.all()}

    def document(self, raw: bytes, name: str, fmt: str | None) -> RawDocument:
        """The stored input (a file or a ZIP member), kept whole once whatever it contains."""
        document, _ = RawDocument.objects.get_or_create(
            sha256=hashlib.sha256(raw).hexdigest(),
            defaults={"content": raw, "size": len(raw), "name": name[:500], "format": fmt or ""},
        )
        return document

    def documents(self, items: list[tuple[bytes, str, str | None]]) -> list[RawDocument]:
        """`document()` for a batch of (raw, name, format): one query for those already stored
        and one insert for the rest, so that storing each record's own bytes stays cheap."""
        shas = [hashlib.sha256(raw).hexdigest() for raw, _, _ in items]
        found = {d.sha256: d for d in RawDocument.objects.filter(sha256__in=set(shas))}
        new: dict[str, RawDocument] = {}
        for sha, (raw, name, fmt) in zip(shas, items, strict=True):
            if sha not in found and sha not in new:
                new[sha] = RawDocument(
                    sha256=sha, content=raw, size=len(raw), name=name[:500], format=fmt or ""
                )
        try:
            with transaction.atomic():
                found |= {d.sha256: d for d in RawDocument.objects.bulk_create(new.values())}
        except IntegrityError:  # stored meanwhile by a concurrent import: one by one
            for (raw, name, fmt), sha in zip(items, shas, strict=True):
                if sha not in found:
                    found[sha] = self.document(raw, name, fmt)
        return [found[sha] for sha in shas]

    def in_scope(self, record: dict) -> bool:
        """A trial is in scope when one of its conditions maps to a skin term."""
        return any(
            (c := self.conditions.get(cond.get("term"))) is not None and c.skin
            for cond in record.get("conditions") or []
        )

    def load(self, record: dict, document: RawDocument) -> str:
        """Load one record and return its outcome: created, updated, unchanged or merged."""
        with transaction.atomic():
            return self._load(record, document)

    def _load(self, record: dict, document: RawDocument) -> str:
        key = source_key(record)
        existing = SourceRecord.objects.filter(source_key=key).select_related("trial").first()
        if existing and not _supersedes(record, existing.record):
            return "unchanged"

        candidates = self._matching_trials(record)
        if existing and existing.trial not in candidates:
            candidates.insert(0, existing.trial)
        outcome = "created" if not candidates else "updated"
        if candidates:
            trial = candidates[0]
            if len(candidates) > 1:
                self._absorb(trial, candidates[1:])
                outcome = "merged"
        else:
            trial = Trial(key=trial_key(record), record={}, title="")

        if trial.pk is None:
            self.rebuild(trial, [record])
        sr = _source_record(record, document, trial)
        if existing:
            sr.pk = existing.pk
        sr.save()
        changed = self.rebuild(trial)
        if outcome == "created":
            self.flag_lookalikes([trial])
        if outcome == "updated" and not changed and existing:
            return "unchanged"
        return outcome

    def load_many(self, items: list[tuple[dict, RawDocument]]) -> list[str | Exception]:
        """Load a batch; return each record's outcome, or the exception that stopped it.

        Records that are new and share no identifier with the database or with each other are
        created together with a few bulk statements; the rest (updates, merges) go one by one.
        If the bulk insert fails, its records are retried one by one, so that one bad record
        fails alone and leaves nothing half-written.
        """
        keys = [source_key(r) for r, _ in items]
        norms = [_merge_norms(r) for r, _ in items]
        existing = set(
            SourceRecord.objects.filter(source_key__in=keys).values_list("source_key", flat=True)
        )
        known = set(
            Identifier.objects.filter(norm__in=set().union(*norms))
            .exclude(kind="org")
            .values_list("norm", flat=True)
        )
        fresh, slow, seen = [], [], set()
        for i, ((record, _), key) in enumerate(zip(items, keys, strict=True)):
            claims = {key, "key:" + trial_key(record), *norms[i]}
            if key in existing or norms[i] & known or claims & seen:
                slow.append(i)
            else:
                fresh.append(i)
                seen |= claims
        outcomes: list[str | Exception] = ["failed"] * len(items)
        if fresh:
            try:
                with transaction.atomic():
                    self.flag_lookalikes(self._create_many([items[i] for i in fresh]))
                for i in fresh:
                    outcomes[i] = "created"
            except Exception as exc:  # retried one by one below, where the culprit fails alone
                logger.warning(
                    "bulk load of %d records failed (%r); loading one by one", len(fresh), exc
                )
                slow = sorted(slow + fresh)
        for i in slow:
            try:
                outcomes[i] = self.load(*items[i])
            except Exception as exc:
                outcomes[i] = exc
        return outcomes

    def _create_many(self, items: list[tuple[dict, RawDocument]]) -> list[Trial]:
        trials = []
        for record, _ in items:
            trial = Trial(key=trial_key(record))
            trial.record, trial.provenance, trial.conflicts = merge([record])
            self._derive(trial, trial.record, check_unique=False)
            trials.append(trial)
        Trial.objects.bulk_create(trials)
        SourceRecord.objects.bulk_create(
            _source_record(record, document, trial)
            for (record, document), trial in zip(items, trials, strict=True)
        )
        rows: dict = {}
        for trial in trials:
            for model, objs in self._rows(trial, trial.record).items():
                rows.setdefault(model, []).extend(objs)
        for model, objs in rows.items():
            model.objects.bulk_create(objs)
        return trials

    def flag_lookalikes(self, trials: list[Trial]) -> None:
        """Propose new trials that have the title and sponsor of another trial as possible
        duplicates. They share no registry ID (or they would be one trial), so only a curator
        may merge them; a dismissed pair is never proposed again (it stays in the table)."""
        titles = {t.title.lower() for t in trials if t.record.get("title")}
        if not titles:
            return
        rows = (
            Trial.objects.annotate(lower_title=Lower("title"))  # trial_title_lower_idx
            .filter(lower_title__in=titles)
            .values_list("pk", "lower_title", "record__sponsor")
        )
        by_title: dict[str, list[tuple[int, str]]] = {}
        for pk, title, sponsor in rows:
            by_title.setdefault(title, []).append((pk, _fold(sponsor)))
        pairs = {}
        for trial in trials:
            sponsor = _fold(trial.record.get("sponsor"))
            for pk, other in by_title.get(trial.title.lower(), []):
                if pk == trial.pk or (sponsor and other and sponsor != other):
                    continue
                reason = "same title and sponsor" if sponsor and other else "same title"
                a, b = sorted((pk, trial.pk))
                pairs[a, b] = PossibleDuplicate(trial_a_id=a, trial_b_id=b, reason=reason)
        PossibleDuplicate.objects.bulk_create(pairs.values(), ignore_conflicts=True)

    def renormalize(self, trial: Trial, reread: Callable[[SourceRecord], dict | None]) -> bool:
        """Replace each source's record with `reread(source)` — the record as today's readers
        read the stored raw document, or None to keep it — and rebuild the trial, leaving
        locked fields alone. True if the trial changed."""
        with transaction.atomic():
            for sr in trial.sources.select_related("document"):
                record = reread(sr)
                if record is None or record == sr.record:
                    continue
                fresh = _source_record(record, sr.document, trial)
                fresh.pk = sr.pk
                taken = SourceRecord.objects.filter(source_key=fresh.source_key).exclude(pk=sr.pk)
                if taken.exists():  # another source already speaks under that key
                    fresh.source_key = sr.source_key
                fresh.save()
            return self.rebuild(trial)

    def _matching_trials(self, record: dict) -> list[Trial]:
        norms = _merge_norms(record)
        if not norms:
            return []
        ids = (
            Identifier.objects.filter(norm__in=norms)
            .exclude(kind="org")
            .values_list("trial_id", flat=True)
            .distinct()
        )
        return list(Trial.objects.filter(pk__in=list(ids)).order_by("created", "pk"))

    def _absorb(self, trial: Trial, others: list[Trial]) -> None:
        """Merge `others` into `trial`; their keys stay reachable as aliases."""
        for other in others:
            SourceRecord.objects.filter(trial=other).update(trial=trial)
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

    def rebuild(self, trial: Trial, records: list[dict] | None = None) -> bool:
        """Recompute the trial from its sources; save it and its rows. True if anything changed."""
        if records is None:
            rows = trial.sources.order_by("priority", "-refreshed", "pk")
            records = [sr.record for sr in rows]
        records = sorted(records, key=priority)
        merged, provenance, conflicts = merge(records)
        for locked in trial.locked_fields:
            if locked in trial.record:
                merged[locked] = trial.record[locked]
                provenance[locked] = {"format": "curator"}
        if trial.pk and (merged, provenance, conflicts) == (
            trial.record,
            trial.provenance,
            trial.conflicts,
        ):
            return False
        trial.record, trial.provenance, trial.conflicts = merged, provenance, conflicts
        self._derive(trial, merged)
        trial.save()
        self._write_rows(trial, merged)
        return True

    def _derive(self, trial: Trial, r: dict, *, check_unique: bool = True) -> None:
        # check_unique=False: the bulk path, whose records share no ID with any trial.
        if r.get("trial_id") and (
            not check_unique
            or not Trial.objects.filter(trial_id=r["trial_id"]).exclude(pk=trial.pk).exists()
        ):
            trial.trial_id = r["trial_id"]
        trial.title = r.get("title") or r.get("official_title") or "(untitled trial)"
        trial.status = r.get("status") or "UNKNOWN"
        trial.phases = list(dict.fromkeys(r.get("phases") or []))
        trial.study_type = r.get("study_type")
        terms = [c["term"] for c in r.get("conditions") or [] if c.get("term")]
        trial.conditions = list(dict.fromkeys(terms))
        drugs = [i["drug"] for i in r.get("interventions") or [] if i.get("drug")]
        trial.drugs = list(dict.fromkeys(drugs))
        trial.countries = sorted(set(r.get("countries") or []))
        registries = [i.get("registry") for i in r.get("identifiers") or []]
        registries += [(s or {}).get("registry") for s in r.get("sources") or []]
        trial.registries = sorted({x for x in registries if x})
        trial.sex = r.get("sex")
        trial.min_age = r.get("min_age_years")
        trial.max_age = r.get("max_age_years")
        trial.is_refractory = bool((r.get("refractory") or {}).get("is_refractory"))
        trial.enrollment = r.get("enrollment")
        trial.start_date = to_date(r.get("start"))
        refreshed = (r.get("source") or {}).get("refreshed")
        trial.last_updated = to_date(r.get("last_updated") or refreshed)
        trial.text_terms = " ".join(self._term_words(r))
        trial.text_summary = r.get("summary") or ""
        criteria = (r.get("criteria") or {}).get("text") or ""
        trial.text_criteria = "\n".join(filter(None, [criteria, r.get("description")]))

    def _term_words(self, r: dict) -> list[str]:
        """Conditions, drugs and IDs as written, plus the vocabulary's labels and synonyms."""
        words = [r.get("official_title"), r.get("acronym"), r.get("sponsor")]
        for c in r.get("conditions") or []:
            words.append(c.get("name"))
            if vocab := self.conditions.get(c.get("term")):
                words += [vocab.label, *vocab.synonyms]
        for i in r.get("interventions") or []:
            words.append(i.get("name"))
            if vocab := self.drugs.get(i.get("drug")):
                words += [vocab.label, *vocab.synonyms]
        words += [i["id"] for i in r.get("identifiers") or []]
        return [w for w in words if w]

    def _write_rows(self, trial: Trial, r: dict) -> None:
        aliases = list(trial.identifiers.filter(kind="alias").values_list("value", "norm"))
        for model in (Identifier, TrialCondition, Intervention, Site, Contact):
            model.objects.filter(trial=trial).delete()
        for model, objs in self._rows(trial, r, aliases).items():
            model.objects.bulk_create(objs)

    def _rows(self, trial: Trial, r: dict, aliases: list | None = None) -> dict[type, list]:
        """The child rows derived from a trial's merged record."""
        idents, seen = [], set()
        for ident in r.get("identifiers") or []:
            norm = identifier_norm(ident["id"])
            if norm not in seen:
                seen.add(norm)
                idents.append(
                    Identifier(
                        trial=trial,
                        value=ident["id"],
                        norm=norm,
                        kind=ident.get("kind") or "other",
                        registry=ident.get("registry"),
                        is_primary=not idents,
                    )
                )
        idents += [
            Identifier(trial=trial, value=v, norm=n, kind="alias")
            for v, n in aliases or []
            if n not in seen
        ]
        return {
            Identifier: idents,
            TrialCondition: [
                TrialCondition(
                    trial=trial,
                    name=c["name"][:500],
                    condition=self.conditions.get(c.get("term")),
                )
                for c in r.get("conditions") or []
            ],
            Intervention: [
                Intervention(
                    trial=trial,
                    name=(i.get("name") or "")[:500],
                    type=i.get("type"),
                    description=i.get("description"),
                    drug=self.drugs.get(i.get("drug")),
                    is_placebo=bool(i.get("is_placebo")),
                )
                for i in r.get("interventions") or []
            ],
            Site: [Site(trial=trial, **_cut(s, Site)) for s in r.get("sites") or []],
            Contact: [Contact(trial=trial, **_cut(c, Contact)) for c in r.get("contacts") or []],
        }


def _fold(text: str | None) -> str:
    """A sponsor name as compared: case, punctuation and spacing do not matter."""
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").lower()).split())


def _filled(record: dict) -> int:
    return sum(not is_empty(v) for k, v in record.items() if k not in ("source", "warnings"))


def _supersedes(new: dict, old: dict) -> bool:
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


def _merge_norms(record: dict) -> set[str]:
    """The identifiers that make two records one trial: registry IDs (never sponsors' numbers)."""
    norms = {
        identifier_norm(i["id"])
        for i in record.get("identifiers") or []
        if i.get("kind") == "registry"
    }
    if record.get("trial_id"):
        norms.add(identifier_norm(record["trial_id"]))
    return norms


def _source_record(record: dict, document: RawDocument, trial: Trial) -> SourceRecord:
    source = record.get("source") or {}
    return SourceRecord(
        source_key=source_key(record),
        trial=trial,
        document=document,
        format=source.get("format") or "",
        registry=source.get("registry"),
        url=(source.get("url") or "")[:1000] or None,
        refreshed=source.get("refreshed"),
        priority=priority(record),
        record=record,
    )


def _cut(values: dict, model) -> dict:
    """Keep the model's fields and cut strings to their column length."""
    out = {}
    for f in model._meta.concrete_fields:
        if f.name in values and f.name != "trial":
            v = values[f.name]
            if isinstance(v, str) and f.max_length:
                v = v[: f.max_length]
            out[f.name] = v
    return out


def source_key(record: dict) -> str:
    """What identifies a source of a trial, so that a newer version of it replaces the older."""
    source = record.get("source") or {}
    # source_id: the record's own ID in its source where it differs from the trial's
    # (ICTRP's `EUCTR2021-000037-14-ES` is one member state's record of EUCTR2021-000037-14).
    who = source.get("source_id") or record.get("trial_id") or source.get("url")
    if not who:
        who = "title:" + " ".join((record.get("title") or "").lower().split())
    return f"{source.get('format')}|{source.get('registry')}|{who}"[:300]


def trial_key(record: dict) -> str:
    """The URL key: the trial ID, or a stable name derived from the source when there is none."""
    if record.get("trial_id"):
        return record["trial_id"]
    digest = hashlib.sha256(source_key(record).encode()).hexdigest()[:10]
    return f"unregistered-{digest}"


def to_date(value: str | None) -> datetime.date | None:
    """`YYYY-MM-DD` or `YYYY-MM` (taken as the 1st) as a date, for sorting."""
    if not value:
        return None
    try:
        parts = [int(p) for p in value.split("-")]
        return datetime.date(
            parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1
        )
    except (ValueError, IndexError):
        return None
