"""The fast engine's counts equal plain ORM counts, for hundreds of random filter combinations.

The reference is `TrialFilterSet(...).qs` (django-filter over the ORM) counted in Python; the
engine is `search.search` (the in-process facet index plus PostgreSQL full text).
"""

import datetime
import random
from collections import Counter

import pytest
from django.http import QueryDict

from trials.models import Phase, Status, StudyType, Trial, unconfirmed_before
from trials.search import facets
from trials.search.engine import search
from trials.search.params import TrialFilterSet, parse

FACETS = [facet.name for facet in facets.declared()]

pytestmark = pytest.mark.django_db

CONDITIONS = ["dermatomyositis", "psoriasis", "atopic-dermatitis", "vitiligo", "pemphigus", "acne"]
DRUGS = ["lenalidomide", "abatacept", "aldesleukin", "dupilumab", "adalimumab", "methotrexate"]
COUNTRIES = ["CN", "ES", "US", "FR", "DE", "JP", "BR"]
WORDS = ["itch", "rash", "plaque", "blister", "scalp", "nail", "flare"]
REGISTRIES = ["ClinicalTrials.gov", "ChiCTR", "EudraCT", "ISRCTN"]
CLASSES = ["biologics", "jak-inhibitors", "il-17-inhibitors", "tnf-inhibitors", "corticosteroids"]
THERAPIES = ["methotrexate", "biologics", "corticosteroids", "adalimumab", "tnf-inhibitors"]
COLUMN = {
    "drug_class": "drug_classes",
    "prior_therapy": "prior_therapies",
    "condition": "conditions",
    "drug": "drugs",
    "phase": "phases",
    "status": "status",
    "country": "countries",
    "study_type": "study_type",
    "registry": "registries",
}
# Yes/no facets: each value is a predicate, counted by filtering on it.
PREDICATES = {
    "sex": ["female", "male"],
    "age_group": ["child", "adult", "older_adult"],
    "refractory": ["1"],
}


def _verified_dates() -> list[datetime.date | None]:
    """When each status was last confirmed: none, long ago, either side of today's cut-off."""
    cut = unconfirmed_before()
    days = datetime.timedelta
    return [None, cut - days(2000), cut - days(1), cut, cut + days(1), datetime.date.today()]


# Start dates on either side of the periods asked for (a year's first and last days, a month's).
_START_DATES = [
    None,
    datetime.date(2019, 12, 31),
    datetime.date(2020, 1, 1),
    datetime.date(2020, 5, 31),
    datetime.date(2020, 6, 1),
    datetime.date(2021, 12, 31),
    datetime.date(2022, 1, 1),
    datetime.date(2023, 7, 14),
]
START_PERIODS = ["2019", "2020", "2020-05", "2020-06", "2021", "2022-01-01", "2023"]


def _corpus(rng: random.Random, n: int = 300, side: random.Random | None = None) -> None:
    """`side`: a generator of its own for the freshness columns, so that the other columns are
    drawn exactly as before they were added (the drug classes and failed therapies too, from
    a third: issue 14)."""
    Trial.objects.all().delete()
    trials = []
    side = side or random.Random(0)
    therapy = random.Random(14)
    starts = random.Random(40)  # start dates (session 40): the other columns drawn as before
    ends = random.Random(41)  # end dates
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
                study_type=rng.choice([None, *StudyType.values]),
                registries=rng.sample(REGISTRIES, rng.randint(1, 2)),
                status_verified=side.choice(_verified_dates()),
                drug_classes=therapy.sample(CLASSES, therapy.randint(0, 3)),
                prior_therapies=therapy.sample(THERAPIES, therapy.choice([0, 0, 1, 2])),
                start_date=starts.choice(_START_DATES),
                completion_date=ends.choice(_START_DATES),
            )
        )
    Trial.objects.bulk_create(trials)


