"""Shops, their locations, and the staff who work there."""

import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from loyalty.money import minor_units

hex_colour = RegexValidator(r"^#[0-9a-f]{6}$", _("A colour is # and six hexadecimal digits, e.g. #0f766e."))


def logo_upload_to(shop: "Shop", filename: str) -> str:
    """A new name for every upload (pages and prints that cached the old logo load the new one)."""
    return f"shops/{shop.slug}-logo-{secrets.token_hex(4)}.png"


def default_receipt_channels() -> list[str]:
    """Receipts by email only: a text costs the shop money for every purchase."""
    return ["email"]


class Shop(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text=_("ISO 3166 code, the default region for phone numbers"))
    currency = models.CharField(max_length=3, help_text=_("ISO 4217 code"))
    timezone = models.CharField(max_length=64)
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, default="en")
    marketing_cap_per_week = models.PositiveSmallIntegerField(
        default=2, help_text=_("marketing messages a member receives at most in seven days")
    )
    receipt_channels = models.JSONField(
        default=default_receipt_channels, blank=True, help_text=_("the channels purchase receipts are sent by")
    )
    webhooks_changed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("when an endpoint last changed: cached endpoint lists are reloaded")
    )
    # Branding (loyalty/branding.py): the member pages, the join page, printed cards and the poster use them.
    logo = models.ImageField(upload_to=logo_upload_to, blank=True, help_text=_("a PNG at most 512 pixels a side"))
    brand_primary = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    brand_accent = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def currency_digits(self) -> int:
        return minor_units(self.currency)


class Location(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="locations")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="location_code_unique_per_shop")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CASHIER = "cashier", _("Cashier")

    @classmethod
    def rank(cls, role: str) -> int:
        return {cls.CASHIER: 1, cls.MANAGER: 2, cls.OWNER: 3}[role]

    @classmethod
    def at_least(cls, role: str, required: str) -> bool:
        return cls.rank(role) >= cls.rank(required)


class StaffMembership(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    pin_hash = models.CharField(max_length=128, blank=True, help_text=_("to switch staff on a shared counter tablet"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop__name"]
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="one_membership_per_shop_and_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.shop}"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.shop} ({self.role})"


class QuickItem(models.Model):
    """A button on the counter screen that adds a line (a coffee, a wash) to the purchase being recorded."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="quick_items")
    label = models.CharField(max_length=60)
    sku = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="quick_item_amount_positive")]

    def __str__(self) -> str:
        return self.label
