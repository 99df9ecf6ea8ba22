"""The lifecycle with dates: trial → active → grace → expired, cancellation at the period's end or at once with a
refund, early and late renewal, and the jobs that record it (idempotent for a moment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.errors import InsufficientPoints, ValidationFailed
from loyalty.models import WebhookDelivery
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import points_available
from memberships.errors import AlreadyCancelled, DuplicatePayment, PriceChanged
from memberships.models import Membership, Payment, Status
from memberships.services.jobs import membership_reminders, memberships_renew
from memberships.services.lifecycle import membership_cancel, membership_trial_start
from memberships.services.periods import add_days
from memberships.services.plans import membership_quote, plan_get

from .conftest import T0, customer, member_of, pay

pytestmark = pytest.mark.django_db
D = Decimal


def reloaded(member) -> Membership:
    return Membership.objects.select_related("plan", "member", "shop").get(member=member)


def local(shop, moment):
    return moment.astimezone(shop.tz)


def test_a_first_payment_starts_now_and_runs_a_year_in_the_shops_calendar(vip):
    member = customer(vip)
    paid = pay(vip, member)
    membership = paid.membership
    assert paid.payment.price == D("888") and paid.payment.amount == D("888")
    assert membership.started_at == T0 and membership.status == Status.ACTIVE
    assert local(vip, membership.ends_at) == local(vip, T0).replace(year=2032)
    assert membership.grace_ends_at == add_days(membership.ends_at, 7, vip.tz)


def test_early_renewal_extends_from_the_current_end_so_no_day_is_lost(vip):
    member = customer(vip)
    first = pay(vip, member).membership
    renewed = pay(vip, member, at=T0 + timedelta(days=300)).membership
    assert renewed.started_at == T0
    assert local(vip, renewed.ends_at) == local(vip, first.ends_at).replace(year=2033)
    assert Payment.objects.filter(membership=renewed).count() == 2


def test_renewal_in_grace_continues_from_the_old_end(vip):
    member = customer(vip)
    first = pay(vip, member).membership
    in_grace = first.ends_at + timedelta(days=3)
    assert first.status_at(in_grace) == Status.GRACE
    renewed = pay(vip, member, at=in_grace).membership
    assert local(vip, renewed.ends_at) == local(vip, first.ends_at).replace(year=2033)
    assert renewed.started_at == T0, "the run of the membership goes on"


def test_renewal_after_expiry_starts_a_new_run_from_now(vip):
    member = customer(vip)
    first = pay(vip, member).membership
    later = first.grace_ends_at + timedelta(days=10)
    assert first.status_at(later) == Status.EXPIRED
    again = pay(vip, member, at=later).membership
    assert again.started_at == later and local(vip, again.ends_at) == local(vip, later).replace(year=2033)


def test_the_job_records_active_grace_expired_once_per_moment(vip):
    member = customer(vip)
    membership = pay(vip, member).membership
    assert memberships_renew(as_of=membership.ends_at - timedelta(seconds=1)) == 0
    assert memberships_renew(as_of=membership.ends_at) == 1
    assert reloaded(member).status == Status.GRACE
    assert memberships_renew(as_of=membership.ends_at) == 0, "a re-run changes nothing"
    assert memberships_renew(as_of=membership.grace_ends_at) == 1
    assert reloaded(member).status == Status.EXPIRED
    assert memberships_renew(as_of=membership.grace_ends_at + timedelta(days=1)) == 0


def test_benefits_follow_the_dates_even_before_the_job_runs(vip):
    member = customer(vip)
    membership = pay(vip, member).membership
    assert membership.benefits_at(membership.grace_ends_at - timedelta(seconds=1))
    assert not membership.benefits_at(membership.grace_ends_at)


def test_a_free_trial_then_grace_then_expiry_when_unpaid(vip):
    member = customer(vip)
    trial = membership_trial_start(member=member, plan_code="box", at=T0)
    assert trial.status == Status.TRIAL and trial.ends_at == add_days(T0, 7, vip.tz)
    assert memberships_renew(as_of=trial.ends_at) == 1 and reloaded(member).status == Status.GRACE
    assert memberships_renew(as_of=trial.grace_ends_at) == 1 and reloaded(member).status == Status.EXPIRED
    with pytest.raises(Exception, match="free trial"):
        membership_trial_start(member=member, plan_code="box", at=trial.grace_ends_at + timedelta(days=1))


def test_paying_during_the_trial_starts_the_paid_month_at_the_trials_end(vip):
    member = customer(vip)
    trial = membership_trial_start(member=member, plan_code="box", at=T0)
    paid = pay(vip, member, "box", "199000", at=T0 + timedelta(days=2)).membership
    assert paid.status_at(T0 + timedelta(days=3)) == Status.TRIAL
    assert local(vip, trial.ends_at) == datetime(2031, 5, 21, 10, tzinfo=vip.tz)
    assert local(vip, paid.ends_at) == datetime(2031, 6, 21, 10, tzinfo=vip.tz), "a month from the trial's end"
    assert memberships_renew(as_of=trial.ends_at) == 1 and reloaded(member).status == Status.ACTIVE


def test_cancelling_at_the_period_end_keeps_benefits_until_then_without_grace(vip):
    member = customer(vip)
    membership = pay(vip, member).membership
    cancelled = membership_cancel(membership=membership, at=T0 + timedelta(days=10))
    assert cancelled.status == Status.ACTIVE and cancelled.cancel_at_period_end
    assert cancelled.status_at(cancelled.ends_at) == Status.CANCELLED
    assert memberships_renew(as_of=cancelled.ends_at) == 1 and reloaded(member).status == Status.CANCELLED
    with pytest.raises(AlreadyCancelled):
        membership_cancel(membership=reloaded(member), at=cancelled.ends_at + timedelta(days=1))


def test_cancelling_at_once_with_a_refund_gives_back_the_unused_share(vip):
    member = customer(vip, points=5000)
    paid = pay(vip, member, "88vip", "88", at=T0)  # 5,000 points: the 88 price
    renewal = pay(vip, member, "88vip", "0", points=88, at=T0 + timedelta(days=1))  # 88 points at 1 each
    assert renewal.payment.points_value == D("88")
    first_end = paid.membership.ends_at
    halfway = T0 + (first_end - T0) / 2
    done = membership_cancel(membership=reloaded(member), at_once=True, refund=True, at=halfway)
    assert done.status == Status.CANCELLED and done.ends_at == halfway and not done.benefits_at(halfway)
    first, second = Payment.objects.order_by("paid_at")
    assert first.refunded_amount == D("44.0000"), "half of the first year was unused"
    assert second.refunded_points == 88, "the renewal's year had not started: all of it back"
    account = member.account
    account.refresh_from_db()
    assert points_available(account, halfway) == 5000
    assert ledger_violations([account.pk]) == []


def test_points_pay_part_of_the_fee_at_the_point_value(vip):
    member = customer(vip, points=300)
    paid = pay(vip, member, "88vip", "588", points=300)  # 300 points at 1 each off 888
    assert paid.payment.points == 300 and paid.payment.points_value == D("300")
    member.account.refresh_from_db()
    assert member.account.points_balance == 0
    assert ledger_violations([member.account_id]) == []


def test_points_worth_a_different_sum_are_a_changed_price_and_change_nothing(vip):
    member = customer(vip, points=300)
    with pytest.raises(PriceChanged) as error:
        pay(vip, member, "88vip", "888", points=300)
    assert error.value.fields["amount_due"] == "588"
    with pytest.raises(InsufficientPoints):
        pay(vip, member, "88vip", "488", points=400)
    assert not Membership.objects.filter(member=member).exists()
    with pytest.raises(ValidationFailed):
        pay(vip, member, "88vip", "0", points=9000)  # worth more than the price


def test_changing_plans_prorates_the_unused_time(vip):
    """888 for a year, a quarter of it used: the monthly box (199,000) is due less the 666 of unused time, from now,
    and the old year's payment ends at the change (a later refund does not count it twice)."""
    member = customer(vip)
    first = pay(vip, member).membership
    quarter = T0 + (first.ends_at - T0) / 4
    quote = membership_quote(plan=plan_get(vip, "box"), member=member_of(vip, member), at=quarter)
    assert quote.credit == D("666") and quote.amount_due == D("198334")
    with pytest.raises(PriceChanged) as error:
        pay(vip, member, "box", "199000", at=quarter)
    assert error.value.fields["credit"] == "666" and error.value.fields["amount_due"] == "198334"
    changed = pay(vip, member, "box", "198334", at=quarter)
    assert changed.membership.plan.code == "box" and changed.payment.credit == D("666")
    assert changed.payment.period_start == quarter and changed.membership.started_at == T0
    old = Payment.objects.get(plan__code="88vip")
    assert old.period_end == quarter
    done = membership_cancel(membership=reloaded(member), at_once=True, refund=True, at=quarter)
    assert Payment.objects.get(pk=old.pk).refunded_amount == D("0")
    assert Payment.objects.get(pk=changed.payment.pk).refunded_amount == D("198334") and done.status == Status.CANCELLED


