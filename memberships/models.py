"""Paid memberships: a shop's plans (price rules, trial, grace, benefits), each member's membership of one plan and
its lifecycle, the payments that bought its periods, and the monthly reward vouchers it was given."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import ApiKey, LedgerEntry, Member, Shop
from loyalty.models.programs import MONEY, RATIO


class Period(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class MembershipPlan(models.Model):
    """A paid plan. `prices` are tried in order, the first whose conditions hold for the member sets the price:
    [{"min_points": 1000, "price": "88"}, {"tier": "gold", "price": "500"}, {"price": "888"}] (prices stored as
    decimal strings). `monthly_rewards` are reward codes issued as vouchers each month of the membership;
    `member_rewards` are reward codes only members of this plan may redeem."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="membership_plans")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.YEAR)
    prices = models.JSONField(default=list)
    trial_days = models.PositiveIntegerField(default=0)
    grace_days = models.PositiveIntegerField(default=0)
    discount_percent = models.DecimalField(**RATIO, default=Decimal(0))
    points_multiplier = models.DecimalField(**RATIO, default=Decimal(1))
    free_delivery = models.BooleanField(default=False)
    monthly_rewards = models.JSONField(default=list, blank=True)
    member_rewards = models.JSONField(default=list, blank=True)
    allowances = models.JSONField(default=list, blank=True)  # [{"code": "wash", "name": "Car wash", "per_month": 4}]
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="membership_plan_code_unique_per_shop"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="membership_plan_discount_0_100"
            ),
            models.CheckConstraint(condition=Q(points_multiplier__gte=0), name="membership_plan_multiplier_positive"),
        ]

    def __str__(self) -> str:
        return self.name or self.code


class Status(models.TextChoices):
    TRIAL = "trial", _("Free trial")
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("In grace")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which the member enjoys the plan's benefits.
BENEFIT_STATUSES = (Status.TRIAL, Status.ACTIVE, Status.GRACE)


class Membership(models.Model):
    """A member's membership (one per member; renewals and plan changes move it on). `ends_at` is the end of the
    time paid for (or of the trial), `grace_ends_at` the end of the grace after it. `status` is what the jobs last
    recorded; `status_at` judges it from the dates, so the benefits never wait for a job."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="membership")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="memberships")
    status = models.CharField(max_length=10, choices=Status.choices)
    started_at = models.DateTimeField(help_text=_("when this run of the membership began"))
    period_start = models.DateTimeField(help_text=_("the start of the current period"))
    ends_at = models.DateTimeField()
    grace_ends_at = models.DateTimeField()
    anchor = models.DateTimeField(null=True, blank=True, help_text=_("where the billing cycle's periods count from"))
    periods = models.PositiveIntegerField(default=0, help_text=_("periods paid since the anchor"))
    trial_ends_at = models.DateTimeField(null=True, blank=True, help_text=_("the end of the free trial, if any"))
    trial_used = models.BooleanField(default=False)
    cancel_at_period_end = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_for = models.DateTimeField(null=True, blank=True, help_text=_("the end a renewal reminder was sent for"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "ends_at"], name="membership_status_ends"),
            models.Index(fields=["shop", "plan", "status"], name="membership_shop_plan"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(grace_ends_at__gte=models.F("ends_at")), name="membership_grace_after")
        ]

    def __str__(self) -> str:
        return f"{self.plan} of member {self.member_id}"

    def status_at(self, at: datetime) -> str:
        if self.cancelled_at is not None and self.cancelled_at <= at:
            return Status.CANCELLED
        if self.trial_ends_at is not None and self.period_start <= at < self.trial_ends_at:
            return Status.TRIAL
        if at < self.ends_at:
            return Status.ACTIVE
        if self.cancel_at_period_end:
            return Status.CANCELLED
        return Status.GRACE if at < self.grace_ends_at else Status.EXPIRED

    def benefits_at(self, at: datetime) -> bool:
        return self.status_at(at) in BENEFIT_STATUSES


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    POINTS = "points", _("Points only")
    OTHER = "other", _("Other")


class Payment(models.Model):
    """One purchase or renewal of a membership: the price quoted and locked at that moment, paid in money
    (`amount`) and optionally partly in points (`points`, worth `points_value`), for the period it bought.
    A payment reference names one charge: unique per shop."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="payments")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="payments")
    price = models.DecimalField(**MONEY)
    credit = models.DecimalField(**MONEY, default=Decimal(0), help_text=_("the old plan's unused time, on a change"))
    amount = models.DecimalField(**MONEY, help_text=_("the money part"))
    points = models.PositiveIntegerField(default=0)
    points_value = models.DecimalField(**MONEY, default=Decimal(0))
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.OTHER)
    reference = models.CharField(max_length=200, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    points_entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    paid_at = models.DateTimeField()
    refunded_amount = models.DecimalField(**MONEY, default=Decimal(0))
    refunded_points = models.PositiveIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "reference"], condition=~Q(reference=""), name="membership_payment_reference_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="membership_payment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="membership_payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_points__lte=models.F("points")), name="membership_payment_refund_within_points"
            ),
        ]
        indexes = [models.Index(fields=["shop", "paid_at"], name="membership_payment_shop_paid")]

    def __str__(self) -> str:
        return f"{self.plan} payment {self.pk}"


