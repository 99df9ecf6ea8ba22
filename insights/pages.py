"""What insights adds to other pages: the member's segment on the portal's member page and at the counter ("At
risk: last visit 62 days ago"). A shop the segments job never scored pays no query for it after the first look
(the answer is kept in the cache, and the job sets it when it scores the shop)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from loyalty import hooks

from .models import RfmScore

SCORED_TTL = 3600


def scored_key(shop_id: int) -> str:
    return f"insights:scored:{shop_id}"


def shop_scored(shop_id: int) -> bool:
    scored = cache.get(scored_key(shop_id))
    if scored is None:
        scored = RfmScore.objects.filter(shop_id=shop_id).exists()
        cache.set(scored_key(shop_id), scored, SCORED_TTL)
    return scored


def member_segment(member) -> dict | None:
    """The member's segment with the days since their last visit (their account's latest purchase, which may be
    newer than the scores)."""
    if not shop_scored(member.shop_id):
        return None
    score = RfmScore.objects.select_related("member__account").filter(member_id=member.pk).first()
    if score is None:
        return None
    last = max(filter(None, [score.last_purchase_at, score.member.account.last_purchase_at]))
    return {"score": score, "days_since": (timezone.now() - last).days}


@hooks.page_section("portal.member", "insights/partials/member_segment.html", order=30)
def portal_member(*, member, **_):
    return member_segment(member)


@hooks.page_section("counter.member", "insights/partials/counter_segment.html", order=30)
def counter_member(*, member, **_):
    return member_segment(member)
