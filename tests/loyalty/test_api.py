"""The till API (pos-api.md): auth and roles, the error shape, idempotency, members, purchases, quotes,
refunds, rewards, vouchers, events and the OpenAPI document."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import ApiKey, IdempotencyRecord, LedgerEntry, Purchase
from loyalty.services.api_keys import api_key_create, api_key_revoke
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from tests.factories import enrol, next_phone
from tests.till import TillClient as Client

from .documents import document, program, reward


class Till:
    def __init__(self, shop, role="cashier"):
        self.key, self.raw = api_key_create(shop=shop, role=role)
        self.client = Client()

    def headers(self, idem):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"}
        if idem is not False:
            headers["HTTP_IDEMPOTENCY_KEY"] = str(uuid.uuid4()) if idem is None else idem
        return headers

    def post(self, path, body=None, *, idem=None, raw=None):
        data = raw if raw is not None else json.dumps(body or {})
        return self.client.post(f"/api/v1{path}", data=data, content_type="application/json", **self.headers(idem))

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers(False))


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.fixture
def cafe(db):
    return config_import(
        document(
            "api-cafe",
            program(
                "40000",
                stamp_cards=[
                    {
                        "code": "coffee",
                        "name": "Coffee",
                        "stamps_required": 3,
                        "per": "item",
                        "categories": ["coffee"],
                        "reward": "free-coffee",
                    }
                ],
                cashback={"percent": "5"},
            ),
            rewards=[reward("free-coffee", "free_item", 2, "45000"), reward("last-mug", "gift", 1, "90000", stock=1)],
        )
    )


@pytest.fixture
def till(cafe):
    return Till(cafe)


@pytest.fixture
def manager_till(cafe):
    return Till(cafe, role="manager")


def test_no_key_or_a_wrong_or_revoked_key_is_401(till):
    anonymous = Client().get("/api/v1/members/lookup", {"q": "x"})
    assert anonymous.status_code == 401 and error_of(anonymous)["code"] == "unauthorized"
    wrong = Client().get("/api/v1/members/lookup", {"q": "x"}, HTTP_AUTHORIZATION="Bearer rk_nope")
    assert wrong.status_code == 401
    api_key_revoke(key=till.key)
    assert till.get("/members/lookup", q="x").status_code == 401


def test_keys_are_stored_hashed(till):
    stored = ApiKey.objects.get(pk=till.key.pk)
    assert till.raw not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


def test_a_cashier_key_cannot_adjust_points(till, cafe):
    member = enrol(cafe)
    response = till.post(f"/members/{member.pk}/adjustments", {"points": 5, "reason": "gift"})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_enrol_returns_the_member_and_a_duplicate_phone_is_409(till):
    phone = next_phone()
    created = till.post("/members", {"phone": phone.replace("+84", "0"), "name": "Lan", "birthday": "1990-03-12"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == phone and body["points"] == {
        "available": 0,
        "pending": 0,
        "lifetime_earned": 0,
        "expiring_next": None,
    }
    assert body["stamps"] == [{"card": "coffee", "count": 0, "required": 3}] and body["vouchers"] == []
    again = till.post("/members", {"phone": phone, "name": "Lan"})
    assert again.status_code == 409 and error_of(again)["code"] == "member_exists"
    assert error_of(again)["fields"]["member"] == body["id"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"phone": "not a phone"}, "invalid_phone", "phone"),
        ({"name": "No phone"}, "invalid_phone", "phone"),
        ({"phone": "0901234567", "birthday": "1990-13-01"}, "validation_error", "birthday"),
        ({"phone": "0901234567", "name": "x" * 201}, "validation_error", "name"),
        ({"phone": "0901234567", "colour": "blue"}, "validation_error", "colour"),
        ({"phone": "0901234567", "referral_code": "NOPE"}, "invalid_referral_code", "referral_code"),
    ],
)
def test_invalid_enrolments_are_422_with_the_field(till, body, code, field):
    response = till.post("/members", body)
    assert response.status_code == 422, response.content
    assert error_of(response)["code"] == code and field in error_of(response)["fields"]


def test_a_body_that_is_not_a_json_object_is_400(till):
    for raw in ("{not json", "[1, 2]", '"text"'):
        response = till.post("/members", raw=raw)
        assert response.status_code == 400 and error_of(response)["code"] == "invalid_json"


def test_a_nul_character_in_any_text_is_422_naming_the_field(till):
    """Found by the stateful fuzzer: PostgreSQL text cannot hold U+0000, so the write failed with a 500. Fails if
    the check in the idempotency middleware's body reading goes."""
    response = till.post("/members", {"phone": next_phone(), "name": "Linh\u0000"})
    assert response.status_code == 422 and error_of(response)["fields"] == {"name": "must not contain NUL characters"}
    nested = till.post("/purchases", {"external_id": "R-NUL", "amount": "1", "items": [{"sku": "a\u0000"}]})
    assert nested.status_code == 422 and "items[0].sku" in error_of(nested)["fields"]


