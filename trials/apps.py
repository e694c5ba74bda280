from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "trials"
    verbose_name = "Clinical trials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trials import lookups  # noqa: F401 - registers field__any

        # The registry syncs' and the alerts' models are the trials app's (its migrations), kept
        # beside their code; imported here rather than by trials.models, which both import.
        from trials.alerts import models as alert_models  # noqa: F401
        from trials.sync import models  # noqa: F401
