"""Worked example 6 (88VIP) through the till API, as the contract check drives it: 88 for members with at least
1,000 available points, 888 for everyone else, 5% off and free delivery, the price fixed when the member pays."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.utils import timezone

from loyalty.hooks import benefits_for
from loyalty.models import Member
from loyalty.services.config import config_import
from tests.partners.helpers import Till, error_code

from .conftest import vip_document, vip_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    plan = vip_plan(grace_days=0)
    return config_import(vip_document("ex6", plans=[plan]))


def enrolled(till) -> str:
    response = till.post("/members", {"phone": f"+8490{uuid.uuid4().int % 10**7:07d}"})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def adjust(till, member: str, points: int):
    response = till.post(f"/members/{member}/adjustments", {"points": points, "reason": "example 6"})
    assert response.status_code == 201, response.content


def quoted(till, member: str) -> str:
    response = till.get("/memberships/quote", member=member, plan="88vip")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plan"] == "88vip" and body["currency"] == "VND"
    return body["price"]


def pay(till, member: str, amount: str, **extra):
    body = {"member": member, "plan": "88vip", "amount_paid": amount, "payment_reference": f"PAY-{uuid.uuid4().hex}"}
    return till.post("/memberships", body | extra)


def test_999_points_are_quoted_888_and_1000_are_quoted_88(shop):
    till = Till(shop)
    rich, short = enrolled(till), enrolled(till)
    adjust(till, rich, 1000)
    adjust(till, short, 999)
    assert quoted(till, rich) == "88"
    assert quoted(till, short) == "888"


def test_the_price_is_the_quote_at_the_moment_of_payment(shop):
    till = Till(shop)
    rich = enrolled(till)
    adjust(till, rich, 1000)
    assert quoted(till, rich) == "88"
    adjust(till, rich, -1)  # 999 now: the quote of a minute ago no longer holds
    changed = pay(till, rich, "88")
    assert changed.status_code == 409 and error_code(changed) == "price_changed"
    assert changed.json()["error"]["fields"]["price"] == "888"
    made = pay(till, rich, "888")
    assert made.status_code == 201, made.content
    membership = made.json()["membership"]
    assert membership["plan"] == "88vip" and membership["status"] == "active"
    length = datetime.fromisoformat(membership["ends_at"]) - datetime.fromisoformat(membership["starts_at"])
    assert 365 <= length.days <= 366


def test_a_member_gets_5_percent_off_and_free_delivery(shop):
    till = Till(shop)
    member = enrolled(till)
    before = till.get(f"/members/{member}").json()
    assert before["membership"] is None and before["discount_percent"] == "0"
    assert pay(till, member, "888").status_code == 201
    shown = till.get(f"/members/{member}").json()
    assert shown["membership"]["plan"] == "88vip" and shown["membership"]["status"] == "active"
    assert shown["discount_percent"] == "5"
    quote = till.post("/quotes", {"member": member, "amount": "100000"}).json()
    assert quote["member_discount_percent"] == "5" and quote["member_discount"] == "5000"
    benefits = benefits_for(
        Member.objects.select_related("account__tier", "shop__program").get(pk=member), timezone.now()
    )
    assert [b.free_delivery for b in benefits] == [True]


def test_bad_input_is_answered_never_500(shop):
    till = Till(shop)
    member = enrolled(till)
    assert error_code(till.get("/memberships/quote", member=member, plan="gold")) == "plan_not_found"
    assert till.get("/memberships/quote", member="999999", plan="88vip").status_code == 404
    assert error_code(pay(till, member, "-1")) in ("validation_error", "invalid_amount")
    assert pay(till, member, "abc").status_code == 422
    assert till.post("/memberships", {"member": member, "plan": "88vip"}).status_code in (400, 422)
    assert pay(till, "nobody", "888").status_code == 404
    assert pay(till, member, "888", points=-5).status_code in (400, 422)
    assert pay(till, member, "888", payment_method="cheque").status_code == 422


def test_a_payment_reference_is_one_charge(shop):
    till = Till(shop)
    member = enrolled(till)
    first = pay(till, member, "888", payment_reference="BANK-1")
    assert first.status_code == 201
    again = pay(till, member, "888", payment_reference="BANK-1")  # another idempotency key, the same charge
    assert again.status_code == 409 and error_code(again) == "duplicate_payment"


def test_a_till_sells_a_pack_and_uses_it_until_none_is_left(db):
    from loyalty.services.config import config_import as imported

    from .conftest import WASH_PACK

    document = vip_document("till-packs")
    document["packs"] = [WASH_PACK | {"uses": 2}]
    till = Till(imported(document), role="cashier")
    member = enrolled(till)
    sold = till.post("/packs", {"member": member, "pack": "wash-10", "amount_paid": "400000", "payment_method": "card"})
    assert sold.status_code == 201, sold.content
    pack = sold.json()["pack"]
    assert (pack["uses"], pack["remaining"]) == (2, 2)
    assert till.post(f"/packs/{pack['id']}/uses").json()["pack"]["remaining"] == 1
    assert till.post(f"/packs/{pack['id']}/uses").status_code == 201
    spent = till.post(f"/packs/{pack['id']}/uses")
    assert spent.status_code == 409 and error_code(spent) == "nothing_left"
    assert till.get(f"/members/{member}/packs").json() == []
    assert error_code(till.post("/packs/999999/uses")) == "pack_not_found"
    assert error_code(till.post("/packs/abc/uses")) == "pack_not_found"
    assert error_code(till.post("/packs/%C2%B2/uses")) == "pack_not_found", "a superscript two is a digit to Python"
    assert till.post("/packs", {"member": member, "pack": "wash-10", "amount_paid": "1"}).status_code == 409
