"""`make run`: the development server with a Celery worker and beat beside it, so periodic jobs run on
schedule and slow work stays off the request path even with no broker installed (the settings then
use Celery's filesystem transport in .celery-broker/)."""

import subprocess
import sys

from django.core.management.commands.runserver import Command as RunServer


class Command(RunServer):
    help = "Runs the development server with an embedded Celery worker and beat."

    def inner_run(self, *args, **options):
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
        )
        try:
            super().inner_run(*args, **options)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
