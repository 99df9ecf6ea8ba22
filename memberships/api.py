"""The till API's membership endpoints (pos-api.md, docs/memberships.md): the quote, the payment that starts or
renews a membership, a cancellation, and prepaid packs (sold, listed, used one at a time)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from loyalty.api import schemas as s
from loyalty.api.auth import actor_of, require_manager
from loyalty.api.members import ERRORS, member_named
from loyalty.api.purchases import money_field
from loyalty.errors import NotFound
from loyalty.money import money_str
from loyalty.services.members import member_get

from .models import Membership, PackPurchase, PaymentMethod
from .services.lifecycle import membership_cancel, membership_purchase
from .services.packs import pack_buy, pack_use, packs_of
from .services.plans import membership_quote, plan_get

router = Router(tags=["memberships"])


class MembershipQuoteOut(Schema):
    plan: str
    price: str
    currency: str
    credit: str
    amount_due: str
    points_available: int
    point_value: str


class MembershipIn(s.Strict):
    member: str | None = Field(None, max_length=40)
    member_lookup: str | None = Field(None, max_length=500)
    plan: str = Field(..., min_length=1, max_length=60)
    amount_paid: s.Money
    payment_reference: str | None = Field(None, max_length=200)
    points: int = Field(0, ge=0, le=10**9)
    payment_method: str | None = Field(None, max_length=20)


class MembershipStateOut(Schema):
    plan: str
    status: str
    starts_at: datetime
    ends_at: datetime
    grace_ends_at: datetime


class PaymentOut(Schema):
    id: str
    price: str
    amount: str
    points: int
    reference: str


class MembershipEnvelope(Schema):
    membership: MembershipStateOut
    payment: PaymentOut | None = None


class CancelIn(s.Strict):
    at_once: bool = False
    refund: bool = False


def membership_out(membership: Membership, starts_at: datetime, at: datetime) -> dict:
    return {
        "plan": membership.plan.code,
        "status": membership.status_at(at),
        "starts_at": starts_at,
        "ends_at": membership.ends_at,
        "grace_ends_at": membership.grace_ends_at,
    }


@router.get(
    "/memberships/quote", response={200: MembershipQuoteOut, **ERRORS}, summary="What a plan costs this member now"
)
def quote(request, member: str, plan: str):
    shop = request.auth.shop
    found = member_get(shop, member)
    quoted = membership_quote(plan=plan_get(shop, plan), member=found)
    return Status(
        200,
        {
            "plan": quoted.plan.code,
            "price": money_str(quoted.price, shop.currency),
            "currency": shop.currency,
            "credit": money_str(quoted.credit, shop.currency),
            "amount_due": money_str(quoted.amount_due, shop.currency),
            "points_available": quoted.points_available,
            "point_value": money_str(shop.program.point_value, shop.currency),
        },
    )


@router.post("/memberships", response={201: MembershipEnvelope, **ERRORS}, summary="Start or renew a membership")
def pay(request, payload: MembershipIn):
    shop = request.auth.shop
    member = member_named(shop, payload.member, payload.member_lookup)
    at = timezone.now()
    paid = membership_purchase(
        member=member,
        plan_code=payload.plan,
        amount_paid=money_field(payload.amount_paid, shop.currency, "amount_paid"),
        points=payload.points,
        method=payload.payment_method or PaymentMethod.OTHER,
        reference=payload.payment_reference or "",
        actor=actor_of(request),
        at=at,
    )
    payment = paid.payment
    currency = shop.currency
    return Status(
        201,
        {
            "membership": membership_out(paid.membership, payment.period_start, at),
            "payment": {
                "id": str(payment.pk),
                "price": money_str(payment.price, currency),
                "amount": money_str(payment.amount, currency),
                "points": payment.points,
                "reference": payment.reference,
            },
        },
    )


@router.post(
    "/members/{member_id}/membership/cancel",
    response={200: MembershipEnvelope, **ERRORS},
    summary="Cancel a membership (manager)",
)
def cancel(request, member_id: str, payload: CancelIn):
    require_manager(request)
    member = member_get(request.auth.shop, member_id)
    membership = Membership.objects.filter(member=member).select_related("member").first()
    if membership is None:
        raise NotFound("The member has no membership.", code="membership_not_found")
    at = timezone.now()
    done = membership_cancel(
        membership=membership, at_once=payload.at_once, refund=payload.refund, actor=actor_of(request), at=at
    )
    return Status(200, {"membership": membership_out(done, done.period_start, at)})


# ---------------------------------------------------------------- prepaid packs


class PackOut(Schema):
    id: str
    pack: str
    name: str
    uses: int
    used: int
    remaining: int
    expires_at: datetime


class PackIn(s.Strict):
    member: str | None = Field(None, max_length=40)
    member_lookup: str | None = Field(None, max_length=500)
    pack: str = Field(..., min_length=1, max_length=60)
    amount_paid: s.Money
    payment_reference: str | None = Field(None, max_length=200)
    points: int = Field(0, ge=0, le=10**9)
    payment_method: str | None = Field(None, max_length=20)


class PackEnvelope(Schema):
    pack: PackOut


def pack_out(bought: PackPurchase) -> dict:
    return {
        "id": str(bought.pk),
        "pack": bought.pack.code,
        "name": bought.pack.name,
        "uses": bought.uses,
        "used": bought.used,
        "remaining": bought.remaining,
        "expires_at": bought.expires_at,
    }


@router.get("/members/{member_id}/packs", response={200: list[PackOut], **ERRORS}, summary="A member's open packs")
def member_packs(request, member_id: str):
    member = member_get(request.auth.shop, member_id)
    return Status(200, [pack_out(bought) for bought in packs_of(member, timezone.now())])


@router.post("/packs", response={201: PackEnvelope, **ERRORS}, summary="Sell a prepaid pack")
def pack_sell(request, payload: PackIn):
    shop = request.auth.shop
    bought = pack_buy(
        member=member_named(shop, payload.member, payload.member_lookup),
        pack_code=payload.pack,
        amount_paid=money_field(payload.amount_paid, shop.currency, "amount_paid"),
        points=payload.points,
        method=payload.payment_method or PaymentMethod.OTHER,
        reference=payload.payment_reference or "",
        actor=actor_of(request),
    )
    return Status(201, {"pack": pack_out(bought)})


@router.post("/packs/{pack_id}/uses", response={201: PackEnvelope, **ERRORS}, summary="Use one use of a pack")
def pack_use_one(request, pack_id: str):
    pk = int(pack_id) if pack_id.isascii() and pack_id.isdigit() and len(pack_id) < 19 else 0
    bought = PackPurchase.objects.select_related("pack").filter(shop=request.auth.shop, pk=pk).first()
    if bought is None:
        raise NotFound("No pack has this id.", code="pack_not_found")
    return Status(201, {"pack": pack_out(pack_use(purchase=bought, actor=actor_of(request)))})
