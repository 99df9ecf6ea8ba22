"""Purchases and refunds, and the stamps they put on stamp cards."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .members import Account, Member
from .programs import MONEY, StampCard
from .shops import Location, Shop


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    EWALLET = "ewallet", _("E-wallet")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    OTHER = "other", _("Other")


class Purchase(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="purchases")
    external_id = models.CharField(max_length=100)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="purchases")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="purchases")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    refunded_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    points_earned = models.BigIntegerField(default=0)
    points_pending = models.BigIntegerField(default=0)
    points_redeemed = models.BigIntegerField(default=0)
    wallet_redeemed = models.DecimalField(**MONEY, default=Decimal("0"))
    cashback = models.DecimalField(**MONEY, default=Decimal("0"))
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_key = models.ForeignKey("loyalty.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Brought in from the shop's old system (purchases_import): history and tier basis only, it earned nothing.
    imported = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="purchase_external_id_unique_per_shop"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="purchase_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="purchase_refunds_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="purchase_account_occurred"),
            models.Index(fields=["shop", "occurred_at"], name="purchase_shop_occurred"),  # a period's reports
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def remaining_amount(self) -> Decimal:
        return self.amount - self.refunded_amount

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_amount == self.amount and (self.amount > 0 or self.refunds.exists())


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    amount = models.DecimalField(**MONEY)


class Refund(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="refunds")
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    external_id = models.CharField(max_length=100)
    amount = models.DecimalField(**MONEY)
    points_reversed = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_key = models.ForeignKey("loyalty.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="refund_external_id_unique_per_shop"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_not_negative"),
        ]


class StampProgress(models.Model):
    """The running count on one card for one account (it may go below zero when a refund reopens a used card)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stamp_progress")
    card = models.ForeignKey(StampCard, on_delete=models.CASCADE, related_name="progress")
    count = models.IntegerField(default=0)
    last_stamp_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "card"], name="one_progress_per_account_card")]


class StampEntry(models.Model):
    """Stamps a purchase gave (positive) or a refund took back (negative); append-only."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="stamp_entries")
    card = models.ForeignKey(StampCard, on_delete=models.PROTECT, related_name="entries")
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="stamp_entries")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="stamp_entries")
    count = models.IntegerField()
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["purchase", "card"], condition=Q(refund__isnull=True), name="one_stamp_entry_per_purchase_card"
            ),
            models.UniqueConstraint(
                fields=["refund", "card"], condition=Q(refund__isnull=False), name="one_stamp_entry_per_refund_card"
            ),
        ]


class StampCompletion(models.Model):
    """A card that reached its stamps; the voucher for its reward is issued with it."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="stamp_completions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="stamp_completions")
    card = models.ForeignKey(StampCard, on_delete=models.PROTECT, related_name="completions")
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="stamp_completions")
    voucher = models.ForeignKey("rewards.Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reopened_by = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
