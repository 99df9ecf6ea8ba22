"""What a member sees on their phone: every shop they belong to, and at each shop the card, points, tier
progress, stamps, rewards, history and referral link; nobody else's, and nothing once erased or merged."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import Member
from loyalty.services.ledger import Actor
from loyalty.services.members import members_merge
from loyalty.services.privacy import member_erase
from tests.counter.helpers import buy, give_points
from tests.factories import ProgramFactory, enrol

from .conftest import cafe_document, signed_in


def shop_url(member) -> str:
    return reverse("member:shop", kwargs={"slug": member.shop.slug})


def test_the_home_page_lists_every_shop_the_customer_belongs_to(phone, lan, db):
    wash = enrol(ProgramFactory(shop__name="Car Wash").shop, email="lan@example.com")
    enrol(ProgramFactory(shop__name="Elsewhere").shop, email="someone@example.com")
    EmailAddress.objects.create(user=lan.user, email="lan@example.com", verified=True)  # a code proved it
    page = phone.get("/m/").content.decode()
    assert "Car Wash" in page and lan.shop.name in page and "Elsewhere" not in page
    assert f'href="/m/{wash.shop.slug}/"' in page and f'href="/m/{lan.shop.slug}/"' in page


def test_the_card_page_shows_points_tier_progress_and_stamps(phone, lan):
    buy(lan, amount="420000")  # 10 points, 420,000 ₫ spent towards Gold (500,000 ₫), one stamp
    page = phone.get(shop_url(lan))
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"data-points-available>10<", html)
    assert re.search(r"data-points-pending>0<", html)
    assert "₫80,000 more to Gold" in html
    assert 'aria-valuenow="84"' in html  # 420,000 of 500,000
    assert "You are <strong>Green</strong>" in html
    assert "Coffee card" in html and "1 of 6 stamps" in html


def test_points_expiring_next_are_shown_with_their_date(db):
    from loyalty.services.config import config_import

    document = cafe_document("expiring")
    document["program"]["expiry"] = {"policy": "days_after_earn", "days": 30}
    member = enrol(config_import(document), name="Hoa")
    give_points(member, 40)
    html = signed_in(member).get(shop_url(member)).content.decode()
    assert "data-points-expiring" in html and "40 points can be used until" in html


def test_pending_points_are_not_available_yet(db):
    from loyalty.services.config import config_import

    document = cafe_document("pending")
    document["program"]["pending_days"] = 14
    member = enrol(config_import(document), name="Hoa")
    buy(member, amount="400000")
    html = signed_in(member).get(shop_url(member)).content.decode()
    assert re.search(r"data-points-available>0<", html) and re.search(r"data-points-pending>10<", html)


def test_the_page_speaks_the_members_language_and_sets_the_cookie(phone, lan):
    Member.objects.filter(pk=lan.pk).update(language="vi")
    response = phone.get(shop_url(lan))
    html = response.content.decode()
    assert '<html lang="vi" dir="ltr">' in html
    assert response.cookies["django_language"].value == "vi"


def test_a_persian_shops_page_reads_right_to_left(db):
    from loyalty.services.config import config_import

    shop = config_import(
        cafe_document("tehran-cafe", language="fa", country="IR", currency="IRR", timezone="Asia/Tehran")
    )
    member = enrol(shop, name="Sara", phone="+989121234567")
    html = signed_in(member).get(shop_url(member)).content.decode()
    assert '<html lang="fa" dir="rtl">' in html


def test_dates_are_in_the_shops_time_zone(phone, lan):
    give_points(lan, 5)
    entry = lan.account.entries.get()
    local = entry.occurred_at.astimezone(lan.shop.tz)
    html = phone.get(reverse("member:history", kwargs={"slug": lan.shop.slug})).content.decode()
    assert f'datetime="{local.isoformat()}"' in html


def test_open_vouchers_and_rewards_within_reach_are_listed(phone, lan):
    give_points(lan, 40)
    html = phone.get(shop_url(lan)).content.decode()
    assert "Free coffee" in html and 'name="reward" value="free-coffee"' in html
    assert 'value="cake"' not in html  # 500 points: not yet
    assert "No open vouchers." in html


def test_the_referral_link_and_its_share_buttons(phone, lan):
    html = phone.get(shop_url(lan)).content.decode()
    link = f"http://127.0.0.1:8000/r/{lan.referral_code}/"  # the referrals app's link (else the join page's ?ref=)
    assert f'value="{link}"' in html and "data-web-share" in html and "data-copy" in html
    encoded = quote(link, safe="")
    assert f"https://sp.zalo.me/share_to_zalo?url={encoded}" in html
    assert f"fb-messenger://share/?link={encoded}" in html
    assert "https://wa.me/?text=" in html and encoded in html
    assert "sms:?&amp;body=" in html


def test_history_is_newest_first_paginated_with_readable_kinds(phone, lan):
    start = timezone.now() - timedelta(days=40)
    for day in range(30):
        from loyalty.services.ledger import points_adjust

        points_adjust(
            account_id=lan.account_id,
            actor=Actor(shop=lan.shop),
            points=day + 1,
            reason="t",
            at=start + timedelta(days=day),
        )
    url = reverse("member:history", kwargs={"slug": lan.shop.slug})
    first = phone.get(url).content.decode()
    assert first.count("<li>") == 25 and "Adjusted" in first and "Page 1 of 2" in first
    assert first.index("+30</bdi>") < first.index("+29</bdi>")
    second = phone.get(url + "?page=2").content.decode()
    assert second.count("<li>") == 5 and "+1</bdi> point<" in second


def test_another_shops_page_is_404_even_when_it_exists(phone, lan):
    other = enrol(ProgramFactory().shop, name="Someone")
    for name in ("shop", "qr_svg", "history", "settings"):
        assert phone.get(reverse(f"member:{name}", kwargs={"slug": other.shop.slug})).status_code == 404
    assert phone.get("/m/no-such-shop/").status_code == 404


def test_an_erased_member_cannot_see_their_pages(phone, lan):
    Member.objects.filter(pk=lan.pk).update(erased_at=timezone.now())  # still linked to the signed-in user
    assert phone.get(shop_url(lan)).status_code == 404
    assert lan.shop.name not in phone.get("/m/").content.decode()


def test_forgotten_at_one_shop_the_customer_still_sees_the_others(phone, lan):
    wash = enrol(ProgramFactory(shop__name="Car Wash").shop, email="lan@example.com")
    EmailAddress.objects.create(user=lan.user, email="lan@example.com", verified=True)  # a code proved it
    member_erase(member=lan, source="member")
    assert phone.get(shop_url(lan)).status_code == 404
    assert phone.get(shop_url(wash)).status_code == 200


def test_a_merged_member_cannot_see_their_pages(phone, lan, cafe):
    keep = enrol(cafe, name="Lan again")
    members_merge(keep=keep, duplicate=lan, actor=Actor(shop=cafe))
    assert phone.get(shop_url(lan)).status_code == 404


def test_member_pages_need_sign_in(client, lan):
    response = client.get(shop_url(lan))
    assert response.status_code == 302 and response["Location"].startswith("/m/sign-in/")


CARD_PAGE_QUERIES = 14  # session, user, proven emails, the member, its cards, points, rewards within reach,
# vouchers, tier levels, the tier basis, stamp progress, recent history, the rewards' names, the staff check


def queries_for(client, url) -> int:
    client.get(url)  # warm: the program's rules are loaded once per process and change
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("history", [2, 60])
def test_the_card_page_reads_an_exact_number_of_queries_whatever_the_history(phone, lan, history):
    give_points(lan, 600)
    for _ in range(history):
        buy(lan)
    assert queries_for(phone, shop_url(lan)) == CARD_PAGE_QUERIES