def test_idempotency_key_required_and_validated(till):
    missing = till.post("/members", {"phone": next_phone()}, idem=False)
    assert missing.status_code == 400 and error_of(missing)["code"] == "idempotency_key_required"
    for bad in ("", "x" * 256, "naïve"):
        response = till.post("/members", {"phone": next_phone()}, idem=bad)
        assert response.status_code == 400 and error_of(response)["code"] == "idempotency_key_invalid", bad


def test_a_replay_returns_the_first_response_and_a_different_body_is_409(till, cafe):
    member = enrol(cafe)
    body = {"external_id": "R-1", "amount": "100000", "member": str(member.pk)}
    first = till.post("/purchases", body, idem="k-1")
    replay = till.post("/purchases", dict(reversed(body.items())), idem="k-1")
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    conflict = till.post("/purchases", {**body, "amount": "200000"}, idem="k-1")
    assert conflict.status_code == 409 and error_of(conflict)["code"] == "idempotency_conflict"
    assert Purchase.objects.count() == 1
    errors_replay = till.post("/purchases", body, idem="k-2")
    assert errors_replay.status_code == 409 and error_of(errors_replay)["code"] == "duplicate_purchase"
    assert till.post("/purchases", body, idem="k-2").json() == errors_replay.json()


def test_keys_are_scoped_to_the_shop(till, cafe):
    other = config_import(document("api-other", program("40000")))
    theirs = Till(other)
    mine = till.post("/members", {"phone": next_phone()}, idem="same-key")
    their = theirs.post("/members", {"phone": next_phone()}, idem="same-key")
    assert mine.status_code == their.status_code == 201 and mine.json()["id"] != their.json()["id"]


