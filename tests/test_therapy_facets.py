"""The drug-class and failed-therapy facets (issue 14, points 3 and 4): what the loader derives
(from the vocabulary tables, so curators' edits count), what the migration fills in for stored
trials, the labels, the page, the API, the admin, and "JAK inhibitor" in the search box."""

import copy
import importlib
import json
from pathlib import Path

import pytest
from django.db import connection
from django.http import QueryDict

from trials.loading.columns import classes_of_drugs, failed_therapies
from trials.loading.loader import Loader
from trials.loading.vocab_tables import Terms
from trials.models import Drug, DrugClass, Trial
from trials.search import cache, labels
from trials.search.engine import search
from trials.search.params import parse

pytest_plugins = ["tests.curators"]  # the curator fixtures

pytestmark = pytest.mark.django_db

fill = importlib.import_module("trials.migrations.0015_drug_class_and_prior_therapy")
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds.jsonl"


def _seed() -> dict:
    return json.loads(SEEDS.read_text(encoding="utf-8").splitlines()[0])


def _load(
    trial_id: str, drugs=(), prior=(), exclusion=(), title: str = "", refractory=None
) -> Trial:
    """A seed record made another trial: its drugs, failed therapies and exclusion criteria."""
    record = copy.deepcopy(_seed())
    record["trial_id"] = trial_id
    record["identifiers"] = [{"id": trial_id, "kind": "registry", "registry": "ClinicalTrials.gov"}]
    record["title"] = title or f"Trial {trial_id}"
    record["source"] = {**record["source"], "url": f"https://example.org/{trial_id}"}
    record["interventions"] = [
        {"name": drug, "type": "DRUG", "description": None, "drug": drug, "is_placebo": False}
        for drug in drugs
    ]
    refractory = bool(prior) if refractory is None else refractory
    record["refractory"] = {
        "is_refractory": refractory,
        "evidence": ["Inadequate response."] if refractory else [],
        "prior_therapies": list(prior),
    }
    record["criteria"] = {"inclusion": ["Adults"], "exclusion": list(exclusion), "text": None}
    loader = Loader()
    document = loader.document(json.dumps(record).encode(), trial_id, "ctgov-json")
    assert loader.load(record, document) == "created"
    return Trial.objects.get(trial_id=trial_id)


def _run(**params):
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    query, errors = parse(data)
    assert not errors, errors
    return search(query)


# --- What the loader derives ------------------------------------------------------------------


def test_a_trial_is_in_the_classes_of_the_drugs_it_tests():
    trial = _load("NCT09100001", drugs=["secukinumab", "methotrexate"])
    assert trial.drug_classes == [
        "biologics",
        "il-17-inhibitors",
        "immunosuppressants",
        "interleukin-inhibitors",  # every IL class's drugs ("interleukin drugs")
    ]
    assert trial.prior_therapies == []


def test_a_failed_therapy_brings_its_classes_never_the_members_of_a_class():
    terms = Terms.load()

    def failed(*slugs):
        return failed_therapies({"refractory": {"prior_therapies": list(slugs)}}, terms)

    assert failed("adalimumab") == ["adalimumab", "biologics", "tnf-inhibitors"]
    assert failed("tnf-inhibitors") == ["biologics", "tnf-inhibitors"]
    assert failed("immunosuppressants") == ["immunosuppressants"]
    assert failed("tetracyclines") == ["antibiotics", "tetracyclines"]
    assert failed() == []


def test_curators_edits_of_the_classes_count():
    # A curator adds a class and puts a drug in it: the next load reads the tables.
    itch = DrugClass.objects.create(slug="neurokinin-antagonists", label="Neurokinin antagonists")
    Drug.objects.get(slug="aldesleukin").classes.add(itch)
    record = {"interventions": [{"drug": "aldesleukin"}]}
    assert "neurokinin-antagonists" in classes_of_drugs(record, Terms.load())


