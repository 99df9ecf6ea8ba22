"""The card page's details: a Redeem form per reward (each with its own key), the last day points can be used,
the live code's refresh period, what a redeemed reward asks of the member, and only this shop's history."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from loyalty.models import LedgerEntry
from loyalty.services.ledger import Actor, points_adjust
from rewards.models import Reward, Voucher
from tests.counter.helpers import give_points, texts
from tests.factories import ProgramFactory

from .conftest import signed_in


def shop_url(member) -> str:
    return reverse("member:shop", kwargs={"slug": member.shop.slug})


def redeem_forms(html: str) -> dict[str, str]:
    """Each reward's code and the idempotency key of its Redeem form."""
    forms = re.findall(
        r'name="reward" value="([^"]+)">\s*<input type="hidden" name="idempotency_key" value="([^"]+)"', html
    )
    return dict(forms)


def test_each_redeem_form_has_its_own_key(phone, lan):
    give_points(lan, 600)
    keys = redeem_forms(phone.get(shop_url(lan)).content.decode())
    assert set(keys) == {"free-coffee", "cake"}
    assert keys["free-coffee"] != keys["cake"]


def test_redeeming_one_reward_going_back_and_redeeming_another_gives_both(phone, lan):
    give_points(lan, 600)
    keys = redeem_forms(phone.get(shop_url(lan)).content.decode())  # the page the member goes back to
    url = reverse("member:redeem", kwargs={"slug": lan.shop.slug})
    for code in ("free-coffee", "cake"):
        response = phone.post(url, {"reward": code, "idempotency_key": keys[code]}, follow=True)
        assert texts(response) == ["Done! Show this voucher at the counter."]
    assert sorted(Voucher.objects.filter(member=lan).values_list("reward__code", flat=True)) == ["cake", "free-coffee"]


def test_points_expiring_at_midnight_on_the_first_show_the_last_day_of_the_month(phone, lan):
    give_points(lan, 40)
    today = timezone.localdate(timezone=lan.shop.tz)
    first = date(today.year + 1, 1, 1)
    midnight = datetime(first.year, first.month, first.day, tzinfo=lan.shop.tz)
    LedgerEntry.objects.filter(account_id=lan.account_id).update(expires_at=midnight)
    html = phone.get(shop_url(lan)).content.decode()
    last_day = date_format(date(today.year, 12, 31), "DATE_FORMAT")
    assert f"40 points can be used until {last_day}." in html


def test_the_live_code_says_how_often_it_changes_from_the_refresh_period(phone, lan):
    with mock.patch("loyalty.member_site.views.pages.QR_REFRESH_SECONDS", 45):
        html = phone.get(shop_url(lan)).content.decode()
    assert "Live code: it changes every 45 seconds" in html and 'data-qr-refresh="45"' in html


def test_a_wallet_credit_says_it_is_in_the_wallet_not_to_show_it(phone, lan):
    Reward.objects.create(
        shop=lan.shop, code="credit", name="20k credit", kind="wallet_credit", points=10, value=Decimal("20000")
    )
    give_points(lan, 25)
    url = reverse("member:redeem", kwargs={"slug": lan.shop.slug})
    response = phone.post(url, {"reward": "credit", "idempotency_key": "k" * 32}, follow=True)
    [message] = texts(response)
    assert "is in your wallet" in message and "20,000" in message and "counter" not in message
    assert "Paid into your wallet" in response.content.decode()


def test_the_empty_stamp_circles_are_hidden_from_screen_readers(phone, lan):
    html = phone.get(shop_url(lan)).content.decode()
    assert '<ol class="stamps" aria-hidden="true">' in html
    assert "0 of 6 stamps" in html  # said once, in words


def test_the_share_button_and_the_share_links_carry_one_text(phone, lan):
    response = phone.get(shop_url(lan))
    page = response.context["page"]
    assert page.share_text == f"Join {lan.shop.name}'s loyalty club with my link:"
    assert f'data-text="{escape(page.share_text)}"' in response.content.decode()
    assert quote(page.share_text, safe="") in page.share["whatsapp"]


def test_history_shows_only_this_shops_entries(phone, lan):
    give_points(lan, 5)
    elsewhere = ProgramFactory().shop
    points_adjust(
        account_id=lan.account_id,
        actor=Actor(shop=elsewhere),
        points=7,
        reason="stray",
        at=timezone.now() - timedelta(minutes=1),
    )
    history = phone.get(reverse("member:history", kwargs={"slug": lan.shop.slug}))
    assert [entry.points for entry in history.context["entries"]] == [5]
    assert [entry.points for entry in signed_in(lan).get(shop_url(lan)).context["page"].history] == [5]