def test_old_idempotency_records_are_purged_after_30_days(till, cafe):
    from loyalty.services.idempotency import idempotency_purge

    till.post("/members", {"phone": next_phone()}, idem="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert idempotency_purge(as_of=timezone.now()) == 1


def test_another_shops_objects_are_404(till, cafe):
    other = config_import(document("api-foreign", program("40000")))
    foreign = enrol(other)
    assert till.get(f"/members/{foreign.pk}").status_code == 404
    assert error_of(till.get(f"/members/{foreign.pk}/ledger"))["code"] == "member_not_found"
    purchase = Till(other).post("/purchases", {"external_id": "F-1", "amount": "1000", "member": str(foreign.pk)})
    refund = till.post(f"/purchases/{purchase.json()['id']}/refunds", {"amount": "1000", "external_id": "F-RF"})
    assert refund.status_code == 404 and error_of(refund)["code"] == "purchase_not_found"
    body = till.post("/purchases", {"external_id": "F-2", "amount": "1000", "member": str(foreign.pk)})
    assert body.status_code == 404 and error_of(body)["code"] == "member_not_found"
    for path in ("/members/abc", "/members/99999999999999999999999", "/no-such-path"):
        assert till.get(path).status_code == 404


def test_purchase_with_items_points_wallet_and_a_voucher(till, cafe):
    member = enrol(cafe)
    first = till.post(
        "/purchases",
        {
            "external_id": "R-10",
            "amount": "400000",
            "member": str(member.pk),
            "items": [
                {"sku": "latte", "category": "coffee", "quantity": 3, "amount": "120000"},
                {"sku": "beans", "category": "beans", "amount": "280000"},
            ],
        },
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["points_earned"] == 10 and body["stamps_earned"] == [{"card": "coffee", "count": 3}]
    assert [v["reward"] for v in body["vouchers_issued"]] == ["free-coffee"] and body["explanation"]
    shown = till.get(f"/members/{member.pk}").json()
    assert shown["wallet"] == "20000" and shown["points"]["available"] == 10
    voucher = body["vouchers_issued"][0]["code"]
    second = till.post(
        "/purchases",
        {
            "external_id": "R-11",
            "amount": "40000",
            "member": str(member.pk),
            "points_redeemed": 4,
            "wallet_redeemed": "15000",
            "voucher_codes": [voucher],
        },
    )
    assert second.status_code == 201, second.content
    shown = till.get(f"/members/{member.pk}").json()
    assert shown["points"]["available"] == 7 and shown["wallet"] == "7000" and shown["vouchers"] == []
    used = till.post(
        "/purchases",
        {
            "external_id": "R-12",
            "amount": "1",
            "member": str(member.pk),
            "voucher_codes": [voucher.lower().replace("-", "")],
        },
    )
    assert used.status_code == 409 and error_of(used)["code"] == "voucher_used"
    short = till.post(
        "/purchases", {"external_id": "R-13", "amount": "1", "member": str(member.pk), "points_redeemed": 8}
    )
    assert short.status_code == 409 and error_of(short)["code"] == "insufficient_points"
    broke = till.post(
        "/purchases", {"external_id": "R-14", "amount": "1", "member": str(member.pk), "wallet_redeemed": "7001"}
    )
    assert broke.status_code == 409 and error_of(broke)["code"] == "insufficient_wallet"
    assert not Purchase.objects.filter(external_id__in=["R-12", "R-13", "R-14"]).exists()
    assert ledger_violations() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "ten thousand"}, "amount"),
        ({"amount": "100.5"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1000", "items": [{"category": "x", "amount": "999"}]}, "items"),
        ({"amount": "1000", "occurred_at": "2020-01-01T00:00:00+07:00"}, "occurred_at"),
        ({"amount": "1000", "occurred_at": "2099-01-01T00:00:00+07:00"}, "occurred_at"),
        ({"amount": "1000", "occurred_at": "2026-01-01T00:00:00"}, "occurred_at"),
        ({"amount": "1000", "occurred_at": "yesterday"}, "occurred_at"),
        ({"amount": "1000", "payment_method": "cheque"}, "payment_method"),
        ({"amount": "1000", "points_redeemed": -1}, "points_redeemed"),
    ],
)
def test_invalid_purchases_are_422_naming_the_field(till, body, field):
    response = till.post("/purchases", {"external_id": str(uuid.uuid4()), **body})
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]


def test_a_purchase_without_a_member_is_recorded_and_earns_nothing(till):
    response = till.post("/purchases", {"external_id": "ANON-1", "amount": "100000"})
    assert response.status_code == 201 and response.json()["points_earned"] == 0 and response.json()["member"] is None


