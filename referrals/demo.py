"""The demo café's referral program (`python manage.py demo`): the friend's 10% off, points for the referrer, a
ladder of rewards, the leaderboard, and one regular's referrals in every state (approved by the job, bought and
waiting, only signed up, rejected for the referrer's own email, voided by a refund, held for review)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty import hooks
from loyalty.services.ledger import Actor
from loyalty.services.members import member_enrol, member_update
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund

from .services.approval import referrals_approve
from .services.codes import leaderboard_choose

FRIENDS = ["Phan Gia Hân", "Vũ Đức Huy", "Đặng Mỹ Linh", "Bùi Quang Nam", "Hồ Ngọc Quỳnh"]


@hooks.demo_document
def add_referral(document: dict) -> None:
    document["referral"] = {
        "enabled": True,
        "referee_reward": "ten-percent",  # the catalogue's 10% off, given to the friend
        "referrer_points": 20,
        "review_days": 14,
        "max_per_week": 10,
        "milestones": [
            {"count": 2, "reward": "cake-slice"},
            {"count": 5, "reward": "tote-bag"},
            {"count": 10, "reward": "plant-a-tree"},
        ],
        "leaderboard": True,
    }


@hooks.demo_history
def make_history(shop) -> None:
    now = timezone.now()
    actor = Actor(shop=shop, location=shop.locations.order_by("code").first())
    referrer = shop.members.current().order_by("pk").first()
    member_update(member=referrer, email="an.nguyen@demo.regulars.local")
    serial = iter(range(100))

    def join(name: str, days_ago: int, **fields):
        return member_enrol(
            shop=shop, phone=f"+8493{5550000 + next(serial):07d}", name=name, referral_code=referrer.referral_code,
            actor=actor, at=now - timedelta(days=days_ago), **{"channel": "counter", **fields},
        )  # fmt: skip

    def buy(member, days_ago: int, amount: str = "95000"):
        return purchase_record(
            shop=shop, external_id=f"DEMO-R{member.pk}-{days_ago}", amount=Decimal(amount), member=member,
            occurred_at=now - timedelta(days=days_ago), payment_method="cash", actor=actor, now=now,
        ).purchase  # fmt: skip

    for index, name in enumerate(FRIENDS[:3]):  # approved: the first purchase was more than 14 days ago
        buy(join(name, 45 - index), 35 - index)
    buy(join(FRIENDS[3], 8), 5)  # purchased, approved in 9 days
    join(FRIENDS[4], 2)  # signed up, no purchase yet
    join("An (second phone)", 20, email="AN.NGUYEN@Demo.Regulars.local")  # the referrer's own: rejected
    refunded = buy(join("Tạ Minh Phúc", 30), 25)
    purchase_refund(shop=shop, purchase_id=refunded.pk, amount=refunded.amount, external_id=f"DEMO-RF{refunded.pk}",
                    actor=actor, now=now - timedelta(days=24))  # fmt: skip
    for index in range(3):  # one browser, three sign-ups within the hour on the join page: the third waits
        join(f"Khách {index + 1}", 1, channel="join_page", device="demo-shared-tablet")
    referrals_approve(as_of=now)
    leaderboard_choose(member=referrer, shown=True)
