from django.core.management.base import BaseCommand, CommandError

from loyalty.services.invariants import ledger_violations


class Command(BaseCommand):
    help = "Checks every ledger invariant (LEDGER.md) over the whole database; exits non-zero on any violation."

    def handle(self, *args, **options):
        problems = ledger_violations()
        for line in problems:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"{len(problems)} ledger invariant violation(s)")
        self.stdout.write(self.style.SUCCESS("ledger: every invariant holds"))
