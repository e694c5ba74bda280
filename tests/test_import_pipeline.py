"""The importer's reader process (issue 4, point 10): reading and loading overlap in two
processes, with the same outcome as reading in the importing process, and failures of the
reader stop the import without writing anything."""

import json
import os
import threading
from pathlib import Path

import pytest

from trials.loading import importer, reader_process
from trials.loading.importer import run_import
from trials.models import ImportRun, PossibleDuplicate, RawDocument, SourceRecord, Trial

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
SINGLE = DATA / "ctgov-json" / "in" / "single-study.json"


def _download(tmp_path: Path, n: int = 30) -> Path:
    """n studies of one download; two share a title and sponsor (possible duplicates), one
    is out of scope, and the last is cut short (the ones before it still load)."""
    study = json.loads(SINGLE.read_text(encoding="utf-8"))
    studies = []
    for i in range(n):
        s = json.loads(json.dumps(study))
        ident = s["protocolSection"]["identificationModule"]
        ident["nctId"] = f"NCT0955{i:04d}"
        for shared in ("nctIdAliases", "secondaryIdInfos", "orgStudyIdInfo", "officialTitle"):
            ident.pop(shared, None)
        ident["briefTitle"] = f"Study {i} of a drug in dermatomyositis" if i > 1 else "Twin"
        if i == 5:
            s["protocolSection"]["conditionsModule"]["conditions"] = ["Heart failure"]
            ident["briefTitle"] = "A study in heart failure"
        studies.append(s)
    text = json.dumps(studies)
    path = tmp_path / "download.json"
    path.write_text(text[: len(text) - 200], encoding="utf-8")
    return path


def _state() -> dict:
    trials = Trial.objects.order_by("key")
    return {
        "trials": list(trials.values_list("key", "title", "status", "conditions", "countries")),
        "records": sorted(
            json.dumps(r, sort_keys=True) for r in trials.values_list("record", flat=True)
        ),
        "sources": sorted(SourceRecord.objects.values_list("source_key", flat=True)),
        "documents": sorted(RawDocument.objects.values_list("sha256", flat=True)),
        "duplicates": PossibleDuplicate.objects.count(),
    }


def _run(path: Path, monkeypatch, *, fork: bool, **kwargs):
    monkeypatch.setattr(reader_process, "can_fork", lambda: fork)
    return run_import([str(path)], **kwargs)


def test_reading_in_a_second_process_loads_what_reading_here_loads(tmp_path, monkeypatch):
    path = _download(tmp_path)
    results = {}
    for fork in (False, True):
        Trial.objects.all().delete()
        RawDocument.objects.exclude(records__isnull=False).delete()
        result = _run(path, monkeypatch, fork=fork)
        results[fork] = (
            result.counts.values,
            [[name.rpartition("/")[2], reason] for name, reason in result.errors],
            result.skipped_reasons,
            _state(),
        )
    assert results[True] == results[False]
    counts, errors, skipped, state = results[True]
    assert counts["created"] == 28  # 30, less the one out of scope and the one cut short
    assert skipped == {"out of scope: no skin condition": 1}
    assert [name for name, _ in errors] == ["download.json"]
    assert errors[0][1].startswith("malformed JSON (study 30: ")
    assert state["duplicates"] == 1


def test_the_reader_process_is_used_when_the_process_has_one_thread(monkeypatch):
    started = []
    real = reader_process.in_reader_process

    def spy(events, paths):
        started.append(os.getpid())
        return real(events, paths)

    monkeypatch.setattr(reader_process, "in_reader_process", spy)
    if reader_process.can_fork():
        run_import([str(SINGLE)], keep_all=True)
        # The thread that received the reader's chunks is gone: the next import forks too.
        run_import([str(SINGLE)], keep_all=True)
        assert started == [os.getpid(), os.getpid()]
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not reader_process.can_fork()  # a forked child would inherit others' locks
    finally:
        stop.set()
        thread.join()


def test_a_crash_in_the_reader_process_stops_the_import_and_writes_nothing(tmp_path, monkeypatch):
    path = _download(tmp_path)
    before, runs = _state(), ImportRun.objects.count()

    def broken(record, mappings):
        raise KeyError("a bug of the reader process, outside any reader")

    monkeypatch.setattr("trials.loading.importer.apply_value_mappings", broken)
    with pytest.raises(RuntimeError, match=r"(?s)the reader process failed:.*KeyError"):
        _run(path, monkeypatch, fork=True)
    assert _state() == before
    assert ImportRun.objects.count() == runs


