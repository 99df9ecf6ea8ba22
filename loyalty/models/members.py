"""Members (a customer's relationship with a shop), their points accounts and their cards."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from .messages import Channel
from .programs import MONEY, Program, TierLevel
from .shops import Location, Shop


class Account(models.Model):
    """Where points and wallet money live. One per member today; shared across a coalition later."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="accounts")
    points_balance = models.BigIntegerField(default=0, help_text=_("spendable + pending; negative only as debt"))
    lifetime_earned = models.BigIntegerField(default=0)
    wallet_balance = models.DecimalField(**MONEY, default=Decimal("0"))
    tier = models.ForeignKey(TierLevel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tier_since = models.DateTimeField(null=True, blank=True)
    tier_below_since = models.DateTimeField(
        null=True, blank=True, help_text=_("when the tier review first found the basis below the tier")
    )
    last_purchase_at = models.DateTimeField(null=True, blank=True)
    purchases_count = models.BigIntegerField(default=0, help_text=_("purchases recorded, refunded or not"))
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("merged into another account"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(lifetime_earned__gte=0), name="account_lifetime_earned_not_negative"),
            models.CheckConstraint(condition=Q(wallet_balance__gte=0), name="account_wallet_not_negative"),
        ]

    def __str__(self) -> str:
        return f"account {self.pk}"


class MemberQuerySet(models.QuerySet):
    def current(self):
        """Members that still stand for a person: not merged into another, not erased."""
        return self.filter(merged_into__isnull=True, erased_at__isnull=True)


class Member(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="members")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="members")
    phone = models.CharField(max_length=20, help_text=_("E.164"))
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    birthday = models.DateField(null=True, blank=True)
    marketing_consent = models.BooleanField(default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(max_length=30, blank=True)
    enrolled_location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(
        max_length=5, blank=True, choices=settings.LANGUAGES, help_text=_("blank: the shop's language")
    )
    channel = models.CharField(
        max_length=10, blank=True, choices=Channel.choices, help_text=_("blank: email when there is one, else SMS")
    )
    receipts = models.BooleanField(default=True, help_text=_("the member wants a receipt for each purchase"))
    erased_at = models.DateTimeField(null=True, blank=True, help_text=_("personal data erased on request"))
    referral_code = models.CharField(max_length=16, unique=True)
    qr_key_version = models.PositiveIntegerField(default=1, help_text=_("bump to invalidate every QR payload"))
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships_as_member"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "phone"], condition=Q(merged_into__isnull=True), name="member_phone_unique_per_shop"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "email"]),
            # The member pages find a customer's members in every shop by the phone or email they proved.
            models.Index(fields=["phone"], name="member_phone"),
            models.Index(Upper("email"), name="member_email_upper"),
            # The portal's members table: its default order (newest first) and its order by name, page by page.
            models.Index(
                "shop", F("created_at").desc(), name="member_shop_newest", condition=Q(merged_into__isnull=True)
            ),
            models.Index(
                fields=["shop", "name", "phone"], name="member_shop_name", condition=Q(merged_into__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.phone

    @property
    def public_id(self) -> str:
        return str(self.pk)

    @property
    def consent_source_label(self) -> str:
        """Where the consent was given, as people read it ("Join page"), not its code."""
        return ConsentSource(self.consent_source).label if self.consent_source in ConsentSource.values else ""


class Card(models.Model):
    """A member card number (with a Luhn check digit): issued at enrolment, or pre-printed and attached later."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="cards")
    number = models.CharField(max_length=20, unique=True)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="cards")
    printed = models.BooleanField(default=False)
    batch = models.CharField(max_length=20, blank=True, help_text=_("the printed sheet this card came on"))
    blocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class TierChange(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(TierLevel, null=True, on_delete=models.SET_NULL, related_name="+")
    to_tier = models.ForeignKey(TierLevel, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(max_length=30)

    class Meta:
        ordering = ["-at"]


class ConsentSource(models.TextChoices):
    JOIN_PAGE = "join_page", _("Join page")
    COUNTER = "counter", _("Counter")
    API = "api", _("Till API")
    MEMBER = "member", _("Member's settings")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    PORTAL = "portal", _("Portal")
    ERASURE = "erasure", _("Erasure")
    IMPORT = "import", _("Import")


class ConsentChange(models.Model):
    """Every grant and withdrawal of marketing consent, with its time and where it came from (kept after erasure)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consent_changes")
    granted = models.BooleanField()
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.member_id} {'granted' if self.granted else 'withdrew'} at {self.at:%Y-%m-%d %H:%M}"


class MemberChange(models.Model):
    """A change of a member's personal details (name, phone, email, birthday): who made it, when, from what to what.
    Erasure empties the values (they are personal data) and keeps that a change happened."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed = models.JSONField(help_text=_("field → [before, after]"))

    class Meta:
        ordering = ["-at", "-pk"]


class SignInCode(models.Model):
    """A one-time code texted to a member's phone to sign in to the member pages (stored hashed)."""

    phone = models.CharField(max_length=20, help_text=_("E.164"))
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "created_at"])]

    def __str__(self) -> str:
        return f"code for {self.phone}"
