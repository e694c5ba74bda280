"""Writing trials: a trial's columns and rows from its sources' records, by two paths that
write the same thing because both read one declaration (trials/loading/columns.py):

- `Writer.rebuild()`, the ORM path: a trial merged again from its stored sources (updates,
  merges, curators' edits, re-normalizing);
- `Writer.prepare()` then `Writer.create()`, the bulk path for new trials: the rows are encoded
  in COPY's binary format where the database is not (the importer's reader process), and
  written a batch at a time with a few COPY statements.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from django.utils import timezone

from trials.loading.columns import (
    CHILD_LAYOUTS,
    CHILD_TABLES,
    SOURCE_LAYOUT,
    TRIAL_LAYOUT,
    derived_values,
    source_values,
    trial_key,
)
from trials.loading.copy import copy_binary, copy_rows, reserve_ids
from trials.loading.merging import flag_lookalike_keys, lookalike_key, merge_norms
from trials.loading.vocab_tables import Terms
from trials.models import RawDocument, SourceRecord, Trial
from trials.readers.merge import merge, priority


@dataclass(frozen=True)
class Prepared:
    """A record ready for the bulk path (Writer.prepare): plain data, picklable. Its rows are
    encoded for binary COPY without the columns the loading process fills (copy.Layout)."""

    label: str | None  # the trial ID or title, for messages
    key: str  # source_key
    norms: frozenset[str]  # registry IDs that would make it one trial with another
    claims: frozenset[str]  # what two records of one batch must not share to be created together
    trial: bytes  # the Trial row after its primary key and dates (TRIAL_LAYOUT)
    source: bytes  # the SourceRecord row after its trial, document and date (SOURCE_LAYOUT)
    rows: dict[type, list[bytes]]  # CHILD_TABLES rows after their trial (CHILD_LAYOUTS)
    lookalike: tuple[str, str] | None  # (lower-case title, folded sponsor)

    def record(self) -> dict:
        """The record prepared (read back from its SourceRecord row's JSON)."""
        return orjson.loads(SOURCE_LAYOUT.value(self.source, "record")[1:])  # after jsonb's version


def source_record(record: dict, document: RawDocument, trial: Trial) -> SourceRecord:
    """The SourceRecord of a record (not saved)."""
    return SourceRecord(trial=trial, document=document, **source_values(record))


class Writer:
    """Writes trials; keeps the vocabulary terms it points at for the length of a run."""

    def __init__(self, terms: Terms) -> None:
        self.terms = terms

    def rows(self, record: dict, aliases: list[tuple[str, str]] = ()) -> dict[type, list[tuple]]:
        """The child rows of a trial's merged record, by model, without the trial column."""
        return {
            model: table.rows(record, self.terms, list(aliases))
            for model, table in CHILD_TABLES.items()
        }

    # --- The ORM path ---------------------------------------------------------------------------

    def rebuild(self, trial: Trial, records: list[dict] | None = None) -> bool:
        """Recompute the trial from its sources (or from `records`, for a trial not saved yet);
        save it and its rows. Fields a curator locked keep their value. True if anything
        changed."""
        if records is None:
            sources = trial.sources.order_by("priority", "-refreshed", "pk")
            records = [source.record for source in sources]
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
        for column, value in derived_values(merged, self.terms).items():
            setattr(trial, column, value)
        trial_id = merged.get("trial_id")
        if trial_id and not Trial.objects.filter(trial_id=trial_id).exclude(pk=trial.pk).exists():
            trial.trial_id = trial_id  # else the one it had: another trial has this ID
        trial.save()
        self._write_rows(trial, merged)
        return True

    def _write_rows(self, trial: Trial, record: dict) -> None:
        aliases = list(trial.identifiers.filter(kind="alias").values_list("value", "norm"))
        for model in CHILD_TABLES:
            model.objects.filter(trial=trial).delete()
        for model, rows in self.rows(record, aliases).items():
            copy_rows(model, CHILD_TABLES[model].columns, [(trial.pk, *row) for row in rows])

    # --- The bulk path --------------------------------------------------------------------------

    def prepare(self, record: dict) -> Prepared:
        """What the bulk path writes for a record that is a new trial, computed without the
        database: the importer's reader process prepares a batch while the loading process
        writes the previous one."""
        merged, provenance, conflicts = merge([record])
        key = trial_key(record)
        trial = {
            "key": key,
            "trial_id": merged.get("trial_id") or None,
            "record": merged,
            "provenance": provenance,
            "conflicts": conflicts,
            "locked_fields": [],
            **derived_values(merged, self.terms),
        }
        source = source_values(record)
        norms = frozenset(merge_norms(record))
        rows = self.rows(merged)
        return Prepared(
            label=record.get("trial_id") or record.get("title"),
            key=source["source_key"],
            norms=norms,
            claims=frozenset({source["source_key"], "key:" + key, *norms}),
            trial=TRIAL_LAYOUT.encode(trial),
            source=SOURCE_LAYOUT.encode(source),
            rows={
                model: [CHILD_LAYOUTS[model].encode(row) for row in rows[model]]
                for model in rows
                if rows[model]
            },
            lookalike=lookalike_key(trial["title"], merged),
        )

    def try_prepare(self, record: dict) -> Prepared | None:
        """`prepare()`, or None when it fails."""
        try:
            return self.prepare(record)
        except Exception:  # loaded one by one instead, where the error is reported
            return None

    def create(self, documents: list[RawDocument], prepared: list[Prepared]) -> None:
        """Create the prepared new trials, their sources (from `documents`) and rows: a COPY a
        table. The rows were encoded by prepare(): only their keys and dates are added here."""
        pks = reserve_ids(Trial, len(prepared))
        now = timezone.now()
        heads = TRIAL_LAYOUT.prefixes([(pk,) for pk in pks], now, now)
        rows = map(bytes.__add__, heads, [item.trial for item in prepared])
        copy_binary(Trial, TRIAL_LAYOUT.columns(), rows)
        keys = [(pk, document.pk) for pk, document in zip(pks, documents, strict=True)]
        heads = SOURCE_LAYOUT.prefixes(keys, now)
        rows = map(bytes.__add__, heads, [item.source for item in prepared])
        copy_binary(SourceRecord, SOURCE_LAYOUT.columns(), rows)
        for model, plan in CHILD_LAYOUTS.items():
            child_rows = []
            for item, head in zip(prepared, plan.prefixes([(pk,) for pk in pks]), strict=True):
                child_rows += [head + rest for rest in item.rows.get(model, ())]
            copy_binary(model, plan.columns(), child_rows)
        lookalikes = zip(prepared, pks, strict=True)
        flag_lookalike_keys([(pk, *item.lookalike) for item, pk in lookalikes if item.lookalike])
