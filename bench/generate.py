"""The data generator the benchmarks use: shops, members, accounts, cards, purchases and a ledger that
passes `manage.py ledger_check`, written with set-based SQL (INSERT … SELECT generate_series), not the
per-purchase service, so a million purchases take minutes, not hours.

    python -m bench.generate --shops 10 --members 100000 --purchases 1000000 [--lots-expiring-fraction F]

What it makes (see bench/README.md for the numbers' shape):

- `--shops` shops through `config_import` (the one path for configuration): VND cafés with two locations, a
  points program (1 point per 10,000 ₫, beans ×2, a "double points on coffee" campaign, a happy hour),
  tiers on points earned over a rolling 12 months (Member 0 / Silver 100 / Gold 250 / Platinum 600, 30 days'
  grace), expiry 12 months after the month of earning, a coffee stamp card and its reward.
- `--members` members spread round-robin over the shops, each with an account and a card (Luhn digit), who
  joined at a random moment from 17 months to a week ago.
- `--purchases` purchases over the last `--months` (15) months: a member drawn with a skew (a few regulars
  buy a lot, most rarely), at a random moment between when they joined (or the start of the history) and
  now, 20,000–200,000 ₫, one earn lot each (available at once; `expires_at` by the program's policy).
  Ids follow time, as they would in production.
- Lots whose expiry has passed were expired by an earlier run of the job: an `expire` entry, its
  allocation and `remaining = 0`, as the job writes them. `--lots-expiring-fraction F` instead leaves a
  fraction F of all lots due but not yet expired (`expires_at` between when they were earned and now,
  `remaining` = points), as after a job outage: F=1 makes every lot due, which the expiry benchmark uses.
- Each account's cached figures from its ledger: `points_balance` (the sum of its entries),
  `lifetime_earned`, `last_purchase_at`, and the tier its basis earned at last month's review (so
  today's review has real work: upgrades, and downgrades entering their grace period).

Bulk-load habits, all scoped to the generator's own transaction: foreign-key triggers off
(`session_replication_role = replica`; every key is correct by construction), `synchronous_commit` off,
a large `work_mem`; then the id sequences are moved past the new rows and the tables are VACUUM ANALYZEd,
as autovacuum would have done on a live database.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta

TIERS = [
    {"code": "member", "name": "Member", "threshold": 0},
    {"code": "silver", "name": "Silver", "threshold": 100, "multiplier": "1.1"},
    {"code": "gold", "name": "Gold", "threshold": 250, "multiplier": "1.25", "discount_percent": "5"},
    {"code": "platinum", "name": "Platinum", "threshold": 600, "multiplier": "1.5", "discount_percent": "10"},
]
SLUG_PREFIX = "bench-"
TABLES = [
    "loyalty_account",
    "loyalty_member",
    "loyalty_card",
    "loyalty_purchase",
    "loyalty_ledgerentry",
    "loyalty_allocation",
]


def shop_document(index: int) -> dict:
    """The configuration file (spec/program-config.md) of bench shop number `index`."""
    return {
        "merchant": {
            "slug": f"{SLUG_PREFIX}{index:03d}",
            "name": f"Bench café {index}",
            "country": "VN",
            "currency": "VND",
            "timezone": "Asia/Ho_Chi_Minh",
            "language": "vi",
            "locations": [{"code": "main", "name": "Main counter"}, {"code": "kiosk", "name": "Kiosk"}],
        },
        "program": {
            "name": f"Bench club {index}",
            "points_name": "points",
            "point_value": "100",
            "earn": {"per_amount": "10000", "points": 1, "rounding": "down", "min_spend": "0"},
            "pending_days": 0,
            "expiry": {"policy": "months_after_earn_month", "months": 12},
            "backdate_days": 90,
            "category_multipliers": [{"category": "beans", "multiplier": "2"}],
            "campaigns": [
                {
                    "code": "coffee-double",
                    "name": "Double points on coffee",
                    "multiplier": "2",
                    "categories": ["coffee"],
                },
                {"code": "happy-hour", "name": "Happy hour", "multiplier": "1.5", "hours": ["14:00", "16:00"]},
            ],
            "tiers": {
                "basis": "points_earned",
                "window": "rolling_12_months",
                "downgrade_grace_days": 30,
                "levels": TIERS,
            },
            "stamp_cards": [
                {
                    "code": "coffee",
                    "name": "Coffee card",
                    "stamps_required": 10,
                    "per": "item",
                    "categories": ["coffee"],
                    "reward": "free-coffee",
                }
            ],
        },
        "rewards": [
            {"code": "free-coffee", "name": "Free coffee", "kind": "free_item", "points": 40, "value": "39000"},
        ],
    }


def _scalar(cursor, sql: str, params=None):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def _max_id(cursor, table: str) -> int:
    return _scalar(cursor, f"SELECT coalesce(max(id), 0) FROM {table}")


def reset() -> None:
    """Empty every table of the bench database (TRUNCATE through `flush`)."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


