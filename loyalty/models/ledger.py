"""The points ledger (append-only; see shared/LEDGER.md) and the wallet's money entries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .members import Account
from .programs import MONEY
from .shops import Location, Shop


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    BONUS = "bonus", _("Bonus")
    REFERRAL = "referral", _("Referral")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    REVERSE = "reverse", _("Reversed")
    ADJUST = "adjust", _("Adjusted")
    IMPORT = "import", _("Imported")
    REFUND_REDEEM = "refund_redeem", _("Given back")
    MERGE = "merge", _("Merged")


# Entries that count towards lifetime earned and the points_earned tier basis (less their reversals).
EARNING_KINDS = (EntryKind.EARN, EntryKind.BONUS, EntryKind.REFERRAL)


class LedgerEntry(models.Model):
    # Foreign keys that are mostly empty get partial indexes (Meta.indexes) instead of full ones: every change of
    # a lot's `remaining` rewrites all of the table's indexes, so fewer and smaller ones make the ledger faster.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False)
    # (shop, occurred_at) of Meta.indexes serves every lookup by shop: a second index on shop alone would only
    # cost each ledger write (the expiry job writes two rows per lot).
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", db_index=False)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    points = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Lots (positive entries) only:
    available_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    remaining = models.BigIntegerField(null=True, blank=True)
    # Where it came from:
    source = models.CharField(max_length=30, blank=True)
    purchase = models.ForeignKey(
        "loyalty.Purchase", null=True, blank=True, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    refund = models.ForeignKey(
        "loyalty.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals", db_index=False
    )
    event_key = models.CharField(max_length=120, blank=True, help_text=_("makes a business event count once"))
    reason = models.CharField(max_length=500, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    api_key = models.ForeignKey(
        "loyalty.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="entry_points_not_zero"),
            models.CheckConstraint(
                condition=Q(points__lt=0, remaining__isnull=True)
                | Q(points__gt=0, remaining__gte=0, remaining__lte=models.F("points"), available_at__isnull=False),
                name="entry_lot_remaining_within_points",
            ),
            models.UniqueConstraint(fields=["purchase"], condition=Q(kind="earn"), name="one_earn_per_purchase"),
            models.UniqueConstraint(fields=["reverses"], condition=Q(kind="expire"), name="one_expiry_per_lot"),
            models.UniqueConstraint(
                fields=["refund", "reverses"], condition=Q(kind="reverse"), name="one_reversal_per_refund_and_entry"
            ),
            models.UniqueConstraint(
                fields=["account", "event_key"], condition=~Q(event_key=""), name="one_entry_per_account_event"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "expires_at"], condition=Q(remaining__gt=0), name="entry_open_lots"),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="entry_lots_by_expiry"),
            models.Index(fields=["account", "occurred_at"], name="entry_account_occurred"),
            models.Index(fields=["shop", "occurred_at"], name="entry_shop_occurred"),  # a period's reports
            *[
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"entry_{name}_set")
                for name in ("location", "purchase", "refund", "reverses", "staff", "api_key")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"

    @property
    def is_lot(self) -> bool:
        return self.points > 0


class Allocation(models.Model):
    """Which lot a negative entry (spend, expiry, reversal, merge) consumed, and how much."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="allocated")
    points = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="allocation_points_positive")]


class WalletKind(models.TextChoices):
    CASHBACK = "cashback", _("Cashback")
    SPEND = "spend", _("Spent")
    REVERSE = "reverse", _("Reversed")
    CREDIT = "credit", _("Credit")
    REFUND_SPEND = "refund_spend", _("Given back")
    ADJUST = "adjust", _("Adjusted")
    MERGE = "merge", _("Merged")


class WalletEntry(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="wallet_entries")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=WalletKind.choices)
    amount = models.DecimalField(**MONEY)
    purchase = models.ForeignKey(
        "loyalty.Purchase", null=True, blank=True, on_delete=models.PROTECT, related_name="wallet_entries"
    )
    refund = models.ForeignKey(
        "loyalty.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="wallet_entries"
    )
    reason = models.CharField(max_length=500, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "wallet entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_not_zero"),
            models.UniqueConstraint(
                fields=["purchase", "kind"],
                condition=Q(kind__in=["cashback", "spend"]),
                name="one_cashback_or_spend_per_purchase",
            ),
            models.UniqueConstraint(
                fields=["refund", "kind"],
                condition=Q(refund__isnull=False),
                name="one_wallet_entry_per_refund_and_kind",
            ),
        ]
