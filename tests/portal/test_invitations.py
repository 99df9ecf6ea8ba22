"""An owner invites staff by email; the invitee signs up or signs in and lands in the shop."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.middleware import SESSION_KEY
from loyalty.models import Invitation, Role, StaffMembership
from loyalty.services.shops import staff_invite
from tests.factories import UserFactory

INVITE = reverse("portal:staff_invite")
HTMX = {"HX-Request": "true"}


def link_in(message) -> str:
    return re.search(r"https?://\S+/portal/invitations/[\w-]+/", message.body).group(0)


def path_of(link: str) -> str:
    return urlsplit(link).path


def test_the_invitee_signs_up_through_the_link_and_joins_the_shop(owner_client, shop, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = owner_client.post(INVITE, {"email": "Lan@Example.com", "role": "cashier"})
    assert response.status_code == 302 and response.url == reverse("portal:staff")

    [message] = mail.outbox
    assert message.to == ["lan@example.com"]
    assert shop.name in message.subject
    link = path_of(link_in(message))

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert "lan@example.com" in page.content.decode()
    signup = visitor.get(f"{reverse('account_signup')}?next={link}")
    assert signup.context["form"]["email"].value() == "lan@example.com"

    # The link reached the address, so the new account needs no separate verification email.
    signed_up = visitor.post(
        reverse("account_signup"),
        {
            "email": "lan@example.com",
            "password1": "a-long-test-password",
            "password2": "a-long-test-password",
            "next": link,
        },
    )
    assert signed_up.status_code == 302 and signed_up.url == link
    assert EmailAddress.objects.get(email="lan@example.com").verified

    accepted = visitor.post(link, follow=True)
    membership = StaffMembership.objects.get(shop=shop, user__email="lan@example.com")
    assert membership.role == Role.CASHIER
    assert accepted.redirect_chain == [(reverse("counter:home"), 302)], "an invited cashier lands on the counter"
    assert visitor.session[SESSION_KEY] == shop.pk
    assert shop.name in accepted.content.decode()


def test_a_person_with_an_account_signs_in_through_the_link_and_joins(owner_client, shop):
    lan = UserFactory(email="lan@example.com")
    owner_client.post(INVITE, {"email": "lan@example.com", "role": "manager"})
    link = path_of(link_in(mail.outbox[0]))

    visitor = Client()
    signed_in = visitor.post(
        reverse("account_login"), {"login": "lan@example.com", "password": "a-long-test-password", "next": link}
    )
    assert signed_in.status_code == 302 and signed_in.url == link
    visitor.post(link)
    assert StaffMembership.objects.get(shop=shop, user=lan).role == Role.MANAGER


def test_the_invitation_email_is_in_the_shops_language(owner_client, shop):
    shop.language = "vi"
    shop.save()
    owner_client.post(INVITE, {"email": "lan@example.com", "role": "cashier"})
    assert "Bạn được mời" in mail.outbox[0].subject


def test_an_invalid_invitation_shows_the_error_on_the_form(owner_client, shop, cashier):
    response = owner_client.post(INVITE, {"email": cashier.email, "role": "cashier"})
    assert response.status_code == 200
    assert response.context["invite_form"].errors["email"]
    assert not mail.outbox


def test_inviting_with_htmx_returns_the_staff_section(owner_client, shop):
    response = owner_client.post(INVITE, {"email": "lan@example.com", "role": "cashier"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="staff">')
    assert "lan@example.com" in html
    assert 'hx-swap-oob="true"' in html


@pytest.fixture
def invitation(shop, owner):
    return staff_invite(shop=shop, email="lan@example.com", role=Role.CASHIER, invited_by=owner)


def test_someone_signed_in_with_another_address_cannot_accept(as_user, invitation):
    client = as_user(UserFactory(email="mallory@example.com"))
    url = reverse("portal:invitation", args=[invitation.token])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not StaffMembership.objects.filter(user__email="mallory@example.com").exists()


def test_a_used_link_takes_its_invitee_to_the_shop_and_nobody_else_anywhere(as_user, invitation, shop):
    lan = as_user(UserFactory(email="lan@example.com"))
    url = reverse("portal:invitation", args=[invitation.token])
    lan.post(url)
    assert lan.get(url).url == reverse("portal:home")
    assert Client().get(url).status_code == 404


def test_an_unknown_token_is_404(client, db):
    assert client.get(reverse("portal:invitation", args=["no-such-token"])).status_code == 404


def test_the_owner_withdraws_an_invitation(owner_client, invitation):
    response = owner_client.post(reverse("portal:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_the_staff_page_lists_staff_and_waiting_invitations(owner_client, invitation, cashier):
    html = owner_client.get(reverse("portal:staff")).content.decode()
    assert cashier.email in html and "lan@example.com" in html


def test_the_owner_changes_a_role(owner_client, shop, cashier):
    membership = StaffMembership.objects.get(shop=shop, user=cashier)
    response = owner_client.post(reverse("portal:staff_role", args=[membership.pk]), {"role": "manager"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_the_owner_removes_staff(owner_client, shop, cashier):
    membership = StaffMembership.objects.get(shop=shop, user=cashier)
    owner_client.post(reverse("portal:staff_remove", args=[membership.pk]), headers=HTMX)
    assert not StaffMembership.objects.filter(pk=membership.pk).exists()


def test_the_last_owner_is_told_why_they_cannot_leave(owner_client, shop, owner):
    membership = StaffMembership.objects.get(shop=shop, user=owner)
    response = owner_client.post(reverse("portal:staff_remove", args=[membership.pk]), follow=True)
    assert "A shop needs at least one owner." in response.content.decode()
    assert StaffMembership.objects.filter(pk=membership.pk).exists()
    demoted = owner_client.post(reverse("portal:staff_role", args=[membership.pk]), {"role": "cashier"}, follow=True)
    assert "A shop needs at least one owner." in demoted.content.decode()


def test_an_owner_who_steps_down_is_sent_to_the_dashboard(owner_client, shop, owner):
    StaffMembership.objects.create(shop=shop, user=UserFactory(), role=Role.OWNER)
    membership = StaffMembership.objects.get(shop=shop, user=owner)
    response = owner_client.post(reverse("portal:staff_role", args=[membership.pk]), {"role": "cashier"}, headers=HTMX)
    assert response.headers["HX-Redirect"] == reverse("portal:home")


def test_the_staff_list_downloads_as_csv(as_user, manager, owner, cashier):
    response = as_user(manager).get(reverse("portal:staff"), {"export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = response.content.decode().splitlines()
    assert rows[0] == "Person,Role"
    assert sorted(rows[1:]) == sorted([f"{owner.email},Owner", f"{manager.email},Manager", f"{cashier.email},Cashier"])


def test_the_staff_page_costs_the_same_queries_for_many_people(owner_client, owner, shop):
    with CaptureQueriesContext(connection) as with_one:
        owner_client.get(reverse("portal:staff"))
    for number in range(10):
        StaffMembership.objects.create(shop=shop, user=UserFactory(), role=Role.CASHIER)
        staff_invite(shop=shop, email=f"new{number}@example.com", role=Role.CASHIER, invited_by=owner)
    with CaptureQueriesContext(connection) as with_many:
        owner_client.get(reverse("portal:staff"))
    assert len(with_many) == len(with_one)
