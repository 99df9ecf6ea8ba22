"""The membership on the counter (the VIP badge, the discount, selling and renewing, a manager's cancellation), on
the member's card page, and the owners' portal pages (plans, revenue and churn, subscribers, CSV, roles)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loyalty.services.ledger import Actor, points_adjust
from memberships.models import Membership, MembershipPlan, Payment, Status
from tests.factories import StaffFactory, enrol

from .conftest import member_of, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(vip):
    return {role: StaffFactory(shop=vip, role=role).user for role in ("owner", "manager", "cashier")}


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def panel(client, member) -> str:
    response = client.get(reverse("counter:member", kwargs={"member_id": member.pk}))
    assert response.status_code == 200
    return response.content.decode()


def sell(client, member, plan="88vip", price="888", **fields):
    body = {"plan": plan, "price": price, "method": "cash", "idempotency_key": uuid.uuid4().hex, **fields}
    return client.post(reverse("memberships:counter_sell", kwargs={"member_id": member.pk}), body)


def test_the_counter_sells_a_plan_and_then_shows_the_vip_badge_and_discount(vip, staff):
    cashier = client_of(staff["cashier"])
    member = enrol(vip, name="Lan")
    page = panel(cashier, member)
    assert "Sell 88VIP for" in page and "data-vip-badge" not in page
    response = sell(cashier, member, reference="SLIP-1")
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.amount == Decimal("888") and payment.reference == "SLIP-1" and payment.staff == staff["cashier"]
    page = panel(cashier, member)
    assert "data-vip-badge" in page and "5 % member discount" in page and "Renew 88VIP for" in page


def test_a_price_that_changed_since_the_panel_was_shown_is_refused(vip, staff):
    cashier = client_of(staff["cashier"])
    member = enrol(vip)
    response = sell(cashier, member, price="88")  # the panel showed 88 when they had 1,000 points
    assert response.status_code == 302 and not Membership.objects.exists()
    follow = cashier.get(response.url)
    assert "The price changed to 888" in follow.content.decode()


def test_points_pay_part_of_the_price_at_the_counter(vip, staff):
    cashier = client_of(staff["cashier"])
    member = enrol(vip)
    points_adjust(account_id=member.account_id, actor=Actor(shop=vip), points=1500, reason="t", at=timezone.now())
    assert sell(cashier, member, price="88", points="50").status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.points, payment.points_value) == (Decimal("38"), 50, Decimal("50"))


def test_a_repeated_form_sells_once(vip, staff):
    cashier = client_of(staff["cashier"])
    member = enrol(vip)
    body = {"plan": "88vip", "price": "888", "method": "card", "idempotency_key": uuid.uuid4().hex}
    url = reverse("memberships:counter_sell", kwargs={"member_id": member.pk})
    cashier.post(url, body)
    cashier.post(url, body)
    assert Payment.objects.count() == 1


def test_only_a_manager_cancels_and_a_refund_ends_it_at_once(vip, staff):
    member = enrol(vip)
    pay(vip, member, at=timezone.now())
    url = reverse("memberships:counter_cancel", kwargs={"member_id": member.pk})
    body = {"how": "refund", "idempotency_key": uuid.uuid4().hex}
    client_of(staff["cashier"]).post(url, body)
    assert Membership.objects.get().status == Status.ACTIVE
    client_of(staff["manager"]).post(url, body | {"idempotency_key": uuid.uuid4().hex})
    membership = Membership.objects.get()
    assert membership.status == Status.CANCELLED and Payment.objects.get().refunded_amount > 0


def test_another_shops_member_is_404_at_the_counter(vip, staff, db):
    from loyalty.services.config import config_import

    from .conftest import vip_document

    other = config_import(vip_document("other-shop"))
    stranger = enrol(other)
    assert sell(client_of(staff["cashier"]), stranger).status_code == 404


def test_the_card_page_shows_the_plan_benefits_and_next_renewal(vip):
    from tests.member_site.conftest import signed_in

    member = enrol(vip, name="Lan", email="lan@example.com")
    phone = signed_in(member)
    url = reverse("member:shop", kwargs={"slug": vip.slug})
    before = phone.get(url).content.decode()
    assert "Join at the counter" in before and "888" in before
    pay(vip, member, at=timezone.now())
    page = phone.get(url).content.decode()
    assert "data-vip-badge" in page and "5 % off every purchase" in page and "Free delivery" in page
    assert "Next renewal" in page and "Renew at the counter" in page


def test_the_portal_shows_plans_members_revenue_and_subscribers(vip, staff):
    owner = client_of(staff["owner"])
    lan = enrol(vip, name="Lan")
    pay(vip, lan, at=timezone.now() - timedelta(days=1))
    page = owner.get(reverse("memberships:plans")).content.decode()
    assert "88VIP" in page and "Monthly box" in page and "Revenue and churn by month" in page
    csv = owner.get(reverse("memberships:plans") + "?export=csv").content.decode()
    assert "88VIP" in csv and "888" in csv
    plan = MembershipPlan.objects.get(shop=vip, code="88vip")
    detail = owner.get(reverse("memberships:plan", kwargs={"membership_plan_id": plan.pk})).content.decode()
    assert "Lan" in detail and "What members saved in the last 30 days" in detail
    assert client_of(staff["cashier"]).get(reverse("memberships:plans")).status_code == 403


def test_the_owner_adds_and_edits_a_plan(vip, staff):
    owner = client_of(staff["owner"])
    terms = {"name": "Gold club", "period": "month", "price": "99000", "trial_days": "0", "grace_days": "3",
             "discount_percent": "7", "points_multiplier": "1.5", "active": "on"}  # fmt: skip
    response = owner.post(reverse("memberships:plan_new"), terms | {"code": "gold-club"})
    assert response.status_code == 302
    plan = MembershipPlan.objects.get(shop=vip, code="gold-club")
    assert plan.prices == [{"price": "99000"}] and plan.discount_percent == Decimal("7")
    assert owner.post(reverse("memberships:plan_new"), terms | {"code": "gold-club"}).status_code == 422
    vip_plan = MembershipPlan.objects.get(shop=vip, code="88vip")
    edit = reverse("memberships:plan_edit", kwargs={"membership_plan_id": vip_plan.pk})
    assert owner.post(edit, terms | {"name": "88VIP", "period": "year", "price": "999"}).status_code == 302
    vip_plan.refresh_from_db()
    assert vip_plan.prices == [{"min_points": 1000, "price": "88"}, {"price": "999"}], "the points rule stays"


def test_a_free_trial_starts_at_the_counter_or_on_the_member_page_once(vip, staff):
    from tests.member_site.conftest import signed_in

    cashier = client_of(staff["cashier"])
    member = enrol(vip)
    assert "7-day free trial" in panel(cashier, member)
    cashier.post(reverse("memberships:counter_trial", kwargs={"member_id": member.pk}),
                 {"plan": "box", "idempotency_key": uuid.uuid4().hex})  # fmt: skip
    assert Membership.objects.get(member=member).status == Status.TRIAL
    assert "7-day free trial" not in panel(cashier, member)
    other = enrol(vip, email="trial@example.com")
    phone = signed_in(other)
    card = phone.get(reverse("member:shop", kwargs={"slug": vip.slug})).content.decode()
    assert 'data-trial-plan="box"' in card
    phone.post(
        reverse("memberships:trial", kwargs={"slug": vip.slug}), {"plan": "box", "idempotency_key": uuid.uuid4().hex}
    )
    assert Membership.objects.get(member=other).status == Status.TRIAL


def test_the_counter_panel_costs_the_same_queries_however_long_the_membership_history(vip, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from memberships.services.packs import pack_buy, pack_use

    cashier = client_of(staff["cashier"])
    short, long_ = enrol(vip), enrol(vip)
    pay(vip, short, "box", "199000", at=timezone.now())
    pack_buy(member=member_of(vip, short), pack_code="wash-10", amount_paid=Decimal("400000"))
    start = timezone.now() - timedelta(days=200)
    for month in range(6):
        pay(vip, long_, "box", "199000", at=start + timedelta(days=30 * month))
    pay(vip, long_, "box", "199000", at=timezone.now())
    for _ in range(3):
        bought = pack_buy(member=member_of(vip, long_), pack_code="wash-10", amount_paid=Decimal("400000"))
        pack_use(purchase=bought)

    def queries(member) -> int:
        panel(cashier, member)
        with CaptureQueriesContext(connection) as captured:
            panel(cashier, member)
        return len(captured)

    assert queries(short) == queries(long_)


def test_the_cancel_form_is_a_managers_and_the_portal_member_page_lists_payments(vip, staff):
    member = enrol(vip, name="Hoa")
    pay(vip, member, at=timezone.now(), reference="SLIP-42")
    assert "Cancel the membership" not in panel(client_of(staff["cashier"]), member)
    assert "Cancel the membership" in panel(client_of(staff["manager"]), member)
    page = client_of(staff["owner"]).get(reverse("portal:member", kwargs={"member_id": member.pk})).content.decode()
    assert 'id="member-membership"' in page and "SLIP-42" in page and "88VIP" in page
