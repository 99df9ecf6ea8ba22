"""The life of a commission: created pending with its rate locked, approved after the hold by the job, shrunk in
proportion by refunds before payment, clawed back after, rounded once to the cent."""

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.services.config import config_import
from loyalty.services.members import member_update
from partners.errors import BelowMinPayout
from partners.models import Binding, CodeOutcome, CodeUse, Commission, CommissionKind, CommissionStatus
from partners.selectors import partner_figures
from partners.services.commissions import commission_due, commissions_approve, months_after
from partners.services.payouts import payout_create, payout_mark_paid
from partners.services.programs import plan_save

from .conftest import T0, buy, customer, partner, partner_of, plan, refund, usd_document

D = Decimal


def figures(shop, code="KAJ30"):
    return partner_figures(partner_of(shop, code))


def sale_of(purchase) -> Commission:
    return Commission.objects.get(purchase=purchase, kind=CommissionKind.SALE)


def test_example_7_thirty_percent_recurring_held_37_days_then_approved(courses):
    member = customer(courses, at=T0 - timedelta(days=40))
    first = buy(courses, member, "100.00", at=T0 - timedelta(days=38), now=T0)
    assert sale_of(first).amount == D("30.00") and sale_of(first).status == CommissionStatus.PENDING
    second = buy(courses, member, "75.00", at=T0 - timedelta(days=36), now=T0)  # 100 less a 25 coupon
    assert sale_of(second).amount == D("22.50")

    assert commissions_approve(as_of=T0) == 1
    shown = figures(courses)
    assert (shown.pending, shown.approved, shown.paid) == (D("22.50"), D("30.00"), D(0))
    assert commissions_approve(as_of=T0) == 0, "a re-run for the same moment changes nothing"
    assert commissions_approve(as_of=T0 + timedelta(days=1)) == 1  # 37 days after the second sale


def test_approval_comes_exactly_hold_days_after_the_sale(courses):
    member = customer(courses)
    sale = sale_of(buy(courses, member, "10.00"))
    assert commissions_approve(as_of=T0 + timedelta(days=37) - timedelta(seconds=1)) == 0
    assert commissions_approve(as_of=T0 + timedelta(days=37)) == 1
    sale.refresh_from_db()
    assert sale.status == CommissionStatus.APPROVED and sale.approved_at == T0 + timedelta(days=37)


def test_example_8_a_refund_after_the_payout_is_netted_by_the_next_statement(db):
    shop = config_import(usd_document("refunds", plans=[plan(hold_days=0)]))
    member = customer(shop)
    sale = buy(shop, member, "49.00")
    commissions_approve(as_of=T0)
    first = payout_create(partner=partner_of(shop), at=T0)
    assert first.amount == D("14.70")
    payout_mark_paid(payout=first, reference="wire 1", at=T0)
    assert figures(shop).paid == D("14.70")

    refund(shop, sale, "49.00")
    clawback = Commission.objects.get(kind=CommissionKind.CLAWBACK)
    assert clawback.amount == D("-14.70") and clawback.status == CommissionStatus.APPROVED
    assert figures(shop).balance == D("-14.70")

    later = T0 + timedelta(days=2)
    buy(shop, member, "100.00", at=later)
    commissions_approve(as_of=later)
    second = payout_create(partner=partner_of(shop), at=later)
    assert second.amount == D("15.30"), "30.00 less the 14.70 netted"
    assert sorted(line.amount for line in second.lines.all()) == [D("-14.70"), D("30.00")]
    payout_mark_paid(payout=second, reference="wire 2", at=later)
    assert figures(shop).paid == D("30.00") and figures(shop).balance == 0, "14.70 + 15.30 paid in all"


def test_a_partial_refund_shrinks_the_commission_in_proportion(courses):
    sale = buy(courses, customer(courses), "100.00")
    refund(courses, sale, "40.00")
    commission = sale_of(sale)
    assert (commission.amount, commission.refunded, commission.status) == (D("18.00"), D("40.00"), "pending")
    refund(courses, sale, "59.99")
    commission.refresh_from_db()
    assert commission.amount == D("0.01") and commission.status == CommissionStatus.PENDING
    refund(courses, sale, "0.01")
    commission.refresh_from_db()
    assert (commission.amount, commission.status, commission.reason) == (D("0.00"), "rejected", "refunded")


