"""Distance (issue 14, point 5): `near`, `within`, `sort=distance`.

The engine (the facet index's sites, distance.py) is compared with the plain ORM's haversine
over the stored sites (params.TrialFilterSet.filter_near) on a random corpus, like the facets'
oracle test; then the loader's placing of sites, the page (chip, notice, nearest site, the
patient form's field, queries) and the API (400 naming `near`, `nearest_site`, the order).
"""

import copy
import random

import pytest
from django.db.models import Subquery
from django.http import QueryDict

from trials.loading.loader import Loader
from trials.models import RawDocument, Site, Trial
from trials.readers import gazetteer
from trials.search import readings
from trials.search.engine import PAGE_SIZE, search
from trials.search.params import TrialFilterSet, parse, sites_within

from .test_search_exact import FACETS, _corpus, _random_params, _reference_counts

pytestmark = pytest.mark.django_db

# Bethesda; Lyon; Sydney; beside the antimeridian; near the North Pole.
CENTRES = [(38.98, -77.10), (45.76, 4.84), (-33.87, 151.21), (-17.0, 179.9), (88.0, 20.0)]


def _sites(rng: random.Random) -> None:
    """0-4 sites a trial, scattered up to ~6 degrees around the centres; some unplaced."""
    sites = []
    for trial in Trial.objects.all():
        for _ in range(rng.choice([0, 1, 1, 2, 4])):
            lat, lon = rng.choice(CENTRES)
            lat = max(-90.0, min(90.0, lat + rng.uniform(-6, 6)))
            lon = (lon + rng.uniform(-6, 6) + 180) % 360 - 180
            placed = rng.random() > 0.1
            sites.append(
                Site(
                    trial=trial,
                    city=f"Town {rng.randint(1, 50)}",
                    country="US",
                    lat=lat if placed else None,
                    lon=lon if placed else None,
                )
            )
    Site.objects.bulk_create(sites)


def _random_near(rng: random.Random) -> tuple[str, str]:
    lat, lon = rng.choice(CENTRES)
    point = f"{lat + rng.uniform(-3, 3):.4f},{(lon + rng.uniform(-3, 3) + 180) % 360 - 180:.4f}"
    return point, str(rng.choice([5, 30, 100, 250, 600, 1000]))


def _reference_order(params: QueryDict) -> list[tuple[int, float]]:
    """(pk, nearest site's distance) of the trials the ORM finds, nearest first."""
    query, _ = parse(params)
    lat, lon = query.near
    nearest = sites_within(lat, lon, query.within).order_by("distance").values("distance")[:1]
    trials = TrialFilterSet(data=params, queryset=Trial.objects.all()).qs
    rows = trials.annotate(distance=Subquery(nearest)).values_list("pk", "distance")
    return sorted(rows, key=lambda row: (row[1], row[0]))


def _engine_order(params: QueryDict) -> list[tuple[int, float]]:
    out, page = [], 1
    while True:
        params["page"] = str(page)
        result = search(parse(params)[0])
        out += [(hit.pk, hit.nearest_site.distance_km) for hit in result.trials]
        if page >= result.pages:
            return out
        page += 1


def test_the_engine_finds_exactly_what_the_orm_finds_near_a_place():
    rng = random.Random(20261201)
    _corpus(rng, n=300)
    _sites(random.Random(5))
    nonempty = 0
    for _ in range(80):
        params = _random_params(rng) if rng.random() < 0.6 else QueryDict(mutable=True)
        params["near"], params["within"] = _random_near(rng)
        query, errors = parse(params)
        assert not errors, errors
        result = search(query)
        total, facets = _reference_counts(params)
        assert result.count == total, params.urlencode()
        nonempty += bool(total)
        for name in FACETS:
            got = {v.value: v.count for v in result.facets[name] if v.count}
            assert got == facets[name], f"{name} for ?{params.urlencode()}"
    assert nonempty > 25, nonempty


