"""What a member's shop page shows, read in a fixed number of queries whatever the member's history.

Numbers and money are formatted here for the active language and the shop's currency; the views activate the
member's language and the shop's time zone before calling in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote, urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from loyalty.counter.present import money, reward_value
from loyalty.formats import last_usable_day
from loyalty.models import LedgerEntry, Member
from loyalty.points_names import basis_phrase
from loyalty.selectors import PointsSummary, entries_as_read, points_summary, program_of_member, stamp_cards_of
from loyalty.services.members import member_card_number
from loyalty.services.tiers import basis_by_account
from rewards.selectors import reward_names, rewards_within_reach, vouchers_open_for

from .access import absolute_url

RECENT_HISTORY = 5


@dataclass
class TierProgress:
    current: object  # TierLevel or None
    next: object  # TierLevel or None: None at the top
    percent: int  # how far from the current level's threshold to the next one's
    remaining: str  # "80,000 ₫", "120 points", "3 visits" (formatted for the language and currency)


@dataclass
class ShopPage:
    member: Member
    card_number: str | None
    points: PointsSummary
    points_name: str
    wallet: str | None
    tier: TierProgress | None
    stamps: list[dict]
    vouchers: list
    rewards: list
    history: list[LedgerEntry]
    reward_names: dict[str, str]
    referral_url: str
    share_text: str
    share: dict[str, str]

    @property
    def expiring_last_day(self) -> date | None:
        """The last day the soonest-expiring points can be spent, in the shop's calendar."""
        if self.points.expiring_at is None:
            return None
        return last_usable_day(self.points.expiring_at, self.member.shop.tz)


def tier_progress(account, at: datetime, shop) -> TierProgress | None:
    """The member's tier and how much more of the tier basis reaches the next one (None: no tiers, or an account
    opened at another shop of a coalition, whose tiers are that shop's)."""
    program = account.program
    if program.shop_id != shop.pk:
        return None
    tiers = list(program.tiers.order_by("threshold"))
    if not tiers:
        return None
    basis = basis_by_account(program, at, shop.tz, account_ids=[account.pk]).get(account.pk, Decimal(0))
    current = account.tier
    floor = current.threshold if current else Decimal(0)
    upcoming = next((level for level in tiers if level.threshold > max(floor, basis)), None)
    if upcoming is None:
        return TierProgress(current=current, next=None, percent=100, remaining="")
    span = upcoming.threshold - floor
    done = max(Decimal(0), min(basis - floor, span))
    percent = int(done * 100 / span) if span > 0 else 0
    remaining = basis_phrase(program, upcoming.threshold - basis, shop.currency)
    return TierProgress(current=current, next=upcoming, percent=percent, remaining=remaining)


def referral_url(member: Member) -> str:
    """The referral program's own link (/r/<code>, when an app serves the URL `referrals:link`), else the join
    page carrying the code."""
    try:
        return absolute_url(reverse("referrals:link", kwargs={"code": member.referral_code}))
    except NoReverseMatch:
        join = reverse("join", kwargs={"slug": member.shop.slug})
        return absolute_url(f"{join}?{urlencode({'ref': member.referral_code})}")


def share_links(url: str, text: str) -> dict[str, str]:
    """Links that open each app's share screen with the referral link (the Web Share API button is the page's JS)."""
    message = f"{text} {url}"
    return {
        "zalo": f"https://sp.zalo.me/share_to_zalo?url={quote(url, safe='')}",
        "messenger": f"fb-messenger://share/?link={quote(url, safe='')}",
        "whatsapp": f"https://wa.me/?text={quote(message, safe='')}",
        "sms": f"sms:?&body={quote(message, safe='')}",
    }


def history_of(member: Member):
    """The member's ledger entries at their shop, newest first (the account's entries: a merged duplicate's are
    mirrored)."""
    return entries_as_read(LedgerEntry.objects.filter(shop=member.shop, account_id=member.account_id)).order_by(
        "-occurred_at", "-id"
    )


def shop_page(member: Member, at: datetime) -> ShopPage:
    account, shop = member.account, member.shop
    points = points_summary(account, at)
    rewards = rewards_within_reach(member, points.available, at)
    for reward in rewards:
        reward.value_text = reward_value(reward, shop.currency)
    vouchers = list(vouchers_open_for(member, at).select_related("reward"))
    url = referral_url(member)
    share_text = _("Join %(shop)s's loyalty club with my link:") % {"shop": shop.name}
    return ShopPage(
        member=member,
        card_number=member_card_number(member),
        points=points,
        points_name=account.program.points_name,
        wallet=money(account.wallet_balance, shop.currency) if account.wallet_balance else None,
        tier=tier_progress(account, at, shop),
        stamps=stamp_cards_of(account, program_of_member(member)),
        vouchers=vouchers,
        rewards=rewards,
        history=list(history_of(member)[:RECENT_HISTORY]),
        reward_names=reward_names(shop),
        referral_url=url,
        share_text=share_text,
        share=share_links(url, share_text),
    )
