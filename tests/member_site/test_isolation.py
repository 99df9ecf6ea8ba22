"""Rule 4 for the member pages: every page of a shop answers 404 to a customer who is not a member there, and
works for one who is. The walk covers every member: route that takes a shop."""

import pytest
from django.urls import get_resolver, reverse

from rewards.services import voucher_issue
from tests.counter.helpers import give_points
from tests.factories import ProgramFactory, enrol

from .conftest import signed_in


def member_routes_with_a_shop() -> list[str]:
    resolver = get_resolver().namespace_dict["member"][1]
    return sorted(pattern.name for pattern in resolver.url_patterns if "slug" in pattern.pattern.regex.groupindex)


def test_the_walk_finds_the_shop_pages():
    assert {"shop", "qr_svg", "redeem", "voucher", "history", "settings", "data", "forget"} <= set(
        member_routes_with_a_shop()
    )


def url_for(name: str, member, voucher_code: str) -> str:
    kwargs = {"slug": member.shop.slug}
    if name == "voucher":
        kwargs["voucher_code"] = voucher_code
    return reverse(f"member:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", member_routes_with_a_shop())
def test_another_shops_page_is_404_and_ones_own_is_not(name, cafe, lan):
    stranger_shop = ProgramFactory().shop
    stranger = enrol(stranger_shop, name="Stranger")
    give_points(stranger, 5)
    reward = stranger_shop.rewards.create(code="gift", name="Gift", kind="gift", points=1)
    theirs = voucher_issue(reward=reward, member=stranger, source="manual")
    phone = signed_in(lan)
    answers = {
        phone.get(url_for(name, stranger, theirs.code)).status_code,
        phone.post(url_for(name, stranger, theirs.code)).status_code,
    }
    assert 404 in answers and answers <= {404, 405}

    own_reward = cafe.rewards.get(code="free-coffee")
    mine = voucher_issue(reward=own_reward, member=lan, source="manual")
    own = {phone.get(url_for(name, lan, mine.code)).status_code}
    assert 404 not in own
