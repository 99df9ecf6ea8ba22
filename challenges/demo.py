"""The demo café's fun (`python manage.py demo`): a visits challenge and a "three kinds" challenge for this month,
a tree planted for every ten visits, a surprise slice of cake one purchase in fifteen, the monthly leaderboard with a
prize, and a few ideas on the shop's page, one answered."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from loyalty import hooks

from .models import IdeaStatus
from .services.ideas import idea_answer, idea_post
from .services.leaderboards import leaderboard_opt_in


def _this_month() -> tuple[date, date]:
    today = timezone.now().date()
    start = today.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


@hooks.demo_document
def add_fun(document: dict) -> None:
    starts, ends = _this_month()
    document["challenges"] = [
        {
            "code": "regular",
            "name": "Visit 5 times this month",
            "goal": {"kind": "visits", "target": 5},
            "starts": starts.isoformat(),
            "ends": ends.isoformat(),
            "points": 20,
            "reward": None,
            "badge": "Regular",
        },
        {
            "code": "explorer",
            "name": "Try coffee, tea and food",
            "goal": {"kind": "categories", "target": 3, "categories": ["coffee", "tea", "food"]},
            "starts": starts.isoformat(),
            "ends": ends.isoformat(),
            "points": 0,
            "reward": "cake-slice",
            "badge": "Explorer",
        },
        {
            "code": "ambassador",
            "name": "Bring 2 friends this month",
            "goal": {"kind": "referrals", "target": 2},
            "starts": starts.isoformat(),
            "ends": ends.isoformat(),
            "points": 30,
            "reward": None,
            "badge": "Ambassador",
        },
    ]
    document["impact"] = {"name": "Trees planted", "unit": "trees", "per": "purchase", "quantity": "0.1"}
    document["surprises"] = [{"code": "cake", "name": "Surprise cake", "one_in": 15, "reward": "cake-slice"}]
    document["community"] = {
        "badges": True,
        "leaderboard": {"enabled": True, "prizes": [{"place": 1, "reward": "free-coffee"}]},
        "ideas": True,
    }


@hooks.demo_history
def make_history(shop) -> None:
    """Half the customers on the leaderboard; ideas from two of them, one the owner answered."""
    now = timezone.now()
    members = list(shop.members.current().order_by("pk")[:8])
    for index, member in enumerate(members):
        leaderboard_opt_in(member=member, opted_in=index % 2 == 0)
    if len(members) >= 2:
        idea = idea_post(member=members[0], text="Oat milk for the iced coffee, please!", at=now - timedelta(days=3))
        idea_answer(idea=idea, answer="From next week, at both shops.", status=IdeaStatus.PLANNED, at=now)
        idea_post(member=members[1], text="A loyalty stamp for bringing your own cup.", at=now - timedelta(days=1))
