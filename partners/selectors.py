"""Reads the partner pages, the portal and the API share: a partner's figures, the partner report, the partner
pages' partners of a signed-in person, a partner's link."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from .models import Binding, Commission, CommissionKind, CommissionStatus, Partner

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=4))


@dataclass(frozen=True)
class Figures:
    """A partner's commissions in money: pending (held), approved (not yet paid; on an open statement too), paid
    (net of clawbacks netted), and balance: what the next payout would pay (approved, on no statement, less
    clawbacks on no statement)."""

    pending: Decimal
    approved: Decimal
    paid: Decimal
    balance: Decimal


FIGURE_FILTERS = {
    "pending": Q(status=CommissionStatus.PENDING),
    "approved": Q(status=CommissionStatus.APPROVED, kind=CommissionKind.SALE),
    "paid": Q(status=CommissionStatus.PAID),
    "balance": Q(status=CommissionStatus.APPROVED, payout__isnull=True),
}


def partner_figures(partner: Partner) -> Figures:
    sums = Commission.objects.filter(partner=partner).aggregate(
        **{name: Coalesce(Sum("amount", filter=condition), ZERO) for name, condition in FIGURE_FILTERS.items()}
    )
    return Figures(**sums)


def _sum_of(condition: Q) -> Subquery:
    rows = (
        Commission.objects.filter(condition, partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=DecimalField(max_digits=16, decimal_places=4)), ZERO)


def partner_report(shop) -> QuerySet[Partner]:
    """Every partner of the shop with its customers, its customers' sales (less refunds) and its figures, one
    query whatever the history (each figure a subquery, so the joins multiply nothing)."""
    customers = Binding.objects.filter(partner=OuterRef("pk")).order_by().values("partner").annotate(n=Count("pk"))
    sales = (
        Commission.objects.filter(partner=OuterRef("pk"), kind=CommissionKind.SALE)
        .exclude(reason="self_purchase")
        .order_by()
        .values("partner")
        .annotate(total=Sum(F("purchase__amount") - F("purchase__refunded_amount")))
        .values("total")
    )
    return (
        Partner.objects.filter(shop=shop)
        .select_related("plan")
        .annotate(
            customers=Coalesce(Subquery(customers.values("n")), Value(0)),
            sales=Coalesce(Subquery(sales, output_field=DecimalField(max_digits=16, decimal_places=4)), ZERO),
            **{f"{name}_total": _sum_of(condition) for name, condition in FIGURE_FILTERS.items()},
        )
    )


def customers_of(partner: Partner) -> QuerySet[Binding]:
    return Binding.objects.filter(partner=partner).select_related("member").order_by("-bound_at")


def commissions_of(partner: Partner) -> QuerySet[Commission]:
    return Commission.objects.filter(partner=partner).select_related("purchase", "member", "payout")


def partners_of_user(user) -> QuerySet[Partner]:
    """The partners whose email this signed-in person proved (a sign-in code sent to it, or its verification)."""
    if not user.is_authenticated:
        return Partner.objects.none()
    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    if not emails:
        return Partner.objects.none()
    proofs = Q()
    for email in emails:
        proofs |= Q(email__iexact=email)
    return Partner.objects.filter(proofs).exclude(email="").select_related("shop", "plan").order_by("shop__name")


def partner_link_path(partner: Partner) -> str:
    """The partner's link: /p/<code>/ while no other shop's partner has the code, else /p/<code>/<shop>/."""
    shared = Partner.objects.filter(key=partner.key, active=True).exclude(pk=partner.pk).exists()
    if shared:
        return reverse("partners:link_at", kwargs={"code": partner.key, "slug": partner.shop.slug})
    return reverse("partners:link", kwargs={"code": partner.key})
