"""The loader's COPY encoders (trials/loading/copy.py) and the compact provenance column: what
goes in through COPY reads back exactly as it went in, whatever the text holds."""

import datetime
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trials.loading import copy
from trials.loading.loader import Loader
from trials.models import (
    RawDocument,
    Site,
    Trial,
    compact_provenance,
    expand_provenance,
)
from trials.readers import read_bytes

pytestmark = pytest.mark.django_db

SINGLE = Path(__file__).parent / "data" / "ctgov-json" / "in" / "single-study.json"


@pytest.fixture
def seed_record():
    (record,) = read_bytes(SINGLE.read_bytes())
    record["summary"] = "\n".join(NASTY)  # text that COPY must escape
    return record


NASTY = [
    "plain",
    "",
    "back\\slash \\N \\x41 \\\\",
    "tab\there, newline\nthere, return\rthere\r\n",
    "quotes \" and ' and {braces}, commas, NULL",
    "ünïcødé — 日本語 — emoji 🧴",
]


def test_values_read_back_as_written():
    trial = Trial.objects.create(key="NCT00000001", title="t", record={})
    rows = [(trial.pk, value, value, value, "US", None) for value in NASTY]
    copy.copy_rows(Site, ("trial_id", "facility", "city", "region", "country", "status"), rows)
    got = list(Site.objects.filter(trial=trial).order_by("pk").values_list("facility", "status"))
    assert got == [(value, None) for value in NASTY]


def test_arrays_dates_booleans_and_bytes_read_back():
    names = ["a,b", 'say "x"', "back\\slash", "NULL", None, "{curly}", "tab\tnew\nline", ""]
    trial = Trial(key="NCT00000002", title="t", record={"x": NASTY}, conditions=names)
    trial.start_date = datetime.date(2024, 2, 29)
    trial.is_refractory = True
    trial.min_age = 17.5
    trial.enrollment = 2**31 - 1
    trial.pk = _insert(trial)
    document = RawDocument(
        sha256="0" * 64, content=bytes(range(256)), size=256, name="n", format=""
    )
    document.pk = _insert(document)

    stored = Trial.objects.get(pk=trial.pk)
    assert stored.conditions == names
    assert stored.record == {"x": NASTY}
    assert (stored.start_date, stored.is_refractory, stored.min_age) == (
        trial.start_date,
        True,
        17.5,
    )
    assert stored.enrollment == 2**31 - 1
    assert stored.created == NOW
    assert bytes(RawDocument.objects.get(pk=document.pk).content) == bytes(range(256))


NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)


def _insert(obj) -> int:
    """Insert an instance as the loader's bulk path does: its head (key, dates), then the
    rest as encoded beforehand."""
    plan = copy.layout(type(obj), "id")
    (pk,) = copy.reserve_ids(type(obj), 1)
    (head,) = plan.prefixes([(pk,)], *[NOW] * (len(plan.head) - 1))
    row = head + plan.encode(vars(obj))
    copy.copy_binary(type(obj), plan.columns(), [row])
    return pk


def test_a_prepared_record_reads_back_from_its_encoded_row(seed_record):
    prepared = Loader().prepare(seed_record)
    assert prepared.record() == seed_record
    plan = copy.layout(Trial, "id")
    fields = copy.binary_fields(prepared.trial)
    assert len(fields) == len(plan.rest)
    assert fields[plan.rest.index("key")] == seed_record["trial_id"].encode()


def test_bulk_and_one_by_one_loading_store_the_same_trial(seed_record):
    Trial.objects.all().delete()  # the starter data
    loader = Loader()
    document = loader.document(b"{}", "doc.json", "ctgov-json")
    assert loader.load_many([(seed_record, document)]) == ["created"]
    bulk = Trial.objects.get()
    bulk_values = _values(bulk)
    bulk_idents = _idents(bulk)
    Trial.objects.all().delete()
    assert loader.load(seed_record, document) == "created"
    single = Trial.objects.get()
    assert _values(single) == bulk_values
    assert _idents(single) == bulk_idents


