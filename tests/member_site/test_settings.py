"""The member's settings: language, channel and marketing consent (recorded with source "member"), their data
as a file, and "forget me"."""

import json

from django.urls import reverse

from loyalty.models import ConsentChange, ConsentSource, Member
from tests.counter.helpers import texts


def settings_url(member) -> str:
    return reverse("member:settings", kwargs={"slug": member.shop.slug})


def test_the_settings_page_shows_the_current_choices(phone, lan):
    html = phone.get(settings_url(lan)).content.decode()
    assert "The shop&#x27;s language (English)" in html and "Download my data" in html and "Forget me" in html


def test_changing_language_channel_and_consent(phone, lan):
    response = phone.post(settings_url(lan), {"language": "vi", "channel": "zalo", "marketing_consent": "on"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "vi"
    lan.refresh_from_db()
    assert (lan.language, lan.channel, lan.marketing_consent) == ("vi", "zalo", True)
    change = ConsentChange.objects.get(member=lan)
    assert change.granted and change.source == ConsentSource.MEMBER and change.by == lan.user
    assert '<html lang="vi"' in phone.get(settings_url(lan)).content.decode()


def test_withdrawing_consent_is_recorded_too(phone, lan):
    phone.post(settings_url(lan), {"language": "", "channel": "", "marketing_consent": "on"})
    phone.post(settings_url(lan), {"language": "", "channel": ""})
    assert list(ConsentChange.objects.filter(member=lan).order_by("pk").values_list("granted", "source")) == [
        (True, "member"),
        (False, "member"),
    ]


def test_email_messages_need_an_email(phone, cafe):
    from tests.factories import enrol

    from .conftest import signed_in

    member = enrol(cafe, name="No Email")
    response = signed_in(member).post(settings_url(member), {"language": "", "channel": "email"})
    assert response.status_code == 200 and "The shop has no email for you" in response.content.decode()
    member.refresh_from_db()
    assert member.channel == ""


def test_download_my_data_is_a_json_attachment(phone, lan):
    response = phone.get(reverse("member:data", kwargs={"slug": lan.shop.slug}))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="cafe-my-data-')
    document = json.loads(response.content)
    assert "lan@example.com" in json.dumps(document) and "Lan" in json.dumps(document)


def test_forget_me_asks_first_then_erases_and_signs_out(phone, lan):
    phone.post(settings_url(lan), {"language": "", "channel": "", "marketing_consent": "on"})
    user = lan.user
    url = reverse("member:forget", kwargs={"slug": lan.shop.slug})
    assert "Yes, forget me" in phone.get(url).content.decode()
    assert Member.objects.get(pk=lan.pk).erased_at is None  # asking changes nothing
    response = phone.post(url, follow=True)
    assert any("no longer holds your personal data" in text for text in texts(response))
    lan.refresh_from_db()
    assert lan.erased_at is not None and (lan.name, lan.email, lan.marketing_consent) == ("", "", False)
    withdrawal = ConsentChange.objects.filter(member=lan).first()
    assert (withdrawal.granted, withdrawal.source) == (False, ConsentSource.ERASURE)
    assert withdrawal.by_id in (user.pk, None)  # the sign-in user goes with the member when nothing else needs it
    after = phone.get(reverse("member:shop", kwargs={"slug": lan.shop.slug}))
    assert after.status_code == 302 and after["Location"].startswith("/m/sign-in/")


def test_forget_me_clears_what_the_phone_kept_of_the_card(phone, lan):
    response = phone.post(reverse("member:forget", kwargs={"slug": lan.shop.slug}))
    assert response.status_code == 302 and response["Location"] == reverse("member:sign_in_phone")
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_forget_me_at_one_shop_keeps_the_person_signed_in_at_their_other_shops(phone, lan):
    from tests.factories import ProgramFactory, enrol

    elsewhere = enrol(ProgramFactory(shop__name="Bakery").shop, name="Lan", email="lan@example.com")
    Member.objects.filter(pk=elsewhere.pk).update(user=Member.objects.get(pk=lan.pk).user)
    response = phone.post(reverse("member:forget", kwargs={"slug": lan.shop.slug}))
    assert response.status_code == 302 and response["Location"] == reverse("member:home")
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    home = phone.get(response["Location"])
    assert home.status_code == 200
    assert any("no longer holds your personal data" in text for text in texts(home))
    assert [card["member"].pk for card in home.context["cards"]] == [elsewhere.pk]
    assert phone.get(reverse("member:shop", kwargs={"slug": elsewhere.shop.slug})).status_code == 200
    assert phone.get(reverse("member:shop", kwargs={"slug": lan.shop.slug})).status_code == 404


def test_forget_me_is_the_members_own_request(phone, lan):
    from unittest import mock

    from loyalty.services.privacy import member_erase

    with mock.patch("loyalty.member_site.views.prefs.member_erase", wraps=member_erase) as erase:
        phone.post(reverse("member:forget", kwargs={"slug": lan.shop.slug}))
    assert erase.call_args.kwargs["source"] == ConsentSource.MEMBER
    assert erase.call_args.kwargs["by"].pk == lan.user_id


def test_a_member_turns_receipts_off(phone, lan):
    from django.urls import reverse

    url = reverse("member:settings", kwargs={"slug": lan.shop.slug})
    assert 'name="receipts"' in phone.get(url).content.decode()
    phone.post(url, {"language": "", "channel": "", "marketing_consent": ""})
    lan.refresh_from_db()
    assert lan.receipts is False
