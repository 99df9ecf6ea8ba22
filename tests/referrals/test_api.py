"""The till API's side of referrals (pos-api.md): enrolling with `referral_code` (any case and spacing; unknown:
422 invalid_referral_code), GET /members/{id}/referrals, and a referral code with a partner code on one
enrolment (both apply)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.models import Member
from loyalty.services.api_keys import api_key_create
from loyalty.services.config import config_import
from partners.models import Binding
from tests.till import TillClient

from .conftest import approve, referral_document


class Till:
    def __init__(self, shop, role="cashier"):
        _key, raw = api_key_create(shop=shop, role=role)
        self.client, self.auth = TillClient(), f"Bearer {raw}"

    def post(self, path, body):
        return self.client.post(
            f"/api/v1{path}", data=json.dumps(body), content_type="application/json",
            HTTP_AUTHORIZATION=self.auth, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )  # fmt: skip

    def get(self, path):
        return self.client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=self.auth)


@pytest.fixture
def shop(db):
    doc = referral_document("till-shop")
    doc["partners"] = {
        "plans": [{"code": "aff", "kind": "recurring", "percent": "10"}],
        "partners": [{"code": "BLOG-ANH", "name": "Anh", "plan": "aff"}],
    }
    return config_import(doc)


@pytest.fixture
def till(shop):
    return Till(shop)


def test_enrolling_with_a_code_in_any_case_lists_the_friend_on_the_referrers_referrals(till):
    referrer = till.post("/members", {"phone": "0912000001", "name": "Linh"}).json()
    assert referrer["referral_code"]
    spaced = " ".join(referrer["referral_code"].lower())
    friend = till.post("/members", {"phone": "0912000002", "referral_code": spaced})
    assert friend.status_code == 201
    assert "welcome-10" in {v["reward"] for v in friend.json()["vouchers"]}
    listed = till.get(f"/members/{referrer['id']}/referrals")
    assert listed.status_code == 200
    [row] = listed.json()
    assert (row["member"], row["status"]) == (friend.json()["id"], "signed_up") and row["created_at"]


def test_an_unknown_code_is_422_and_enrols_no_one(till, shop):
    refused = till.post("/members", {"phone": "0912000003", "referral_code": "NOPE99"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_referral_code"
    assert not Member.objects.filter(shop=shop).exists()


def test_a_referral_code_and_a_partner_code_both_apply(till, shop):
    referrer = till.post("/members", {"phone": "0912000004"}).json()
    body = {"phone": "0912000005", "referral_code": referrer["referral_code"], "partner_code": "blog anh"}
    friend = till.post("/members", body)
    assert friend.status_code == 201
    assert Binding.objects.filter(member_id=friend.json()["id"], partner__code="BLOG-ANH").exists()
    assert till.get(f"/members/{referrer['id']}/referrals").json()[0]["member"] == friend.json()["id"]


def test_the_referrals_of_another_shops_member_are_404(till, db):
    other = config_import(referral_document("other-shop"))
    stranger = Till(other).post("/members", {"phone": "0912000006"}).json()
    response = till.get(f"/members/{stranger['id']}/referrals")
    assert response.status_code == 404 and response.json()["error"]["code"] == "member_not_found"
    assert till.get("/members/not-an-id/referrals").status_code == 404


def test_a_first_purchase_from_the_till_converts_and_the_job_approves(till, shop):
    referrer = till.post("/members", {"phone": "0912000007"}).json()
    friend = till.post("/members", {"phone": "0912000008", "referral_code": referrer["referral_code"]}).json()
    bought = (timezone.now() - timedelta(days=15)).isoformat()
    sale = till.post(
        "/purchases", {"external_id": "R-1", "amount": "100000", "member": friend["id"], "occurred_at": bought}
    )
    assert sale.status_code == 201
    assert till.get(f"/members/{referrer['id']}/referrals").json()[0]["status"] == "purchased"
    approve(timezone.now())
    [row] = till.get(f"/members/{referrer['id']}/referrals").json()
    assert row["status"] == "approved" and row["approved_at"]
