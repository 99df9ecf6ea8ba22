"""Reads that pages and the API share. Each starts from the shop (rule 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Sum, When

from loyalty import hooks
from loyalty.models import EntryKind, LedgerEntry, Member, StampProgress
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.members import member_card_number
from loyalty.services.rules import rules_for
from loyalty.services.sql import convert, db_value, table
from loyalty.services.tiers import tier_here


@dataclass
class PointsSummary:
    available: int
    pending: int
    lifetime_earned: int
    balance: int
    expiring_points: int | None
    expiring_at: datetime | None


def points_summary(account, at: datetime) -> PointsSummary:
    """Available, pending and the soonest expiry with what expires then, from the open lots in one query."""
    program = account.program
    if account.points_balance <= 0:
        return PointsSummary(0, 0, account.lifetime_earned, account.points_balance, None, None)
    available, pending, expiring_at, expiring_points = _open_lots_figures(account.pk, at)
    if expiring_at is None and program.expiry_policy == ExpiryPolicy.INACTIVITY and program.expiry_days:
        expiring_at = (account.last_purchase_at or account.created_at) + timedelta(days=program.expiry_days)
        expiring_points = available + pending
    return PointsSummary(
        available, pending, account.lifetime_earned, account.points_balance, expiring_points, expiring_at
    )


def _open_lots_figures(account_id: int, at: datetime) -> tuple:
    """(available, pending, soonest expiry, points expiring then) of the account's unexpired open lots. Plain SQL:
    this is read on every purchase and member view, and the ORM takes longer to build it than the database to
    answer it."""
    moment = db_value(LedgerEntry, "expires_at", at)
    open_lots = (
        f"FROM {table(LedgerEntry)} WHERE account_id = %s AND remaining > 0 AND (expires_at IS NULL OR expires_at > %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN available_at <= %s THEN remaining END), 0),"
            " COALESCE(SUM(CASE WHEN available_at > %s THEN remaining END), 0), MIN(expires_at),"
            f" SUM(CASE WHEN expires_at = (SELECT MIN(expires_at) {open_lots}) THEN remaining END) {open_lots}",
            [moment, moment, account_id, moment, account_id, moment],
        )
        available, pending, soonest, at_soonest = cursor.fetchone()
    return int(available), int(pending), convert(LedgerEntry, "expires_at", soonest), at_soonest


def program_of_member(member: Member):
    """The program of the member's shop: the account's, unless the account is shared with another shop's members
    (a coalition's), whose program it then is."""
    program = member.account.program
    return program if program.shop_id == member.shop_id else member.shop.program


def stamp_cards_of(account, program=None) -> list[dict]:
    """Every card of `program` (the member's shop's, program_of_member; the account's by default) with this
    account's count (0 where it has none yet); the cards from the program's cached rules."""
    cards = rules_for(program or account.program).stamp_cards
    counts = dict(StampProgress.objects.filter(account=account).values_list("card_id", "count")) if cards else {}
    return [
        {"card": card.code, "name": card.name, "count": counts.get(card.pk, 0), "required": card.stamps_required}
        for card in cards
    ]


def member_discount_percent(member: Member, at: datetime) -> Decimal:
    """The larger of the tier's discount and those the member's other programs give (a membership)."""
    tier = tier_here(member)
    tier = tier.discount_percent if tier else Decimal(0)
    return max([tier, *(benefit.discount_percent for benefit in hooks.benefits_for(member, at))])


@dataclass
class MemberPanel:
    """Everything the counter shows about a member, read in a fixed number of queries."""

    member: Member
    card_number: str | None
    points: PointsSummary
    stamps: list[dict]
    vouchers: list
    rewards_within_reach: list
    discount_percent: Decimal
    birthday_this_month: bool


def member_panel(shop, member_id, at: datetime) -> MemberPanel:
    from rewards.selectors import rewards_within_reach, vouchers_open_for

    member = (
        Member.objects.select_related("account__tier", "account__program", "shop")
        .prefetch_related("cards")
        .get(shop=shop, pk=member_id, merged_into__isnull=True)
    )
    points = points_summary(member.account, at)
    local = at.astimezone(shop.tz)
    return MemberPanel(
        member=member,
        card_number=member_card_number(member),
        points=points,
        stamps=stamp_cards_of(member.account, program_of_member(member)),
        vouchers=list(vouchers_open_for(member, at).select_related("reward")),
        rewards_within_reach=rewards_within_reach(member, points.available, at),
        discount_percent=member_discount_percent(member, at),
        birthday_this_month=bool(member.birthday and member.birthday.month == local.month),
    )


GROUPED_KINDS = (EntryKind.REFUND_REDEEM, EntryKind.MERGE)


def entries_as_read(entries):
    """Ledger entries as people read them: the lots one give-back (or one merge) made — one per lot the spend
    had used, each keeping its dates — show as one line with their total (`shown_points`), on its first lot."""
    group = LedgerEntry.objects.filter(
        account_id=OuterRef("account_id"),
        kind=OuterRef("kind"),
        reverses_id=OuterRef("reverses_id"),
        occurred_at=OuterRef("occurred_at"),
        points__gt=0,
    )
    total = group.values("reverses_id").annotate(total=Sum("points")).values("total")
    lots_of_a_group = Q(kind__in=GROUPED_KINDS, points__gt=0, reverses__isnull=False)
    return (
        entries.exclude(lots_of_a_group & Exists(group.filter(id__lt=OuterRef("id"))))
        .annotate(shown_points=Case(When(lots_of_a_group, then=Subquery(total)), default=F("points")))
        .select_related("purchase", "refund", "reverses__voucher")
    )
