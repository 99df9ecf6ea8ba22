"""Periodic jobs. Each computes what is due at `as_of` from the data, in short batched transactions, so a
re-run for the same moment, or after a killed run, changes nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.hooks import HOUSEKEEPING_ORDER, job, jobs_in_order
from loyalty.models import (
    Account,
    Allocation,
    EntryKind,
    LedgerEntry,
    Member,
    Message,
    Program,
    Shop,
    WebhookEndpoint,
)
from loyalty.models.programs import ExpiryPolicy

from .batches import accounts_in_batches
from .bonuses import bonus_award
from .idempotency import idempotency_purge
from .ledger import Actor
from .member_messages import birthday_dedupe_key, birthday_greet, points_expiring_notify, vouchers_expiring_notify
from .message_delivery import messages_due
from .tiers import tiers_review
from .webhooks import points_changed, webhooks_due


def _expire_lots_of(account_ids: list[int], due: str, due_params: list, occurred_at: str, occurred_params: list) -> int:
    """In one short transaction: lock the accounts, write one expiry entry per due lot (unique per lot, pointing
    at it) with one INSERT … SELECT whose RETURNING rows become the allocations (one bulk insert, no join back),
    lower the balances with one aggregated UPDATE, zero the lots. `due` and `occurred_at` are SQL over the lot
    `l` with their parameters."""
    entry, account = LedgerEntry._meta.db_table, Account._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    ids = ", ".join(["%s"] * len(account_ids))
    due_lots = f"{entry} l WHERE l.account_id IN ({ids}) AND l.remaining > 0 AND {due}"
    lot_params = [*account_ids, *due_params]
    with transaction.atomic(), connection.cursor() as cursor:
        list(Account.objects.select_for_update(no_key=True).filter(pk__in=account_ids).order_by("pk").values_list("pk"))
        cursor.execute(
            f"INSERT INTO {entry} (account_id, shop_id, kind, points, occurred_at, created_at, source, reverses_id,"
            f" event_key, reason) SELECT l.account_id, l.shop_id, %s, -l.remaining, {occurred_at}, %s, %s, l.id, '', ''"
            f" FROM {due_lots} RETURNING id, reverses_id, -points, account_id, shop_id",
            [EntryKind.EXPIRE, *occurred_params, adapt(timezone.now()), "expiry", *lot_params],
        )
        drawn = cursor.fetchall()  # (expiry entry, its lot, points): allocated without joining back
        if not drawn:
            return 0
        Allocation.objects.bulk_create(
            [Allocation(entry_id=e, lot_id=lot, points=points) for e, lot, points, *_ in drawn], batch_size=2000
        )
        cursor.execute(
            f"UPDATE {account} SET points_balance = points_balance - due.total FROM (SELECT l.account_id,"
            f" SUM(l.remaining) AS total FROM {due_lots} GROUP BY l.account_id) AS due"
            f" WHERE {account}.id = due.account_id",
            lot_params,
        )
        cursor.execute(f"UPDATE {entry} SET remaining = 0 WHERE id IN (SELECT l.id FROM {due_lots})", lot_params)
        _announce_expiries(drawn)
        return len(drawn)


def _announce_expiries(drawn: list[tuple]) -> None:
    """points.changed for every account that lost points, for the shops that listen (most shops: none)."""
    by_shop: dict[int, dict[int, int]] = {}
    for _entry, _lot, points, account_id, shop_id in drawn:
        totals = by_shop.setdefault(shop_id, {})
        totals[account_id] = totals.get(account_id, 0) + points
    listening = set(WebhookEndpoint.objects.filter(shop_id__in=by_shop, active=True).values_list("shop_id", flat=True))
    for shop in Shop.objects.filter(pk__in=listening):
        for account in Account.objects.filter(pk__in=by_shop[shop.pk]):
            points_changed(shop, account, change=-by_shop[shop.pk][account.pk], reason="expire")


def points_expire_dated(*, as_of: datetime) -> int:
    """Lots whose expires_at has come (days_after_earn, months_after_earn_month); each expires at that moment."""
    moment = connection.ops.adapt_datetimefield_value(as_of)
    return accounts_in_batches(
        LedgerEntry.objects.filter(expires_at__lte=as_of, remaining__gt=0),
        lambda ids: _expire_lots_of(ids, "l.expires_at <= %s", [moment], "l.expires_at", []),
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

        def expire(ids, limit=limit, as_of=as_of):
            """Every open lot of these idle accounts that is itself older than the limit (a bonus given while
            idle lives its own `days`), expiring at the account's deadline, or at `as_of` for such newer lots."""
            adapt = connection.ops.adapt_datetimefield_value
            deadlines = Account.objects.filter(pk__in=ids).values_list("pk", "last_purchase_at", "created_at")
            cases, params = [], []
            for account_id, last, created in deadlines:
                cases.append("WHEN %s THEN %s")
                params += [account_id, adapt((last or created) + limit)]
            deadline = f"CASE l.account_id {' '.join(cases)} END"
            # Idleness is judged again under the accounts' lock: a purchase meanwhile keeps the points.
            still_idle = (
                f"l.occurred_at <= %s AND l.account_id IN (SELECT a.id FROM {Account._meta.db_table} a"
                " WHERE COALESCE(a.last_purchase_at, a.created_at) <= %s)"
            )
            cutoff = adapt(as_of - limit)
            moment = f"CASE WHEN l.occurred_at > {deadline} THEN %s ELSE {deadline} END"
            return _expire_lots_of(ids, still_idle, [cutoff, cutoff], moment, [*params, adapt(as_of), *params])

        done += accounts_in_batches(idle_accounts, expire)
    return done


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


@job("points_expired")
def points_expire(*, as_of: datetime) -> int:
    return points_expire_dated(as_of=as_of) + points_expire_inactive(as_of=as_of)


# The core's reminders and safety nets, after the jobs cli.md names.
job("idempotency_keys_purged", order=HOUSEKEEPING_ORDER)(idempotency_purge)
job("webhooks_requeued", order=HOUSEKEEPING_ORDER + 1)(webhooks_due)
job("points_expiring_messages", order=HOUSEKEEPING_ORDER + 2)(points_expiring_notify)
job("vouchers_expiring_messages", order=HOUSEKEEPING_ORDER + 3)(vouchers_expiring_notify)
job("messages_requeued", order=HOUSEKEEPING_ORDER + 4)(messages_due)


def run_all(*, as_of: datetime) -> dict:
    """Every registered periodic job once, in order (loyalty.hooks.JOB_ORDER: the order cli.md gives)."""
    return {registered.name: registered.run(as_of=as_of) for registered in jobs_in_order()}
