"""Setting up Django for the benchmarks: a dedicated PostgreSQL database, DEBUG off, and the machine's facts.

The benchmarks never use the developer's DATABASE_URL: they run against BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/regulars_bench), created on first use, so a run can never fill or flush
anyone's working database. Every destructive step also checks that the database name contains "bench".
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/regulars_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def database_name(url: str | None = None) -> str:
    return urlsplit(url or database_url()).path.lstrip("/")


def ensure_database(url: str | None = None) -> None:
    """Create the bench database if it does not exist (connecting to the server's `postgres` database)."""
    import psycopg

    url = url or database_url()
    name = database_name(url)
    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))  # libpq reads postgres://
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(*, migrate: bool = True) -> None:
    """Point Django at the bench database (created if missing), with DEBUG off, and run migrations."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loyalty.settings.development")
    os.environ["DATABASE_URL"] = database_url()
    os.environ.setdefault("DJANGO_DEBUG", "false")  # no per-query bookkeeping in the figures
    os.environ.setdefault("API_RATE_LIMIT", "0")
    os.environ.setdefault("CELERY_BROKER_URL", "")
    ensure_database()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def require_bench_database() -> str:
    """The current Django database's name, refusing anything but PostgreSQL named *bench*."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench: the benchmarks need PostgreSQL (set BENCH_DATABASE_URL)")
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"bench: refusing to write to database {name!r}: its name must contain 'bench'")
    return name


def machine() -> dict:
    """nproc, CPU model, memory, PostgreSQL and Python versions, and the load when measured."""
    from django.db import connection

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    import django

    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory": memory,
        "postgresql": f"{pg} (shared_buffers {shared_buffers})",
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load average (1/5/15 min)": load,
    }
