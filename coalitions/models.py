"""A coalition: shops that share one points currency, each with its settlement terms."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import Shop
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
