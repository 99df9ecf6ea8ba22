"""The rewards catalogue, redemptions and vouchers."""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Status

from loyalty.money import money_str
from loyalty.qr import qr_png, qr_svg
from loyalty.services.ledger import points_available
from loyalty.services.members import member_get
from loyalty.services.refunds import purchase_get
from rewards.models import Reward
from rewards.selectors import reward_ineligibility
from rewards.services import reward_redeem, voucher_cancel, voucher_find, voucher_use

from . import schemas as s
from .auth import actor_of
from .members import ERRORS, member_named
from .present import points_out, voucher_out

router = Router(tags=["rewards"])


@router.get("/rewards", response={200: list[s.RewardOut], **ERRORS}, summary="The catalogue, with eligibility")
def catalogue(request, member: str | None = None):
    shop = request.auth.shop
    now = timezone.now()
    who = member_get(shop, member) if member else None
    available = points_available(who.account, now) if who else 0
    rows = []
    for reward in Reward.objects.filter(shop=shop, active=True):
        row = {
            "code": reward.code,
            "name": reward.name,
            "kind": reward.kind,
            "points": reward.points,
            "value": money_str(reward.value, shop.currency),
        }
        if who is not None:
            reason = reward_ineligibility(reward, who, available=available, at=now)
            row.update(eligible=reason is None, reason=reason)
        rows.append(row)
    return Status(200, rows)


@router.post("/redemptions", response={201: s.RedemptionOut, **ERRORS}, summary="Redeem a reward for points")
def redeem(request, payload: s.RedemptionIn):
    shop = request.auth.shop
    member = member_named(shop, payload.member, payload.member_lookup)
    now = timezone.now()
    voucher = reward_redeem(member=member, reward_code=payload.reward, actor=actor_of(request), at=now)
    return Status(201, {"voucher": voucher_out(voucher), "points": points_out(member.account, now)})


@router.post("/vouchers/{code}/use", response={200: s.VoucherOut, **ERRORS}, summary="Use a voucher")
def use(request, code: str, payload: s.VoucherUseIn | None = None):
    shop = request.auth.shop
    purchase = purchase_get(shop, payload.purchase) if payload and payload.purchase else None
    return Status(200, voucher_out(voucher_use(shop=shop, code=code, purchase=purchase)))


@router.post("/vouchers/{code}/cancel", response={200: s.VoucherOut, **ERRORS}, summary="Cancel an unused voucher")
def cancel(request, code: str):
    return Status(200, voucher_out(voucher_cancel(shop=request.auth.shop, code=code, actor=actor_of(request))))


@router.get(
    "/vouchers/{code}/qr.{image_format}",
    response={200: None, **ERRORS},
    summary="A voucher's QR code (svg or png), to show on a screen or print on a receipt",
)
def qr(request, code: str, image_format: Literal["svg", "png"]):
    voucher = voucher_find(request.auth.shop, code)
    if image_format == "svg":
        return HttpResponse(qr_svg(voucher.code), content_type="image/svg+xml")
    return HttpResponse(qr_png(voucher.code), content_type="image/png")


@router.get("/vouchers/{code}", response={200: s.VoucherOut, **ERRORS}, summary="A voucher")
def show(request, code: str):
    return Status(200, voucher_out(voucher_find(request.auth.shop, code)))
