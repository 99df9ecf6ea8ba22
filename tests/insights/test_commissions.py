"""Partners' commissions in the program report come from partners' own report figure (partners/insights_hooks.py):
the same amount and the same key as before ("commissions": "52.50", a money string), in the API, the CSV's row and
a figure of the dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from insights.present import report_fields
from insights.report import period_of, program_report
from insights.views.figures import figure_groups, figure_rows
from loyalty.money import format_money
from tests.partners.conftest import T0, buy, courses, customer  # noqa: F401  (the shop fixture)

MAY, JUNE = date(2031, 5, 1), date(2031, 6, 1)


def test_commissions_are_one_money_figure_of_partners(courses):  # noqa: F811
    member = customer(courses, at=T0 - timedelta(days=2))
    buy(courses, member, "100.00", at=T0 - timedelta(days=1), now=T0)  # 30 %: 30.00
    buy(courses, member, "75.00", at=T0, now=T0)  # 22.50
    buy(courses, member, "10.00", at=date_moment(JUNE), now=date_moment(JUNE))  # June: not in May
    report = program_report(period_of(courses, MAY, JUNE), now=T0 + timedelta(days=40))
    fields = report_fields(report, courses.currency)
    assert fields["commissions"] == "52.50"
    assert "commissions" in list(fields)  # a single value, written as one key like the core's figures
    money = lambda amount: format_money(amount, courses.currency)  # noqa: E731
    shown = {figure.label: figure.value for figure in figure_rows(report, money, courses.program)}
    assert shown["Partner commissions"] == money(Decimal("52.50"))
    assert "Partner commissions" not in [group.label for group in figure_groups(report, money)]


def date_moment(day: date):
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)  # 14:00 in New York
