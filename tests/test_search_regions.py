"""A US state (`region`, trials/search/regions.py): trials with a site in it, as their sites'
region says it (the state's name or code, any case). The engine's mask and the ORM's reference
agree; the search words "lupus trials in Maryland" read it; the page shows a removable chip; the
API answers 400 naming an unknown state."""

import pytest
from django.http import QueryDict

from trials.models import Site, Trial
from trials.search import readings
from trials.search.engine import search
from trials.search.params import TrialFilterSet, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def sited():
    """Trials with sites in Maryland (as its name, in capitals, as its code), Texas, a Maryland
    in another country and a US site with no region."""
    for key, sites in [
        ("MD-NAME", [("US", "Maryland")]),
        ("MD-UPPER", [("US", "MARYLAND"), ("US", "Texas")]),
        ("MD-CODE", [("US", "MD")]),
        ("TX", [("US", "Texas")]),
        ("ELSEWHERE", [("LR", "Maryland")]),  # Maryland County, Liberia
        ("NO-REGION", [("US", None)]),
    ]:
        trial = Trial.objects.create(key=key, record={}, title="Lupus study")
        for country, region in sites:
            Site.objects.create(trial=trial, country=country, region=region, city="X")


def _data(**params) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(params)
    return data


def _keys(**params) -> set[str]:
    query, errors = parse(_data(**params))
    assert not errors, errors
    result = search(query)
    reference = TrialFilterSet(data=_data(**params), queryset=Trial.objects.all()).qs
    assert result.count == reference.count()
    found = {hit.key for hit in result.trials}
    assert found == set(reference.values_list("key", flat=True))
    return found


def test_a_state_keeps_the_trials_with_a_site_in_it(sited):
    maryland = {"MD-NAME", "MD-UPPER", "MD-CODE"}
    for spelt in ("Maryland", "maryland", "MD", "md"):
        assert _keys(region=spelt) == maryland
    assert _keys(region="Texas") == {"MD-UPPER", "TX"}
    assert _keys(region="Texas", q="lupus") == {"MD-UPPER", "TX"}


def test_an_unknown_state_is_said_and_filters_nothing(client, sited):
    query, errors = parse(_data(region="Narnia"))
    assert query.region is None and "region" in errors
    response = client.get("/api/trials/", {"region": "Narnia"})
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "region"


@pytest.mark.parametrize(
    ("typed", "state", "rest"),
    [
        ("lupus trials in Maryland", "Maryland", "lupus trials"),
        ("lupus Texas", "Texas", "lupus"),
        ("lupus in Virginia", "Virginia", "lupus"),  # the state, not a town named Virginia
        ("psoriasis kids North Carolina", "North Carolina", "psoriasis"),
        # its code in capitals, at the end
        ("lupus trials MD", "Maryland", "lupus trials"),
        ("psoriasis study NY", "New York", "psoriasis study"),
        ("eczema in TX", "Texas", "eczema"),
        # a code as often medicine's, right after a word for trials
        ("scleroderma trials CT", "Connecticut", "scleroderma trials"),
        ("lupus studies PA", "Pennsylvania", "lupus studies"),
        # … or after "in" after one: the state, not a town one of whose other names it is
        ("DM trials in PA", "Pennsylvania", "DM trials"),
        ("lupus trials in AL", "Alabama", "lupus trials"),
        ("lupus trials in GA", "Georgia", "lupus trials"),
        ("eczema study in IN", "Indiana", "eczema study"),
    ],
)
def test_a_state_at_the_end_of_the_words_is_read(typed, state, rest):
    found = [(r.parameter, r.value) for r in readings.read(typed) if r.parameter == "region"]
    assert found == [("region", state)]
    spans = [span for reading in readings.read(typed) for span in reading.spans]
    assert readings.without(typed, spans) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "eczema in New York",
        "lupus Washington",
        "eczema ok",
        "lupus near Maryland Heights",
        # codes: in lower case, not at the end, or as often an abbreviation of medicine
        "lupus trials md",
        "MD lupus",
        "lupus MS",  # multiple sclerosis
        "dupilumab SC",  # subcutaneous
        "psoriasis AK",  # actinic keratosis
        "lupus LA",  # lupus anticoagulant; Los Angeles
        "lupus CT",  # a scan
        "lupus trials ct",
        "fatigue in MS",
    ],
)
def test_other_words_are_no_state(typed):
    assert "region" not in {r.parameter for r in readings.read(typed)}


def test_a_typed_state_is_a_removable_chip_and_in_the_api(client, sited):
    response = client.get("/", {"q": "lupus in Maryland"})
    result = response.context["result"]
    # Fewer than words.FILL_BELOW trials have a site there: they come first, then the others.
    assert result.read_first == 3
    assert {hit.key for hit in result.trials[:3]} == {"MD-NAME", "MD-UPPER", "MD-CODE"}
    assert {"TX", "ELSEWHERE"} <= {hit.key for hit in result.trials[3:]}
    (understood,) = response.context["understood"]
    assert understood["sentence"] == "Showing trials with a site in Maryland"
    chips = [chip["text"] for chip in response.context["chips"]]
    assert "State: Maryland — from “in Maryland”" in chips
    body = client.get("/api/trials/", {"q": "lupus in Maryland"}).json()
    assert body["region"] == "Maryland" and body["read_first"] == 3
    assert body["count"] == result.count
    assert body["understood"] == [
        {"parameter": "region", "value": "Maryland", "from": "in Maryland"}
    ]


