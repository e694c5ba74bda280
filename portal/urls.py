from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

# Any exception not handled: 503 with Retry-After when the database is away, else the 500 page.
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
