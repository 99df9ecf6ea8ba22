"""A coalition: shops that share one points currency, each with its settlement terms."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import Account, Member, Shop
from loyalty.models.programs import MONEY


class Coalition(models.Model):
    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    points_name = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    settlement_period = models.CharField(max_length=10, default="month")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class CoalitionShopQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)


class CoalitionShop(models.Model):
    """A shop's membership of a coalition with its terms; `left_at` set when it left (history stays)."""

    coalition = models.ForeignKey(Coalition, on_delete=models.CASCADE, related_name="shops")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    cost_per_point = models.DecimalField(**MONEY, help_text=_("what the shop pays the pool per point it issues"))
    reimbursement_per_point = models.DecimalField(
        **MONEY, help_text=_("what the pool pays the shop per point redeemed at it")
    )
    position = models.PositiveIntegerField(default=0)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    leaves_at = models.DateTimeField(null=True, blank=True, help_text=_("the moment its notice to leave takes effect"))
    notice_given_at = models.DateTimeField(null=True, blank=True)
    notice_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CoalitionShopQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop"], condition=Q(left_at__isnull=True), name="one_coalition_per_shop"),
            models.CheckConstraint(condition=Q(cost_per_point__gte=0), name="coalition_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(reimbursement_per_point__gte=0), name="coalition_reimbursement_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coalition_id}:{self.shop_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    REVOKED = "revoked", _("withdrawn")
    EXPIRED = "expired", _("expired")


class CoalitionInvitation(models.Model):
    """A coalition's offer to a shop, with the terms it would join on; its owner accepts or declines it."""

    coalition = models.ForeignKey(Coalition, on_delete=models.CASCADE, related_name="invitations")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    cost_per_point = models.DecimalField(**MONEY)
    reimbursement_per_point = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    invited_by_shop = models.ForeignKey(Shop, null=True, on_delete=models.SET_NULL, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "shop"], condition=Q(status="pending"), name="one_pending_invitation_per_shop"
            ),
            models.CheckConstraint(condition=Q(cost_per_point__gte=0), name="invitation_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(reimbursement_per_point__gte=0), name="invitation_reimbursement_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coalition_id}→{self.shop_id} ({self.status})"


class AccountSplit(models.Model):
    """A member of a shop that left: from `at` on they earn and spend on `own_account`; what they held stays on
    `shared_account`, usable at the coalition's other shops. History stays where it was written."""

    term = models.ForeignKey(CoalitionShop, on_delete=models.CASCADE, related_name="splits")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    shared_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    own_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "member"], name="one_split_per_member_and_leaving")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.shared_account_id}→{self.own_account_id}"
