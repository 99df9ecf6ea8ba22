from django.core.management.base import BaseCommand, CommandError

from loyalty.errors import ValidationFailed
from loyalty.models import Shop
from loyalty.services.csv_files import csv_rows
from loyalty.services.ledger import Actor
from loyalty.services.member_import import columns_exact
from loyalty.services.purchase_import import COLUMNS, REQUIRED, purchases_plan
from loyalty.services.purchase_import_write import purchases_import


class Command(BaseCommand):
    help = (
        "Imports a shop's past purchases from a CSV file (docs/purchases_import.md): history and tier basis only, "
        "they earn nothing. Every row is validated first; with any invalid row nothing is imported unless "
        "--skip-invalid. Prints `imported N, skipped K, tiers raised T`."
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
        mapping, header_errors = columns_exact(header, COLUMNS, REQUIRED)
        if header_errors:
            self._list(header_errors)
            raise CommandError("the header is not valid; nothing was imported")
        plan = purchases_plan(shop, rows, mapping)
        self._list(plan.errors)
        if plan.errors and not skip_invalid:
            invalid = len({error.row for error in plan.errors})
            raise CommandError(f"{invalid} invalid rows; nothing was imported (--skip-invalid imports the others)")
        if dry_run:
            self.stdout.write(f"imported {len(plan.new)}, skipped {plan.skipped}, tiers raised 0")
            return
        result = purchases_import(plan=plan, actor=Actor(shop=shop))
        self.stdout.write(str(result))

    def _list(self, errors) -> None:
        for error in sorted(errors, key=lambda error: error.row):
            self.stdout.write(str(error))
