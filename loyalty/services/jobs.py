"""Periodic jobs. Each computes what is due at `as_of` from the data, in short batched transactions, so a
re-run for the same moment, or after a killed run, changes nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

from loyalty.models import Account, Allocation, EntryKind, LedgerEntry, Member, Program, Shop
from loyalty.models.programs import ExpiryPolicy

from .bonuses import bonus_award
from .ledger import Actor
from .tiers import tiers_review

BATCH = 500


def _expire_lots_of(account_ids: list[int], lot_filter: Q, occurred_at_expr) -> int:
    """In one transaction: lock the accounts, write one expiry entry per due lot (unique per lot), allocate it,
    zero the lots, and lower the balances with one aggregated UPDATE."""
    with transaction.atomic():
        list(Account.objects.select_for_update(no_key=True).filter(pk__in=account_ids).order_by("pk").values_list("pk"))
        lots = list(
            LedgerEntry.objects.filter(lot_filter, account_id__in=account_ids, remaining__gt=0)
            .annotate(expire_at=occurred_at_expr)
            .values("id", "account_id", "shop_id", "remaining", "expire_at")
        )
        if not lots:
            return 0
        entries = LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    account_id=lot["account_id"],
                    shop_id=lot["shop_id"],
                    kind=EntryKind.EXPIRE,
                    points=-lot["remaining"],
                    occurred_at=lot["expire_at"],
                    reverses_id=lot["id"],
                    source="expiry",
                )
                for lot in lots
            ],
            batch_size=1000,
        )
        Allocation.objects.bulk_create(
            [
                Allocation(entry_id=entry.pk, lot_id=lot["id"], points=lot["remaining"])
                for entry, lot in zip(entries, lots, strict=True)
            ],
            batch_size=1000,
        )
        LedgerEntry.objects.filter(pk__in=[lot["id"] for lot in lots]).update(remaining=0)
        totals: dict[int, int] = {}
        for lot in lots:
            totals[lot["account_id"]] = totals.get(lot["account_id"], 0) + lot["remaining"]
        Account.objects.filter(pk__in=list(totals)).update(
            points_balance=F("points_balance")
            - Case(*[When(pk=a, then=Value(t)) for a, t in totals.items()], default=0)
        )
        return len(lots)


def _in_batches(ids_query, work) -> int:
    done, after = 0, 0
    while True:
        ids = list(
            ids_query.filter(account_id__gt=after)
            .order_by("account_id")
            .values_list("account_id", flat=True)
            .distinct()[:BATCH]
        )
        if not ids:
            return done
        done += work(ids)
        after = ids[-1]


def points_expire_dated(*, as_of: datetime) -> int:
    """Lots whose expires_at has come (days_after_earn, months_after_earn_month)."""
    due = Q(expires_at__lte=as_of)
    return _in_batches(
        LedgerEntry.objects.filter(due, remaining__gt=0),
        lambda ids: _expire_lots_of(ids, due, F("expires_at")),
    )


def points_expire_inactive(*, as_of: datetime) -> int:
    """Under the inactivity policy: every lot of an account without a purchase for `days` expires."""
    done = 0
    for program in Program.objects.filter(expiry_policy=ExpiryPolicy.INACTIVITY, expiry_days__isnull=False):
        limit = timedelta(days=program.expiry_days)
        idle = (
            Account.objects.filter(program=program)
            .annotate(last_active=Coalesce("last_purchase_at", "created_at"))
            .filter(last_active__lte=as_of - limit)
        )
        idle_accounts = LedgerEntry.objects.filter(account__in=idle.values("pk"), remaining__gt=0)

        def expire(ids, limit=limit):
            deadline = {
                a: (last or created) + limit
                for a, last, created in Account.objects.filter(pk__in=ids).values_list(
                    "pk", "last_purchase_at", "created_at"
                )
            }
            when = Case(*[When(account_id=a, then=Value(d)) for a, d in deadline.items()])
            return _expire_lots_of(ids, Q(), when)

        done += _in_batches(idle_accounts, expire)
    return done


def tiers_review_all(*, as_of: datetime) -> dict:
    moved = {"up": 0, "down": 0}
    for program in Program.objects.filter(tiers__isnull=False).distinct().select_related("shop"):
        tz = program.shop.tz if program.shop_id else as_of.tzinfo
        with transaction.atomic():
            result = tiers_review(program, as_of=as_of, tz=tz)
        moved = {k: moved[k] + result[k] for k in moved}
    return moved


def birthday_bonuses(*, as_of: datetime, look_back_days: int = 6) -> int:
    """Members whose birthday fell in the last week (in their shop's time zone) and who have not had this
    year's birthday bonus get it: a run missed for a few days still pays, a re-run pays nothing twice."""
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
        for member in Member.objects.filter(match, shop=shop, merged_into__isnull=True).select_related("shop"):
            awarded += bool(bonus_award(member=member, event="birthday", actor=Actor(shop=shop), at=as_of))
    return awarded


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def run_all(*, as_of: datetime) -> dict:
    """Every periodic job once, in the order cli.md gives."""
    from rewards.services import vouchers_expire

    from .idempotency import idempotency_purge
    from .webhooks import webhooks_due

    return {
        "points_expired": points_expire_dated(as_of=as_of) + points_expire_inactive(as_of=as_of),
        "tiers": tiers_review_all(as_of=as_of),
        "birthday_bonuses": birthday_bonuses(as_of=as_of),
        "vouchers_expired": vouchers_expire(as_of=as_of),
        "idempotency_keys_purged": idempotency_purge(as_of=as_of),
        "webhooks_requeued": webhooks_due(as_of=as_of),
    }
