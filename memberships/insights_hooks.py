"""What paid memberships add to the program report (revenue and churn) and to custom segments (a member of a plan
now), read by the insights app through loyalty.hooks."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, When
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.money import round_money

from .models import Membership, MembershipPlan, Payment

MONEY_FIELD = DecimalField(max_digits=20, decimal_places=4)
# The moment a membership stopped giving benefits: cancelled at once, at the period's end, or after the grace.
LAPSE = Case(
    When(cancelled_at__isnull=False, then=F("cancelled_at")),
    When(cancel_at_period_end=True, then=F("ends_at")),
    default=F("grace_ends_at"),
)


@hooks.report_figure(
    "memberships",
    _("Membership revenue and churn"),
    _(
        "Money paid for memberships in the period less what was refunded of it (points not counted); memberships "
        "that lapsed in the period (cancelled, or not renewed by the end of the grace) divided by those running at "
        "its start plus those started in it. The whole shop's."
    ),
    order=20,
)
def membership_figures(shop, since, until, location, now) -> list[hooks.FigureValue]:
    labels = [
        ("revenue", _("Membership revenue"), "money"),
        ("running", _("Memberships at the start"), "count"),
        ("started", _("Memberships started"), "count"),
        ("churned", _("Memberships lapsed"), "count"),
        ("churn_rate", _("Churn"), "rate"),
    ]
    if location is not None:  # payments and memberships have no location
        return [hooks.FigureValue(key, label, None, kind) for key, label, kind in labels]
    values = _revenue(shop, since, until) | _churn(shop, since, until, now)
    return [hooks.FigureValue(key, label, values[key], kind) for key, label, kind in labels]


def _revenue(shop, since, until) -> dict:
    paid = Payment.objects.filter(shop=shop, paid_at__gte=since, paid_at__lt=until)
    kept = paid.aggregate(total=Sum(F("amount") - F("refunded_amount"), output_field=MONEY_FIELD, default=Decimal(0)))[
        "total"
    ]
    return {"revenue": round_money(kept, shop.currency)}


def _churn(shop, since, until, now) -> dict:
    """From each member's membership as it is now: a membership that lapsed and started again since counts by its
    latest run."""
    counted_until = min(until, now)
    rows = Membership.objects.filter(shop=shop).annotate(lapse=LAPSE)
    counts = rows.aggregate(
        running=Count("id", filter=Q(started_at__lt=since, lapse__gt=since)),
        started=Count("id", filter=Q(started_at__gte=since, started_at__lt=until)),
        churned=Count("id", filter=Q(lapse__gte=since, lapse__lt=counted_until, started_at__lt=F("lapse"))),
    )
    whole = counts["running"] + counts["started"]
    rate = Decimal(counts["churned"]) / whole if whole else Decimal(0)
    return counts | {"churn_rate": rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)}


def _plans(shop, op: str, value):
    if op == "eq":
        if not isinstance(value, bool):
            raise ValueError
        return value
    known = set(MembershipPlan.objects.filter(shop=shop).values_list("code", flat=True))
    if not isinstance(value, list) or not value or any(code not in known for code in value):
        raise ValueError
    return value


@hooks.segment_rule("membership", _("Membership"), ("in", "eq"), _plans)
def membership_now(shop, rule, at) -> Q:
    """`in`: a member of one of these plans with its benefits now (trial, paid, grace); `eq`: of any plan or none."""
    benefits = (Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=at)) & (
        Q(ends_at__gt=at) | Q(cancel_at_period_end=False, grace_ends_at__gt=at)
    )
    members = Membership.objects.filter(benefits, shop=shop, started_at__lte=at)
    if rule["op"] == "in":
        return Q(pk__in=members.filter(plan__code__in=rule["value"]).values("member_id"))
    holds = Q(pk__in=members.values("member_id"))
    return holds if rule["value"] else ~holds


ANY, NONE, PLAN = "any", "none", "plan:"


def membership_choices(shop) -> list[tuple[str, object]]:
    """A member of any plan, of none, or of one plan (one query); nothing when the shop has no plan."""
    plans = [
        (f"{PLAN}{code}", name) for code, name in MembershipPlan.objects.filter(shop=shop).values_list("code", "name")
    ]
    return [(ANY, _("A member of a plan")), (NONE, _("Not a member of a plan")), *plans] if plans else []


@hooks.member_filter("membership", _("Membership"), membership_choices, order=20)
def membership_filter(shop, value: str, at) -> Q:
    """The portal's members table by membership now: the segment rule's condition."""
    if value.startswith(PLAN):
        return membership_now(shop, {"op": "in", "value": [value.removeprefix(PLAN)]}, at)
    return membership_now(shop, {"op": "eq", "value": value == ANY}, at)
