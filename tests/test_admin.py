"""Django admin lists and shows trials, vocabularies, source documents and import runs."""

import pytest
from django.core.management import call_command

from trials.models import Condition, Drug, ImportRun, RawDocument, Trial

from .conftest import SEEDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    call_command("import_trials", str(SEEDS), verbosity=0)  # records an import run
    return admin_client


@pytest.mark.parametrize(
    "model", [Trial, Condition, Drug, RawDocument, ImportRun], ids=lambda m: m.__name__
)
def test_the_admin_lists_and_shows(staff, model):
    opts = model._meta
    response = staff.get(f"/admin/{opts.app_label}/{opts.model_name}/")
    assert response.status_code == 200
    obj = model.objects.first()
    response = staff.get(f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/")
    assert response.status_code == 200


def test_trials_can_be_found_by_a_secondary_id(staff):
    response = staff.get("/admin/trials/trial/", {"q": "2009-016508-21"})
    assert response.status_code == 200
    assert [t.key for t in response.context["cl"].result_list] == ["NCT01408199"]


def test_the_trial_form_shows_its_sources_and_provenance(staff):
    trial = Trial.objects.get(trial_id="NCT04946669")
    html = staff.get(f"/admin/trials/trial/{trial.pk}/change/").content.decode()
    assert "ictrp-page" in html
    assert "NCT04946669" in html


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get("/admin/trials/trial/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
