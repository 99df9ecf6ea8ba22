from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (
            signals,  # noqa: F401  (connects the receivers)
            tasks,  # noqa: F401  (registers the tasks that loyalty.queue names, and through them the jobs)
        )
        from .celery import ensure_filesystem_broker_folders
        from .services import expiry  # noqa: F401  (registers the expiry job)

        ensure_filesystem_broker_folders()
