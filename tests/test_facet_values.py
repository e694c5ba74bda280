"""A facet's values over every live row (a search with no filter but the facet's own) are made
once for the index's rows and the vocabulary's labels (engine._all_values): they must follow
both, and mark and order a selection as counting afresh would."""

import pytest

from trials.models import Condition, Trial
from trials.search import cache, engine, labels
from trials.search.engine import Query, search
from trials.search.index import get_index

pytestmark = pytest.mark.django_db


def _condition_values(*selected: str):
    facets = {"condition": list(selected)} if selected else {}
    return search(Query(facets=facets)).facets["condition"]


def _counted_afresh(*selected: str):
    """The values from the index's counts, ordered here: selected first (uncounted ones with
    0), then the biggest counts, then by label."""
    index = get_index()
    facet = next(facet for facet in index.facets if facet.name == "condition")
    label = facet.labeller()
    counts = {**dict.fromkeys(selected, 0), **index.counts("condition", None)}
    values = [
        engine.FacetValue(value, label(value), count, value in selected)
        for value, count in counts.items()
    ]
    return tuple(sorted(values, key=lambda v: (not v.selected, -v.count, v.label.lower(), v.value)))


def test_values_over_every_row_follow_the_rows_the_labels_and_the_selection():
    Condition.objects.update_or_create(slug="fv-psoriasis", defaults={"label": "FV psoriasis"})
    Condition.objects.update_or_create(slug="fv-vitiligo", defaults={"label": "FV vitiligo"})
    cache.reset()
    Trial.objects.create(key="FV-1", record={}, title="One", conditions=["fv-psoriasis"])
    before = {value.value: value for value in _condition_values()}
    assert before["fv-psoriasis"].count == 1 and "fv-vitiligo" not in before
    Trial.objects.create(
        key="FV-2", record={}, title="Two", conditions=["fv-psoriasis", "fv-vitiligo"]
    )
    after = {value.value: value for value in _condition_values()}
    assert after["fv-psoriasis"].count == 2 and after["fv-vitiligo"].count == 1
    assert _condition_values() == _counted_afresh()

    Condition.objects.filter(slug="fv-vitiligo").update(label="FV vitiligo, segmental")
    cache.VOCABULARY.clear()  # the vocabulary read again (its TTL, a curator's edit)
    relabelled = {value.value: value.label for value in _condition_values()}
    assert relabelled["fv-vitiligo"] == "FV vitiligo, segmental"

    for selected in (["fv-vitiligo"], ["fv-vitiligo", "fv-psoriasis"], ["fv-none", "fv-vitiligo"]):
        values = _condition_values(*selected)
        assert values == _counted_afresh(*selected)
        assert [value.value for value in values if value.selected] == [
            value.value for value in values[: len(selected)]
        ]


def test_a_re_read_vocabulary_keeps_the_labels_made_while_its_terms_are_the_same():
    """After the vocabulary's TTL the tables are read again; the labels (and the values made
    from them) are kept when nothing changed, and made again when a label did."""
    Condition.objects.update_or_create(slug="fv-acne", defaults={"label": "FV acne"})
    cache.reset()
    Trial.objects.create(key="FV-3", record={}, title="Three", conditions=["fv-acne"])
    facet = next(facet for facet in get_index().facets if facet.name == "condition")
    _condition_values()
    made = labels.memo(facet)
    assert made.get("fv-acne") == "FV acne"

    cache.VOCABULARY.clear()  # the TTL: read again, the same terms
    assert labels.memo(facet) is made
    assert {value.value: value.label for value in _condition_values()}["fv-acne"] == "FV acne"

    Condition.objects.filter(slug="fv-acne").update(label="FV acne vulgaris")
    cache.VOCABULARY.clear()
    assert labels.memo(facet) is not made
    assert {v.value: v.label for v in _condition_values()}["fv-acne"] == "FV acne vulgaris"
