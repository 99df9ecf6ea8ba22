"""Request and response bodies of the till API (pos-api.md), which also make its OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

Money = str | int  # money is a decimal string; a whole number is accepted too
Name = Field(None, max_length=200)


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class TierOut(Schema):
    code: str
    name: str


class ExpiringOut(Schema):
    points: int
    at: datetime


class PointsOut(Schema):
    available: int
    pending: int
    lifetime_earned: int
    expiring_next: ExpiringOut | None = None


class StampsOut(Schema):
    card: str
    count: int
    required: int


class VoucherOut(Schema):
    code: str
    reward: str
    status: Literal["issued", "used", "cancelled", "expired"]
    expires_at: datetime


class MembershipOut(Schema):
    plan: str
    status: str
    ends_at: datetime | None = None


class CoalitionOut(Schema):
    """The coalition whose shops share the member's balance (filled by the coalitions app)."""

    code: str
    name: str
    points_name: str
    shops: list[str]  # the merchants' slugs, in the coalition's order


class MemberOut(Schema):
    id: str
    card_number: str | None
    name: str | None
    phone: str
    email: str | None
    birthday: date | None = None
    tier: TierOut | None
    discount_percent: str
    points: PointsOut
    wallet: str
    stamps: list[StampsOut]
    membership: MembershipOut | None
    coalition: CoalitionOut | None = None
    referral_code: str
    vouchers: list[VoucherOut]


class MemberIn(Strict):
    phone: str = Field(..., max_length=40)
    name: str | None = Name
    email: str | None = Field(None, max_length=254)
    birthday: date | None = None
    referral_code: str | None = Field(None, max_length=40)
    partner_code: str | None = Field(None, max_length=40)
    location: str | None = Field(None, max_length=60)
    marketing_consent: bool = False
    card_number: str | None = Field(None, max_length=20)


class LedgerEntryOut(Schema):
    id: str
    kind: str
    points: int
    created_at: datetime
    occurred_at: datetime
    available_at: datetime | None
    expires_at: datetime | None
    reason: str
    source: str


class AdjustmentIn(Strict):
    points: int = Field(..., ge=-(10**9), le=10**9)
    reason: str = Field(..., min_length=1, max_length=500)


class AdjustmentOut(Schema):
    entry: LedgerEntryOut
    points: PointsOut


class ItemIn(Strict):
    sku: str | None = Field(None, max_length=100)
    category: str | None = Field(None, max_length=100)
    quantity: int = Field(1, ge=1, le=100000)
    amount: Money


PaymentMethodIn = Literal["cash", "card", "ewallet", "bank_transfer", "other"]


class QuoteIn(Strict):
    amount: Money
    member: str | None = Field(None, max_length=40)
    member_lookup: str | None = Field(None, max_length=500)
    items: list[ItemIn] | None = Field(None, max_length=500)
    location: str | None = Field(None, max_length=60)
    occurred_at: datetime | None = None
    voucher_codes: list[str] | None = Field(None, max_length=20)
    partner_code: str | None = Field(None, max_length=40)
    payment_method: PaymentMethodIn | None = None
    points_redeemed: int = Field(0, ge=0, le=10**9)
    wallet_redeemed: Money = "0"


class PurchaseIn(QuoteIn):
    external_id: str = Field(..., min_length=1, max_length=100)


class QuoteVoucherOut(Schema):
    code: str
    value: str
    valid: bool


class QuoteOut(Schema):
    member_discount_percent: str
    member_discount: str
    vouchers: list[QuoteVoucherOut]
    points_available: int
    points_redeemable: int
    points_value: str
    wallet: str
    points_to_earn: int
    explanation: list[str]


class StampsEarnedOut(Schema):
    card: str
    count: int


class PurchaseOut(Schema):
    id: str
    external_id: str
    member: str | None
    amount: str
    points_earned: int
    points_pending: int
    stamps_earned: list[StampsEarnedOut]
    vouchers_issued: list[VoucherOut]
    points: PointsOut | None
    tier: TierOut | None
    explanation: list[str]


class RefundIn(Strict):
    amount: Money
    external_id: str = Field(..., min_length=1, max_length=100)


class RefundOut(Schema):
    id: str
    points_reversed: int
    points: PointsOut | None


class EventIn(Strict):
    member: str | None = Field(None, max_length=40)
    member_lookup: str | None = Field(None, max_length=500)
    event: str = Field(..., min_length=1, max_length=60, pattern=r"^[a-z0-9_\-]+$")


class EventOut(Schema):
    points_awarded: int
    points: PointsOut


class RewardOut(Schema):
    code: str
    name: str
    kind: str
    points: int
    value: str
    eligible: bool | None = None
    reason: str | None = None


class RedemptionIn(Strict):
    member: str | None = Field(None, max_length=40)
    member_lookup: str | None = Field(None, max_length=500)
    reward: str = Field(..., min_length=1, max_length=60)


class RedemptionOut(Schema):
    voucher: VoucherOut
    points: PointsOut


class VoucherUseIn(Strict):
    purchase: str | None = Field(None, max_length=40)


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(Schema):
    error: ErrorBody
