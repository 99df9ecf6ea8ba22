"""Prepaid packs ("10 washes for the price of 8", valid for some days) and a plan's monthly allowances ("4 washes a
month"): sold and used one at a time at the counter. A pack's use is one conditional UPDATE (never more uses than
bought, never after it expires, whatever the concurrency); an allowance's use counts the month's uses under the
membership's row lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError, NotFound, ValidationFailed
from loyalty.models import EntryKind, Member
from loyalty.money import money_str
from loyalty.services.ledger import Actor, account_lock, points_spend, spend_lots
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
