from django.core.management.base import BaseCommand, CommandError

from loyalty.errors import ValidationFailed
from loyalty.models import Shop
from loyalty.services.csv_files import csv_rows
from loyalty.services.ledger import Actor
from loyalty.services.member_import import columns_exact, import_plan
from loyalty.services.member_import_write import members_import


class Command(BaseCommand):
    help = (
        "Imports a shop's existing customers from a CSV file (shared/spec/cli.md): every row is validated first; "
        "with any invalid row nothing is imported unless --skip-invalid. Prints `imported N, updated M, skipped K`."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, change nothing")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, list the others")

    def handle(self, *args, slug, file, dry_run, skip_invalid, **options):
        shop = Shop.objects.select_related("program").filter(slug=slug).first()
        if shop is None:
            raise CommandError(f"no shop has the slug {slug!r}")
        try:
            with open(file, "rb") as handle:
                header, rows = csv_rows(handle.read())
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        except ValidationFailed as error:
            raise CommandError(error.message) from None
        mapping, header_errors = columns_exact(header)
        if header_errors:
            self._list(header_errors)
            raise CommandError("the header is not valid; nothing was imported")
        plan = import_plan(shop, rows, mapping)
        self._list(plan.errors)
        if plan.errors and not skip_invalid:
            invalid = len({error.row for error in plan.errors})
            raise CommandError(f"{invalid} invalid rows; nothing was imported (--skip-invalid imports the others)")
        if dry_run:
            self.stdout.write(f"imported {plan.imported}, updated {plan.updated}, skipped {plan.skipped}")
            return
        result = members_import(plan=plan, actor=Actor(shop=shop))
        self.stdout.write(str(result))

    def _list(self, errors) -> None:
        for error in sorted(errors, key=lambda error: error.row):
            self.stdout.write(str(error))