class MonthlyGrant(models.Model):
    """A monthly reward voucher given to a membership: at most one per membership, month (YYYY-MM in the shop's
    time zone) and reward, whoever runs the job how often."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="grants")
    month = models.CharField(max_length=7)
    reward_code = models.CharField(max_length=60)
    voucher = models.ForeignKey("rewards.Voucher", null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "month", "reward_code"], name="membership_grant_once")
        ]

    def __str__(self) -> str:
        return f"{self.reward_code} for {self.month}"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("Waiting for payment")
    PAID = "paid", _("Paid")
    PRICE_CHANGED = "price_changed", _("Paid, but the price had changed")
    EXPIRED = "expired", _("Expired")


class Checkout(models.Model):
    """A member's purchase of a plan on the member page, waiting for its payment: the quote of the moment it was
    started (price, and the money to pay after any points), the `reference` the payment carries, and the payment
    backend that takes it. Confirmed once, by the backend's signed webhook or by a cashier who saw the transfer."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="membership_checkouts")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    backend = models.CharField(max_length=20)
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=16, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    external_id = models.CharField(max_length=200, blank=True, help_text=_("the payment provider's id"))
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["member", "status"], name="membership_checkout_member")]

    def __str__(self) -> str:
        return self.reference


class AllowanceUse(models.Model):
    """One use of a plan's monthly allowance ("4 washes a month") at the counter; the month (YYYY-MM in the shop's
    time zone) counts them, nothing carries over."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="allowance_uses")
    code = models.CharField(max_length=60)
    month = models.CharField(max_length=7)
    used_at = models.DateTimeField()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["membership", "code", "month"], name="membership_allowance_month")]

    def __str__(self) -> str:
        return f"{self.code} {self.month}"


class Pack(models.Model):
    """A prepaid pack ("10 washes for the price of 8"): sold once, used one at a time at the counter, valid for
    `valid_days` from the purchase."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="membership_packs")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    uses = models.PositiveIntegerField()
    price = models.DecimalField(**MONEY)
    valid_days = models.PositiveIntegerField(default=365)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="membership_pack_code_unique_per_shop"),
            models.CheckConstraint(condition=Q(uses__gte=1), name="membership_pack_uses_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="membership_pack_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class PackPurchase(models.Model):
    """A member's pack: its uses as bought, how many are used (one conditional UPDATE per use: never more than
    bought, whatever the concurrency), until when, and how it was paid."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="membership_packs")
    pack = models.ForeignKey(Pack, on_delete=models.PROTECT, related_name="purchases")
    uses = models.PositiveIntegerField()
    used = models.PositiveIntegerField(default=0)
    price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    points = models.PositiveIntegerField(default=0)
    points_entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.OTHER)
    reference = models.CharField(max_length=200, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bought_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    refunded_amount = models.DecimalField(**MONEY, default=Decimal(0))
    refunded_points = models.PositiveIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(used__lte=models.F("uses")), name="membership_pack_used_within_uses"),
            models.UniqueConstraint(
                fields=["shop", "reference"], condition=~Q(reference=""), name="membership_pack_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["member", "expires_at"], name="membership_pack_member")]

    def __str__(self) -> str:
        return f"{self.pack} of member {self.member_id}"

    @property
    def remaining(self) -> int:
        return self.uses - self.used


class PackUse(models.Model):
    purchase = models.ForeignKey(PackPurchase, on_delete=models.PROTECT, related_name="use_rows")
    used_at = models.DateTimeField()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"use of {self.purchase_id}"


class TransferAccount(models.Model):
    """The shop's bank account members pay memberships into by transfer (the `membership_payments` section): with
    a NAPAS BIN in a Vietnamese shop, the member page shows a VietQR code with the amount and the reference."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="membership_transfer_account")
    bank_bin = models.CharField(max_length=6)
    account_number = models.CharField(max_length=19)
    account_name = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.bank_bin} {self.account_number}"
