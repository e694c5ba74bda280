from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "trials"
    verbose_name = "Clinical trials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trials import lookups  # noqa: F401 - registers field__any
