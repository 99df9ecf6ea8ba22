"""The soak: the till API at a steady rate for a long while, with refunds, redemptions and the jobs running.

    python -m bench.soak [--minutes 10] [--rate 8] [--workers 2] [--members 200]

Starts gunicorn (sync workers, production settings, as bench/http_api.py does) on 127.0.0.1 against the bench
database (BENCH_DATABASE_URL, default regulars_bench), a process running every job (`loyalty_jobs`) in a loop, and
drives, open loop at fixed rates (a request is sent on its schedule, whatever the previous one took):

- POST /api/v1/purchases at `--rate` a second (a fresh receipt and Idempotency-Key each, two items);
- POST /api/v1/purchases/{id}/refunds at a tenth of it, half of them partial, each purchase refunded once;
- POST /api/v1/redemptions at a tenth of it, and POST /api/v1/vouchers/{code}/use for every other voucher issued.

Every `--sample` seconds it reads the resident memory (VmRSS) of each gunicorn worker and of the jobs' process.
At the end it runs `ledger_check` over the database and writes bench/results/soak-latest.md: requests by kind and
status, latencies, lateness against the schedule, RSS at the start, the end and its maximum. Exits non-zero if
the ledger check fails or any request got a 5xx or failed to connect.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from pathlib import Path

from bench import env
from bench.http_api import free_port, start_gunicorn

SETTLED = 60  # seconds: RSS is read from then on
ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "soak-latest.md"
SHOP = {
    "merchant": {
        "slug": "soak-bench",
        "name": "Soak bench",
        "country": "VN",
        "currency": "VND",
        "timezone": "Asia/Ho_Chi_Minh",
        "language": "en",
        "locations": [{"code": "main", "name": "Main"}],
    },
    "program": {
        "name": "Soak",
        "earn": {"per_amount": "10000", "points": 1},
        "campaigns": [{"code": "always", "name": "Always", "multiplier": "2"}],
        "stamp_cards": [{"code": "visit", "name": "Visits", "stamps_required": 10}],
    },
    "rewards": [
        {"code": "free-coffee", "name": "Free coffee", "kind": "free_item", "points": 40, "value": "45000",
         "voucher_valid_days": 30},
    ],
}  # fmt: skip


def prepare(members: int) -> tuple[str, list[str]]:
    from loyalty.models import Shop
    from loyalty.services.api_keys import api_key_create
    from loyalty.services.config import config_import
    from loyalty.services.members import member_enrol

    env.require_bench_database()
    shop = Shop.objects.filter(slug="soak-bench").first() or config_import(SHOP)
    ids = [str(m) for m in shop.members.values_list("pk", flat=True)[:members]]
    for n in range(len(ids), members):
        ids.append(str(member_enrol(shop=shop, phone=f"+8492{n:07d}", name=f"Soak {n}").pk))
    _, raw = api_key_create(shop=shop, role="manager", name=f"soak {uuid.uuid4().hex[:6]}")
    return raw, ids


class Tally:
    """Latencies and outcomes by kind, shared by the driving threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.outcome: Counter = Counter()
        self.late: list[float] = []

    def add(self, kind: str, outcome: str, seconds: float, late: float) -> None:
        with self.lock:
            self.latency[kind].append(seconds * 1000)
            self.outcome[(kind, outcome)] += 1
            self.late.append(late * 1000)


