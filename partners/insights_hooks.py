"""What partners add to the program report (their commissions), read by the insights app through loyalty.hooks."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.money import round_money

from .models import Commission, CommissionStatus


@hooks.report_figure(
    "commissions",
    _("Partner commissions"),
    _("Commissions partners earned on the period's sales, less clawbacks."),
    order=5,
)
def commissions(shop, since, until, location, now) -> list[hooks.FigureValue]:
    """What partners earned on the period's sales (`occurred_at`; a clawback's is the refund's, and it is
    negative), rejected ones left out; at a location, on the sales made there."""
    rows = Commission.objects.filter(shop=shop, occurred_at__gte=since, occurred_at__lt=until).exclude(
        status=CommissionStatus.REJECTED
    )
    if location is not None:
        rows = rows.filter(purchase__location=location)
    amount = rows.aggregate(total=Sum("amount", default=Decimal(0)))["total"]
    return [hooks.FigureValue("commissions", _("Partner commissions"), round_money(amount, shop.currency), "money")]
