"""Each dashboard figure with the sentence that says how it is computed (docs/insights.md says the same)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from loyalty.money import round_money

from ..report import Report


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str


def percent(rate) -> str:
    return f"{number_format(rate * 100, 1)} %"


def figure_rows(report: Report, money, program) -> list[Figure]:
    n = lambda value: number_format(value, force_grouping=True)  # noqa: E731
    return [
        Figure(_("Members"), n(report.members_total), _("People enrolled by the end of the period (a duplicate merged into another counts once).")),
        Figure(_("Members enrolled"), n(report.members_enrolled), _("Members who joined during the period.")),
        Figure(_("Active members"), n(report.members_active), _("Members with at least one purchase in the period.")),
        Figure(_("Active in the last 30 / 90 days"), f"{n(report.active_30)} / {n(report.active_90)}", _("Members with a purchase in the 30 or 90 days before the period's end.")),
        Figure(_("Repeat-purchase rate"), percent(report.repeat_rate), _("Of the members who bought in the period, the share who bought twice or more.")),
        Figure(_("Visits per member"), number_format(report.visits_per_member, 2), _("Members' purchases in the period divided by the active members.")),
        Figure(_("Purchases"), n(report.purchases), _("Every purchase recorded in the period, by members and by others.")),
        Figure(_("Members' sales"), money(report.member_sales), _("What members paid in the period, less what was refunded of it.")),
        Figure(_("Average sale, members"), money(report.member_average), _("Members' sales divided by their purchases.")),
        Figure(_("Average sale, other customers"), money(report.other_average), _("Sales without a member (less refunds) divided by those purchases.")),
        Figure(_("Points issued"), n(report.points_issued), _("Points earned on purchases, bonuses, referrals and imports in the period, less those reversed by refunds.")),
        Figure(_("Points redeemed"), n(report.points_redeemed), _("Points spent in the period, less those given back by cancelled vouchers and refunds.")),
        Figure(_("Points expired"), n(report.points_expired), _("Points that expired in the period.")),
        Figure(_("Redemption rate"), percent(report.redemption_rate), _("Points redeemed divided by points issued in the period.")),
        Figure(_("Points outstanding"), n(report.points_outstanding), _("Points members held at the period's end, available or pending, for the whole shop.")),
        Figure(_("Liability"), money(report.liability), _("Points outstanding times the value of a point (%(value)s).") % {"value": money(program.point_value)}),
        Figure(_("Expected breakage"), f"{money(report.breakage)} ({percent(report.breakage_rate)})", _("The liability times the share of points that expired rather than were redeemed over the year before the period's end.")),
        Figure(_("Vouchers issued / used"), f"{n(report.vouchers_issued)} / {n(report.vouchers_used)}", _("Vouchers issued, and vouchers used on a purchase, in the period.")),
        Figure(_("Rewards cost"), money(report.rewards_cost), _("The value of the rewards whose vouchers were used in the period (a percentage off is not counted).")),
        *(
            [Figure(_("Partner commissions"), money(report.commissions), _("Commissions partners earned on the period's sales, less clawbacks."))]
            if report.commissions is not None
            else []
        ),
    ]  # fmt: skip


def lift_line(lift, difference_name: str, fmt) -> dict | None:
    """A lift's difference as the page writes it: each group's mean, the difference, the interval."""
    if lift is None:
        return None
    difference = getattr(lift, difference_name)
    return {
        "targeted": fmt(difference.targeted),
        "holdout": fmt(difference.holdout),
        "lift": fmt(difference.lift),
        "low": None if difference.low is None else fmt(difference.low),
        "high": None if difference.high is None else fmt(difference.high),
        "significant": difference.significant,
        "complete": lift.complete,
        "days": lift.days,
    }


def money_of(money, currency: str):
    """A float mean as money (rounded once, half up, to the currency's units) in the page's format."""
    return lambda value: money(round_money(Decimal(str(value)), currency))
