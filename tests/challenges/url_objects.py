"""The challenges app's URL arguments for the portal's tenant-isolation walk (tests/portal/test_tenant_isolation.py):
how to make an object of a given shop. The shop's page (s/) is public by design and names its shop by slug; its
ideas and votes belong to that shop's signed-in members: test_community.py here covers them."""

from __future__ import annotations

from datetime import date

from challenges.models import Challenge, Idea, LeaderboardPrize, Surprise
from challenges.services.ideas import idea_post
from loyalty.models import Shop
from rewards.services import reward_save
from tests.factories import ProgramFactory, enrol

SKIPPED_PREFIXES = ("s/",)


def _shop(shop: Shop) -> Shop:
    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    return Shop.objects.get(pk=shop.pk)


def _challenge(shop: Shop) -> Challenge:
    return Challenge.objects.create(
        shop=shop, code=f"walk-{Challenge.objects.count()}", name="Walk", goal_kind="visits", target=3,
        starts=date(2031, 3, 1), ends=date(2031, 4, 1),
    )  # fmt: skip


def _idea(shop: Shop) -> Idea:
    return idea_post(member=enrol(_shop(shop)), text="More oat milk")


def _reward(shop: Shop):
    return reward_save(shop=shop, name="Pastry", kind="free_item", points=0, voucher_valid_days=14)


def _prize(shop: Shop) -> LeaderboardPrize:
    shop = _shop(shop)
    place = LeaderboardPrize.objects.filter(shop=shop).count() + 1
    return LeaderboardPrize.objects.create(shop=shop, board="visits", place=place, reward=_reward(shop))


def _surprise(shop: Shop) -> Surprise:
    shop = _shop(shop)
    reward = _reward(shop)
    return Surprise.objects.create(shop=shop, code=f"walk-{Surprise.objects.count()}", name="Walk", one_in=20,
                                   reward=reward)  # fmt: skip


OBJECTS = {
    "challenge_id": lambda shop: _challenge(shop).pk,
    "idea_id": lambda shop: _idea(shop).pk,
    "surprise_id": lambda shop: _surprise(shop).pk,
    "prize_id": lambda shop: _prize(shop).pk,
}
