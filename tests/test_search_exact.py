"""The fast engine's counts equal plain ORM counts, for hundreds of random filter combinations.

The reference is `TrialFilterSet(...).qs` (django-filter over the ORM) counted in Python; the
engine is `search.search` (the in-process facet index plus PostgreSQL full text).
"""

import random
from collections import Counter

import pytest
from django.http import QueryDict

from trials import filters
from trials.models import Phase, Status, Trial
from trials.search import FACETS, search

pytestmark = pytest.mark.django_db

CONDITIONS = ["dermatomyositis", "psoriasis", "atopic-dermatitis", "vitiligo", "pemphigus", "acne"]
DRUGS = ["lenalidomide", "abatacept", "aldesleukin", "dupilumab", "adalimumab", "methotrexate"]
COUNTRIES = ["CN", "ES", "US", "FR", "DE", "JP", "BR"]
WORDS = ["itch", "rash", "plaque", "blister", "scalp", "nail", "flare"]
COLUMN = {
    "condition": "conditions",
    "drug": "drugs",
    "phase": "phases",
    "status": "status",
    "country": "countries",
}


def _corpus(rng: random.Random, n: int = 300) -> None:
    Trial.objects.all().delete()
    trials = []
    for i in range(n):
        trials.append(
            Trial(
                key=f"X{i}",
                record={},
                title=" ".join(rng.sample(WORDS, 2)) + f" study {i}",
                status=rng.choice(Status.values),
                phases=rng.sample(Phase.values, rng.choice([0, 1, 1, 2])),
                conditions=rng.sample(CONDITIONS, rng.randint(0, 2)),
                drugs=rng.sample(DRUGS, rng.randint(0, 3)),
                countries=rng.sample(COUNTRIES, rng.randint(0, 3)),
                is_refractory=rng.random() < 0.3,
                min_age=rng.choice([None, 0.5, 12, 18]),
                max_age=rng.choice([None, 17, 65, 80]),
                sex=rng.choice([None, "ALL", "FEMALE", "MALE"]),
            )
        )
    Trial.objects.bulk_create(trials)


def _random_params(rng: random.Random) -> QueryDict:
    params = QueryDict(mutable=True)
    pools = {
        "condition": CONDITIONS,
        "drug": DRUGS,
        "phase": Phase.values,
        "status": Status.values,
        "country": COUNTRIES,
    }
    for name, pool in pools.items():
        if rng.random() < 0.35:
            params.setlist(name, rng.sample(pool, rng.randint(1, 2)))
    if rng.random() < 0.3:
        params["q"] = rng.choice([*WORDS, f"{rng.choice(WORDS)} -{rng.choice(WORDS)}"])
    if rng.random() < 0.2:
        params["refractory"] = "1"
    if rng.random() < 0.2:
        params["age"] = str(rng.choice([1, 15, 30, 70]))
    if rng.random() < 0.2:
        params["sex"] = rng.choice(["female", "male"])
    return params


def _reference_counts(params: QueryDict) -> tuple[int, dict]:
    fs = filters.TrialFilterSet(data=params, queryset=Trial.objects.all())
    total = fs.qs.count()
    facets = {}
    for name in FACETS:
        others = params.copy()
        others.pop(name, None)
        rows = filters.TrialFilterSet(data=others, queryset=Trial.objects.all()).qs
        counter = Counter()
        for value in rows.values_list(COLUMN[name], flat=True):
            counter.update(value if isinstance(value, list) else [value])
        facets[name] = dict(counter)
    return total, facets


def test_engine_counts_equal_plain_orm_counts():
    rng = random.Random(20261122)
    _corpus(rng)
    for _ in range(250):
        params = _random_params(rng)
        query, errors = filters.parse(params)
        assert not errors, errors
        result = search(query)
        total, facets = _reference_counts(params)
        assert result.count == total, params.urlencode()
        for name in FACETS:
            got = {v.value: v.count for v in result.facets[name] if v.count}
            assert got == facets[name], f"{name} for ?{params.urlencode()}"
