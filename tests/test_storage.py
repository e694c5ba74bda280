"""How trials_trial is stored (migration 0021): the columns searches read stay in the row, the
long ones go to the TOAST table, so that a broad word's matches visit few heap pages."""

import importlib
from datetime import date

import pytest
from django.db import connection

from trials.models import SEARCH_ONLY_FIELDS, Trial
from trials.search.engine import RESULT_FIELDS
from trials.search.index import FacetIndex

pytestmark = pytest.mark.django_db
narrow = importlib.import_module("trials.migrations.0021_trial_narrow_heap")


def _storage() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute"
            " WHERE attrelid = 'trials_trial'::regclass AND attnum > 0 AND NOT attisdropped"
        )
        return dict(cursor.fetchall())


def _column(name: str) -> str:
    return Trial._meta.get_field(name).column


def test_what_searches_read_stays_in_the_row():
    storage = _storage()
    read = {_column(name) for name in RESULT_FIELDS} | set(FacetIndex().row_layout())
    # 'p': fixed-length (numbers, dates, booleans), always in the row; 'm': kept in the row,
    # compressed if need be.
    moved = {name: storage[name] for name in read if storage[name] not in ("p", "m")}
    assert not moved, f"columns searches read that may leave the row: {moved}"
    assert set(narrow.INLINE) <= {name for name, kind in storage.items() if kind == "m"}


def test_the_long_columns_leave_the_row():
    storage = _storage()
    for name in (*SEARCH_ONLY_FIELDS, "record", "provenance", "conflicts"):
        # EXTENDED (compressed, then moved out) or EXTERNAL (moved out as it is)
        assert storage[_column(name)] in ("x", "e"), name
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'trials_trial'::regclass")
        assert "toast_tuple_target=128" in cursor.fetchone()[0]


def test_the_text_match_has_room_for_an_exact_bitmap():
    # trials_matching_ids (migrations 0020, 0022): through the GIN index always, with work_mem
    # for an exact bitmap of a broad word's rows (a lossy one re-reads every row's vector).
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'trials_matching_ids'")
        settings = set(cursor.fetchone()[0])
    assert {"enable_seqscan=off", "work_mem=32MB"} <= settings


def _vectors_differ() -> int:
    """Trials whose rank vector is missing or not their search vector, and rank vectors left
    without a trial."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM trials_trial t FULL JOIN trials_rankvector r"
            " ON r.trial_id = t.id WHERE (r.search, r.last_updated)"
            " IS DISTINCT FROM (t.search, t.last_updated)"
        )
        return cursor.fetchone()[0]


def test_the_rank_vectors_stay_in_their_rows_and_follow_every_write():
    # Ranking reads RankVector's rows (migration 0023): in the row, never compressed.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attstorage, c.reloptions FROM pg_attribute a JOIN pg_class c"
            " ON c.oid = a.attrelid WHERE a.attrelid = 'trials_rankvector'::regclass"
            " AND a.attname = 'search'"
        )
        assert cursor.fetchone() == ("m", ["toast_tuple_target=8160"])
    before = Trial.objects.count()
    trial = Trial.objects.create(key="RV-1", record={}, title="Lupus of the skin")
    Trial.objects.bulk_create([Trial(key=f"RV-{n}", record={}, title="Eczema") for n in (2, 3)])
    assert _vectors_differ() == 0 and Trial.objects.count() == before + 3
    Trial.objects.filter(pk=trial.pk).update(text_summary="Itch and pemphigus")
    trial.refresh_from_db()
    assert "pemphigus" in str(trial.rank_vector.search)
    Trial.objects.filter(key="RV-2").update(last_updated=date(2026, 1, 2))
    Trial.objects.filter(key="RV-2").update(status_verified=None)  # neither vector nor date
    Trial.objects.filter(key="RV-3").delete()
    assert _vectors_differ() == 0
    # COPY, as the importer writes: the rows of a trial written out, then in again as others.
    columns = ", ".join(f.column for f in Trial._meta.concrete_fields if not f.generated)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM trials_trial")
        first = cursor.fetchone()[0] + 1
        # The model's own columns, and an id.
        out = f"COPY (SELECT {columns} FROM trials_trial WHERE id = {trial.pk}) TO STDOUT"  # noqa: S608
        with cursor.cursor.copy(out) as copy:
            row = b"".join(bytes(block) for block in copy).decode().rstrip("\n").split("\t")
        assert columns.startswith("id, key, trial_id, ")
        with cursor.cursor.copy(f"COPY trials_trial ({columns}) FROM STDIN") as copy:
            for n in range(2):
                again = [str(first + n), f"RV-COPY-{n}", "\\N", *row[3:]]
                copy.write(("\t".join(again) + "\n").encode())
    assert _vectors_differ() == 0 and Trial.objects.count() == before + 4
