"""The points ledger's write paths: lots, spends, reversals and give-backs under one lock order.

Every function that changes an account's points expects the account row locked by `account_lock` in the
same transaction (LEDGER.md: one lock order, no deadlocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, Sum

from loyalty.errors import DomainError, InsufficientPoints
from loyalty.models import Account, Allocation, EntryKind, LedgerEntry
from loyalty.models.ledger import EARNING_KINDS

from .rules import lot_expiry
from .sql import (
    convert,
    db_value,
    insert_rows,
    insert_select,
    joins_writes,
    saved,
    update_returning,
    update_returning_and_insert,
)
from .transactions import atomic_service
from .webhooks import points_changed

SPEND_ORDER = (F("expires_at").asc(nulls_last=True), "available_at", "id")


@dataclass(frozen=True)
class Actor:
    """Who acted and where: recorded on every entry."""

    shop: object
    staff: object = None
    api_key: object = None
    location: object = None

    def entry_fields(self) -> dict:
        return {"shop": self.shop, "staff": self.staff, "api_key": self.api_key, "location": self.location}


def account_lock(account_id: int) -> Account:
    """Lock the account row first, before any lot: the one lock order of every points write."""
    return (
        Account.objects.select_for_update(no_key=True, of=("self",))
        .select_related("tier", "program")
        .get(pk=account_id)
    )


PURCHASE_FIGURES = (
    "points_balance",
    "lifetime_earned",
    "wallet_balance",
    "purchases_count",
    "tier",
    "last_purchase_at",
)


PURCHASE_ASSIGNMENTS = (
    "points_balance = points_balance + %s, lifetime_earned = lifetime_earned + %s,"
    " wallet_balance = wallet_balance + %s, purchases_count = purchases_count + 1,"
    " last_purchase_at = CASE WHEN last_purchase_at IS NULL OR last_purchase_at < %s THEN %s"
    " ELSE last_purchase_at END"
)


def account_purchase_apply(
    account: Account, *, earned: int, cashback, occurred_at: datetime, lot: LedgerEntry | None = None
) -> int:
    """A purchase's one write to its account, which takes the row lock (the one lock order: before any lot):
    the balance and lifetime figures up by what it earns, the wallet by its cashback, one purchase more, and
    its last purchase moved on. `account` is updated to what the row holds now; returns the balance before.

    With `lot` (the purchase's earn lot, unsaved), the same statement inserts it too where the database allows,
    if the row still has the tier the points were judged with (`account.tier_id` as given) and no debt to pay
    first; `lot.pk` is set when it went in, and the caller inserts it itself (lot_insert) when it did not."""
    moment = db_value(Account, "last_purchase_at", occurred_at)
    params = [earned, earned, db_value(Account, "wallet_balance", cashback), moment, moment]
    if lot is not None and joins_writes():
        judged_tier = account.tier_id
        row, key = update_returning_and_insert(
            Account,
            account.pk,
            PURCHASE_ASSIGNMENTS,
            params,
            PURCHASE_FIGURES,
            lambda source: insert_select(
                [lot],
                source,
                where=f"{source}.tier_id IS NOT DISTINCT FROM %s AND {source}.points_balance >= %s",
                where_params=[judged_tier, earned],
            ),
        )
        if key is not None:
            saved(lot, key)
    else:
        row = update_returning(Account, account.pk, PURCHASE_ASSIGNMENTS, params, PURCHASE_FIGURES)
    for name, value in zip(PURCHASE_FIGURES, row, strict=True):
        setattr(account, "tier_id" if name == "tier" else name, convert(Account, name, value))
    return account.points_balance - earned


def _open_lots(account: Account):
    return LedgerEntry.objects.filter(account=account, remaining__gt=0)


def spendable_lots(account: Account, at: datetime):
    return _open_lots(account).filter(available_at__lte=at).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def spend_lots(account: Account, at: datetime) -> list[LedgerEntry]:
    """The lots a spend would draw from now, in spend order (none while the account is in debt)."""
    if account.points_balance <= 0:
        return []
    return list(spendable_lots(account, at).order_by(*SPEND_ORDER).only("id", "remaining"))


def points_available(account: Account, at: datetime) -> int:
    if account.points_balance <= 0:
        return 0
    return spendable_lots(account, at).aggregate(total=Sum("remaining"))["total"] or 0


def points_pending(account: Account, at: datetime) -> int:
    if account.points_balance <= 0:
        return 0
    return _open_lots(account).filter(available_at__gt=at).aggregate(total=Sum("remaining"))["total"] or 0


def _save_figures(account: Account, *, points: int, earned: int = 0) -> None:
    account.points_balance += points
    account.lifetime_earned += earned
    Account.objects.filter(pk=account.pk).update(
        points_balance=F("points_balance") + points, lifetime_earned=F("lifetime_earned") + earned
    )


def lot_create(
    *,
    account: Account,
    actor: Actor,
    kind: str,
    points: int,
    occurred_at: datetime,
    available_at: datetime,
    expires_at: datetime | None,
    source: str = "",
    reason: str = "",
    purchase=None,
    reverses: LedgerEntry | None = None,
    event_key: str = "",
) -> LedgerEntry:
    """Insert a lot; if the account is in debt, the new lot pays the debt first (LEDGER.md: Earn)."""
    assert points > 0, "a lot adds points"
    lot = lot_insert(
        account=account,
        actor=actor,
        kind=kind,
        points=points,
        occurred_at=occurred_at,
        available_at=available_at,
        expires_at=expires_at,
        in_debt=account.points_balance < 0,
        source=source,
        reason=reason,
        purchase=purchase,
        reverses=reverses,
        event_key=event_key,
    )
    _save_figures(account, points=points, earned=points if kind in EARNING_KINDS else 0)
    return lot


def lot_new(*, account: Account, actor: Actor, points: int, **fields) -> LedgerEntry:
    """An unsaved lot of `points`, all remaining."""
    return LedgerEntry(account=account, points=points, remaining=points, **fields, **actor.entry_fields())


def lot_insert(*, account: Account, actor: Actor, points: int, in_debt: bool, **fields) -> LedgerEntry:
    """The lot's row, paying the account's debt first when it has one; the caller changes the cached figures."""
    return lot_save(lot_new(account=account, actor=actor, points=points, **fields), account, in_debt=in_debt)


def lot_save(lot: LedgerEntry, account: Account, *, in_debt: bool) -> LedgerEntry:
    """INSERT an unsaved lot (lot_new), paying the account's debt from it first when it has one."""
    insert_rows([lot])
    if in_debt:
        _pay_debt_from(lot, account)
    return lot


def _unpaid_debts(account: Account) -> list[tuple[LedgerEntry, int]]:
    """Reversals whose points were not all drawn from lots: what the account still owes, oldest first."""
    owing = (
        LedgerEntry.objects.filter(account=account, kind=EntryKind.REVERSE)
        .annotate(drawn=Sum("allocations__points", default=0))
        .filter(drawn__lt=-F("points"))
        .order_by("id")
    )
    return [(entry, -entry.points - entry.drawn) for entry in owing]


def _pay_debt_from(lot: LedgerEntry, account: Account) -> None:
    for debt, unpaid in _unpaid_debts(account):
        take = min(unpaid, lot.remaining)
        if take <= 0:
            break
        Allocation.objects.create(entry=debt, lot=lot, points=take)
        lot.remaining -= take
    LedgerEntry.objects.filter(pk=lot.pk).update(remaining=lot.remaining)


def _allocate(entry: LedgerEntry, lots, points: int) -> int:
    """Draw up to `points` from `lots` in the order given; returns what was drawn."""
    drawn, allocations, touched = 0, [], []
    for lot in lots:
        if drawn >= points:
            break
        take = min(lot.remaining, points - drawn)
        if take <= 0:
            continue
        lot.remaining -= take
        drawn += take
        allocations.append(Allocation(entry=entry, lot=lot, points=take))
        touched.append(lot)
    Allocation.objects.bulk_create(allocations)
    LedgerEntry.objects.bulk_update(touched, ["remaining"])
    return drawn


def points_spend(
    *,
    account: Account,
    actor: Actor,
    kind: str,
    points: int,
    at: datetime,
    source: str = "",
    reason: str = "",
    purchase=None,
    lots: list | None = None,
) -> LedgerEntry:
    """Spend from what is available now, soonest expiry first; never creates a debt (LEDGER.md: Spend). `lots` are
    the account's spendable lots in spend order, when the caller read them already (spend_lots)."""
    assert points > 0, "a spend takes points"
    lots = spend_lots(account, at) if lots is None else lots
    available = sum(lot.remaining for lot in lots)
    if available < points:
        raise InsufficientPoints(
            f"{points} points asked for, {available} available.", fields={"points": f"{available} available"}
        )
    entry = LedgerEntry.objects.create(
        account=account,
        kind=kind,
        points=-points,
        occurred_at=at,
        source=source,
        reason=reason,
        purchase=purchase,
        **actor.entry_fields(),
    )
    _allocate(entry, lots, points)
    _save_figures(account, points=-points)
    return entry


def points_reverse(
    *, account: Account, actor: Actor, lot: LedgerEntry, points: int, refund, reason: str = ""
) -> LedgerEntry:
    """Take back `points` of an earning lot: from the lot itself, then other lots in spend order; the rest
    becomes debt. The reversal carries the lot's occurred_at so windowed tier bases lose it where it counted."""
    assert points > 0
    entry = LedgerEntry.objects.create(
        account=account,
        kind=EntryKind.REVERSE,
        points=-points,
        occurred_at=lot.occurred_at,
        source="refund",
        reason=reason,
        purchase=lot.purchase,
        refund=refund,
        reverses=lot,
        **actor.entry_fields(),
    )
    own = LedgerEntry.objects.filter(pk=lot.pk).only("id", "remaining")
    drawn = _allocate(entry, own, points)
    if drawn < points:
        others = _open_lots(account).exclude(pk=lot.pk).order_by(*SPEND_ORDER).only("id", "remaining")
        _allocate(entry, others, points - drawn)
    _save_figures(account, points=-points, earned=-points if lot.kind in EARNING_KINDS else 0)
    return entry


def points_give_back(
    *, account: Account, actor: Actor, spend: LedgerEntry, points: int, at: datetime, refund=None, reason: str = ""
) -> list[LedgerEntry]:
    """Return `points` of a spend as new `refund_redeem` lots carrying the dates of the lots it consumed, so
    giving back never lengthens or shortens a point's life. Returned last-consumed first, and cumulatively:
    what earlier give-backs of the same spend returned is skipped."""
    already = (
        LedgerEntry.objects.filter(account=account, kind=EntryKind.REFUND_REDEEM, reverses=spend).aggregate(
            total=Sum("points")
        )["total"]
        or 0
    )
    lots = []
    skip, left = already, points
    for allocation in spend.allocations.select_related("lot").order_by("-id"):
        portion = allocation.points
        skipped = min(skip, portion)
        skip -= skipped
        take = min(portion - skipped, left)
        if take <= 0:
            continue
        left -= take
        source_lot = allocation.lot
        lots.append(
            lot_create(
                account=account,
                actor=actor,
                kind=EntryKind.REFUND_REDEEM,
                points=take,
                occurred_at=at,
                available_at=source_lot.available_at,
                expires_at=source_lot.expires_at,
                source=spend.source,
                reason=reason,
                purchase=spend.purchase,
                reverses=spend,
            )
        )
        if left == 0:
            break
    return lots


@atomic_service
def points_adjust(*, account_id: int, actor: Actor, points: int, reason: str, at: datetime) -> LedgerEntry:
    """A manager's correction. Positive: a lot available at once, with the program's expiry. Negative: a spend."""
    account = account_lock(account_id)
    if points > 0:
        entry = lot_create(
            account=account,
            actor=actor,
            kind=EntryKind.ADJUST,
            points=points,
            occurred_at=at,
            available_at=at,
            expires_at=lot_expiry(account.program, at),
            source="adjustment",
            reason=reason,
        )
    else:
        entry = points_spend(
            account=account,
            actor=actor,
            kind=EntryKind.ADJUST,
            points=-points,
            at=at,
            source="adjustment",
            reason=reason,
        )
    points_changed(actor.shop, account, change=points, reason="adjust")
    return entry


def points_grant(
    *, account_id: int, actor: Actor, points: int, reason: str, source: str, event_key: str, at: datetime, tz=None
) -> LedgerEntry | None:
    """Points given in bulk (a campaign's, a selection of members'): a bonus lot available at once with the
    program's expiry, once per account and `event_key` (its unique index decides: a second grant of the same key
    returns None and changes nothing). The caller holds the transaction."""
    assert points > 0, "a grant adds points"
    account = account_lock(account_id)
    if LedgerEntry.objects.filter(account=account, event_key=event_key).exists():
        return None
    lot = lot_create(
        account=account,
        actor=actor,
        kind=EntryKind.BONUS,
        points=points,
        occurred_at=at,
        available_at=at,
        expires_at=lot_expiry(account.program, at, tz),
        source=source,
        reason=reason,
        event_key=event_key,
    )
    points_changed(actor.shop, account, change=points, reason=source)
    return lot


def merge_points(*, source: Account, target: Account, actor: Actor, at: datetime) -> None:
    """Close the source's points into the target: one `merge` entry consumes every open lot of the source,
    and a `merge` lot with the same dates opens on the target for each. Both accounts are locked."""
    if source.points_balance < 0:
        raise DomainError("The duplicate owes points from a refund; adjust its balance to zero before merging.")
    lots = list(_open_lots(source).order_by(*SPEND_ORDER))
    if not lots:
        return
    total = sum(lot.remaining for lot in lots)
    closing = LedgerEntry.objects.create(
        account=source,
        kind=EntryKind.MERGE,
        points=-total,
        occurred_at=at,
        source="merge",
        reason=f"merged into account {target.pk}",
        **actor.entry_fields(),
    )
    mirrored = [(lot.available_at, lot.expires_at, lot.remaining) for lot in lots]
    _allocate(closing, lots, total)
    _save_figures(source, points=-total)
    for available_at, expires_at, points in mirrored:
        lot_create(
            account=target,
            actor=actor,
            kind=EntryKind.MERGE,
            points=points,
            occurred_at=at,
            available_at=available_at,
            expires_at=expires_at,
            source="merge",
            reverses=closing,
            reason=f"merged from account {source.pk}",
        )