def test_quote_changes_nothing_and_matches_the_purchase(till, cafe):
    member = enrol(cafe)
    till.post("/purchases", {"external_id": "Q-0", "amount": "80000", "member": str(member.pk)})
    before = LedgerEntry.objects.count()
    quote = till.post("/quotes", {"amount": "100000", "member_lookup": member.phone, "voucher_codes": ["NOPE-NOPE"]})
    assert quote.status_code == 200, quote.content
    body = quote.json()
    assert body["points_to_earn"] == 2 and body["points_available"] == 2 and body["points_value"] == "2000"
    assert body["wallet"] == "4000" and body["vouchers"] == [{"code": "NOPE-NOPE", "value": "0", "valid": False}]
    ten = config_import(
        document("api-ten", program("40000"), rewards=[reward("ten", "percent_off", 0, "10", max_discount="5000")])
    ).rewards.get()
    from rewards.services import voucher_issue

    issued = voucher_issue(reward=ten, member=enrol(ten.shop), source="manual")
    capped = (
        Till(ten.shop)
        .post("/quotes", {"amount": "80000", "member": str(issued.member_id), "voucher_codes": [issued.code]})
        .json()["vouchers"]
    )
    assert capped == [{"code": issued.code, "value": "5000", "valid": True}], "10% of 80,000 capped at 5,000"
    small = till.post("/quotes", {"amount": "1500", "member": str(member.pk)}).json()
    assert (small["points_available"], small["points_redeemable"], small["points_value"]) == (2, 1, "1000")
    assert LedgerEntry.objects.count() == before


def test_refunds_and_their_errors(till, cafe):
    member = enrol(cafe)
    bought = till.post("/purchases", {"external_id": "RF-0", "amount": "100000", "member": str(member.pk)}).json()
    path = f"/purchases/{bought['id']}/refunds"
    first = till.post(path, {"amount": "40000", "external_id": "RF-1"})
    assert first.status_code == 201 and first.json()["points_reversed"] == 1
    again = till.post(path, {"amount": "10000", "external_id": "RF-1"})
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_refund"
    over = till.post(path, {"amount": "60001", "external_id": "RF-2"})
    assert over.status_code == 409 and error_of(over)["code"] == "refund_exceeds_purchase"
    bad = till.post(path, {"amount": "abc", "external_id": "RF-3"})
    assert bad.status_code == 422


def test_a_reward_only_given_is_not_eligible_and_redeeming_it_is_409(till, cafe):
    from rewards.models import Reward

    Reward.objects.create(shop=cafe, code="birthday-cake", name="Cake", kind="gift", points=0, value=Decimal("1"))
    member = enrol(cafe)
    till.post("/purchases", {"external_id": "GO-1", "amount": "120000", "member": str(member.pk)})
    catalogue = {r["code"]: r for r in till.get("/rewards", member=str(member.pk)).json()}
    assert (catalogue["birthday-cake"]["eligible"], catalogue["birthday-cake"]["reason"]) == (False, "not_eligible")
    refused = till.post("/redemptions", {"member": str(member.pk), "reward": "birthday-cake"})
    assert refused.status_code == 409 and error_of(refused)["code"] == "not_eligible"
    assert error_of(refused)["message"] == "This reward is only given, never redeemed."
    assert till.get(f"/members/{member.pk}").json()["points"]["available"] == 3