@pytest.mark.parametrize("fork", [False, True])
def test_a_study_the_reader_cannot_read_fails_alone(tmp_path, monkeypatch, fork):
    """A value of a type the API never writes (`"collaborators": [null]`, `"minimumAge": 18`)
    in one study of a download: the others load, and the import names the one left out."""
    data = json.loads(SINGLE.read_text(encoding="utf-8"))
    good = []
    for i in range(4):
        study = json.loads(json.dumps(data))
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT0966{i:04d}"
        good.append(study)
    good[1]["protocolSection"]["sponsorCollaboratorsModule"] = {"leadSponsor": "not an object"}
    good[2]["protocolSection"]["eligibilityModule"] = {"minimumAge": 18}
    download = tmp_path / "mixed.json"
    download.write_text(json.dumps({"studies": good}), encoding="utf-8")
    result = _run(download, monkeypatch, fork=fork, keep_all=True)
    assert result.counts.values["created"] + result.counts.values["updated"] == 2
    ((name, reason),) = result.errors
    assert name == str(download)
    assert reason.startswith("2 of 4 study records could not be read (the others were): study 2")
    assert "NCT09660001" in reason and "NCT09660002" in reason


def test_a_reader_process_that_dies_stops_the_import_and_writes_nothing(tmp_path, monkeypatch):
    path = _download(tmp_path)
    before = _state()
    real = importer._Importer._events

    def dying(self, paths):
        yield from list(real(self, paths))[:3]
        os._exit(3)

    monkeypatch.setattr(importer._Importer, "_events", dying)
    with pytest.raises(RuntimeError, match=r"the reader process ended early \(exit 3\)"):
        _run(path, monkeypatch, fork=True)
    assert _state() == before


def test_a_document_stored_meanwhile_by_another_import_is_reused(monkeypatch):
    """COPY's unique violation is Django's IntegrityError, so the loader's fallback catches it:
    here the look-up for stored documents misses one that is there (as when a concurrent import
    stores it between the look-up and the COPY)."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from trials.loading import copy as copy_module
    from trials.loading.loader import Loader

    loader = Loader()
    stored = loader.document(b"{}", "first", "ctgov-json")
    again = loader.prepare_document(b"{}", "again", "ctgov-json")
    plan = copy_module.layout(RawDocument, "id")
    with pytest.raises(IntegrityError), transaction.atomic():
        (head,) = plan.prefixes([(-1,)], timezone.now())
        row = head + again.rest
        copy_module.copy_binary(RawDocument, plan.columns(), [row])
    real_filter = RawDocument.objects.filter

    def blind(*args, **kwargs):
        if "sha256__any" in kwargs:
            return RawDocument.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(RawDocument.objects, "filter", blind)
    documents = loader.documents(
        [
            loader.prepare_document(b"{}", "second", "ctgov-json"),
            loader.prepare_document(b"[]", "new", "ctgov-json"),
        ]
    )
    assert documents[0].pk == stored.pk
    assert documents[1].pk is not None and documents[1].name == "new"


def test_the_import_looks_up_its_keys_by_index(tmp_path, monkeypatch):
    """Inside the import's transaction the tables grow without statistics, and the planner
    would scan the whole table for a batch's few hundred keys, every batch. The import's
    look-ups (as the loader makes them) use the indexes whatever the table's size."""
    from django.db.models.functions import Lower

    from trials.loading.loader import Loader
    from trials.models import Identifier

    keys = [f"nct{i:08d}" for i in range(500)]
    lookups = {
        "identifiers": lambda: Identifier.objects.filter(norm__any=keys),
        "sources": lambda: SourceRecord.objects.filter(source_key__any=keys),
        "documents": lambda: RawDocument.objects.filter(sha256__any=keys),
        "titles": lambda: Trial.objects.annotate(t=Lower("title")).filter(t__any=keys),
    }
    plans = {}
    load_many = Loader.load_many

    def spy(self, *args, **kwargs):
        plans.update({name: query().explain() for name, query in lookups.items()})
        return load_many(self, *args, **kwargs)

    monkeypatch.setattr(Loader, "load_many", spy)
    _run(_download(tmp_path, 3), monkeypatch, fork=False)
    assert set(plans) == set(lookups)
    for name, plan in plans.items():
        assert "Seq Scan" not in plan, (name, plan)
    # Put back after the import, though this test's transaction goes on.
    assert "Seq Scan" in Identifier.objects.filter(norm__any=keys).explain()


def test_a_download_imported_again_is_told_unchanged_without_a_query_a_record(
    tmp_path, monkeypatch
):
    """Re-importing a download (a curator's daily refresh) finds every record unchanged with
    the batch's queries, not with a savepoint and a query for each record."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = {}
    for n in (12, 36):
        path = _download(tmp_path, n)
        _run(path, monkeypatch, fork=False)
        with CaptureQueriesContext(connection) as captured:
            result = _run(path, monkeypatch, fork=False)
        # n - 1 read (the last is cut short), one of them out of scope.
        assert result.counts.values["unchanged"] == n - 2
        assert result.counts.values["updated"] == result.counts.values["created"] == 0
        queries[n] = len(captured)
    assert queries[12] == queries[36]
