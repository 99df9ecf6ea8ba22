"""Recording a purchase through the till API over HTTP, beside a minimal Django view, on the same gunicorn.

    python -m bench.http_api [--quick] [--workers N] [--seconds S] [--rounds R]

Starts gunicorn (sync workers, one per core) on 127.0.0.1 with production settings against the bench database,
creates a shop with members and a cashier key, then drives POST /api/v1/purchases (a fresh Idempotency-Key and
receipt each time) and POST /bench/baseline (one UPDATE and one INSERT in a transaction) with wrk, 8 and then
32 keep-alive connections, the two alternated R times. Before that it counts the statements of one purchase and
the CPU time per purchase in this process. Prints and writes bench/results/http-latest.md. Needs wrk
(`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "http-latest.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(members: int) -> tuple[str, list[str]]:
    """A shop with a campaign, `members` members and a cashier key; the baseline's two tables."""
    from django.db import connection

    from bench.http_urls import BASELINE_TABLES
    from loyalty.models import Shop
    from loyalty.services.api_keys import api_key_create
    from loyalty.services.config import config_import
    from loyalty.services.members import member_enrol

    env.require_bench_database()
    with connection.cursor() as cursor:
        for sql in BASELINE_TABLES:
            cursor.execute(sql)
    shop = Shop.objects.filter(slug="http-bench").first() or config_import(
        {
            "merchant": {
                "slug": "http-bench",
                "name": "HTTP bench",
                "country": "VN",
                "currency": "VND",
                "timezone": "Asia/Ho_Chi_Minh",
                "language": "en",
                "locations": [{"code": "main", "name": "Main"}],
            },
            "program": {
                "name": "Bench",
                "earn": {"per_amount": "10000", "points": 1},
                "campaigns": [{"code": "always", "name": "Always", "multiplier": "2"}],
                "stamp_cards": [{"code": "visit", "name": "Visits", "stamps_required": 10}],
            },
        }
    )
    ids = [str(m) for m in shop.members.values_list("pk", flat=True)[:members]]
    for n in range(len(ids), members):
        ids.append(str(member_enrol(shop=shop, phone=f"+8491{n:07d}", name=f"Bench {n}").pk))
    _, raw = api_key_create(shop=shop, role="cashier", name=f"http bench {uuid.uuid4().hex[:6]}")
    return raw, ids


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.http_settings",
        "DATABASE_URL": env.database_url(),
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE_LIMIT": "0",
        "CELERY_BROKER_URL": "",
        "CONN_MAX_AGE": "600",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "loyalty.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "--backlog",
            "256",
        ],
        cwd=ROOT,
        env=environment,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("bench: gunicorn did not start")


