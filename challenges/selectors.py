"""Reads the pages share: a member's challenges with their progress, badges, impact and surprise wins, each
formatted for the shop's currency and the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.formats import display_locale
from loyalty.money import format_money

from .models import BadgeKind, Board, Challenge, GoalKind, MemberBadge, Progress, SurpriseWin
from .services.challenges import open_challenges
from .services.impact import impact_total

RECENT_WINS = timedelta(days=30)


@dataclass(frozen=True)
class ChallengeRow:
    challenge: Challenge
    value: Decimal
    percent: int
    completed: bool
    text: str  # "2 of 5 visits"


def number(value: Decimal) -> str:
    return format_decimal(value.normalize(), locale=display_locale())


def progress_text(challenge: Challenge, value: Decimal, currency: str) -> str:
    kind, target = challenge.goal_kind, int(challenge.target)
    done = min(int(value), target) if kind != GoalKind.SPEND else value
    if kind == GoalKind.SPEND:
        locale = str(display_locale())
        return _("%(done)s of %(target)s spent") % {
            "done": format_money(min(value, challenge.target), currency, locale),
            "target": format_money(challenge.target, currency, locale),
        }
    words = {
        GoalKind.VISITS: ngettext("%(done)s of %(target)s visit", "%(done)s of %(target)s visits", target),
        GoalKind.DISTINCT_ITEMS: ngettext(
            "%(done)s of %(target)s different item", "%(done)s of %(target)s different items", target
        ),
        GoalKind.CATEGORIES: ngettext(
            "%(done)s of %(target)s different category", "%(done)s of %(target)s different categories", target
        ),
        GoalKind.STREAK: ngettext(
            "%(done)s of %(target)s week in a row", "%(done)s of %(target)s weeks in a row", target
        ),
        GoalKind.REFERRALS: ngettext(
            "%(done)s of %(target)s friend approved", "%(done)s of %(target)s friends approved", target
        ),
    }
    return words[kind] % {"done": done, "target": target}


def member_challenges(member, at: datetime) -> list[ChallengeRow]:
    """The challenges open now that the member may take part in, with their progress (0 before a first purchase)."""
    challenges = [c for c in open_challenges(member.shop, at) if not c.tiers or _tier_code(member) in c.tiers]
    progress = {p.challenge_id: p for p in Progress.objects.filter(member=member, challenge__in=challenges)}
    rows = []
    for challenge in challenges:
        row = progress.get(challenge.pk)
        value = row.value if row else Decimal(0)
        completed = bool(row and row.completed_at)
        percent = 100 if completed else int(min(value / challenge.target, 1) * 100)
        rows.append(
            ChallengeRow(challenge, value, percent, completed, progress_text(challenge, value, member.shop.currency))
        )
    return rows


def _tier_code(member) -> str | None:
    tier = member.account.tier
    return tier.code if tier else None


def badge_label(badge: MemberBadge) -> str:
    if badge.name:
        return badge.name
    if badge.kind == BadgeKind.FIRST_VISIT:
        return _("First visit")
    if badge.kind == BadgeKind.ANNIVERSARY:
        years = int(badge.ref or 1)
        return ngettext("%(years)s year with us", "%(years)s years with us", years) % {"years": years}
    if badge.kind == BadgeKind.LEADERBOARD:
        month, place, *board = badge.ref.split(":")
        if board == [Board.REFERRALS]:
            return _("Top referrer %(place)s in %(month)s") % {"place": place, "month": month}
        return _("Top %(place)s in %(month)s") % {"place": place, "month": month}
    if badge.kind == BadgeKind.REFERRAL and badge.ref:
        friends = int(badge.ref)
        return ngettext("%(n)s friend brought", "%(n)s friends brought", friends) % {"n": friends}
    return badge.get_kind_display()


def member_badges(member) -> list[tuple[MemberBadge, str]]:
    return [(badge, badge_label(badge)) for badge in MemberBadge.objects.filter(member=member)]


def recent_wins(member, at: datetime):
    return SurpriseWin.objects.filter(member=member, won_at__gte=at - RECENT_WINS).select_related(
        "voucher__reward", "surprise"
    )


def impact_figures(impact, member=None) -> dict:
    """The shop's counter and, with a member, their own share, as people read them."""
    shop = impact.shop
    figures = {"impact": impact, "total": number(impact_total(shop))}
    if member is not None:
        figures["mine"] = number(impact_total(shop, member))
    return figures