def test_a_partial_refund_never_brings_a_commission_to_zero(db):
    shop = config_import(usd_document("tiny", plans=[plan(percent="1")]))
    sale = buy(shop, customer(shop), "1.00")  # 1% of 1.00 = 0.01
    refund(shop, sale, "0.60")  # 1% of 0.40 rounds to 0.00
    assert sale_of(sale).amount == D("0.01") and sale_of(sale).status == CommissionStatus.PENDING


def test_rounding_is_once_half_up_from_the_exact_figures():
    assert commission_due(D("0.05"), D(0), D("30"), "USD") == D("0.02")  # 0.015 → 0.02
    assert commission_due(D("33.33"), D("11.11"), D("30"), "USD") == D("6.67")  # 22.22 × 30% = 6.666
    assert commission_due(D("125000"), D(0), D("7.5"), "VND") == D("9375")
    assert commission_due(D("12345"), D(0), D("10"), "VND") == D("1235")  # 1234.5 → 1235


def test_a_refund_of_a_commission_on_an_open_statement_is_clawed_back(courses):
    sale = buy(courses, customer(courses), "100.00")
    commissions_approve(as_of=T0 + timedelta(days=37))
    statement = payout_create(partner=partner_of(courses), at=T0 + timedelta(days=37))
    refund(courses, sale, "50.00", at=T0 + timedelta(days=38))
    assert sale_of(sale).amount == D("30.00"), "a line of a statement never changes"
    assert statement.lines.get().amount == D("30.00")
    assert Commission.objects.get(kind=CommissionKind.CLAWBACK).amount == D("-15.00")
    refund(courses, sale, "49.99", at=T0 + timedelta(days=39))
    clawed = sorted(c.amount for c in Commission.objects.filter(kind=CommissionKind.CLAWBACK))
    assert clawed == [D("-15.00"), D("-14.99")], "30.00 − 0.01 kept by the partial refund"
    refund(courses, sale, "0.01", at=T0 + timedelta(days=40))
    assert sum(c.amount for c in Commission.objects.filter(purchase=sale)) == 0


def test_a_second_statement_nets_clawbacks_of_refunds_after_the_first(db):
    shop = config_import(usd_document("nets", plans=[plan(hold_days=0)]))
    member = customer(shop)
    sales = [buy(shop, member, amount) for amount in ("20.00", "30.00")]
    commissions_approve(as_of=T0)
    payout_mark_paid(payout=payout_create(partner=partner_of(shop), at=T0), reference="one", at=T0)
    refund(shop, sales[0], "10.00")
    refund(shop, sales[1], "30.00")
    assert figures(shop).balance == D("-12.00")
    with pytest.raises(BelowMinPayout):
        payout_create(partner=partner_of(shop), at=T0 + timedelta(days=1))
    buy(shop, member, "50.00", at=T0 + timedelta(days=1))
    commissions_approve(as_of=T0 + timedelta(days=1))
    second = payout_create(partner=partner_of(shop), at=T0 + timedelta(days=1))
    assert second.amount == D("3.00") and second.lines.count() == 3


def test_one_time_plans_pay_the_customers_first_purchase_only(db):
    shop = config_import(usd_document("once", plans=[plan(kind="one_time")]))
    member = customer(shop)
    first, second = buy(shop, member, "40.00"), buy(shop, member, "60.00")
    assert sale_of(first).amount == D("12.00")
    assert not Commission.objects.filter(purchase=second).exists()


def test_recurring_plans_for_some_months_stop_after_them(db):
    shop = config_import(usd_document("months", plans=[plan(months=2)]))
    member = customer(shop, at=T0)
    inside = buy(shop, member, "10.00", at=months_after(T0, 2, shop.tz) - timedelta(seconds=1))
    after = buy(shop, member, "10.00", at=months_after(T0, 2, shop.tz), now=months_after(T0, 2, shop.tz))
    assert sale_of(inside).amount == D("3.00")
    assert not Commission.objects.filter(purchase=after).exists()