WRK_SCRIPT = """
local counter, id = 0, 0
local members = {%(members)s}
local prefix = "%(prefix)s"
function setup(thread) thread:set("id", id); id = id + 1 end
function request()
  counter = counter + 1
  if "%(kind)s" == "baseline" then
    return wrk.format("POST", "/bench/baseline", {["Content-Type"] = "application/json"}, "")
  end
  local key = string.format("%%s-%%d-%%d", prefix, id, counter)
  local member = members[(id * 7919 + counter) %% #members + 1]
  local body = string.format('{"external_id": "H-%%s", "amount": "85000", "member": "%%s", "items": ['
    .. '{"sku": "latte", "category": "coffee", "quantity": 1, "amount": "45000"}, '
    .. '{"sku": "cake", "category": "food", "quantity": 1, "amount": "40000"}]}', key, member)
  return wrk.format("POST", "/api/v1/purchases", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(key)s", ["Idempotency-Key"] = key}, body)
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def drive(port: int, connections: int, seconds: float, kind: str, key: str, members: list[str]) -> dict:
    """wrk (a C load generator, so the client takes little of the two cores) with `connections` keep-alive
    connections on 2 threads for `seconds`; a fresh Idempotency-Key and receipt per purchase."""
    script = WRK_SCRIPT % {
        "members": ", ".join(f'"{m}"' for m in members),
        "prefix": uuid.uuid4().hex[:12],
        "kind": kind,
        "key": key,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--latency",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return round(float(match.group(1)) * UNITS[match.group(2)], 1) if match else 0.0

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def profile_in_process(key: str, members: list[str], count: int = 300) -> dict:
    """Statements and CPU time of this process per purchase, through the API's own handler (no HTTP, no other
    process): the Python side of a purchase; the database's side is the statements' round trips."""
    from django.db import connection

    from tests.till import TillClient

    client = TillClient(HTTP_AUTHORIZATION=f"Bearer {key}")

    def buy(n: int):
        body = {
            "external_id": f"P-{uuid.uuid4().hex}",
            "amount": "85000",
            "member": members[n % len(members)],
            "items": [
                {"sku": "latte", "category": "coffee", "quantity": 1, "amount": "45000"},
                {"sku": "cake", "category": "food", "quantity": 1, "amount": "40000"},
            ],
        }
        response = client.post(
            "/api/v1/purchases",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert response.status_code == 201, response.content

    for n in range(20):
        buy(n)
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # A wrapper sees every statement; Django's query log is emptied when a request starts, so it would not.
    with connection.execute_wrapper(record):
        buy(len(members) - 1)  # a member the warm-up left alone: a plain purchase, no card completed
    started_cpu, started = time.process_time(), time.perf_counter()
    for n in range(count):
        buy(n)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    return {
        "statements": len(statements),
        "statement_list": [sql.split(" ", 3)[:3] for sql in statements],
        "cpu_ms": round(cpu * 1000 / count, 2),
        "wall_ms": round(wall * 1000 / count, 2),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 seconds per run, one round, 50 members")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="baseline and purchases alternated this often")
    args = parser.parse_args(argv)
    seconds = args.seconds or (5 if args.quick else 15)
    rounds = args.rounds or (1 if args.quick else 3)
    env.setup()
    key, members = prepare(50 if args.quick else 1000)
    profile = profile_in_process(key, members, 100 if args.quick else 500)
    port = free_port()
    server = start_gunicorn(port, args.workers)
    results = []
    try:
        drive(port, 4, 2, "baseline", key, members)  # warm the workers: connections, rules, caches
        drive(port, 4, 2, "purchase", key, members)
        for connections in (8, 32):
            for _round in range(rounds):  # alternated, so a machine that gets busier hurts both alike
                base = drive(port, connections, seconds, "baseline", key, members)
                api = drive(port, connections, seconds, "purchase", key, members)
                results.append((connections, api, base))
    finally:
        server.terminate()
        server.wait(timeout=20)
    write(results, profile, args, seconds, rounds)


def write(results, profile, args, seconds: float, rounds: int) -> None:
    facts = env.machine()
    lines = [
        "# Till API over HTTP",
        "",
        f"gunicorn, {args.workers} sync workers, production settings, PostgreSQL on the same machine, 127.0.0.1; wrk "
        f"(2 threads); {seconds:g} s per run, the baseline and the purchases alternated {rounds}× per connection "
        "count; a fresh Idempotency-Key and receipt per purchase (two items, a campaign, a stamp card).",
        "",
        "| connections | round | endpoint | requests/s | p50 ms | p99 ms | errors | purchases ÷ baseline |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    rounds_of: dict[int, int] = {}
    for connections, api, base in results:
        n = rounds_of[connections] = rounds_of.get(connections, 0) + 1
        ratio = f"{api['rps'] / base['rps']:.2f}" if base["rps"] else "—"
        lines.append(
            f"| {connections} | {n} | POST /api/v1/purchases | {api['rps']} | {api['p50_ms']} | {api['p99_ms']} | "
            f"{api['errors']} | {ratio} |"
        )
        lines.append(
            f"| {connections} | {n} | baseline (UPDATE + INSERT) | {base['rps']} | {base['p50_ms']} | "
            f"{base['p99_ms']} | {base['errors']} | |"
        )
    lines += [
        "",
        "| connections | purchases ÷ baseline, throughput (median of rounds) | p99 ÷ baseline p99 |",
        "| ---: | ---: | ---: |",
    ]
    for connections in sorted(rounds_of):
        mine = [(api, base) for c, api, base in results if c == connections]
        ratios = sorted(api["rps"] / base["rps"] for api, base in mine if base["rps"])
        tails = sorted(api["p99_ms"] / base["p99_ms"] for api, base in mine if base["p99_ms"])
        lines.append(f"| {connections} | {ratios[len(ratios) // 2]:.2f} | {tails[len(tails) // 2]:.2f} |")
    lines += [
        "",
        f"In one process, through the API's own handler (no HTTP): **{profile['statements']} statements** per "
        f"purchase (and BEGIN and COMMIT, which psycopg sends itself), **{profile['cpu_ms']} ms of CPU** in the "
        "Django process and "
        f"{profile['wall_ms']} ms in all per purchase.",
        "",
        "Statements: " + "; ".join(" ".join(words) for words in profile["statement_list"]),
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()),
        "",
    ]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
