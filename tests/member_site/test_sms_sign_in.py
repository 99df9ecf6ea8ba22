"""Signing in with a code texted to the phone a shop holds: six digits, hashed, ten minutes, five tries, one live
code per phone, rate-limited like the email path, and no hint whether a shop knows the phone."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.member_site import phone_codes
from loyalty.models import Member, SignInCode
from loyalty.notifications import gateways
from tests.factories import ProgramFactory, StaffFactory, enrol

ASK = reverse("member:sign_in_phone")
VERIFY = reverse("member:sign_in_phone_code")
PHONE = "+84901234567"


@pytest.fixture
def hoa(cafe):
    return enrol(cafe, name="Hoa", phone=PHONE)


def texted_code() -> str:
    assert gateways.outbox, "no text was sent"
    return re.search(r"\b(\d{6})\b", gateways.outbox[-1].body).group(1)


def test_a_member_signs_in_with_a_texted_code_and_sees_every_shop(client, hoa):
    wash = enrol(ProgramFactory(shop__name="Car Wash").shop, phone=PHONE)
    response = client.post(ASK, {"phone": "0901 234 567"})  # typed the local way
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert [(text.channel, text.to) for text in gateways.outbox] == [("sms", PHONE)]
    signed = client.post(VERIFY, {"code": texted_code()})
    assert signed.status_code == 302 and signed["Location"] == reverse("member:home")
    page = client.get("/m/").content.decode()
    assert hoa.shop.name in page and "Car Wash" in page
    assert client.get("/m/").wsgi_request.user.get_username() == f"member-sms-{PHONE}"
    assert Member.objects.get(pk=wash.pk).user_id is None  # found by the proven phone, not handed over


def test_the_code_is_stored_only_as_a_hash_for_ten_minutes(client, hoa):
    client.post(ASK, {"phone": PHONE})
    code, row = texted_code(), SignInCode.objects.get(phone=PHONE)
    assert code not in row.code_hash and row.code_hash == phone_codes.code_hash(PHONE, code)
    assert timedelta(minutes=9, seconds=59) < row.expires_at - row.created_at <= timedelta(minutes=10, seconds=1)


def test_a_wrong_code_is_refused_and_five_wrong_codes_burn_the_right_one(client, hoa):
    client.post(ASK, {"phone": PHONE})
    right = texted_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        response = client.post(VERIFY, {"code": wrong})
        assert response.status_code == 400 and "This code is not right" in response.content.decode()
    assert client.post(VERIFY, {"code": right}).status_code == 400
    assert client.get("/m/").status_code == 302  # still signed out


def test_an_expired_code_is_refused(client, hoa):
    client.post(ASK, {"phone": PHONE})
    SignInCode.objects.filter(phone=PHONE).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(VERIFY, {"code": texted_code()}).status_code == 400


def test_a_new_code_replaces_the_old_one(client, hoa):
    client.post(ASK, {"phone": PHONE})
    first = texted_code()
    client.post(ASK, {"phone": PHONE})
    second = texted_code()
    if first != second:
        assert client.post(VERIFY, {"code": first}).status_code == 400
    assert client.post(VERIFY, {"code": second}).status_code == 302


def test_a_code_works_once(client, hoa):
    assert phone_codes.sign_in_code_send(phone=PHONE)
    code = texted_code()
    assert phone_codes.sign_in_code_check(phone=PHONE, code=code) is phone_codes.CheckResult.OK
    assert phone_codes.sign_in_code_check(phone=PHONE, code=code) is phone_codes.CheckResult.NO_CODE


def test_an_unknown_phone_gets_the_same_answer_and_no_text(client, hoa):
    known = client.post(ASK, {"phone": PHONE})
    gateways.outbox.clear()
    unknown = client.post(ASK, {"phone": "+84907654321"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert gateways.outbox == []
    page = client.get(VERIFY).content.decode()
    assert "If a shop knows" in page
    refused = client.post(VERIFY, {"code": "123456"})
    assert refused.status_code == 400 and "This code is not right, or it has expired" in refused.content.decode()


def test_an_invalid_number_is_said_so(client, db):
    response = client.post(ASK, {"phone": "12"})
    assert response.status_code == 200 and "not a valid phone number" in response.content.decode()


def test_asking_for_codes_is_rate_limited_per_phone(client, hoa, settings):
    settings.ACCOUNT_RATE_LIMITS = {"request_login_code": "20/m/ip,2/m/key"}
    statuses = [client.post(ASK, {"phone": PHONE}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429] and len(gateways.outbox) == 2


def test_asking_for_codes_is_rate_limited_per_address(client, hoa, settings):
    settings.ACCOUNT_RATE_LIMITS = {"request_login_code": "2/m/ip,20/m/key"}
    phones = [PHONE, "+84907654321", "+84907654322"]
    assert [client.post(ASK, {"phone": phone}).status_code for phone in phones] == [302, 302, 429]


def test_a_staff_account_linked_to_the_member_is_not_opened_by_a_text(client, hoa, cafe):
    owner = StaffFactory(shop=cafe, role="owner").user
    Member.objects.filter(pk=hoa.pk).update(user=owner)
    client.post(ASK, {"phone": PHONE})
    client.post(VERIFY, {"code": texted_code()})
    signed_in_as = client.get("/m/").wsgi_request.user
    assert signed_in_as.is_authenticated and signed_in_as.pk != owner.pk
    assert hoa.shop.name in client.get("/m/").content.decode()
    assert client.get("/portal/").status_code != 200


def test_a_stranger_who_joined_with_someone_elses_phone_never_gets_their_cards(client, hoa, cafe):
    """The join page proves nothing about a phone: joining a second shop with Hoa's number makes a member that
    the joiner sees, but Hoa's texted code gives Hoa her cards, and the joiner never sees hers."""
    from loyalty.member_site.access import member_user, members_of_user

    wash = enrol(ProgramFactory(shop__name="Car Wash").shop, phone=PHONE)  # the stranger's join
    stranger = member_user(wash)  # the join page signs the joiner in as the new member's own user
    assert list(members_of_user(stranger)) == [wash]
    client.post(ASK, {"phone": PHONE})
    client.post(VERIFY, {"code": texted_code()})
    page = client.get("/m/").content.decode()
    assert hoa.shop.name in page and "Car Wash" in page  # both carry her proven phone
    assert list(members_of_user(stranger)) == [wash]  # the stranger: still only what they made


