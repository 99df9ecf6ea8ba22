from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Challenges and community")
    default_auto_field = "django.db.models.BigAutoField"
    urls = "challenges.urls"

    def ready(self) -> None:
        from loyalty import hooks
        from loyalty.models import Role

        from . import (
            config,  # noqa: F401  (the challenges, impact, surprises and community sections)
            demo,  # noqa: F401  (the demo café's challenge, impact and surprise)
            handlers,  # noqa: F401  (purchases, refunds and donations)
            insights_hooks,  # noqa: F401  (the program report's figures and segment rules)
            pages,  # noqa: F401  (the member card's, the counter's and the portal's sections)
        )
        from .services import badges, challenges, leaderboards  # noqa: F401  (their jobs)

        hooks.portal_link("challenges:challenges", _("Challenges"), Role.MANAGER, order=50)
