"""What the referral program adds to other pages (loyalty.hooks page sections): the member's card page (their
code, link and its QR, share buttons stay the core's; progress on the ladder; choosing a vanity code; the
month's leaderboard when the shop opted in), the counter's member panel and the portal's member page. A shop
without a referral program pays no query for them."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.member_site.access import absolute_url
from loyalty.member_site.views.pages import inline_svg
from loyalty.qr import qr_svg
from loyalty.services.rules import first_of_month

from .models import LeaderboardEntry, Referral, Status, VanityCode
from .selectors import ladder_of, leaderboard
from .services.programs import program_of


def link_of(member) -> str:
    return absolute_url(reverse("referrals:link", kwargs={"code": member.referral_code}))


def month_of(at: datetime, tz) -> tuple[datetime, datetime]:
    local = at.astimezone(tz)
    return first_of_month(local.year, local.month, tz), first_of_month(local.year, local.month + 1, tz)


def _counts(member) -> dict:
    rows = Referral.objects.filter(referrer=member).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


@hooks.page_section("member.card", "referrals/partials/member_card.html", order=50)
def member_card(*, member, request=None, **_kwargs):
    program = program_of(member.shop, member.account.program)
    if program is None:
        return None
    link = link_of(member)
    start, end = month_of(timezone.now(), member.shop.tz)
    return {
        "referral": {
            "program": program,
            "code": member.referral_code,
            "link": link,
            "qr": inline_svg(qr_svg(link).replace(b' id="qr-path"', b"")),  # the card's QR has that id
            "ladder": ladder_of(member, program),
            "counts": _counts(member),
            "may_choose_code": not VanityCode.objects.filter(member=member).exists(),
            "leaders": leaderboard(member.shop, start=start, end=end) if program.leaderboard else None,
            "on_leaderboard": LeaderboardEntry.objects.filter(member=member).exists() if program.leaderboard else False,
        }
    }


def _referred_by(member):
    return Referral.objects.select_related("referrer").filter(referee=member).first()


@hooks.page_section("counter.member", "referrals/partials/counter.html", order=50)
def counter_member(*, member, request=None, **_kwargs):
    program = program_of(member.shop, member.account.program)
    if program is None:
        return None
    return {
        "referral": {"code": member.referral_code, "ladder": ladder_of(member, program), "by": _referred_by(member)}
    }


@hooks.page_section("portal.member", "referrals/partials/portal_member.html", order=50)
def portal_member(*, member, request=None, **_kwargs):
    program = program_of(member.shop, member.account.program)
    if program is None:
        return None
    counts = _counts(member)
    return {
        "referral": {
            "code": member.referral_code,
            "counts": [(label, counts.get(value, 0)) for value, label in Status.choices],
            "by": _referred_by(member),
            "ladder": ladder_of(member, program),
        }
    }


@hooks.page_section("shop.page", "referrals/partials/shop_page.html", order=50)
def shop_page(*, shop, request=None, **_kwargs):
    """The month's top referrers on the shop's public page, when the shop shows its leaderboard (the slot is the
    public page's, whichever app renders that page)."""
    program = program_of(shop, shop.program)
    if program is None or not program.leaderboard:
        return None
    start, end = month_of(timezone.now(), shop.tz)
    return {"referral_board": {"month": start, "leaders": leaderboard(shop, start=start, end=end)}}


@hooks.entry_source_label("referral")
def entry_label(entry) -> str:
    return str(_("A friend you invited"))