def test_the_sign_in_pages_link_to_each_other(client, db):
    assert ASK in client.get(reverse("member:sign_in")).content.decode()
    assert reverse("member:sign_in") in client.get(ASK).content.decode()


def test_a_phone_gets_a_few_codes_an_hour_however_the_limiter_is_set(hoa):
    sent = [phone_codes.sign_in_code_send(phone=PHONE) for _ in range(phone_codes.CODES_PER_HOUR + 2)]
    assert sent == [True] * phone_codes.CODES_PER_HOUR + [False, False]
    assert len(gateways.outbox) == phone_codes.CODES_PER_HOUR


def test_wrong_tries_across_codes_are_capped_per_day(hoa):
    for _ in range(phone_codes.WRONG_TRIES_PER_DAY // phone_codes.MAX_ATTEMPTS):
        phone_codes.sign_in_code_send(phone=PHONE)
        for _ in range(phone_codes.MAX_ATTEMPTS):
            phone_codes.sign_in_code_check(phone=PHONE, code="000000" if texted_code() != "000000" else "111111")
    assert phone_codes.sign_in_code_send(phone=PHONE) is False  # no more codes today, not even the right one


def test_a_text_that_cannot_be_sent_voids_its_code_and_the_page_says_nothing_more(client, hoa, settings):
    settings.SMS_GATEWAY = {**settings.SMS_GATEWAY, "BACKEND": "loyalty.notifications.gateways.HttpGateway", "URL": ""}
    response = client.post(ASK, {"phone": PHONE})
    assert response.status_code == 302 and response["Location"] == VERIFY  # as for any phone
    assert not SignInCode.objects.filter(phone=PHONE, expires_at__gt=timezone.now()).exists()


def test_a_welcome_link_never_signs_in_as_a_staff_account(client, hoa, cafe):
    from loyalty.member_site.access import member_link_token

    owner = StaffFactory(shop=cafe, role="owner").user
    Member.objects.filter(pk=hoa.pk).update(user=owner)  # linked by an older version, say
    client.get(reverse("member:link", args=[member_link_token(hoa)]))
    signed_in_as = client.get("/m/").wsgi_request.user
    assert signed_in_as.pk != owner.pk and client.get("/portal/").status_code != 200


@pytest.mark.parametrize(("language", "word"), [("fa", "دقیقه"), ("vi", "phút")])
def test_the_code_is_texted_in_the_members_language_whatever_the_page(client, hoa, language, word):
    Member.objects.filter(pk=hoa.pk).update(language=language)
    client.post(ASK, {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")
    assert word in gateways.outbox[-1].body


def test_customers_are_offered_the_phone_first(client, hoa):
    """Joining asks for a phone, not an email: the member pages send a visitor to sign in by phone, with email as
    the other way."""
    response = client.get(f"/m/{hoa.shop.slug}/")
    assert response.status_code == 302 and response["Location"].startswith(ASK)
    page = client.get(ASK).content.decode()
    assert reverse("member:sign_in") in page  # the email path is one tap away
