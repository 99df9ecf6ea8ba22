"""What a membership adds to the core (loyalty.hooks): its benefits (the member discount, the points multiplier,
free delivery) for the quote, the purchase, the counter and the API; the till API's `membership` field; and the
rewards only a plan's members may redeem. A shop without plans pays no query for any of them."""

from __future__ import annotations

from datetime import datetime

from loyalty import hooks

from .models import Membership
from .services.plans import member_plans_summary

_CACHE = "_regulars_membership"  # the member's membership, read once per member object


def membership_of(member) -> Membership | None:
    """The member's membership with its plan (or None), read once per member object: a request that asks for the
    discount, the badge and the API field pays one query."""
    if _CACHE not in member.__dict__:
        member.__dict__[_CACHE] = (
            Membership.objects.select_related("plan").filter(member_id=member.pk).first()
            if member_plans_summary(member).enabled
            else None
        )
    return member.__dict__[_CACHE]


def membership_forget(member) -> None:
    """After a change of the member's membership in this request."""
    member.__dict__.pop(_CACHE, None)


@hooks.benefit_source
def membership_benefits(member, at: datetime):
    membership = membership_of(member)
    if membership is None or not membership.benefits_at(at):
        return []
    plan = membership.plan
    return [
        hooks.Benefit(
            label=plan.name,
            points_multiplier=plan.points_multiplier,
            discount_percent=plan.discount_percent,
            free_delivery=plan.free_delivery,
        )
    ]


@hooks.member_field("membership")
def membership_field(member, at: datetime) -> dict | None:
    """pos-api.md's Member.membership: the plan, its status now and the end of the time paid for."""
    membership = membership_of(member)
    if membership is None:
        return None
    return {"plan": membership.plan.code, "status": membership.status_at(at), "ends_at": membership.ends_at}


@hooks.redemption_check
def members_only_reward(reward, member, at: datetime) -> str | None:
    """A reward some plan keeps for its members: "not_eligible" unless the member has one of those plans now."""
    plans = member_plans_summary(member).member_rewards.get(reward.code)
    if not plans:
        return None
    membership = membership_of(member)
    if membership is not None and membership.plan_id in plans and membership.benefits_at(at):
        return None
    return "not_eligible"
