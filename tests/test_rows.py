"""rows.py reads a page's trials without compiling a QuerySet: the same trials, fields, rank
and snippet as the ORM's own statement (TrialQuerySet.ranked), for any words and ids."""

import numpy as np
import pytest
from django.db import connection

from trials.models import RANKED_ORDER, Ids, Trial, ids
from trials.search import engine, rows

pytestmark = pytest.mark.django_db

FIELDS = engine.RESULT_FIELDS


@pytest.fixture
def trials():
    made = []
    for n, (title, summary, criteria) in enumerate(
        [
            ("Lupus of the skin", "A lupus trial of lupus lesions.", "Adults with lupus."),
            ("Psoriasis in adults", "Plaque psoriasis.", "Failed methotrexate; no lupus."),
            ("Eczema and itch", "Atopic dermatitis, itch.", "Children with eczema."),
            ("Lupus nephritis", "", "Biopsy-proven lupus nephritis; not discoid lupus."),
        ]
    ):
        made.append(
            Trial.objects.create(
                key=f"ROWS-{n}",
                record={},
                title=title,
                text_summary=summary,
                text_criteria=criteria,
                conditions=["lupus"] if "upus" in title else [],
            )
        )
    return [trial.pk for trial in made]


def _orm(words, search_type, pks, page=None):
    found = Trial.objects.only(*FIELDS).ranked(words, search_type=search_type).with_pks(pks)
    if page is None:
        return list(found)
    return list(found.order_by(*RANKED_ORDER)[page])


def _as_compared(found):
    return sorted(
        ([getattr(t, name) for name in FIELDS], t.pk, round(t.rank, 6), t.headline) for t in found
    )


@pytest.mark.parametrize(
    ("words", "search_type"),
    [("lupus", "websearch"), ("lupus -nephritis", "websearch"), ("itch | lupus", "raw")],
)
@pytest.mark.parametrize("page", [None, slice(0, 2), slice(1, 3), slice(0, 20)])
def test_ranked_by_pk_is_the_orms_statement(trials, words, search_type, page):
    ours = rows.ranked_by_pk(FIELDS, words, search_type, trials, page)
    theirs = _orm(words, search_type, trials, page)
    if page is None:
        assert _as_compared(ours) == _as_compared(theirs)
    else:  # the page itself, in its order
        assert [t.pk for t in ours] == [t.pk for t in theirs]
        assert [(t.rank, t.headline) for t in ours] == [(t.rank, t.headline) for t in theirs]
    assert all(t.get_deferred_fields() == theirs[0].get_deferred_fields() for t in ours)


def test_ranked_by_pk_reads_only_the_ids_given(trials):
    assert rows.ranked_by_pk(FIELDS, "lupus", "websearch", []) == []
    found = rows.ranked_by_pk(FIELDS, "lupus", "websearch", trials[:1], slice(0, 20))
    assert [t.pk for t in found] == trials[:1]
    assert found[0].headline.startswith(("s", "c"))  # HEADLINE_PARTS: which text it shows


def test_ids_bind_as_one_bigint_array_of_integers_only():
    # models.Ids: a search's hits bound as one parameter, dumped by joining them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::bigint[]", [Ids([3, 1, 2])])
        assert cursor.fetchone()[0] == [3, 1, 2]
        cursor.execute("SELECT cardinality(%s::bigint[])", [Ids(np.arange(1400))])
        assert cursor.fetchone()[0] == 1400
        cursor.execute("SELECT %s::bigint[]", [Ids()])
        assert cursor.fetchone()[0] == []
        with pytest.raises(ValueError):  # never text: nothing else reaches the statement
            cursor.execute("SELECT %s::bigint[]", [Ids(["1}; SELECT 1"])])
    assert ids(already := Ids([1])) is already and ids([1]) == Ids([1])
