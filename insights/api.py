"""`GET /api/v1/reports/program` (pos-api.md): the dashboard's figures for manager keys."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status
from pydantic import create_model

from loyalty import hooks
from loyalty.api.auth import require_manager
from loyalty.api.members import ERRORS

from .present import location_named, parse_day, report_fields
from .report import period_of, program_report

router = Router(tags=["reports"])


class ReportOut(Schema):
    members_enrolled: int
    members_active: int
    purchases: int
    member_purchases: int
    member_sales: str
    repeat_rate: str
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_outstanding: int
    liability: str
    vouchers_issued: int
    vouchers_used: int
    members_total: int
    members_active_30: int
    members_active_90: int
    visits_per_member: str
    member_average_sale: str
    other_purchases: int
    other_sales: str
    other_average_sale: str
    redemption_rate: str
    points_adjusted: int
    breakage_rate: str
    expected_breakage: str
    rewards_cost: str


def _with_app_figures(schema: type[Schema]) -> type[Schema]:
    """The answer with one object per figure the program apps registered ("referral_funnel": {"joined": 3, …}), or
    its one value for a single figure ("commissions": "12000"), read once the apps are ready (the URLs import this
    module after every AppConfig.ready)."""
    values = dict[str, int | str | None] | int | str | None
    figures = {figure.key: (values, ...) for figure in hooks.report_figures()}
    return create_model("ProgramReportOut", __base__=schema, **figures)


ProgramReportOut = _with_app_figures(ReportOut)


@router.get(
    "/reports/program", response={200: ProgramReportOut, **ERRORS}, summary="The program's figures for a period"
)
def report_program(request, from_: str = Query("", alias="from"), to: str = "", location: str = ""):
    """`from` and `to` are days of the shop's calendar, `to` exclusive; `location` (a location's code) narrows the
    figures to one location."""
    require_manager(request)
    shop = request.auth.shop
    start, end = parse_day(from_, "from"), parse_day(to, "to")
    period = period_of(shop, start, end, location_named(shop, location))
    return Status(200, report_fields(program_report(period), shop.currency))
