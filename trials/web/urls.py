from django.urls import path

from trials.web import alerts, api, compare, exports, feeds, trial_page, views

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
    # E-mail alerts for a search (trials/web/alerts.py).
    path("alerts/", alerts.signup_view, name="alert_signup"),
    path("alerts/sent/", alerts.sent_view, name="alert_sent"),
    path("alerts/confirm/<str:token>/", alerts.confirm_view, name="alert_confirm"),
    path("alerts/unsubscribe/<str:token>/", alerts.unsubscribe_view, name="alert_unsubscribe"),
    # Taking a search away (issue 17): the search page's parameters, every matching trial.
    path("export/trials.csv", exports.export, {"fmt": "csv"}, name="export_csv"),
    path("export/trials.jsonl", exports.export, {"fmt": "jsonl"}, name="export_jsonl"),
    path("export/trials.ris", exports.export, {"fmt": "ris"}, name="export_ris"),
    path("feeds/trials.atom", feeds.TrialsFeed(), name="feed"),
    path("compare/", compare.compare_page, name="compare"),
]
