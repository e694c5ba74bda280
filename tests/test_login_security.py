"""The admin login under attack (issue 16 point 1): one count per account however its name is
spelt, one per client address (X-Forwarded-For only through trusted proxies), progressive
delays that cannot keep the real curator out, malformed input as a form error, two factors."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.client import client_address
from trials.admin import login

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
PASSWORD = "a long curator password"
THROTTLED = "Too many failed logins"
WRONG = "not the password"
# Spellings that the login folds (strip, NFKC) into `victim`, and case variants of them.
LOOK_ALIKES = [
    "ｖｉｃｔｉｍ",  # full-width
    "ＶＩＣＴＩＭ",
    "Victim",
    " victim ",
    "𝐯𝐢𝐜𝐭𝐢𝐦",  # mathematical bold
    "𝔳𝔦𝔠𝔱𝔦𝔪",  # fraktur
    "ⓥⓘⓒⓣⓘⓜ",  # circled
    "ᵛⁱᶜᵗⁱᵐ",  # modifier letters
]


class Clock:
    def __init__(self):
        self.time = 1_900_000_000.0

    def __call__(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(login, "now", clock)
    return clock


@pytest.fixture
def victim(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    cache.clear()
    yield User.objects.create_user("victim", password=PASSWORD, is_staff=True)
    cache.clear()


def attempt(client, username="victim", password=WRONG, ip="10.0.0.1", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip, **_xff(extra)
    )


def _xff(extra: dict) -> dict:
    forwarded = extra.pop("forwarded", None)
    return {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


# --- Malformed input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, password",
    [
        ("vic\x00tim", "wrong"),
        ("victim", "wr\x00ng"),
        ("vic\x07tim", "wrong"),
        ("victim\n", "wrong\r\n"),
        ("v" * 151, "wrong"),
        ("victim", "p" * 1025),
        ("v" * 100_000, "p" * 100_000),
    ],
)
def test_malformed_input_is_a_form_error_not_a_500(client, victim, username, password):
    client.raise_request_exception = False
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_the_raw_nul_of_the_issue_answers_200(client, victim):
    client.raise_request_exception = False
    response = client.post(
        LOGIN, "username=vic%00tim&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


# --- One account however it is spelt ---------------------------------------------------------


def test_every_look_alike_folds_to_the_one_account_key():
    assert {login.account_key(name) for name in LOOK_ALIKES} == {"victim"}
    assert login.account_key("alice") != login.account_key("victim")


def test_the_full_width_spelling_logs_in_as_victim_so_it_is_counted_with_it(client, victim, clock):
    # The bypass of the issue: ｖｉｃｔｉｍ logs in (Django folds it with NFKC) ...
    assert logged_in(attempt(client, "ｖｉｃｔｉｍ", PASSWORD, ip="10.1.0.1"))
    client.logout()
    # ... so failures under `victim` hold it back as well, from any address.
    for n in range(10):
        attempt(client, "victim", ip=f"10.2.0.{n}")
    response = attempt(client, "ｖｉｃｔｉｍ", PASSWORD, ip="10.3.0.1")
    assert THROTTLED in response.content.decode()
    assert not logged_in(response)


def test_look_alike_spellings_share_one_count(client, victim, clock):
    # Ten failures spread over the spellings and over ten addresses: no address reaches its
    # own limit, the account does.
    for n in range(10):
        response = attempt(client, LOOK_ALIKES[n % len(LOOK_ALIKES)], ip=f"10.4.0.{n}")
        assert THROTTLED not in response.content.decode()
    for name in ["victim", *LOOK_ALIKES]:
        response = attempt(client, name, PASSWORD, ip="10.5.0.1")
        assert THROTTLED in response.content.decode(), name


# --- The client's address --------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(_request("10.0.0.1", "203.0.113.9")) == "10.0.0.1"


def test_with_trusted_proxies_the_right_hop_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request("10.9.9.9", "1.1.1.1, 203.0.113.9")) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(_request("10.9.9.9", "1.1.1.1, 203.0.113.9, 10.8.8.8")) == "203.0.113.9"
    # Fewer hops than proxies, or a hop that is no address: the peer.
    assert client_address(_request("10.9.9.9", "203.0.113.9")) == "10.9.9.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request("10.9.9.9", "1.1.1.1, junk")) == "10.9.9.9"
    assert client_address(_request("10.9.9.9")) == "10.9.9.9"


def test_a_forged_x_forwarded_for_does_not_change_the_counted_address(client, victim, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):  # other accounts, each forging another address
        attempt(client, f"nobody{n}", ip="10.6.0.1", forwarded=f"198.51.100.{n}")
    response = attempt(client, "victim", PASSWORD, ip="10.6.0.1", forwarded="198.51.100.99")
    assert THROTTLED in response.content.decode()
    assert logged_in(attempt(client, "victim", PASSWORD, ip="10.6.0.2"))


def test_behind_one_proxy_the_forwarded_client_is_counted(client, victim, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.7.0.1"  # every request comes through it
    for n in range(5):  # the forged left part changes; the proxy's hop does not
        attempt(client, f"nobody{n}", ip=proxy, forwarded=f"198.51.100.{n}, 203.0.113.5")
    response = attempt(client, "victim", PASSWORD, ip=proxy, forwarded="203.0.113.5")
    assert THROTTLED in response.content.decode()
    # Another client behind the same proxy is not held back.
    assert logged_in(attempt(client, "victim", PASSWORD, ip=proxy, forwarded="203.0.113.6"))


# --- Progressive delays, no lock-out ---------------------------------------------------------


def test_delays_double_and_refusals_do_not_lengthen_them(client, victim, clock, settings):
    settings.LOGIN_DELAY_BASE = 4
    for _ in range(5):
        attempt(client, "nobody")
    waits = []
    for _ in range(4):
        counter = _address_counter("10.0.0.1")
        waits.append(counter.wait())
        response = attempt(client, "victim", PASSWORD)  # refused: not a failure
        assert f"Try again in {counter.wait()} seconds" in response.content.decode()
        clock.advance(counter.wait())
        attempt(client, "nobody")  # a real failure
    assert waits == [4, 8, 16, 32]


def _address_counter(ip: str) -> login.FailureCounter:
    from django.conf import settings

    return login.FailureCounter(
        "address",
        ip,
        free=settings.LOGIN_FREE_FAILURES_ADDRESS,
        max_delay=settings.LOGIN_MAX_DELAY_ADDRESS,
    )


def test_the_real_curator_gets_in_from_elsewhere_after_an_attack(client, victim, clock, settings):
    attacker = "10.66.0.1"
    for _ in range(40):  # each a real failure: the attacker waits out every delay
        clock.advance(max(_address_counter(attacker).wait(), 1))
        assert THROTTLED not in attempt(client, "ｖｉｃｔｉｍ", ip=attacker).content.decode()
    # The curator, from another address, waits the account's bound at most ...
    text = attempt(client, "victim", PASSWORD, ip="10.0.0.2").content.decode()
    assert f"Try again in {settings.LOGIN_MAX_DELAY_ACCOUNT} seconds" in text
    clock.advance(settings.LOGIN_MAX_DELAY_ACCOUNT)
    assert logged_in(attempt(client, "victim", PASSWORD, ip="10.0.0.2"))
    client.logout()
    # ... while the attacker's address still waits the long bound, right password or not.
    response = attempt(client, "victim", PASSWORD, ip=attacker)
    assert THROTTLED in response.content.decode()
    assert _address_counter(attacker).wait() > settings.LOGIN_MAX_DELAY_ACCOUNT


def test_a_burst_on_a_new_name_gets_the_free_attempts_once(victim):
    # Two workers meet a name nobody has failed on yet, at the same moment.
    first, second = _address_counter("10.9.0.1"), _address_counter("10.9.0.1")
    claims = [first.claim(), second.claim(), first.claim(), second.claim(), first.claim()]
    assert claims == [True] * 5  # the free attempts, shared
    assert not first.claim() and not second.claim()


def test_simultaneous_attempts_cannot_share_one_allowance(victim, clock):
    counter = _address_counter("10.8.0.1")
    for _ in range(5):
        counter.fail()
    clock.advance(counter.wait())
    later = _address_counter("10.8.0.1")  # another worker reading the same count
    assert counter.claim()
    assert not later.claim()


# --- Two factors -----------------------------------------------------------------------------


@pytest.fixture
def require_2fa(settings, victim):
    settings.ADMIN_REQUIRE_2FA = True


def _device(user) -> TOTPDevice:
    out = io.StringIO()
    call_command("add_totp", user.username, stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("otpauth://totp/")
    return TOTPDevice.objects.get(user=user)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_without_a_device_are_told_how_to_get_one(client, require_2fa):
    response = attempt(client, "victim", PASSWORD)
    assert not logged_in(response)
    assert "manage.py add_totp victim" in response.content.decode()


def test_two_factors_a_password_alone_is_refused(client, require_2fa, victim, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own delay after a wrong code: not here
    device = _device(victim)
    assert 'name="otp_token"' in client.get(LOGIN).content.decode()
    assert not logged_in(attempt(client, "victim", PASSWORD))
    assert not logged_in(attempt(client, "victim", PASSWORD, otp_token="000000"))
    response = attempt(client, "victim", PASSWORD, otp_token=_code(device))
    assert logged_in(response)
    assert client.get("/admin/").status_code == 200


def test_a_session_without_the_second_factor_is_sent_to_the_login(client, require_2fa, victim):
    _device(victim)
    client.force_login(victim)
    assert client.get("/admin/").status_code == 302


def test_without_the_setting_the_login_is_as_before(client, victim, settings):
    settings.ADMIN_REQUIRE_2FA = False
    assert 'name="otp_token"' not in client.get(LOGIN).content.decode()
    assert logged_in(attempt(client, "victim", PASSWORD))
    assert client.get("/admin/").status_code == 200


def test_the_throttle_counts_are_not_culled_by_a_flood_of_keys():
    from django.conf import settings
    from django.core.cache import cache

    # Django's DatabaseCache culls a third of its entries past MAX_ENTRIES (default 300):
    # a flood of addresses could otherwise push out the count of the account attacked.
    assert settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"] >= 100_000
    assert cache._max_entries == settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"]
