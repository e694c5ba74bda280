"""A facet is one declaration: facets declared here, in test code only, work end to end.

`big` is derived (a test on the enrollment column); `locked` is a multi-valued column already on
Trial (the fields curators locked). Nothing else is changed: the index, the exact counts, the
parameter validation, the API's `facets`, the page's sidebar and chips, and the admin's list
filters all follow the declarations.
"""

import random
from collections import Counter

import pytest
from django.db.models import Q
from django.http import QueryDict

from trials.models import Phase, Status, Trial
from trials.search import facets, index
from trials.search.engine import search
from trials.search.facets import Choice, Facet, Kind, Predicate
from trials.search.params import TrialFilterSet, parse

pytest_plugins = ["tests.curators"]  # the curator fixtures

pytestmark = pytest.mark.django_db

BIG = Facet(
    "big",
    "Size",
    Kind.BOOLEAN,
    choices=(
        Choice(
            "1",
            "100 participants or more",
            Predicate(
                Q(enrollment__gte=100),
                lambda columns: columns["enrollment"] >= 100,
                ("enrollment",),
            ),
        ),
    ),
    sidebar=10,
)
LOCKED = Facet("locked", "Locked by a curator", Kind.MULTI, "locked_fields", sidebar=11, admin=8)
FIELDS = ["title", "status", "phases", "conditions"]


@pytest.fixture(autouse=True)
def declared(monkeypatch):
    monkeypatch.setattr(facets, "FACETS", (*facets.FACETS, BIG, LOCKED))


def _corpus(rng: random.Random, n: int = 200) -> None:
    Trial.objects.all().delete()
    Trial.objects.bulk_create(
        Trial(
            key=f"X{i}",
            record={},
            title=f"Study {i}",
            status=rng.choice(Status.values),
            phases=rng.sample(Phase.values, rng.choice([0, 1, 2])),
            enrollment=rng.choice([None, 20, 99, 100, 400]),
            locked_fields=rng.sample(FIELDS, rng.randint(0, 2)),
        )
        for i in range(n)
    )


def _reference(params: QueryDict, name: str) -> dict[str, int]:
    """One facet's counts by the plain ORM: every filter but the facet's own."""
    others = params.copy()
    others.pop(name, None)
    rows = TrialFilterSet(data=others, queryset=Trial.objects.all()).qs
    if name == "big":
        count = rows.filter(enrollment__gte=100).count()
        return {"1": count} if count else {}
    return dict(
        Counter(
            field for fields in rows.values_list("locked_fields", flat=True) for field in fields
        )
    )


def test_declared_facets_are_indexed_and_counted_exactly():
    rng = random.Random(12)
    _corpus(rng)
    for _ in range(40):
        params = QueryDict(mutable=True)
        if rng.random() < 0.5:
            params["big"] = "1"
        if rng.random() < 0.5:
            params.setlist("locked", rng.sample(FIELDS, rng.randint(1, 2)))
        if rng.random() < 0.4:
            params["status"] = rng.choice(Status.values)
        query, errors = parse(params)
        assert not errors, errors
        result = search(query)
        reference = TrialFilterSet(data=params, queryset=Trial.objects.all()).qs
        assert result.count == reference.count(), params.urlencode()
        for name in ("big", "locked"):
            got = {value.value: value.count for value in result.facets[name] if value.count}
            assert got == _reference(params, name), f"{name} for ?{params.urlencode()}"
    assert set(index.get_index().values("locked")) == set(FIELDS)


def test_the_api_lists_the_declared_facets_and_validates_them(client):
    Trial.objects.filter(trial_id="NCT01408199").update(enrollment=150, locked_fields=["title"])
    body = client.get("/api/trials/").json()
    assert body["facets"]["big"] == [
        {"value": "1", "label": "100 participants or more", "count": 1}
    ]
    assert body["facets"]["locked"] == [{"value": "title", "label": "title", "count": 1}]
    narrowed = client.get("/api/trials/", {"big": "1"}).json()
    assert [trial["trial_id"] for trial in narrowed["results"]] == ["NCT01408199"]
    error = client.get("/api/trials/", {"locked": "sponsor"})
    assert error.status_code == 400
    assert error.json()["error"]["parameter"] == "locked"


def test_the_page_shows_the_declared_facets_in_the_sidebar_and_chips(client):
    Trial.objects.filter(trial_id="NCT01408199").update(enrollment=150, locked_fields=["title"])
    html = client.get("/").content.decode()
    assert '<h3 id="facet-big">Size</h3>' in html
    assert '<h3 id="facet-locked">Locked by a curator</h3>' in html
    assert 'href="?big=1"' in html
    assert "100 participants or more" in html
    chosen = client.get("/", {"big": "1"}).content.decode()
    assert "Size: 100 participants or more" in chosen  # the chip
    notice = client.get("/", {"big": "2"}).content.decode()
    assert "unknown big &#x27;2&#x27;" in notice


def test_the_admin_filters_by_a_declared_facet(curator_client):
    Trial.objects.filter(trial_id="NCT01408199").update(locked_fields=["title"])
    response = curator_client.get("/admin/trials/trial/", {"locked_fields": "title"})
    assert [trial.key for trial in response.context["cl"].result_list] == ["NCT01408199"]
    assert "locked by a curator" in response.content.decode()
