"""What referrals add to the program report (the funnel) and to custom segments (approved referrals made), read
by the insights app through loyalty.hooks."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from loyalty import hooks

from .models import LinkVisit, Referral, Status


def _in(name: str, since, until) -> Q:
    return Q(**{f"{name}__gte": since, f"{name}__lt": until})


@hooks.report_figure(
    "referral_funnel",
    _("Referral funnel"),
    _(
        "Referral links opened, friends who joined with a code, friends' first purchases and referrals approved, "
        "each counted when it happened in the period (links are the whole shop's)."
    ),
    order=10,
)
def referral_funnel(shop, since, until, location, now) -> list[hooks.FigureValue]:
    opened = None
    if location is None:
        opened = LinkVisit.objects.filter(shop=shop).filter(_in("at", since, until)).count()
    rows = Referral.objects.filter(shop=shop)
    joined, bought, approved = (
        _in("created_at", since, until),
        _in("purchased_at", since, until),
        _in("approved_at", since, until),
    )
    if location is not None:
        joined &= Q(referee__enrolled_location=location)
        bought &= Q(purchase__location=location)
        approved &= Q(purchase__location=location)
    counts = rows.aggregate(
        joined=Count("id", filter=joined), purchased=Count("id", filter=bought), approved=Count("id", filter=approved)
    )
    return [
        hooks.FigureValue("links_opened", _("Links opened"), opened),
        hooks.FigureValue("joined", _("Joined"), counts["joined"]),
        hooks.FigureValue("purchased", _("Purchased"), counts["purchased"]),
        hooks.FigureValue("approved", _("Approved"), counts["approved"]),
    ]


def _count(shop, op: str, value):
    if isinstance(value, bool) or int(value) != value or int(value) < 0:
        raise ValueError
    return int(value)


@hooks.segment_rule("referrals", _("Approved referrals"), ("gte", "lte"), _count)
def referrals_made(shop, rule, at) -> Q:
    """Friends they referred whose referral was approved (and not voided since), at least / at most."""
    value = rule["value"]
    referrers = (
        Referral.objects.filter(shop=shop, status=Status.APPROVED).order_by().values("referrer").annotate(n=Count("id"))
    )
    if rule["op"] == "gte":
        return Q(pk__in=referrers.filter(n__gte=value).values("referrer")) if value else Q(pk__isnull=False)
    return ~Q(pk__in=referrers.filter(n__gt=value).values("referrer"))
