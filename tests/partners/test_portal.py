"""The owners' partner pages: the partner report with its CSV, partners and plans added and edited, commissions and
payouts filtered and exported, a statement with its VietQR code, paid by transfer or as store credit, the
member page's partner, and the roles that may open them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from loyalty.models import Account
from partners.models import Partner, PayoutStatus, Plan
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create
from tests.factories import StaffFactory, enrol

from .conftest import T0, buy, customer, partner_of

D = Decimal


@pytest.fixture
def staff(pho):
    return {role: StaffFactory(shop=pho, role=role).user for role in ("owner", "manager", "cashier")}


@pytest.fixture
def owner(staff):
    client = Client()
    client.force_login(staff["owner"])
    return client


@pytest.fixture
def history(pho):
    """Two customers of BLOG-ANH: 100,000 and 400,000 paid, approved; a third sale of 80,000 still held."""
    anh = partner_of(pho, "BLOG-ANH")
    lan, minh = customer(pho, partner_code="BLOGANH", name="Trần Thị Lan"), customer(pho, partner_code="BLOGANH")
    buy(pho, lan, "100000")
    buy(pho, minh, "400000", at=T0 + timedelta(hours=1))
    commissions_approve(as_of=T0 + timedelta(days=14, hours=2))
    buy(pho, lan, "80000", at=T0 + timedelta(days=15), now=T0 + timedelta(days=15))
    return anh


def test_the_partner_report_shows_each_partners_figures_and_exports_them(owner, history):
    page = owner.get(reverse("partners:partners"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Anh ăn gì" in html and "BLOG-ANH" in html
    csv = owner.get(reverse("partners:partners"), {"export": "csv"}).content.decode("utf-8").splitlines()
    assert csv[0].split(",")[:3] == ["Partner", "Code", "Plan"]
    assert csv[1].split(",") == ["Anh ăn gì", "BLOG-ANH", "ban", "2", "580000", "8000", "50000", "0", "50000", "True"]


def test_the_report_counts_in_one_query_whatever_the_history(owner, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert owner.get(reverse("partners:partners")).status_code == 200


def test_a_manager_adds_a_plan_and_a_partner_and_a_cashier_sees_none_of_it(staff, pho):
    manager = Client()
    manager.force_login(staff["manager"])
    made = manager.post(
        reverse("partners:plans"),
        {"code": "gym", "kind": "one_time", "percent": "25", "hold_days": "7", "min_payout": "0", "cookie_days": "30",
         "levels": "5 30\n10 35"},
    )  # fmt: skip
    assert made.status_code == 302, made.content
    gym = Plan.objects.get(shop=pho, code="gym")
    assert gym.levels == [{"sales": 5, "percent": "30"}, {"sales": 10, "percent": "35"}]
    added = manager.post(
        reverse("partners:partner_new"),
        {"code": "GYM-1", "name": "Gym next door", "plan": gym.pk, "phone": "0907 111 222",
         "payout_method": "other", "payout_details": "cash"},
    )  # fmt: skip
    assert added.status_code == 302
    assert Partner.objects.get(shop=pho, key="GYM1").phone == "+84907111222"
    clash = manager.post(
        reverse("partners:partner_new"), {"code": "gym1", "name": "Again", "plan": gym.pk, "payout_method": "other"}
    )
    assert clash.status_code == 422 and "another partner has this code" in clash.content.decode()

    cashier = Client()
    cashier.force_login(staff["cashier"])
    assert cashier.get(reverse("partners:partners")).status_code == 403
    assert "Partners" not in cashier.get(reverse("portal:home")).content.decode()
    assert reverse("partners:partners") in manager.get(reverse("portal:home")).content.decode()


def test_a_bad_level_line_is_shown_beside_the_field(owner, pho):
    refused = owner.post(
        reverse("partners:plans"),
        {"code": "x", "kind": "recurring", "percent": "10", "hold_days": "0", "min_payout": "0", "cookie_days": "1",
         "levels": "five 30"},
    )  # fmt: skip
    assert refused.status_code == 422 and "a sale number and a percent" in refused.content.decode()


def test_commissions_are_filtered_by_status_and_exported(owner, history):
    pending = owner.get(reverse("partners:commissions"), {"status": "pending"})
    assert pending.status_code == 200 and pending.context["table"].paginator.count == 1
    rows = owner.get(reverse("partners:commissions"), {"export": "csv"}).content.decode().splitlines()
    assert len(rows) == 4 and rows[0].startswith("When,Partner,Customer,Receipt")
    assert {row.split(",")[7] for row in rows[1:]} == {"10000", "40000", "8000"}
    partial = owner.get(reverse("partners:commissions"), {"status": "approved"}, HTTP_HX_REQUEST="true")
    assert b"commissions-results" in partial.content and b"<html" not in partial.content


def test_a_statement_shows_its_vietqr_and_is_marked_paid(owner, staff, history):
    history.bank_bin, history.bank_account, history.account_name = "970436", "0071000123456", "TRAN NGOC ANH"
    history.save()
    made = owner.post(reverse("partners:payout_new", kwargs={"partner_id": history.pk}))
    payout = history.payouts.get()
    assert made["Location"] == reverse("partners:payout", kwargs={"payout_id": payout.pk})
    page = owner.get(made["Location"]).content.decode()
    assert "50.000" in page or "50,000" in page
    assert "A00000072701270006970436011300710001234560208QRIBFTTA" in page and "540550000" in page
    qr = owner.get(reverse("partners:payout_qr", kwargs={"payout_id": payout.pk}))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    lines = owner.get(reverse("partners:payout", kwargs={"payout_id": payout.pk}), {"export": "csv"})
    assert lines.content.decode().splitlines()[1:] and "50000" not in lines.content.decode().splitlines()[0]
    paid = owner.post(reverse("partners:payout_paid", kwargs={"payout_id": payout.pk}), {"reference": "VCB 123"})
    assert paid.status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.reference, payout.paid_by) == (PayoutStatus.PAID, "VCB 123", staff["owner"])
    again = owner.post(reverse("partners:payout_paid", kwargs={"payout_id": payout.pk}), {"reference": "again"})
    assert again.status_code == 409


def test_a_statement_elsewhere_shows_the_partners_details_as_text(db, courses):
    from partners.services.programs import payout_details_update

    kaj = partner_of(courses)
    payout_details_update(partner=kaj, payout_method="bank_transfer", payout_details="IBAN DE89 3704 0044 0532 0130 00")
    buy(courses, customer(courses), "100.00")
    commissions_approve(as_of=T0 + timedelta(days=40))
    payout = payout_create(partner=kaj, at=T0 + timedelta(days=40))
    client = Client()
    client.force_login(StaffFactory(shop=courses, role="manager").user)
    page = client.get(reverse("partners:payout", kwargs={"payout_id": payout.pk})).content.decode()
    assert "IBAN DE89 3704 0044 0532 0130 00" in page and "data-vietqr" not in page
    assert client.get(reverse("partners:payout_qr", kwargs={"payout_id": payout.pk})).status_code == 404


def test_a_partner_who_is_a_member_is_paid_into_their_wallet_from_the_statement(owner, history, pho):
    own = enrol(pho, phone="0912 345 678")  # the partner's own phone (see vnd_document)
    history.phone = own.phone
    history.save(update_fields=["phone"])
    payout = payout_create(partner=history, at=T0 + timedelta(days=20))
    page = owner.get(reverse("partners:payout", kwargs={"payout_id": payout.pk})).content.decode()
    assert "Pay as store credit" in page
    owner.post(reverse("partners:payout_store_credit", kwargs={"payout_id": payout.pk}))
    assert Account.objects.get(pk=own.account_id).wallet_balance == D("50000")
    payout.refresh_from_db()
    assert payout.method == "store_credit" and payout.status == "paid"


def test_the_member_page_shows_the_members_partner(owner, history):
    lan = history.bindings.get(member__name="Trần Thị Lan").member
    page = owner.get(reverse("portal:member", kwargs={"member_id": lan.pk})).content.decode()
    assert 'id="member-partner"' in page and "Anh ăn gì" in page and "BLOG-ANH" in page
    stranger = enrol(lan.shop)
    assert (
        'id="member-partner"'
        not in owner.get(reverse("portal:member", kwargs={"member_id": stranger.pk})).content.decode()
    )


def test_the_partner_page_of_the_portal_offers_a_statement_only_when_one_can_be_made(owner, history):
    page = owner.get(reverse("partners:partner", kwargs={"partner_id": history.pk})).content.decode()
    assert "Make payout statement" in page and "Trần Thị Lan" in page
    payout_create(partner=history, at=T0 + timedelta(days=20))
    page = owner.get(reverse("partners:partner", kwargs={"partner_id": history.pk})).content.decode()
    assert "Make payout statement" not in page
    refused = owner.post(reverse("partners:payout_new", kwargs={"partner_id": history.pk}), follow=True)
    assert "The balance is 0" in refused.content.decode()


def test_a_partner_is_made_inactive_and_active_again(owner, history):
    url = reverse("partners:partner_active", kwargs={"partner_id": history.pk})
    owner.post(url, {"active": "0"})
    history.refresh_from_db()
    assert not history.active
    owner.post(url, {"active": "1"})
    history.refresh_from_db()
    assert history.active


def test_the_report_counts_sales_less_refunds_and_leaves_the_partners_own_purchases_out(history, pho):
    from partners.selectors import partner_report

    from .conftest import refund

    sale = history.commissions.get(base=D("400000")).purchase
    refund(pho, sale, "100000")
    own = customer(pho, partner_code="BLOGANH", email="elsewhere@example.com")
    own.email = "anh@example.com"  # the partner's own email, on a customer already bound
    own.save(update_fields=["email"])
    buy(pho, own, "70000")
    row = partner_report(pho).get(pk=history.pk)
    assert (row.customers, row.sales) == (3, D("480000"))
