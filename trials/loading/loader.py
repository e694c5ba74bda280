"""The loader: puts trial/1 records into the database. It knows nothing of source formats.

Each record is loaded in its own transaction (savepoint), so a failing record leaves the database
as it was and the rest of the batch goes on. A record joins the trial that shares one of its
registry identifiers; when it shares identifiers with several trials, those trials are merged
(merging.py). The trial is then rebuilt from all its sources (writing.py), leaving fields a
curator locked untouched. The units it puts together: documents.py (raw documents), scope.py,
writing.py (+ columns.py, copy.py), merging.py.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from trials.loading import documents, merging, scope
from trials.loading.columns import distinct_key, source_key, trial_key
from trials.loading.documents import PreparedDocument
from trials.loading.vocab_tables import Terms
from trials.loading.writing import Prepared, Writer, source_record
from trials.models import Identifier, RawDocument, SourceRecord, Trial

logger = logging.getLogger(__name__)
OUTCOMES = ("created", "updated", "unchanged", "merged", "skipped", "failed")


@dataclass
class Counts:
    values: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def add(self, outcome: str) -> None:
        self.values[outcome] += 1


class Loader:
    """Loads records; keeps the vocabulary terms in memory for the length of a run."""

    def __init__(self) -> None:
        self.terms = Terms.load()
        self.writer = Writer(self.terms)

    # Documents and scope.
    def document(self, raw: bytes, name: str, fmt: str | None) -> RawDocument:
        return documents.store_document(raw, name, fmt)

    @staticmethod
    def prepare_document(raw: bytes, name: str, fmt: str | None) -> PreparedDocument:
        return documents.prepare_document(raw, name, fmt)

    def documents(self, items: list[PreparedDocument]) -> list[RawDocument]:
        return documents.store_documents(items)

    def in_scope(self, record: dict) -> bool:
        return scope.in_scope(record, self.terms)

    # Writing.
    def prepare(self, record: dict) -> Prepared:
        return self.writer.prepare(record)

    def try_prepare(self, record: dict) -> Prepared | None:
        return self.writer.try_prepare(record)

    def rebuild(self, trial: Trial, records: list[dict] | None = None) -> bool:
        return self.writer.rebuild(trial, records)

    # Merging.
    def merge_trials(self, trial: Trial, others: list[Trial]) -> None:
        """Merge `others` into `trial` (their keys stay as aliases) and rebuild it."""
        merging.merge_trials(trial, others)
        # rebuild() saves only when the merged result differs from what the trial holds; the
        # sources it gained may give the same, so forget the stored provenance to make it save.
        trial.provenance = {}
        self.rebuild(trial)

    def flag_lookalikes(self, trials: list[Trial]) -> None:
        merging.flag_lookalikes(trials)

    def load(self, record: dict, document: RawDocument) -> str:
        """Load one record and return its outcome: created, updated, unchanged or merged."""
        with transaction.atomic():
            return self._load(record, document)

    def _load(self, record: dict, document: RawDocument) -> str:
        key = source_key(record)
        existing = SourceRecord.objects.filter(source_key=key).select_related("trial").first()
        if existing and not merging.supersedes(record, existing.record):
            return "unchanged"

        candidates = merging.matching_trials(record)
        if existing and existing.trial not in candidates:
            candidates.insert(0, existing.trial)
        outcome = "created" if not candidates else "updated"
        if candidates:
            trial = candidates[0]
            if len(candidates) > 1:
                merging.merge_trials(trial, candidates[1:])
                outcome = "merged"
        else:
            trial = Trial(key=_free_key(record), record={}, title="")

        if trial.pk is None:
            self.rebuild(trial, [record])
        source = source_record(record, document, trial)
        if existing:
            source.pk = existing.pk
        source.save()
        changed = self.rebuild(trial)
        if outcome == "created":
            merging.flag_lookalikes([trial])
        if outcome == "updated" and not changed and existing:
            return "unchanged"
        return outcome

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
        stored, fresh, slow = self._sort(prepared)
        outcomes: list[str | Exception] = ["failed"] * len(items)
        if fresh:
            try:
                with transaction.atomic():
                    self.writer.create(
                        [items[index][1] for index in fresh], [prepared[index] for index in fresh]
                    )
                for index in fresh:
                    outcomes[index] = "created"
            except Exception as exc:  # retried one by one below, where the culprit fails alone
                logger.warning(
                    "bulk load of %d records failed (%r); loading one by one", len(fresh), exc
                )
                slow = sorted(slow + fresh)
        # A source stored already that its new copy does not supersede (a download imported
        # again) is unchanged: told here for the whole batch at once, as load() would tell it
        # one by one. Not for a source met twice in the batch, whose first copy may change it,
        # nor in a batch with a record that could not be prepared (its key is not known here).
        ready = [item for item in prepared if item is not None]
        once = {key for key, count in Counter(item.key for item in ready).items() if count == 1}
        if len(ready) < len(prepared):
            once = set()
        for index in slow:
            record, document = items[index]
            item = prepared[index]
            try:
                record = record or item.record()
                known_copy = stored.get(item.key) if item and item.key in once else None
                if known_copy is not None and not merging.supersedes(record, known_copy):
                    outcomes[index] = "unchanged"
                    continue
                outcomes[index] = self.load(record, document)
            except Exception as exc:
                outcomes[index] = exc
        return outcomes

    @staticmethod
    def _sort(prepared: list[Prepared | None]) -> tuple[dict, list[int], list[int]]:
        """(the stored records of the batch's sources by key, the indexes of the records the
        bulk path creates, those loaded one by one)."""
        ready = [item for item in prepared if item is not None]
        keys = [item.key for item in ready]
        stored = dict(
            SourceRecord.objects.filter(source_key__any=keys).values_list("source_key", "record")
        )
        known = set(
            Identifier.objects.filter(norm__any=set().union(*(item.norms for item in ready)))
            .exclude(kind="org")
            .values_list("norm", flat=True)
        )
        fresh, slow, seen = [], [], set()
        for index, item in enumerate(prepared):
            if item is None or item.key in stored or item.norms & known or item.claims & seen:
                slow.append(index)
            else:
                fresh.append(index)
                seen |= item.claims
        return stored, fresh, slow

    def renormalize(self, trial: Trial, reread: Callable[[SourceRecord], dict | None]) -> bool:
        """Replace each source's record with `reread(source)` — the record as today's readers
        read the stored raw document, or None to keep it — and rebuild the trial, leaving
        locked fields alone. True if the trial changed."""
        with transaction.atomic():
            for source in trial.sources.select_related("document"):
                record = reread(source)
                if record is None or record == source.record:
                    continue
                fresh = source_record(record, source.document, trial)
                fresh.pk = source.pk
                taken = SourceRecord.objects.filter(source_key=fresh.source_key).exclude(
                    pk=source.pk
                )
                if taken.exists():  # another source already speaks under that key
                    fresh.source_key = source.source_key
                fresh.save()
            return self.rebuild(trial)


def _free_key(record: dict) -> str:
    """The new trial's URL key; when another trial has it already (two IDs that are the same
    once made URL-safe), one told apart by a suffix. The bulk path, which does not look, fails
    on the unique key and leaves such a record to this one."""
    key = trial_key(record)
    if record.get("trial_id") and Trial.objects.filter(key=key).exists():
        key = distinct_key(record["trial_id"])
    return key


__all__ = ["OUTCOMES", "Counts", "Loader", "Prepared", "PreparedDocument", "source_key"]
