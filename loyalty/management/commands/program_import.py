import json

from django.core.management.base import BaseCommand, CommandError

from loyalty.errors import ConfigurationError
from loyalty.services.config import document_import


class Command(BaseCommand):
    help = "Imports a configuration document (shared/spec/program-config.md); prints the slug or code it made last."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--update", action="store_true", help="replace the configuration of an existing shop")

    def handle(self, *args, file, update, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"document: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
            ) from None
        try:
            printed = document_import(document, update=update)
        except ConfigurationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(printed)
