"""Tier levels: the basis (never the balance), immediate upgrades, downgrades only at review after grace."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from loyalty import hooks
from loyalty.models import Account, EntryKind, LedgerEntry, Program, Purchase, Shop, TierChange
from loyalty.models.programs import TierBasis, TierWindow

from .message_queue import tier_up_queue
from .rules import tier_for_basis
from .webhooks import tier_changed

BASIS_ENTRY_KINDS = (EntryKind.EARN, EntryKind.BONUS, EntryKind.REFERRAL, EntryKind.REVERSE)


def one_year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


def window_start(program: Program, as_of: datetime, tz) -> datetime | None:
    """Where the tier window begins at `as_of` (calendar rules in the shop's time zone)."""
    if program.tier_window == TierWindow.CALENDAR_YEAR:
        local = as_of.astimezone(tz)
        return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if program.tier_window == TierWindow.ROLLING_12_MONTHS:
        return one_year_before(as_of)
    return None


def basis_by_account(program: Program, as_of: datetime, tz, account_ids=None) -> dict[int, Decimal]:
    """The tier basis of every account of the program (or of `account_ids`), in one aggregate query: what occurred
    at the program's shop only where the shop shares accounts with others (a coalition's)."""
    start = window_start(program, as_of, tz)
    here = {"shop_id": program.shop_id} if hooks.shares_accounts(program) else {}
    if program.tier_basis == TierBasis.POINTS_EARNED:
        rows = LedgerEntry.objects.filter(account__program=program, kind__in=BASIS_ENTRY_KINDS, **here)
        rows = rows.filter(Q(kind=EntryKind.REVERSE, reverses__kind__in=BASIS_ENTRY_KINDS) | ~Q(kind=EntryKind.REVERSE))
        value = Sum("points")
    else:
        rows = Purchase.objects.filter(account__program=program, **here)
        if program.tier_basis == TierBasis.AMOUNT_SPENT:
            value = Sum(F("amount") - F("refunded_amount"))
        else:
            rows = rows.exclude(amount__gt=0, refunded_amount=F("amount"))
            value = Count("id")
    rows = rows.filter(occurred_at__lte=as_of)
    if start is not None:
        rows = (
            rows.filter(occurred_at__gt=start)
            if program.tier_window == TierWindow.ROLLING_12_MONTHS
            else rows.filter(occurred_at__gte=start)
        )
    if account_ids is not None:
        rows = rows.filter(account_id__in=account_ids)
    return {row["account_id"]: Decimal(row["basis"] or 0) for row in rows.values("account_id").annotate(basis=value)}


def tier_upgrade_if_reached(*, account: Account, program: Program, tiers: list, shop, as_of: datetime) -> bool:
    """Move the (locked) account up at once when its basis crosses a higher threshold of the shop's program. An
    account opened at another shop (shared in a coalition) has that shop's tiers: this shop's do not move it."""
    if not tiers or account.tier_id == tiers[-1].pk or account.program_id != program.pk:
        return False
    lifetime = program.tier_basis == TierBasis.POINTS_EARNED and program.tier_window == TierWindow.LIFETIME
    if lifetime and not hooks.shares_accounts(program):
        basis = Decimal(account.lifetime_earned)  # the same sum, cached on the locked row
    else:
        basis = basis_by_account(program, as_of, shop.tz, account_ids=[account.pk]).get(account.pk, Decimal(0))
    target = tier_for_basis(tiers, basis)
    current_threshold = account.tier.threshold if account.tier_id else Decimal(-1)
    if target is None or target.threshold <= current_threshold:
        return False
    _move(account, target, as_of, "upgrade", shop)
    return True


def _move(account: Account, target, at: datetime, reason: str, shop) -> None:
    from_code = account.tier.code if account.tier_id else None
    change = TierChange.objects.create(
        account=account, from_tier_id=account.tier_id, to_tier=target, at=at, reason=reason
    )
    if reason == "upgrade":
        tier_up_queue(change)
    account.tier, account.tier_since, account.tier_below_since = target, at, None
    Account.objects.filter(pk=account.pk).update(tier=target, tier_since=at, tier_below_since=None)
    tier_changed(shop, account.pk, from_code, target.code)


def tier_here(member):
    """The member's tier at their shop: the account's, unless the account was opened at another shop (shared in a
    coalition), whose tier levels are that shop's, not this one's: then none. No query where the member comes with
    its shop's program or its account's."""
    account = member.account
    if not account.tier_id:
        return None
    shop = member.shop
    if Shop.program.related.is_cached(shop):
        here = shop.program.pk
    else:
        program = account.program
        here = program.pk if program.shop_id == shop.pk else shop.program.pk
    return account.tier if here == account.program_id else None


def starting_tier(tiers: list):
    """A new member starts in the level whose threshold is 0, if there is one."""
    return next((level for level in tiers if level.threshold == 0), None)


def tiers_review(program: Program, *, as_of: datetime, tz) -> dict:
    """The review job for one program: moves accounts to the level their basis earns, downward only after
    `downgrade_grace_days` below their tier. Deterministic for a moment, so a re-run changes nothing."""
    tiers = list(program.tiers.order_by("threshold"))
    if not tiers:
        return {"up": 0, "down": 0}
    by_threshold = {t.pk: t for t in tiers}
    basis = basis_by_account(program, as_of, tz)
    grace = timedelta(days=program.downgrade_grace_days)
    moves, mark_below, clear_below = [], [], []
    accounts = Account.objects.filter(program=program, closed_at__isnull=True).values_list(
        "id", "tier_id", "tier_below_since"
    )
    for account_id, tier_id, below_since in accounts.iterator(chunk_size=5000):
        target = tier_for_basis(tiers, basis.get(account_id, Decimal(0)))
        current = by_threshold.get(tier_id)
        if current is not None and (target is None or target.threshold < current.threshold):
            if below_since is None and grace:
                mark_below.append(account_id)
            elif below_since is None or as_of - below_since >= grace:
                moves.append((account_id, tier_id, target, "review_down"))
            continue
        if below_since is not None:
            clear_below.append(account_id)
        if target is not None and (current is None or target.threshold > current.threshold):
            moves.append((account_id, tier_id, target, "review_up"))
    for change in _apply_moves(moves, as_of):
        if change.reason == "review_up":
            tier_up_queue(change)
    if program.shop_id:
        codes = {t.pk: t.code for t in tiers}
        for account_id, from_id, target, _reason in moves:
            tier_changed(program.shop, account_id, codes.get(from_id), target.code if target else None)
    Account.objects.filter(pk__in=mark_below).update(tier_below_since=as_of)
    Account.objects.filter(pk__in=clear_below).update(tier_below_since=None)
    return {"up": sum(m[3] == "review_up" for m in moves), "down": sum(m[3] == "review_down" for m in moves)}


def tiers_raise(program: Program, account_ids: list[int], *, as_of: datetime, tz, reason: str) -> int:
    """Move the accounts up, never down, to the level their basis earns at `as_of` (after past purchases are
    imported: the review's downgrades wait for the review). Set-based: one basis query and one UPDATE per level
    per chunk. Quiet: no tier-up message or webhook (nothing happened today). Returns how many moved."""
    tiers = list(program.tiers.order_by("threshold"))
    if not tiers:
        return 0
    by_pk = {t.pk: t for t in tiers}
    moves = []
    for start in range(0, len(account_ids), 5000):
        chunk = account_ids[start : start + 5000]
        basis = basis_by_account(program, as_of, tz, account_ids=chunk)
        accounts = Account.objects.filter(pk__in=chunk, program=program, closed_at__isnull=True)
        for account_id, tier_id in accounts.values_list("id", "tier_id"):
            target = tier_for_basis(tiers, basis.get(account_id, Decimal(0)))
            current = by_pk.get(tier_id)
            if target is not None and (current is None or target.threshold > current.threshold):
                moves.append((account_id, tier_id, target, reason))
    _apply_moves(moves, as_of)
    return len(moves)


def _apply_moves(moves: list, at: datetime) -> list[TierChange]:
    changes = TierChange.objects.bulk_create(
        [TierChange(account_id=a, from_tier_id=f, to_tier=t, at=at, reason=r) for a, f, t, r in moves], batch_size=5000
    )
    by_move: dict = {}
    for account_id, from_id, target, _reason in moves:
        by_move.setdefault((from_id, target.pk if target else None), []).append(account_id)
    for (from_id, target_id), ids in by_move.items():
        for start in range(0, len(ids), 5000):
            # Only where the tier is still the one judged: a purchase may have moved it meanwhile.
            Account.objects.filter(pk__in=ids[start : start + 5000], tier_id=from_id).update(
                tier_id=target_id, tier_since=at, tier_below_since=None
            )
    return changes
