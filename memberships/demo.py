"""The demo café's paid plan (`python manage.py demo`): "Sương VIP", yearly, cheaper for members with points, with
5% off, ×1.5 points and a free coffee every month; two regulars who bought it (one partly with points); and a
prepaid pack of ten coffees, one of them bought and partly used."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty import hooks
from loyalty.models import Member
from loyalty.services.ledger import Actor

from .models import PaymentMethod
from .services.lifecycle import membership_purchase
from .services.packs import pack_buy, pack_use
from .services.plans import membership_quote, plan_get

PLAN = "suong-vip"


@hooks.demo_document
def add_memberships(document: dict) -> None:
    document["memberships"] = [
        {
            "code": PLAN,
            "name": "Sương VIP",
            "period": "year",
            "prices": [{"min_points": 300, "price": "199000"}, {"price": "299000"}],
            "trial_days": 0,
            "grace_days": 7,
            "benefits": {
                "discount_percent": "5",
                "points_multiplier": "1.5",
                "free_delivery": True,
                "monthly_rewards": ["free-coffee"],
                "member_rewards": [],
                "allowances": [],
            },
        }
    ]
    document["packs"] = [
        {"code": "coffee-10", "name": "10 coffees for the price of 8", "uses": 10, "price": "312000", "valid_days": 90}
    ]


@hooks.demo_history
def make_history(shop) -> None:
    """The two regulars with the most points bought the plan at the counter this week: one in cash, one partly with
    points."""
    now = timezone.now()
    actor = Actor(shop=shop, location=shop.locations.order_by("code").first())
    plan = plan_get(shop, PLAN)
    members = list(
        Member.objects.select_related("account__tier", "shop__program")
        .filter(shop=shop)
        .order_by("-account__points_balance", "pk")[:2]
    )
    for index, member in enumerate(members):
        at = now - timedelta(days=4 - index)
        quote = membership_quote(plan=plan, member=member, at=at)
        price = quote.price
        points = min(50, quote.points_available) if index else 0
        worth = Decimal(points) * shop.program.point_value
        membership_purchase(
            member=member,
            plan_code=PLAN,
            amount_paid=price - worth,
            points=points,
            method=PaymentMethod.CASH if not index else PaymentMethod.CARD,
            reference=f"DEMO-VIP-{index + 1}",
            actor=actor,
            at=at,
        )
    _pack_history(shop, actor, now)


def _pack_history(shop, actor, now) -> None:
    """A regular bought a coffee pack two weeks ago and has had three of its coffees."""
    member = Member.objects.select_related("shop").filter(shop=shop).order_by("pk")[2:3].first()
    if member is None:
        return
    bought = pack_buy(
        member=member, pack_code="coffee-10", amount_paid=Decimal("312000"), method=PaymentMethod.CASH,
        actor=actor, at=now - timedelta(days=14),
    )  # fmt: skip
    for day in (12, 7, 2):
        pack_use(purchase=bought, actor=actor, at=now - timedelta(days=day))
