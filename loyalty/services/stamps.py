"""Stamp cards: the stamps a purchase puts on each card (a full card issues its reward at once, extra stamps carry
over) and what a refund takes back (reopening a full card whose voucher is unused).

Every function expects the account row locked in the same transaction; the progress rows come after it in the
one lock order."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from loyalty.models import Account, Member, Purchase, StampCompletion, StampEntry, StampProgress
from rewards.models import Reward, VoucherSource, VoucherStatus
from rewards.services import voucher_close, voucher_issue

from .ledger import Actor
from .rules import Line, ProgramRules, kept_share_of, stamps_for
from .sql import db_value, insert_rows, insert_values, joins_writes


def stamps_apply(purchase: Purchase, account: Account, member: Member, rules: ProgramRules, lines: list[Line]):
    """Stamps on each card, its cooldown judged by occurred_at: [(card, count)] and the vouchers full cards issued."""
    stamped, entries, issued = [], [], []
    for card in rules.stamp_cards:
        count = stamps_for(card, amount=purchase.amount, lines=lines)
        if count and card.cooldown_minutes and _in_cooldown(account, card, purchase.occurred_at):
            count = 0
        stamped.append((card, count))
        if not count:
            continue
        entry = StampEntry(account=account, card=card, purchase=purchase, count=count, occurred_at=purchase.occurred_at)
        if joins_writes():
            held = _progress_add(account, card, count, purchase.occurred_at, entry)
        else:  # the entries of every card in one INSERT, after the cards
            entries.append(entry)
            held = _progress_add(account, card, count, purchase.occurred_at)
        full = held // card.stamps_required
        if full:
            StampProgress.objects.filter(account=account, card=card).update(count=held - full * card.stamps_required)
            for _ in range(full):
                issued.extend(_complete_card(card, account, member, purchase))
    insert_rows(entries)
    return stamped, issued


def _progress_add(account: Account, card, count: int, at: datetime, entry: StampEntry | None = None) -> int:
    """One upsert: the card's count up by `count` and its last stamp moved on; the count it holds now. With
    `entry` (unsaved), the same statement inserts it too."""
    table = connection.ops.quote_name(StampProgress._meta.db_table)
    moment = db_value(StampProgress, "last_stamp_at", at)
    head, params = insert_values(entry) if entry is not None else ("", [])
    with_entry = f"WITH e AS ({head}) " if head else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"{with_entry}INSERT INTO {table} (account_id, card_id, count, last_stamp_at) VALUES (%s, %s, %s, %s)"
            f" ON CONFLICT (account_id, card_id) DO UPDATE SET count = {table}.count + excluded.count,"
            f" last_stamp_at = CASE WHEN {table}.last_stamp_at IS NULL"
            f" OR {table}.last_stamp_at < excluded.last_stamp_at"
            f" THEN excluded.last_stamp_at ELSE {table}.last_stamp_at END RETURNING count",
            [*params, account.pk, card.pk, count, moment],
        )
        return cursor.fetchone()[0]


def _in_cooldown(account: Account, card, occurred_at: datetime) -> bool:
    window = timedelta(minutes=card.cooldown_minutes)
    return StampEntry.objects.filter(
        account=account,
        card=card,
        count__gt=0,
        refund__isnull=True,
        occurred_at__gt=occurred_at - window,
        occurred_at__lt=occurred_at + window,
    ).exists()


def _complete_card(card, account: Account, member: Member, purchase: Purchase) -> list:
    reward = Reward.objects.filter(shop=member.shop, code=card.reward_code).first() if card.reward_code else None
    voucher = voucher_issue(reward=reward, member=member, source=VoucherSource.STAMP_CARD) if reward else None
    StampCompletion.objects.create(account=account, member=member, card=card, purchase=purchase, voucher=voucher)
    return [voucher] if voucher else []


def stamps_reverse(purchase: Purchase, account: Account, refund, complete: bool) -> None:
    """A refund takes back the purchase's stamps in the proportion it keeps of its money."""
    for entry in StampEntry.objects.filter(purchase=purchase, refund__isnull=True, count__gt=0).select_related("card"):
        taken = -(
            StampEntry.objects.filter(purchase=purchase, card=entry.card, refund__isnull=False).aggregate(
                s=Sum("count")
            )["s"]
            or 0
        )
        due = entry.count - kept_share_of(entry.count, purchase, complete) - taken
        if due <= 0:
            continue
        StampEntry.objects.create(
            account=account,
            card=entry.card,
            purchase=purchase,
            refund=refund,
            count=-due,
            occurred_at=entry.occurred_at,
        )
        progress = StampProgress.objects.select_for_update().get(account=account, card=entry.card)
        progress.count -= due
        if progress.count < 0:
            _reopen_completed_card(progress, purchase, refund)
        progress.save(update_fields=["count"])


def _reopen_completed_card(progress, purchase, refund) -> None:
    """A refund that takes a full card below its reward: an unused voucher is cancelled and the card reopens."""
    completion = (
        StampCompletion.objects.filter(
            account=progress.account, card=progress.card, reopened_by__isnull=True, voucher__status=VoucherStatus.ISSUED
        )
        .select_related("voucher__reward")
        .order_by("-id")
        .first()
    )
    if completion is None:
        return  # its voucher was used: the count stays below zero
    voucher_close(
        completion.voucher,
        VoucherStatus.CANCELLED,
        timezone.now(),
        give_points_back=False,
        actor=Actor(shop=purchase.shop),
    )
    completion.reopened_by = refund
    completion.save(update_fields=["reopened_by"])
    progress.count += progress.card.stamps_required
