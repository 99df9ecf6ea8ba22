"""Binding customers to partners: the partner's link and its cookie, the code at the counter, the join page and the
till, a purchase carrying it; the first binding wins, later codes are recorded; an unknown code is a clear 422."""

import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from loyalty.errors import ValidationFailed
from loyalty.member_site.join import PARTNER_COOKIE, join_token
from loyalty.models import Member, Purchase
from loyalty.services.config import config_import
from partners.models import Binding, CodeOutcome, CodeUse, Commission
from partners.services.programs import partner_set_active
from tests.factories import StaffFactory, enrol, next_phone

from .conftest import T0, buy, customer, partner, partner_of, plan, usd_document, vnd_document
from .helpers import Till, error_code


def test_a_till_enrolment_with_the_code_binds_the_customer_in_any_spelling(pho):
    till = Till(pho, role="cashier")
    made = till.post("/members", {"phone": next_phone(), "name": "Lan", "partner_code": "blog anh"})
    assert made.status_code == 201, made.content
    binding = Binding.objects.get(member_id=made.json()["id"])
    assert (binding.partner.code, binding.source) == ("BLOG-ANH", "till")


def test_an_unknown_code_refuses_the_enrolment_with_a_422(pho):
    till = Till(pho, role="cashier")
    refused = till.post("/members", {"phone": next_phone(), "name": "Lan", "partner_code": "NOBODY"})
    assert refused.status_code == 422 and error_code(refused) == "invalid_partner_code"
    assert refused.json()["error"]["fields"] == {"partner_code": "unknown code"}
    assert not Member.objects.filter(shop=pho).exists(), "the enrolment was rolled back"


def test_another_shops_partner_code_is_unknown_here(pho, db):
    elsewhere = config_import(vnd_document("elsewhere", partners=[partner("ONLYTHERE", "ban")]))
    assert partner_of(elsewhere, "ONLYTHERE")
    with pytest.raises(ValidationFailed) as refused:
        customer(pho, partner_code="ONLYTHERE")
    assert refused.value.code == "invalid_partner_code"


def test_a_shop_without_a_partner_program_refuses_any_code(db):
    from tests.loyalty.documents import document, program

    plain = config_import(document("plain", program("10000")))
    with pytest.raises(ValidationFailed):
        enrol(plain, partner_code="KAJ30")
    member = enrol(plain)
    with pytest.raises(ValidationFailed):
        buy(plain, member, "10000", partner_code="KAJ30")
    assert not Purchase.objects.filter(shop=plain).exists()


def test_a_purchase_with_the_code_binds_a_customer_bound_to_no_one_and_earns(courses):
    member = customer(courses, partner_code="")
    sale = buy(courses, member, "100.00", partner_code="kaj-30")
    binding = Binding.objects.get(member=member)
    assert (binding.source, binding.purchase) == ("purchase", sale)
    assert Commission.objects.get(purchase=sale).amount == 30


def test_the_first_binding_wins_and_later_codes_are_recorded_not_applied(db):
    shop = config_import(usd_document("two", partners=[partner("KAJ30"), partner("OTHER", email="o@example.com")]))
    member = customer(shop, partner_code="KAJ30")
    sale = buy(shop, member, "10.00", partner_code="OTHER")
    assert Binding.objects.get(member=member).partner.code == "KAJ30"
    assert Commission.objects.get(purchase=sale).partner.code == "KAJ30"
    uses = list(CodeUse.objects.filter(member=member).order_by("pk").values_list("partner__code", "outcome"))
    assert uses == [("KAJ30", CodeOutcome.BOUND), ("OTHER", CodeOutcome.ALREADY_BOUND)]
    with pytest.raises(ValidationFailed):  # an unknown code is refused even for a bound customer
        buy(shop, member, "10.00", partner_code="NOBODY")


def test_an_inactive_partners_code_is_known_but_binds_no_one(courses):
    partner_set_active(partner=partner_of(courses), active=False)
    member = customer(courses)
    assert not Binding.objects.filter(member=member).exists()
    assert CodeUse.objects.get(member=member).outcome == CodeOutcome.INACTIVE


def test_a_bound_customer_of_a_partner_made_inactive_earns_them_nothing_more(courses):
    member = customer(courses)
    partner_set_active(partner=partner_of(courses), active=False)
    assert not Commission.objects.filter(purchase=buy(courses, member, "10.00")).exists()


def test_the_counters_enrolment_field_binds_and_an_unknown_code_is_shown_beside_it(pho):
    counter = Client()
    counter.force_login(StaffFactory(shop=pho, role="cashier").user)
    fields = {"phone": "0987 654 321", "name": "Minh", "partner_code": "bloganh"}
    counter.post(reverse("counter:enrol"), {"idempotency_key": uuid.uuid4().hex, **fields}, follow=True)
    assert Binding.objects.get(member__phone="+84987654321").source == "counter"
    fields = {"phone": "0987 654 322", "name": "Mai", "partner_code": "NOBODY"}
    refused = counter.post(reverse("counter:enrol"), {"idempotency_key": uuid.uuid4().hex, **fields}, follow=True)
    assert "unknown code" in refused.content.decode()
    assert not Member.objects.filter(phone="+84987654322").exists()


# ---------------------------------------------------------------- the link and the join page


