"""The report's additive figures, written once for both readers: the live report sums them over moments
(`aggregate`), the `insights_rollups` job per day of the shop's calendar and location (`values(day, place)
.annotate`), so a day's roll-up is exactly what the live report would have read for it. Each function takes a
condition on a moment field (`when("occurred_at")` -> Q) and gives (rows, the place column, the sums)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce

from loyalty.models import EntryKind, LedgerEntry, Member, Purchase
from rewards.models import RewardKind, Voucher

MONEY_FIELD = DecimalField(max_digits=20, decimal_places=4)
KEPT = ExpressionWrapper(F("amount") - F("refunded_amount"), output_field=MONEY_FIELD)
ISSUING_KINDS = (EntryKind.EARN, EntryKind.BONUS, EntryKind.REFERRAL, EntryKind.IMPORT)
# Rewards whose value is money the shop gives (a percentage off has no amount until it is used on a purchase).
COSTED_KINDS = (RewardKind.FREE_ITEM, RewardKind.AMOUNT_OFF, RewardKind.WALLET_CREDIT, RewardKind.GIFT)
ZERO = Decimal(0)

When = Callable[[str], Q]


def moment(shop, day: date) -> datetime:
    """The moment the day begins on the shop's clock."""
    return datetime.combine(day, time(0), tzinfo=shop.tz)


def during(shop, intervals: list[tuple[date | None, date]]) -> When:
    """`when(field)`: the field's moment falls in one of the intervals of days, [start, end) (start None: ever)."""

    def when(name: str) -> Q:
        condition = Q(pk__in=[])
        for start, end in intervals:
            part = Q(**{f"{name}__lt": moment(shop, end)})
            if start is not None:
                part &= Q(**{f"{name}__gte": moment(shop, start)})
            condition |= part
        return condition

    return when


def enrolments(shop, when: When):
    """Members who joined (a duplicate merged into another is not counted; an erased member still is)."""
    rows = Member.objects.filter(shop=shop, merged_into__isnull=True).filter(when("created_at"))
    return rows, "enrolled_location", "created_at", {"enrolled": Count("id")}


def purchases(shop, when: When):
    member = Q(member__isnull=False)
    rows = Purchase.objects.filter(shop=shop).filter(when("occurred_at"))
    return (
        rows,
        "location",
        "occurred_at",
        {
            "purchases": Count("id"),
            "member_purchases": Count("id", filter=member),
            "member_sales": Sum(KEPT, filter=member, default=ZERO),
            "other_sales": Sum(KEPT, filter=~member, default=ZERO),
        },
    )


def points(shop, when: When):
    """The ledger. An entry without a location of its own (an expiry, a refund's reversal) belongs to the location
    of the lot it took from."""

    def total(kind: str, sign: int = 1):
        return Sum(F("points") * sign, filter=Q(kind=kind), default=0)

    rows = LedgerEntry.objects.filter(shop=shop).filter(when("occurred_at"))
    return (
        rows,
        Coalesce("location", "reverses__location"),
        "occurred_at",
        {
            "issued": Sum("points", filter=Q(kind__in=ISSUING_KINDS), default=0),
            "reversed": total(EntryKind.REVERSE, -1),
            "redeemed": total(EntryKind.REDEEM, -1),
            "given_back": total(EntryKind.REFUND_REDEEM),
            "expired": total(EntryKind.EXPIRE, -1),
            "adjusted": total(EntryKind.ADJUST),
        },
    )


def vouchers_issued(shop, when: When):
    """Vouchers issued (any source), at the location of the redemption that issued them."""
    rows = Voucher.objects.filter(shop=shop).filter(when("issued_at"))
    return rows, "redemption_entry__location", "issued_at", {"vouchers_issued": Count("id")}


def vouchers_used(shop, when: When):
    """Vouchers used, at the purchase's location, and what the rewards of them cost the shop."""
    rows = Voucher.objects.filter(shop=shop).filter(when("used_at"))
    costed = Q(reward__kind__in=COSTED_KINDS)
    return (
        rows,
        "used_purchase__location",
        "used_at",
        {"vouchers_used": Count("id"), "rewards_cost": Sum("reward__value", filter=costed, default=ZERO)},
    )


PERIOD_SUMS = (purchases, points, vouchers_issued, vouchers_used)
ALL_SUMS = (enrolments, *PERIOD_SUMS)
FIELDS = ("enrolled", "purchases", "member_purchases", "member_sales", "other_sales", "issued", "reversed",
          "redeemed", "given_back", "expired", "adjusted", "vouchers_issued", "vouchers_used",
          "rewards_cost")  # fmt: skip


def at_place(rows, place, location):
    """The rows of one location (None: all of them)."""
    if location is None:
        return rows
    if isinstance(place, str):
        return rows.filter(**{place: location})
    return rows.alias(place=place).filter(place=location.pk)
