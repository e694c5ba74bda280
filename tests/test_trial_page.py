"""The trial page: every field readable, stable URLs, redirects, escaping."""

import copy

import pytest

from trials.ingest.load import Loader
from trials.models import RawDocument, Trial

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_record(client):
    response = client.get("/trials/NCT01408199/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Study To Evaluate The Safety And Efficacy Of Lenalidomide For Refractory Cutaneous Lupus",
        "Completed",
        "Phase 4",
        "Hospital Universitari Vall d&#x27;Hebron Research Institute",
        "Vall D&#x27;Hebron Hospital",
        "Spain",
        "2009-016508-21",
        "EudraCT",
        "23217273",
        "Histologically proven cutaneous lupus erythematosus",
        "Presence of antiphospholipid antibodies",
        "18 to 65 years",
        "Talk to your doctor",
        "Refractory disease",
        "https://clinicaltrials.gov/study/NCT01408199",
    ]:
        assert text in html, text


def test_contacts_and_sites_are_shown(client):
    html = client.get("/trials/NCT05488327/").content.decode()
    assert "Lihua Duan" in html
    assert "0791-86895639" in html
    assert "Nanchang" in html


def test_a_trial_without_registry_id_has_a_stable_page(client):
    trial = Trial.objects.get(trial_id__isnull=True)
    assert trial.key.startswith("unregistered-")
    response = client.get(f"/trials/{trial.key}/")
    assert response.status_code == 200
    assert b"Interleukin-2 on Refractory Dermatomyositis" in response.content
    assert b"This trial names no registry ID" in response.content


def test_a_secondary_id_answers_301_to_the_canonical_page(client):
    response = client.get("/trials/2009-016508-21/")
    assert response.status_code == 301
    assert response["Location"] == "/trials/NCT01408199/"


def test_an_id_in_other_case_redirects_too(client):
    response = client.get("/trials/nct01408199/")
    assert response.status_code == 301


def test_an_unknown_id_is_404(client):
    assert client.get("/trials/NCT00000001/").status_code == 404


def test_registry_text_is_escaped_everywhere(client):
    trial = Trial.objects.get(trial_id="NCT01408199")
    record = copy.deepcopy(trial.sources.first().record)
    evil = '<script>alert("x")</script>'
    record["source"]["format"] = "ctgov-json"
    record["title"] = f"Evil {evil}"
    record["summary"] = evil
    record["criteria"]["inclusion"] = [evil]
    record["sites"][0]["facility"] = evil
    record["identifiers"][0]["id"] = "NCT01408199"
    doc = RawDocument.objects.create(sha256="e" * 64, content=b"x", size=1, name="evil", format="x")
    Loader().load(record, doc)
    for url in ("/trials/NCT01408199/", "/", "/?q=evil"):
        html = client.get(url).content.decode()
        assert evil not in html, url
    assert "&lt;script&gt;" in client.get("/trials/NCT01408199/").content.decode()


def test_the_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.get("/trials/NCT05488327/")
    with django_assert_num_queries(1):
        client.get("/trials/NCT05488327/")
