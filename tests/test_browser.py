"""What people see, in Debian's Chromium driven by Playwright."""

import re

import pytest

from .conftest import ROOT

SHOTS = ROOT / "docs" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_by_country_and_open_the_trial(seeded, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seeded.url + "/")
    page.get_by_role("heading", name="5 trials").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-desktop.png"), full_page=True)

    page.locator("a.facet-value[data-facet=country][data-value=ES]").click()
    page.get_by_role("heading", name="1 trial").wait_for()
    cards = page.locator(".trial-card")
    assert cards.count() == 1
    assert "NCT01408199" in cards.first.inner_text()
    assert re.search(r"country=ES", page.url)

    cards.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/trials/NCT01408199/$"))
    assert "Refractory Cutaneous Lupus" in page.get_by_role("heading", level=1).inner_text()
    page.screenshot(path=str(SHOTS / "trial-desktop.png"), full_page=True)


def test_the_pages_fit_a_phone(seeded, page):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(seeded.url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.screenshot(path=str(SHOTS / "search-phone.png"), full_page=False)
    page.goto(seeded.url + "/trials/NCT05488327/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "trial-phone.png"), full_page=False)


def test_search_near_a_city_from_the_patient_form(seeded, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seeded.url + "/")
    page.get_by_label("Near (city or ZIP)").fill("Barcelona, Spain")
    page.get_by_label("Near (city or ZIP)").press("Enter")
    page.get_by_role("heading", name="1 trial").wait_for()
    assert "Barcelona" in page.locator(".trial-card .nearest-site").inner_text()
    assert re.search(r"near=Barcelona", page.url)
    page.screenshot(path=str(SHOTS / "search-near-desktop.png"), full_page=True)
