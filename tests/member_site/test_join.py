"""The join page a poster links to: the program in sentences, a short form, bots and floods kept out."""

import time

import pytest
from django.urls import reverse

from loyalty.member_site.join import join_token
from loyalty.models import ConsentChange, Member
from tests.factories import ProgramFactory, ShopFactory, enrol


@pytest.fixture
def cafe(db):
    return ProgramFactory(shop__name="Café Lan", shop__slug="cafe-lan", earn_points=3).shop


def form_data(shop, **fields):
    """What a person submits: the token of a page shown ten seconds ago and an empty honeypot."""
    data = {
        "phone": "0901 234 567",
        "name": "Lan",
        "birthday": "",
        "ref": "",
        "website": "",
        "token": join_token(shop, issued_at=time.time() - 10),
    }
    data.update(fields)
    return data


def test_the_page_shows_the_shop_and_what_the_program_gives(client, cafe):
    page = client.get("/j/cafe-lan/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Café Lan" in content and "3 points for every" in content
    assert 'name="website"' in content and 'name="token"' in content
    assert 'name="marketing_consent"' in content and "checked" not in content


def test_joining_enrols_signs_in_and_shows_the_card(client, cafe):
    response = client.post("/j/cafe-lan/", form_data(cafe, marketing_consent="on", birthday="1990-04-02"))
    member = Member.objects.get(shop=cafe)
    assert member.phone == "+84901234567" and member.name == "Lan" and str(member.birthday) == "1990-04-02"
    assert response.status_code == 302 and response["Location"] == reverse("member:shop", kwargs={"slug": "cafe-lan"})
    assert int(client.session["_auth_user_id"]) == member.user_id
    change = ConsentChange.objects.get(member=member)
    assert change.granted and change.source == "join_page"
    assert member.marketing_consent and member.consent_source == "join_page"


def test_consent_is_not_given_unless_ticked(client, cafe):
    client.post("/j/cafe-lan/", form_data(cafe))
    member = Member.objects.get(shop=cafe)
    assert not member.marketing_consent and not ConsentChange.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    "trap",
    [
        {"website": "http://spam.example"},
        {"token": "forged"},
        {"token": "placeholder-too-fast"},
        {"token": "placeholder-too-old"},
        {"token": "placeholder-other-shop"},
    ],
    ids=["honeypot", "forged", "too-fast", "too-old", "another-shop"],
)
def test_bots_are_refused_kindly_and_nothing_is_enrolled(client, cafe, trap):
    tokens = {
        "placeholder-too-fast": join_token(cafe),
        "placeholder-too-old": join_token(cafe, issued_at=time.time() - 5 * 3600),
        "placeholder-other-shop": join_token(ShopFactory(), issued_at=time.time() - 10),
    }
    trap = {key: tokens.get(value, value) for key, value in trap.items()}
    response = client.post("/j/cafe-lan/", form_data(cafe, **trap))
    assert response.status_code == 400
    content = response.content.decode()
    assert "press Join again" in content and "0901 234 567" in content
    assert not Member.objects.exists() and "_auth_user_id" not in client.session


def test_joining_is_rate_limited_per_address(client, cafe, settings):
    settings.ACCOUNT_RATE_LIMITS = {"member_join": "2/m/ip", "member_join_phone": "5/h/key"}
    statuses = [client.post("/j/cafe-lan/", form_data(cafe, phone=f"090123456{i}")).status_code for i in range(3)]
    assert statuses == [302, 302, 429]
    assert Member.objects.count() == 2


def test_joining_is_rate_limited_per_phone(client, cafe, settings):
    settings.ACCOUNT_RATE_LIMITS = {"member_join": "20/m/ip", "member_join_phone": "1/h/key"}
    enrol(cafe, phone="+84901234567")
    first = client.post("/j/cafe-lan/", form_data(cafe))
    second = client.post("/j/cafe-lan/", form_data(cafe, phone="+84 90 123 4567"))
    assert first.status_code == 200 and second.status_code == 429
    assert "Too many attempts" in second.content.decode()


def test_a_friends_link_prefills_the_referral_code(client, cafe):
    friend = enrol(cafe, phone="+84907777777")
    page = client.get(f"/j/cafe-lan/?ref={friend.referral_code.lower()}")
    content = page.content.decode()
    assert "Invited by a friend" in content and f'value="{friend.referral_code}"' in content
    assert client.post("/j/cafe-lan/", form_data(cafe, ref=friend.referral_code)).status_code == 302
    assert Member.objects.filter(shop=cafe).count() == 2


def test_an_unknown_referral_code_is_a_form_error(client, cafe):
    assert "not known here" in client.get("/j/cafe-lan/?ref=NOPE123").content.decode()
    response = client.post("/j/cafe-lan/", form_data(cafe, ref="NOPE123"))
    assert response.status_code == 200 and "not known here" in response.content.decode()
    assert not Member.objects.exists()


def test_an_enrolled_phone_signs_no_one_in(client, cafe):
    enrol(cafe, phone="+84901234567")
    response = client.post("/j/cafe-lan/", form_data(cafe))
    content = response.content.decode()
    assert response.status_code == 200 and "This phone is already a member" in content
    assert reverse("member:sign_in") in content
    assert "_auth_user_id" not in client.session and Member.objects.count() == 1


def test_invalid_details_are_shown_back(client, cafe):
    response = client.post("/j/cafe-lan/", form_data(cafe, phone="12", birthday="2999-01-01"))
    content = response.content.decode()
    assert "not a valid phone number" in content and "A birthday is a day in the past" in content
    assert not Member.objects.exists()


def test_an_unknown_shop_or_one_without_a_program_is_404(client, db):
    ShopFactory(slug="no-program")
    assert client.get("/j/nowhere/").status_code == 404
    assert client.get("/j/no-program/").status_code == 404


def test_the_page_is_in_the_shops_language_and_persian_is_right_to_left(client, db):
    ProgramFactory(shop__slug="tehran", shop__language="fa", shop__country="IR", shop__currency="IRR")
    page = client.get("/j/tehran/").content.decode()
    assert 'dir="rtl"' in page and 'lang="fa"' in page


def test_a_language_the_visitor_picked_wins_over_the_shops(client, db):
    ProgramFactory(shop__slug="tehran", shop__language="fa", shop__country="IR", shop__currency="IRR")
    client.cookies["django_language"] = "en"
    page = client.get("/j/tehran/").content.decode()
    assert 'dir="ltr"' in page and 'lang="en"' in page


def test_the_phone_is_typed_left_to_right_even_on_a_persian_page(client, db):
    ProgramFactory(shop__name="Kafe", shop__slug="kafe", shop__language="fa")
    content = client.get("/j/kafe/").content.decode()
    phone = next(tag for tag in content.split("<input") if 'name="phone"' in tag)
    assert 'dir="ltr"' in phone and 'type="tel"' in phone


@pytest.mark.parametrize("token_age", [10, 5 * 3600])
def test_a_submitted_token_is_checked_once(client, cafe, token_age):
    from unittest import mock

    from loyalty.member_site import join

    with mock.patch.object(join, "join_token_problem", wraps=join.join_token_problem) as check:
        client.post("/j/cafe-lan/", form_data(cafe, token=join_token(cafe, issued_at=time.time() - token_age)))
    assert check.call_count == 1