def test_a_change_worth_less_than_the_credit_costs_nothing(vip):
    member = customer(vip)
    pay(vip, member, "box", "199000")
    vip_changed = pay(vip, member, "88vip", "0", at=T0 + timedelta(days=1))  # 888 < the box's unused ~192,000
    assert vip_changed.payment.amount == D("0") and vip_changed.membership.plan.code == "88vip"


def test_a_reference_names_one_charge(vip):
    member = customer(vip)
    pay(vip, member, reference="BANK-77")
    with pytest.raises(DuplicatePayment):
        pay(vip, customer(vip), reference="BANK-77")


def test_renewal_reminders_go_once_per_period_end_7_days_before(vip):
    member = customer(vip)
    membership = pay(vip, member).membership
    assert membership_reminders(as_of=membership.ends_at - timedelta(days=8)) == 0
    assert membership_reminders(as_of=membership.ends_at - timedelta(days=7)) == 1
    assert membership_reminders(as_of=membership.ends_at - timedelta(days=6)) == 0, "once per end"
    renewed = pay(vip, member, at=membership.ends_at - timedelta(days=5)).membership
    assert membership_reminders(as_of=renewed.ends_at - timedelta(days=1)) == 1, "the new end gets its own"


def test_every_change_sends_the_membership_changed_webhook(vip):
    from loyalty.models import WebhookEndpoint

    WebhookEndpoint.objects.create(shop=vip, url="http://127.0.0.1:9/hook", events=["membership.changed"])
    member = customer(vip)
    membership = pay(vip, member).membership
    memberships_renew(as_of=membership.ends_at)
    assert WebhookDelivery.objects.filter(event="membership.changed").count() == 2


