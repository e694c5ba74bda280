"""The date filters (facets.DATE_RANGES: `start_from`, `start_to`; `end_from`, `end_to`): a
year, a month or a day at either end, read from the words too ("psoriasis trials started in
2023"), a chip and a form on the page, a 400 naming the parameter under the API. Counts against
the ORM: tests/test_search_exact.py."""

import datetime

import pytest
from django.http import QueryDict

from trials.alerts import searches
from trials.models import Trial
from trials.search import facets, readings
from trials.search.engine import search
from trials.search.params import TrialFilterSet, parse, understand

D = datetime.date


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2023", D(2023, 1, 1), D(2023, 12, 31)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2023-2", D(2023, 2, 1), D(2023, 2, 28)),
        ("2020-05-17", D(2020, 5, 17), D(2020, 5, 17)),
        (" 1999 ", D(1999, 1, 1), D(1999, 12, 31)),
    ],
)
def test_a_period_is_its_first_and_last_days(value, first, last):
    assert facets.period(value) == (first, last)


@pytest.mark.parametrize(
    "value", ["", "23", "2023-13", "2023-02-30", "1850", "2150", "2023/05", "May 2023", "20233"]
)
def test_other_values_are_no_period(value):
    assert facets.period(value) is None


IN_2023 = [("start_from", "2023"), ("start_to", "2023")]


def _both(first: str, last: str) -> list[tuple[str, str]]:
    return [("start_from", first), ("start_to", last)]


def _read(text: str) -> list[tuple[str, str]]:
    return [(reading.parameter, reading.value) for reading in readings.read(text)]


def _rest(text: str) -> str:
    return readings.without(text, [span for r in readings.read(text) for span in r.spans])


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("psoriasis trials started in 2023", IN_2023, "psoriasis trials"),
        ("new scleroderma trials 2023", IN_2023, "new scleroderma trials"),
        ("lupus studies since 2020", [("start_from", "2020")], "lupus studies"),
        ("acne trials that began after 2019", [("start_from", "2020")], "acne trials that"),
        ("trials before 2010 for vitiligo", [("start_to", "2009")], "trials for vitiligo"),
        ("trials started between 2018 and 2020", _both("2018", "2020"), "trials"),
        ("eczema trials from 2018 to 2020", _both("2018", "2020"), "eczema trials"),
        ("acne trials started 2018-2020", _both("2018", "2020"), "acne trials"),
        ("acne scar studies 2019 or later", [("start_from", "2019")], "acne scar studies"),
        ("trials for eczema that started in 2022", _both("2022", "2022"), "trials for eczema that"),
        ("trials starting in March 2025", _both("2025-03", "2025-03"), "trials"),
        ("trials started after December 2024", [("start_from", "2025-01")], "trials"),
        ("trials started before January 2020", [("start_to", "2019-12")], "trials"),
        ("ensayos iniciados en 2023 lupus", IN_2023, "ensayos lupus"),
        ("Psoriasis Studien seit 2022", [("start_from", "2022")], "Psoriasis Studien"),
    ],
)  # fmt: skip
def test_start_dates_said_are_read(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "my eczema started in 2010, any trials?",  # the disease's start, not the trials'
        "trials for my son whose eczema started in 2020",
        "trials? my psoriasis began in 2015",
        "EudraCT trial 2015-001894-41",  # an ID, not a year
        "trial 2019/2020 lupus",
        "trials started in 1850",  # no year a trial started
        "psoriasis since 2015",  # no word for trials
        "trials 2020-2018",  # a range backwards
    ],
)
def test_other_years_are_not_start_dates(typed):
    assert not {parameter for parameter, _ in _read(typed)} & {"start_from", "start_to"}


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("dermatomyositis trials that started in the 1990s", _both("1990", "1999")),
        ("lupus trials since the 2010s", [("start_from", "2010")]),
        ("psoriasis studies begun before the 2000s", [("start_to", "1999")]),
        ("2022年以后登记的类风湿关节炎临床试验", [("start_from", "2022")]),
        ("2023年开始的银屑病临床试验", IN_2023),
        ("2023年に開始された乾癬の治験", IN_2023),
        ("2020年以降のアトピー性皮膚炎の臨床試験", [("start_from", "2020")]),
        ("2015年以前的狼疮研究", [("start_to", "2014")]),
        ("我妈妈2010年开始得红斑狼疮，有没有临床试验", []),  # when she fell ill
        ("2010年に乾癬と診断されました。治験はありますか", []),
    ],
)
def test_decades_and_chinese_and_japanese_years_are_read(typed, read):
    """Through the form's reading, which cuts Chinese and Japanese into words first."""
    _, understood = understand(_params(q=typed))
    assert [(r.parameter, r.value) for r in understood if r.parameter.startswith("start")] == read


