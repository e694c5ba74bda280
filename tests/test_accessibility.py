"""WCAG 2.2 AA in Chromium: axe-core on the main pages, and the facets used by keyboard alone."""

import re

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = {
    "search": "/",
    "filtered search": "/?country=CN&drug=lenalidomide&age=30&sex=female",
    "trial": "/trials/NCT01408199/",
    "empty result": "/?country=ES&status=RECRUITING",
    "alert sign-up": "/alerts/?condition=dermatomyositis",
    "api reference": "/api/",
}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci, from package.json)")
    return AXE.read_text()


def _explain(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def _audit(page, axe_source: str) -> list[dict]:
    # Evaluated by the test's browser connection, not added as an inline <script>: the pages'
    # Content-Security-Policy (rightly) refuses inline scripts.
    page.evaluate(axe_source)
    result = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
        })""",
        TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violations(seeded, page, axe_source, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(seeded.url + PAGES[name])
    page.locator("h1").first.wait_for()
    # Open every folded section so that axe sees what a reader can reveal.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    serious = _audit(page, axe_source)
    assert not serious, f"{name} page at {width}px:\n" + _explain(serious)


def _tab_to(page, predicate: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
    pytest.fail(f"Tab never reached an element where {predicate}")


def test_the_first_tab_reaches_the_skip_link(seeded, page):
    page.goto(seeded.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    # The next Tab starts inside the main content: the search box.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"


def test_facets_work_from_the_keyboard_alone(seeded, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seeded.url + "/")
    _tab_to(page, "el.dataset.facet === 'country' && el.dataset.value === 'ES'")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert style[0] != "none" and style[1] >= 2, f"focus is not visible: {style}"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?country=ES$"))
    page.get_by_role("heading", name="1 trial").wait_for()
    # The selected value is announced as such, and Enter on it again removes it.
    _tab_to(page, "el.dataset.facet === 'country' && el.dataset.value === 'ES'")
    assert page.evaluate("document.activeElement.getAttribute('aria-current')") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?$"))
    page.get_by_role("heading", name="5 trials").wait_for()


def test_a_chip_removes_its_filter_from_the_keyboard(seeded, page):
    page.goto(seeded.url + "/?country=ES&status=COMPLETED")
    _tab_to(page, "el.classList.contains('chip') && el.textContent.includes('Spain')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?status=COMPLETED$"))


@pytest.mark.usefixtures("statuses_confirmed")
def test_the_patient_filters_update_the_results_in_place(seeded, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seeded.url + "/?country=CN")
    page.get_by_role("heading", name="3 trials").wait_for()
    page.get_by_label("Recruiting or soon recruiting").check()
    page.wait_for_url(re.compile(r"\?country=CN&recruiting=1$"))
    page.get_by_role("heading", name="2 trials").wait_for()
    # The page was not reloaded: focus stays on the switch, and the change is announced.
    assert page.evaluate("document.activeElement.name") == "recruiting"
    assert page.locator("#live").inner_text() == "2 trials"
    assert "recruiting=1" in page.locator("a.facet-value").first.get_attribute("href")
    page.get_by_label("Age in years").fill("10")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"age=10"))
    page.get_by_role("heading", name="No trials found").wait_for()


def test_the_patient_filters_work_without_javascript(seeded, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(seeded.url + "/?country=CN")
    page.get_by_label("Age in years").fill("40")
    page.get_by_role("radio", name=re.compile("^Women")).check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"age=40"))
    assert "country=CN" in page.url and "sex=female" in page.url
    page.get_by_role("heading", name=re.compile(r"\d+ trials?$")).wait_for()
    context.close()


def test_the_start_date_form_filters_and_its_chip_removes_it(seeded, browser):
    """The sidebar's start dates, without JavaScript: the URL gets both ends, one chip says
    them and removes both."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(seeded.url + "/?country=CN")
    page.get_by_label("Start date From").fill("2000")
    page.get_by_label("Start date To").fill("2030-06")
    page.get_by_role("button", name="Set dates (start date)").click()
    page.wait_for_url(re.compile(r"start_from=2000&start_to=2030-06"))
    assert "country=CN" in page.url
    chip = page.locator(".chip", has_text="Start date: 2000 to June 2030")
    chip.click()
    page.wait_for_url(re.compile(r"/\?country=CN$"))
    context.close()
