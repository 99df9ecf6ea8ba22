"""A reward priced at 0 points is only ever given (stamp cards, referrals, birthdays): nobody redeems it, whoever
asks — the service refuses, and the counter, the till API and the member pages each say so their own way."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loyalty.services.ledger import Actor, points_adjust
from rewards.errors import NotEligible
from rewards.models import Reward, Voucher
from rewards.selectors import reward_ineligibility
from rewards.services import reward_redeem, voucher_issue
from tests.factories import StaffFactory, enrol


@pytest.fixture
def cafe(shop):
    Reward.objects.create(
        shop=shop, code="birthday-cake", name="Birthday cake", kind="gift", points=0, value=Decimal("60000")
    )
    Reward.objects.create(
        shop=shop, code="free-coffee", name="Free coffee", kind="free_item", points=2, value=Decimal("45000")
    )
    return shop


@pytest.fixture
def member(cafe):
    member = enrol(cafe)
    points_adjust(account_id=member.account_id, actor=Actor(shop=cafe), points=10, reason="test", at=timezone.now())
    return member


def test_a_given_only_reward_cannot_be_redeemed(cafe, member):
    with pytest.raises(NotEligible) as refused:
        reward_redeem(member=member, reward_code="birthday-cake", actor=Actor(shop=cafe))
    assert refused.value.message == "This reward is only given, never redeemed."
    assert refused.value.status == 409
    assert not Voucher.objects.filter(member=member).exists()
    member.account.refresh_from_db()
    assert member.account.points_balance == 10


def test_a_given_only_reward_is_never_eligible_for_redemption(cafe, member):
    cake = Reward.objects.get(shop=cafe, code="birthday-cake")
    assert reward_ineligibility(cake, member, available=10, at=timezone.now()) == "not_eligible"


def test_a_given_only_reward_is_still_issued(cafe, member):
    cake = Reward.objects.get(shop=cafe, code="birthday-cake")
    voucher = voucher_issue(reward=cake, member=member, source="birthday")
    assert voucher.points_spent == 0 and voucher.status == "issued"


def test_the_counter_refuses_it_with_a_message(cafe, member):
    counter = Client()
    counter.force_login(StaffFactory(shop=cafe, role="cashier").user)
    url = reverse("counter:redeem", kwargs={"member_id": member.pk})
    response = counter.post(url, {"idempotency_key": uuid.uuid4().hex, "reward": "birthday-cake"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Voucher.objects.filter(member=member).exists()
