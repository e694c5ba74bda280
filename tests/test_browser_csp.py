"""The browser tests' guard (tests/conftest.py's `page`): a Content-Security-Policy violation on
a page is caught, so that every browser test fails on one (issue 16 point 2)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_or_style_is_refused_and_reported(live_server, page, csp_violations):
    page.goto(live_server.url + "/")
    page.locator("h1").first.wait_for()
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.body.append(script);
            document.body.setAttribute("style", "color: red");
        }"""
    )
    page.wait_for_timeout(300)  # the reports are events
    assert page.evaluate("window.ranInline") is None  # refused by the policy
    text = "\n".join(csp_violations)
    assert "script-src" in text and "style-src" in text, text
    csp_violations.clear()  # seen: this test's page is not to fail for them