def create_shops(count: int) -> list:
    from django.db import transaction

    from loyalty.models import Shop
    from loyalty.services.config import config_import

    start = 1 + sum(1 for slug in Shop.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
    shops = []
    with transaction.atomic():
        for index in range(start, start + count):
            shops.append(config_import(shop_document(index)))
    return shops


LUHN_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.bench_luhn(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT ((10 - sum(CASE WHEN i % 2 = 0 THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END) ELSE d END)
                % 10) % 10)::text
  FROM (SELECT i, substr(reverse(body), i + 1, 1)::int AS d FROM generate_series(0, length(body) - 1) i) x
$$
"""


def generate(
    *,
    shops: int = 10,
    members: int = 100_000,
    purchases: int = 1_000_000,
    lots_expiring_fraction: float = 0.0,
    months: int = 15,
    seed: int = 42,
    do_reset: bool = False,
    check: bool = False,
    log=print,
) -> dict:
    """Generate the data set; returns the figures (rows, seconds, rows per second per step)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.env import require_bench_database
    from loyalty.models import TierLevel

    require_bench_database()
    if not 0 <= lots_expiring_fraction <= 1:
        raise SystemExit("--lots-expiring-fraction must be between 0 and 1")
    if shops < 1 or members < shops or purchases < 0:
        raise SystemExit("need at least one shop and at least one member per shop")
    stats: dict = {
        "shops": shops,
        "members": members,
        "purchases": purchases,
        "lots_expiring_fraction": lots_expiring_fraction,
        "months": months,
        "seed": seed,
        "steps": [],
    }
    started = time.perf_counter()
    if do_reset:
        t = time.perf_counter()
        reset()
        log(f"  reset (flush)               {time.perf_counter() - t:8.2f} s")

    def step(name: str, rows: int, seconds: float) -> None:
        rate = rows / seconds if seconds > 0 else 0.0
        stats["steps"].append({"step": name, "rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rate)})
        log(f"  {name:<28}{seconds:8.2f} s  {rows:>10,} rows  {rate:>10,.0f} rows/s")

    t = time.perf_counter()
    made = create_shops(shops)
    step("shops (config_import)", len(made), time.perf_counter() - t)

    now = timezone.now().replace(microsecond=0)
    params = {
        "now": now,
        "hist_start": now - timedelta(days=round(months * 30.44)),
        "join_start": now - timedelta(days=round(months * 30.44) + 60),
        "join_end": now - timedelta(days=7),
        "tier_asof": now - timedelta(days=30),
        "M": members,
        "P": purchases,
        "S": len(made),
        "F": lots_expiring_fraction,
    }
    bulk_started = time.perf_counter()
    inserted = 0
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")  # FK triggers off: keys are right by construction
        c.execute("SET LOCAL synchronous_commit = off")
        c.execute("SET LOCAL work_mem = '256MB'")
        c.execute("SELECT setseed(%s)", [((seed % 2000) - 1000) / 1000.0])
        c.execute(LUHN_SQL)
        c.execute(
            "CREATE TEMP TABLE bench_shop (sidx int PRIMARY KEY, shop_id bigint, program_id bigint, "
            "loc_a bigint, loc_b bigint, tz text, start_tier bigint) ON COMMIT DROP"
        )
        for sidx, shop in enumerate(made):
            locations = sorted(shop.locations.values_list("code", "pk"))  # kiosk, main
            start_tier = (
                TierLevel.objects.filter(program=shop.program, threshold=0).values_list("pk", flat=True).first()
            )
            c.execute(
                "INSERT INTO bench_shop VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [sidx, shop.pk, shop.program.pk, locations[1][1], locations[0][1], shop.timezone, start_tier],
            )
        base = {table: _max_id(c, table) for table in TABLES}
        params.update({f"base_{t.split('_', 1)[1]}": v for t, v in base.items()})

        # Accounts, each joined at a random moment; the starting tier, as enrolment gives it.
        t = time.perf_counter()
        c.execute(
            """
            INSERT INTO loyalty_account (id, program_id, points_balance, lifetime_earned, wallet_balance,
                                         purchases_count, tier_id, tier_since, created_at)
            SELECT %(base_account)s + row_number() OVER (ORDER BY j.joined), s.program_id, 0, 0, 0, 0,
                   s.start_tier, j.joined, j.joined
            FROM generate_series(1, %(M)s) g
            JOIN bench_shop s ON s.sidx = (g - 1) %% %(S)s
            CROSS JOIN LATERAL (
                SELECT %(join_start)s::timestamptz + random() * (%(join_end)s::timestamptz - %(join_start)s) AS joined
                WHERE g IS NOT NULL
            ) j
            ORDER BY j.joined
            """,
            params,
        )
        step("accounts", c.rowcount, time.perf_counter() - t)
        inserted += c.rowcount

        t = time.perf_counter()
        c.execute(
            """
            INSERT INTO loyalty_member (id, shop_id, account_id, phone, name, email, birthday, marketing_consent,
                                        consent_at, consent_source, enrolled_location_id, referral_code,
                                        qr_key_version, receipts, language, channel, created_at)
            SELECT a.id - %(base_account)s + %(base_member)s, s.shop_id, a.id,
                   '+849' || lpad((a.id - %(base_account)s + %(base_member)s)::text, 8, '0'),
                   'Bench member ' || (a.id - %(base_account)s + %(base_member)s), '',
                   CASE WHEN random() < 0.6 THEN date '1970-01-01' + floor(random() * 14000)::int END,
                   c.consent, CASE WHEN c.consent THEN a.created_at END, CASE WHEN c.consent THEN 'counter' ELSE '' END,
                   CASE WHEN random() < 0.7 THEN s.loc_a ELSE s.loc_b END,
                   'BN' || (a.id - %(base_account)s + %(base_member)s), 1, true, '', '', a.created_at
            FROM loyalty_account a
            JOIN bench_shop s ON s.program_id = a.program_id
            CROSS JOIN LATERAL (SELECT random() < 0.4 AS consent WHERE a.id IS NOT NULL) c
            WHERE a.id > %(base_account)s
            ORDER BY a.id
            """,
            params,
        )
        step("members", c.rowcount, time.perf_counter() - t)
        inserted += c.rowcount

        t = time.perf_counter()
        c.execute(
            """
            INSERT INTO loyalty_card (id, shop_id, number, member_id, printed, batch, created_at)
            SELECT m.id - %(base_member)s + %(base_card)s, m.shop_id,
                   b.body || pg_temp.bench_luhn(b.body), m.id, false, '', m.created_at
            FROM loyalty_member m
            CROSS JOIN LATERAL (SELECT (10000000 + m.id - %(base_member)s + %(base_card)s)::text AS body) b
            WHERE m.id > %(base_member)s
            ORDER BY m.id
            """,
            params,
        )
        step("cards", c.rowcount, time.perf_counter() - t)
        inserted += c.rowcount

        # Purchases drawn in a staging table, numbered in time order; then purchases and lots from it.
        t = time.perf_counter()
        c.execute(
            """
            CREATE TEMP TABLE bench_p ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY occ) AS n, z.*,
                   CASE WHEN z.due AND z.natural_expiry > %(now)s THEN z.occ + z.rexp * (%(now)s - z.occ)
                        ELSE z.natural_expiry END AS expires_at,
                   (NOT z.due AND z.natural_expiry <= %(now)s) AS pre_expired
            FROM (
                SELECT y.*, (date_trunc('month', y.occ AT TIME ZONE y.tz) + interval '13 months') AT TIME ZONE y.tz
                            AS natural_expiry
                FROM (
                    SELECT m.id AS member_id, m.account_id, m.shop_id, s.program_id, s.tz,
                           CASE WHEN x.rloc < 0.7 THEN s.loc_a ELSE s.loc_b END AS location_id,
                           x.amount, floor(x.amount / 10000)::bigint AS points, x.pay,
                           greatest(m.created_at, %(hist_start)s)
                             + x.rocc * (%(now)s - greatest(m.created_at, %(hist_start)s)) AS occ,
                           x.rdue < %(F)s AS due, x.rexp
                    FROM (
                        SELECT g,
                               %(base_member)s + 1 + floor(%(M)s * random() ^ 2)::bigint AS member_id,
                               ((20 + floor(180 * random() ^ 3)) * 1000)::numeric AS amount,
                               random() AS rocc, random() AS rloc, random() AS rdue, random() AS rexp,
                               (ARRAY['cash', 'card', 'card', 'ewallet'])[1 + floor(random() * 4)::int] AS pay
                        FROM generate_series(1, %(P)s) g
                    ) x
                    JOIN loyalty_member m ON m.id = x.member_id
                    JOIN bench_shop s ON s.shop_id = m.shop_id
                ) y
            ) z
            """,
            params,
        )
        staged = c.rowcount
        step("staging (temp table)", staged, time.perf_counter() - t)

        t = time.perf_counter()
        c.execute(
            """
            INSERT INTO loyalty_purchase (id, shop_id, external_id, member_id, account_id, location_id, amount,
                                          refunded_amount, points_earned, points_pending, points_redeemed,
                                          wallet_redeemed, cashback, payment_method, occurred_at, created_at)
            SELECT %(base_purchase)s + n, shop_id, 'gen-' || (%(base_purchase)s + n), member_id, account_id,
                   location_id, amount, 0, points, 0, 0, 0, 0, pay, occ, occ
            FROM bench_p ORDER BY n
            """,
            params,
        )
        step("purchases", c.rowcount, time.perf_counter() - t)
        inserted += c.rowcount

        t = time.perf_counter()
        c.execute(
            """
            INSERT INTO loyalty_ledgerentry (id, account_id, shop_id, location_id, kind, points, occurred_at,
                                             created_at, available_at, expires_at, remaining, source, event_key,
                                             reason, purchase_id)
            SELECT %(base_ledgerentry)s + n, account_id, shop_id, location_id, 'earn', points, occ, occ, occ,
                   expires_at, CASE WHEN pre_expired THEN 0 ELSE points END, 'purchase', '', '',
                   %(base_purchase)s + n
            FROM bench_p ORDER BY n
            """,
            params,
        )
        step("ledger: earn lots", c.rowcount, time.perf_counter() - t)
        inserted += c.rowcount

        # Lots already past their expiry: the expiry job ran for them (one entry and one allocation per lot).
        t = time.perf_counter()
        c.execute(
            """
            CREATE TEMP TABLE bench_x ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY expires_at, n) AS k, n, account_id, shop_id, points, expires_at
            FROM bench_p WHERE pre_expired
            """
        )
        params["X"] = c.rowcount
        c.execute(
            """
            INSERT INTO loyalty_ledgerentry (id, account_id, shop_id, kind, points, occurred_at, created_at,
                                             source, event_key, reason, reverses_id)
            SELECT %(base_ledgerentry)s + %(P)s + k, account_id, shop_id, 'expire', -points, expires_at,
                   expires_at, 'expiry', '', '', %(base_ledgerentry)s + n
            FROM bench_x ORDER BY k
            """,
            params,
        )
        expired_rows = c.rowcount
        c.execute(
            """
            INSERT INTO loyalty_allocation (id, entry_id, lot_id, points)
            SELECT %(base_allocation)s + k, %(base_ledgerentry)s + %(P)s + k, %(base_ledgerentry)s + n, points
            FROM bench_x ORDER BY k
            """,
            params,
        )
        step("ledger: past expiries", expired_rows + c.rowcount, time.perf_counter() - t)
        inserted += expired_rows + c.rowcount

        # Cached figures from the ledger, and the tier last month's review gave.
        t = time.perf_counter()
        c.execute(
            """
            UPDATE loyalty_account a
            SET points_balance = f.balance, lifetime_earned = f.earned, last_purchase_at = f.last,
                purchases_count = f.purchases,
                tier_id = coalesce(tl.id, a.tier_id),
                tier_since = CASE WHEN tl.threshold > 0 THEN %(tier_asof)s::timestamptz ELSE a.tier_since END
            FROM (
                SELECT account_id, program_id,
                       sum(CASE WHEN pre_expired THEN 0 ELSE points END) AS balance,
                       sum(points) AS earned, max(occ) AS last, count(*) AS purchases,
                       coalesce(sum(points) FILTER (WHERE occ > %(tier_asof)s::timestamptz - interval '1 year'
                                                      AND occ <= %(tier_asof)s), 0) AS basis
                FROM bench_p GROUP BY account_id, program_id
            ) f
            LEFT JOIN LATERAL (
                SELECT id, threshold FROM loyalty_tierlevel
                WHERE program_id = f.program_id AND threshold <= f.basis
                ORDER BY threshold DESC LIMIT 1
            ) tl ON true
            WHERE a.id = f.account_id
            """,
            params,
        )
        step("accounts: cached figures", c.rowcount, time.perf_counter() - t)

        for table in TABLES:
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT greatest(max(id), 1) FROM {table}))"
            )
        c.execute(
            "SELECT count(*) FILTER (WHERE due AND NOT pre_expired), count(*) FILTER (WHERE pre_expired) FROM bench_p"
        )
        due, pre_expired = c.fetchone()
    bulk_seconds = time.perf_counter() - bulk_started
    stats["bulk_rows"] = inserted
    stats["bulk_seconds"] = round(bulk_seconds, 2)
    stats["bulk_rows_per_s"] = round(inserted / bulk_seconds) if bulk_seconds else 0
    stats["lots"] = staged
    stats["lots_due"] = due
    stats["lots_already_expired"] = pre_expired
    stats["generated_at"] = now.isoformat()
    log(f"  {'bulk load total':<28}{bulk_seconds:8.2f} s  {inserted:>10,} rows  {stats['bulk_rows_per_s']:>10,} rows/s")

    t = time.perf_counter()
    with connection.cursor() as c:
        for table in TABLES:
            c.execute(f"VACUUM (ANALYZE) {table}")
    stats["vacuum_analyze_seconds"] = round(time.perf_counter() - t, 2)
    log(f"  {'vacuum analyze':<28}{stats['vacuum_analyze_seconds']:8.2f} s")
    stats["total_seconds"] = round(time.perf_counter() - started, 2)
    stats["rows_per_s"] = round(inserted / stats["total_seconds"]) if stats["total_seconds"] else 0
    log(
        f"  {'generator total':<28}{stats['total_seconds']:8.2f} s  {inserted:>10,} rows  "
        f"{stats['rows_per_s']:>10,} rows/s"
    )

    if check:
        from loyalty.services.invariants import ledger_violations

        t = time.perf_counter()
        problems = ledger_violations()
        stats["ledger_check_seconds"] = round(time.perf_counter() - t, 2)
        stats["ledger_check_violations"] = len(problems)
        log(f"  {'ledger_check':<28}{stats['ledger_check_seconds']:8.2f} s  {len(problems)} violation(s)")
        for line in problems[:20]:
            log("    " + line)
        if problems:
            raise SystemExit("bench.generate: the generated ledger breaks an invariant")
    return stats


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument(
        "--lots-expiring-fraction",
        type=float,
        default=0.0,
        help="fraction of all lots left due but not yet expired (0 to 1; default 0)",
    )
    parser.add_argument("--months", type=int, default=15, help="how far back the purchases go")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reset", action="store_true", help="empty the bench database first")
    parser.add_argument("--check", action="store_true", help="run the ledger invariant check afterwards")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    from bench.env import setup

    setup()
    print(
        f"bench.generate: {args.shops} shops, {args.members:,} members, {args.purchases:,} purchases, "
        f"lots expiring fraction {args.lots_expiring_fraction}"
    )
    stats = generate(
        shops=args.shops,
        members=args.members,
        purchases=args.purchases,
        lots_expiring_fraction=args.lots_expiring_fraction,
        months=args.months,
        seed=args.seed,
        do_reset=args.reset,
        check=args.check,
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(stats, f, indent=2)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
