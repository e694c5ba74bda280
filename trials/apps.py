from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "trials"
    verbose_name = "Clinical trials"
    default_auto_field = "django.db.models.BigAutoField"
