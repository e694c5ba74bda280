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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from django.db import IntegrityError, transaction
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from trials.loading import vocab_tables
from trials.loading.copy import copy_binary, copy_rows, layout, reserve_ids
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
from trials.readers.identifiers import identifier_norm
from trials.readers.merge import is_empty, merge, priority

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

    @staticmethod
    def prepare_document(raw: bytes, name: str, fmt: str | None) -> PreparedDocument:
        """What `documents()` stores for an input, computed without the database (the
        importer's reader process prepares them)."""
        values = {
            "sha256": hashlib.sha256(raw).hexdigest(),
            "content": raw,
            "size": len(raw),
            "name": name[:500],
            "format": fmt or "",
        }
        return PreparedDocument(
            values["sha256"],
            values["size"],
            values["name"],
            values["format"],
            _DOCUMENT.encode(values),
        )

    def documents(self, items: list[PreparedDocument]) -> list[RawDocument]:
        """`document()` for a batch: one query for those already stored and one COPY for the
        rest, so that storing each record's own bytes stays cheap. The documents returned
        have their content deferred."""
        shas = [item.sha256 for item in items]
        stored = RawDocument.objects.filter(sha256__any=set(shas)).defer("content")
        found = {d.sha256: d for d in stored}
        new = {item.sha256: item for item in items if item.sha256 not in found}
        pks = reserve_ids(RawDocument, len(new))
        now = timezone.now()
        try:
            with transaction.atomic():
                heads = _DOCUMENT.prefixes([(pk,) for pk in pks], now)
                rests = [item.rest for item in new.values()]
                copy_binary(RawDocument, _DOCUMENT.columns(), map(bytes.__add__, heads, rests))
        except IntegrityError:  # stored meanwhile by a concurrent import: one by one
            for item in new.values():
                found[item.sha256] = self.document(item.raw(), item.name, item.format)
        else:
            for item, pk in zip(new.values(), pks, strict=True):
                found[item.sha256] = item.document(pk, now)
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

    def prepare(self, record: dict) -> Prepared:
        """What the bulk path writes for a record that is a new trial, computed without the
        database: the importer's reader process prepares a batch while this process writes
        the previous one."""
        trial = _Values(_TRIAL_DEFAULTS)  # a Trial's attributes, without a model's cost
        trial.key = trial_key(record)
        trial.record, trial.provenance, trial.conflicts = merge([record])
        self._derive(trial, trial.record, check_unique=False)
        source = _source_values(record)
        norms = frozenset(_merge_norms(record))
        rows = self._rows(None, trial.record)
        return Prepared(
            label=record.get("trial_id") or record.get("title"),
            key=source["source_key"],
            norms=norms,
            claims=frozenset({source["source_key"], "key:" + trial.key, *norms}),
            trial=_TRIAL.encode(vars(trial)),
            source=_SOURCE.encode(source),
            rows={
                model: [_CHILD[model].encode(row[1:]) for row in rows[model]]
                for model in rows
                if rows[model]
            },
            lookalike=_lookalike(trial.title, trial.record),
        )

    def try_prepare(self, record: dict) -> Prepared | None:
        """`prepare()`, or None when it fails."""
        try:
            return self.prepare(record)
        except Exception:  # loaded one by one instead, where the error is reported
            return None

    def load_many(
        self, items: list[tuple[dict, RawDocument]], prepared: list[Prepared] | None = None
    ) -> list[str | Exception]:
        """Load a batch; return each record's outcome, or the exception that stopped it.

        Records that are new and share no identifier with the database or with each other are
        created together with a few COPY statements (from `prepared`, made here when not
        given, None for a record that could not be prepared); the rest (updates, merges,
        records that failed to prepare) go one by one. If the bulk insert fails, its
        records are retried one by one, so that one bad record fails alone and leaves nothing
        half-written.
        """
        if prepared is None:
            prepared = [self.try_prepare(record) for record, _ in items]
        # A record may be None where it was prepared (the importer sends only the prepared).
        ready = [p for p in prepared if p is not None]
        keys = [p.key for p in ready]
        stored = dict(
            SourceRecord.objects.filter(source_key__any=keys).values_list("source_key", "record")
        )
        known = set(
            Identifier.objects.filter(norm__any=set().union(*(p.norms for p in ready)))
            .exclude(kind="org")
            .values_list("norm", flat=True)
        )
        fresh, slow, seen = [], [], set()
        for i, p in enumerate(prepared):
            if p is None or p.key in stored or p.norms & known or p.claims & seen:
                slow.append(i)
            else:
                fresh.append(i)
                seen |= p.claims
        outcomes: list[str | Exception] = ["failed"] * len(items)
        if fresh:
            try:
                with transaction.atomic():
                    self._create_many([items[i][1] for i in fresh], [prepared[i] for i in fresh])
                for i in fresh:
                    outcomes[i] = "created"
            except Exception as exc:  # retried one by one below, where the culprit fails alone
                logger.warning(
                    "bulk load of %d records failed (%r); loading one by one", len(fresh), exc
                )
                slow = sorted(slow + fresh)
        # A source stored already that its new copy does not supersede (a download imported
        # again) is unchanged: told here for the whole batch at once, as load() would tell it
        # one by one. Not for a source met twice in the batch, whose first copy may change it,
        # nor in a batch with a record that could not be prepared (its key is not known here).
        once = {key for key, n in Counter(keys).items() if n == 1}
        if len(ready) < len(prepared):
            once = set()
        for i in slow:
            record, document = items[i]
            p = prepared[i]
            try:
                record = record or p.record()
                known_copy = stored.get(p.key) if p and p.key in once else None
                if known_copy is not None and not _supersedes(record, known_copy):
                    outcomes[i] = "unchanged"
                    continue
                outcomes[i] = self.load(record, document)
            except Exception as exc:
                outcomes[i] = exc
        return outcomes

    def _create_many(self, documents: list[RawDocument], prepared: list[Prepared]) -> None:
        # The rows were encoded by prepare(): only their keys and dates are added here. A batch
        # that fails is retried one by one, from the prepared data unchanged.
        pks = reserve_ids(Trial, len(prepared))
        now = timezone.now()
        heads = _TRIAL.prefixes([(pk,) for pk in pks], now, now)
        copy_binary(Trial, _TRIAL.columns(), map(bytes.__add__, heads, [p.trial for p in prepared]))
        heads = _SOURCE.prefixes([(pk, d.pk) for pk, d in zip(pks, documents, strict=True)], now)
        copy_binary(
            SourceRecord, _SOURCE.columns(), map(bytes.__add__, heads, [p.source for p in prepared])
        )
        for model, plan in _CHILD.items():
            rows = []
            for p, head in zip(prepared, plan.prefixes([(pk,) for pk in pks]), strict=True):
                rows += [head + rest for rest in p.rows.get(model, ())]
            copy_binary(model, plan.columns(), rows)
        self._flag([(pk, *p.lookalike) for p, pk in zip(prepared, pks, strict=True) if p.lookalike])

    def flag_lookalikes(self, trials: list[Trial]) -> None:
        """Propose new trials that have the title and sponsor of another trial as possible
        duplicates. They share no registry ID (or they would be one trial), so only a curator
        may merge them; a dismissed pair is never proposed again (it stays in the table)."""
        self._flag([(t.pk, *key) for t in trials if (key := _lookalike(t.title, t.record))])

    def _flag(self, trials: list[tuple[int, str, str]]) -> None:
        """flag_lookalikes for (pk, lower-case title, folded sponsor)."""
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
        by_title = {
            title: [(pk, _fold(sponsors[pk])) for pk in pks]
            for title, pks in by_title.items()
            if len(pks) > 1
        }
        pairs = {}
        for trial_pk, title, sponsor in trials:
            for pk, other in by_title.get(title, []):
                if pk == trial_pk or (sponsor and other and sponsor != other):
                    continue
                reason = "same title and sponsor" if sponsor and other else "same title"
                a, b = sorted((pk, trial_pk))
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
        trial.sponsor = r.get("sponsor")
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
        for model in CHILD_COLUMNS:
            model.objects.filter(trial=trial).delete()
        for model, tuples in self._rows(trial.pk, r, aliases).items():
            copy_rows(model, CHILD_COLUMNS[model], tuples)

    def _rows(self, pk: int, r: dict, aliases: list | None = None) -> dict[type, list[tuple]]:
        """The child rows derived from a trial's merged record, as CHILD_COLUMNS tuples."""
        idents, seen = [], set()
        for ident in r.get("identifiers") or []:
            norm = identifier_norm(ident["id"])
            if norm not in seen:
                seen.add(norm)
                kind = ident.get("kind") or "other"
                idents.append((pk, ident["id"], norm, kind, ident.get("registry"), not idents))
        idents += [(pk, v, n, "alias", None, False) for v, n in aliases or [] if n not in seen]
        conditions, drugs = self.conditions, self.drugs
        return {
            Identifier: idents,
            TrialCondition: [
                (pk, c["name"][:500], _id(conditions.get(c.get("term"))))
                for c in r.get("conditions") or []
            ],
            Intervention: [
                (
                    pk,
                    (i.get("name") or "")[:500],
                    i.get("type"),
                    i.get("description"),
                    _id(drugs.get(i.get("drug"))),
                    bool(i.get("is_placebo")),
                )
                for i in r.get("interventions") or []
            ],
            Site: [_cut(pk, s, Site) for s in r.get("sites") or []],
            Contact: [_cut(pk, c, Contact) for c in r.get("contacts") or []],
        }