def test_distances_and_their_order_equal_the_orms():
    _corpus(random.Random(7), n=200)
    _sites(random.Random(8))
    rng = random.Random(9)
    for _ in range(25):
        params = QueryDict(mutable=True)
        params["near"], params["within"] = _random_near(rng)
        params["sort"] = "distance"
        reference = _reference_order(params.copy())
        engine = _engine_order(params)
        assert [pk for pk, _ in engine] == [pk for pk, _ in reference], params.urlencode()
        for (_, got), (_, expected) in zip(engine, reference, strict=True):
            assert got == pytest.approx(expected, abs=1e-6)


def test_a_site_on_the_edge_is_in_and_one_just_past_it_is_not():
    Trial.objects.all().delete()
    inside, outside = (Trial.objects.create(key=key, record={}, title=key) for key in "AB")
    # 1 degree of latitude is 111.195 km on the portal's sphere.
    Site.objects.create(trial=inside, lat=1.0, lon=0.0)
    Site.objects.create(trial=outside, lat=1.0002, lon=0.0)
    edge = gazetteer.distance_km(0.0, 0.0, 1.0, 0.0)
    params = QueryDict(mutable=True)
    params.update({"near": "0,0", "within": f"{edge + 0.001:.3f}"})
    result = search(parse(params)[0])
    assert [hit.key for hit in result.trials] == ["A"]
    assert TrialFilterSet(data=params, queryset=Trial.objects.all()).qs.get().key == "A"


# --- Loading: sites are placed at load time ------------------------------------------------


def _doc(tag: str):
    sha256 = (tag.encode().hex() * 64)[:64]
    return RawDocument.objects.create(sha256=sha256, content=b"{}", size=2, name="t", format="t")


def _bethesda_trial(trial_id: str = "NCT09990001") -> Trial:
    record = copy.deepcopy(Trial.objects.get(trial_id="NCT01408199").sources.get().record)
    record["trial_id"] = trial_id
    record["identifiers"] = [{"id": trial_id, "kind": "registry", "registry": "ClinicalTrials.gov"}]
    record["title"] = "A lupus trial at the clinical center"
    record["sites"] = [
        {"facility": "NIH Clinical Center", "city": "Bethesda", "region": "Maryland",
         "country": "US", "status": None, "lat": None, "lon": None},
        {"facility": "Given its own point", "city": "Springfield", "region": None,
         "country": "US", "status": None, "lat": 10.5, "lon": 20.5},
        {"facility": "Somewhere ambiguous", "city": "Springfield", "region": None,
         "country": "US", "status": None, "lat": None, "lon": None},
    ]  # fmt: skip
    Loader().load(record, _doc(trial_id))
    return Trial.objects.get(trial_id=trial_id)


def test_the_loader_places_sites_the_registry_gave_no_point_for():
    trial = _bethesda_trial()
    sites = {site.facility: site for site in trial.sites.all()}
    bethesda = sites["NIH Clinical Center"]
    assert gazetteer.distance_km(bethesda.lat, bethesda.lon, 38.98, -77.10) < 10
    assert (sites["Given its own point"].lat, sites["Given its own point"].lon) == (10.5, 20.5)
    assert sites["Somewhere ambiguous"].lat is None  # several Springfields: not placed


def test_the_seed_sites_were_placed_at_import():
    barcelona = Site.objects.get(trial__trial_id="NCT01408199")
    assert gazetteer.distance_km(barcelona.lat, barcelona.lon, 41.39, 2.16) < 10


def test_a_sites_city_is_a_search_word(client):
    _bethesda_trial()
    response = client.get("/", {"q": "Bethesda"})
    assert "NCT09990001" in {hit.trial_id for hit in response.context["result"].trials}


# --- The page ---------------------------------------------------------------------------------


def _ids(response) -> set[str]:
    return {hit.trial_id for hit in response.context["result"].trials}


def test_near_keeps_the_trials_with_a_site_in_range_and_shows_the_nearest(client):
    response = client.get("/", {"near": "Barcelona, Spain"})
    assert _ids(response) == {"NCT01408199"}
    html = response.content.decode()
    assert "Nearest site: Vall D&#x27;Hebron Hospital, Barcelona, Spain" in html
    assert "under 1 km" in html
    chips = [chip["text"] for chip in response.context["chips"]]
    assert "Near: Barcelona, Catalonia, Spain (within 100 km)" in chips or any(
        text.startswith("Near: Barcelona") and "within 100 km" in text for text in chips
    )
    assert response.context["sort"] == "distance"