def test_rewards_redemptions_and_vouchers(till, cafe):
    member = enrol(cafe)
    till.post("/purchases", {"external_id": "RW-0", "amount": "120000", "member": str(member.pk)})
    catalogue = {r["code"]: r for r in till.get("/rewards", member=str(member.pk)).json()}
    assert catalogue["free-coffee"]["eligible"] is True and catalogue["last-mug"]["eligible"] is True
    redeemed = till.post("/redemptions", {"member": str(member.pk), "reward": "free-coffee"})
    assert redeemed.status_code == 201 and redeemed.json()["points"]["available"] == 1
    code = redeemed.json()["voucher"]["code"]
    assert till.post("/redemptions", {"member": str(member.pk), "reward": "free-coffee"}).status_code == 409
    assert (
        error_of(till.post("/redemptions", {"member": str(member.pk), "reward": "nope"}))["code"] == "reward_not_found"
    )
    cancelled = till.post(f"/vouchers/{code}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert till.get(f"/members/{member.pk}").json()["points"]["available"] == 3
    assert error_of(till.post(f"/vouchers/{code}/use"))["code"] == "voucher_cancelled"
    mug = till.post("/redemptions", {"member": str(member.pk), "reward": "last-mug"}).json()["voucher"]["code"]
    other = enrol(cafe)
    till.post("/purchases", {"external_id": "RW-1", "amount": "40000", "member": str(other.pk)})
    gone = till.post("/redemptions", {"member": str(other.pk), "reward": "last-mug"})
    assert gone.status_code == 409 and error_of(gone)["code"] == "out_of_stock"
    used = till.post(f"/vouchers/{mug}/use", {})
    assert used.status_code == 200 and used.json()["status"] == "used"
    assert error_of(till.post(f"/vouchers/{mug}/use"))["code"] == "voucher_used"
    assert error_of(till.post("/vouchers/ZZZZ-ZZZZ/use"))["code"] == "voucher_not_found"


def test_adjustments_need_a_reason_and_cannot_overspend(manager_till, cafe):
    member = enrol(cafe)
    given = manager_till.post(f"/members/{member.pk}/adjustments", {"points": 5, "reason": "apology"})
    assert given.status_code == 201 and given.json()["points"]["available"] == 5
    assert given.json()["entry"]["kind"] == "adjust" and given.json()["entry"]["reason"] == "apology"
    assert manager_till.post(f"/members/{member.pk}/adjustments", {"points": 5}).status_code == 422
    assert manager_till.post(f"/members/{member.pk}/adjustments", {"points": 5, "reason": ""}).status_code == 422
    over = manager_till.post(f"/members/{member.pk}/adjustments", {"points": -6, "reason": "oops"})
    assert over.status_code == 409 and error_of(over)["code"] == "insufficient_points"
    ledger = manager_till.get(f"/members/{member.pk}/ledger").json()
    assert [(e["kind"], e["points"]) for e in ledger] == [("adjust", 5)]


def test_events_award_bonuses_within_limits(till, cafe):
    from loyalty.models import Bonus

    Bonus.objects.create(program=cafe.program, event="newsletter_signup", points=3)
    member = enrol(cafe)
    first = till.post("/events", {"member": str(member.pk), "event": "newsletter_signup"})
    assert first.status_code == 201 and first.json()["points_awarded"] == 3
    assert till.post("/events", {"member": str(member.pk), "event": "newsletter_signup"}).json()["points_awarded"] == 0


def test_the_rate_limit_is_per_key_and_answers_429(till, settings):
    settings.API_RATE_LIMIT = 2
    statuses = [till.get("/members/lookup", q="0").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    limited = till.get("/members/lookup", q="0")
    assert error_of(limited)["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1
    settings.API_RATE_LIMIT = 0
    assert till.get("/members/lookup", q="0").status_code == 404


def test_openapi_document_and_docs_are_served(db):
    document_ = Client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/members",
        "/api/v1/members/lookup",
        "/api/v1/purchases",
        "/api/v1/quotes",
        "/api/v1/purchases/{purchase_id}/refunds",
        "/api/v1/redemptions",
        "/api/v1/events",
    ):
        assert path in document_["paths"], path
    assert Client().get("/api/v1/docs").status_code == 200


def test_member_lookup_and_expiring_next(till, cafe):
    cafe.program.expiry_policy, cafe.program.expiry_days = "days_after_earn", 30
    cafe.program.save()
    member = enrol(cafe)
    till.post("/purchases", {"external_id": "EX-1", "amount": "80000", "member": str(member.pk)})
    shown = till.get("/members/lookup", q=member.phone).json()
    assert shown["points"]["expiring_next"]["points"] == 2
    assert Decimal(shown["discount_percent"]) == 0


def test_a_vouchers_qr_code_as_svg_and_png(till, cafe):
    from rewards.services import voucher_issue

    voucher = voucher_issue(reward=cafe.rewards.get(code="free-coffee"), member=enrol(cafe), source="manual")
    svg = till.get(f"/vouchers/{voucher.code}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = till.get(f"/vouchers/{voucher.code.lower()}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert till.get("/vouchers/ZZZZ-ZZZZ/qr.svg").status_code == 404
    assert till.get(f"/vouchers/{voucher.code}/qr.gif").status_code in (404, 422)
