"""Importing customers from a CSV file (`manage.py members_import`, the portal's import page), end to end.

    python -m bench.members_import            # 100,000 customers, then the same file again
    python -m bench.members_import --quick    # 10,000

a. first import: reading the file (decode, CSV), validating every row (phones of the shop's country by the fast
   path of loyalty/services/phone_reader.py, emails, dates, cards checked against the database) and writing the
   members set-based (one COPY into a staging table, then one INSERT … SELECT each for accounts, members, cards,
   opening-balance lots, consent records, then the ledger's invariants over the new accounts): rows per second
   over the whole run and per step, and the SQL statements it took (constant, whatever the file's size);
b. the same file again: every phone is a member now, nothing changes (updated N, no new ledger entries);
c. the program editor's live preview on that shop: one answer (apply the draft, evaluate a purchase, roll back)
   timed 30 times after a warm-up, median and p95 in milliseconds.

Runs on the bench database (bench/env.py) in a shop of its own that each run creates. Writes
bench/results/members-import-latest.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = {"full": 100_000, "quick": 10_000}
FIRST = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
LAST = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Ngọc", "Phúc", "Quân", "Thảo"]


def csv_file(count: int, seed: int = 7) -> bytes:
    """A file as an old till exports it: UTF-8 with a BOM, semicolons, phones in mixed formats."""
    rng = random.Random(seed)
    lines = ["Phone;Name;Email;Birthday;Points;Marketing_consent"]
    for i in range(count):
        digits = f"9{i:08d}"
        phone = rng.choice(
            [f"0{digits}", f"+84 {digits[:2]} {digits[2:5]} {digits[5:]}", f"0{digits[:3]}-{digits[3:]}"]
        )
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"customer{i}@example.com" if rng.random() < 0.4 else ""
        birthday = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2005)}" if i % 3 else ""
        points = str(rng.randint(0, 500)) if rng.random() < 0.7 else ""
        lines.append(f"{phone};{name};{email};{birthday};{points};{'yes' if i % 4 == 0 else ''}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def bench_shop():
    from loyalty.services.config import config_import

    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    return config_import(
        {
            "merchant": {
                "slug": f"import-bench-{stamp}",
                "name": "Cà Phê Bench",
                "country": "VN",
                "currency": "VND",
                "timezone": "Asia/Ho_Chi_Minh",
                "language": "vi",
            },
            "program": {
                "earn": {"per_amount": "10000", "points": 1},
                "expiry": {"policy": "months_after_earn_month", "months": 12},
                "tiers": {
                    "basis": "points_earned",
                    "window": "rolling_12_months",
                    "levels": [
                        {"code": "member", "name": "Member", "threshold": 0},
                        {"code": "gold", "name": "Gold", "threshold": 300},
                    ],
                },
            },
        }
    )


def run_once(shop, data: bytes) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loyalty.services.csv_files import csv_rows
    from loyalty.services.ledger import Actor
    from loyalty.services.member_import import columns_exact, import_plan
    from loyalty.services.member_import_write import members_import

    steps = {}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        header, rows = csv_rows(data)
        mapping, errors = columns_exact(header)
        assert not errors, errors
        steps["read"] = time.perf_counter() - started
        mark = time.perf_counter()
        plan = import_plan(shop, rows, mapping)
        assert not plan.errors, plan.errors[:3]
        steps["validate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        result = members_import(plan=plan, actor=Actor(shop=shop))
        steps["write"] = time.perf_counter() - mark
        total = time.perf_counter() - started
    return {"rows": len(rows), "result": str(result), "seconds": total, "steps": steps, "queries": len(queries)}


def preview_times(shop, runs: int = 30) -> dict:
    """The editor's preview answer: the draft earning rule applied, a purchase evaluated, all rolled back."""
    import statistics
    from decimal import Decimal

    from loyalty.portal.editors.base import current_document, draft_explanation, next_tuesday_evening

    document = current_document(shop)
    document["program"]["earn"]["per_amount"] = "20000"
    purchase = {"amount": Decimal("125000"), "category": "", "occurred_at": next_tuesday_evening(), "tier": "gold",
                "payment_method": ""}  # fmt: skip
    draft_explanation(shop, document, purchase)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        draft_explanation(shop, document, purchase)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))], "runs": runs}


def markdown(report: dict) -> str:
    lines = [
        "# Members import benchmark",
        "",
        f"Run {report['started']} ({report['mode']} mode), commit {report['commit']}, "
        f"`python -m bench.members_import{' --quick' if report['mode'] == 'quick' else ''}`. "
        "Written by bench/members_import.py; its docstring says what each figure is.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in report["machine"].items()],
        "",
        "## Figures",
        "",
        "| run | rows | result | seconds | rows/s | read s | validate s | write s | SQL statements |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in report["runs"].items():
        s = r["steps"]
        lines.append(
            f"| {name} | {r['rows']:,} | {r['result']} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} | "
            f"{s['read']:.2f} | {s['validate']:.2f} | {s['write']:.2f} | {r['queries']:,} |"
        )
    preview = report["preview"]
    lines += [
        "",
        f"Editor preview answer: median {preview['median']:.1f} ms, p95 {preview['p95']:.1f} ms "
        f"({preview['runs']} answers).",
    ]
    return "\n".join([*lines, ""])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.members_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--output", default=str(RESULTS / "members-import-latest.md"))
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"

    from bench.env import machine, require_bench_database, setup

    setup()
    require_bench_database()
    from bench.run import git_commit

    report = {"started": datetime.now().astimezone().isoformat(timespec="seconds"), "mode": mode}
    report["commit"], report["machine"] = git_commit(), machine()
    shop, data = bench_shop(), csv_file(SIZES[mode])
    report["runs"] = {"first import": run_once(shop, data), "the same file again": run_once(shop, data)}
    report["preview"] = preview_times(type(shop).objects.select_related("program").get(pk=shop.pk))
    text = markdown(report)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
