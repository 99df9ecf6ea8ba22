"""The rewards catalogue and the vouchers it issues."""

import secrets
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import Account, LedgerEntry, Member, Purchase, Shop
from loyalty.models.programs import MONEY


class RewardKind(models.TextChoices):
    FREE_ITEM = "free_item", _("Free item")
    AMOUNT_OFF = "amount_off", _("Amount off")
    PERCENT_OFF = "percent_off", _("Percent off")
    WALLET_CREDIT = "wallet_credit", _("Wallet credit")
    GIFT = "gift", _("Gift")
    DONATION = "donation", _("Donation")


class Reward(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="rewards")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=RewardKind.choices)
    points = models.PositiveIntegerField(default=0, help_text=_("price in points; 0: only issued, never bought"))
    value = models.DecimalField(**MONEY, default=Decimal("0"))
    max_discount = models.DecimalField(**MONEY, null=True, blank=True)
    tiers = models.JSONField(default=list, blank=True, help_text=_("tier codes allowed to redeem; empty: all"))
    stock = models.PositiveIntegerField(null=True, blank=True, help_text=_("total; empty: unlimited"))
    stock_left = models.PositiveIntegerField(null=True, blank=True)
    per_member_limit = models.PositiveIntegerField(null=True, blank=True)
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)
    voucher_valid_days = models.PositiveIntegerField(default=30)
    refund_points_on_expiry = models.BooleanField(default=False)
    photo = models.ImageField(upload_to="rewards/", blank=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "points", "code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="reward_code_unique_per_shop"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock_left__lte=models.F("stock")),
                name="reward_stock_left_within_stock",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or typed from a receipt is hard to get wrong.
VOUCHER_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def new_voucher_code() -> str:
    """Two groups of four: 25^8 ≈ 1.5·10^11 codes, drawn from the OS's secure random source."""
    chars = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_voucher_code(raw: str) -> str:
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else cleaned


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    USED = "used", _("Used")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class VoucherSource(models.TextChoices):
    REDEMPTION = "redemption", _("Redeemed with points")
    STAMP_CARD = "stamp_card", _("Stamp card")
    REFERRAL = "referral", _("Referral")
    MILESTONE = "milestone", _("Referral milestone")
    MEMBERSHIP = "membership", _("Membership")
    CHALLENGE = "challenge", _("Challenge completed")
    SURPRISE = "surprise", _("Surprise reward")
    LEADERBOARD = "leaderboard", _("Leaderboard prize")
    BIRTHDAY = "birthday", _("Birthday")
    MANUAL = "manual", _("Given by staff")


class Voucher(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="vouchers")
    code = models.CharField(max_length=12, unique=True, default=new_voucher_code)
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="vouchers")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="vouchers")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="vouchers")
    status = models.CharField(max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED)
    source = models.CharField(max_length=20, choices=VoucherSource.choices)
    points_spent = models.PositiveIntegerField(default=0)
    redemption_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="voucher"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_purchase = models.ForeignKey(
        Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers_used"
    )
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("cancelled or expired"))

    class Meta:
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(fields=["expires_at"], condition=Q(status="issued"), name="voucher_open_by_expiry"),
        ]

    def __str__(self) -> str:
        return self.code