def test_within_reaches_farther(client):
    # Nanchang is ~1,100 km from Shanghai (and from no other seed site).
    assert _ids(client.get("/", {"near": "Shanghai"})) == set()
    assert _ids(client.get("/", {"near": "Wuhan", "within": "300"})) == {"NCT05488327"}


def test_the_near_chip_removes_near_within_and_the_distance_order(client):
    response = client.get(
        "/", {"near": "Barcelona, ES", "within": "50", "sort": "distance", "country": "ES"}
    )
    chip = next(c for c in response.context["chips"] if c["text"].startswith("Near:"))
    assert chip["url"] == "?country=ES"


def test_an_ambiguous_place_is_a_notice_with_its_places_and_filters_nothing(client):
    everything = client.get("/").context["result"].count
    response = client.get("/", {"near": "Springfield"})
    assert response.status_code == 200
    assert response.context["result"].count == everything
    html = response.content.decode()
    assert "could be several places" in html
    assert response.context["near_choices"]
    assert "near=Springfield%2C+" in response.context["near_choices"][0]["url"]


def test_an_unknown_place_is_a_notice_naming_it(client):
    response = client.get("/", {"near": "Xyzzyville"})
    assert response.status_code == 200
    assert (
        "near=&#x27;Xyzzyville&#x27; is not a place the portal knows" in response.content.decode()
    )
    assert not any(c["text"].startswith("Near:") for c in response.context["chips"])


@pytest.mark.parametrize(
    "params",
    [
        {"near": "a" * 200_000},
        {"near": "91,0"},
        {"near": "nan,nan"},
        {"near": "Barcelona", "within": "nan"},
        {"near": "Barcelona", "within": "-5"},
        {"near": "Barcelona", "within": "1e400"},
        {"near": "Barcelona", "within": "99999999"},
        {"near": "Barcelona", "within": "x" * 10_000},
        {"near": "\x00"},
        {"near": "<b>Paris</b>"},
        {"sort": "distance"},
        {"near": ["Paris", "London"]},
    ],
)
def test_hostile_near_never_makes_a_500(client, params):
    assert client.get("/", params).status_code == 200
    assert client.get("/api/trials/", params).status_code in (200, 400)


def test_a_bad_within_is_a_notice_and_the_default(client):
    response = client.get("/", {"near": "Barcelona, Spain", "within": "5000"})
    html = response.content.decode()
    assert "within=&#x27;5000&#x27;: a distance in km from 1 to 1000; 100 km used" in html
    assert response.context["query"].within == 100
    # The API refuses it: its message says nothing of what the page does instead.
    body = client.get("/api/trials/", {"near": "Barcelona, Spain", "within": "nan"}).json()
    assert body["error"]["message"] == "within='nan': a distance in km from 1 to 1000"
    assert body["errors"]["within"] == body["error"]["message"]
    body = client.get("/api/trials/", {"sort": "distance"}).json()
    assert body["error"]["message"] == "sort='distance' needs a place (near=…)"


def test_sort_by_distance_without_a_place_is_a_notice(client):
    response = client.get("/", {"sort": "distance"})
    assert "needs a place" in response.content.decode()
    assert response.context["sort"] == "updated"


def test_the_patient_form_has_the_near_field(client):
    html = client.get("/", {"near": "Barcelona", "within": "50"}).content.decode()
    assert '<label for="near">Near (city or ZIP)</label>' in html
    assert 'name="near" value="Barcelona"' in html
    assert '<option value="50" selected>50 km</option>' in html
    # The default adds no `within` to the URL of a search without a place.
    assert '<option value="" selected>100 km</option>' in client.get("/").content.decode()


def test_near_costs_one_query_for_the_nearest_sites(client, django_assert_num_queries):
    client.get("/", {"near": "Barcelona, Spain"})  # builds the index, reads the gazetteer
    # The change-log poll, the page of trials, their nearest sites.
    with django_assert_num_queries(3):
        client.get("/", {"near": "Barcelona, Spain", "within": "200"})
    with django_assert_num_queries(3):
        client.get("/", {"near": "Madrid", "within": "600", "sort": "updated"})
    # Nothing in range: no site to fetch.
    with django_assert_num_queries(1):
        client.get("/", {"near": "Sydney"})


