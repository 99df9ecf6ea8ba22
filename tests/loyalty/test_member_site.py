"""Members sign in with a one-time code by email and see every shop they belong to."""

import re

from django.core import mail
from django.test import Client

from tests.factories import ProgramFactory, enrol


def test_a_member_signs_in_with_a_code_and_sees_every_shop(client, db):
    cafe, wash = ProgramFactory(shop__name="Café").shop, ProgramFactory(shop__name="Car Wash").shop
    enrol(cafe, email="lan@example.com")
    enrol(wash, email="LAN@example.com")
    enrol(ProgramFactory(shop__name="Elsewhere").shop, email="someone@example.com")
    response = client.post("/m/sign-in/", {"email": "lan@example.com"})
    assert response.status_code == 302
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    confirmed = client.post(response["Location"], {"code": code})
    assert confirmed.status_code == 302
    page = client.get("/m/").content.decode()
    assert "Café" in page and "Car Wash" in page and "Elsewhere" not in page


def test_an_unknown_email_gets_no_code_and_the_page_gives_no_hint(client, db):
    enrol(ProgramFactory().shop, email="lan@example.com")
    known = Client().post("/m/sign-in/", {"email": "lan@example.com"})
    unknown = client.post("/m/sign-in/", {"email": "nobody@example.com"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    told = mail.outbox[-1]
    assert told.to == ["nobody@example.com"] and "no shop has a card under it" in told.body
    assert not re.search(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$", told.body, re.M)


def test_member_pages_need_sign_in(client, db):
    assert client.get("/m/")["Location"].startswith("/m/sign-in/")


def test_asking_for_codes_is_rate_limited_per_email(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"request_login_code": "20/m/ip,2/m/key"}
    enrol(ProgramFactory().shop, email="lan@example.com")
    statuses = [client.post("/m/sign-in/", {"email": "lan@example.com"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429] and len(mail.outbox) == 2


def test_the_welcome_link_signs_the_member_in_until_their_key_is_bumped(client, db):
    from loyalty.member_site.access import member_link_token
    from loyalty.models import Member

    member = enrol(ProgramFactory(shop__name="Café").shop, phone="+84901234567")
    token = member_link_token(member)
    assert client.get(f"/m/link/{token}/")["Location"] == f"/m/{member.shop.slug}/"  # their card at that shop
    assert Member.objects.get(pk=member.pk).user_id is not None
    client.logout()
    assert client.get(f"/m/link/{token[:-2]}xx/").status_code == 400
    Member.objects.filter(pk=member.pk).update(qr_key_version=2)
    assert client.get(f"/m/link/{token}/").status_code == 400


def test_joining_while_signed_in_never_hands_the_new_member_to_that_account(db, rf):
    """Anyone can type anyone's phone on the join page: the new member gets a sign-in of its own."""
    from django.contrib.sessions.backends.db import SessionStore

    from loyalty.member_site.access import member_login, member_user, members_of_user

    cafe, wash = ProgramFactory(shop__name="Café").shop, ProgramFactory(shop__name="Car Wash").shop
    customer = member_user(enrol(cafe))
    request = rf.get("/j/wash/")
    request.user, request.session = customer, SessionStore()
    second = enrol(wash)
    member_login(request, second)
    assert request.user != customer
    assert second not in members_of_user(customer) and list(members_of_user(request.user)) == [second]


def test_a_staff_user_is_never_linked_to_a_customers_member(db, rf):
    from django.contrib.sessions.backends.db import SessionStore

    from loyalty.member_site.access import member_login
    from loyalty.models import Member
    from tests.factories import StaffFactory

    shop = ProgramFactory().shop
    owner = StaffFactory(shop=shop).user
    request = rf.get("/j/x/")
    request.user, request.session = owner, SessionStore()
    member = enrol(shop)
    member_login(request, member)
    linked = Member.objects.get(pk=member.pk).user
    assert linked is not None and linked != owner and request.user == linked
