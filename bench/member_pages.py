"""The member's phone pages: how fast the card page and its live QR answer, in-process.

    python -m bench.member_pages            # 400 purchases of history, 3 s per page
    python -m bench.member_pages --quick    # 100 purchases, 1 s per page

a. GET /m/<shop>/ (the card page: QR, points, tier progress, stamps, rewards, recent history, referral link);
b. GET /m/<shop>/qr.svg (a fresh signed payload drawn as SVG, what the page fetches every 30 seconds).

Each is requested through Django's test Client (the whole middleware stack and template rendering, no HTTP
server or network) by a signed-in member with a purchase history, for a fixed time after a short warm-up:
requests per second on one thread, p50 and p95 latency, SQL queries per request. Runs on the bench database
(bench/env.py) in a shop of its own that each run creates. Prints a table and writes
bench/results/member-pages-latest.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.run import percentile

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = {"full": {"purchases": 400, "seconds": 3.0}, "quick": {"purchases": 100, "seconds": 1.0}}
WARM_UP = 10


def bench_member(purchases: int):
    """A fresh shop (tiers by amount spent, a stamp card, rewards) and one member with `purchases` purchases
    spread over the past year, enrolled and bought through the services."""
    from django.utils import timezone

    from loyalty.models import Program, Shop, StampCard, TierLevel
    from loyalty.services.members import member_enrol
    from loyalty.services.purchases import purchase_record
    from rewards.services import reward_save

    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    shop = Shop.objects.create(
        slug=f"member-bench-{stamp}",
        name="Quán Cà Phê Đức",
        country="VN",
        currency="VND",
        timezone="Asia/Ho_Chi_Minh",
        language="vi",
    )
    program = Program.objects.create(
        shop=shop,
        name="Câu lạc bộ khách quen",
        earn_per_amount=Decimal("10000"),
        tier_basis="amount_spent",
        backdate_days=400,
    )
    TierLevel.objects.create(program=program, code="silver", name="Bạc", threshold=Decimal("0"))
    TierLevel.objects.create(program=program, code="gold", name="Vàng", threshold=Decimal("100000000"))
    StampCard.objects.create(program=program, code="coffee", name="Thẻ cà phê", stamps_required=10)
    for points in (50, 200, 5000):
        reward_save(shop=shop, name=f"Quà {points}", kind="gift", points=points, voucher_valid_days=30)
    member = member_enrol(shop=Shop.objects.get(pk=shop.pk), phone=f"+8490{int(stamp[-7:]):07d}", name="Lan")
    start = timezone.now() - timedelta(days=360)
    for index in range(purchases):
        purchase_record(
            shop=member.shop,
            member=member,
            amount=Decimal("45000"),
            external_id=uuid.uuid4().hex,
            occurred_at=start + timedelta(hours=20 * index),
            now=timezone.now(),
        )
    return member


def run_for(client, url: str, seconds: float) -> dict:
    from django.db import connection

    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200, url
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(url)
    times = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        begun = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, url
    elapsed = time.perf_counter() - started
    ordered = sorted(times)
    return {
        "requests": len(times),
        "per_second": len(times) / elapsed,
        "p50": statistics.median(ordered),
        "p95": percentile(ordered, 95),
        "queries": len(queries),
    }


def measure(sizes: dict) -> tuple[dict, list[dict]]:
    from django.test import Client
    from django.urls import reverse

    from loyalty.member_site.access import member_user

    member = bench_member(sizes["purchases"])
    client = Client(HTTP_HOST="localhost")
    client.force_login(member_user(member))
    slug = member.shop.slug
    history = member.account.entries.count()
    rows = []
    for label, name in (("card page", "member:shop"), ("live QR (SVG)", "member:qr_svg")):
        url = reverse(name, kwargs={"slug": slug})
        rows.append({"what": f"{label} `{url.replace(slug, '<shop>')}`", **run_for(client, url, sizes["seconds"])})
    return {"ledger entries": history, "purchases": sizes["purchases"]}, rows


def report(mode: str, data: dict, rows: list[dict], machine: dict, took: float) -> str:
    lines = [
        "# Member pages benchmark",
        "",
        f"Run {datetime.now().astimezone().isoformat(timespec='seconds')} ({mode} mode, {took:.0f} s in all), "
        "`python -m bench.member_pages`. Written by bench/member_pages.py; its docstring says what each figure is. "
        "One thread, Django's test Client in-process (no HTTP server), DEBUG off, PostgreSQL.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in machine.items()],
        "",
        "## Data",
        "",
        f"One member with {data['purchases']} purchases ({data['ledger entries']} ledger entries), tiers by amount "
        "spent, a stamp card, three rewards.",
        "",
        "## Figures",
        "",
        "| what | requests | requests/s | p50 ms | p95 ms | SQL queries per request |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {r['what']} | {r['requests']} | {r['per_second']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['queries']} |"
            for r in rows
        ],
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="less history, one second per page")
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    from bench import env

    env.setup()
    env.require_bench_database()
    started = time.perf_counter()
    data, rows = measure(SIZES[mode])
    text = report(mode, data, rows, env.machine(), time.perf_counter() - started)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "member-pages-latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