def _params(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data[name] = value
    return data


@pytest.mark.django_db
def test_parse_makes_dates_of_the_periods_and_names_a_bad_one():
    query, errors = parse(_params(start_from="2020-05", start_to="2022"))
    assert not errors
    assert query.dates == {"start": (D(2020, 5, 1), D(2022, 12, 31))}
    query, errors = parse(_params(start_from="2020-13", start_to="last year"))
    assert set(errors) == {"start_from", "start_to"}
    assert errors["start_from"].startswith("start_from='2020-13': a year (2023), a month")
    assert query.dates == {}


@pytest.mark.django_db
def test_an_explicit_start_date_switches_the_reading_off():
    query, _ = parse(_params(q="psoriasis trials started in 2023", start_from="2010"))
    assert query.dates == {"start": (D(2010, 1, 1), None)}


@pytest.fixture
def started_trials(db):
    for key, title, start in [
        ("PSO-2023", "Psoriasis cream", D(2023, 4, 2)),
        ("PSO-2019", "Psoriasis tablets", D(2019, 1, 15)),
        ("PSO-NONE", "Psoriasis light", None),
        ("ECZ-2023", "Eczema cream", D(2023, 11, 30)),
        ("ECZ-2024", "Eczema tablets", D(2024, 1, 1)),
    ]:
        Trial.objects.create(key=key, record={}, title=title, start_date=start)


def _keys(result) -> list[str]:
    return [hit.key for hit in result.trials]


@pytest.mark.django_db
def test_the_filter_keeps_the_trials_started_then(started_trials):
    query, _ = parse(_params(start_from="2023", start_to="2023"))
    assert sorted(_keys(search(query))) == ["ECZ-2023", "PSO-2023"]
    query, _ = parse(_params(start_to="2019"))  # no start date: left out
    assert [key for key in _keys(search(query)) if key.startswith(("PSO", "ECZ"))] == ["PSO-2019"]


@pytest.mark.django_db
def test_a_start_date_read_lists_the_trials_started_then_first(started_trials):
    """Fewer than words.FILL_BELOW psoriasis trials started in 2023: that one first, then the
    other psoriasis trials (as a status read fills); the ORM reference agrees."""
    data = _params(q="psoriasis trials started in 2023")
    query, errors = parse(data)
    assert not errors and query.q == "psoriasis trials"
    result = search(query)
    assert _keys(result)[0] == "PSO-2023"
    assert sorted(_keys(result)) == ["PSO-2019", "PSO-2023", "PSO-NONE"]
    assert result.read_first == 1
    reference = TrialFilterSet(data=data, queryset=Trial.objects.all()).qs
    assert sorted(reference.values_list("key", flat=True)) == sorted(_keys(result))


@pytest.mark.django_db
def test_the_page_shows_a_chip_the_form_and_each_trials_start(client, started_trials):
    response = client.get("/", {"start_from": "2023", "start_to": "2023", "q": "cream"})
    chips = {chip["text"]: chip["url"] for chip in response.context["chips"]}
    assert chips["Start date: 2023"] == "?q=cream"  # one chip removes both ends
    html = response.content.decode()
    assert 'name="start_from" value="2023"' in html and 'name="start_to" value="2023"' in html
    assert "<dt>Start</dt><dd>Apr 2023</dd>" in html
    response = client.get("/", {"start_from": "2020-06"})
    assert "Start date: from June 2020" in {chip["text"] for chip in response.context["chips"]}
    response = client.get("/", {"start_to": "2019-01-15"})
    assert "Start date: until 15 January 2019" in {
        chip["text"] for chip in response.context["chips"]
    }


@pytest.mark.django_db
def test_the_page_says_what_it_read_and_a_bad_value_is_a_notice(client, started_trials):
    response = client.get("/", {"q": "psoriasis trials started in 2023"})
    (said,) = response.context["understood"]
    assert said["sentence"] == "Showing trials whose start date is in 2023"
    assert said["url"] == "?q=psoriasis+trials"
    assert "1 trial has the dates you said (“started in 2023”)" in response.content.decode()
    response = client.get("/", {"start_from": "soon"})
    assert response.status_code == 200
    assert "start_from=&#x27;soon&#x27;: a year (2023)" in response.content.decode()


@pytest.mark.django_db
def test_the_page_runs_as_many_queries_with_the_filter(
    client, started_trials, django_assert_num_queries
):
    client.get("/")
    with django_assert_num_queries(2):
        client.get("/", {"start_from": "2020", "sort": "start"})
    with django_assert_num_queries(3):
        client.get("/", {"start_from": "2020", "q": "psoriasis"})


@pytest.mark.django_db
def test_the_api_says_the_dates_and_refuses_a_bad_value(client, started_trials):
    answer = client.get("/api/trials/", {"start_from": "2023-11"}).json()
    assert answer["started"] == {"from": "2023-11-01", "to": None}
    assert sorted(item["trial_id"] or "" for item in answer["results"]) == ["", ""]
    assert answer["count"] == 2
    assert client.get("/api/trials/").json()["started"] is None
    response = client.get("/api/trials/", {"start_to": "2023-02-30"})
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "start_to"


@pytest.mark.django_db
def test_a_saved_search_keeps_the_dates_and_the_region():
    canonical, errors = searches.canonical(
        _params(q="psoriasis trials started in 2023", region="Maryland")
    )
    assert not errors
    assert canonical == (
        "q=psoriasis+trials&region=Maryland&start_from=2023-01-01&start_to=2023-12-31"
    )
    assert searches.describe(canonical) == (
        "“psoriasis trials” · In Maryland · Start date 2023-01-01 to 2023-12-31"
    )


# --- The end dates: the same declaration (facets.DATE_RANGES), the record's `completion` -----


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (
            "sjogrens syndrome research that finished in 2020 or later",
            [("status", "COMPLETED"), ("end_from", "2020")],
        ),
        (
            "eczema studies that ended in 2024 or 2025",
            [("status", "COMPLETED"), ("end_from", "2024"), ("end_to", "2025")],
        ),
        ("psoriasis trials ending in 2026", [("end_from", "2026"), ("end_to", "2026")]),
        ("lupus trials completed before 2015", [("status", "COMPLETED"), ("end_to", "2014")]),
        ("completed psoriasis studies", [("status", "COMPLETED")]),  # no date: the status
    ],
)
def test_end_dates_said_are_read(typed, read):
    assert _read(typed) == read


