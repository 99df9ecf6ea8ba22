"""A person on several shops' staff switches between them; the choice is kept in the session."""

import pytest
from django.urls import reverse

from loyalty.middleware import SESSION_KEY
from tests.factories import ProgramFactory, StaffFactory

SWITCH = reverse("portal:shop_switch")


@pytest.fixture
def second_shop(owner):
    shop = ProgramFactory(shop__name="Second Shop").shop
    StaffFactory(shop=shop, user=owner, role="cashier")
    return shop


def test_a_person_with_several_shops_sees_the_switcher(owner_client, second_shop):
    html = owner_client.get(reverse("portal:home")).content.decode()
    assert SWITCH in html and "Second Shop" in html


def test_a_person_with_one_shop_sees_no_switcher(owner_client):
    assert SWITCH not in owner_client.get(reverse("portal:home")).content.decode()


def test_switching_changes_the_shop_and_the_role(owner_client, shop, second_shop):
    assert owner_client.get(reverse("portal:staff")).status_code == 200

    response = owner_client.post(SWITCH, {"shop": second_shop.pk}, follow=True)

    assert owner_client.session[SESSION_KEY] == second_shop.pk
    assert response.redirect_chain == [(reverse("counter:home"), 302)]  # a cashier there starts at the counter
    assert response.context["shop"] == second_shop
    assert owner_client.get(reverse("portal:staff")).status_code == 403  # a cashier there

    owner_client.post(SWITCH, {"shop": shop.pk})
    assert owner_client.get(reverse("portal:staff")).status_code == 200


@pytest.mark.parametrize("value", ["other", "nonsense", ""])
def test_a_shop_the_person_does_not_work_at_is_404(owner_client, other_shop, value):
    response = owner_client.post(SWITCH, {"shop": other_shop.pk if value == "other" else value})
    assert response.status_code == 404
    assert SESSION_KEY not in owner_client.session


def test_switching_is_a_post(owner_client, second_shop):
    assert owner_client.get(SWITCH, {"shop": second_shop.pk}).status_code == 405
