"""Affiliate partners: a shop's partner program, its commission plans, its partners and the customers bound to
them, the commissions their customers' purchases earn, the payout statements that pay them, and applications to
become one."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import Member, Purchase, Refund, Shop
from loyalty.models.programs import MONEY, RATIO


class Attribution(models.TextChoices):
    FIRST_TOUCH = "first_touch", _("First link clicked")
    LAST_TOUCH = "last_touch", _("Last link clicked")


class PartnerProgram(models.Model):
    """A shop runs a partner program when it has this row (the configuration's `partners` section)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="partner_program")
    attribution = models.CharField(max_length=12, choices=Attribution.choices, default=Attribution.LAST_TOUCH)
    next_statement = models.PositiveIntegerField(default=1, help_text=_("the number the next payout statement gets"))

    def __str__(self) -> str:
        return f"partner program of {self.shop}"


class PlanKind(models.TextChoices):
    ONE_TIME = "one_time", _("First purchase only")
    RECURRING = "recurring", _("Every purchase")


class Plan(models.Model):
    """How a partner is paid: a percentage of what their customers pay, held, then paid out. `levels` raise the
    percentage with the partner's sales in the calendar month: [{"sales": 5, "percent": "30"}, …], ascending."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="partner_plans")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=PlanKind.choices, default=PlanKind.RECURRING)
    percent = models.DecimalField(**RATIO)
    months = models.PositiveIntegerField(null=True, blank=True, help_text=_("recurring: for how long; empty: for life"))
    hold_days = models.PositiveIntegerField(default=30)
    min_payout = models.DecimalField(**MONEY, default=Decimal("0"))
    cookie_days = models.PositiveIntegerField(default=30)
    levels = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="partner_plan_code_unique_per_shop"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="partner_plan_percent_0_100"),
        ]

    def __str__(self) -> str:
        return self.name or self.code


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    STORE_CREDIT = "store_credit", _("Store credit")
    OTHER = "other", _("Other")


class Partner(models.Model):
    """A person or business that sends customers: known by `code` (as configured; `key` is its normalised form,
    what customers type and links carry). The partner signs in with `email`; `phone` and `email` also tell when
    they buy for themselves."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="partners")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="partners")
    code = models.CharField(max_length=40)
    key = models.CharField(max_length=40, help_text=_("the code in upper-case letters and digits"))
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text=_("E.164"))
    active = models.BooleanField(default=True)
    payout_method = models.CharField(max_length=20, choices=PayoutMethod.choices, default=PayoutMethod.BANK_TRANSFER)
    bank_bin = models.CharField(max_length=6, blank=True, help_text=_("the bank's six-digit NAPAS BIN"))
    bank_account = models.CharField(max_length=19, blank=True)
    account_name = models.CharField(max_length=100, blank=True)
    payout_details = models.TextField(blank=True, max_length=1000, help_text=_("how to pay, where it is not VietQR"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="partner_key_unique_per_shop")]
        indexes = [models.Index(fields=["key"], name="partner_key")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BindingSource(models.TextChoices):
    JOIN_PAGE = "join_page", _("Join page")
    COUNTER = "counter", _("Counter")
    TILL = "till", _("Till")
    IMPORT = "import", _("Import")
    PURCHASE = "purchase", _("Purchase")


class Binding(models.Model):
    """A customer bound to a partner for life: the first binding wins (one per member)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="bindings")
    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="partner_binding")
    source = models.CharField(max_length=12, choices=BindingSource.choices)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bound_at = models.DateTimeField()

    class Meta:
        ordering = ["-bound_at"]
        indexes = [models.Index(fields=["partner", "bound_at"])]


class CodeOutcome(models.TextChoices):
    BOUND = "bound", _("Bound the customer")
    ALREADY_BOUND = "already_bound", _("Already bound to a partner")
    SELF = "self", _("The partner's own phone or email")
    INACTIVE = "inactive", _("The partner is not active")


class CodeUse(models.Model):
    """Every partner code a customer came with, at enrolment or on a purchase, and what it did: later codes are
    recorded, not applied."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="code_uses")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=BindingSource.choices)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=15, choices=CodeOutcome.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase"], condition=Q(purchase__isnull=False), name="partner_code_use_once_per_purchase"
            ),
        ]


class CommissionKind(models.TextChoices):
    SALE = "sale", _("Sale")
    CLAWBACK = "clawback", _("Refund after payout")


class CommissionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


class CommissionQuerySet(models.QuerySet):
    def unpaid_balance(self):
        """What the next payout would pay: approved commissions and clawbacks on no statement yet."""
        return self.filter(status=CommissionStatus.APPROVED, payout__isnull=True)


class Commission(models.Model):
    """What a sale earns its partner (`sale`: `percent` of the amount paid, locked when created, shrunk by refunds
    before it is on a statement), or what a refund after that takes back (`clawback`, negative, netted by the next
    payout). One sale commission per purchase, one clawback per refund."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="commissions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="partner_commissions")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=CommissionKind.choices, default=CommissionKind.SALE)
    status = models.CharField(max_length=10, choices=CommissionStatus.choices, default=CommissionStatus.PENDING)
    percent = models.DecimalField(**RATIO)
    base = models.DecimalField(**MONEY, help_text=_("the amount the customer paid"))
    refunded = models.DecimalField(**MONEY, default=Decimal("0"), help_text=_("of it refunded before the payout"))
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=30, blank=True)
    occurred_at = models.DateTimeField(help_text=_("the sale's (a clawback's: the refund's)"))
    approve_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payout = models.ForeignKey("Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="lines")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommissionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase"], condition=Q(kind="sale"), name="partner_commission_once_per_purchase"
            ),
            models.UniqueConstraint(
                fields=["refund"], condition=Q(kind="clawback"), name="partner_clawback_once_per_refund"
            ),
            models.CheckConstraint(
                condition=Q(kind="sale", amount__gte=0) | Q(kind="clawback", amount__lt=0, refund__isnull=False),
                name="partner_commission_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(payout__isnull=True) | Q(status__in=["approved", "paid"]),
                name="partner_commission_on_statement_is_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"], name="partner_commission_status"),
            models.Index(fields=["status", "approve_at"], name="partner_commission_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} for {self.partner}"


class PayoutStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")


class Payout(models.Model):
    """A payout statement: the partner's balance when it was made, its lines the commissions it pays."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="payouts")
    number = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=5, choices=PayoutStatus.choices, default=PayoutStatus.OPEN)
    method = models.CharField(max_length=20, choices=PayoutMethod.choices, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="partner_payout_number_unique_per_shop"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="partner_payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The statement number people quote (and a bank transfer carries)."""
        return f"PO{self.number:06d}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Application(models.Model):
    """Someone asking to become a shop's partner through the public form; the owner decides."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="partner_applications")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=20, blank=True)
    website = models.CharField(max_length=300, blank=True)
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.OneToOneField(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="application")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
