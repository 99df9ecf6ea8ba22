"""Prepaid packs ("10 washes for the price of 8", valid for some days) and a plan's monthly allowances ("4 washes a
month"): sold and used one at a time at the counter. A pack's use is one conditional UPDATE (never more uses than
bought, never after it expires, whatever the concurrency); an allowance's use counts the month's uses under the
membership's row lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError, NotFound, ValidationFailed
from loyalty.models import EntryKind, Member
from loyalty.money import money_str, round_money
from loyalty.services.ledger import Actor, account_lock, points_give_back, points_spend, spend_lots
from loyalty.services.notifications import Money, notify
from loyalty.services.transactions import atomic_service
from loyalty.services.webhooks import points_changed

from ..errors import DuplicatePayment, PriceChanged
from ..models import AllowanceUse, Membership, Pack, PackPurchase, PackUse, PaymentMethod, Status
from .lifecycle import amount_checked, points_worth
from .periods import month_key
from .plans import PACK_CODE


class NothingLeft(DomainError):
    code = "nothing_left"


@transaction.atomic
def pack_save(*, shop, code: str, pack: Pack | None = None, **fields) -> Pack:
    if pack is None and not PACK_CODE.match(code or ""):
        raise ValidationFailed(fields={"code": _("letters, digits, dashes and underscores")})
    if fields.get("uses", 1) < 1:
        raise ValidationFailed(fields={"uses": _("at least 1")})
    if fields.get("price", Decimal(0)) < 0:
        raise ValidationFailed(fields={"price": _("must not be negative")})
    pack = pack or Pack(shop=shop, code=code)
    for name, value in fields.items():
        if name not in ("name", "uses", "price", "valid_days", "active", "position"):
            raise TypeError(f"unknown pack field {name}")
        setattr(pack, name, value)
    pack.save()
    return pack


def pack_get(shop, code: str) -> Pack:
    pack = Pack.objects.filter(shop=shop, code=code or "", active=True).first()
    if pack is None:
        raise NotFound(_("No pack has this code."), code="pack_not_found", fields={"pack": "unknown"})
    return pack


@atomic_service
def pack_buy(
    *,
    member: Member,
    pack_code: str,
    amount_paid: Decimal,
    points: int = 0,
    method: str = PaymentMethod.CASH,
    reference: str = "",
    actor: Actor | None = None,
    at: datetime | None = None,
) -> PackPurchase:
    """Sell the pack at its price now (money plus points at the point value), valid `valid_days` from now."""
    at = at or timezone.now()
    shop = member.shop
    actor = actor or Actor(shop=shop)
    reference = amount_checked(amount_paid, points, reference)
    if method not in PaymentMethod.values:
        raise ValidationFailed(fields={"payment_method": _("unknown payment method")})
    pack = pack_get(shop, pack_code)
    account = account_lock(member.account_id)
    worth = points_worth(shop, points, pack.price)
    if amount_paid != pack.price - worth:
        raise PriceChanged(fields={"price": money_str(pack.price, shop.currency)})
    entry = None
    if points:
        entry = points_spend(
            account=account, actor=actor, kind=EntryKind.REDEEM, points=points, at=at,
            source=f"pack:{pack.code}", lots=spend_lots(account, at),
        )  # fmt: skip
        points_changed(shop, account, change=-points, reason=f"pack:{pack.code}")
    purchase = PackPurchase(
        shop=shop, member=member, pack=pack, uses=pack.uses, price=pack.price, amount=amount_paid, points=points,
        points_entry=entry, method=method, reference=reference, staff=actor.staff, bought_at=at,
        expires_at=at + timedelta(days=pack.valid_days),
    )  # fmt: skip
    try:
        with transaction.atomic():
            purchase.save(force_insert=True)
    except IntegrityError:
        raise DuplicatePayment(_("A payment with this reference is recorded already.")) from None
    member.shop = shop
    notify(
        member=member,
        event="pack_receipt",
        context={"pack": pack.name, "amount": Money(amount_paid, shop.currency), "uses": pack.uses,
                 "points_redeemed": points, "ends_at": purchase.expires_at},
        dedupe_key=f"pack-purchase:{purchase.pk}",
        at=at,
    )  # fmt: skip
    return purchase


@atomic_service
def pack_refund(*, purchase: PackPurchase, actor: Actor | None = None, at: datetime | None = None) -> PackPurchase:
    """Give back the unused uses' share of what the pack cost (money rounded once, half up; points rounded down, as
    lots with the dates of the lots they came from) and close it: no use is left."""
    at = at or timezone.now()
    account = account_lock(purchase.member.account_id)  # the one lock order: the account, then the pack
    purchase = (
        PackPurchase.objects.select_for_update(of=("self",))
        .select_related("shop", "pack", "points_entry")
        .get(pk=purchase.pk)
    )
    if purchase.refunded_at is not None or purchase.remaining == 0:
        raise NothingLeft(_("Nothing is left of this pack to refund."))
    share = Decimal(purchase.remaining) / Decimal(purchase.uses)
    purchase.refunded_amount = min(round_money(purchase.amount * share, purchase.shop.currency), purchase.amount)
    purchase.refunded_points = int((purchase.points * share).to_integral_value(ROUND_FLOOR))
    purchase.refunded_at, purchase.used = at, purchase.uses
    purchase.save(update_fields=["refunded_amount", "refunded_points", "refunded_at", "used"])
    if purchase.refunded_points and purchase.points_entry_id:
        points_give_back(
            account=account, actor=actor or Actor(shop=purchase.shop), spend=purchase.points_entry,
            points=purchase.refunded_points, at=at, reason=f"pack {purchase.pack.code} refunded",
        )  # fmt: skip
        points_changed(purchase.shop, account, change=purchase.refunded_points, reason="pack_refund")
    return purchase


@atomic_service
def pack_use(*, purchase: PackPurchase, actor: Actor | None = None, at: datetime | None = None) -> PackPurchase:
    """One use of the pack, once: refused when none is left or it has expired."""
    at = at or timezone.now()
    taken = PackPurchase.objects.filter(pk=purchase.pk, used__lt=F("uses"), expires_at__gt=at).update(
        used=F("used") + 1
    )
    if not taken:
        raise NothingLeft(_("This pack has no use left, or it has expired."))
    PackUse.objects.create(purchase=purchase, used_at=at, staff=actor.staff if actor else None)
    purchase.refresh_from_db(fields=["used"])
    return purchase


def packs_of(member, at: datetime) -> list[PackPurchase]:
    """The member's packs with uses left and not expired, the soonest to expire first."""
    return list(
        PackPurchase.objects.filter(member_id=member.pk, expires_at__gt=at, used__lt=F("uses")).select_related("pack")
    )


