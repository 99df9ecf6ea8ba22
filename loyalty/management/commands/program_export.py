import json

from django.core.management.base import BaseCommand, CommandError

from loyalty.models import Shop
from loyalty.services.config_export import config_export


class Command(BaseCommand):
    help = "Prints a shop's configuration document."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise CommandError(f"no shop with slug {slug!r}")
        self.stdout.write(json.dumps(config_export(shop), ensure_ascii=False, indent=2))