def _random_params(
    rng: random.Random, side: random.Random | None = None, therapy: random.Random | None = None
) -> QueryDict:
    params = QueryDict(mutable=True)
    # From `therapy` (see _corpus): the other parameters are drawn as before.
    therapy = therapy or random.Random(0)
    for name, pool in (("drug_class", CLASSES), ("prior_therapy", THERAPIES)):
        if therapy.random() < 0.3:
            params.setlist(name, therapy.sample(pool, therapy.randint(1, 2)))
    pools = {
        "condition": CONDITIONS,
        "drug": DRUGS,
        "phase": Phase.values,
        "status": Status.values,
        "country": COUNTRIES,
        "study_type": StudyType.values,
        "registry": REGISTRIES,
        **PREDICATES,
    }
    for name, pool in pools.items():
        if rng.random() < 0.35:
            params.setlist(name, rng.sample(pool, rng.randint(1, min(2, len(pool)))))
    if rng.random() < 0.3:
        params["q"] = rng.choice([*WORDS, f"{rng.choice(WORDS)} -{rng.choice(WORDS)}"])
    if rng.random() < 0.15:
        params["recruiting"] = "1"
        # From `side` (see _corpus): the other parameters are drawn as before.
        if (side or random.Random(0)).random() < 0.5:
            params["include_unconfirmed"] = "1"
    if rng.random() < 0.2:
        params["age"] = str(rng.choice([1, 15, 30, 70]))
    return params


def _filtered(params: QueryDict):
    return TrialFilterSet(data=params, queryset=Trial.objects.all()).qs


def _reference_counts(params: QueryDict) -> tuple[int, dict]:
    total = _filtered(params).count()
    facets = {}
    for name in FACETS:
        others = params.copy()
        others.pop(name, None)
        if name in PREDICATES:
            counts = {}
            for value in PREDICATES[name]:
                others.setlist(name, [value])
                counts[value] = _filtered(others).count()
            facets[name] = {v: n for v, n in counts.items() if n}
            continue
        counter = Counter()
        for value in _filtered(others).values_list(COLUMN[name], flat=True):
            counter.update(value if isinstance(value, list) else [value])
        counter.pop(None, None)
        facets[name] = dict(counter)
    return total, facets


def assert_counts_exact(params: QueryDict) -> None:
    """The engine's count and every facet's counts for `params` equal the ORM's."""
    query, errors = parse(params)
    assert not errors, errors
    result = search(query)
    total, facets = _reference_counts(params)
    assert result.count == total, params.urlencode()
    for name in FACETS:
        got = {v.value: v.count for v in result.facets[name] if v.count}
        assert got == facets[name], f"{name} for ?{params.urlencode()}"


def test_engine_counts_equal_plain_orm_counts():
    rng = random.Random(20261122)
    side = random.Random(20261201)  # status_verified and include_unconfirmed (issue 13)
    therapy = random.Random(2026120114)  # drug classes and failed therapies (issue 14)
    _corpus(rng, side=side)
    for _ in range(300):  # "a few hundred" combinations (issue 3, point 4)
        params = _random_params(rng, side, therapy)
        assert_counts_exact(params)


def test_the_recruiting_switch_counts_stale_trials_out_exactly_and_back_in():
    rng = random.Random(20261201)
    _corpus(rng, side=random.Random(1))
    cut = unconfirmed_before()
    is_open = Trial.objects.filter(status__in=Status.OPEN)
    stale = is_open.filter(status_verified__lt=cut).count()
    assert stale  # the corpus has some, on both sides of the cut-off
    assert is_open.filter(status_verified=cut).exists()
    counts = {}
    for include in ("", "1"):
        params = QueryDict(mutable=True)
        params["recruiting"] = "1"
        if include:
            params["include_unconfirmed"] = include
        query, errors = parse(params)
        assert not errors
        result = search(query)
        total, facets = _reference_counts(params)
        assert result.count == total
        for name in FACETS:
            got = {v.value: v.count for v in result.facets[name] if v.count}
            assert got == facets[name], name
        counts[include] = (result.count, result.unconfirmed_left_out)
    assert counts["1"][0] - counts[""][0] == stale == counts[""][1]
    assert counts["1"][1] == 0


def test_dates_count_exactly():
    """The date filters' ends (`start_from`, `end_to`…: a year, a month, a day; either end, or
    both, of one filter or two) count as the ORM counts them, with the other filters."""
    rng = random.Random(20261206)
    _corpus(rng)
    assert Trial.objects.filter(start_date__isnull=True).exists()
    starts = random.Random(40)
    for _ in range(60):
        params = _random_params(rng)
        for name in ("start_from", "start_to", "end_from", "end_to"):
            if starts.random() < 0.4:
                params[name] = starts.choice(START_PERIODS)
        assert_counts_exact(params)
