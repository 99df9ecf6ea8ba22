"""Evaluating a program's configuration rows: points for a purchase (with a line-by-line explanation),
lot dates (pending and expiry), stamps, cashback and tier levels. Pure functions over loaded rows, so the
portal preview, the counter, the quote and the purchase compute the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from loyalty.models import Program
from loyalty.models.programs import ExpiryPolicy, Rounding, StampPer
from loyalty.money import quantum
from rewards.models import Reward

ROUNDINGS = {Rounding.DOWN: ROUND_FLOOR, Rounding.NEAREST: ROUND_HALF_UP, Rounding.UP: ROUND_CEILING}


@dataclass(frozen=True)
class Line:
    amount: Decimal
    category: str = ""
    sku: str = ""
    quantity: int = 1


@dataclass
class ProgramRules:
    """A program with its configuration rows loaded once."""

    program: Program
    campaigns: list
    category_multipliers: dict
    tiers: list  # ascending threshold
    stamp_cards: list
    reward_prices: list  # the points of the shop's active rewards that can be bought, ascending

    @classmethod
    def load(cls, program: Program) -> ProgramRules:
        prices = Reward.objects.filter(shop_id=program.shop_id, active=True, points__gt=0).values_list("points")
        return cls(
            program=program,
            campaigns=list(program.campaigns.all()),
            category_multipliers={m.category: m.multiplier for m in program.category_multipliers.all()},
            tiers=list(program.tiers.order_by("threshold")),
            stamp_cards=list(program.stamp_cards.all()),
            reward_prices=sorted({points for (points,) in prices}) if program.shop_id else [],
        )


_LOADED: dict[int, ProgramRules] = {}  # per process: program id → its rules as of the program's updated_at
_LOADED_LIMIT = 1024


def rules_for(program: Program) -> ProgramRules:
    """The program's rules, loaded once per change of the program: every configuration write bumps the
    program's updated_at (loyalty/signals.py), so a cached copy is used while no newer program row is seen (a
    program object read before the change, still in a caller's hands, gets the newer rules)."""
    cached = _LOADED.get(program.pk)
    if cached is None or program.updated_at > cached.program.updated_at:
        if len(_LOADED) >= _LOADED_LIMIT:
            _LOADED.clear()
        cached = _LOADED[program.pk] = ProgramRules.load(program)
    return cached


@dataclass(frozen=True)
class Context:
    """What the rules look at besides the amounts."""

    occurred_at: datetime
    tz: object
    tier: object = None
    location_code: str = ""
    payment_method: str = ""
    benefits: tuple = ()  # loyalty.hooks.Benefit: what the member's other programs multiply earning by


@dataclass
class Explanation:
    steps: list = field(default_factory=list)
    raw: Decimal = Decimal("0")
    points: int = 0

    def add(self, text: str) -> None:
        self.steps.append(text)


def fmt(value: Decimal) -> str:
    """A multiplier or figure without trailing zeros: 2, 1.25, 2.5."""
    text = f"{value.normalize():f}"
    return text


def campaign_applies(campaign, ctx: Context, line: Line) -> bool:
    local = ctx.occurred_at.astimezone(ctx.tz)
    if campaign.starts and local.date() < campaign.starts:
        return False
    if campaign.ends and local.date() >= campaign.ends:
        return False
    if campaign.weekdays and local.isoweekday() not in campaign.weekdays:
        return False
    if campaign.hours:
        start, end = (time.fromisoformat(h) for h in campaign.hours)
        if not start <= local.time().replace(tzinfo=None) < end:
            return False
    if campaign.categories and line.category not in campaign.categories:
        return False
    if campaign.tiers and (ctx.tier is None or ctx.tier.code not in campaign.tiers):
        return False
    if campaign.locations and ctx.location_code not in campaign.locations:
        return False
    return not (campaign.payment_methods and ctx.payment_method not in campaign.payment_methods)


