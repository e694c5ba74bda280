"""Words searched again take their page from the order their matches were ranked in once
(engine._rank_order, cache.RANK_ORDERS): the same pages, in the same order, as ranking each
search's own matches; the first search of the words ranks only its own."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from trials.models import Trial
from trials.search import cache, engine
from trials.search.engine import search
from trials.search.params import parse

pytestmark = pytest.mark.django_db


def _keys(**params) -> list[str]:
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data[name] = value
    query, errors = parse(data)
    assert not errors, errors
    return [hit.key for hit in search(query).trials]


@pytest.fixture
def eczema_trials(monkeypatch):
    monkeypatch.setattr(engine, "RANK_ORDER_QUIET_S", 0.0)  # the trials were made just now
    # Titles that rank differently ("eczema" once, twice, in the title or not), some for
    # children, some in Spain; a few dates alike so that the order's later keys decide too.
    for n in range(30):
        title = "Eczema study" if n % 3 else "Eczema cream for eczema"
        Trial.objects.create(
            key=f"E{n:02}",
            record={},
            title=title if n % 5 else "Skin study",
            text_summary="eczema " * (n % 4),
            conditions=["atopic-dermatitis"],
            countries=["ES"] if n % 2 else ["FR"],
            min_age=2 if n % 3 == 0 else 18,
            last_updated=f"2024-01-{n % 7 + 1:02}",
        )


SEARCHES = [
    {"q": "eczema"},
    {"q": "eczema", "country": "ES"},
    {"q": "eczema", "age_group": "child"},
    {"q": "eczema", "page": "2"},
    {"q": "eczema", "country": "FR", "page": "2", "page_size": "5"},
]


def test_pages_from_the_kept_order_are_those_ranked_afresh(eczema_trials):
    cache.reset()
    kept = [_keys(**params) for params in SEARCHES]  # the second search onward: the order kept
    assert any(key[0] == "rank order" for key, _seq in cache.RANK_ORDERS)
    afresh = []
    for params in SEARCHES:
        cache.reset()  # each search ranks its own matches
        afresh.append(_keys(**params))
    assert kept == afresh
    assert all(kept)


def test_the_kept_order_saves_the_ranking_statement(eczema_trials):
    cache.reset()
    _keys(q="eczema")
    _keys(q="eczema", country="ES")  # ranks every match once, and keeps the order
    with CaptureQueriesContext(connection) as ranked:
        _keys(q="eczema", country="FR")
    statements = [query["sql"] for query in ranked.captured_queries]
    assert not any("ts_rank_cd" in sql and "LIMIT" in sql for sql in statements), statements
    # The data changed: ranked afresh.
    Trial.objects.filter(key="E01").update(title="Eczema eczema eczema")
    assert _keys(q="eczema", country="ES")[0] == "E01"


def test_no_order_is_kept_while_the_data_changes(eczema_trials, monkeypatch):
    """Right after a change (an import, a sync) an order would serve until the next one only."""
    monkeypatch.setattr(engine, "RANK_ORDER_QUIET_S", 3600.0)
    cache.reset()
    kept = [_keys(**params) for params in SEARCHES]
    assert not any(key[0] == "rank order" for key, _seq in cache.RANK_ORDERS)
    monkeypatch.setattr(engine, "RANK_ORDER_QUIET_S", 0.0)
    cache.reset()
    assert [_keys(**params) for params in SEARCHES] == kept
