"""The coalition's page (/c/<code>/): its shops, the shared points, and joining once for all of them through the
join page's form (bot checks, consent, rate limits); the member's card names the coalition and its shops."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalitions.pages import member_card
from loyalty.member_site.join import join_token
from loyalty.models import Member
from loyalty.services.config import config_import, document_import
from loyalty.services.members import member_lookup
from tests.factories import enrol
from tests.loyalty.documents import document, program
from tests.member_site.conftest import signed_in

from .helpers import two_shops

pytestmark = pytest.mark.django_db
URL = "/c/c-club/"


@pytest.fixture
def shops():
    return two_shops()


def form(shop, **fields) -> dict:
    data = {"phone": "0901234567", "name": "Lan", "birthday": "", "token": join_token(shop, issued_at=time.time() - 10)}
    data.update(fields)
    return data


def test_the_page_lists_the_shops_and_the_points_they_share(client, shops):
    store, brand = shops
    page = client.get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert store.name in text and brand.name in text and "hearts" in text
    assert 'name="phone"' in text and 'name="website"' in text and 'name="token"' in text
    assert f"/s/{store.slug}/" in text and "Main" in text  # each shop's own page and its location


def test_joining_once_enrols_at_the_first_shop_and_every_shop_knows_the_phone(client, shops):
    store, brand = shops
    response = client.post(URL, form(store, marketing_consent="on"))
    assert response.status_code == 302 and response["Location"] == f"/m/{store.slug}/"
    member = Member.objects.get(shop=store)
    assert member.marketing_consent and member.consent_source == "join_page"
    seen = member_lookup(brand, "0901234567")
    assert seen.account_id == member.account_id
    card = client.get(f"/m/{store.slug}/").content.decode()
    assert "data-coalition-shops" in card and brand.name in card


def test_a_phone_already_enrolled_at_another_shop_joins_on_its_balance(client, shops):
    store, brand = shops
    earlier = enrol(brand, phone="+84901234567")
    assert client.post(URL, form(store)).status_code == 302
    assert Member.objects.get(shop=store).account_id == earlier.account_id


def test_bots_are_refused_and_nothing_is_enrolled(client, shops):
    store, _brand = shops
    assert client.post(URL, form(store, website="http://spam")).status_code == 400
    assert client.post(URL, form(store, token=join_token(store))).status_code == 400
    assert not Member.objects.exists()


def test_joining_is_rate_limited_like_the_join_page(client, shops, settings):
    store, _brand = shops
    settings.ACCOUNT_RATE_LIMITS = {"member_join": "2/m/ip", "member_join_phone": "5/h/key"}
    statuses = [client.post(URL, form(store, phone=f"090123450{n}")).status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def test_an_enrolled_phone_is_told_to_sign_in(client, shops):
    store, _brand = shops
    enrol(store, phone="+84901234567")
    page = client.post(URL, form(store))
    assert page.status_code == 200 and "/m/sign-in/phone/" in page.content.decode()


def test_an_unknown_coalition_is_404(client, db):
    assert client.get("/c/nowhere/").status_code == 404


def test_the_page_is_in_the_first_shops_language_and_persian_is_right_to_left(client, db):
    shop = config_import(
        document("fa-shop", program("10000")) | {"merchant": {**document("fa-shop", {})["merchant"], "language": "fa"}}
    )
    terms = {"cost_per_point": "1", "reimbursement_per_point": "1"}
    document_import(
        {
            "coalition": {
                "code": "fa-club",
                "name": "Club",
                "currency": "VND",
                "members": [{"merchant": shop.slug, **terms}],
            }
        }
    )
    page = client.get("/c/fa-club/")
    assert page["Content-Language"] == "fa" and 'dir="rtl"' in page.content.decode()


def test_the_members_card_names_the_coalitions_shops(shops):
    store, brand = shops
    phone = signed_in(enrol(store))
    text = phone.get(f"/m/{store.slug}/").content.decode()
    assert "data-coalition-shops" in text and store.name in text and brand.name in text and URL in text


def test_a_shop_outside_any_coalition_pays_no_query_for_the_section(db):
    shop = config_import(document("alone", program("10000")))
    member = Member.objects.select_related("account__program", "shop").get(pk=enrol(shop).pk)
    member_card(member=member)  # judged once per process and program change
    with CaptureQueriesContext(connection) as captured:
        assert member_card(member=member) is None
    assert len(captured) == 0


def test_joining_a_coalition_later_shows_at_once(db):
    shop = config_import(document("later", program("10000")))
    member = Member.objects.select_related("account__program", "shop").get(pk=enrol(shop).pk)
    assert member_card(member=member) is None
    terms = {"cost_per_point": "1", "reimbursement_per_point": "1"}
    document_import(
        {
            "coalition": {
                "code": "later-club",
                "name": "Later",
                "currency": "VND",
                "members": [{"merchant": "later", **terms}],
            }
        }
    )
    member = Member.objects.select_related("account__program", "shop").get(pk=member.pk)
    assert member_card(member=member)["coalition"]["name"] == "Later"


def test_the_shops_public_page_names_the_coalition(client, shops):
    store, _brand = shops
    text = client.get(f"/s/{store.slug}/").content.decode()
    assert "data-coalition" in text and URL in text


def test_names_typed_by_owners_are_shown_escaped(client, shops):
    from coalitions.models import Coalition

    store, _brand = shops
    Coalition.objects.filter(code="c-club").update(name="Club <script>alert(1)</script>")
    store.name = "Store <img src=x onerror=alert(1)>"
    store.save(update_fields=["name"])
    html = client.get(URL).content.decode()
    assert "<script>alert(" not in html and "<img src=x" not in html and "&lt;script&gt;" in html
