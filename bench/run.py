"""The benchmarks (`make bench`): generate the data set, then time the services on it.

    python -m bench.run            # 100k members, 1M purchases, 1M due lots, 2,000 purchases recorded
    python -m bench.run --quick    # 5k members, 20k purchases and due lots, 300 purchases: under a minute

a. purchase_record: purchases per second, p50/p95/p99 latency, SQL queries per purchase;
b. points_expire_dated over every due lot, then again (nothing left to do);
c. tiers_review_all over every member, then again (idempotent).

Prints a table and writes bench/results/latest.md (and latest.json) with the machine it ran on. See
bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import time
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

SIZES = {
    "full": {"shops": 10, "members": 100_000, "purchases": 1_000_000, "record": 2_000},
    "quick": {"shops": 3, "members": 5_000, "purchases": 20_000, "record": 300},
}
MENU = [
    ("ca-phe-sua-da", "coffee", Decimal("35000")),
    ("bac-xiu", "coffee", Decimal("39000")),
    ("tra-dao", "tea", Decimal("45000")),
    ("banh-mi", "food", Decimal("30000")),
    ("beans-250g", "beans", Decimal("180000")),
]
WARM_UP = 20
QUERY_SAMPLE = 50


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(p / 100 * len(sorted_values) + 0.4999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Profiler:
    """cProfile around a block when --profile is on; the top functions go to bench/results/profile-NAME.txt."""

    def __init__(self, enabled: bool, name: str):
        self.enabled, self.name = enabled, name
        self.profile = cProfile.Profile() if enabled else None
        self.statements: dict[str, list[float]] = {}

    def _timed(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.setdefault(_query_shape(sql)[:160], []).append(time.perf_counter() - started)

    def __enter__(self):
        if self.profile:
            from django.db import connection

            self._wrapper = connection.execute_wrapper(self._timed)
            self._wrapper.__enter__()
            self.profile.enable()
        return self

    def __exit__(self, *exc):
        if not self.profile:
            return
        self.profile.disable()
        self._wrapper.__exit__(*exc)
        out = io.StringIO()
        out.write("Time per SQL statement shape (execute calls as Django sees them: send, server, receive)\n\n")
        out.write(f"{'total s':>9} {'calls':>7} {'ms each':>9}  statement\n")
        for shape, times in sorted(self.statements.items(), key=lambda kv: -sum(kv[1]))[:25]:
            out.write(f"{sum(times):9.3f} {len(times):7d} {sum(times) / len(times) * 1000:9.3f}  {shape}\n")
        out.write("\n")
        stats = pstats.Stats(self.profile, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"profile-{self.name}.txt").write_text(out.getvalue())


class CpuMeter:
    """CPU seconds used by this process (the client: Python, Django, psycopg) and by its PostgreSQL backend
    (the server: planning, executing, writing WAL) over a block, read from /proc; the rest of the wall time
    is waiting (fsync, locks, or other work on the machine)."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self):
        from django.db import connection

        with connection.cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            self.backend = c.fetchone()[0]
        self.client = self.server = self.wall = 0.0

    def _server_seconds(self) -> float:
        try:
            with open(f"/proc/{self.backend}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / self.TICK  # utime, stime
        except (OSError, IndexError, ValueError):
            return float("nan")

    def __enter__(self):
        self._wall, self._client, self._server = time.perf_counter(), time.process_time(), self._server_seconds()
        return self

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._wall
        self.client += time.process_time() - self._client
        self.server += self._server_seconds() - self._server

    def figures(self, per: int = 1) -> dict:
        return {
            "wall_s": round(self.wall / per, 6),
            "client_cpu_s": round(self.client / per, 6),
            "server_cpu_s": round(self.server / per, 6),
        }


# ---------------------------------------------------------------- a. recording purchases


def _purchase_input(rng: random.Random):
    from loyalty.services.rules import Line

    lines = [Line(sku=sku, category=cat, amount=price) for sku, cat, price in [rng.choice(MENU[:2])]]
    for sku, cat, price in rng.sample(MENU, rng.randint(1, 3)):
        quantity = rng.choice([1, 1, 1, 2])
        lines.append(Line(sku=sku, category=cat, amount=price * quantity, quantity=quantity))
    return sum((ln.amount for ln in lines), Decimal(0)), lines


def bench_purchases(count: int, *, seed: int, profile: bool) -> dict:
    """purchase_record on random generated members: 1–4 items, at least one coffee (the campaign applies)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loyalty.models import Location, Member, Shop
    from loyalty.services.ledger import Actor
    from loyalty.services.members import member_get
    from loyalty.services.purchases import purchase_record

    rng = random.Random(seed)
    member_ids = list(Member.objects.filter(shop__slug__startswith="bench-").values_list("pk", flat=True))
    locations = {loc.shop_id: loc for loc in Location.objects.filter(shop__slug__startswith="bench-", code="main")}
    run = datetime.now().strftime("%Y%m%d%H%M%S")
    serial = 0

    def one(member_id: int, capture=None) -> tuple[float, object]:
        nonlocal serial
        serial += 1
        # What a request does before calling the service (not timed): resolve the shop and the member.
        shop = Shop.objects.select_related("program").get(members__pk=member_id)
        member = member_get(shop, member_id)
        amount, lines = _purchase_input(rng)
        actor = Actor(shop=shop, location=locations[shop.pk])
        started = time.perf_counter()
        if capture is not None:
            with capture:
                result = purchase_record(
                    shop=shop,
                    member=member,
                    external_id=f"run-{run}-{serial}",
                    amount=amount,
                    lines=lines,
                    payment_method="card",
                    actor=actor,
                )
        else:
            result = purchase_record(
                shop=shop,
                member=member,
                external_id=f"run-{run}-{serial}",
                amount=amount,
                lines=lines,
                payment_method="card",
                actor=actor,
            )
        return time.perf_counter() - started, result

    for member_id in rng.sample(member_ids, WARM_UP):
        one(member_id)
    latencies, campaign_applied = [], 0
    chosen = [rng.choice(member_ids) for _ in range(count)]
    cpu = CpuMeter()
    with Profiler(profile, "purchase_record"), cpu:
        wall = time.perf_counter()
        for member_id in chosen:
            seconds, result = one(member_id)
            latencies.append(seconds)
            campaign_applied += any("Double points on coffee" in step for step in result.explanation.steps)
        wall = time.perf_counter() - wall
    service_seconds = sum(latencies)

    query_counts, sample_queries, by_items = [], [], {}
    for member_id in rng.sample(member_ids, QUERY_SAMPLE):
        capture = CaptureQueriesContext(connection)
        _seconds, result = one(member_id, capture)
        query_counts.append(len(capture.captured_queries))
        items = result.purchase.lines.count()
        by_items.setdefault(items, []).append(len(capture.captured_queries))
        if not sample_queries or len(capture.captured_queries) > len(sample_queries):
            sample_queries = [q["sql"] for q in capture.captured_queries]
    latencies.sort()
    return {
        "purchases": count,
        "warm_up": WARM_UP,
        "seconds": round(service_seconds, 3),
        "wall_seconds": round(wall, 3),
        "per_second": round(count / service_seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "mean_ms": round(service_seconds / count * 1000, 2),
        # Per purchase, over the loop (which also reads the member and the shop, outside the latency):
        "loop_ms": round(cpu.wall / count * 1000, 2),
        "client_cpu_ms": round(cpu.client / count * 1000, 2),
        "server_cpu_ms": round(cpu.server / count * 1000, 2),
        "campaign_applied": campaign_applied,
        "queries_sampled": QUERY_SAMPLE,
        "queries_min": min(query_counts),
        "queries_median": statistics.median(query_counts),
        "queries_max": max(query_counts),
        "queries_by_items": {
            str(k): {"purchases": len(v), "min": min(v), "median": statistics.median(v), "max": max(v)}
            for k, v in sorted(by_items.items())
        },
        "sample_queries": sample_queries,
    }


# ---------------------------------------------------------------- b. expiring points


def _due_lots(as_of) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT count(*), count(DISTINCT account_id) FROM loyalty_ledgerentry "
            "WHERE remaining > 0 AND expires_at <= %s",
            [as_of],
        )
        return c.fetchone()


def bench_expiry(*, profile: bool) -> dict:
    from django.utils import timezone

    from loyalty.services.expiry import points_expire_dated

    as_of = timezone.now()
    due, accounts = _due_lots(as_of)
    cpu, rerun_cpu = CpuMeter(), CpuMeter()
    with Profiler(profile, "points_expire_dated"), cpu:
        started = time.perf_counter()
        expired = points_expire_dated(as_of=as_of)
        seconds = time.perf_counter() - started
    with rerun_cpu:
        started = time.perf_counter()
        again = points_expire_dated(as_of=as_of)
        rerun_seconds = time.perf_counter() - started
    left, _ = _due_lots(as_of)
    return {
        "due_lots": due,
        "accounts": accounts,
        "expired": expired,
        "seconds": round(seconds, 3),
        "lots_per_second": round(expired / seconds) if seconds else 0,
        "rerun_expired": again,
        "rerun_seconds": round(rerun_seconds, 3),
        "left_due": left,
        "cpu": cpu.figures(),
        "rerun_cpu": rerun_cpu.figures(),
    }


# ---------------------------------------------------------------- c. reviewing tiers


def bench_tiers(*, profile: bool) -> dict:
    from django.utils import timezone

    from loyalty.models import Account, TierChange
    from loyalty.services.jobs import tiers_review_all

    as_of = timezone.now()
    members = Account.objects.filter(closed_at__isnull=True, program__tiers__isnull=False).distinct().count()
    changes_before = TierChange.objects.count()
    cpu, rerun_cpu = CpuMeter(), CpuMeter()
    with Profiler(profile, "tiers_review_all"), cpu:
        started = time.perf_counter()
        first = tiers_review_all(as_of=as_of)
        seconds = time.perf_counter() - started
    marked = Account.objects.filter(tier_below_since=as_of).count()
    changes_after_first = TierChange.objects.count()
    with rerun_cpu:
        started = time.perf_counter()
        second = tiers_review_all(as_of=as_of)
        rerun_seconds = time.perf_counter() - started
    return {
        "members": members,
        "seconds": round(seconds, 3),
        "members_per_second": round(members / seconds) if seconds else 0,
        "up": first["up"],
        "down": first["down"],
        "marked_below": marked,
        "tier_changes_written": changes_after_first - changes_before,
        "rerun_seconds": round(rerun_seconds, 3),
        "rerun_members_per_second": round(members / rerun_seconds) if rerun_seconds else 0,
        "rerun_up": second["up"],
        "rerun_down": second["down"],
        "rerun_tier_changes_written": TierChange.objects.count() - changes_after_first,
        "cpu": cpu.figures(),
        "rerun_cpu": rerun_cpu.figures(),
    }


# ---------------------------------------------------------------- reporting


def baseline() -> dict:
    """The database's round trip and commit time right now: what every query and every purchase pays at least,
    and a gauge of how busy the machine was (other work shares its cores)."""
    from django.db import connection, transaction

    with connection.cursor() as c:
        for _ in range(50):
            c.execute("SELECT 1")
        started = time.perf_counter()
        for _ in range(500):
            c.execute("SELECT 1")
            c.fetchone()
        select_ms = (time.perf_counter() - started) / 500 * 1000
        c.execute("SELECT min(id) FROM loyalty_shop")
        shop_id = c.fetchone()[0]
        commit_ms = float("nan")  # no row to write to in an empty database
        if shop_id is not None:
            started = time.perf_counter()
            for _ in range(100):
                with transaction.atomic():  # a one-row write, so the commit flushes WAL as a purchase's does
                    c.execute("UPDATE loyalty_shop SET name = name WHERE id = %s", [shop_id])
            commit_ms = (time.perf_counter() - started) / 100 * 1000
        c.execute("SHOW synchronous_commit")
        sync = c.fetchone()[0]
    return {"select_1_ms": round(select_ms, 3), "commit_ms": round(commit_ms, 3), "synchronous_commit": sync}


def baseline_text(b: dict) -> str:
    commit = "n/a" if b["commit_ms"] != b["commit_ms"] else f"{b['commit_ms']:.2f}"
    return f"{b['select_1_ms']:.3f} / {commit}"


def ledger_check() -> dict:
    from loyalty.services.invariants import ledger_violations

    started = time.perf_counter()
    problems = ledger_violations()
    return {"seconds": round(time.perf_counter() - started, 2), "violations": len(problems), "first": problems[:5]}


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
        return out.stdout.strip() + (" (+ uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def rows(report: dict) -> list[tuple[str, str, str]]:
    """(benchmark, figure, value) for the summary table."""
    out = []
    g = report.get("generator")
    if g:
        out += [
            ("generator", "rows written", f"{g['bulk_rows']:,}"),
            ("generator", "seconds (total, incl. shops and VACUUM ANALYZE)", f"{g['total_seconds']:.1f}"),
            ("generator", "rows per second (total)", f"{g['rows_per_s']:,}"),
            ("generator", "rows per second (bulk SQL only)", f"{g['bulk_rows_per_s']:,}"),
        ]
    p = report.get("purchases")
    if p:
        out += [
            ("a. purchase_record", "purchases recorded", f"{p['purchases']:,} (+{p['warm_up']} warm-up)"),
            ("a. purchase_record", "purchases per second (1 process)", f"{p['per_second']:,.1f}"),
            ("a. purchase_record", "latency p50 / p95 / p99 (ms)", f"{p['p50_ms']} / {p['p95_ms']} / {p['p99_ms']}"),
            ("a. purchase_record", "latency mean / max (ms)", f"{p['mean_ms']} / {p['max_ms']}"),
            (
                "a. purchase_record",
                "CPU per purchase: client / PostgreSQL backend (ms)",
                f"{p['client_cpu_ms']} / {p['server_cpu_ms']}",
            ),
            (
                "a. purchase_record",
                "SQL queries per purchase (min / median / max)",
                f"{p['queries_min']} / {p['queries_median']:g} / {p['queries_max']}",
            ),
            ("a. purchase_record", "purchases the campaign applied to", f"{p['campaign_applied']:,}"),
        ]
    e = report.get("expiry")
    if e:
        out += [
            ("b. points_expire_dated", "due lots (accounts)", f"{e['due_lots']:,} ({e['accounts']:,})"),
            ("b. points_expire_dated", "lots expired", f"{e['expired']:,}"),
            ("b. points_expire_dated", "seconds", f"{e['seconds']:.2f}"),
            ("b. points_expire_dated", "lots expired per second", f"{e['lots_per_second']:,}"),
            (
                "b. points_expire_dated",
                "CPU seconds: client / PostgreSQL backend",
                f"{e['cpu']['client_cpu_s']:.1f} / {e['cpu']['server_cpu_s']:.1f}",
            ),
            (
                "b. points_expire_dated",
                "re-run: lots expired / seconds",
                f"{e['rerun_expired']} / {e['rerun_seconds']:.3f}",
            ),
        ]
    t = report.get("tiers")
    if t:
        out += [
            ("c. tiers_review_all", "members reviewed", f"{t['members']:,}"),
            ("c. tiers_review_all", "seconds", f"{t['seconds']:.2f}"),
            ("c. tiers_review_all", "members per second", f"{t['members_per_second']:,}"),
            (
                "c. tiers_review_all",
                "CPU seconds: client / PostgreSQL backend",
                f"{t['cpu']['client_cpu_s']:.2f} / {t['cpu']['server_cpu_s']:.2f}",
            ),
            (
                "c. tiers_review_all",
                "moved up / down / marked below (grace)",
                f"{t['up']:,} / {t['down']:,} / {t['marked_below']:,}",
            ),
            (
                "c. tiers_review_all",
                "re-run: seconds (members per second)",
                f"{t['rerun_seconds']:.2f} ({t['rerun_members_per_second']:,})",
            ),
            (
                "c. tiers_review_all",
                "re-run: up / down / tier changes written",
                f"{t['rerun_up']} / {t['rerun_down']} / {t['rerun_tier_changes_written']}",
            ),
        ]
    for key, label in (("baseline_before", "before the benchmarks"), ("baseline_after", "after")):
        b = report.get(key)
        if b:
            out.append(
                (
                    "baseline",
                    f"{label}: SELECT 1 round trip / one-row write + commit (ms)",
                    baseline_text(b),
                )
            )
    for key, label in (("check_after_generate", "after generating"), ("check_after", "after the benchmarks")):
        c = report.get(key)
        if c:
            out.append(("ledger_check", f"{label}: violations (seconds)", f"{c['violations']} ({c['seconds']:.1f})"))
    return out


def table(rows_: list[tuple[str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows_ + [("benchmark", "figure", "value")]) for i in range(3)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(("benchmark", "figure", "value"), widths, strict=True)) + " |"
    sep = "| " + " | ".join("-" * w for w in widths) + " |"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows_]
    return "\n".join([line, sep, *body])


def _query_shape(sql: str) -> str:
    """A query with its literals replaced, so repeated statements group together."""
    sql = re.sub(r"'[^']*'", "'…'", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "N", sql)
    sql = re.sub(r"\((N, )+N\)", "(N, …)", sql)
    return sql


def markdown(report: dict) -> str:
    m = report["machine"]
    s = report["sizes"]
    parts = [
        "# Benchmark results",
        "",
        f"Run {report['started']} ({report['mode']} mode, {report['seconds']:.0f} s in all), "
        f"commit {report['commit']}, `python -m bench.run{' --quick' if report['mode'] == 'quick' else ''}`. "
        "Written by bench/run.py; bench/README.md says what each figure means.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in m.items()],
        "",
        "## Data set",
        "",
        f"{s['shops']} shops, {s['members']:,} members, {s['purchases']:,} purchases over 15 months with one earn "
        f"lot each; {report.get('generator', {}).get('lots_due', 0):,} lots due for expiry "
        "(`--lots-expiring-fraction 1`). Generated by `bench.generate` in the same run.",
        "",
        "## Figures",
        "",
        table(rows(report)),
        "",
    ]
    g = report.get("generator")
    if g:
        parts += [
            "## Generator steps",
            "",
            "| step | seconds | rows | rows/s |",
            "| --- | ---: | ---: | ---: |",
            *[f"| {st['step']} | {st['seconds']:.2f} | {st['rows']:,} | {st['rows_per_s']:,} |" for st in g["steps"]],
            f"| vacuum analyze | {g['vacuum_analyze_seconds']:.2f} | | |",
            "",
        ]
    p = report.get("purchases")
    if p and p.get("queries_by_items"):
        parts += [
            "## SQL queries per purchase by number of items",
            "",
            "| items | purchases sampled | queries min | median | max |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *[
                f"| {k} | {v['purchases']} | {v['min']} | {v['median']:g} | {v['max']} |"
                for k, v in p["queries_by_items"].items()
            ],
            "",
        ]
    if p and p.get("sample_queries"):
        shapes = Counter(_query_shape(q) for q in p["sample_queries"])
        parts += [
            f"## The queries of one purchase ({len(p['sample_queries'])}, "
            f"the largest of {p['queries_sampled']} sampled)",
            "",
            "| # | times | statement (literals elided) |",
            "| ---: | ---: | --- |",
        ]
        seen = []
        for q in p["sample_queries"]:
            shape = _query_shape(q)
            if shape in seen:
                continue
            seen.append(shape)
            text = shape if len(shape) <= 220 else shape[:217] + "…"
            parts.append(f"| {len(seen)} | {shapes[shape]} | `{text.replace('|', '¦')}` |")
        parts.append("")
    return "\n".join(parts)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: finishes in under a minute")
    parser.add_argument("--only", default="purchases,tiers,expiry", help="comma-separated: purchases,tiers,expiry")
    parser.add_argument("--no-generate", action="store_true", help="reuse the data already in the bench database")
    parser.add_argument("--no-check", action="store_true", help="skip the ledger invariant checks")
    parser.add_argument("--profile", action="store_true", help="cProfile each benchmark into bench/results/")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", default=str(RESULTS / "latest.md"))
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    mode = "quick" if args.quick else "full"
    sizes = SIZES[mode]

    from bench.env import machine, require_bench_database, setup

    started_at = datetime.now().astimezone()
    started = time.perf_counter()
    setup()
    database = require_bench_database()
    from django.db import connection

    connection.ensure_connection()
    report: dict = {
        "started": started_at.isoformat(timespec="seconds"),
        "mode": mode,
        "database": database,
        "commit": git_commit(),
        "sizes": sizes,
        "machine": machine(),
    }
    print(f"bench: {mode} run on database {database}")
    if not args.no_generate:
        from bench.generate import generate

        print(
            f"bench: generating {sizes['shops']} shops, {sizes['members']:,} members, {sizes['purchases']:,} purchases"
        )
        report["generator"] = generate(
            shops=sizes["shops"],
            members=sizes["members"],
            purchases=sizes["purchases"],
            lots_expiring_fraction=1.0,
            seed=args.seed,
            do_reset=True,
        )
        if not args.no_check:
            report["check_after_generate"] = ledger_check()
            print(f"bench: ledger_check {report['check_after_generate']}")
    report["baseline_before"] = baseline()
    if "purchases" in only:
        print(f"bench: a. recording {sizes['record']:,} purchases through purchase_record")
        report["purchases"] = bench_purchases(sizes["record"], seed=args.seed, profile=args.profile)
    if "tiers" in only:
        print("bench: c. tiers_review_all, twice")
        report["tiers"] = bench_tiers(profile=args.profile)
    if "expiry" in only:
        print("bench: b. points_expire_dated, twice")
        report["expiry"] = bench_expiry(profile=args.profile)
    if not args.no_check:
        report["check_after"] = ledger_check()
    report["machine"]["load average at the end"] = machine()["load average (1/5/15 min)"]
    report["baseline_after"] = baseline()
    report["seconds"] = time.perf_counter() - started

    print()
    print(table(rows(report)))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(report))
    output.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nbench: wrote {output} and {output.with_suffix('.json').name}")
    for key in ("check_after_generate", "check_after"):
        if report.get(key, {}).get("violations"):
            raise SystemExit(f"bench: ledger invariants broken ({key}): {report[key]['first']}")


if __name__ == "__main__":
    main()
