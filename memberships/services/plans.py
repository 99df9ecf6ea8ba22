"""A shop's membership plans: whether it has any (cheaply, for the hot paths), saving them (the configuration file
and the portal both save through here), and the price a member is quoted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import NotFound, ValidationFailed
from loyalty.models import Member, Program, Shop
from loyalty.money import MoneyError, parse_money
from loyalty.services.ledger import points_available

from ..models import Membership, MembershipPlan, Pack, Period
from .credit import change_credit, is_plan_change

PACK_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")
PLAN_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")

# ---------------------------------------------------------------- does the shop sell memberships?

# Per process: program id → (its updated_at when judged, what the shop's plans are). Saving or deleting a plan marks
# the shop's program as changed (below), so the purchase path, the counter and the member answer of a shop without
# plans pay no query for this app, and a shop that adds one is seen at its next request.
_SUMMARIES: dict[int, tuple] = {}
_SUMMARIES_LIMIT = 4096


@dataclass(frozen=True)
class PlansSummary:
    enabled: bool = False
    member_rewards: dict = field(default_factory=dict)  # reward code → the ids of the plans whose members may have it


NO_PLANS = PlansSummary()


def plans_summary(shop: Shop, program: Program | None = None) -> PlansSummary:
    """The shop's plans in brief; `program`: the shop's own, when the caller holds it already."""
    if program is None or program.shop_id != shop.pk:
        program = getattr(shop, "program", None)
    if program is None:
        return NO_PLANS
    cached = _SUMMARIES.get(program.pk)
    if cached is not None and program.updated_at == cached[0]:  # equal: another row that reuses the id is judged anew
        return cached[1]
    if len(_SUMMARIES) >= _SUMMARIES_LIMIT:
        _SUMMARIES.clear()
    rows = list(MembershipPlan.objects.filter(shop_id=shop.pk).values_list("id", "active", "member_rewards"))
    exclusive: dict[str, set] = {}
    for pk, active, codes in rows:
        for code in codes if active else ():
            exclusive.setdefault(code, set()).add(pk)
    enabled = bool(rows) or Pack.objects.filter(shop_id=shop.pk).exists()
    summary = PlansSummary(enabled=True, member_rewards=exclusive) if enabled else NO_PLANS
    _SUMMARIES[program.pk] = (program.updated_at, summary)
    return summary


def member_plans_summary(member) -> PlansSummary:
    """plans_summary for the member's shop, from the program the member's account holds when it is loaded (the
    counter's panel loads it, the shop's object there does not), so no query is spent finding the program."""
    account = member._state.fields_cache.get("account")
    program = account._state.fields_cache.get("program") if account is not None else None
    return plans_summary(member.shop, program)


def memberships_enabled(shop: Shop) -> bool:
    return plans_summary(shop).enabled


def _program_changed(sender, instance, **kwargs) -> None:
    Program.objects.filter(shop_id=instance.shop_id).update(updated_at=timezone.now())


post_save.connect(_program_changed, sender=MembershipPlan, dispatch_uid="memberships-plan-changed-save")
post_delete.connect(_program_changed, sender=MembershipPlan, dispatch_uid="memberships-plan-changed-delete")
post_save.connect(_program_changed, sender=Pack, dispatch_uid="memberships-pack-changed-save")
post_delete.connect(_program_changed, sender=Pack, dispatch_uid="memberships-pack-changed-delete")


# ---------------------------------------------------------------- finding and saving plans


def plan_get(shop: Shop, code: str, *, active_only: bool = True) -> MembershipPlan:
    plans = MembershipPlan.objects.filter(shop=shop, code=code or "")
    plan = (plans.filter(active=True) if active_only else plans).first()
    if plan is None:
        raise NotFound("No membership plan has this code.", code="plan_not_found", fields={"plan": "unknown"})
    return plan


def prices_checked(prices: list, currency: str, tier_codes=None) -> list[dict]:
    """Price rules as stored: each {"price": money string} with optional "min_points" (a whole number) and "tier"
    (a tier code); at least one; the last one without conditions, so every member has a price. Raises
    ValidationFailed naming the rule's index and key."""
    if not isinstance(prices, list) or not prices:
        raise ValidationFailed(fields={"prices": _("at least one price is needed")})
    checked = []
    for index, rule in enumerate(prices):
        if not isinstance(rule, dict) or set(rule) - {"price", "min_points", "tier"}:
            raise ValidationFailed(fields={f"prices[{index}]": _("has a key that is not price, min_points or tier")})
        try:
            price = parse_money(rule.get("price"), currency)
        except MoneyError as error:
            raise ValidationFailed(fields={f"prices[{index}].price": str(error)}) from None
        row = {"price": f"{price:f}"}
        if rule.get("min_points") is not None:
            points = rule["min_points"]
            if isinstance(points, bool) or not isinstance(points, int) or points < 0:
                raise ValidationFailed(fields={f"prices[{index}].min_points": _("must be a whole number")})
            row["min_points"] = points
        if rule.get("tier"):
            if not isinstance(rule["tier"], str) or (tier_codes is not None and rule["tier"] not in tier_codes):
                raise ValidationFailed(fields={f"prices[{index}].tier": _("is not a tier of the program")})
            row["tier"] = rule["tier"]
        checked.append(row)
    if set(checked[-1]) != {"price"}:
        raise ValidationFailed(fields={f"prices[{len(checked) - 1}]": _("the last price must have no conditions")})
    return checked


