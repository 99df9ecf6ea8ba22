"""After signing in, cashiers land on the counter, owners and managers in the portal, and customers on their member
pages (not in onboarding)."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory, enrol


def sign_in_with_a_code(client, email: str):
    response = client.post("/m/sign-in/", {"email": email})
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    return client.post(response["Location"], {"code": code})


def test_a_customer_signing_in_goes_to_the_member_pages(client, shop):
    enrol(shop, email="lan@example.com")
    response = sign_in_with_a_code(client, "lan@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("member:home")
    assert shop.name in client.get(response["Location"]).content.decode()


def test_a_customer_whose_email_differs_in_case_still_goes_there(client, shop):
    enrol(shop, email="lan@example.com")
    assert sign_in_with_a_code(client, "LAN@example.com")["Location"] == reverse("member:home")


def test_staff_who_are_also_members_go_to_the_portal(client, shop, owner):
    enrol(shop, email=owner.email)
    response = client.post(reverse("account_login"), {"login": owner.email, "password": "a-long-test-password"})
    assert response["Location"] == reverse("portal:home")


def test_a_person_with_no_shop_and_no_membership_goes_on_to_onboarding(client, db):
    person = UserFactory()
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": "a-long-test-password"}, follow=True
    )
    assert [url for url, _status in response.redirect_chain] == [reverse("portal:home"), reverse("portal:onboarding")]


def test_a_member_merged_away_does_not_count(client, shop):
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    person = UserFactory(email="minh@example.com")
    keep, duplicate = enrol(shop, email="someone@example.com"), enrol(shop, email="minh@example.com")
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop))
    response = client.post(reverse("account_login"), {"login": person.email, "password": "a-long-test-password"})
    assert response["Location"] == reverse("portal:home")


def test_a_cashier_signs_in_to_the_counter_and_a_manager_to_the_dashboard(client, shop):
    cashier = StaffFactory(shop=shop, role="cashier").user
    response = client.post(reverse("account_login"), {"login": cashier.email, "password": "a-long-test-password"})
    assert response["Location"] == reverse("counter:home")
    manager = StaffFactory(shop=shop, role="manager").user
    response = Client().post(reverse("account_login"), {"login": manager.email, "password": "a-long-test-password"})
    assert response["Location"] == reverse("portal:home")