@pytest.fixture
def provinces():
    """Trials with sites in Ontario, in Québec (as written with its accent), in Western
    Australia, and one in Ontario, California (a city, no province)."""
    for key, sites in [
        ("ON", [("CA", "Ontario")]),
        ("QC", [("CA", "Québec")]),
        ("WA-AU", [("AU", "Western Australia")]),
        ("ONTARIO-CA-US", [("US", "California")]),
    ]:
        trial = Trial.objects.create(key=key, record={}, title="Psoriasis study")
        for country, region in sites:
            Site.objects.create(trial=trial, country=country, region=region, city="Ontario")


def test_a_canadian_province_or_australian_state_keeps_the_trials_with_a_site_in_it(
    client, provinces
):
    assert _keys(region="Ontario") == {"ON"}
    assert _keys(region="quebec") == _keys(region="Québec") == {"QC"}
    assert _keys(region="Western Australia") == {"WA-AU"}
    assert _keys(region="WA") == set()  # a code is a US state's (Washington)
    # Read from the words: the province, not the Californian town of Ontario.
    found = [(r.parameter, r.value) for r in readings.read("psoriasis trials in Ontario")]
    assert found == [("region", "Ontario")]
    response = client.get("/", {"q": "psoriasis trials in Ontario"})
    assert "Province: Ontario — from “in Ontario”" in [
        chip["text"] for chip in response.context["chips"]
    ]
    assert client.get("/api/trials/", {"region": "Queensland"}).status_code == 200
    assert client.get("/api/trials/", {"region": "Atlantis"}).status_code == 400


@pytest.fixture
def bavarian():
    """Trials with a site whose region says Bavaria; in Erlangen and in München with no region
    written (registries rarely write one outside the US); in Köln (another Land); in Munich,
    North Dakota."""
    for key, country, region, city in [
        ("BY-TEXT", "DE", "Bavaria", "X"),
        ("BY-ERLANGEN", "DE", None, "Erlangen"),
        ("BY-MUENCHEN", "DE", "", "München"),
        ("NRW-KOELN", "DE", None, "Köln"),
        ("US-MUNICH", "US", "North Dakota", "Munich"),
    ]:
        trial = Trial.objects.create(key=key, record={}, title="Scleroderma study")
        Site.objects.create(trial=trial, country=country, region=region, city=city)


def test_another_countrys_region_keeps_its_sites_by_region_or_city(client, bavarian):
    """A region of regions.json: by any of its names; a site is in it by its region's words or,
    with none, by where the gazetteer places its city."""
    bavaria = {"BY-TEXT", "BY-ERLANGEN", "BY-MUENCHEN"}
    for spelt in ("Bavaria", "bayern", "Freistaat Bayern", "巴伐利亚"):
        assert _keys(region=spelt) == bavaria, spelt
    assert _keys(region="Nordrhein-Westfalen") == {"NRW-KOELN"}
    assert _keys(region="Bayern", q="scleroderma") == bavaria
    found = [(r.parameter, r.value) for r in readings.read("Sklerodermie Studie in Bayern")]
    assert found == [("region", "Bavaria")]
    response = client.get("/", {"q": "Sklerodermie Studie in Bayern"})
    chips = [chip["text"] for chip in response.context["chips"]]
    assert "Region: Bavaria, Germany — from “in Bayern”" in chips
    assert client.get("/api/trials/", {"region": "Bayern"}).json()["count"] == 3


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Sklerodermie Studie Bayern", ("region", "Bavaria")),
        ("lupus in bayern", ("region", "Bavaria")),  # in lower case, after "in"
        ("psoriasis en Cataluña", ("region", "Catalonia")),
        ("lupus Île-de-France", ("region", "Île-de-France")),  # not France
        ("eczema Saxony-Anhalt", ("region", "Saxony-Anhalt")),
        ("psoriasis trials in Ontario", ("region", "Ontario")),
        ("psoriasis lombardia", None),  # in lower case, no "in": as often a word
        ("psoriasis, rien ne marche", None),  # "nothing works", not the Marche
    ],
)
def test_another_countrys_region_at_the_end(typed, read):
    found = [(r.parameter, r.value) for r in readings.read(typed)]
    assert found == ([read] if read else []), found


def test_a_region_named_in_its_own_letters_is_read_wherever_it_stands():
    """Chinese and Korean name the place first: "广东 红斑狼疮" is lupus in Guangdong."""
    for typed, value in [
        ("广东 红斑狼疮 临床试验", "Guangdong"),
        ("红斑狼疮 广东省", "Guangdong"),
        ("경기도 건선 임상시험", "Gyeonggi"),
    ]:
        read = [(r.parameter, r.value) for r in readings.read(typed)]
        assert ("region", value) in read, (typed, read)


