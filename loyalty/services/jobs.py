"""Periodic jobs. Each computes what is due at `as_of` from the data, in short batched transactions, so a
re-run for the same moment, or after a killed run, changes nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, Sum

from loyalty.hooks import HOUSEKEEPING_ORDER, job, jobs_in_order
from loyalty.models import (
    EntryKind,
    LedgerEntry,
    Member,
    Message,
    Program,
    Shop,
)

from .bonuses import bonus_award
from .idempotency import idempotency_purge
from .ledger import Actor
from .member_messages import birthday_dedupe_key, birthday_greet, points_expiring_notify, vouchers_expiring_notify
from .message_delivery import messages_due
from .tiers import tiers_review
from .webhooks import webhooks_due


@job("tiers")
def tiers_review_all(*, as_of: datetime) -> dict:
    moved = {"up": 0, "down": 0}
    for program in Program.objects.filter(tiers__isnull=False).distinct().select_related("shop"):
        tz = program.shop.tz if program.shop_id else as_of.tzinfo
        with transaction.atomic():
            result = tiers_review(program, as_of=as_of, tz=tz)
        moved = {k: moved[k] + result[k] for k in moved}
    return moved


@job("birthday_bonuses")
def birthday_bonuses(*, as_of: datetime, look_back_days: int = 6) -> int:
    """Members whose birthday fell in the last week (in their shop's time zone) and who have not had this
    year's birthday bonus get it: a run missed for a few days still pays, a re-run pays nothing twice.
    Then the greeting, decided from the data too: every such member whose account got a birthday bonus in that
    week and this year, and who has no greeting this year yet, so a run killed between the two still greets."""
    awarded = 0
    for shop in Shop.objects.filter(program__bonuses__event="birthday").distinct():
        today = as_of.astimezone(shop.tz).date()
        # Only this calendar year's days: the bonus is once a year, keyed by the year it is paid in.
        days = [d for d in (today - timedelta(days=n) for n in range(look_back_days + 1)) if d.year == today.year]
        match = Q()
        for day in days:
            match |= Q(birthday__month=day.month, birthday__day=day.day)
            if day.month == 2 and day.day == 28 and not _is_leap(day.year):
                match |= Q(birthday__month=2, birthday__day=29)
        members = list(
            Member.objects.filter(match, shop=shop, merged_into__isnull=True).select_related("shop__program")
        )
        for member in members:
            points = bonus_award(member=member, event="birthday", actor=Actor(shop=shop), at=as_of)
            awarded += bool(points)
        since = max(as_of - timedelta(days=look_back_days + 1), _start_of_year(today.year, shop.tz))
        _birthdays_greet(shop, members, since=since, as_of=as_of)
    return awarded


def _birthdays_greet(shop: Shop, members: list[Member], *, since: datetime, as_of: datetime) -> None:
    """Greet the members whose account's birthday bonus was paid in (since, as_of] and who have no greeting."""
    if not members:
        return
    paid = dict(
        LedgerEntry.objects.filter(
            shop_id=shop.pk,
            account_id__in=[member.account_id for member in members],
            kind=EntryKind.BONUS,
            event_key__startswith="bonus:birthday:",
            occurred_at__gt=since,
            occurred_at__lte=as_of,
        )
        .values("account_id")
        .annotate(points=Sum("points"))
        .values_list("account_id", "points")
    )
    keys = {member.pk: birthday_dedupe_key(member, at=as_of) for member in members if member.account_id in paid}
    greeted = set(
        Message.objects.filter(shop_id=shop.pk, dedupe_key__in=list(keys.values())).values_list("dedupe_key", flat=True)
    )
    for member in members:
        if member.pk in keys and keys[member.pk] not in greeted:
            birthday_greet(member=member, points=paid[member.account_id], at=as_of)


def _start_of_year(year: int, tz) -> datetime:
    return datetime(year, 1, 1, tzinfo=tz)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# The core's reminders and safety nets, after the jobs cli.md names.
job("idempotency_keys_purged", order=HOUSEKEEPING_ORDER)(idempotency_purge)
job("webhooks_requeued", order=HOUSEKEEPING_ORDER + 1)(webhooks_due)
job("points_expiring_messages", order=HOUSEKEEPING_ORDER + 2)(points_expiring_notify)
job("vouchers_expiring_messages", order=HOUSEKEEPING_ORDER + 3)(vouchers_expiring_notify)
job("messages_requeued", order=HOUSEKEEPING_ORDER + 4)(messages_due)


def run_all(*, as_of: datetime) -> dict:
    """Every registered periodic job once, in order (loyalty.hooks.JOB_ORDER: the order cli.md gives)."""
    return {registered.name: registered.run(as_of=as_of) for registered in jobs_in_order()}
