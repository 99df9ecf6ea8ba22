"""Leaving a coalition with notice (docs/coalitions.md, "Leaving").

An owner gives notice of a leaving day at least NOTICE_DAYS ahead; the shop leaves at the start of that day in
the coalition's time zone, when the `coalitions_left` job first runs as of that moment or later. Leaving sets
`left_at` (the final statement counts the shop's entries up to it) and gives each member of the shop whose
account is shared with a member at a remaining shop a fresh account of the shop's own program; the shared
account, its balance and its history stay with the remaining shops. Nothing already written changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import NotFound
from loyalty.models import Account, Member, Program, Shop
from loyalty.services.tiers import starting_tier

from ..errors import NoticeRefused
from ..models import AccountSplit, CoalitionShop
from .settlement import coalition_tz

NOTICE_DAYS = 30


def earliest_leaving_day(term: CoalitionShop, at: datetime | None = None) -> date:
    tz = coalition_tz(term.coalition)
    return timezone.localdate(at or timezone.now(), timezone=tz) + timedelta(days=NOTICE_DAYS)


def leaving_moment(term: CoalitionShop, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=coalition_tz(term.coalition))


def _locked_term(shop: Shop) -> CoalitionShop:
    term = (
        CoalitionShop.objects.current().select_for_update(of=("self",)).filter(shop=shop).select_related("coalition")
    ).first()
    if term is None:
        raise NotFound(_("Your shop is not in a coalition."), code="coalition_not_found")
    return term


@transaction.atomic
def notice_give(*, shop: Shop, leaves_on: date, by=None, at: datetime | None = None) -> CoalitionShop:
    """Notice that the shop leaves its coalition at the start of `leaves_on`; giving it again moves the day."""
    at = at or timezone.now()
    term = _locked_term(shop)
    earliest = earliest_leaving_day(term, at)
    if leaves_on < earliest:
        message = _("Give at least %(days)s days' notice: the earliest leaving day is %(day)s.") % {
            "days": NOTICE_DAYS,
            "day": earliest.isoformat(),
        }
        raise NoticeRefused(message, fields={"leaves_on": message})
    term.leaves_at, term.notice_given_at, term.notice_given_by = leaving_moment(term, leaves_on), at, by
    term.save(update_fields=["leaves_at", "notice_given_at", "notice_given_by"])
    return term


@transaction.atomic
def notice_withdraw(*, shop: Shop) -> CoalitionShop:
    """The shop stays after all: only before the notice takes effect."""
    term = _locked_term(shop)
    if term.leaves_at is None:
        raise NoticeRefused(_("Your shop has given no notice to withdraw."))
    term.leaves_at = term.notice_given_at = term.notice_given_by = None
    term.save(update_fields=["leaves_at", "notice_given_at", "notice_given_by"])
    return term


def _shared_members(term: CoalitionShop):
    """The shop's current members whose account a current member at a remaining shop of the coalition shares."""
    remaining = CoalitionShop.objects.current().filter(coalition_id=term.coalition_id).exclude(shop_id=term.shop_id)
    elsewhere = Member.objects.current().filter(
        account_id=OuterRef("account_id"), shop_id__in=remaining.values("shop_id")
    )
    return Member.objects.current().filter(Exists(elsewhere), shop_id=term.shop_id).order_by("pk")


@transaction.atomic
def coalition_leave(*, term: CoalitionShop, at: datetime) -> CoalitionShop:
    """The shop leaves at `at`; a term that has left already changes nothing (a re-run of the job)."""
    term = CoalitionShop.objects.select_for_update(of=("self",)).select_related("shop__program").get(pk=term.pk)
    if term.left_at is not None:
        return term
    members = list(_shared_members(term))
    # One lock order (LEDGER.md): the shared accounts first, so no spend at another shop runs half-split.
    list(Account.objects.select_for_update(no_key=True).filter(pk__in={m.account_id for m in members}).order_by("pk"))
    term.left_at = at
    term.save(update_fields=["left_at"])
    program = term.shop.program
    tier = starting_tier(list(program.tiers.order_by("threshold")))
    accounts = Account.objects.bulk_create(
        Account(program=program, tier=tier, tier_since=at if tier else None) for _m in members
    )
    splits = []
    for member, account in zip(members, accounts, strict=True):
        splits.append(
            AccountSplit(term=term, member=member, shared_account_id=member.account_id, own_account=account, at=at)
        )
        member.account = account
    Member.objects.bulk_update(members, ["account"], batch_size=500)
    AccountSplit.objects.bulk_create(splits, batch_size=500)
    Program.objects.filter(pk=program.pk).update(
        updated_at=timezone.now()
    )  # its member pages learn it left (notices.py)
    return term


@hooks.job("coalitions_left")
def coalitions_left(*, as_of: datetime) -> int:
    """Shops whose notice took effect by `as_of` leave, each in its own transaction; a re-run finds none."""
    due = CoalitionShop.objects.current().filter(leaves_at__lte=as_of).order_by("leaves_at", "pk")
    left = 0
    for term in list(due):
        coalition_leave(term=term, at=as_of)
        left += 1
    return left