def join(client, shop, *, phone: str, name: str = "Lan", partner_code: str | None = None):
    """Opens the join page (as the link's redirect does) and sends its form with what the page carries."""
    page = client.get(reverse("join", kwargs={"slug": shop.slug}), {"partner": partner_code} if partner_code else {})
    carried = page.context["form"].initial.get("partner", "")
    token = join_token(shop, issued_at=time.time() - 10)  # a person takes a few seconds to type
    return client.post(
        reverse("join", kwargs={"slug": shop.slug}),
        {"phone": phone, "name": name, "partner": carried, "token": token},
    )


def test_the_link_sets_the_cookie_for_the_plans_days_on_that_shops_join_page(pho):
    client = Client()
    followed = client.get("/p/bloganh/")
    assert followed.status_code == 302 and followed["Location"] == "/j/pho/?partner=BLOGANH"
    cookie = followed.cookies[PARTNER_COOKIE]
    assert (cookie.value, cookie["path"], cookie["max-age"]) == ("BLOGANH", "/j/pho/", 30 * 24 * 3600)
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    joined = join(client, pho, phone="0901 111 222")
    assert joined.status_code == 302
    binding = Binding.objects.get(member__phone="+84901111222")
    assert (binding.partner.code, binding.source) == ("BLOG-ANH", "join_page")


def test_the_cookie_brings_the_partner_back_on_a_later_visit(pho):
    client = Client()
    client.get("/p/BLOGANH/")
    page = client.get(reverse("join", kwargs={"slug": "pho"}))  # days later, from the poster: no ?partner=
    assert page.context["form"].initial["partner"] == "BLOGANH"


def test_an_unknown_link_is_404_and_a_shared_code_asks_which_shop(pho, db):
    assert Client().get("/p/NOBODY/").status_code == 404
    config_import(vnd_document("pho-2", partners=[partner("BLOG-ANH", "ban", name="Another Anh")]))
    chooser = Client().get("/p/BLOGANH/")
    assert chooser.status_code == 200 and b"/p/BLOGANH/pho-2/" in chooser.content
    exact = Client().get("/p/BLOGANH/pho-2/")
    assert exact["Location"] == "/j/pho-2/?partner=BLOGANH"


@pytest.fixture
def two_partners(db):
    def shop(attribution):
        return config_import(
            vnd_document(
                f"touch-{attribution.replace('_', '-')}",
                attribution=attribution,
                plans=[plan("ban", percent="10", cookie_days=7)],
                partners=[partner("FIRST", "ban"), partner("SECOND", "ban", email="second@example.com")],
            )
        )

    return shop


@pytest.mark.parametrize("attribution, expected", [("first_touch", "FIRST"), ("last_touch", "SECOND")])
def test_first_or_last_touch_as_the_shop_chooses(two_partners, attribution, expected):
    shop = two_partners(attribution)
    client = Client()
    client.get("/p/FIRST/")
    second = client.get("/p/SECOND/")
    if attribution == "first_touch":
        assert second["Location"] == f"/j/{shop.slug}/" and PARTNER_COOKIE not in second.cookies
    join(client, shop, phone="0902 333 444")
    assert Binding.objects.get(member__phone="+84902333444").partner.code == expected


def test_first_touch_lets_a_new_partner_in_once_the_cookie_has_expired(two_partners):
    shop = two_partners("first_touch")
    client = Client()
    client.get("/p/FIRST/")
    client.cookies.clear()  # seven days later the browser has dropped both cookies
    client.get("/p/SECOND/")
    join(client, shop, phone="0902 333 555")
    assert Binding.objects.get(member__phone="+84902333555").partner.code == "SECOND"


def test_a_join_page_link_with_an_unknown_code_says_so_and_enrols_no_one(pho):
    response = join(Client(), pho, phone="0903 000 111", partner_code="NOBODY")
    assert response.status_code == 200 and "No partner of this shop has this code." in response.content.decode()
    assert not Member.objects.filter(shop=pho).exists()


def test_the_partner_cannot_bind_themselves_through_their_own_link(db):
    shop = config_import(vnd_document("own", partners=[partner("BLOG-ANH", "ban", phone="0904 555 666")]))
    client = Client()
    client.get("/p/BLOGANH/")
    join(client, shop, phone="0904 555 666")
    member = Member.objects.get(phone="+84904555666")
    assert not Binding.objects.filter(member=member).exists()
    assert CodeUse.objects.get(member=member).outcome == CodeOutcome.SELF


def test_binding_times_are_the_enrolments(courses):
    member = customer(courses, at=T0 - timedelta(days=3))
    assert Binding.objects.get(member=member).bound_at == T0 - timedelta(days=3)


def test_a_merge_moves_the_duplicates_binding_and_commissions_to_the_kept_member(pho):
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    keep = enrol(pho, name="Keep", channel="till")
    duplicate = customer(pho, partner_code="BLOG-ANH")
    buy(pho, duplicate, "500000")
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=pho))
    assert Binding.objects.get(member=keep).partner.code == "BLOG-ANH"
    assert not Binding.objects.filter(member=duplicate).exists()
    assert set(Commission.objects.filter(shop=pho).values_list("member_id", flat=True)) == {keep.pk}


def test_a_merge_keeps_the_kept_members_own_binding(pho):
    """One binding per customer: the kept member's stays, the duplicate's is left on the closed duplicate."""
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    keep, duplicate = customer(pho, partner_code="BLOG-ANH"), customer(pho, partner_code="BLOG-ANH")
    kept_binding = Binding.objects.get(member=keep)
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=pho))
    assert Binding.objects.get(member=keep) == kept_binding
    assert Binding.objects.filter(member=duplicate).count() == 1
