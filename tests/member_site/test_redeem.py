"""Redeeming a reward from the phone: points spent once, the voucher's code and QR shown; refusals in plain words."""

import re

from django.urls import reverse

from loyalty.models import EntryKind, LedgerEntry
from loyalty.qr import qr_svg
from loyalty.services.invariants import ledger_violations
from rewards.models import Voucher
from tests.counter.helpers import give_points, key, texts
from tests.factories import ProgramFactory, enrol

from .conftest import signed_in


def redeem(client, member, reward="free-coffee", idempotency_key=None, follow=False):
    url = reverse("member:redeem", kwargs={"slug": member.shop.slug})
    return client.post(url, {"reward": reward, "idempotency_key": idempotency_key or key()}, follow=follow)


def test_redeeming_spends_the_points_and_shows_the_voucher_with_its_qr(phone, lan):
    give_points(lan, 25)
    response = redeem(phone, lan)
    voucher = Voucher.objects.get(member=lan)
    assert response.status_code == 302
    assert response["Location"] == f"/m/{lan.shop.slug}/vouchers/{voucher.code}/"
    lan.account.refresh_from_db()
    assert lan.account.points_balance == 15 and voucher.points_spent == 10
    assert LedgerEntry.objects.filter(account=lan.account, kind=EntryKind.REDEEM, points=-10).count() == 1
    page = phone.get(response["Location"]).content.decode()
    svg = qr_svg(voucher.code).decode()
    assert voucher.code in page and svg[svg.index("<svg") :] in page and "Free coffee" in page
    assert ledger_violations([lan.account_id]) == []


def test_a_double_tap_redeems_once(phone, lan):
    give_points(lan, 25)
    same = key()
    first, second = redeem(phone, lan, idempotency_key=same), redeem(phone, lan, idempotency_key=same)
    assert first["Location"] == second["Location"]
    assert Voucher.objects.filter(member=lan).count() == 1


def test_not_enough_points_is_said_plainly_and_nothing_is_spent(phone, lan):
    give_points(lan, 5)
    response = redeem(phone, lan, follow=True)
    assert "You do not have enough points for this reward yet." in texts(response)
    assert not Voucher.objects.filter(member=lan).exists()
    lan.account.refresh_from_db()
    assert lan.account.points_balance == 5


def test_a_reward_that_is_only_given_cannot_be_redeemed_by_posting_its_code(phone, lan):
    from rewards.models import Reward

    Reward.objects.create(shop=lan.shop, code="birthday-cake", name="Birthday cake", kind="gift", points=0)
    give_points(lan, 25)
    response = redeem(phone, lan, reward="birthday-cake", follow=True)
    assert texts(response) == ["This reward is only given, never redeemed."]
    assert not Voucher.objects.filter(member=lan).exists()
    lan.account.refresh_from_db()
    assert lan.account.points_balance == 25


def test_an_unknown_reward_is_refused(phone, lan):
    give_points(lan, 25)
    response = redeem(phone, lan, reward="no-such-reward", follow=True)
    assert "This reward is no longer in the catalogue." in texts(response)


def test_the_rewards_list_offers_redeem_with_a_confirmation(phone, lan):
    give_points(lan, 25)
    html = phone.get(reverse("member:shop", kwargs={"slug": lan.shop.slug})).content.decode()
    form = re.search(r'<form method="post" action="/m/[^"]+/redeem/"\s+data-confirm="([^"]+)"', html)
    assert form and "Spend 10 points on Free coffee?" in form.group(1)


def test_another_members_voucher_is_404(phone, lan, cafe):
    minh = enrol(cafe, name="Minh")
    give_points(minh, 25)
    redeem(signed_in(minh), minh)
    theirs = Voucher.objects.get(member=minh)
    url = reverse("member:voucher", kwargs={"slug": cafe.slug, "voucher_code": theirs.code})
    assert phone.get(url).status_code == 404


def test_a_voucher_through_another_shops_address_is_404(phone, lan):
    give_points(lan, 25)
    redeem(phone, lan)
    mine = Voucher.objects.get(member=lan)
    elsewhere = enrol(ProgramFactory().shop, email="lan@example.com")
    elsewhere.user = lan.user
    elsewhere.save(update_fields=["user"])
    url = reverse("member:voucher", kwargs={"slug": elsewhere.shop.slug, "voucher_code": mine.code})
    assert phone.get(url).status_code == 404


def test_a_used_voucher_shows_no_qr(phone, lan):
    from rewards.services import voucher_use

    give_points(lan, 25)
    location = redeem(phone, lan)["Location"]
    voucher = Voucher.objects.get(member=lan)
    voucher_use(shop=lan.shop, code=voucher.code)
    page = phone.get(location).content.decode()
    assert "data-voucher-qr" not in page and "Used" in page
