from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views import defaults
from django.views.generic import TemplateView

from trials.web import api

# Any exception not handled: 503 with Retry-After when the database is away, else the 500 page
# (JSON under /api/).
handler500 = "portal.outage.server_error"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("trials.web.urls")),
]

if settings.BENCHMARK:
    # The base template and no database work: what `make bench` compares every page with.
    # Served only to the benchmark's own server (bench/server.py sets PORTAL_BENCHMARK=1).
    urlpatterns.append(
        path("bench/ceiling", TemplateView.as_view(template_name="ceiling.html"), name="ceiling")
    )


def handler400(request, exception=None):
    """Under /api/, JSON like every API answer ("too many parameters"); elsewhere Django's."""
    if request.path.startswith("/api/"):
        return api.bad_request(request, exception)
    return defaults.bad_request(request, exception)


def handler404(request, exception=None):
    """Under /api/, JSON like every API answer (trials/web/api.py); elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return api.not_found(request, exception)
    return defaults.page_not_found(request, exception)