CHILD_COLUMNS = {
    Identifier: ("trial_id", "value", "norm", "kind", "registry", "is_primary"),
    TrialCondition: ("trial_id", "name", "condition_id"),
    Intervention: ("trial_id", "name", "type", "description", "drug_id", "is_placebo"),
    Site: ("trial_id", "facility", "city", "region", "country", "status"),
    Contact: ("trial_id", "name", "role", "email", "phone", "affiliation"),
}
_LENGTHS = {
    model: [(name, model._meta.get_field(name).max_length) for name in columns[1:]]
    for model, columns in CHILD_COLUMNS.items()
}


def _id(obj) -> int | None:
    return obj.pk if obj is not None else None


def _cut(pk: int, values: dict, model) -> tuple:
    """A CHILD_COLUMNS row from a record's site or contact, strings cut to column length."""
    row = [pk]
    for name, length in _LENGTHS[model]:
        v = values.get(name)
        row.append(v[:length] if isinstance(v, str) and length else v)
    return tuple(row)


@dataclass(frozen=True)
class Prepared:
    """A record ready for the bulk path (Loader.prepare): plain data, picklable. Its rows are
    encoded for binary COPY without the columns the loading process fills (copy.Layout)."""

    label: str | None  # the trial ID or title, for messages
    key: str  # source_key
    norms: frozenset[str]  # registry IDs that would make it one trial with another
    claims: frozenset[str]  # what two records of one batch must not share to be created together
    trial: bytes  # the Trial row after its primary key and dates (_TRIAL)
    source: bytes  # the SourceRecord row after its trial, document and date (_SOURCE)
    rows: dict[type, list[bytes]]  # CHILD_COLUMNS rows after their trial (_CHILD)
    lookalike: tuple[str, str] | None  # (lower-case title, folded sponsor)

    def record(self) -> dict:
        """The record prepared (read back from its SourceRecord row's JSON)."""
        return orjson.loads(_SOURCE.value(self.source, "record")[1:])  # after jsonb's version


