"""The e-mail alerts' pages: sign up, confirm, unsubscribe (the work is in trials/alerts/).

- `POST /alerts/` (the results page's small form, or the page `GET /alerts/?<search>`): e-mail,
  frequency and the search's query string. A bad address is a 400 naming the field, too many
  sign-ups a 429; otherwise a redirect to "check your inbox", whatever the address (the page
  never tells who has an alert).
- `/alerts/confirm/<token>/`: GET shows a button, POST confirms. A link followed by a mail
  scanner's robot must not confirm an alert its owner never asked for (the double opt-in).
- `/alerts/unsubscribe/<token>/`: GET shows a button, POST deletes the alert: the page's button
  and RFC 8058's one-click POST from mail clients (`List-Unsubscribe-Post`).

No CSRF token: the search page is served from a shared cache (views._cached_by_data_version), so a
token in its form would be another visitor's, and mail clients' one-click POSTs carry none.
None is needed: no session or account is acted for. A sign-up asks for an e-mail that must
itself confirm (and is throttled); a POST from another site's page (the browser says so in
`Sec-Fetch-Site` or `Origin`) is refused anyway. Confirming and unsubscribing need the link's
secret, which is the authority.
"""

from __future__ import annotations

import logging
import smtplib
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from portal.client import client_address, client_key
from trials.alerts import signup
from trials.alerts.models import Alert
from trials.alerts.searches import canonical, describe

logger = logging.getLogger(__name__)

# The stored search is a query string of the page's parameters; more than this is not a search.
SEARCH_MAX = 4000


class AlertForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    frequency = forms.ChoiceField(
        label="How often",
        choices=Alert.Frequency.choices,
        initial=Alert.Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    search = forms.CharField(required=False, max_length=SEARCH_MAX, widget=forms.HiddenInput)


def _cross_site(request: HttpRequest) -> bool:
    """Whether the browser says the POST comes from another site's page."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.get_host()
    return False


def _signup_page(request: HttpRequest, form: AlertForm, search: str, status: int, **extra):
    context = {"form": form, "search": describe(search), **extra}
    response = render(request, "alerts/signup.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "3600"
    return response


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        search, notices = canonical(request.GET)
        form = AlertForm(initial={"search": search})
        return _signup_page(request, form, search, 200, notices=list(notices.values()))
    if _cross_site(request):
        return render(request, "alerts/refused.html", status=403)
    form = AlertForm(request.POST)
    search = ""
    if form.is_valid():
        search, _ = canonical(QueryDict(form.cleaned_data["search"]))
    # The client as the rate limits and the login throttle see it (TRUSTED_PROXY_COUNT); with
    # no address at all (a unix socket), counted as one, like the e-mail throttle alone.
    client = client_key(client_address(request)) or ""
    if not signup.client_allowed(client):
        return _signup_page(request, form, search, 429, throttled=True)
    if not form.is_valid():
        return _signup_page(request, form, search, 400)
    email = form.cleaned_data["email"]
    if not signup.email_allowed(email):
        return _signup_page(request, form, search, 429, throttled=True)
    try:
        signup.sign_up(email, search, form.cleaned_data["frequency"])
    except (OSError, smtplib.SMTPException):
        logger.exception("alert sign-up: the confirmation e-mail could not be sent")
        return _signup_page(request, form, search, 503, unsent=True)
    return redirect("alert_sent")


@require_safe
def sent_view(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/sent.html", {"hours": settings.ALERT_CONFIRM_HOURS})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    alert = signup.pending(token)
    if alert is None:
        return render(request, "alerts/gone.html", {"confirming": True}, status=404)
    context = {"alert": alert, "search": describe(alert.search)}
    if request.method in ("GET", "HEAD"):
        return render(request, "alerts/confirm.html", context)
    signup.confirm(alert)
    context["unsubscribe_token"] = signup.unsubscribe_token(alert)
    return render(request, "alerts/confirmed.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    alert_id = signup.unsubscribe_id(token)
    if alert_id is None:
        return render(request, "alerts/gone.html", status=404)
    if request.method == "POST":
        # Deleted, not flagged: the address was kept for this alert only.
        Alert.objects.filter(pk=alert_id).delete()
        return render(request, "alerts/unsubscribed.html")
    alert = Alert.objects.filter(pk=alert_id, confirmed__isnull=False).first()
    if alert is None:
        return render(request, "alerts/unsubscribed.html")
    context = {"alert": alert, "search": describe(alert.search), "token": token}
    return render(request, "alerts/unsubscribe.html", context)
