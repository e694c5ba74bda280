"""The loader's two write paths store the same thing: the same records loaded one by one (the
ORM path: `store_document`, `Writer.rebuild`) and as a batch of new trials (the bulk COPY path:
`store_documents`, `Writer.prepare` and `Writer.create`) give the same value in every column
of every table they write."""

import json
from pathlib import Path

import pytest
from django.db import connection

from trials.loading.loader import Loader
from trials.loading.writing import Writer
from trials.models import (
    Contact,
    Identifier,
    Intervention,
    PossibleDuplicate,
    RawDocument,
    Site,
    SourceRecord,
    Trial,
    TrialCondition,
)
from trials.readers import detect_format, read_bytes

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted((ROOT / "tests" / "data").glob("*/in/*")) + sorted(
    (ROOT / "fixtures" / "sources").glob("*")
)
CHILDREN = (Identifier, TrialCondition, Intervention, Site, Contact)
DATES = {"created", "modified", "imported"}  # set by the clock


def _records() -> list[dict]:
    """Every golden input's records that the bulk path can create together: no two of them
    one trial (they would be loaded one by one), one of them with a look-alike."""
    loader, records, claimed = Loader(), [], set()
    for path in INPUTS:
        data = path.read_bytes()
        for record in read_bytes(data, fmt=detect_format(data)):
            prepared = loader.prepare(record)
            if not prepared.claims & claimed:
                claimed |= prepared.claims
                records.append(record)
    twin = {**records[0], "trial_id": None, "identifiers": [], "source": dict(records[0]["source"])}
    twin["source"]["url"] = "https://example.org/look-alike"
    return [*records, twin]


def _table(model, trial_keys: dict[int, str], documents: dict[int, str]) -> list[tuple]:
    """Every row of a table, every column (generated ones too), as stored; keys and the
    trial a row points at by the trial's key, in the order rows were written."""
    fields = [f for f in model._meta.concrete_fields if f.attname not in DATES]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY id")  # noqa: S608 (names)
        rows = cursor.fetchall()
    names = [f.attname for f in fields]
    out = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        if model is Trial:
            values["id"] = trial_keys[values["id"]]
        elif model is RawDocument:
            values["id"] = documents[values["id"]]
        else:
            values.pop("id")
        if "document_id" in values:
            values["document_id"] = documents[values["document_id"]]
        for name in ("trial_id", "trial_a_id", "trial_b_id"):
            if name in values and model is not Trial:
                values[name] = trial_keys[values[name]]
        out.append(tuple(sorted(values.items(), key=lambda item: item[0])))
    return sorted(out, key=repr) if model is PossibleDuplicate else out


def _snapshot() -> dict[str, list]:
    trial_keys = dict(Trial.objects.values_list("pk", "key"))
    documents = dict(RawDocument.objects.values_list("pk", "sha256"))
    models = (RawDocument, Trial, SourceRecord, *CHILDREN, PossibleDuplicate)
    return {model.__name__: _table(model, trial_keys, documents) for model in models}


def _empty() -> None:
    Trial.objects.all().delete()  # sources, rows and pairs go with their trials
    RawDocument.objects.all().delete()
    assert not SourceRecord.objects.exists() and not PossibleDuplicate.objects.exists()


def _raw(record: dict) -> bytes:
    """A document of the record's own (what the importer stores for each record of a
    download): one each, so that the documents' paths are compared too."""
    return json.dumps(record, sort_keys=True).encode()


def test_the_orm_path_and_the_copy_path_write_the_same_columns(monkeypatch):
    records = _records()
    assert len(records) > 10
    _empty()  # the starter data
    loader = Loader()
    outcomes = [
        loader.load(record, loader.document(_raw(record), f"record {number}", "ctgov-json"))
        for number, record in enumerate(records)
    ]
    assert outcomes == ["created"] * len(records)
    one_by_one = _snapshot()
    _empty()

    created = []
    create = Writer.create

    def spy(self, documents, prepared):
        created.extend(prepared)
        return create(self, documents, prepared)

    monkeypatch.setattr(Writer, "create", spy)
    prepared = [
        loader.prepare_document(_raw(record), f"record {number}", "ctgov-json")
        for number, record in enumerate(records)
    ]
    documents = loader.documents(prepared)
    outcomes = loader.load_many(list(zip(records, documents, strict=True)))
    assert outcomes == ["created"] * len(records)
    assert len(created) == len(records), "every record went the bulk path"
    bulk = _snapshot()

    assert one_by_one["PossibleDuplicate"], "the look-alike is flagged"
    # The columns from the vocabulary tables and the refractory reading are compared too.
    trials = [dict(row) for row in one_by_one["Trial"]]
    assert any(trial["drug_classes"] for trial in trials)
    assert any(trial["prior_therapies"] for trial in trials)
    for table, rows in one_by_one.items():
        assert len(bulk[table]) == len(rows), table
        for orm_row, bulk_row in zip(rows, bulk[table], strict=True):
            assert bulk_row == orm_row, table
