"""Real Celery worker processes for the tests that start one against Redis (tests/loyalty/test_celery_worker.py,
tests/loyalty/test_worker_crashes.py): starting, reading, stopping and killing them, and waiting on what they do."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

BROKER = os.environ.get("CELERY_BROKER_URL", "")
WORKER_MARKS = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://… (CI sets it)"),
]


def start_worker(pool: str = "solo", **env) -> subprocess.Popen:
    """`celery -A loyalty worker` on the test database, taking tasks from the same Redis as this process, with
    tests/loyalty/worker_settings.py (what its tasks queue goes to Redis, as in production). Its output goes to a
    file (`worker_output` reads it): a pipe nobody reads would stop the worker once full."""
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - open while the worker runs, closed with the test
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.loyalty.worker_settings",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "loyalty", "worker", f"--pool={pool}", "--concurrency=1",
         "--loglevel=warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that a kill takes its pool's processes too
    )  # fmt: skip
    process.log = log
    return process


def worker_output(process: subprocess.Popen) -> str:
    process.log.seek(0)
    return process.log.read()


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL to the worker and its pool's processes: no task gets to finish, acknowledge or clean up."""
    assert process.poll() is None, worker_output(process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
