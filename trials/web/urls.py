from django.urls import path

from trials.web import trial_page, views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("trials/", views.search_page, name="trials"),
    path("trials/<str:key>/", trial_page.trial_page, name="trial_detail"),
    path("api/trials/", views.api_search, name="api_search"),
    path("api/trials/<str:key>/", views.api_trial, name="api_trial"),
    path("healthz", views.healthz, name="healthz"),
]