def test_a_drugs_classes_and_a_classes_members_agree_in_the_data_files():
    """One membership, said twice (drugs.json `classes`, drug_classes.json `members`): the
    tables take a drug's from the first, the search's class phrases from the second."""
    vocab = Path(__file__).resolve().parent.parent / "trials" / "vocab"
    drugs = json.loads((vocab / "drugs.json").read_text(encoding="utf-8"))
    classes = json.loads((vocab / "drug_classes.json").read_text(encoding="utf-8"))
    of_drugs = {(c, drug["slug"]) for drug in drugs for c in drug.get("classes", [])}
    of_classes = {(c["slug"], member) for c in classes for member in c.get("members", [])}
    assert of_drugs == of_classes


def test_a_class_new_to_the_tables_takes_its_members_the_tables_had(tmp_path):
    """A class added to the data files after its drugs (EGFR TKIs after osimertinib) takes
    them at the next load; a curator's memberships of an older class stay as edited."""
    from trials.loading import vocab_tables

    DrugClass.objects.filter(slug="egfr-tkis").delete()
    Drug.objects.get(slug="apremilast").classes.clear()  # a curator's edit
    vocab_tables.load()
    assert Drug.objects.get(slug="osimertinib").classes.filter(slug="egfr-tkis").exists()
    assert not Drug.objects.get(slug="apremilast").classes.exists()


def test_the_seed_trials_have_classes_and_failed_therapies():
    trial = Trial.objects.get(key="NCT01408199")  # lenalidomide; thalidomide failed, …
    assert trial.drug_classes == ["imids"]
    assert trial.prior_therapies == [
        "antimalarials",
        "corticosteroids",
        "imids",
        "thalidomide",
    ]


# --- The migration ----------------------------------------------------------------------------


def test_the_migration_fills_stored_trials_as_the_loader_does():
    _load("NCT09100002", drugs=["upadacitinib"], prior=["adalimumab", "methotrexate"])
    _load("NCT09100003", drugs=["dupilumab"], prior=["tnf-inhibitors", "ivig"])
    _load("NCT09100004", drugs=["dupilumab"], refractory=True)
    loaded = dict(Trial.objects.values_list("key", "drug_classes"))
    failed = dict(Trial.objects.values_list("key", "prior_therapies"))
    assert loaded["NCT09100002"] == ["jak-inhibitors"]
    assert failed["NCT09100003"] == ["biologics", "ivig", "tnf-inhibitors"]
    # Refractory, naming no treatment: listed as such.
    assert failed["NCT09100004"] == ["unspecified"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trials_trial SET drug_classes = '{}', prior_therapies = '{}'")
        cursor.execute(fill.TESTED_CLASSES)
        cursor.execute(fill.FAILED_THERAPIES)
        cursor.execute(fill.NONE_NAMED)
    assert dict(Trial.objects.values_list("key", "drug_classes")) == loaded
    assert dict(Trial.objects.values_list("key", "prior_therapies")) == failed


# --- Labels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "label"),
    [
        ("methotrexate", "Failed methotrexate"),
        ("biologics", "Failed a biologic"),
        ("unspecified", "Refractory, no treatment named"),
        ("il-17-inhibitors", "Failed an IL-17 inhibitor"),
        ("tnf-inhibitors", "Failed a TNF inhibitor"),
        ("immunosuppressants", "Failed an immunosuppressant"),
        ("corticosteroids", "Failed a corticosteroid"),
        ("anti-cd20", "Failed an anti-CD20 antibody"),
        ("anti-fcrn", "Failed an FcRn blocker"),
        ("ivig", "Failed immunoglobulin therapy"),
    ],
)
def test_failed_therapies_read_well(slug, label):
    cache.reset()
    assert labels.failed_label(slug) == label


# --- Search, page, API, admin -----------------------------------------------------------------


