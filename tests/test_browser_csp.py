"""The browser tests' guard (tests/conftest.py's `page`): a Content-Security-Policy violation on
a page is caught, so that every browser test fails on one (issue 16 point 2); the admin login
with its second factor, and a changelist, pass under the policy."""

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


def test_a_staff_member_logs_in_with_a_code_under_the_policy(live_server, page, settings):
    from django.contrib.auth.models import User
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.ADMIN_REQUIRE_2FA = True
    user = User.objects.create_superuser("keeper", password="a long keeper password")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("keeper")
    page.get_by_label("Password").fill("a long keeper password")
    page.get_by_label("Authentication code").fill(f"{code:06d}")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Site administration").wait_for()
    page.goto(live_server.url + "/admin/trials/trial/")  # a changelist, with Django admin's JS
    page.locator("#changelist").wait_for()