@dataclass(frozen=True)
class Allowance:
    code: str
    name: str
    per_month: int
    used: int

    @property
    def left(self) -> int:
        return max(self.per_month - self.used, 0)


def allowances_of(membership: Membership, at: datetime) -> list[Allowance]:
    """The plan's allowances with this month's uses; none outside an active membership (trial and grace give none:
    a refund or the end takes the rest away)."""
    allowances = membership.plan.allowances
    if not allowances or membership.status_at(at) != Status.ACTIVE:
        return []
    month = month_key(at, membership.shop.tz)
    used = dict(
        AllowanceUse.objects.filter(membership=membership, month=month).values_list("code").annotate(n=Count("id"))
    )
    return [Allowance(a["code"], a["name"], a["per_month"], used.get(a["code"], 0)) for a in allowances]


@atomic_service
def allowance_use(*, membership: Membership, code: str, actor: Actor | None = None, at=None) -> Allowance:
    """One use of this month's allowance `code`; refused when the month's are used up or the plan gives none."""
    at = at or timezone.now()
    membership = Membership.objects.select_for_update().select_related("plan", "shop").get(pk=membership.pk)
    current = {a.code: a for a in allowances_of(membership, at)}.get(code)
    if current is None:
        raise NotFound(_("This membership gives no such allowance now."), code="allowance_not_found")
    if not current.left:
        raise NothingLeft(_("This month's allowance is used up."))
    AllowanceUse.objects.create(
        membership=membership, code=code, month=month_key(at, membership.shop.tz), used_at=at,
        staff=actor.staff if actor else None,
    )  # fmt: skip
    return Allowance(current.code, current.name, current.per_month, current.used + 1)