def test_drug_class_and_prior_therapy_filter_and_count():
    _load("NCT09100004", drugs=["ixekizumab"], prior=["methotrexate"])
    _load("NCT09100005", drugs=["upadacitinib"], prior=["adalimumab"])
    result = _run(drug_class="il-17-inhibitors")
    assert {hit.key for hit in result.trials} == {"NCT09100004"}
    biologics = {hit.key for hit in _run(drug_class="biologics").trials}
    assert {"NCT09100004", "NCT04946669"} <= biologics  # abatacept is a biologic too
    assert "NCT09100005" not in biologics
    failed = _run(prior_therapy="biologics")
    assert "NCT09100005" in {hit.key for hit in failed.trials}
    counts = {value.value: value.count for value in failed.facets["prior_therapy"]}
    assert counts["methotrexate"] >= 1 and counts["tnf-inhibitors"] >= 1
    either = _run(drug_class=["jak-inhibitors", "il-17-inhibitors"])
    assert {"NCT09100004", "NCT09100005"} <= {hit.key for hit in either.trials}


def test_jak_inhibitor_finds_trials_testing_one_not_those_excluding_them():
    _load("NCT09100006", drugs=["upadacitinib"], title="Upadacitinib in adults")
    _load(
        "NCT09100007",
        drugs=["dupilumab"],
        title="Dupilumab in adults",
        exclusion=["Prior treatment with a JAK inhibitor (tofacitinib, baricitinib)"],
    )
    for result in (_run(q="JAK inhibitor"), _run(drug_class="jak-inhibitors")):
        keys = {hit.key for hit in result.trials}
        assert "NCT09100006" in keys
        assert "NCT09100007" not in keys


def test_the_api_lists_and_validates_the_new_facets(client):
    _load("NCT09100008", drugs=["ixekizumab"], prior=["methotrexate"])
    body = client.get("/api/trials/", {"prior_therapy": "methotrexate"}).json()
    assert [trial["trial_id"] for trial in body["results"]] == ["NCT09100008"]
    classes = {value["value"]: value for value in body["facets"]["drug_class"]}
    assert classes["il-17-inhibitors"] == {
        "value": "il-17-inhibitors",
        "label": "IL-17 inhibitors",
        "count": 1,
    }
    failed = {value["value"]: value["label"] for value in body["facets"]["prior_therapy"]}
    assert failed["methotrexate"] == "Failed methotrexate"
    assert failed["immunosuppressants"] == "Failed an immunosuppressant"
    for name in ("drug_class", "prior_therapy"):
        error = client.get("/api/trials/", {name: "no-such-thing"})
        assert error.status_code == 400
        assert error.json()["error"]["parameter"] == name


def test_the_page_shows_them_in_the_sidebar_and_as_chips(client):
    html = client.get("/").content.decode()
    assert '<h3 id="facet-drug_class">Drug class</h3>' in html
    assert '<h3 id="facet-prior_therapy">Prior treatment</h3>' in html
    assert "Failed a corticosteroid" in html
    chosen = client.get("/", {"prior_therapy": "corticosteroids", "drug_class": "imids"})
    page = chosen.content.decode()
    assert "Prior treatment: Failed a corticosteroid" in page
    assert "Drug class: Immunomodulatory imide drugs" in page
    notice = client.get("/", {"drug_class": "nonsense"}).content.decode()
    assert "unknown drug class" in notice


def test_the_new_filters_cost_no_extra_query(client, django_assert_num_queries):
    client.get("/")  # builds the facet index and warms the vocabulary labels
    # The change-log poll, then the page of trials, as for any facet.
    with django_assert_num_queries(2):
        client.get("/", {"drug_class": "biologics", "prior_therapy": "corticosteroids"})
    # The API: one more, for the results' last_synced (tests/test_freshness_status.py).
    with django_assert_num_queries(3):
        client.get("/api/trials/", {"drug_class": ["imids", "biologics"]})


def test_the_admin_filters_by_them(curator_client):
    response = curator_client.get("/admin/trials/trial/", {"drug_classes": "biologics"})
    keys = {trial.key for trial in response.context["cl"].result_list}
    assert "NCT04946669" in keys and "NCT01408199" not in keys
    response = curator_client.get("/admin/trials/trial/", {"prior_therapies": "thalidomide"})
    assert [trial.key for trial in response.context["cl"].result_list] == ["NCT01408199"]
    html = response.content.decode()
    assert "drug class" in html and "prior treatment" in html
    assert "Failed thalidomide" in html
