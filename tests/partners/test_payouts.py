"""Payout statements through the services and the till API: the whole balance, at least min_payout, lines that
sum to the amount, paid once with a reference, or as store credit into the partner's own wallet."""

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.errors import ValidationFailed
from loyalty.models import Account, WalletEntry
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from partners.errors import BelowMinPayout, PayoutPaid
from partners.models import Commission, CommissionStatus, PayoutMethod
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create, payout_mark_paid, payout_pay_store_credit
from partners.services.programs import payout_details_update
from tests.factories import enrol

from .conftest import T0, buy, customer, partner, partner_of, plan, refund, usd_document, vnd_document
from .helpers import Till, error_code

D = Decimal
LATER = T0 + timedelta(days=40)


@pytest.fixture
def earned(courses):
    """Two approved sales (30.00 and 22.50) and one still held (3.00)."""
    member = customer(courses)
    buy(courses, member, "100.00")
    buy(courses, member, "75.00", at=T0 + timedelta(hours=1))
    buy(courses, member, "10.00", at=LATER, now=LATER)
    commissions_approve(as_of=LATER)
    return courses


def test_a_statement_pays_the_whole_approved_balance_and_its_lines_sum_to_it(earned):
    payout = payout_create(partner=partner_of(earned), at=LATER)
    assert payout.amount == D("52.50") and payout.number == 1 and payout.label == "PO000001"
    assert sum(line.amount for line in payout.lines.all()) == payout.amount
    assert Commission.objects.filter(payout__isnull=True, status=CommissionStatus.PENDING).count() == 1
    with pytest.raises(BelowMinPayout) as nothing_left:
        payout_create(partner=partner_of(earned), at=LATER)
    assert nothing_left.value.fields == {"balance": "0.00"}


def test_marking_paid_pays_its_commissions_once(earned):
    payout = payout_create(partner=partner_of(earned), at=LATER)
    payout = payout_mark_paid(payout=payout, reference="wire 8841", at=LATER)
    assert set(payout.lines.values_list("status", flat=True)) == {CommissionStatus.PAID}
    assert (payout.status, payout.reference, payout.method) == ("paid", "wire 8841", "bank_transfer")
    with pytest.raises(PayoutPaid):
        payout_mark_paid(payout=payout, reference="again", at=LATER)
    with pytest.raises(ValidationFailed):
        payout_mark_paid(payout=payout_create_or_none(earned), reference=" ", at=LATER)


def payout_create_or_none(shop):
    buy(shop, customer(shop), "1.00", at=LATER, now=LATER)
    commissions_approve(as_of=LATER + timedelta(days=40))
    return payout_create(partner=partner_of(shop), at=LATER + timedelta(days=40))


def test_a_balance_below_the_plans_minimum_makes_no_statement(db):
    shop = config_import(usd_document("minimum", plans=[plan(hold_days=0, min_payout="50.00")]))
    member = customer(shop)
    buy(shop, member, "100.00")
    commissions_approve(as_of=T0)
    with pytest.raises(BelowMinPayout) as below:
        payout_create(partner=partner_of(shop), at=T0)
    assert below.value.fields == {"balance": "30.00"}
    buy(shop, member, "100.00")
    commissions_approve(as_of=T0)
    assert payout_create(partner=partner_of(shop), at=T0).amount == D("60.00")


def test_statement_numbers_follow_each_other_in_a_shop(earned):
    first = payout_create(partner=partner_of(earned), at=LATER)
    assert payout_create_or_none(earned).number == first.number + 1


def test_a_partner_who_is_a_member_can_be_paid_in_store_credit(db):
    shop = config_import(
        vnd_document("credit", plans=[plan("ban", percent="10", hold_days=0)], partners=[partner("ANH", "ban")])
    )
    anh = partner_of(shop, "ANH")
    own = enrol(shop, phone="0906 777 888")
    anh.phone = own.phone
    anh.save(update_fields=["phone"])
    payout_details_update(partner=anh, payout_method=PayoutMethod.STORE_CREDIT)
    buy(shop, customer(shop, partner_code="ANH"), "250000")
    commissions_approve(as_of=T0)
    payout = payout_create(partner=anh, at=T0)
    payout = payout_pay_store_credit(payout=payout, at=T0)
    assert Account.objects.get(pk=own.account_id).wallet_balance == D("25000")
    entry = WalletEntry.objects.get(account_id=own.account_id)
    assert (entry.kind, entry.amount, entry.reason) == ("credit", D("25000"), "partner payout PO000001")
    assert (payout.status, payout.method) == ("paid", "store_credit")
    with pytest.raises(PayoutPaid):
        payout_pay_store_credit(payout=payout, at=T0)
    assert WalletEntry.objects.filter(account_id=own.account_id).count() == 1
    assert ledger_violations() == []


