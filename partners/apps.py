from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Affiliate partners")
    default_auto_field = "django.db.models.BigAutoField"
    urls = "partners.urls"
    api_router = "partners.api.router"

    def ready(self) -> None:
        from loyalty import hooks
        from loyalty.models import Role

        from . import (
            config,  # noqa: F401  (the `partners` configuration section)
            demo,  # noqa: F401  (the demo café's partner)
            handlers,  # noqa: F401  (enrolments, purchases and refunds)
            insights_hooks,  # noqa: F401  (the commissions in the program report)
            pages,  # noqa: F401  (the portal's member page section, the partner's sign-in destination)
        )
        from .services import commissions  # noqa: F401  (the commissions_approved job)

        hooks.portal_link("partners:partners", _("Partners"), Role.MANAGER, order=40)
