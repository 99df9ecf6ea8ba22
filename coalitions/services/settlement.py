"""The settlement statement of a coalition's period, from the ledger (docs/coalitions.md).

issued: points earned at the shop (earn, bonus, referral) less their reversals; redeemed: points spent at the shop
less what was given back. owes = cost × issued and owed = reimbursement × redeemed, each rounded once, half up, to
the currency's minor units; net = owed − owes; pool_change = Σ owes − Σ owed, so Σ net + pool_change = 0 exactly.
Entries count in the period they occurred in, so a closed period's statement never changes. A shop is in a period's
statement when it was in the coalition during some of it: from `joined_at`, and up to `left_at` when it left (its
final statement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max, Min, Q, Sum
from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import LedgerEntry
from loyalty.models.ledger import EARNING_KINDS, EntryKind
from loyalty.money import round_money

from ..models import Coalition, CoalitionShop


@dataclass(frozen=True)
class ShopRow:
    merchant: str
    name: str
    issued: int
    redeemed: int
    owes: Decimal
    owed: Decimal

    @property
    def net(self) -> Decimal:
        return self.owed - self.owes


@dataclass(frozen=True)
class Statement:
    coalition: Coalition
    period: str
    rows: list[ShopRow]

    @property
    def pool_change(self) -> Decimal:
        return sum((r.owes - r.owed for r in self.rows), Decimal(0))


def period_bounds(coalition: Coalition, period: str) -> tuple[datetime, datetime]:
    """The calendar month `YYYY-MM` in the coalition's time zone (its first shop's); a future one is refused."""
    try:
        year, month = (int(part) for part in period.split("-"))
        start_day = date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationFailed(fields={"period": "must be a month, YYYY-MM"}, code="invalid_period") from None
    tz = coalition_tz(coalition)
    start = datetime(start_day.year, start_day.month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    if start > timezone.now():
        raise ValidationFailed(fields={"period": "is in the future"}, code="period_in_future")
    return start, end


def coalition_tz(coalition: Coalition):
    """The coalition's time zone: its first shop's, for its months and its shops' leaving days."""
    if getattr(coalition, "_tz", None) is None:  # asked for several times by one page: read once
        first = CoalitionShop.objects.filter(coalition=coalition).select_related("shop").first()
        coalition._tz = first.shop.tz
    return coalition._tz


def periods(coalition: Coalition, shop=None, now: datetime | None = None) -> list[str]:
    """The months a statement exists for, newest first: from the first joining (the shop's own, when given) to
    the current month, or to the month the shop left."""
    terms = CoalitionShop.objects.filter(coalition=coalition)
    if shop is not None:
        terms = terms.filter(shop=shop)
    bounds = terms.aggregate(first=Min("joined_at"))
    if bounds["first"] is None:
        return []
    tz = coalition_tz(coalition)
    last = now or timezone.now()
    if shop is not None and not terms.filter(left_at__isnull=True).exists():
        last = min(last, terms.aggregate(last=Max("left_at"))["last"])
    first, last = bounds["first"].astimezone(tz), last.astimezone(tz)
    months, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months[::-1]


REVERSED_EARNING = Q(kind=EntryKind.REVERSE, reverses__kind__in=EARNING_KINDS)


def statement(coalition: Coalition, period: str) -> Statement:
    start, end = period_bounds(coalition, period)
    terms = list(
        CoalitionShop.objects.filter(coalition=coalition, joined_at__lt=end)
        .exclude(left_at__lte=start)
        .select_related("shop")
    )
    rows = []
    for term in terms:
        window = Q(occurred_at__gte=max(start, term.joined_at), occurred_at__lt=end)
        if term.left_at:  # its final statement: up to the moment it left, never its members' own accounts since
            window &= Q(occurred_at__lt=term.left_at) & ~Q(account_id__in=term.splits.values("own_account_id"))
        figures = LedgerEntry.objects.filter(window, shop=term.shop).aggregate(
            issued=Sum("points", filter=Q(kind__in=EARNING_KINDS) | REVERSED_EARNING),
            redeemed=Sum("points", filter=Q(kind__in=(EntryKind.REDEEM, EntryKind.REFUND_REDEEM))),
        )
        issued, redeemed = figures["issued"] or 0, -(figures["redeemed"] or 0)
        rows.append(
            ShopRow(
                merchant=term.shop.slug,
                name=term.shop.name,
                issued=issued,
                redeemed=redeemed,
                owes=round_money(term.cost_per_point * issued, coalition.currency),
                owed=round_money(term.reimbursement_per_point * redeemed, coalition.currency),
            )
        )
    return Statement(coalition, period, rows)
