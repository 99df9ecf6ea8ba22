"""Writing a past-purchase import plan (purchase_import.py) in one transaction, set-based: the purchases and their
category lines go in by bulk INSERTs (COPY on PostgreSQL) per chunk, never one purchase_record per row; then the
tiers of the accounts they belong to are raised where the purchases earn it. Nothing else moves: an imported
purchase earns no points, stamps or cashback, and sends no webhook or message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.models import Purchase, PurchaseLine, Shop
from loyalty.models.programs import TierBasis

from .ledger import Actor
from .member_import import chunks
from .purchase_import import PurchaseImportResult, PurchasePlan, PurchaseRow, receipts_recorded
from .sql import bulk_insert
from .tiers import tiers_raise

CHUNK = 5000
TIER_REASON = "import"  # the TierChange reason of a level the imported purchases reached

Progress = Callable[[int, int], None]  # progress(rows done, rows in all)


def purchases_import(
    *, plan: PurchasePlan, actor: Actor, at: datetime | None = None, progress: Progress | None = None
) -> PurchaseImportResult:
    """Write the plan: all of it or, on any error, nothing. Imports of one shop run one after another (the shop's
    row is locked); a receipt recorded since the plan was made (at the till) is skipped as already there."""
    at = at or timezone.now()
    shop, total = plan.shop, len(plan.new)
    with transaction.atomic():
        Shop.objects.select_for_update().only("id").get(pk=shop.pk)
        written, done = 0, 0
        for chunk in chunks(plan.new, CHUNK):
            recorded = receipts_recorded(shop, [row.receipt for row in chunk])
            written += _write(shop, [row for row in chunk if row.receipt not in recorded], actor)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        raised = _tiers_raised(shop, sorted({row.account_id for row in plan.new}), at)
    return PurchaseImportResult(imported=written, skipped=plan.rows - written, tiers_raised=raised)


def _tiers_raised(shop: Shop, account_ids: list[int], at: datetime) -> int:
    """The levels the imported spend or visits reach; a basis of points earned is not moved by purchases that
    earned none."""
    program = shop.program
    if program.tier_basis == TierBasis.POINTS_EARNED or not account_ids:
        return 0
    return tiers_raise(program, account_ids, as_of=at, tz=shop.tz, reason=TIER_REASON)


def _write(shop: Shop, rows: list[PurchaseRow], actor: Actor) -> int:
    purchases = [
        Purchase(
            shop_id=shop.pk,
            external_id=row.receipt,
            member_id=row.member_id,
            account_id=row.account_id,
            location_id=row.location_id,
            amount=row.amount,
            occurred_at=row.occurred_at,
            staff=actor.staff,
            imported=True,
        )
        for row in rows
    ]
    bulk_insert(purchases)
    lines = [
        PurchaseLine(purchase_id=purchase.pk, category=row.category, amount=row.amount)
        for purchase, row in zip(purchases, rows, strict=True)
        if row.category
    ]
    bulk_insert(lines)
    return len(purchases)
