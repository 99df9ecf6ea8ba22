"""Recording a purchase through the till API over HTTP, beside a minimal Django view, on the same gunicorn.

    python -m bench.http_api [--quick] [--workers N] [--seconds S]

Starts gunicorn (sync workers) on 127.0.0.1 with production settings against the bench database, creates a
shop with members and a cashier key, then drives POST /api/v1/purchases (a fresh Idempotency-Key and
receipt each time) and POST /bench/baseline (one UPDATE and one INSERT in a transaction) with 8 and then 32
concurrent keep-alive connections for a fixed time each. Prints and writes bench/results/http-latest.md:
requests per second, p50/p99 latency, errors, and the ratio of the two throughputs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
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


def drive(port: int, connections: int, seconds: float, make_request) -> dict:
    """`connections` threads, each with its own keep-alive connection, for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed, n = [], 0, 0
        while time.monotonic() < stop:
            method, path, body, headers = make_request(index, n)
            n += 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else 0.0

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors[0],
    }


def purchase_requests(key: str, members: list[str]):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def make(index: int, n: int):
        body = json.dumps(
            {
                "external_id": f"H-{uuid.uuid4().hex}",
                "amount": "85000",
                "member": members[(index * 7919 + n) % len(members)],
                "items": [
                    {"sku": "latte", "category": "coffee", "quantity": 1, "amount": "45000"},
                    {"sku": "cake", "category": "food", "quantity": 1, "amount": "40000"},
                ],
            }
        )
        return "POST", "/api/v1/purchases", body, {**headers, "Idempotency-Key": uuid.uuid4().hex}

    return make


def baseline_request(_index: int, _n: int):
    return "POST", "/bench/baseline", b"", {"Content-Type": "application/json"}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seconds per run, 50 members")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args(argv)
    seconds = args.seconds or (3 if args.quick else 20)
    env.setup()
    key, members = prepare(50 if args.quick else 1000)
    port = free_port()
    server = start_gunicorn(port, args.workers)
    results = []
    try:
        drive(port, 4, 2, baseline_request)  # warm the workers' connections
        drive(port, 4, 2, purchase_requests(key, members))
        for connections in (8, 32):
            base = drive(port, connections, seconds, baseline_request)
            api = drive(port, connections, seconds, purchase_requests(key, members))
            results.append((connections, api, base))
    finally:
        server.terminate()
        server.wait(timeout=20)
    write(results, args, seconds)


def write(results, args, seconds: float) -> None:
    facts = env.machine()
    lines = [
        "# Till API over HTTP",
        "",
        f"gunicorn, {args.workers} sync workers, production settings, PostgreSQL, 127.0.0.1; {seconds:g} s per "
        "run; a fresh Idempotency-Key and receipt per purchase (two items, a campaign, a stamp card).",
        "",
        "| connections | endpoint | requests/s | p50 ms | p99 ms | errors |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for connections, api, base in results:
        lines.append(
            f"| {connections} | POST /api/v1/purchases | {api['rps']} | {api['p50_ms']} | {api['p99_ms']} | "
            f"{api['errors']} |"
        )
        lines.append(
            f"| {connections} | baseline (UPDATE + INSERT) | {base['rps']} | {base['p50_ms']} | "
            f"{base['p99_ms']} | {base['errors']} |"
        )
    lines += ["", "| connections | purchases ÷ baseline |", "| ---: | ---: |"]
    lines += [f"| {c} | {api['rps'] / base['rps']:.2f} |" for c, api, base in results if base["rps"]]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()), ""]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
