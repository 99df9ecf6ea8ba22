"""The till API's partner and payout endpoints (pos-api.md, docs/partners.md), for manager keys."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from ninja import Router, Schema, Status

from loyalty.api import schemas as s
from loyalty.api.auth import require_manager
from loyalty.api.members import ERRORS
from loyalty.money import money_str

from .errors import partner_not_found
from .models import Partner, Payout
from .selectors import partner_figures
from .services.payouts import payout_create, payout_get, payout_mark_paid
from .services.programs import partner_by_code

router = Router(tags=["partners"])


class FiguresOut(Schema):
    pending: str
    approved: str
    paid: str
    balance: str


class PartnerOut(Schema):
    code: str
    name: str
    customers: int
    commissions: FiguresOut


class PayoutLineOut(Schema):
    commission: str
    amount: str


class PayoutOut(Schema):
    id: str
    number: str
    partner: str
    amount: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    reference: str
    lines: list[PayoutLineOut]


class PayoutEnvelope(Schema):
    payout: PayoutOut


class PaidIn(s.Strict):
    reference: str


def partner_named(request, code: str) -> Partner:
    require_manager(request)
    partner = partner_by_code(request.auth.shop, code)
    if partner is None:
        raise partner_not_found()
    return partner


def payout_out(payout: Payout) -> dict:
    currency = payout.shop.currency
    lines = payout.lines.order_by("pk").only("pk", "amount")
    return {
        "payout": {
            "id": str(payout.pk),
            "number": payout.label,
            "partner": payout.partner.code,
            "amount": money_str(payout.amount, currency),
            "status": payout.status,
            "created_at": payout.created_at,
            "paid_at": payout.paid_at,
            "reference": payout.reference,
            "lines": [{"commission": str(line.pk), "amount": money_str(line.amount, currency)} for line in lines],
        }
    }


@router.get("/partners/{code}", response={200: PartnerOut, **ERRORS}, summary="A partner's customers and commissions")
def partner_show(request, code: str):
    partner = partner_named(request, code)
    figures = partner_figures(partner)
    currency = request.auth.shop.currency
    return Status(
        200,
        {
            "code": partner.code,
            "name": partner.name,
            "customers": partner.bindings.count(),
            "commissions": {name: money_str(value, currency) for name, value in asdict(figures).items()},
        },
    )


@router.post(
    "/partners/{code}/payouts", response={201: PayoutEnvelope, **ERRORS}, summary="A payout statement of the balance"
)
def payout_new(request, code: str):
    partner = partner_named(request, code)
    return Status(201, payout_out(payout_create(partner=partner)))


@router.post("/payouts/{payout_id}/paid", response={200: PayoutEnvelope, **ERRORS}, summary="Mark a payout paid")
def payout_paid(request, payout_id: str, payload: PaidIn):
    require_manager(request)
    payout = payout_get(request.auth.shop, payout_id)
    return Status(200, payout_out(payout_mark_paid(payout=payout, reference=payload.reference)))
