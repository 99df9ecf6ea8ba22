"""The insights dashboard and the nightly segments job on a large shop, in-process, on PostgreSQL.

    python -m bench.insights --generate      # make one shop of 100,000 members and 1,000,000 purchases first
    python -m bench.insights                 # measure what the bench database holds (the largest shop in it)
    python -m bench.insights --quick         # fewer repetitions

a. `program_report` (the dashboard's and the API's figures) for the last 30, 90 and 365 days of the shop, the
   whole shop and one location: p50 and p95 over repetitions after a warm-up, SQL queries per report;
b. the dashboard page GET /portal/insights/ (figures, charts, cohorts, the latest campaigns' lift) and the API's
   GET /api/v1/reports/program, through Django's test Client (the whole middleware stack, no HTTP server);
c. the segments job for the shop (`shop_segments`: the RFM INSERT … SELECT, the day's counts and the dashboard's
   snapshot), timed once after one warm run; it runs first, as the nightly job would have, so a and b read its
   snapshot (a period ending today: the year of points and the cohorts come from it);
d. the roll-ups job for the shop (`shop_rollups`): its first run (every closed day and every member's visits, from
   nothing) and a run after it (the usual 15-minute run: the last closed days again). It runs after c and before
   a and b, which read its roll-ups; `--no-rollups` leaves them out, to measure the report read live.

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/regulars_bench_insights; the name must contain
"bench"); `--generate` empties that database and fills it with bench/generate.py (one shop). Writes
bench/results/insights-latest.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime
from pathlib import Path

from bench.run import percentile

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/regulars_bench_insights"
REPEATS = {"full": 30, "quick": 8}
WARM_UP = 3


def timed(run, repeats: int) -> dict:
    from django.db import connection

    for _ in range(WARM_UP):
        run()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        run()
    times = []
    for _ in range(repeats):
        begun = time.perf_counter()
        run()
        times.append((time.perf_counter() - begun) * 1000)
    ordered = sorted(times)
    return {"runs": repeats, "p50": statistics.median(ordered), "p95": percentile(ordered, 95), "queries": len(queries)}


def largest_shop():
    from django.db.models import Count

    from loyalty.models import Shop

    shop = Shop.objects.annotate(n=Count("members")).order_by("-n").select_related("program").first()
    if shop is None:
        raise SystemExit("bench.insights: the bench database has no shop; run with --generate")
    return shop


def data_of(shop) -> dict:
    from loyalty.models import LedgerEntry, Member, Purchase

    return {
        "members": Member.objects.filter(shop=shop).count(),
        "purchases": Purchase.objects.filter(shop=shop).count(),
        "ledger entries": LedgerEntry.objects.filter(shop=shop).count(),
    }


def bench_reports(shop, repeats: int) -> list[dict]:
    from insights.report import last_days, period_of, program_report

    location = shop.locations.order_by("pk").first()
    rows = []
    for days in (30, 90, 365):
        start, end = last_days(shop, days)
        for where, place in (("whole shop", None), ("one location", location)):
            period = period_of(shop, start, end, place)
            figures = timed(lambda period=period: program_report(period), repeats)
            rows.append({"what": f"program_report, last {days} days, {where}", **figures})
    return rows


def bench_pages(shop, repeats: int) -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    from loyalty.models import Role
    from loyalty.services.api_keys import api_key_create
    from tests.factories import StaffFactory
    from tests.till import TillClient

    client = Client(HTTP_HOST="localhost")
    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    staff = StaffFactory(
        shop=shop, role=Role.MANAGER, user__username=f"bench-{stamp}", user__email=f"bench-{stamp}@example.com"
    )
    client.force_login(staff.user)
    _key, raw = api_key_create(shop=shop, role=Role.MANAGER, name="bench")
    till = TillClient(HTTP_HOST="localhost")
    from insights.report import last_days

    start, end = (day.isoformat() for day in last_days(shop, 30))  # the shop's calendar, as the dashboard's

    def page():
        assert client.get(reverse("insights:dashboard")).status_code == 200

    def api():
        answer = till.get("/api/v1/reports/program", {"from": start, "to": end}, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert answer.status_code == 200, answer.content

    return [
        {"what": "dashboard page GET /portal/insights/ (last 30 days)", **timed(page, repeats)},
        {"what": "GET /api/v1/reports/program (last 30 days)", **timed(api, repeats)},
    ]


def bench_segments(shop) -> dict:
    from django.utils import timezone

    from insights.services.segments import shop_segments

    shop_segments(shop, as_of=timezone.now())  # warm
    begun = time.perf_counter()
    scored = shop_segments(shop, as_of=timezone.now())
    return {"scored": scored, "seconds": time.perf_counter() - begun}


def bench_rollups(shop) -> dict:
    from django.db import connection
    from django.utils import timezone

    from insights.models import DayFigures, MemberVisits, RollupState
    from insights.rollups import seen_now, shop_rollups

    RollupState.objects.filter(shop=shop).delete()
    times = {}
    for run in ("first", "again"):
        begun = time.perf_counter()
        days = shop_rollups(shop, as_of=timezone.now(), seen=seen_now())
        times[run] = (time.perf_counter() - begun, days)
    with connection.cursor() as cursor:  # as autovacuum would soon: statistics and the visibility map
        for model in (DayFigures, MemberVisits):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return times


def report(
    mode: str, data: dict, rows: list[dict], segments: dict, rollups: dict | None, machine: dict, took: float
) -> str:
    if rollups:
        rolled = (
            f"`shop_rollups`: first run {rollups['first'][0]:.1f} s ({rollups['first'][1]} days with figures, and "
            f"every member's visits); the next run {rollups['again'][0]:.2f} s ({rollups['again'][1]} days again). "
            "The dashboard above reads its roll-ups."
        )
    else:
        rolled = "Not run (`--no-rollups`): the dashboard above is read live."
    return "\n".join(
        [
            "# Insights benchmark",
            "",
            f"Run {datetime.now().astimezone().isoformat(timespec='seconds')} ({mode} mode, {took:.0f} s in all), "
            "`python -m bench.insights`. Written by bench/insights.py; its docstring says what each figure is. "
            "One thread, in-process, DEBUG off, PostgreSQL.",
            "",
            "## Machine",
            "",
            "| | |",
            "| --- | --- |",
            *[f"| {key} | {value} |" for key, value in machine.items()],
            "",
            "## Data",
            "",
            "One shop made by bench/generate.py: "
            + ", ".join(f"{value:,} {key}" for key, value in data.items())
            + " over 15 months.",
            "",
            "## Dashboard",
            "",
            "| what | runs | p50 ms | p95 ms | SQL queries |",
            "| --- | ---: | ---: | ---: | ---: |",
            *[f"| {r['what']} | {r['runs']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['queries']} |" for r in rows],
            "",
            "## Segments job",
            "",
            f"`shop_segments`: {segments['scored']:,} members scored and counted, and the dashboard's snapshot "
            f"taken, in {segments['seconds']:.1f} s.",
            "",
            "## Roll-ups job",
            "",
            rolled,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--generate", action="store_true", help="empty the bench database and make one large shop")
    parser.add_argument("--no-rollups", action="store_true", help="leave the roll-ups out: the report read live")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    from bench import env

    env.setup()
    env.require_bench_database()
    if args.generate:
        from bench.generate import generate

        generate(shops=1, members=args.members, purchases=args.purchases, do_reset=True)
    mode = "quick" if args.quick else "full"
    started = time.perf_counter()
    shop = largest_shop()
    segments = bench_segments(shop)  # first, as the nightly job would have run: the reports then read its snapshot
    if args.no_rollups:
        from insights.models import RollupState

        RollupState.objects.filter(shop=shop).delete()
    rollups = None if args.no_rollups else bench_rollups(shop)
    rows = bench_reports(shop, REPEATS[mode])
    rows += bench_pages(shop, REPEATS[mode])
    text = report(mode, data_of(shop), rows, segments, rollups, env.machine(), time.perf_counter() - started)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("insights-live.md" if args.no_rollups else "insights-latest.md")).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
