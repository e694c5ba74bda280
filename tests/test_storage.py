"""How trials_trial is stored (migration 0021): the columns searches read stay in the row, the
long ones go to the TOAST table, so that a broad word's matches visit few heap pages."""

import importlib

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
