"""The portal's members table (and the shop's purchases, ledger and vouchers tables) on a shop of 100,000 members,
in-process, on PostgreSQL.

    python -m bench.members_table --generate   # make one shop of 100,000 members and 300,000 purchases first
    python -m bench.members_table              # measure the largest shop the bench database holds
    python -m bench.members_table --quick      # fewer repetitions

Each page is GET through Django's test Client as the shop's manager (the whole middleware stack, no HTTP server):
the first page, a deep page, each sort, the search (a phone, a name), the filters one by one and together, and
the bulk selection's confirmation for every member matching a filter; p50 and p95 over repetitions after a warm-up,
and the SQL queries of one request. The same pages are then counted on a shop of 20 members: the query counts must
be the same (constant in the table's size).

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/regulars_bench_members; the name must contain
"bench"). Writes bench/results/members-table-latest.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime
from pathlib import Path

from bench.insights import data_of, largest_shop, timed

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/regulars_bench_members"
REPEATS = {"full": 30, "quick": 8}


def manager_client(shop):
    from django.test import Client

    from loyalty.models import Role
    from tests.factories import StaffFactory

    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    staff = StaffFactory(
        shop=shop, role=Role.MANAGER, user__username=f"bench-{stamp}", user__email=f"bench-{stamp}@example.com"
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff.user)
    return client


def cases(shop) -> list[tuple[str, str, dict]]:
    from loyalty.models import Member

    member = Member.objects.filter(shop=shop).order_by("pk").first()
    tier = shop.program.tiers.order_by("-threshold").first()
    national = "0" + member.phone.removeprefix("+84")
    return [
        ("first page (newest members)", "portal:members", {}),
        ("page 200 (offset 4,975)", "portal:members", {"page": "200"}),
        ("sorted by points", "portal:members", {"sort": "-points"}),
        ("sorted by name", "portal:members", {"sort": "name"}),
        ("sorted by last visit", "portal:members", {"sort": "-last_visit"}),
        ("search: a phone, national format", "portal:members", {"q": national}),
        ("search: part of a name", "portal:members", {"q": "member 1234"}),
        ("filter: tier", "portal:members", {"tier": str(tier.pk) if tier else ""}),
        ("filter: no visit in 90 days", "portal:members", {"last_visit": "-90"}),
        ("filter: points 100–500", "portal:members", {"points_min": "100", "points_max": "500"}),
        ("filter: consent", "portal:members", {"consent": "false"}),
        ("filter: RFM segment (champions)", "portal:members", {"segment": "rfm:champions"}),
        (
            "filters together, sorted by points",
            "portal:members",
            {"last_visit": "-90", "points_min": "10", "consent": "false", "sort": "-points"},
        ),
        ("purchases table, first page", "portal:purchases", {}),
        ("ledger table, first page", "portal:ledger", {}),
        ("vouchers table, first page", "portal:vouchers", {}),
    ]


def bench_pages(shop, repeats: int) -> list[dict]:
    from django.urls import reverse

    client = manager_client(shop)
    rows = []
    for what, name, query in cases(shop):
        url = reverse(name)

        def page(url=url, query=query):
            response = client.get(url, query)
            assert response.status_code == 200, (url, query, response.status_code)

        rows.append({"what": what, "url": url, "query": query, **timed(page, repeats)})
    return rows


def bench_selection(shop, repeats: int) -> dict:
    """The bulk action's confirmation page for every member with no visit in 90 days (it counts them)."""
    from django.urls import reverse

    client = manager_client(shop)
    data = {"action": "points", "all": "on", "filter": "last_visit=-90"}

    def page():
        assert client.post(reverse("portal:member_bulk"), data).status_code == 200

    return {"what": "bulk selection: confirmation for every member matching a filter", **timed(page, repeats)}


def count_queries(connection, run) -> int:
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        run()
    return len(queries)


def small_shop_queries(rows: list[dict]) -> dict[str, int]:
    """The same pages' query counts on a shop of 20 members with the large shop's configuration (bench/generate.py's
    document), rolled back after."""
    from django.db import connection, transaction

    from bench.generate import shop_document
    from loyalty.services.config import config_import
    from tests.factories import enrol

    counts = {}
    with transaction.atomic():
        shop = config_import(shop_document(999))
        for _n in range(20):
            enrol(shop)
        client = manager_client(shop)
        for row in rows:
            client.get(row["url"], row["query"])  # warm
            counts[row["what"]] = count_queries(connection, lambda row=row: client.get(row["url"], row["query"]))
        transaction.set_rollback(True)
    return counts


def report(mode: str, data: dict, rows: list[dict], small: dict, selection: dict, machine: dict, took: float) -> str:
    def line(r):
        figures = f"{r['runs']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['queries']}"
        return f"| {r['what']} | {figures} | {small.get(r['what'], '—')} |"

    return "\n".join(
        [
            "# Members table benchmark",
            "",
            f"Run {datetime.now().astimezone().isoformat(timespec='seconds')} ({mode} mode, {took:.0f} s in all), "
            "`python -m bench.members_table`. Written by bench/members_table.py; its docstring says what each figure "
            "is. One thread, in-process, DEBUG off, PostgreSQL; 25 members a page, 50 rows on the other tables; "
            "the count is bounded at 10,000 (the page says “More than 10,000 members”).",
            "",
            "## Machine",
            "",
            "| | |",
            "| --- | --- |",
            *[f"| {key} | {value} |" for key, value in machine.items()],
            "",
            "## Data",
            "",
            "One shop made by bench/generate.py: " + ", ".join(f"{value:,} {key}" for key, value in data.items()) + ".",
            "",
            "## Pages",
            "",
            "| page | runs | p50 ms | p95 ms | SQL queries | queries, 20 members |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *[line(r) for r in rows + [selection]],
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--generate", action="store_true", help="empty the bench database and make one large shop")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=300_000)
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
    rows = bench_pages(shop, REPEATS[mode])
    selection = bench_selection(shop, REPEATS[mode])
    small = small_shop_queries(rows)
    text = report(mode, data_of(shop), rows, small, selection, env.machine(), time.perf_counter() - started)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "members-table-latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
