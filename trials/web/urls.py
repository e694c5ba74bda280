from django.urls import path

from trials.web import api, trial_page, views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("trials/", views.search_page, name="trials"),
    path("trials/<str:key>/", trial_page.trial_page, name="trial_detail"),
    path("api/", api.docs, name="api_docs"),
    path("api/schema/", api.schema, name="api_schema"),
    path("api/trials/", api.api_search, name="api_search"),
    path("api/trials/<str:key>/", api.api_trial, name="api_trial"),
    # An ID with a slash (CTRI/2020/01/022345) written into the URL as it is: the trial page
    # finds the trial by that ID and redirects to its URL-safe key.
    path("trials/<path:key>/", trial_page.trial_page, name="trial_by_raw_id"),
    path("healthz", views.healthz, name="healthz"),
]
