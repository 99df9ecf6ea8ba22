"""Surprise rewards: "1 purchase in 20 wins a pastry". The draw is decided from the purchase itself (a keyed hash
of the shop, its receipt number and the surprise), so recording the purchase again after a rollback draws the
same, a replay of the receipt is refused before any draw, and each (surprise, purchase) wins at most once by the
database's unique index. A refund of the purchase cancels a win whose voucher is still unused."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings

from loyalty.models import Member, Purchase, Refund
from loyalty.services.ledger import Actor
from loyalty.services.sql import insert_unless_conflict
from rewards.errors import OutOfStock
from rewards.models import VoucherSource, VoucherStatus
from rewards.services import reward_stock_take, voucher_close, voucher_issue

from ..models import Surprise, SurpriseWin

VOUCHER_SOURCE = VoucherSource.SURPRISE


def draw_wins(surprise: Surprise, *, shop_id: int, external_id: str) -> bool:
    """Whether this receipt wins: uniform over 1…one_in from 64 bits of an HMAC (the bias is below 2⁻³²), keyed
    by the installation's secret so a customer cannot tell a winning receipt number in advance."""
    message = f"surprise:{shop_id}:{surprise.code}:{external_id}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % surprise.one_in == 0


def surprises_purchase(*, purchase: Purchase, member: Member, at: datetime) -> list[SurpriseWin]:
    wins = []
    for surprise in Surprise.objects.filter(shop_id=purchase.shop_id, active=True).select_related("reward"):
        if purchase.amount < surprise.min_spend or not surprise.reward.active:
            continue
        if draw_wins(surprise, shop_id=purchase.shop_id, external_id=purchase.external_id):
            win = _win(surprise, purchase, member, at)
            if win is not None:
                wins.append(win)
    return wins


def _win(surprise: Surprise, purchase: Purchase, member: Member, at: datetime) -> SurpriseWin | None:
    if SurpriseWin.objects.filter(surprise=surprise, purchase=purchase).exists():
        return None
    try:
        reward_stock_take(surprise.reward)  # a surprise gives from the reward's stock like a redemption
    except OutOfStock:
        return None
    voucher = voucher_issue(reward=surprise.reward, member=member, source=VOUCHER_SOURCE, at=at)
    win = SurpriseWin(
        shop_id=purchase.shop_id, surprise=surprise, purchase=purchase, member=member, voucher=voucher, won_at=at
    )
    if not insert_unless_conflict(win, unique=("surprise", "purchase")):
        raise RuntimeError("a surprise was drawn twice for one purchase")  # rolls the second draw back
    return win


def surprises_refund(*, purchase: Purchase, refund: Refund, actor: Actor, at: datetime) -> int:
    """Cancel the purchase's wins whose voucher is unused (a used one stays used)."""
    cancelled = 0
    for win in SurpriseWin.objects.filter(purchase=purchase, cancelled_by__isnull=True).select_related("voucher"):
        if win.voucher.status != VoucherStatus.ISSUED:
            continue
        if voucher_close(win.voucher, VoucherStatus.CANCELLED, at, give_points_back=False, actor=actor):
            SurpriseWin.objects.filter(pk=win.pk).update(cancelled_by=refund)
            cancelled += 1
    return cancelled
