"""Quotes, purchases and refunds."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from ninja import Router, Status

from loyalty.errors import ValidationFailed
from loyalty.money import MoneyError, money_str, parse_money
from loyalty.selectors import member_discount_percent
from loyalty.services.ledger import points_available
from loyalty.services.purchases import lines_checked, occurred_at_checked, purchase_quote, purchase_record
from loyalty.services.refunds import purchase_refund
from loyalty.services.rules import Line
from rewards.errors import VoucherNotFound
from rewards.services import voucher_discount, voucher_find

from . import schemas as s
from .auth import actor_of
from .members import ERRORS, location_of, member_named
from .present import points_out, tier_out, voucher_out

router = Router(tags=["purchases"])


def money_field(value, currency: str, field: str) -> Decimal:
    try:
        return parse_money(value, currency)
    except MoneyError as error:
        raise ValidationFailed(fields={field: str(error)}) from None


def lines_of(payload, currency: str) -> list[Line]:
    return [
        Line(
            amount=money_field(item.amount, currency, f"items[{i}].amount"),
            category=item.category or "",
            sku=item.sku or "",
            quantity=item.quantity,
        )
        for i, item in enumerate(payload.items or [])
    ]


def _optional_member(shop, payload):
    if payload.member or payload.member_lookup:
        return member_named(shop, payload.member, payload.member_lookup)
    return None


@router.post("/quotes", response={200: s.QuoteOut, **ERRORS}, summary="What a purchase would give, changing nothing")
def quote(request, payload: s.QuoteIn):
    shop = request.auth.shop
    currency = shop.currency
    amount = money_field(payload.amount, currency, "amount")
    lines = lines_checked(amount, lines_of(payload, currency))
    now = timezone.now()
    occurred_at = occurred_at_checked(shop.program, payload.occurred_at, now)
    member = _optional_member(shop, payload)
    location = location_of(shop, payload.location) or request.auth.location
    explanation = purchase_quote(
        shop=shop,
        member=member,
        amount=amount,
        lines=lines,
        occurred_at=occurred_at,
        location=location,
        payment_method=payload.payment_method or "",
    )
    program = shop.program
    if member is None:
        return Status(200, _anonymous_quote(explanation, currency))
    account = member.account
    percent = member_discount_percent(member, now)
    available = points_available(account, now)
    redeemable = redeemable_points(available, amount, program.point_value)
    return Status(
        200,
        {
            "member_discount_percent": f"{percent.normalize():f}",
            "member_discount": money_str(amount * percent / 100, currency),
            "vouchers": [_voucher_check(shop, member, code, amount, now) for code in payload.voucher_codes or []],
            "points_available": available,
            "points_redeemable": redeemable,
            "points_value": money_str(redeemable * program.point_value, currency),
            "wallet": money_str(account.wallet_balance, currency),
            "points_to_earn": explanation.points,
            "explanation": explanation.steps,
        },
    )


def redeemable_points(available: int, amount: Decimal, point_value: Decimal) -> int:
    """What can be spent on this bill: the points available, but never worth more than the bill itself."""
    if point_value <= 0:
        return 0
    return min(available, int(amount // point_value))


def _anonymous_quote(explanation, currency: str) -> dict:
    zero = money_str(Decimal(0), currency)
    return {
        "member_discount_percent": "0",
        "member_discount": zero,
        "vouchers": [],
        "points_available": 0,
        "points_redeemable": 0,
        "points_value": zero,
        "wallet": zero,
        "points_to_earn": 0,
        "explanation": explanation.steps,
    }


def _voucher_check(shop, member, code: str, amount: Decimal, at) -> dict:
    """Whether the voucher can be used on this bill and what it takes off it."""
    try:
        voucher = voucher_find(shop, code)
    except VoucherNotFound:
        return {"code": code, "value": money_str(Decimal(0), shop.currency), "valid": False}
    valid = voucher.account_id == member.account_id and voucher.status == "issued" and voucher.expires_at > at
    return {"code": voucher.code, "value": money_str(voucher_discount(voucher, amount), shop.currency), "valid": valid}


@router.post("/purchases", response={201: s.PurchaseOut, **ERRORS}, summary="Record a purchase")
def record(request, payload: s.PurchaseIn):
    shop = request.auth.shop
    currency = shop.currency
    amount = money_field(payload.amount, currency, "amount")
    member = _optional_member(shop, payload)
    location = location_of(shop, payload.location)
    now = timezone.now()
    result = purchase_record(
        shop=shop,
        external_id=payload.external_id.strip(),
        amount=amount,
        member=member,
        lines=lines_of(payload, currency),
        occurred_at=payload.occurred_at,
        payment_method=payload.payment_method or "",
        points_redeemed=payload.points_redeemed,
        wallet_redeemed=money_field(payload.wallet_redeemed, currency, "wallet_redeemed"),
        voucher_codes=payload.voucher_codes or [],
        partner_code=payload.partner_code or "",
        actor=actor_of(request, location),
        now=now,
    )
    purchase = result.purchase
    account = member.account if member else None
    return Status(
        201,
        {
            "id": str(purchase.pk),
            "external_id": purchase.external_id,
            "member": str(member.pk) if member else None,
            "amount": money_str(purchase.amount, currency),
            "points_earned": purchase.points_earned,
            "points_pending": purchase.points_pending,
            "stamps_earned": [{"card": card.code, "count": count} for card, count in result.stamps],
            "vouchers_issued": [voucher_out(v) for v in result.vouchers_issued],
            "points": points_out(account, now, result.points) if account else None,
            "tier": tier_out(member) if member else None,
            "explanation": result.explanation.steps if result.explanation else [],
        },
    )


@router.post("/purchases/{purchase_id}/refunds", response={201: s.RefundOut, **ERRORS}, summary="Refund a purchase")
def refund(request, purchase_id: str, payload: s.RefundIn):
    shop = request.auth.shop
    amount = money_field(payload.amount, shop.currency, "amount")
    now = timezone.now()
    result = purchase_refund(
        shop=shop,
        purchase_id=purchase_id,
        amount=amount,
        external_id=payload.external_id.strip(),
        actor=actor_of(request),
        now=now,
    )
    account = result.refund.purchase.account
    if account is not None:
        account.refresh_from_db()
    return Status(
        201,
        {
            "id": str(result.refund.pk),
            "points_reversed": result.points_reversed,
            "points": points_out(account, now) if account else None,
        },
    )
