"""Reads the portal's pages need and no other caller shares yet. Each starts from the shop (rule 4) and costs a
fixed number of queries, however many rows it reads; writes go through the services, never through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery, Sum

from loyalty.errors import ValidationFailed
from loyalty.models import Account, ApiKey, Card, DeliveryStatus, LedgerEntry, Member, Purchase, Shop, WebhookDelivery
from loyalty.models.ledger import EARNING_KINDS, EntryKind
from loyalty.selectors import entries_as_read
from loyalty.services.members import phone_normalise
from rewards.models import Voucher, VoucherSource, VoucherStatus

RECENT_DAYS = 30


# ---------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class DashboardFigures:
    members: int
    new_members: int
    purchases: int
    sales: Decimal
    points_earned: int
    points_liability: int
    liability_value: Decimal
    redemptions: int
    points_redeemed: int


def dashboard_figures(shop: Shop, now: datetime) -> DashboardFigures:
    """The shop at a glance over the last 30 days: five aggregate queries, whatever the shop's size. Every figure
    is net of what was taken back: refunds and undone purchases, reversed points, cancelled redemptions."""
    since = now - timedelta(days=RECENT_DAYS)
    program = shop.program
    members = Member.objects.filter(shop=shop, merged_into__isnull=True).aggregate(
        total=Count("id"), new=Count("id", filter=Q(created_at__gte=since))
    )
    kept = Q(refunded_amount__lt=F("amount")) | Q(amount=0)  # an undone purchase is refunded in full
    purchases = Purchase.objects.filter(shop=shop, occurred_at__gte=since).aggregate(
        count=Count("id", filter=kept), sales=Sum(F("amount") - F("refunded_amount"), default=Decimal(0))
    )
    earning = Q(kind__in=EARNING_KINDS) | Q(kind=EntryKind.REVERSE, reverses__kind__in=EARNING_KINDS)
    earned = LedgerEntry.objects.filter(earning, shop=shop, occurred_at__gte=since).aggregate(
        points=Sum("points", default=0)
    )
    liability = Account.objects.filter(program=program, points_balance__gt=0).aggregate(
        points=Sum("points_balance", default=0)
    )
    redemptions = redemptions_kept(shop, since).aggregate(count=Count("id"), points=Sum("points_spent", default=0))
    return DashboardFigures(
        members=members["total"],
        new_members=members["new"],
        purchases=purchases["count"],
        sales=purchases["sales"],
        points_earned=earned["points"],
        points_liability=liability["points"],
        liability_value=liability["points"] * program.point_value,
        redemptions=redemptions["count"],
        points_redeemed=redemptions["points"],
    )


def redemptions_kept(shop: Shop, since: datetime):
    """Rewards bought with points since `since` whose points the member still spent: an undone or cancelled
    redemption, or an expired voucher whose points went back, is not a redemption."""
    given_back = LedgerEntry.objects.filter(reverses=OuterRef("redemption_entry_id"), kind=EntryKind.REFUND_REDEEM)
    return (
        Voucher.objects.filter(shop=shop, source=VoucherSource.REDEMPTION, issued_at__gte=since)
        .exclude(status=VoucherStatus.CANCELLED)
        .exclude(Exists(given_back))
    )


# ---------------------------------------------------------------- members


def members_of(shop: Shop):
    """The shop's current members (not the duplicates merged away), with tier and card number in one query."""
    card = Card.objects.filter(member=OuterRef("pk"), blocked_at__isnull=True).order_by("-created_at")
    return (
        Member.objects.filter(shop=shop, merged_into__isnull=True)
        .select_related("account__tier")
        .annotate(card_number=Subquery(card.values("number")[:1]))
    )


def member_search(queryset, shop: Shop, text: str):
    """A phone in any format the shop's country reads (whole, or its beginning: "0901" finds +84901…), a card
    number, part of a name or an email address."""
    text = (text or "").strip()
    if not text:
        return queryset
    condition = Q(name__icontains=text) | Q(email__icontains=text)
    compact = "".join(text.split()).replace("-", "")
    if compact.isdigit():
        condition |= Q(pk__in=Card.objects.filter(shop=shop, number=compact).values("member_id"))
    try:
        condition |= Q(phone=phone_normalise(text, shop.country))
    except ValidationFailed:
        condition |= phone_prefix_condition(text, shop.country)
    return queryset.filter(condition)


def phone_prefix_condition(text: str, country: str) -> Q:
    """Part of a phone number: "+849…" and "0901…" (national, with its trunk 0) match the number's beginning;
    other digits anywhere in it. Fewer than three digits match nothing."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 3 or len(digits) != len(compact_phone(text)):
        return Q(pk__in=[])
    if text.startswith("+"):
        return Q(phone__startswith="+" + digits)
    if digits.startswith("0"):
        return Q(phone__startswith=f"+{phonenumbers.country_code_for_region(country)}{digits.lstrip('0')}")
    return Q(phone__contains=digits)


def compact_phone(text: str) -> str:
    """The text without the spaces, dashes, dots, brackets and plus sign people write in phone numbers."""
    return "".join(ch for ch in text if ch not in " -.()+/")


def member_of(shop: Shop, member_id: int) -> Member:
    """One of the shop's members, merged ones included (their page says where they went); raises DoesNotExist."""
    return Member.objects.select_related("account__tier", "account__program", "merged_into").get(
        shop=shop, pk=member_id
    )


def ledger_of(shop: Shop, member: Member):
    """The member's points entries in this shop, newest first, with who made each one."""
    return entries_as_read(
        LedgerEntry.objects.filter(shop=shop, account_id=member.account_id)
        .select_related("staff", "api_key")
        .order_by("-occurred_at", "-id")
    )


def purchases_of(shop: Shop, member: Member):
    return Purchase.objects.filter(shop=shop, member=member).select_related("location").order_by("-occurred_at", "-id")


# ---------------------------------------------------------------- API keys and webhooks


def api_keys_of(shop: Shop):
    """Keys in use first, then revoked ones; newest first within each."""
    return ApiKey.objects.filter(shop=shop).select_related("location").order_by("revoked_at", "-created_at")


def endpoints_of(shop: Shop):
    """The shop's webhook endpoints with how their deliveries went, counted in the same query."""
    return shop.webhook_endpoints.annotate(
        deliveries_total=Count("deliveries"),
        deliveries_failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).order_by("-active", "-created_at")


def deliveries_of(endpoint):
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at")


# ---------------------------------------------------------------- printed cards

BATCHES_SHOWN = 50


def card_batches_of(shop: Shop) -> list[dict]:
    """The shop's printed batches, newest first, each with its code, when it was printed, how many cards it
    has and how many of those are attached to a member: one grouped query."""
    return list(
        Card.objects.filter(shop=shop, printed=True)
        .exclude(batch="")
        .values("batch")
        .annotate(printed_at=Min("created_at"), cards=Count("id"), attached=Count("member"))
        .order_by("-printed_at", "-batch")[:BATCHES_SHOWN]
    )
