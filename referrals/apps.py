from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"
    api_router = "referrals.api.router"
    urls = "referrals.urls"

    def ready(self) -> None:
        from loyalty import hooks
        from loyalty.models import Role

        from . import (
            config,  # noqa: F401  (the `referral` configuration section)
            demo,  # noqa: F401  (the demo café's referral program and referrals)
            handlers,  # noqa: F401  (enrolments, first purchases and refunds)
            insights_hooks,  # noqa: F401  (the program report's figures and segment rules)
            pages,  # noqa: F401  (the card, counter and portal member page sections)
        )
        from .services import approval  # noqa: F401  (the referrals_approved job, the approval message)

        hooks.portal_link("referrals:referrals", _("Referrals"), Role.MANAGER, order=30)
