"""Compare and print in Chromium (issue 17, point 4): boxes in the results submit to the compare
page, which passes axe-core's WCAG 2.2 AA checks and prints without its controls."""

import re

import pytest

from .test_accessibility import _audit, _explain, axe_source  # noqa: F401 - a fixture
from .test_browser import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pick_two(page, base: str) -> None:
    page.goto(base + "/?country=CN")
    page.get_by_role("heading", name="3 trials").wait_for()
    for title in ("Lenalidomide in the Treatment", "An Exploratory Study"):
        page.get_by_role("checkbox", name=re.compile(f"^Compare ?: {title}")).check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url(re.compile(r"/compare/\?trial=NCT05488327&trial=NCT04946669$"))


@pytest.mark.parametrize("width", [1280, 360])
def test_the_compare_page_from_the_results_is_accessible(seeded, page, axe_source, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    _pick_two(page, seeded.url)
    table = page.get_by_role("table")
    assert table.get_by_role("columnheader").count() == 2
    assert "Lenalidomide" in table.get_by_role("row", name=re.compile("^Drugs")).inner_text()
    serious = _audit(page, axe_source)
    assert not serious, f"compare page at {width}px:\n" + _explain(serious)
    # The table scrolls inside its region on a phone: the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width == 1280:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "compare-desktop.png"), full_page=True)


def test_the_compare_page_prints_without_its_controls(seeded, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seeded.url + "/compare/?trial=NCT01408199&trial=ChiCTR1900025376")
    assert page.get_by_role("button", name="Print").is_visible()  # script shows it
    assert not page.get_by_text("use your browser's Print command").is_visible()
    page.emulate_media(media="print")
    assert page.get_by_role("table").is_visible()
    assert not page.locator(".share").is_visible()
    page.goto(seeded.url + "/?country=CN")
    assert page.locator(".trial-card").first.is_visible()
    assert not page.locator(".compare-pick").first.is_visible()
    assert not page.locator(".take-away").is_visible()


def test_the_results_offer_downloads_without_javascript(seeded, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(seeded.url + "/?country=ES")
    page.get_by_text("Download, follow, print or share these results").click()
    link = page.get_by_role("link", name="CSV (spreadsheet)")
    assert link.get_attribute("href") == "/export/trials.csv?country=ES"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".csv")
    assert page.get_by_text("use your browser's Print command").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    context.close()
