from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

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
