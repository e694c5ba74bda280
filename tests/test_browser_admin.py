"""A curator merges two look-alike trials in the admin, in Debian's Chromium."""

import re

import pytest
from django.core.management import call_command

from trials.models import PossibleDuplicate, Trial

from .conftest import SEEDS
from .curators import PASSWORD, import_studies, study

pytest_plugins = ["tests.curators"]  # the curator fixtures
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "Zorblimab for Refractory Dermatomyositis"


def test_a_curator_merges_a_possible_duplicate(live_server, page, curator, tmp_path):
    if not Trial.objects.exists():
        call_command("import_trials", str(SEEDS), verbosity=0)
    import_studies(tmp_path, study("NCT09500001", title=TITLE, sponsor="Derm Uni"), name="a.json")
    import_studies(tmp_path, study("NCT09500002", title=TITLE, sponsor="Derm Uni"), name="b.json")
    pair = PossibleDuplicate.objects.get()

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("cura")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Possible duplicates").first.click()
    page.get_by_role("link", name="NCT09500001 ~ NCT09500002").click()
    page.wait_for_url(re.compile(rf"/possibleduplicate/{pair.pk}/change/"))
    assert page.locator("tr.differs").count() >= 1  # at least the IDs differ

    page.get_by_role("button", name="Merge: keep A (NCT09500001)").click()
    page.wait_for_url(re.compile(r"/admin/trials/trial/\d+/change/$"))
    assert "Merged NCT09500002 into NCT09500001" in page.locator(".messagelist").inner_text()

    response = page.request.get(live_server.url + "/trials/NCT09500002/", max_redirects=0)
    assert response.status == 301
    assert response.headers["location"] == "/trials/NCT09500001/"
    page.goto(live_server.url + "/trials/NCT09500002/")
    assert page.url.endswith("/trials/NCT09500001/")