class Till:
    """One keep-alive HTTP connection of a till, reconnecting when the server closes it."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.connection = None

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        payload = json.dumps(body)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}",
                   "Idempotency-Key": uuid.uuid4().hex}  # fmt: skip
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("POST", path, payload, headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, (json.loads(data) if data else {})
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def outcome_of(status: int, body: dict) -> str:
    if status < 300:
        return str(status)
    code = (body.get("error") or {}).get("code", "")
    return f"{status} {code}".strip()


class Soak:
    def __init__(self, port: int, key: str, members: list[str], rate: float, seconds: float):
        self.port, self.key, self.members = port, key, members
        self.rate, self.seconds = rate, seconds
        self.tally = Tally()
        self.purchases: deque = deque(maxlen=2000)  # recorded, not refunded yet
        self.vouchers: deque = deque(maxlen=2000)
        self.started = time.monotonic()

    def stream(self, kind: str, rate: float, send) -> None:
        """Send `send(till)` at `rate` a second on the schedule from the start, open loop."""
        till, n = Till(self.port, self.key), 0
        while True:
            due = self.started + n / rate
            if due - self.started >= self.seconds:
                return
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            late = max(0.0, time.monotonic() - due)
            begun = time.perf_counter()
            try:
                answer = send(till)
                result = None if answer is None else outcome_of(*answer)
            except (OSError, http.client.HTTPException) as error:
                result = f"connection {type(error).__name__}"
            if result is not None:  # None: nothing to refund or use yet
                self.tally.add(kind, result, time.perf_counter() - begun, late)
            n += 1

    def purchase(self, till: Till):
        member = random.choice(self.members)
        body = {"external_id": f"S-{uuid.uuid4().hex[:16]}", "amount": "85000", "member": member,
                "items": [{"sku": "latte", "category": "coffee", "quantity": 1, "amount": "45000"},
                          {"sku": "cake", "category": "food", "quantity": 1, "amount": "40000"}]}  # fmt: skip
        status, answer = till.post("/api/v1/purchases", body)
        if status == 201:
            self.purchases.append(answer["id"])
        return status, answer

    def refund(self, till: Till):
        try:
            purchase = self.purchases.popleft()
        except IndexError:
            return None
        amount = random.choice(["42500", "85000"])
        return till.post(
            f"/api/v1/purchases/{purchase}/refunds", {"amount": amount, "external_id": f"SR-{uuid.uuid4().hex[:16]}"}
        )

    def redeem(self, till: Till):
        status, answer = till.post(
            "/api/v1/redemptions", {"member": random.choice(self.members), "reward": "free-coffee"}
        )
        if status == 201 and random.random() < 0.5:
            self.vouchers.append(answer["voucher"]["code"])
        return status, answer

    def use(self, till: Till):
        try:
            code = self.vouchers.popleft()
        except IndexError:
            return None
        return till.post(f"/api/v1/vouchers/{code}/use", {})

    def run(self) -> None:
        tenth = self.rate / 10
        streams = [("purchase", self.rate / 4, self.purchase)] * 4 + [
            ("refund", tenth, self.refund),
            ("redemption", tenth, self.redeem),
            ("voucher use", tenth / 2, self.use),
        ]
        threads = [threading.Thread(target=self.stream, args=s, daemon=True) for s in streams]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def warm(port: int, key: str, members: list[str]) -> None:
    """A few purchases on a few connections, so both workers have loaded the app before the clock starts."""
    soak = Soak(port, key, members, rate=1, seconds=0)
    threads = [threading.Thread(target=lambda: [soak.purchase(Till(port, key)) for _ in range(5)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def sample(server: subprocess.Popen, jobs: subprocess.Popen, every: float, stop: threading.Event, into: list) -> None:
    started = time.monotonic()
    while not stop.is_set():
        row = {"t": round(time.monotonic() - started), "workers": {}, "jobs": rss_mib(jobs.pid)}
        for pid in children(server.pid):
            row["workers"][pid] = rss_mib(pid)
        into.append(row)
        stop.wait(every)


JOBS_LOOP = """
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.http_settings"
import django
django.setup()
from django.utils import timezone
from loyalty.services.jobs import run_all
end, pause, runs = time.monotonic() + float(sys.argv[1]), float(sys.argv[2]), 0
while time.monotonic() < end:
    run_all(as_of=timezone.now())
    runs += 1
    time.sleep(pause)
