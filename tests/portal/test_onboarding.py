"""A new owner signs up and creates a shop; from then on the portal opens on it."""

import pytest
from django.urls import reverse

from loyalty.middleware import SESSION_KEY
from loyalty.models import Location, Program, Role, Shop, StaffMembership
from tests.factories import UserFactory

HTMX = {"HX-Request": "true"}
ONBOARDING = reverse("portal:onboarding")


@pytest.fixture
def newcomer(db):
    return UserFactory(email="minh@example.com")


def shop_form(**changes) -> dict:
    return {
        "name": "Cà Phê Sáng",
        "country": "VN",
        "currency": "VND",
        "timezone": "Asia/Ho_Chi_Minh",
        "language": "vi",
        "location_name": "Hoàn Kiếm",
        **changes,
    }


def test_signing_up_leads_to_onboarding(client, settings, db):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    response = client.post(
        reverse("account_signup"),
        {
            "email": "minh@example.com",
            "password1": "a-long-test-password",
            "password2": "a-long-test-password",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == ONBOARDING
    assert "Set up your shop" in response.content.decode()


def test_the_portal_sends_a_person_without_a_shop_to_onboarding(as_user, newcomer):
    response = as_user(newcomer).get(reverse("portal:home"))
    assert response.status_code == 302 and response.url == ONBOARDING


def test_the_portal_asks_strangers_to_sign_in(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_form_starts_from_the_browsers_country(as_user, newcomer):
    response = as_user(newcomer).get(ONBOARDING, headers={"Accept-Language": "en-GB,en;q=0.8"})
    form = response.context["form"]
    assert (form["country"].value(), form["currency"].value(), form["timezone"].value()) == (
        "GB",
        "GBP",
        "Europe/London",
    )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Tehran", ("IR", "IRR", "Asia/Tehran", "fa")),
        ("Asia/Ho_Chi_Minh", ("VN", "VND", "Asia/Ho_Chi_Minh", "vi")),
    ],
)
def test_the_form_starts_from_the_browsers_time_zone_not_the_united_states(as_user, newcomer, zone, expected):
    """An English browser in Tehran or Saigon: the page's script sends the browser's zone, and the shop starts
    there, with its currency and its language."""
    first = as_user(newcomer).get(ONBOARDING, headers={"Accept-Language": "en"})
    assert "data-browser-zone" in first.content.decode()
    response = as_user(newcomer).get(ONBOARDING, {"zone": zone}, headers={"Accept-Language": "en"})
    form = response.context["form"]
    assert tuple(form[name].value() for name in ("country", "currency", "timezone", "language")) == expected
    assert "data-browser-zone" not in response.content.decode()  # asked once


def test_choosing_a_country_refills_currency_zone_and_language(as_user, newcomer):
    response = as_user(newcomer).get(ONBOARDING, {"country": "VN"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<fieldset id="shop-defaults"')
    assert '<option value="VND" selected>' in html
    assert '<option value="Asia/Ho_Chi_Minh" selected>' in html
    assert '<option value="vi" selected>' in html


def test_a_country_with_several_zones_defaults_to_its_main_one(as_user, newcomer):
    form = as_user(newcomer).get(ONBOARDING, {"country": "US"}, headers=HTMX).context["form"]
    assert (form["currency"].value(), form["timezone"].value(), form["language"].value()) == (
        "USD",
        "America/New_York",
        "en",
    )


def test_onboarding_creates_the_shop_its_program_location_and_owner(as_user, newcomer):
    client = as_user(newcomer)
    response = client.post(ONBOARDING, shop_form(), follow=True)

    shop = Shop.objects.get()
    assert (shop.name, shop.slug, shop.currency, shop.timezone, shop.language) == (
        "Cà Phê Sáng",
        "ca-phe-sang",
        "VND",
        "Asia/Ho_Chi_Minh",
        "vi",
    )
    assert Program.objects.get(shop=shop).earn_per_amount == 10000
    assert Location.objects.get(shop=shop).name == "Hoàn Kiếm"
    assert StaffMembership.objects.get(shop=shop).user == newcomer
    assert StaffMembership.objects.get(shop=shop).role == Role.OWNER
    assert response.redirect_chain == [(reverse("portal:start"), 302)]
    assert client.session[SESSION_KEY] == shop.pk
    assert "Cà Phê Sáng" in response.content.decode()


@pytest.mark.parametrize(
    "field, value", [("country", "ZZ"), ("currency", "XYZ"), ("timezone", "Asia/Atlantis"), ("name", "")]
)
def test_invalid_values_are_shown_next_to_their_field(as_user, newcomer, field, value):
    response = as_user(newcomer).post(ONBOARDING, shop_form(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Shop.objects.exists()


def test_an_owner_can_create_a_second_shop_and_works_in_it(owner_client, shop):
    owner_client.post(ONBOARDING, shop_form(name="Second shop"))
    second = Shop.objects.get(name="Second shop")
    assert owner_client.session[SESSION_KEY] == second.pk
    assert StaffMembership.objects.filter(shop__in=[shop, second], role=Role.OWNER).count() == 2


def test_onboarding_points_to_invitations_for_the_persons_verified_address(as_user, newcomer, shop, owner):
    from loyalty.services.shops import staff_invite

    invitation = staff_invite(shop=shop, email=newcomer.email, role=Role.CASHIER, invited_by=owner)
    html = as_user(newcomer).get(ONBOARDING).content.decode()
    assert reverse("portal:invitation", args=[invitation.token]) in html
