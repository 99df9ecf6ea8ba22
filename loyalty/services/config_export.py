"""The configuration file's export (shared/spec/program-config.md): a shop's document as config.py imports it, so
export → import round-trips; the program apps add their sections through loyalty.hooks."""

from __future__ import annotations

from decimal import Decimal

from loyalty import hooks
from loyalty.models import Bonus, Campaign, Program, QuickItem, Shop, StampCard, TierLevel
from loyalty.models.programs import ExpiryPolicy, TierBasis
from loyalty.money import money_str
from rewards.models import Reward, RewardKind


def _num(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def config_export(shop: Shop) -> dict:
    currency = shop.currency
    doc = {
        "merchant": {
            "slug": shop.slug,
            "name": shop.name,
            "country": shop.country,
            "currency": currency,
            "timezone": shop.timezone,
            "language": shop.language,
            "locations": [{"code": loc.code, "name": loc.name} for loc in shop.locations.order_by("code")],
        }
    }
    program = Program.objects.filter(shop=shop).first()
    if program is not None:
        doc["program"] = export_program(program, currency)
    doc["rewards"] = [
        export_reward(r, currency) for r in Reward.objects.filter(shop=shop, active=True).order_by("position")
    ]
    items = QuickItem.objects.filter(shop=shop, active=True).order_by("position", "pk")
    doc["quick_items"] = [
        {"label": q.label, "sku": q.sku, "category": q.category, "amount": money_str(q.amount, currency)} for q in items
    ]
    for section in hooks.config_sections():
        exported = section.export(shop)
        if exported is not None:
            doc[section.key] = exported
    return doc


def export_program(program: Program, currency: str) -> dict:
    expiry = {"policy": program.expiry_policy}
    if program.expiry_days is not None and program.expiry_policy in (
        ExpiryPolicy.DAYS_AFTER_EARN,
        ExpiryPolicy.INACTIVITY,
    ):
        expiry["days"] = program.expiry_days
    if program.expiry_policy == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH:
        expiry["months"] = program.expiry_months
    out = {
        "name": program.name,
        "points_name": program.points_name,
        **({"points_name_one": program.points_name_one} if program.points_name_one else {}),
        "point_value": money_str(program.point_value, currency),
        "earn": {
            "per_amount": money_str(program.earn_per_amount, currency),
            "points": program.earn_points,
            "rounding": program.rounding,
            "min_spend": money_str(program.min_spend, currency),
            "exclude_categories": list(program.exclude_categories),
        },
        "pending_days": program.pending_days,
        "expiry": expiry,
        "backdate_days": program.backdate_days,
        "bonuses": [_export_bonus(b) for b in program.bonuses.all()],
        "category_multipliers": [
            {"category": m.category, "multiplier": _num(m.multiplier)} for m in program.category_multipliers.all()
        ],
        "campaigns": [_export_campaign(c) for c in program.campaigns.order_by("code")],
        "stamp_cards": [_export_card(c, currency) for c in program.stamp_cards.all()],
        "cashback": {"percent": _num(program.cashback_percent)},
    }
    levels = list(program.tiers.order_by("threshold"))
    if levels:
        out["tiers"] = {
            "basis": program.tier_basis,
            "window": program.tier_window,
            "downgrade_grace_days": program.downgrade_grace_days,
            "levels": [_export_level(lv, program, currency) for lv in levels],
        }
    return out


def _export_bonus(b: Bonus) -> dict:
    row = {"event": b.event, "points": b.points}
    if b.limit_count:
        row["limit"] = {"count": b.limit_count, "per": b.limit_per}
    return row


def _export_campaign(c: Campaign) -> dict:
    row = {
        "code": c.code,
        "name": c.name,
        "multiplier": _num(c.multiplier),
        "weekdays": list(c.weekdays),
        "hours": list(c.hours),
        "categories": list(c.categories),
        "tiers": list(c.tiers),
        "locations": list(c.locations),
        "payment_methods": list(c.payment_methods),
    }
    if c.starts:
        row["starts"] = c.starts.isoformat()
    if c.ends:
        row["ends"] = c.ends.isoformat()
    return row


def _export_level(lv: TierLevel, program: Program, currency: str) -> dict:
    threshold = money_str(lv.threshold, currency) if program.tier_basis == TierBasis.AMOUNT_SPENT else int(lv.threshold)
    return {
        "code": lv.code,
        "name": lv.name,
        "threshold": threshold,
        "multiplier": _num(lv.multiplier),
        "discount_percent": _num(lv.discount_percent),
    }


def _export_card(c: StampCard, currency: str) -> dict:
    return {
        "code": c.code,
        "name": c.name,
        "stamps_required": c.stamps_required,
        "per": c.per,
        "categories": list(c.categories),
        "min_spend": money_str(c.min_spend, currency),
        "cooldown_minutes": c.cooldown_minutes,
        "reward": c.reward_code,
    }


def export_reward(r: Reward, currency: str) -> dict:
    value = _num(r.value) if r.kind == RewardKind.PERCENT_OFF else money_str(r.value, currency)
    row = {
        "code": r.code,
        "name": r.name,
        "kind": r.kind,
        "points": r.points,
        "value": value,
        "max_discount": money_str(r.max_discount, currency) if r.max_discount is not None else None,
        "tiers": list(r.tiers),
        "stock": r.stock,
        "per_member_limit": r.per_member_limit,
        "voucher_valid_days": r.voucher_valid_days,
        "refund_points_on_expiry": r.refund_points_on_expiry,
    }
    if r.starts:
        row["starts"] = r.starts.isoformat()
    if r.ends:
        row["ends"] = r.ends.isoformat()
    if r.description:
        row["description"] = r.description
    return row
