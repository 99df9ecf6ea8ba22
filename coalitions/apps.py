from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoalitionsConfig(AppConfig):
    name = "coalitions"
    verbose_name = _("Coalitions of shops")
    default_auto_field = "django.db.models.BigAutoField"
    api_router = "coalitions.api.router"
    urls = "coalitions.urls"

    def ready(self) -> None:
        from loyalty import hooks
        from loyalty.models import Role

        from . import notices  # noqa: F401  (the member card's notice after their shop left)
        from .config import coalition_import
        from .services import leaving  # noqa: F401  (the coalitions_left job)
        from .services.members import shared_member

        hooks.config_document("coalition", coalition_import)
        hooks.shared_member(shared_member)
        hooks.portal_link("coalitions:home", _("Coalition"), Role.MANAGER, order=60)