def test_an_area_of_several_states_keeps_the_trials_with_a_site_in_any(client, sited):
    """areas.json `regions`: "the DMV" is DC, Maryland and Virginia; "the Midwest" twelve
    states (none here); read from the words ("in the DMV"), a region chip."""
    maryland = {"MD-NAME", "MD-UPPER", "MD-CODE"}
    for spelt in ("DMV", "the DMV", "dmv"):
        assert _keys(region=spelt) == maryland
    assert _keys(region="Southwest") == {"MD-UPPER", "TX"}
    assert _keys(region="Midwest") == set()
    for typed, value in [
        ("lupus trials in the midwest", "Midwest"),
        ("rheumatoid arthritis studies in the DMV", "DMV"),
        ("eczema studies anywhere in new england?", "New England"),
    ]:
        assert ("region", value) in [(r.parameter, r.value) for r in readings.read(typed)]
    assert ("country", "GB") in [(r.parameter, r.value) for r in readings.read("lupus England")]
    response = client.get("/", {"q": "lupus in the DMV"})
    chips = [chip["text"] for chip in response.context["chips"]]
    assert "Region: DMV — from “in the DMV”" in chips


def test_an_area_of_several_countries_keeps_the_trials_with_a_site_in_any(client):
    """areas.json `continents`: "Europe", "Latin America"… the trials with a site in one of
    their countries (the country column, as the country facet); read from the words in any
    case, first or last, a region chip."""
    for key, countries in [("FR", ["FR"]), ("FR-US", ["US", "FR"]), ("BR", ["BR"]), ("JP", ["JP"])]:
        Trial.objects.create(key=key, record={}, title="Lupus study", countries=countries)
    assert _keys(region="Europe") == {"FR", "FR-US", "NCT01408199"}  # the seed's in Barcelona
    assert _keys(region="latin america") == {"BR"}
    asia = _keys(region="Asia")
    assert "JP" in asia and not asia & {"FR", "FR-US", "BR"}
    for typed, value in [
        ("cutaneous lupus trials recruiting in Europe", "Europe"),
        ("lupus europe", "Europe"),
        ("Europe lupus trials", "Europe"),
        ("psoriasis studies in latin america", "Latin America"),
        ("eczema trials in the nordic countries", "Scandinavia"),
    ]:
        assert ("region", value) in [(r.parameter, r.value) for r in readings.read(typed)], typed
    assert not readings.read("gulf war syndrome")
    response = client.get("/", {"q": "lupus in Europe"})
    chips = [chip["text"] for chip in response.context["chips"]]
    assert "Region: Europe — from “in Europe”" in chips
    assert client.get("/api/trials/", {"region": "Europe"}).json()["count"] == 3


@pytest.mark.parametrize(
    ("typed", "near", "within"),
    [
        ("lupus or scleroderma trials socal", "socal", "200"),
        ("atopic dermatitis studies DFW metroplex", "DFW metroplex", "100"),
        ("psoriasis studies around the bay area", "the bay area", "100"),
        ("lupus trials? we live just outside philly", "philly", None),
        ("lupus near philly", "philly", None),  # a city's nickname: the city, as it always was
    ],
)
def test_a_metropolitan_areas_nickname_is_read_near_its_city(typed, near, within):
    read = {r.parameter: r.value for r in readings.read(typed)}
    assert read.get("near") == near and read.get("within") == within


def test_an_institution_said_after_at_lists_the_trials_with_a_site_there_first():
    """ "lupus research at johns hopkins": the lupus trials with a site whose name has those
    words first (a trial that only mentions Hopkinsville does not), then the others; "at home"
    names no institution."""
    for key, facility, city in [
        ("OTHER", "University of Texas", "Houston"),
        ("HOPKINS", "Johns Hopkins Hospital", "Baltimore"),
        ("KENTUCKY", "Hopkinsville Clinic", "Hopkinsville"),
    ]:
        trial = Trial.objects.create(key=key, record={}, title="Lupus lupus study")
        Site.objects.create(trial=trial, country="US", facility=facility, city=city)
    query, _ = parse(_data(q="lupus research at johns hopkins"))
    ours = {"OTHER", "HOPKINS", "KENTUCKY"}  # beside the seed trials
    found = [hit.key for hit in search(query).trials if hit.key in ours]
    assert found[0] == "HOPKINS", found
    from trials.search import words

    assert words.institution_pattern("lupus trials i can do at home") is None
    assert words.institution_pattern("lupus") is None


def test_an_institution_read_from_hostile_words_stays_small():
    """At most five words, none over 40 letters, whatever is typed after "at" (the regular
    expressions read it in one pass: no word split many ways)."""
    from trials.search import words

    pattern = words.institution_pattern("lupus at " + "a.-" * 1000 + "b c")
    assert pattern is not None and pattern.count("(?=") <= 5
    assert words.institution_pattern("at " + "a" * 3000 + "!b") is None
    assert words.unquoted('"' + "a" * 5000) is None and words.unquoted('"..."') is None