# --- The API ----------------------------------------------------------------------------------


def test_the_api_gives_the_nearest_site_and_the_place(client):
    body = client.get("/api/trials/", {"near": "Barcelona, ES", "within": "50"}).json()
    assert body["count"] == 1
    assert body["near"]["within_km"] == 50
    assert "Barcelona" in body["near"]["place"]
    site = body["results"][0]["nearest_site"]
    assert site["name"] == "Vall D'Hebron Hospital"
    assert (site["city"], site["country"]) == ("Barcelona", "ES")
    assert site["distance_km"] < 1
    assert client.get("/api/trials/").json()["results"][0]["nearest_site"] is None


@pytest.mark.parametrize(
    ("near", "code"),
    [
        ("Springfield", "ambiguous_place"),
        ("Xyzzyville", "unknown_place"),
        ("95,0", "unknown_place"),
    ],
)
def test_the_api_answers_400_naming_near(client, near, code):
    response = client.get("/api/trials/", {"near": near})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["parameter"], error["code"]) == ("near", code)
    assert error["message"]
    if code == "ambiguous_place":
        assert len(error["choices"]) >= 2


def test_the_api_orders_by_distance(client):
    _bethesda_trial("NCT09990002")
    trial = _bethesda_trial("NCT09990003")
    Site.objects.filter(trial=trial, facility="NIH Clinical Center").update(lat=39.29, lon=-76.61)
    body = client.get("/api/trials/", {"near": "20892", "within": "100", "sort": "distance"}).json()
    got = [(r["trial_id"], r["nearest_site"]["distance_km"]) for r in body["results"]]
    assert [trial_id for trial_id, _ in got] == ["NCT09990002", "NCT09990003"]
    assert got[0][1] < 5 < got[1][1] < 60
    assert body["count"] == 2 and PAGE_SIZE >= 2


def test_the_reference_counts_sites_not_rows():
    # Several sites in range count the trial once (EXISTS, not a join).
    Trial.objects.all().delete()
    trial = Trial.objects.create(key="M", record={}, title="many sites")
    Site.objects.bulk_create([Site(trial=trial, lat=0.01 * n, lon=0.0) for n in range(5)])
    params = QueryDict(mutable=True)
    params["near"] = "0,0"
    assert TrialFilterSet(data=params, queryset=Trial.objects.all()).qs.count() == 1
    assert search(parse(params)[0]).count == 1


def test_the_migration_places_the_sites_stored_before_and_keeps_registry_points():
    import importlib
    from pathlib import Path
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migrations = Path(__file__).resolve().parent.parent / "trials" / "migrations"
    (path,) = migrations.glob("*_place_sites_from_gazetteer.py")  # the lead may renumber it
    module = importlib.import_module(f"trials.migrations.{path.stem}")
    Site.objects.update(lat=None, lon=None)  # as stored before the gazetteer
    Site.objects.filter(trial__trial_id="NCT05488327").update(lat=1.5, lon=2.5)  # a registry's
    module.place_stored_sites(apps, SimpleNamespace(connection=connection))
    barcelona = Site.objects.get(trial__trial_id="NCT01408199")
    assert gazetteer.distance_km(barcelona.lat, barcelona.lon, 41.39, 2.16) < 10
    assert Site.objects.filter(trial__trial_id="NCT05488327", lat=1.5, lon=2.5).exists()


