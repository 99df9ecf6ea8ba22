"""Each dashboard figure with the sentence that says how it is computed (docs/insights.md says the same)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from loyalty.money import round_money

from ..present import is_single
from ..report import Report


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str


def percent(rate) -> str:
    return f"{number_format(rate * 100, 1)} %"


NOTES = {
    "members": _l("People enrolled by the end of the period (a duplicate merged into another counts once)."),
    "enrolled": _l("Members who joined during the period."),
    "active": _l("Members with at least one purchase in the period."),
    "active_recent": _l("Members with a purchase in the 30 or 90 days before the period's end."),
    "repeat": _l("Of the members who bought in the period, the share who bought twice or more."),
    "visits": _l("Members' purchases in the period divided by the active members."),
    "purchases": _l("Every purchase recorded in the period, by members and by others."),
    "sales": _l("What members paid in the period, less what was refunded of it."),
    "member_average": _l("Members' sales divided by their purchases."),
    "other_average": _l("Sales without a member (less refunds) divided by those purchases."),
    "issued": _l("Points earned on purchases, bonuses, referrals and imports in the period, less refunds' reversals."),
    "redeemed": _l("Points spent in the period, less those given back by cancelled vouchers and refunds."),
    "expired": _l("Points that expired in the period."),
    "redemption": _l("Points redeemed divided by points issued in the period."),
    "outstanding": _l("Points members held at the period's end, available or pending, for the whole shop."),
    "liability": _l("Points outstanding times the value of a point (%(value)s)."),
    "breakage": _l(
        "The liability times the share of points that expired rather than were redeemed in the year before the "
        "period's end."
    ),
    "vouchers": _l("Vouchers issued, and vouchers used on a purchase, in the period."),
    "rewards_cost": _l("The value of the rewards whose vouchers were used in the period (a percentage off is not)."),
}


def figure_rows(report: Report, money, program) -> list[Figure]:
    def n(value) -> str:
        return number_format(value, force_grouping=True)

    rows = [
        ("members", _("Members"), n(report.members_total)),
        ("enrolled", _("Members enrolled"), n(report.members_enrolled)),
        ("active", _("Active members"), n(report.members_active)),
        ("active_recent", _("Active in the last 30 / 90 days"), f"{n(report.active_30)} / {n(report.active_90)}"),
        ("repeat", _("Repeat-purchase rate"), percent(report.repeat_rate)),
        ("visits", _("Visits per member"), number_format(report.visits_per_member, 2)),
        ("purchases", _("Purchases"), n(report.purchases)),
        ("sales", _("Members' sales"), money(report.member_sales)),
        ("member_average", _("Average sale, members"), money(report.member_average)),
        ("other_average", _("Average sale, other customers"), money(report.other_average)),
        ("issued", _("Points issued"), n(report.points_issued)),
        ("redeemed", _("Points redeemed"), n(report.points_redeemed)),
        ("expired", _("Points expired"), n(report.points_expired)),
        ("redemption", _("Redemption rate"), percent(report.redemption_rate)),
        ("outstanding", _("Points outstanding"), n(report.points_outstanding)),
        ("liability", _("Liability"), money(report.liability)),
        ("breakage", _("Expected breakage"), f"{money(report.breakage)} ({percent(report.breakage_rate)})"),
        ("vouchers", _("Vouchers issued / used"), f"{n(report.vouchers_issued)} / {n(report.vouchers_used)}"),
        ("rewards_cost", _("Rewards cost"), money(report.rewards_cost)),
    ]
    values = {"value": money(program.point_value)}
    figures = [
        Figure(label, value, str(NOTES[key]) % values if key == "liability" else str(NOTES[key]))
        for key, label, value in rows
    ]
    singles = [(figure, values[0]) for figure, values in report.extras if is_single(figure, values)]
    return figures + [
        Figure(str(figure.label), written_value(value, money), str(figure.note)) for figure, value in singles
    ]


@dataclass(frozen=True)
class FigureGroup:
    """A program app's figure (the referral funnel): its label, its sentence, and its values as the page writes
    them (a dash when it does not apply to one location)."""

    label: str
    note: str
    values: list[tuple[str, str]]


def written_value(value, money) -> str:
    """A program app's value as the page writes it (a dash when it does not apply)."""
    if value.value is None:
        return "—"
    if value.kind == "money":
        return money(value.value)
    if value.kind == "rate":
        return percent(value.value)
    return number_format(value.value, force_grouping=True)


def figure_groups(report: Report, money) -> list[FigureGroup]:
    """The program apps' figures of several values (a single one is a figure like the core's: figure_rows)."""
    return [
        FigureGroup(
            str(figure.label), str(figure.note), [(str(value.label), written_value(value, money)) for value in values]
        )
        for figure, values in report.extras
        if not is_single(figure, values)
    ]


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