print(runs)
"""


def start_jobs(seconds: float, pause: float) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": env.database_url(), "SECRET_KEY": "soak-" + uuid.uuid4().hex * 2,
                   "ALLOWED_HOSTS": "127.0.0.1", "CELERY_BROKER_URL": ""}  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", JOBS_LOOP, str(seconds), str(pause)], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip


def ledger_check() -> tuple[int, str]:
    environment = {**os.environ, "DATABASE_URL": env.database_url()}
    done = subprocess.run([sys.executable, "manage.py", "ledger_check"], cwd=ROOT, env=environment,
                          capture_output=True, text=True)  # fmt: skip
    return done.returncode, (done.stdout + done.stderr).strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 10)))
    parser.add_argument("--rate", type=float, default=5.0, help="purchases a second")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--sample", type=float, default=15.0, help="seconds between RSS samples")
    parser.add_argument("--jobs-pause", type=float, default=20.0, help="seconds between two runs of every job")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    env.setup()
    key, members = prepare(args.members)
    port = free_port()
    server = start_gunicorn(port, args.workers)
    warm(port, key, members)  # the workers load the app on their first requests: not part of the figures
    jobs = start_jobs(seconds, args.jobs_pause)
    samples: list = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(server, jobs, args.sample, stop, samples), daemon=True)
    sampler.start()
    soak = Soak(port, key, members, args.rate, seconds)
    try:
        soak.run()
    finally:
        stop.set()
        sampler.join()
        server.terminate()
        server.wait(timeout=30)
    output = jobs.communicate(timeout=600)[0].strip().splitlines()
    job_runs = output[-1] if output and output[-1].isdigit() else "failed: " + " / ".join(output[-3:])
    code, check = ledger_check()
    failed = write(args, soak.tally, samples, job_runs, code, check)
    return 1 if failed else 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1) if ordered else 0.0


def rss_rows(samples: list) -> list[str]:
    """Per process: the first sample a minute in (the jobs' process has loaded Django and run every job once by
    then), the last, the maximum; a worker that was replaced shows as a new pid."""
    series: dict[str, list[float]] = defaultdict(list)
    settled = [row for row in samples if row["t"] >= SETTLED] or samples
    for row in settled:
        for pid, mib in row["workers"].items():
            if mib is not None:
                series[f"gunicorn worker {pid}"].append(mib)
        if row["jobs"] is not None:
            series["jobs process"].append(row["jobs"])
    return [
        f"| {name} | {len(values)} | {values[0]} | {values[-1]} | {max(values)} | {values[-1] - values[0]:+.1f} |"
        for name, values in series.items()
    ]


def write(args, tally: Tally, samples: list, job_runs: str, code: int, check: str) -> bool:
    facts = env.machine()
    kinds = sorted(tally.latency)
    server_errors = sum(n for (kind, result), n in tally.outcome.items() if result[:1] == "5" or "connection" in result)
    lines = [
        "# Soak: the till API at a steady rate with refunds, redemptions and the jobs",
        "",
        f"`python -m bench.soak --minutes {args.minutes:g} --rate {args.rate:g} --workers {args.workers}`: gunicorn "
        f"({args.workers} sync workers, production settings) on 127.0.0.1, PostgreSQL on the same machine; "
        f"{args.rate:g} purchases/s, {args.rate / 10:g} refunds/s, {args.rate / 10:g} redemptions/s and "
        f"{args.rate / 20:g} voucher uses/s, open loop; every job (`loyalty_jobs`) run in a loop in its own process "
        f"({job_runs or '?'} runs, {args.jobs_pause:g} s apart); {args.members} members.",
        "",
        "| kind | requests | p50 ms | p99 ms | max ms | outcomes |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind in kinds:
        values = tally.latency[kind]
        outcomes = ", ".join(f"{result}: {n}" for (k, result), n in sorted(tally.outcome.items()) if k == kind)
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 0.5)} | {percentile(values, 0.99)} | "
            f"{round(max(values), 1)} | {outcomes} |"
        )
    lines += [
        "",
        f"Lateness against the schedule (the client's own delay in sending): p50 {percentile(tally.late, 0.5)} ms, "
        f"p99 {percentile(tally.late, 0.99)} ms. Server errors or failed connections: **{server_errors}**. "
        "Expected conflicts (409 `insufficient_points` on a redemption, `voucher_used`) are the program answering.",
        "",
        f"Resident memory (VmRSS, MiB), sampled every {args.sample:g} s from {SETTLED} s in:",
        "",
        "| process | samples | start | end | max | end − start |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *rss_rows(samples),
        "",
        f"`ledger_check` afterwards: exit {code} — {check.splitlines()[-1] if check else ''}",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()),
        "",
    ]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return code != 0 or server_errors > 0


if __name__ == "__main__":
    sys.exit(main())