def _values(trial):
    skip = {"id", "created", "modified"}
    return {
        f.attname: getattr(trial, f.attname)
        for f in Trial._meta.concrete_fields
        if f.attname not in skip
    }


def _idents(trial):
    return list(trial.identifiers.values_list("value", "norm", "kind", "registry", "is_primary"))


# --- Provenance ----------------------------------------------------------------------------------

CTGOV = {"format": "ctgov-json", "registry": "ClinicalTrials.gov", "url": "u", "refreshed": "2024"}
ICTRP = {"format": "ictrp-xml", "registry": "EU CTR", "url": None, "refreshed": None}


def test_provenance_is_stored_once_per_source_and_reads_back_whole():
    provenance = {"title": dict(CTGOV), "status": dict(CTGOV), "sponsor": dict(ICTRP)}
    trial = Trial.objects.create(key="NCT00000003", title="t", record={}, provenance=provenance)
    with connection.cursor() as cursor:
        cursor.execute("SELECT provenance FROM trials_trial WHERE id = %s", [trial.pk])
        stored = cursor.fetchone()[0]
    stored = stored if isinstance(stored, dict) else json.loads(stored)
    assert stored == {
        "@sources": [CTGOV, ICTRP],
        "@fields": {"title": 0, "status": 0, "sponsor": 1},
    }
    assert Trial.objects.get(pk=trial.pk).provenance == provenance


def test_provenance_in_the_repeated_form_still_reads():
    trial = Trial.objects.create(key="NCT00000004", title="t", record={})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE trials_trial SET provenance = %s::jsonb WHERE id = %s",
            ['{"title": {"format": "curator"}}', trial.pk],
        )
    assert Trial.objects.get(pk=trial.pk).provenance == {"title": {"format": "curator"}}


def test_expanded_sources_are_separate_dicts():
    provenance = expand_provenance(compact_provenance({"a": dict(CTGOV), "b": dict(CTGOV)}))
    provenance["a"]["url"] = "changed"
    assert provenance["b"]["url"] == "u"
    assert compact_provenance({}) == {"@sources": [], "@fields": {}}
    assert expand_provenance(None) is None


# --- field__any (trials/lookups.py) --------------------------------------------------------------


def test_any_finds_what_in_finds_with_one_parameter():
    keys = [*Trial.objects.values_list("key", flat=True)[:3], "nope", 'it\'s "odd"']
    with CaptureQueriesContext(connection) as queries:
        found = set(Trial.objects.filter(key__any=keys).values_list("key", flat=True))
    assert found == set(Trial.objects.filter(key__in=keys).values_list("key", flat=True))
    assert len(found) == 3
    assert "= ANY(" in queries[0]["sql"]
    assert Trial.objects.filter(key__any=[]).count() == 0


def test_documents_go_in_binary_and_read_back_byte_for_byte():
    loader = Loader()
    raw = bytes(range(256)) * 3 + "ünï\t\\\n".encode()
    prepared = loader.prepare_document(raw, "dir/ünï name.json", "ctgov-json")
    assert prepared.raw() == raw
    (document,) = loader.documents([prepared])
    stored = RawDocument.objects.get(pk=document.pk)
    assert bytes(stored.content) == raw
    assert (stored.sha256, stored.size, stored.name) == (prepared.sha256, len(raw), prepared.name)
    assert stored.created == document.created
    assert "content" in document.get_deferred_fields()
    assert loader.documents([prepared])[0].pk == document.pk  # stored once


def test_binary_fields_split_what_the_encoders_joined():
    plan = copy.layout(RawDocument, "id")
    values = {"sha256": "ab", "content": b"\x00\xff", "size": 2, "name": "", "format": None}
    assert copy.binary_fields(plan.encode(values)) == [
        b"ab",
        b"\x00\xff",
        (2).to_bytes(8),
        b"",
        None,
    ]
    with pytest.raises(TypeError, match="no COPY binary form"):
        copy.binary_encoder(Trial._meta.get_field("search"))
