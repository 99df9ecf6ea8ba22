from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from loyalty.services.jobs import run_all


class Command(BaseCommand):
    help = "Runs every periodic job once, in order, as of the given moment (default now)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="ISO 8601 moment with an offset, e.g. 2026-07-01T00:00:00+07:00")

    def handle(self, *args, as_of=None, **options):
        moment = timezone.now()
        if as_of:
            try:
                moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
            except ValueError:
                raise CommandError(f"--as-of {as_of!r} is not an ISO 8601 moment") from None
            if timezone.is_naive(moment):
                raise CommandError("--as-of needs a time zone offset, e.g. +07:00 or Z")
        for job, result in run_all(as_of=moment).items():
            self.stdout.write(f"{job}: {result}")