def allowances_checked(raw: list) -> list[dict]:
    """[{"code", "name", "per_month"}]: codes unique, at least one use a month."""
    checked, seen = [], set()
    for index, item in enumerate(raw or []):
        code, per_month = item.get("code", ""), item.get("per_month")
        if not isinstance(code, str) or not PACK_CODE.match(code) or code in seen:
            raise ValidationFailed(fields={f"allowances[{index}].code": _("letters and digits, once each")})
        if isinstance(per_month, bool) or not isinstance(per_month, int) or per_month < 1:
            raise ValidationFailed(fields={f"allowances[{index}].per_month": _("a whole number, 1 or more")})
        name = item.get("name") or code
        if not isinstance(name, str) or len(name) > 200:
            raise ValidationFailed(fields={f"allowances[{index}].name": _("at most 200 characters")})
        seen.add(code)
        checked.append({"code": code, "name": name, "per_month": per_month})
    return checked


PLAN_FIELDS = (
    "name",
    "period",
    "prices",
    "trial_days",
    "grace_days",
    "discount_percent",
    "points_multiplier",
    "free_delivery",
    "monthly_rewards",
    "member_rewards",
    "allowances",
    "position",
)


@transaction.atomic
def plan_save(*, shop: Shop, code: str, plan: MembershipPlan | None = None, **fields) -> MembershipPlan:
    """Create or change a plan. A change applies to payments from now on: what members paid stays as it was."""
    if plan is None and not PLAN_CODE.match(code or ""):
        raise ValidationFailed(fields={"code": _("letters, digits, dashes and underscores")})
    if plan is None and MembershipPlan.objects.filter(shop=shop, code=code).exists():
        raise ValidationFailed(fields={"code": _("another plan has this code")})
    if fields.get("period", Period.YEAR) not in Period.values:
        raise ValidationFailed(fields={"period": _("must be month or year")})
    if "prices" in fields:
        fields["prices"] = prices_checked(fields["prices"], shop.currency)
    if "allowances" in fields:
        fields["allowances"] = allowances_checked(fields["allowances"])
    discount = fields.get("discount_percent", Decimal(0))
    if not Decimal(0) <= discount <= Decimal(100):
        raise ValidationFailed(fields={"discount_percent": _("must be between 0 and 100")})
    if fields.get("points_multiplier", Decimal(1)) < 0:
        raise ValidationFailed(fields={"points_multiplier": _("must not be negative")})
    plan = plan or MembershipPlan(shop=shop, code=code)
    for name, value in fields.items():
        if name not in PLAN_FIELDS and name != "active":
            raise TypeError(f"unknown plan field {name}")
        setattr(plan, name, value)
    plan.save()
    return plan


# ---------------------------------------------------------------- the price


@dataclass(frozen=True)
class Quote:
    plan: MembershipPlan
    price: Decimal
    points_available: int
    credit: Decimal = Decimal(0)  # a change of plan: the old plan's unused time

    @property
    def amount_due(self) -> Decimal:
        return max(self.price - self.credit, Decimal(0))


def price_for(plan: MembershipPlan, member: Member, available: int) -> Decimal:
    """The first price rule whose conditions hold for the member: `min_points` on the points available now,
    `tier` on the member's tier."""
    tier = member.account.tier.code if member.account.tier_id else None
    for rule in plan.prices:
        if "min_points" in rule and available < rule["min_points"]:
            continue
        if rule.get("tier") and rule["tier"] != tier:
            continue
        return Decimal(rule["price"])
    raise ValidationFailed(fields={"plan": "has no price for this member"})  # prices_checked makes this unreachable


def membership_quote(*, plan: MembershipPlan, member: Member, at: datetime | None = None) -> Quote:
    """What the member would pay for the plan now, changing nothing (the till's quote, the counter, the member
    page). The payment judges it again under the account's lock."""
    at = at or timezone.now()
    available = points_available(member.account, at)
    membership = Membership.objects.filter(member_id=member.pk).select_related("shop").first()
    credit = change_credit(membership, at)[0] if is_plan_change(membership, plan, at) else Decimal(0)
    return Quote(plan=plan, price=price_for(plan, member, available), points_available=available, credit=credit)
