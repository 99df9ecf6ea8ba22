"""The monthly leaderboards: members who opted in (off by default), ranked by their visits in the calendar month
by the shop's clock (purchases not wholly refunded) or by the referrals approved in it (ReferralCredit, less those
voided since), shown by first name and initial only. When a month has closed, the job gives the owner's prizes to
each board's top places, once per (shop, board, month, place)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from loyalty import hooks
from loyalty.models import Member, Purchase
from loyalty.names import public_name
from loyalty.services.sql import insert_unless_conflict
from rewards.models import VoucherSource
from rewards.services import voucher_issue

from ..models import Board, Community, LeaderboardAward, LeaderboardPrize, MemberPreference, ReferralCredit
from .badges import badge_give
from .goals import KEPT

VOUCHER_SOURCE = VoucherSource.LEADERBOARD
TOP = 10


@dataclass(frozen=True)
class Place:
    place: int
    member_id: int
    display_name: str
    score: int


def month_bounds(month: date, tz) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    following = next_month(month)
    return start, datetime(following.year, following.month, 1, tzinfo=tz)


def month_of(moment: datetime, tz) -> date:
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def _scores(shop, board: str, opted, start: datetime, end: datetime):
    """Each opted-in member's score in [start, end) with the moment of their first scoring act, for ties."""
    if board == Board.REFERRALS:
        rows = ReferralCredit.objects.filter(
            shop=shop, member_id__in=opted, approved_at__gte=start, approved_at__lt=end, voided_at__isnull=True
        )
        first = Min("approved_at")
    else:
        rows = Purchase.objects.filter(
            shop=shop, member_id__in=opted, occurred_at__gte=start, occurred_at__lt=end
        ).filter(KEPT)
        first = Min("occurred_at")
    return rows.values("member_id").annotate(score=Count("id"), first=first)


def leaderboard(shop, month: date, *, limit: int = TOP, board: str = Board.VISITS) -> list[Place]:
    """The month's top visitors (or referrers) among the members who opted in; ties go to who scored first."""
    start, end = month_bounds(month, shop.tz)
    opted = MemberPreference.objects.filter(member__shop=shop, leaderboard=True).values("member_id")
    rows = list(_scores(shop, board, opted, start, end).order_by("-score", "first", "member_id")[:limit])
    names = dict(Member.objects.current().filter(pk__in=[row["member_id"] for row in rows]).values_list("pk", "name"))
    places = [row for row in rows if row["member_id"] in names]  # erased or merged members drop out
    return [
        Place(
            place=index,
            member_id=row["member_id"],
            display_name=public_name(names[row["member_id"]]),
            score=row["score"],
        )
        for index, row in enumerate(places, start=1)
    ]


def leaderboard_opt_in(*, member: Member, opted_in: bool) -> MemberPreference:
    preference, _ = MemberPreference.objects.update_or_create(member=member, defaults={"leaderboard": opted_in})
    return preference


def on_leaderboard(member: Member) -> bool:
    return MemberPreference.objects.filter(member=member, leaderboard=True).exists()


@hooks.job("leaderboard_prizes", order=hooks.HOUSEKEEPING_ORDER)
def leaderboard_prizes(*, as_of: datetime | None = None) -> int:
    """Give the prizes of every month that has closed by `as_of` (by each shop's clock) since the shop's community
    started, to each board's top places. What is due is computed from the data and each award is unique, so a late
    run catches up, and a re-run or two workers give each prize once."""
    as_of = as_of or timezone.now()
    given = 0
    for community in Community.objects.filter(leaderboard=True).select_related("shop"):
        shop = community.shop
        boards: dict[str, dict] = {}
        for prize in LeaderboardPrize.objects.filter(shop=shop).select_related("reward"):
            boards.setdefault(prize.board, {})[prize.place] = prize
        for board, prizes in boards.items():
            given += _award_board(
                shop, board, prizes, month_of(community.since, shop.tz), month_of(as_of, shop.tz), as_of
            )
    return given


def _award_board(shop, board: str, prizes: dict, month: date, current: date, as_of: datetime) -> int:
    given = 0
    awarded = set(LeaderboardAward.objects.filter(shop=shop, board=board).values_list("month", "place"))
    while month < current:
        if any((month, place) not in awarded for place in prizes):  # months given in full cost nothing
            given += _award_month(shop, board, month, prizes, awarded, as_of)
        month = next_month(month)
    return given


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


@transaction.atomic
def _award_month(shop, board: str, month: date, prizes: dict, awarded: set, at: datetime) -> int:
    given = 0
    for place in leaderboard(shop, month, limit=max(prizes), board=board):
        prize = prizes.get(place.place)
        if prize is not None and (month, place.place) not in awarded:
            given += _award(shop, board, month, place, prize, at)
    return given


def _award(shop, board: str, month: date, place: Place, prize: LeaderboardPrize, at: datetime) -> int:
    member = Member.objects.select_related("shop").get(pk=place.member_id)
    with transaction.atomic():
        voucher = voucher_issue(reward=prize.reward, member=member, source=VOUCHER_SOURCE, at=at)
        award = LeaderboardAward(
            shop=shop,
            board=board,
            month=month,
            place=place.place,
            member=member,
            score=place.score,
            voucher=voucher,
            awarded_at=at,
        )
        if not insert_unless_conflict(award, unique=("shop", "board", "month", "place")):
            transaction.set_rollback(True)  # another worker gave it meanwhile: drop this voucher
            return 0
    badge_give(member=member, kind="leaderboard", ref=_badge_ref(board, month, place.place), at=at)
    return 1


def _badge_ref(board: str, month: date, place: int) -> str:
    """The visitors' badges keep the ref they had before the referrers' board: `2031-03:1`."""
    ref = f"{month:%Y-%m}:{place}"
    return ref if board == Board.VISITS else f"{ref}:{board}"
