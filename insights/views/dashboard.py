"""The owner's dashboard: the program report of a period (the whole shop or one location) with what each figure
means, two charts with their numbers beside them, the cohort retention table, the lift of the latest campaigns,
and the same figures as CSV."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from loyalty.formats import display_locale
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.portal.decorators import staff_required

from ..charts import bar_chart
from ..forms import PeriodForm
from ..lift import campaign_lift
from ..models import Campaign, CampaignStatus
from ..present import report_fields
from ..report import Period, Report, period_of, program_report
from .figures import figure_groups, figure_rows, lift_line, money_of

LATEST_CAMPAIGNS = 3


def _period(request) -> tuple[PeriodForm, Period]:
    shop = request.shop
    form = PeriodForm(request.GET or None, shop=shop)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, period_of(shop, data["start"], data["end"], data["location"])
    start, end = form.defaults
    return form, period_of(shop, start, end)


def _charts(report: Report, money, points_name: str, rtl: bool) -> list:
    points = bar_chart(
        _("%(points)s in the period") % {"points": points_name.capitalize()},
        [
            (_("Issued"), report.points_issued, f"{report.points_issued:,}"),
            (_("Redeemed"), report.points_redeemed, f"{report.points_redeemed:,}"),
            (_("Expired"), report.points_expired, f"{report.points_expired:,}"),
        ],
        rtl=rtl,
    )
    spend = bar_chart(
        _("Average sale"),
        [
            (_("Members"), report.member_average, money(report.member_average)),
            (_("Other customers"), report.other_average, money(report.other_average)),
        ],
        rtl=rtl,
    )
    return [points, spend]


@staff_required(role=Role.MANAGER)
def dashboard(request):
    shop = request.shop
    form, period = _period(request)
    report = program_report(period)
    locale = str(display_locale())

    def money(amount):
        return format_money(amount, shop.currency, locale)

    campaigns = Campaign.objects.filter(shop=shop, status=CampaignStatus.SENT).order_by("-sent_at")[:LATEST_CAMPAIGNS]
    context = {
        "form": form,
        "period": period,
        "report": report,
        "figures": figure_rows(report, money, shop.program),
        "groups": figure_groups(report, money),
        "charts": _charts(report, money, shop.program.points_name, get_language_bidi()),
        "lifts": [
            (campaign, lift_line(campaign_lift(campaign, 30), "spend", money_of(money, shop.currency)))
            for campaign in campaigns
        ],
        "csv_query": request.GET.urlencode(),
    }
    template = "insights/portal/dashboard.html#report" if request.htmx else "insights/portal/dashboard.html"
    return TemplateResponse(request, template, context)


@staff_required(role=Role.MANAGER)
def report_csv(request):
    """The API's figures, one per row: the name and the value as the API writes it (an app's figure's values as
    `referral_funnel.joined`)."""
    shop = request.shop
    _form, period = _period(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{shop.slug}-program-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["figure", "value"])
    for key, value in report_fields(program_report(period), shop.currency).items():
        for name, item in value.items() if isinstance(value, dict) else [(None, value)]:
            writer.writerow([f"{key}.{name}" if name else key, "" if item is None else item])
    return response
