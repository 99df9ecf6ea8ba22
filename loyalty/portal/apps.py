from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The owner's portal keeps its own records: member imports (their file, progress and errors) and the
    versions of the shop's configuration. An app of its own so its tables have their own migrations."""

    name = "loyalty.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the import task that loyalty.queue names)
