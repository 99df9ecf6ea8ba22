"""A card number that belongs to another shop (its member's card, or a card it printed and has not attached yet)
cannot be taken: enrolling with it through the till API answers the declared 409 `card_in_use`
(shared/spec/pos-api.md), the counter and the portal refuse it with their own words, and none of them tells
anything of the other shop's member (name, phone, id) or creates a member. Card numbers are one space across
shops, so the refusal is the one a card of another member of the caller's own shop gets."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from loyalty.models import Card, Member
from loyalty.services.api_keys import api_key_create
from loyalty.services.printing import card_batch_print
from tests.factories import ProgramFactory, StaffFactory, enrol
from tests.till import TillClient

SECRET_NAME, SECRET_PHONE = "Elsewhere Secretname", "+84909876543"


@pytest.fixture
def shops(db):
    here, there = ProgramFactory().shop, ProgramFactory().shop
    theirs = enrol(there, name=SECRET_NAME, phone=SECRET_PHONE)
    return here, there, theirs


def other_cards(there, theirs) -> dict[str, str]:
    """The other shop's member's card and one it printed and has not given out yet."""
    printed = card_batch_print(shop=there, count=1)
    return {"attached": theirs.cards.get().number, "printed": printed.cards[0].number}


def leaks(text: str, theirs) -> list[str]:
    return [s for s in (SECRET_NAME, "Secretname", SECRET_PHONE, "909876543") if s in text]


@pytest.mark.parametrize("which", ["attached", "printed"])
def test_the_api_answers_card_in_use_for_another_shops_card_and_tells_nothing_of_it(shops, which):
    """Fails (201, a member enrolled with the other shop's card, or 422/500) if card_attach looked the number up
    in the caller's shop only (`Card.objects.filter(shop=member.shop, number=…)`), or if the answer named the
    card's holder."""
    here, there, theirs = shops
    number = other_cards(there, theirs)[which]
    till = TillClient(HTTP_AUTHORIZATION=f"Bearer {api_key_create(shop=here, role='cashier')[1]}")

    response = till.post(
        "/api/v1/members",
        data=json.dumps({"phone": "0912345678", "name": "Newcomer", "card_number": number}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "card_in_use" and error.get("fields") == {"card_number": "in use"}
    assert leaks(response.content.decode(), theirs) == []
    assert not Member.objects.filter(shop=here).exists(), "the enrolment rolled back whole"
    card = Card.objects.get(number=number)
    assert (card.shop_id, card.member_id) == (there.pk, theirs.pk if which == "attached" else None)


def test_the_counter_refuses_another_shops_card_with_its_words_and_tells_nothing_of_it(shops):
    """Fails (a redirect to a new member, or the other member's name on the page) if the counter's enrolment
    took the card or showed who holds it."""
    here, there, theirs = shops
    number = other_cards(there, theirs)["attached"]
    counter = Client()
    counter.force_login(StaffFactory(shop=here, role="cashier").user)

    response = counter.post(
        reverse("counter:enrol"),
        {"idempotency_key": uuid.uuid4().hex, "phone": "0912345678", "name": "Newcomer", "card_number": number},
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "This card belongs to another member." in page
    assert leaks(page, theirs) == []
    assert not Member.objects.filter(shop=here).exists()


def test_the_portal_refuses_to_attach_another_shops_card_and_tells_nothing_of_it(shops):
    """Fails if the portal's card form attached the other shop's card to this shop's member."""
    here, there, theirs = shops
    number = other_cards(there, theirs)["attached"]
    mine = enrol(here, name="Mine")
    portal = Client()
    portal.force_login(StaffFactory(shop=here, role="manager").user)

    response = portal.post(reverse("portal:member_card_attach", args=[mine.pk]), {"card_number": number})

    page = response.content.decode()
    assert "This card belongs to another member" in page
    assert leaks(page, theirs) == []
    assert Card.objects.get(number=number).member_id == theirs.pk
