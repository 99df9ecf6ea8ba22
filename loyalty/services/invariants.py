"""The ledger's invariants (LEDGER.md), checked over the whole database with aggregate queries."""

from __future__ import annotations

from django.db.models import BigIntegerField, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from loyalty.models import Account, Allocation, EntryKind, LedgerEntry, WalletEntry
from loyalty.models.ledger import EARNING_KINDS


def _sum_of(queryset, field: str, output=None):
    output = output or BigIntegerField()
    summed = Subquery(queryset.values("account").annotate(s=Sum(field)).values("s")[:1], output_field=output)
    return Coalesce(summed, Value(0), output_field=output)


def ledger_violations(account_ids=None) -> list[str]:
    """Every broken invariant, one line each; empty when the ledger is sound."""
    accounts = Account.objects.all() if account_ids is None else Account.objects.filter(pk__in=account_ids)
    entries = LedgerEntry.objects.filter(account=OuterRef("pk"))
    problems = []
    annotated = accounts.annotate(
        ledger_sum=_sum_of(entries, "points"),
        lots_remaining=_sum_of(entries.filter(points__gt=0), "remaining"),
        earned=_sum_of(
            entries.filter(Q(kind__in=EARNING_KINDS) | Q(kind=EntryKind.REVERSE, reverses__kind__in=EARNING_KINDS)),
            "points",
        ),
        wallet_sum=_sum_of(
            WalletEntry.objects.filter(account=OuterRef("pk")), "amount", DecimalField(max_digits=20, decimal_places=4)
        ),
    )
    for a in annotated.filter(
        ~Q(points_balance=F("ledger_sum")) | ~Q(lifetime_earned=F("earned")) | ~Q(wallet_balance=F("wallet_sum"))
    ):
        problems.append(
            f"account {a.pk}: balance {a.points_balance} / ledger {a.ledger_sum}, lifetime "
            f"{a.lifetime_earned} / earned {a.earned}, wallet {a.wallet_balance} / entries {a.wallet_sum}"
        )
    for a in annotated.filter(points_balance__gte=0).exclude(points_balance=F("lots_remaining")):
        problems.append(f"account {a.pk}: balance {a.points_balance} but lots hold {a.lots_remaining}")
    for a in annotated.filter(points_balance__lt=0, lots_remaining__gt=0):
        problems.append(f"account {a.pk}: in debt ({a.points_balance}) while lots still hold {a.lots_remaining}")
    lots = LedgerEntry.objects.filter(points__gt=0)
    if account_ids is not None:
        lots = lots.filter(account_id__in=account_ids)
    drawn = Allocation.objects.filter(lot=OuterRef("pk")).values("lot").annotate(s=Sum("points")).values("s")[:1]
    for lot in (
        lots.annotate(drawn=Coalesce(Subquery(drawn), Value(0)))
        .exclude(remaining=F("points") - F("drawn"))
        .values("id", "points", "remaining", "drawn")[:100]
    ):
        problems.append(
            f"lot {lot['id']}: points {lot['points']} − drawn {lot['drawn']} ≠ remaining {lot['remaining']}"
        )
    negatives = LedgerEntry.objects.filter(points__lt=0)
    if account_ids is not None:
        negatives = negatives.filter(account_id__in=account_ids)
    allocated = (
        Allocation.objects.filter(entry=OuterRef("pk")).values("entry").annotate(s=Sum("points")).values("s")[:1]
    )
    over = negatives.annotate(drawn=Coalesce(Subquery(allocated), Value(0))).filter(drawn__gt=-F("points"))
    for entry in over.values("id", "points", "drawn")[:100]:
        problems.append(f"entry {entry['id']}: drew {entry['drawn']} for {entry['points']}")
    short = (
        negatives.exclude(kind=EntryKind.REVERSE)
        .annotate(drawn=Coalesce(Subquery(allocated), Value(0)))
        .filter(drawn__lt=-F("points"))
    )
    for entry in short.values("id", "kind", "points", "drawn")[:100]:
        problems.append(
            f"entry {entry['id']} ({entry['kind']}): drew {entry['drawn']} for {entry['points']}: "
            "only reversals may leave a debt"
        )
    crossed = Allocation.objects.exclude(entry__account_id=F("lot__account_id"))
    if account_ids is not None:
        crossed = crossed.filter(entry__account_id__in=account_ids)
    for allocation in crossed.values("id", "entry_id", "lot_id", "entry__account_id", "lot__account_id")[:100]:
        problems.append(
            f"allocation {allocation['id']}: entry {allocation['entry_id']} of account "
            f"{allocation['entry__account_id']} drew from lot {allocation['lot_id']} of account "
            f"{allocation['lot__account_id']}"
        )
    duplicates = (
        LedgerEntry.objects.filter(kind=EntryKind.EARN, purchase__isnull=False)
        .values("purchase")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in duplicates[:100]:
        problems.append(f"purchase {row['purchase']}: earned {row['n']} times")
    return problems