def test_months_after_keeps_the_wall_clock_and_the_months_last_day(courses):
    moment = T0.replace(month=1, day=31)
    later = months_after(moment, 1, courses.tz)
    assert (later.month, later.day, later.hour) == (2, 28, moment.astimezone(courses.tz).hour)


def test_a_partner_buying_for_themselves_earns_nothing_and_the_reason_is_recorded(db):
    shop = config_import(usd_document("self", partners=[partner(phone="+12025550143")]))
    member = customer(shop, partner_code="", phone="+12025550143")
    own = buy(shop, member, "100.00", partner_code="KAJ30")  # the partner's own phone: not bound
    assert not Binding.objects.filter(member=member).exists()
    assert CodeUse.objects.get(purchase=own).outcome == CodeOutcome.SELF
    assert not Commission.objects.filter(purchase=own).exists()
    refused = customer(shop, email="PARTNER@example.com")  # the partner's own email, another phone
    assert CodeUse.objects.get(member=refused).outcome == CodeOutcome.SELF
    bound = customer(shop, email="someone@example.com")
    member_update(member=bound, email="partner@example.com")  # it was the partner after all
    sale = sale_of(buy(shop, bound, "100.00"))
    assert (sale.status, sale.amount, sale.reason) == ("rejected", D("0.00"), "self_purchase")


def test_the_rate_is_locked_when_the_commission_is_made(courses):
    member = customer(courses)
    sale = buy(courses, member, "100.00")
    existing = partner_of(courses).plan
    plan_save(shop=courses, plan=existing, **{**_plan_fields(existing), "percent": D("50")})
    later = buy(courses, member, "100.00")
    refund(courses, sale, "50.00")
    assert (sale_of(sale).percent, sale_of(sale).amount) == (D("30"), D("15.00"))
    assert sale_of(later).amount == D("50.00")


def _plan_fields(existing) -> dict:
    return {
        name: getattr(existing, name)
        for name in ("code", "name", "kind", "percent", "months", "hold_days", "min_payout", "cookie_days", "levels")
    }


# ---------------------------------------------------------------- rate levels


@pytest.fixture
def levelled(db):
    """20% below 5 sales in the calendar month, 30% from the 5th."""
    return config_import(usd_document("levels", plans=[plan(percent="20", levels=[{"sales": 5, "percent": "30"}])]))


def test_the_fifth_sale_of_the_month_reaches_the_higher_rate(levelled):
    member = customer(levelled)
    rates = [sale_of(buy(levelled, member, "10.00", at=T0 + timedelta(hours=n))).percent for n in range(6)]
    assert rates == [D("20")] * 4 + [D("30")] * 2
    assert sale_of(buy(levelled, member, "10.00", at=T0 + timedelta(hours=7))).amount == D("3.00")


def test_sales_are_counted_in_the_shops_calendar_month(levelled):
    """New York: 23:30 on the last day of the month is still that month; 00:30 the next day starts a new one."""
    member = customer(levelled, at=T0.replace(month=4, day=1))
    end_of_april = T0.replace(month=5, day=1, hour=3, minute=30)  # 23:30 on 30 April in New York
    for n in range(4):
        buy(levelled, member, "10.00", at=end_of_april - timedelta(days=1, hours=n), now=T0)
    fifth = buy(levelled, member, "10.00", at=end_of_april, now=T0)
    first_of_may = buy(levelled, member, "10.00", at=end_of_april + timedelta(hours=1), now=T0)
    assert sale_of(fifth).percent == D("30") and sale_of(first_of_may).percent == D("20")


def test_a_sale_refunded_in_full_does_not_count_toward_a_level(levelled):
    member = customer(levelled)
    sales = [buy(levelled, member, "10.00", at=T0 + timedelta(hours=n)) for n in range(4)]
    refund(levelled, sales[0], "10.00")
    assert sale_of(buy(levelled, member, "10.00", at=T0 + timedelta(hours=5))).percent == D("20")
