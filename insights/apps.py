from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")
    default_auto_field = "django.db.models.BigAutoField"
    urls = "insights.urls"
    api_router = "insights.api.router"

    def ready(self) -> None:
        from loyalty import hooks
        from loyalty.models import MessageKind, Role
        from loyalty.services.notifications import message_event

        from . import (
            demo,  # noqa: F401  (the demo café's segments and campaign)
            member_filters,  # noqa: F401  (the portal's members table by segment)
            pages,  # noqa: F401  (the member's segment on the portal's member page and at the counter)
            rollups,  # noqa: F401  (the `insights_rollups` job, and merges' stale days)
            tasks,  # noqa: F401  (registers send_campaign, which loyalty.queue names)
        )
        from .services import campaigns, segments  # noqa: F401  (the `segments` and `campaigns_sent` jobs)

        message_event("campaign", MessageKind.MARKETING, _("Campaign"))
        hooks.portal_link("insights:dashboard", _("Insights"), Role.MANAGER, order=20)
        hooks.portal_link("insights:segments", _("Segments"), Role.MANAGER, order=21)
        hooks.portal_link("insights:campaigns", _("Campaigns"), Role.MANAGER, order=22)