def explain_points(rules: ProgramRules, *, amount: Decimal, lines: list[Line], ctx: Context) -> Explanation:
    """Points for a purchase, rounded once on the total (program-config.md: program.earn)."""
    program = rules.program
    result = Explanation()
    if program.earn_points == 0:
        result.add(_("This program earns no points."))
        return result
    if amount < program.min_spend:
        result.add(_("Below the minimum spend of %(min)s: no points.") % {"min": fmt(program.min_spend)})
        return result
    lines = lines or [Line(amount=amount)]
    rate = Decimal(program.earn_points) / program.earn_per_amount
    for line in lines:
        label = line.sku or line.category or _("purchase")
        if line.category and line.category in program.exclude_categories:
            result.add(
                _("%(label)s: category %(category)s earns nothing.") % {"label": label, "category": line.category}
            )
            continue
        value = line.amount * rate
        text = _("%(label)s: %(amount)s × %(points)s/%(per)s = %(value)s") % {
            "label": label,
            "amount": fmt(line.amount),
            "points": program.earn_points,
            "per": fmt(program.earn_per_amount),
            "value": fmt(value),
        }
        multiplier = rules.category_multipliers.get(line.category) if line.category else None
        if multiplier is not None:
            value *= multiplier
            text += _(", × %(m)s for %(category)s") % {"m": fmt(multiplier), "category": line.category}
        for campaign in rules.campaigns:
            if campaign_applies(campaign, ctx, line):
                value *= campaign.multiplier
                text += _(", × %(m)s %(name)s") % {"m": fmt(campaign.multiplier), "name": campaign.name}
        result.add(text)
        result.raw += value
    if ctx.tier is not None and ctx.tier.multiplier != 1:
        result.raw *= ctx.tier.multiplier
        result.add(_("× %(m)s for %(tier)s") % {"m": fmt(ctx.tier.multiplier), "tier": ctx.tier.name})
    for benefit in ctx.benefits:
        if benefit.points_multiplier != 1:
            result.raw *= benefit.points_multiplier
            result.add(_("× %(m)s for %(benefit)s") % {"m": fmt(benefit.points_multiplier), "benefit": benefit.label})
    result.points = int(result.raw.quantize(Decimal(1), rounding=ROUNDINGS[program.rounding]))
    result.add(
        _("Total %(raw)s, rounded %(how)s: %(points)s points")
        % {
            "raw": fmt(result.raw),
            "how": Rounding(program.rounding).label.lower(),
            "points": result.points,
        }
    )
    return result


def eligible_spend(program: Program, amount: Decimal, lines: list[Line]) -> Decimal:
    if not lines:
        return amount
    return sum((ln.amount for ln in lines if ln.category not in program.exclude_categories), Decimal("0"))


def first_of_month(year: int, month: int, tz) -> datetime:
    index = year * 12 + month - 1
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=tz)


def lot_expiry(program: Program, occurred_at: datetime, tz=None) -> datetime | None:
    """When a lot earned at `occurred_at` expires, by the program's policy (inactivity: no date on the lot)."""
    tz = tz or (program.shop.tz if program.shop_id else occurred_at.tzinfo)
    if program.expiry_policy == ExpiryPolicy.DAYS_AFTER_EARN:  # the same time of day, n days on, by the shop's clock
        return occurred_at.astimezone(tz) + timedelta(days=program.expiry_days or 0)
    if program.expiry_policy == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH:
        local = occurred_at.astimezone(tz)
        return first_of_month(local.year, local.month + 1 + (program.expiry_months or 0), tz)
    return None


def stamps_for(card, *, amount: Decimal, lines: list[Line]) -> int:
    """Stamps one purchase puts on a card, before its cooldown."""
    if amount < card.min_spend:
        return 0
    lines = lines or [Line(amount=amount)]
    matching = [ln for ln in lines if not card.categories or ln.category in card.categories]
    if card.per == StampPer.ITEM:
        return sum(ln.quantity for ln in matching)
    return 1 if matching else 0


def tier_for_basis(tiers: list, basis: Decimal):
    """The highest level whose threshold the basis reaches (tiers ascending)."""
    reached = None
    for level in tiers:
        if basis >= level.threshold:
            reached = level
    return reached


def kept_share_of(total, purchase, complete: bool):
    """What a purchase keeps of `total` (points, stamps or money) after its refunds: floor(total × remaining ÷
    amount), rounded down to the minor unit for money, and nothing once the refunds complete it (pos-api.md)."""
    if complete:
        return 0 * total
    share = total * (purchase.amount - purchase.refunded_amount) / purchase.amount
    if isinstance(total, int):
        return int(Decimal(share).to_integral_value(rounding=ROUND_FLOOR))
    return share.quantize(quantum(purchase.shop.currency), rounding=ROUND_FLOOR)
