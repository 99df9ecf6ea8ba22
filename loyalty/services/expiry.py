"""The expiry job (LEDGER.md: Expire), set-based: per batch, one short transaction of a handful of statements
whose cost grows with the lots, not with round trips. A killed run loses at most its batch; the next run finds
what is still due (an expiry is unique per lot), so a re-run changes nothing twice.

Dated lots are expired in ranges of their ids: lots sit in the table in the order they were made, so a range
touches each page of the ledger once, where batches of accounts (whose lots are spread over the whole table)
would come back to the same pages again and again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.hooks import job
from loyalty.models import Account, Allocation, EntryKind, LedgerEntry, Program, Shop, WebhookEndpoint
from loyalty.models.programs import ExpiryPolicy

from .batches import accounts_in_batches
from .sql import table
from .webhooks import points_changed

BATCH = 20_000  # lots per transaction (dated expiry), a fraction of a second of locks
ACCOUNTS_BATCH = 2000  # accounts per transaction (inactivity)


@job("points_expired")
def points_expire(*, as_of: datetime) -> int:
    return points_expire_dated(as_of=as_of) + points_expire_inactive(as_of=as_of)


def points_expire_dated(*, as_of: datetime) -> int:
    """Lots whose expires_at has come (days_after_earn, months_after_earn_month); each expires at that moment."""
    moment = connection.ops.adapt_datetimefield_value(as_of)
    listening, done, after = _listening_shops(), 0, 0
    for last in [*_range_ends(moment), None]:  # None: the rest, lots made while the job runs included
        within = "l.id > %s" + (" AND l.id <= %s" if last is not None else "")
        bounds = [after] if last is None else [after, last]
        accounts = LedgerEntry.objects.filter(id__gt=after, remaining__gt=0, expires_at__lte=as_of)
        if last is not None:
            accounts = accounts.filter(id__lte=last)
        elif not accounts.exists():
            break
        done += _expire_lots_of(
            accounts.values("account_id"),
            f"{within} AND l.expires_at <= %s",
            [*bounds, moment],
            "l.expires_at",
            [],
            listening,
        )
        after = last
    return done


def _range_ends(moment) -> list[int]:
    """The id of every BATCH-th due lot, in id order: the ends of the ranges the job takes one at a time."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM {table(LedgerEntry)}"
            " WHERE remaining > 0 AND expires_at <= %s) due WHERE n %% %s = 0 ORDER BY id",
            [moment, BATCH],
        )
        return [row[0] for row in cursor.fetchall()]


def points_expire_inactive(*, as_of: datetime) -> int:
    """Under the inactivity policy: every lot of an account without a purchase for `days` expires."""
    done, listening = 0, _listening_shops()
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
                f"l.occurred_at <= %s AND l.account_id IN (SELECT a.id FROM {table(Account)} a"
                " WHERE COALESCE(a.last_purchase_at, a.created_at) <= %s)"
            )
            cutoff = adapt(as_of - limit)
            moment = f"CASE WHEN l.occurred_at > {deadline} THEN %s ELSE {deadline} END"
            mine = f"l.account_id IN ({', '.join(['%s'] * len(ids))}) AND {still_idle}"
            return _expire_lots_of(
                ids, mine, [*ids, cutoff, cutoff], moment, [*params, adapt(as_of), *params], listening
            )

        done += accounts_in_batches(idle_accounts, expire, batch=ACCOUNTS_BATCH)
    return done


def _listening_shops() -> set[int]:
    """Shops with an active webhook endpoint: only they hear of each account's expiry (most shops: none)."""
    return set(WebhookEndpoint.objects.filter(active=True).values_list("shop_id", flat=True))


def _expire_lots_of(accounts, due: str, due_params, occurred_at: str, occurred_params, listening) -> int:
    """In one short transaction: lock the `accounts` (ids, or a query of them) in id order; one INSERT … SELECT
    writes an expiry entry per due lot (unique per lot, pointing at it), a second its allocation (found by that
    pointer, while the lot still holds its points), one aggregated UPDATE lowers the balances and one zeroes the
    lots. `due` and `occurred_at` are SQL over the lot `l` with their parameters; `due` is judged under the locks."""
    entry, allocation, account = table(LedgerEntry), table(Allocation), table(Account)
    due_lots = f"{entry} l WHERE l.remaining > 0 AND {due}"
    lot_params = list(due_params)
    with transaction.atomic(), connection.cursor() as cursor:
        list(Account.objects.select_for_update(no_key=True).filter(pk__in=accounts).order_by("pk").values_list("pk"))
        heard = _totals_for(cursor, due_lots, lot_params, listening)
        cursor.execute(
            f"INSERT INTO {entry} (account_id, shop_id, kind, points, occurred_at, created_at, source, reverses_id,"
            f" event_key, reason) SELECT l.account_id, l.shop_id, %s, -l.remaining, {occurred_at}, %s, %s, l.id, '', ''"
            f" FROM {due_lots}",
            [
                EntryKind.EXPIRE,
                *occurred_params,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                "expiry",
                *lot_params,
            ],
        )
        expired = cursor.rowcount
        if not expired:
            return 0
        cursor.execute(
            f"INSERT INTO {allocation} (entry_id, lot_id, points) SELECT e.id, e.reverses_id, -e.points FROM {entry} e"
            f" WHERE e.kind = %s AND e.reverses_id IN (SELECT l.id FROM {due_lots})",
            [EntryKind.EXPIRE, *lot_params],
        )
        cursor.execute(
            f"UPDATE {account} SET points_balance = points_balance - due.total FROM (SELECT l.account_id,"
            f" SUM(l.remaining) AS total FROM {due_lots} GROUP BY l.account_id) AS due"
            f" WHERE {account}.id = due.account_id",
            lot_params,
        )
        cursor.execute(f"UPDATE {entry} AS l SET remaining = 0 WHERE l.remaining > 0 AND {due}", lot_params)
        _announce(heard)
        return expired


def _totals_for(cursor, due_lots: str, lot_params: list, listening: set[int]) -> list[tuple]:
    """(shop, account, points about to expire) for the shops that listen, read before the lots are zeroed."""
    if not listening:
        return []
    shops = ", ".join(["%s"] * len(listening))
    cursor.execute(
        f"SELECT l.shop_id, l.account_id, SUM(l.remaining) FROM {due_lots} AND l.shop_id IN ({shops})"
        " GROUP BY l.shop_id, l.account_id",
        [*lot_params, *listening],
    )
    return cursor.fetchall()


def _announce(heard: list[tuple]) -> None:
    """points.changed for every account that lost points, for the shops that listen."""
    if not heard:
        return
    shops = Shop.objects.in_bulk({shop_id for shop_id, _, _ in heard})
    accounts = Account.objects.in_bulk({account_id for _, account_id, _ in heard})
    for shop_id, account_id, points in heard:
        points_changed(
            shops[shop_id], accounts[account_id], change=-int(points), reason="expire"
        )  # SUM is numeric on PostgreSQL