def test_the_migration_moves_the_registry_points_far_from_their_city_and_keeps_the_rest():
    import importlib
    from pathlib import Path
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migrations = Path(__file__).resolve().parent.parent / "trials" / "migrations"
    (path,) = migrations.glob("*_doubtful_site_points.py")
    module = importlib.import_module(f"trials.migrations.{path.stem}")
    trial = Trial.objects.create(key="MILAN", record={}, title="sites in Italy")
    Site.objects.bulk_create(
        [
            Site(trial=trial, city="Milan", country="IT", lat=42.78235, lon=12.59836),  # middle
            Site(trial=trial, city="Rome", country="IT", lat=41.9, lon=12.5),  # its city
            Site(trial=trial, city="Xyzzyville", country="IT", lat=1.5, lon=2.5),  # unknown
        ]
    )
    module.place_doubtful_sites(apps, SimpleNamespace(connection=connection))
    milan, rome, unknown = (
        Site.objects.get(trial=trial, city=city) for city in ("Milan", "Rome", "Xyzzyville")
    )
    assert gazetteer.distance_km(milan.lat, milan.lon, 45.46, 9.19) < 10
    assert (rome.lat, rome.lon) == (41.9, 12.5)
    assert (unknown.lat, unknown.lon) == (1.5, 2.5)


# --- A place typed in the search box ("lupus near Bethesda") --------------------------------


@pytest.mark.parametrize(
    ("typed", "place", "rest"),
    [
        ("lupus near Bethesda", "Bethesda", "lupus"),
        ("eczema around Lyon, France", "Lyon, France", "eczema"),
        ("psoriasis close to Lyon", "Lyon", "psoriasis"),
        ("vitiligo in Barcelona, Spain", "Barcelona, Spain", "vitiligo"),
        ("trials near 20892", "20892", "trials"),
        ("near Bethesda", "Bethesda", ""),
        # a city and its US state at the end, "near" or not
        ("psoriasis Boston MA", "Boston, MA", "psoriasis"),
        ("hidradenitis near Houston TX", "Houston, TX", "hidradenitis"),
        ("eczema Houston, Texas", "Houston, Texas", "eczema"),
        ("lupus Salt Lake City UT", "Salt Lake City, UT", "lupus"),
        # … or a region's abbreviation elsewhere, any case
        ("lupus clinical trials brisbane qld", "brisbane, qld", "lupus clinical trials"),
        ("eczema study Toronto ON", "Toronto, ON", "eczema study"),
        ("psoriasis sydney nsw", "sydney, nsw", "psoriasis"),
        # in the other languages the vocabulary knows diseases in
        ("ensayo psoriasis en Madrid", "Madrid", "ensayo psoriasis"),
        ("ensaio psoríase em Lisboa", "Lisboa", "ensaio psoríase"),
        ("lupus près de Lyon", "Lyon", "lupus"),
        ("essai psoriasis à Lyon", "Lyon", "essai psoriasis"),
        ("Lupus Studie in der Nähe von Freiburg", "Freiburg", "Lupus Studie in der"),
        ("Psoriasis Studie im Raum Köln", "Köln", "Psoriasis Studie"),
        ("dermatite atopica, abito ad Arezzo", "Arezzo", "dermatite atopica,"),
        # after a word for trials, a place the gazetteer knows as one (the site says "Cologne")
        ("Lupus Studie Köln", "Köln", "Lupus Studie"),
        ("eczema trials Lyon", "Lyon", "eczema trials"),
    ],
)
def test_a_known_place_typed_after_near_or_in_is_read_as_near(typed, place, rest):
    found = readings.read(typed)
    assert [(r.parameter, r.value) for r in found] == [("near", place)]
    assert readings.without(typed, [span for r in found for span in r.spans]) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "psoriasis in kids",  # the child words' reading, not a place
        "eczema in adults",  # no place
        "lupus near Springfield",  # ambiguous: its words stay search words
        "lupus near Xyzzyville",  # unknown
        "near",
        "lupus in pregnancy",
        "dermatomyositis in remission",
        "lupus near me",
        '"lupus near Bethesda"',  # web-search syntax: searched as typed
        "Bethesda",  # a site's city is a search word, not a place filter
        "psoriasis Boston",  # … without its state too
        "lupus trials in",  # "IN" is Indiana, but no city "trials" there
        "eczema Springfield ME",  # no Springfield in Maine the gazetteer knows
        "lupus trials qld",  # a region's abbreviation after no city
        "psoriasis study going on",  # "on" (Ontario) after no city
    ],
)
def test_other_words_after_near_or_in_are_no_place(typed):
    assert [r.parameter for r in readings.read(typed) if r.parameter == "near"] == []


