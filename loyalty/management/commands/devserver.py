"""`make run`: the development server with a Celery worker and beat beside it, so periodic jobs run on
schedule and slow work stays off the request path even with no broker installed (the settings then
use Celery's filesystem transport in .celery-broker/)."""

import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import sys

from django.core.management.commands.runserver import Command as RunServer

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """On Linux the worker gets SIGTERM when this process dies, however it dies."""
    with contextlib.suppress(OSError):  # not Linux: the atexit and signal handlers still stop it
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(RunServer):
    help = "Runs the development server with an embedded Celery worker and beat."

    def handle(self, *args, **options):
        if os.environ.get("RUN_MAIN") != "true":  # once, in the outer process, not in each reloaded child
            self._start_worker()
        super().handle(*args, **options)

    def _start_worker(self) -> None:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "loyalty",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=warning",
                "--schedule=.celery-broker/beat-schedule",
            ],
            preexec_fn=_die_with_parent,
        )

        def stop(*_args) -> None:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=15)

        atexit.register(stop)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda signum, _frame: (stop(), sys.exit(128 + signum)))
