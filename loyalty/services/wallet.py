"""The money wallet (cashback, wallet-credit rewards): entries and a cached balance under the account lock."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F

from loyalty.errors import InsufficientWallet
from loyalty.models import Account, WalletEntry
from loyalty.models.ledger import WalletKind


def wallet_entry_add(*, account: Account, shop, amount: Decimal, kind: str, **fields) -> WalletEntry:
    """The entry alone: for a caller that moved the cached balance itself (a purchase's one account UPDATE)."""
    return WalletEntry.objects.create(account=account, shop=shop, kind=kind, amount=amount, **fields)


def wallet_credit(
    *, account: Account, shop, amount: Decimal, kind: str, purchase=None, refund=None, staff=None, reason: str = ""
) -> WalletEntry:
    assert amount > 0
    entry = wallet_entry_add(
        account=account,
        shop=shop,
        kind=kind,
        amount=amount,
        purchase=purchase,
        refund=refund,
        staff=staff,
        reason=reason,
    )
    account.wallet_balance += amount
    Account.objects.filter(pk=account.pk).update(wallet_balance=F("wallet_balance") + amount)
    return entry


def wallet_debit(
    *, account: Account, shop, amount: Decimal, kind: str, purchase=None, refund=None, staff=None, reason: str = ""
) -> WalletEntry:
    """Take money from the (locked) account's wallet; never below zero."""
    assert amount > 0
    if account.wallet_balance < amount:
        raise InsufficientWallet(
            f"The wallet holds {account.wallet_balance}.",
            fields={"wallet_redeemed": f"{account.wallet_balance} available"},
        )
    entry = WalletEntry.objects.create(
        account=account,
        shop=shop,
        kind=kind,
        amount=-amount,
        purchase=purchase,
        refund=refund,
        staff=staff,
        reason=reason,
    )
    account.wallet_balance -= amount
    Account.objects.filter(pk=account.pk).update(wallet_balance=F("wallet_balance") - amount)
    return entry


def wallet_move(*, source: Account, target: Account, shop) -> None:
    """Move the whole wallet between two locked accounts (a merge)."""
    if source.wallet_balance > 0:
        amount = source.wallet_balance
        wallet_debit(account=source, shop=shop, amount=amount, kind=WalletKind.MERGE, reason="merge")
        wallet_credit(account=target, shop=shop, amount=amount, kind=WalletKind.MERGE, reason="merge")
