"""The dashboard's figures for the current shop: members, purchases, points earned and held, redemptions."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import Member
from loyalty.portal.queries import dashboard_figures
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem
from tests.factories import enrol

HOME = reverse("portal:home")


def buy(member, external_id, amount="400000", **fields):
    return purchase_record(shop=member.shop, external_id=external_id, amount=Decimal(amount), member=member, **fields)


def test_the_figures_count_the_last_30_days_of_this_shop_only(cafe, other_shop):
    now = timezone.now()
    lan, minh = enrol(cafe), enrol(cafe)
    Member.objects.filter(pk=minh.pk).update(created_at=now - timedelta(days=45))
    buy(lan, "recent")  # 10 stars
    buy(minh, "old", "800000", occurred_at=now - timedelta(days=40))  # 20 stars, long ago
    points_adjust(account_id=minh.account_id, actor=Actor(shop=cafe), points=-5, reason="x", at=now)
    reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))  # 10 stars
    buy(enrol(other_shop), "theirs", "4000000")

    figures = dashboard_figures(cafe, now)
    assert (figures.members, figures.new_members) == (2, 1)
    assert (figures.purchases, figures.sales) == (1, Decimal("400000"))
    assert figures.points_earned == 10
    assert figures.points_liability == 15  # lan 0, minh 20 - 5
    assert figures.liability_value == Decimal("15000")  # a star is worth 1,000 VND
    assert (figures.redemptions, figures.points_redeemed) == (1, 10)


def test_the_dashboard_shows_the_figures(as_user, cafe, cafe_staff):
    lan = enrol(cafe)
    buy(lan, "r1")
    html = as_user(cafe_staff["cashier"]).get(HOME).content.decode()
    assert "The last 30 days" in html
    assert "₫400,000" in html and "stars earned" in html and "stars held by members" in html
    assert "worth ₫10,000 if all are spent" in html


def test_merged_members_are_not_counted(cafe):
    from loyalty.services.members import members_merge

    keep, duplicate = enrol(cafe), enrol(cafe)
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=cafe))
    assert dashboard_figures(cafe, timezone.now()).members == 1


def test_the_dashboard_costs_the_same_queries_for_a_busy_shop(as_user, cafe, cafe_staff):
    client = as_user(cafe_staff["owner"])
    with CaptureQueriesContext(connection) as quiet:
        client.get(HOME)
    for number in range(10):
        member = enrol(cafe)
        buy(member, f"r{number}")
        reward_redeem(member=member, reward_code="free-coffee", actor=Actor(shop=cafe))
    with CaptureQueriesContext(connection) as busy:
        client.get(HOME)
    assert len(busy) == len(quiet)


def test_every_figure_follows_undos_cancellations_and_refunds(cafe):
    """An undone redemption, an undone purchase and a half refund leave the figures as if they never counted."""
    from loyalty.services.counter import undo_purchase, undo_redemption
    from loyalty.services.refunds import purchase_refund

    lan = enrol(cafe)
    kept = buy(lan, "kept", "800000").purchase  # 20 stars
    mistake = buy(lan, "mistake").purchase  # 10 stars, undone
    undo_purchase(shop=cafe, purchase_id=mistake.pk, actor=Actor(shop=cafe))
    purchase_refund(shop=cafe, purchase_id=kept.pk, amount=Decimal("400000"), external_id="half")  # -10 stars
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    undo_redemption(shop=cafe, code=voucher.code, actor=Actor(shop=cafe))

    figures = dashboard_figures(cafe, timezone.now())
    assert (figures.purchases, figures.sales) == (1, Decimal("400000"))
    assert figures.points_earned == 10
    assert (figures.redemptions, figures.points_redeemed) == (0, 0)
    assert figures.points_liability == 10

    reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    figures = dashboard_figures(cafe, timezone.now())
    assert (figures.redemptions, figures.points_redeemed, figures.points_liability) == (1, 10, 0)
