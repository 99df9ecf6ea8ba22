"""The report as the API and the CSV write it: pos-api.md's keys first (money as decimal strings in the shop's
currency, the repeat rate with 4 places), then this app's additions (docs/insights.md)."""

from __future__ import annotations

from datetime import date

from loyalty.errors import ValidationFailed
from loyalty.hooks import FigureValue
from loyalty.models import Location, Shop
from loyalty.money import money_str

from .report import Report


def report_fields(report: Report, currency: str) -> dict:
    money = lambda amount: money_str(amount, currency)  # noqa: E731
    return {
        "members_enrolled": report.members_enrolled,
        "members_active": report.members_active,
        "purchases": report.purchases,
        "member_purchases": report.member_purchases,
        "member_sales": money(report.member_sales),
        "repeat_rate": f"{report.repeat_rate:.4f}",
        "points_issued": report.points_issued,
        "points_redeemed": report.points_redeemed,
        "points_expired": report.points_expired,
        "points_outstanding": report.points_outstanding,
        "liability": money(report.liability),
        "vouchers_issued": report.vouchers_issued,
        "vouchers_used": report.vouchers_used,
        # additions
        "members_total": report.members_total,
        "members_active_30": report.active_30,
        "members_active_90": report.active_90,
        "visits_per_member": f"{report.visits_per_member:.2f}",
        "member_average_sale": money(report.member_average),
        "other_purchases": report.other_purchases,
        "other_sales": money(report.other_sales),
        "other_average_sale": money(report.other_average),
        "redemption_rate": f"{report.redemption_rate:.4f}",
        "points_adjusted": report.points_adjusted,
        "breakage_rate": f"{report.breakage_rate:.4f}",
        "expected_breakage": money(report.breakage),
        "rewards_cost": money(report.rewards_cost),
    } | extra_fields(report, currency)


def is_single(figure, values) -> bool:
    """A figure of one value named like itself (the partners' "commissions"), written as that value."""
    return len(values) == 1 and values[0].key == figure.key


def extra_fields(report: Report, currency: str) -> dict:
    """The program apps' figures, each an object of its values under its key ("referral_funnel": {"joined": 3}), or
    its one value when it is single ("commissions": "12000")."""
    return {
        figure.key: written(values[0], currency)
        if is_single(figure, values)
        else {value.key: written(value, currency) for value in values}
        for figure, values in report.extras
    }


def written(value: FigureValue, currency: str):
    if value.value is None or value.kind == "count":
        return value.value
    if value.kind == "money":
        return money_str(value.value, currency)
    return f"{value.value:.4f}"


def parse_day(value: str | None, name: str) -> date:
    if not value:
        raise ValidationFailed(fields={name: "is required (YYYY-MM-DD)"})
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(fields={name: "must be a date (YYYY-MM-DD)"}) from None


def location_named(shop: Shop, code: str | None) -> Location | None:
    if not code:
        return None
    location = Location.objects.filter(shop=shop, code=code).first()
    if location is None:
        raise ValidationFailed(fields={"location": "no such location"}, code="location_not_found")
    return location