def test_monthly_renewals_from_the_31st_follow_month_ends_without_drifting(vip):
    """Bought at 23:30 on 31 January 2032 in Hanoi (16:30 UTC): paid months end on 29 February (a leap year),
    31 March and 30 April at 23:30 local time — counted from the cycle's start, not from each clamped end."""
    start = datetime(2032, 1, 31, 23, 30, tzinfo=vip.tz)
    member = customer(vip, at=start)
    ends = []
    for month in range(3):
        at = start + timedelta(days=month * 28)
        ends.append(local(vip, pay(vip, member, "box", "199000", at=at).membership.ends_at))
    assert ends == [datetime(2032, 2, 29, 23, 30, tzinfo=vip.tz), datetime(2032, 3, 31, 23, 30, tzinfo=vip.tz),
                    datetime(2032, 4, 30, 23, 30, tzinfo=vip.tz)]  # fmt: skip


def test_a_year_from_29_february_ends_on_28_february_and_the_leap_day_comes_back(vip):
    start = datetime(2032, 2, 29, 9, 0, tzinfo=vip.tz)
    member = customer(vip, at=start)
    ends = [local(vip, pay(vip, member, at=start + timedelta(days=k)).membership.ends_at) for k in range(4)]
    assert [e.date().isoformat() for e in ends] == ["2033-02-28", "2034-02-28", "2035-02-28", "2036-02-29"]


def test_a_monthly_membership_in_new_york_keeps_its_local_hour_across_the_clock_change(db):
    from loyalty.services.config import config_import

    from .conftest import vip_document

    shop = config_import(vip_document("ny-club", tz="America/New_York"))
    start = datetime(2031, 3, 1, 10, 0, tzinfo=shop.tz)  # before the clocks go forward on 9 March
    member = customer(shop, at=start)
    membership = pay(shop, member, "box", "199000", at=start).membership
    assert local(shop, membership.ends_at) == datetime(2031, 4, 1, 10, 0, tzinfo=shop.tz)
    elapsed = membership.ends_at.astimezone(UTC) - start.astimezone(UTC)
    assert elapsed == timedelta(days=31, hours=-1), "a month with a 23-hour day"
