from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipsConfig(AppConfig):
    name = "memberships"
    verbose_name = _("Paid memberships")
    default_auto_field = "django.db.models.BigAutoField"
    api_router = "memberships.api.router"

    def ready(self) -> None:
        from . import (
            benefits,  # noqa: F401  (the benefit source, the till API's membership field, members-only rewards)
            config,  # noqa: F401  (the `memberships` configuration section)
        )
        from .services import grants, jobs  # noqa: F401  (the membership_rewards, memberships_renewed jobs)
