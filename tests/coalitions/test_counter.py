"""A card number or a live QR issued at one coalition shop is recognised at the others, at the counter and by the
till API's lookup, which answers the member as the asking shop sees them: the shared balance, its own stamp cards,
and of the other shop's member nothing but the name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.errors import NotFound
from loyalty.models import Member, StaffMembership
from loyalty.services.config import config_import
from loyalty.services.members import card_block, member_card_number, member_lookup, qr_payload
from loyalty.services.purchases import purchase_record
from tests.factories import enrol
from tests.loyalty.documents import document, program
from tests.loyalty.test_api import Till

from .helpers import two_shops

pytestmark = pytest.mark.django_db
D = Decimal
STAMPS = {
    "code": "bread",
    "name": "Bread card",
    "stamps_required": 5,
    "per": "visit",
    "categories": [],
    "min_spend": "0",
    "cooldown_minutes": 0,
    "reward": None,
}


@pytest.fixture
def shops():
    return two_shops()


@pytest.fixture
def customer(shops):
    store, _brand = shops
    member = enrol(store, name="Lan", email="lan@example.com", birthday=None)
    purchase_record(shop=store, external_id="S1", amount=D("1000000"), member=member)
    return member


def test_a_card_number_issued_at_one_shop_finds_the_same_balance_at_the_other(shops, customer):
    _store, brand = shops
    seen = member_lookup(brand, member_card_number(customer))
    assert seen.shop == brand and seen.account_id == customer.account_id and seen.pk != customer.pk
    assert member_lookup(brand, member_card_number(customer)).pk == seen.pk, "enrolled once, then found"
    assert Member.objects.filter(shop=brand, phone=customer.phone).count() == 1


def test_a_live_qr_issued_at_one_shop_finds_the_member_at_the_other(shops, customer):
    _store, brand = shops
    seen = member_lookup(brand, qr_payload(customer))
    assert seen.shop == brand and seen.account_id == customer.account_id


def test_the_shop_that_issued_it_still_finds_its_own_member(shops, customer):
    store, _brand = shops
    assert member_lookup(store, member_card_number(customer)).pk == customer.pk
    assert member_lookup(store, qr_payload(customer)).pk == customer.pk


def test_a_shop_outside_the_coalition_does_not_recognise_the_card_or_qr(customer):
    other = config_import(document("c-other", program("10000")))
    for query in (member_card_number(customer), qr_payload(customer)):
        with pytest.raises(NotFound):
            member_lookup(other, query)
    assert not Member.objects.filter(shop=other).exists()


def test_a_blocked_card_is_not_recognised_anywhere(shops, customer):
    _store, brand = shops
    number = member_card_number(customer)
    card_block(card=customer.cards.get(number=number))
    with pytest.raises(NotFound):
        member_lookup(brand, number)


def test_a_card_of_another_account_with_the_same_phone_is_not_taken_for_the_shared_one(shops):
    """A shop outside the coalition gave the same phone its own card: that card is not the coalition's balance."""
    _store, brand = shops
    other = config_import(document("c-other", program("10000")))
    enrol(shops[0], phone="+84901234567")
    outsider = enrol(other, phone="+84901234567")
    with pytest.raises(NotFound):
        member_lookup(brand, member_card_number(outsider))


def test_the_other_shop_sees_only_the_name_of_the_member(shops, customer):
    _store, brand = shops
    seen = member_lookup(brand, member_card_number(customer))
    assert seen.name == "Lan" and seen.email == "" and seen.birthday is None
    assert seen.referral_code != customer.referral_code and member_card_number(seen) != member_card_number(customer)


def test_the_till_lookup_answers_the_asking_shops_member_with_the_shared_balance(shops, customer):
    _store, brand = shops
    answer = Till(brand).get("/members/lookup", q=member_card_number(customer))
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] != str(customer.pk) and body["email"] is None
    assert body["points"]["available"] == 100
    assert body["card_number"] != member_card_number(customer)
    assert customer.referral_code not in answer.content.decode()
    assert body["coalition"] == {
        "code": "c-club",
        "name": "Club",
        "points_name": "hearts",
        "shops": ["c-store", "c-brand"],
    }


def test_a_shop_outside_a_coalition_answers_no_coalition():
    shop = config_import(document("alone", program("10000")))
    member = enrol(shop)
    body = Till(shop).get("/members/lookup", q=member.phone).json()
    assert body["coalition"] is None and body["points"]["available"] == 0


def test_each_shop_shows_its_own_stamp_cards_on_the_shared_account():
    store = config_import(document("s-store", program("10000")))
    bakery = config_import(document("s-bakery", program("10000", stamp_cards=[STAMPS])))
    from loyalty.services.config import document_import

    terms = {"cost_per_point": "100", "reimbursement_per_point": "90"}
    document_import(
        {
            "coalition": {
                "code": "s-club",
                "name": "Club",
                "currency": "VND",
                "members": [{"merchant": "s-store", **terms}, {"merchant": "s-bakery", **terms}],
            }
        }
    )
    customer = enrol(store)
    at_bakery = member_lookup(bakery, customer.phone)
    purchase_record(shop=bakery, external_id="B1", amount=D("50000"), member=at_bakery)
    bakery_answer = Till(bakery).get("/members/lookup", q=member_card_number(customer)).json()
    store_answer = Till(store).get("/members/lookup", q=customer.phone).json()
    assert bakery_answer["stamps"] == [{"card": "bread", "count": 1, "required": 5}]
    assert store_answer["stamps"] == []


def test_the_counter_finds_the_other_shops_card(shops, customer, client):
    _store, brand = shops
    from tests.factories import UserFactory

    cashier = UserFactory()
    StaffMembership.objects.create(shop=brand, user=cashier, role="cashier")
    client.force_login(cashier)
    response = client.get("/counter/scan/", {"q": member_card_number(customer)}, follow=True)
    seen = Member.objects.get(shop=brand, phone=customer.phone)
    assert response.status_code == 200 and f"/counter/members/{seen.pk}/" in response.redirect_chain[-1][0]
