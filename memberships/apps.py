from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipsConfig(AppConfig):
    name = "memberships"
    verbose_name = _("Paid memberships")
    default_auto_field = "django.db.models.BigAutoField"
    api_router = "memberships.api.router"
    urls = "memberships.urls"

    def ready(self) -> None:
        from loyalty import hooks
        from loyalty.models import Role

        from . import (
            benefits,  # noqa: F401  (the benefit source, the till API's membership field, members-only rewards)
            config,  # noqa: F401  (the `memberships` configuration section)
            demo,  # noqa: F401  (the demo café's VIP plan and its members)
            insights_hooks,  # noqa: F401  (the program report's figures and segment rules)
            pages,  # noqa: F401  (the counter's, the member card's and the portal's member page sections)
        )
        from .services import grants, jobs  # noqa: F401  (the membership_rewards, memberships_renewed jobs)

        hooks.portal_link("memberships:plans", _("Memberships"), Role.MANAGER, order=50)