def test_store_credit_needs_the_partner_to_be_a_member(pho):
    buy(pho, customer(pho, partner_code="BLOGANH"), "600000")
    commissions_approve(as_of=T0 + timedelta(days=14))
    payout = payout_create(partner=partner_of(pho, "BLOG-ANH"), at=T0 + timedelta(days=14))
    with pytest.raises(ValidationFailed) as refused:
        payout_pay_store_credit(payout=payout)
    assert refused.value.code == "partner_not_member"
    payout.refresh_from_db()
    assert payout.status == "open"


# ---------------------------------------------------------------- the till API


def test_the_partner_report_and_payouts_through_the_api(earned):
    manager = Till(earned)
    report = manager.get("/partners/kaj30")
    assert report.status_code == 200
    assert report.json() == {
        "code": "KAJ30",
        "name": "Course Creators Co",
        "customers": 1,
        "commissions": {"pending": "3.00", "approved": "52.50", "paid": "0.00", "balance": "52.50"},
    }
    made = manager.post("/partners/KAJ30/payouts")
    assert made.status_code == 201, made.content
    payout = made.json()["payout"]
    assert (payout["amount"], payout["status"], payout["paid_at"], payout["number"]) == (
        "52.50",
        "open",
        None,
        "PO000001",
    )
    assert sorted(line["amount"] for line in payout["lines"]) == ["22.50", "30.00"]
    assert manager.get("/partners/KAJ30").json()["commissions"]["balance"] == "0.00"
    again = manager.post("/partners/KAJ30/payouts")
    assert again.status_code == 409 and error_code(again) == "below_min_payout"
    assert again.json()["error"]["fields"] == {"balance": "0.00"}

    paid = manager.post(f"/payouts/{payout['id']}/paid", {"reference": "bank transfer 8841"}, idem="pay-1")
    assert paid.status_code == 200 and paid.json()["payout"]["status"] == "paid"
    assert paid.json()["payout"]["reference"] == "bank transfer 8841"
    replay = manager.post(f"/payouts/{payout['id']}/paid", {"reference": "bank transfer 8841"}, idem="pay-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    twice = manager.post(f"/payouts/{payout['id']}/paid", {"reference": "bank transfer 8841"})
    assert twice.status_code == 409 and error_code(twice) == "payout_paid"
    assert manager.get("/partners/KAJ30").json()["commissions"]["paid"] == "52.50"


def test_the_partner_endpoints_need_a_manager_key_and_the_shops_own_objects(earned, pho):
    cashier = Till(earned, role="cashier")
    assert cashier.get("/partners/KAJ30").status_code == 403
    assert cashier.post("/partners/KAJ30/payouts").status_code == 403
    other = Till(pho)
    missing = other.get("/partners/KAJ30")
    assert missing.status_code == 404 and error_code(missing) == "partner_not_found"
    payout = payout_create(partner=partner_of(earned), at=LATER)
    foreign = other.post(f"/payouts/{payout.pk}/paid", {"reference": "x"})
    assert foreign.status_code == 404 and error_code(foreign) == "payout_not_found"
    assert other.post("/payouts/nonsense/paid", {"reference": "x"}).status_code == 404
    assert Till(earned).post(f"/payouts/{payout.pk}/paid", {}).status_code == 422


def test_a_replayed_purchase_or_refund_changes_no_commission(courses):
    till = Till(courses, role="cashier")
    member = customer(courses)
    body = {"external_id": "R-1", "amount": "100.00", "member": str(member.pk)}
    first = till.post("/purchases", body, idem="buy-1")
    assert till.post("/purchases", body, idem="buy-1")["Idempotent-Replayed"] == "true"
    assert till.post("/purchases", body, idem="buy-2").status_code == 409  # duplicate_purchase
    back = {"amount": "40.00", "external_id": "RF-1"}
    purchase = first.json()["id"]
    assert till.post(f"/purchases/{purchase}/refunds", back, idem="back-1").status_code == 201
    assert till.post(f"/purchases/{purchase}/refunds", back, idem="back-1")["Idempotent-Replayed"] == "true"
    assert till.post(f"/purchases/{purchase}/refunds", back, idem="back-2").status_code == 409  # duplicate_refund
    sale = Commission.objects.get(purchase_id=purchase)
    assert Commission.objects.count() == 1 and sale.amount == D("18.00") and sale.refunded == D("40.00")


def test_an_unknown_partner_code_on_a_purchase_is_a_422_and_records_nothing(courses):
    till = Till(courses, role="cashier")
    member = customer(courses, partner_code="")
    body = {"external_id": "R-9", "amount": "10.00", "member": str(member.pk), "partner_code": "NOPE"}
    refused = till.post("/purchases", body)
    assert refused.status_code == 422 and error_code(refused) == "invalid_partner_code"
    assert not member.purchases.exists()


def test_refunds_then_a_payout_are_exact_to_the_cent(courses):
    sale = buy(courses, customer(courses), "99.99")
    refund(courses, sale, "33.33")
    commissions_approve(as_of=T0 + timedelta(days=37))
    assert payout_create(partner=partner_of(courses), at=LATER).amount == D("20.00")  # 66.66 × 30% = 19.998