@pytest.fixture
def ending_trials(db):
    for key, title, end in [
        ("END-2021", "Vitiligo cream", D(2021, 3, 1)),
        ("END-2025", "Vitiligo light", D(2025, 12, 31)),
        ("END-NONE", "Vitiligo tablets", None),
    ]:
        Trial.objects.create(key=key, record={}, title=title, completion_date=end)


@pytest.mark.django_db
def test_the_end_date_filter_on_the_page_and_the_api(client, ending_trials):
    query, errors = parse(_params(end_from="2022"))
    assert not errors and query.dates == {"end": (D(2022, 1, 1), None)}
    assert [hit.key for hit in search(query).trials if hit.key.startswith("END")] == ["END-2025"]
    response = client.get("/", {"end_to": "2021-03", "q": "vitiligo"})
    assert [hit.key for hit in response.context["result"].trials] == ["END-2021"]
    chips = {chip["text"] for chip in response.context["chips"]}
    assert "End date: until March 2021" in chips
    assert "<dt>End</dt><dd>Mar 2021</dd>" in response.content.decode()
    answer = client.get("/api/trials/", {"q": "vitiligo", "end_from": "2025"}).json()
    assert answer["ends"] == {"from": "2025-01-01", "to": None} and answer["started"] is None
    assert [item["key"] for item in answer["results"]] == ["END-2025"]
    assert client.get("/api/trials/", {"end_to": "someday"}).status_code == 400


@pytest.mark.django_db
def test_the_loader_and_the_migration_read_the_records_end_date(ending_trials):
    """The loader's column (columns.DERIVED) and the migration that filled the stored trials'
    (0031) read the record's `completion` alike: a month is its first day."""
    import importlib

    from django.apps import apps

    from trials.loading.columns import DERIVED

    migration = importlib.import_module("trials.migrations.0031_completion_date")
    for said, day in [("2024-05", D(2024, 5, 1)), ("2023-02-28", D(2023, 2, 28)), ("soon", None)]:
        assert DERIVED["completion_date"]({"completion": said}, None) == day
        trial = Trial.objects.create(key=f"M-{said}", record={"completion": said})
        Trial.objects.filter(pk=trial.pk).update(completion_date=None)
        migration.fill(apps, None)
        trial.refresh_from_db()
        assert trial.completion_date == day
