"""Monthly reward vouchers of a membership: given once per membership, calendar month (in the shop's time zone) and
reward — the unique grant row decides, so a job run twice or a payment in the same month gives nothing more — and
taken back (cancelled, unused ones only) when the membership is refunded."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from loyalty.hooks import job
from loyalty.services.ledger import Actor
from loyalty.services.sql import insert_unless_conflict
from rewards.models import Reward, VoucherSource, VoucherStatus
from rewards.services import voucher_close, voucher_issue

from ..models import Membership, MembershipPlan, MonthlyGrant, Status
from .periods import month_key


def month_grant(membership: Membership, at: datetime) -> list:
    """The vouchers of the plan's monthly rewards for the month of `at`, those not given yet; [] outside an
    active period (a trial or grace gives none)."""
    plan = membership.plan
    if not plan.monthly_rewards or membership.status_at(at) != Status.ACTIVE:
        return []
    month = month_key(at, membership.shop.tz)
    rewards = {r.code: r for r in Reward.objects.filter(shop_id=membership.shop_id, code__in=plan.monthly_rewards)}
    member = membership.member
    member.shop = membership.shop
    issued = []
    for code in plan.monthly_rewards:
        reward = rewards.get(code)
        if reward is None:
            continue
        grant = MonthlyGrant(membership=membership, month=month, reward_code=code, granted_at=at)
        if not insert_unless_conflict(grant, unique=("membership", "month", "reward_code")):
            continue
        voucher = voucher_issue(reward=reward, member=member, source=VoucherSource.MEMBERSHIP, at=at)
        MonthlyGrant.objects.filter(pk=grant.pk).update(voucher=voucher)
        issued.append(voucher)
    return issued


@job("membership_rewards")
def membership_rewards(*, as_of: datetime, batch: int = 500) -> int:
    """The job: each membership active at `as_of` whose plan has monthly rewards gets this month's vouchers, each
    membership its own short transaction; a re-run finds them given."""
    plans = [p.pk for p in MembershipPlan.objects.exclude(monthly_rewards=[]).only("id", "monthly_rewards")]
    if not plans:
        return 0
    due = (
        Membership.objects.select_related("plan", "shop", "member")
        .filter(plan_id__in=plans, status__in=(Status.ACTIVE, Status.TRIAL), ends_at__gt=as_of, period_start__lte=as_of)
        .filter(Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=as_of))
        .order_by("id")
    )
    given, after = 0, 0
    while True:
        rows = list(due.filter(pk__gt=after)[:batch])
        for membership in rows:
            with transaction.atomic():
                given += len(month_grant(membership, as_of))
        if len(rows) < batch:
            return given
        after = rows[-1].pk


def grants_take_back(membership: Membership, at: datetime, actor: Actor) -> int:
    """Cancel the membership's monthly vouchers that are still unused (they cost no points: none go back)."""
    vouchers = [
        grant.voucher
        for grant in membership.grants.select_related("voucher__reward").filter(voucher__status=VoucherStatus.ISSUED)
    ]
    return sum(
        voucher_close(voucher, VoucherStatus.CANCELLED, at, give_points_back=False, actor=actor) for voucher in vouchers
    )
