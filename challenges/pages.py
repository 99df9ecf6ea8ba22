"""What the fun adds to the core's pages (loyalty.hooks page sections): the member's card (challenges with
progress bars, badges, the impact counter and their share, surprise wins, the leaderboard setting), the
counter's member panel ("2 of 5 visits this month", a surprise just won), the counter's purchase page and the
receipt (what the purchase won) and the portal's member page. A shop
that runs none of it pays no query for them."""

from __future__ import annotations

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from loyalty import hooks

from .models import Impact, SurpriseWin
from .selectors import impact_figures, member_badges, member_challenges, recent_wins
from .services.leaderboards import leaderboard, month_of, on_leaderboard
from .services.runs import runs


def _context(member, *, with_wins: bool) -> dict | None:
    shop = member.shop
    running = runs(shop, member.account.program)
    if not running.anything:
        return None
    now = timezone.now()
    context = {
        "challenge_rows": member_challenges(member, now) if running.challenges else [],
        "badges": member_badges(member),
        "wins": list(recent_wins(member, now)) if with_wins and running.surprises else [],
        "leaderboard_on": running.community and shop.community.leaderboard,
    }
    if running.impact:
        context.update(impact_figures(Impact.objects.select_related("shop").get(shop=shop), member))
    return context


@hooks.page_section("member.card", "challenges/partials/member_card.html", order=50)
def member_card(*, member, **_):
    context = _context(member, with_wins=True)
    if context is not None and context["leaderboard_on"]:
        context["opted_in"] = on_leaderboard(member)
        if context["opted_in"]:
            places = leaderboard(member.shop, month_of(timezone.now(), member.shop.tz))
            context["my_place"] = next((p for p in places if p.member_id == member.pk), None)
    return context


@hooks.page_section("counter.member", "challenges/partials/counter.html", order=50)
def counter_member(*, member, **_):
    context = _context(member, with_wins=True)
    if context is not None:
        context["wins"] = [win for win in context["wins"] if win.voucher.status == "issued"]
    return context


@hooks.page_section("portal.member", "challenges/partials/portal_member.html", order=50)
def portal_member(*, member, **_):
    return _context(member, with_wins=True)


def _wins_of(purchase) -> list[SurpriseWin]:
    if not runs(purchase.shop).surprises:
        return []
    return list(SurpriseWin.objects.filter(purchase=purchase).select_related("voucher__reward"))


@hooks.page_section("counter.purchase", "challenges/partials/counter_purchase.html", order=50)
def counter_purchase(*, purchase, **_):
    wins = _wins_of(purchase)
    return {"purchase_wins": wins} if wins else None


@hooks.receipt_line
def receipt_wins(purchase) -> list:
    won = gettext_lazy("Surprise! This purchase won {reward}: voucher {code}.")
    wins = [win for win in _wins_of(purchase) if win.cancelled_by_id is None]
    return [format_lazy(won, reward=win.voucher.reward.name, code=win.voucher.code) for win in wins]
