"""The admin login: whose failures count together, how long a client then waits, the second
factor.

- **Who is counted.** Failures are counted twice: under the account (`account_key`: the name
  folded as authentication folds it, so `ｖｉｃｔｉｍ` and `victim` are one account) and under
  the client's address (`portal.client.client_address`, which honours X-Forwarded-For only
  through `TRUSTED_PROXY_COUNT` trusted proxies).
- **Progressive delays, never a lock-out.** After a counter's free failures each further one
  doubles the wait before the next attempt it allows (`LOGIN_DELAY_BASE` seconds first). An
  address waits up to `LOGIN_MAX_DELAY_ADDRESS`, an account only up to
  `LOGIN_MAX_DELAY_ACCOUNT`: an attacker's failures slow the attacker's address down for long,
  while the real curator, from another address, waits at most the account's bound. A refused
  attempt is not a failure (retrying does not lengthen the wait); a success clears both counters.
- **Shared.** The counters live in Django's cache, the database cache (settings.CACHES), so every
  worker and machine counts together. Each attempt first claims a slot (`cache.add`, atomic): a
  burst of simultaneous attempts cannot all go through on one count.
- **Malformed input** (NUL or other control characters, over-long names or passwords) is a form
  error; counters are keyed by a digest, so no input reaches a cache key.
- **Two factors** with django-otp when `ADMIN_REQUIRE_2FA=1`: a staff account needs a confirmed
  TOTP device (`manage.py add_totp USER`) and the current code from it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import UsernameField
from django.core.cache import cache
from django.core.validators import MaxLengthValidator
from django_otp import devices_for_user, match_token

from portal.client import client_address

SLOT_SECONDS = 60  # an attempt's claim lapses after this, should its request die half-way


def account_key(username: str) -> str:
    """The one definition of whose login failures count together. Authentication receives the
    name as the login form's UsernameField cleans it (stripped, NFKC-normalized) and looks the
    user up by exactly that; the count folds case as well, so that no spelling that can log in
    as an account escapes its count (spellings that cannot are harmless to count with it)."""
    folded = UsernameField().to_python(username)
    return unicodedata.normalize("NFKC", folded.casefold())


def now() -> float:
    """The clock of the delays (tests move it)."""
    return time.time()


def _no_control_characters(value: str) -> None:
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise forms.ValidationError("Control characters are not allowed.", code="malformed")


class FailureCounter:
    """Failures under one name (an account or an address) and the wait they impose."""

    def __init__(self, kind: str, name: str, *, free: int, max_delay: int):
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        self.key = f"login-failures:{kind}:{digest}"
        self.free, self.max_delay = free, max_delay
        self.state = cache.get(self.key)
        if self.state is None:  # one state for every worker that meets a new name at once
            fresh = {"failures": 0, "last": 0.0, "id": _token()}
            cache.add(self.key, fresh, settings.LOGIN_FAILURES_KEPT)
            self.state = cache.get(self.key) or fresh

    def delay(self) -> float:
        excess = self.state["failures"] - self.free
        if excess < 0:
            return 0.0
        return min(self.max_delay, settings.LOGIN_DELAY_BASE * 2**excess)

    def wait(self) -> int:
        """Whole seconds before this counter lets another attempt through (0: now)."""
        return max(0, math.ceil(self.state["last"] + self.delay() - now()))

    def claim(self) -> bool:
        """Take one of the attempts this count still allows: the free ones left, else one."""
        failures = self.state["failures"]
        slots = max(1, self.free - failures)
        base = f"{self.key}:{self.state['id']}:{failures}"
        return any(cache.add(f"{base}:{slot}", True, SLOT_SECONDS) for slot in range(slots))

    def fail(self) -> None:
        current = cache.get(self.key) or self.state
        self.state = {**current, "failures": current["failures"] + 1, "last": now()}
        cache.set(self.key, self.state, settings.LOGIN_FAILURES_KEPT)

    def clear(self) -> None:
        cache.delete(self.key)


def _token() -> str:
    return secrets.token_hex(8)


class LoginForm(AdminAuthenticationForm):
    """The admin login with the counters above and, when required, the second factor."""

    otp_token = forms.CharField(
        required=False,
        max_length=16,
        label="Authentication code",
        help_text="The 6-digit code your authenticator app shows.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": "Too many failed logins. Try again in %(seconds)d seconds.",
        "no_device": (
            "This staff account has no two-factor device yet, and this site requires one. "
            "An administrator gives it one with `manage.py add_totp %(username)s`, which prints "
            "the otpauth:// address to add to an authenticator app."
        ),
        "bad_token": "Enter the current code from your authenticator app.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.validators += [MaxLengthValidator(username.max_length), _no_control_characters]
        password = self.fields["password"]
        password.validators += [
            MaxLengthValidator(settings.LOGIN_MAX_PASSWORD),
            _no_control_characters,
        ]
        if not settings.ADMIN_REQUIRE_2FA:
            del self.fields["otp_token"]

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or self.cleaned_data.get("password") is None:
            return super().clean()  # a field error already says what is wrong; no attempt
        counters = [
            FailureCounter(
                "address",
                client_address(self.request),
                free=settings.LOGIN_FREE_FAILURES_ADDRESS,
                max_delay=settings.LOGIN_MAX_DELAY_ADDRESS,
            ),
            FailureCounter(
                "account",
                account_key(username),
                free=settings.LOGIN_FREE_FAILURES_ACCOUNT,
                max_delay=settings.LOGIN_MAX_DELAY_ACCOUNT,
            ),
        ]
        wait = max(counter.wait() for counter in counters)
        if wait or not all(counter.claim() for counter in counters):
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"seconds": wait or 1}
            )
        try:
            data = super().clean()
            self._check_second_factor()
        except forms.ValidationError:
            for counter in counters:
                counter.fail()
            raise
        for counter in counters:
            counter.clear()
        return data

    def _check_second_factor(self) -> None:
        if not settings.ADMIN_REQUIRE_2FA:
            return
        user = self.get_user()
        if not any(devices_for_user(user, confirmed=True)):
            raise forms.ValidationError(
                self.error_messages["no_device"],
                code="no_device",
                params={"username": user.get_username()},
            )
        token = (self.cleaned_data.get("otp_token") or "").strip()
        device = match_token(user, token) if token else None
        if device is None:
            raise forms.ValidationError(self.error_messages["bad_token"], code="bad_token")
        # django_otp stores it in the session when Django logs the user in (user_logged_in).
        user.otp_device = device