def test_lupus_near_bethesda_typed_is_words_plus_a_removable_place(client):
    near = _bethesda_trial()
    far = _bethesda_trial("NCT09990002")
    Site.objects.filter(trial=far).update(lat=48.85, lon=2.35)  # Paris
    response = client.get("/", {"q": "lupus near Bethesda"})
    result = response.context["result"]
    # Fewer than words.FILL_BELOW trials have a site there: it comes first, then the others.
    assert result.read_first == 1 and result.trials[0].trial_id == near.trial_id
    assert far.trial_id in _ids(response) and result.trials[0].nearest_site is not None
    assert "1 trial has a site where you said (“near Bethesda”)" in response.content.decode()
    assert response.context["query"].q == "lupus"
    (understood,) = response.context["understood"]
    assert understood["sentence"].startswith("Showing trials with a site near Bethesda")
    assert understood["said"] == "near Bethesda"
    # Removing the place searches the words alone, for good.
    undo = QueryDict(understood["url"].lstrip("?"))
    assert undo.get("q") == "lupus" and "near" not in undo
    assert near.trial_id in _ids(client.get("/", undo))
    assert far.trial_id in _ids(client.get("/", undo))


def test_the_api_reads_a_typed_place_and_never_answers_400_for_it(client):
    _bethesda_trial()
    body = client.get("/api/trials/", {"q": "lupus near Bethesda"}).json()
    assert body["understood"] == [
        {"parameter": "near", "value": "Bethesda", "from": "near Bethesda"}
    ]
    assert body["read_first"] == 1 and body["results"][0]["trial_id"] == "NCT09990001"
    unknown = client.get("/api/trials/", {"q": "lupus near Xyzzyville"})
    assert unknown.status_code == 200 and unknown.json()["understood"] == []


def test_after_the_trials_near_those_about_it_in_the_wider_region_come_first(client):
    # One trial at Bethesda; of the others, the lupus trial in Philadelphia (~200 km) before
    # the one in Paris whose words rank better; a trial in Richmond that is not about lupus
    # (it names it in passing) gets nothing for being near.
    near = _bethesda_trial()
    philly, paris = _bethesda_trial("NCT09990005"), _bethesda_trial("NCT09990006")
    richmond = _bethesda_trial("NCT09990007")
    Site.objects.filter(trial=philly).update(lat=39.95, lon=-75.17)
    Site.objects.filter(trial=paris).update(lat=48.85, lon=2.35)
    Site.objects.filter(trial=richmond).update(lat=37.54, lon=-77.44)
    Trial.objects.filter(pk=paris.pk).update(title="A lupus lupus lupus trial")
    Trial.objects.filter(pk__in=[near.pk, philly.pk, paris.pk]).update(
        conditions=["systemic-lupus-erythematosus"]
    )
    Trial.objects.filter(pk=richmond.pk).update(
        title="A lupus lupus lupus lupus trial of dry eyes", conditions=[]
    )
    result = client.get("/", {"q": "lupus near Bethesda"}).context["result"]
    ids = [hit.trial_id for hit in result.trials]
    assert result.read_first == 1 and ids[0] == near.trial_id
    assert ids.index(philly.trial_id) < ids.index(paris.trial_id)
    assert ids.index(philly.trial_id) < ids.index(richmond.trial_id)


def test_near_a_place_no_trial_is_near_lists_those_in_its_wider_region_first(client):
    # No trial within reach of Gwangju: the one in Seoul (~270 km) before the one in Paris,
    # whose words rank better; the one at Bethesda's sites last as well.
    seoul, paris = _bethesda_trial("NCT09990003"), _bethesda_trial("NCT09990004")
    Site.objects.filter(trial=seoul).update(lat=37.57, lon=126.98)
    Site.objects.filter(trial=paris).update(lat=48.85, lon=2.35)
    Trial.objects.filter(pk=paris.pk).update(title="A lupus lupus lupus trial")
    response = client.get("/", {"q": "lupus near Gwangju, South Korea"})
    result = response.context["result"]
    ids = [hit.trial_id for hit in result.trials]
    assert result.read_first == 0 and ids.index(seoul.trial_id) < ids.index(paris.trial_id)