_TRIAL = layout(Trial, "id")
_DOCUMENT = layout(RawDocument, "id")
_SOURCE = layout(SourceRecord, "trial_id", "document_id")
_CHILD = {
    model: layout(model, "trial_id", rest=names[1:]) for model, names in CHILD_COLUMNS.items()
}
_TRIAL_DEFAULTS = {f.attname: f.get_default() for f in Trial._meta.concrete_fields}


class _Values:
    """Attributes set as on a model instance (for _derive), read back with vars()."""

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)


@dataclass(frozen=True)
class PreparedDocument:
    """An input ready for `Loader.documents()` (Loader.prepare_document): picklable."""

    sha256: str
    size: int
    name: str
    format: str
    rest: bytes  # the RawDocument row after its primary key and date (_DOCUMENT)

    def raw(self) -> bytes:
        return _DOCUMENT.value(self.rest, "content")

    def document(self, pk: int, created: datetime.datetime) -> RawDocument:
        """The RawDocument stored under `pk`, its content deferred."""
        values = {"id": pk, "sha256": self.sha256, "size": self.size, "name": self.name}
        values |= {"format": self.format, "created": created}
        fields = [f.attname for f in RawDocument._meta.concrete_fields if f.attname in values]
        return RawDocument.from_db(None, fields, [values[f] for f in fields])


def _lookalike(title: str, record: dict) -> tuple[str, str] | None:
    """What flags a trial as another's possible duplicate: its title (when the record has
    one) and its sponsor."""
    return (title.lower(), _fold(record.get("sponsor"))) if record.get("title") else None


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
    return SourceRecord(trial=trial, document=document, **_source_values(record))


def _source_values(record: dict) -> dict:
    """A SourceRecord's own fields (all but its trial, document and dates) for a record."""
    source = record.get("source") or {}
    return {
        "source_key": source_key(record),
        "format": source.get("format") or "",
        "registry": source.get("registry"),
        "url": (source.get("url") or "")[:1000] or None,
        "refreshed": source.get("refreshed"),
        "priority": priority(record),
        "record": record,
    }


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
