"""What challenges add to custom segments (a challenge completed), read by the insights app through loyalty.hooks."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty import hooks

from .models import Challenge, Progress


def _challenges(shop, op: str, value):
    known = set(Challenge.objects.filter(shop=shop).values_list("code", flat=True))
    if not isinstance(value, list) or not value or any(code not in known for code in value):
        raise ValueError
    return value


@hooks.segment_rule("challenge_completed", _("Challenge completed"), ("in",), _challenges)
def challenge_completed(shop, rule, at) -> Q:
    """They completed one of these challenges (by `at`)."""
    done = Progress.objects.filter(
        challenge__shop=shop, challenge__code__in=rule["value"], completed_at__isnull=False, completed_at__lte=at
    )
    return Q(pk__in=done.values("member_id"))
