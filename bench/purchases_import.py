"""Importing past purchases from a CSV file (`manage.py purchases_import`), end to end.

    python -m bench.purchases_import            # 100,000 purchases of 20,000 members, then the same file again
    python -m bench.purchases_import --quick    # 10,000 purchases of 2,000 members

The members come in first by the members import (not timed). Then:
a. first import: reading the file (decode, CSV), validating every row (phones by the fast path, amounts to the
   currency's minor unit, moments in the shop's time zone, members and receipts looked up per chunk) and writing
   the purchases and their category lines by COPY, then raising the tiers the imported spend reaches: rows per
   second over the whole run and per step, and the SQL statements it took;
b. the same file again: every receipt is recorded, nothing changes (imported 0).

Runs on the bench database (bench/env.py) in a shop of its own that each run creates. Writes
bench/results/purchases-import-latest.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.members_import import csv_file as members_file

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = {"full": (100_000, 20_000), "quick": (10_000, 2_000)}
CATEGORIES = ["coffee", "tea", "cake", "", ""]


def csv_file(count: int, members: int, seed: int = 11) -> bytes:
    """A file as an old till exports it: UTF-8 with a BOM, semicolons, the members' phones as the members file
    spells them, dates and datetimes of the last year, half the rows with a receipt."""
    rng = random.Random(seed)
    today = datetime.now().replace(microsecond=0)
    lines = ["phone;amount;occurred_at;receipt;category"]
    for i in range(count):
        phone = f"09{rng.randrange(members):08d}"
        moment = today - timedelta(days=rng.randint(1, 360), minutes=rng.randint(0, 1440))
        when = moment.date().isoformat() if i % 3 == 0 else moment.isoformat(sep=" ")
        receipt = f"OLD-{i}" if i % 2 else ""
        amount = rng.randint(2, 40) * 5000
        lines.append(f"{phone};{amount};{when};{receipt};{rng.choice(CATEGORIES)}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def bench_shop(members: int):
    from loyalty.services.config import config_import
    from loyalty.services.csv_files import csv_rows
    from loyalty.services.ledger import Actor
    from loyalty.services.member_import import columns_exact, import_plan
    from loyalty.services.member_import_write import members_import

    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    shop = config_import(
        {
            "merchant": {"slug": f"buys-bench-{stamp}", "name": "Cà Phê Bench", "country": "VN", "currency": "VND",
                         "timezone": "Asia/Ho_Chi_Minh", "language": "vi"},
            "program": {
                "earn": {"per_amount": "10000", "points": 1},
                "tiers": {"basis": "amount_spent", "window": "rolling_12_months", "levels": [
                    {"code": "member", "name": "Member", "threshold": 0},
                    {"code": "gold", "name": "Gold", "threshold": 500000},
                ]},
            },
        }
    )  # fmt: skip
    header, rows = csv_rows(members_file(members))
    plan = import_plan(shop, rows, columns_exact(header)[0])
    members_import(plan=plan, actor=Actor(shop=shop))
    return type(shop).objects.select_related("program").get(pk=shop.pk)


def run_once(shop, data: bytes) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loyalty.services.csv_files import csv_rows
    from loyalty.services.ledger import Actor
    from loyalty.services.member_import import columns_exact
    from loyalty.services.purchase_import import COLUMNS, REQUIRED, purchases_plan
    from loyalty.services.purchase_import_write import purchases_import

    steps = {}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        header, rows = csv_rows(data)
        mapping, errors = columns_exact(header, COLUMNS, REQUIRED)
        assert not errors, errors
        steps["read"] = time.perf_counter() - started
        mark = time.perf_counter()
        plan = purchases_plan(shop, rows, mapping)
        assert not plan.errors, plan.errors[:3]
        steps["validate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        result = purchases_import(plan=plan, actor=Actor(shop=shop))
        steps["write"] = time.perf_counter() - mark
        total = time.perf_counter() - started
    return {"rows": len(rows), "result": str(result), "seconds": total, "steps": steps, "queries": len(queries)}


def markdown(report: dict) -> str:
    lines = [
        "# Past purchases import benchmark",
        "",
        f"Run {report['started']} ({report['mode']} mode), commit {report['commit']}, "
        f"`python -m bench.purchases_import{' --quick' if report['mode'] == 'quick' else ''}`. "
        "Written by bench/purchases_import.py; its docstring says what each figure is.",
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
    return "\n".join([*lines, ""])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.purchases_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--output", default=str(RESULTS / "purchases-import-latest.md"))
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"

    from bench.env import machine, require_bench_database, setup

    setup()
    require_bench_database()
    from bench.run import git_commit

    report = {"started": datetime.now().astimezone().isoformat(timespec="seconds"), "mode": mode}
    report["commit"], report["machine"] = git_commit(), machine()
    purchases, members = SIZES[mode]
    shop, data = bench_shop(members), csv_file(purchases, members)
    report["runs"] = {"first import": run_once(shop, data), "the same file again": run_once(shop, data)}
    text = markdown(report)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
