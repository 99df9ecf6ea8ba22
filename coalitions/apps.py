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

        from . import (
            api_fields,  # noqa: F401  (the till API's Member.coalition)
            dashboard,  # noqa: F401  (the owner's pending invitations on the portal's dashboard)
            demo,  # noqa: F401  (the demo's coalition of two shops)
            notices,  # noqa: F401  (the member card's notice after their shop left)
            pages,  # noqa: F401  (the member card's and the shop page's sections)
            signals,  # noqa: F401  (a changed coalition marks its shops' programs changed)
        )
        from .config import coalition_import
        from .selectors import coalition_of_program
        from .services import leaving  # noqa: F401  (the coalitions_left job)
        from .services.members import shared_member

        hooks.config_document("coalition", coalition_import)
        hooks.shared_member(shared_member)
        hooks.account_sharing(lambda program: coalition_of_program(program) is not None)
        hooks.portal_link("coalitions:home", _("Coalition"), Role.MANAGER, order=60)
