"""Members sign in with a one-time code by email and see every shop they belong to."""

import re

from django.core import mail

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


def test_an_unknown_email_gets_no_code_and_no_hint(client, db):
    response = client.post("/m/sign-in/", {"email": "nobody@example.com"})
    assert response.status_code == 200 and "If a shop knows" in response.content.decode()
    assert mail.outbox == []


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


def test_a_signed_in_customer_who_joins_another_shop_keeps_one_sign_in(db, rf):
    from loyalty.member_site.access import member_login, member_user
    from loyalty.models import Member

    cafe, wash = ProgramFactory(shop__name="Café").shop, ProgramFactory(shop__name="Car Wash").shop
    customer = member_user(enrol(cafe))
    request = rf.get("/j/wash/")
    request.user = customer
    second = enrol(wash)
    member_login(request, second)
    assert Member.objects.get(pk=second.pk).user == customer


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
