from django.core.management.base import BaseCommand, CommandError

from loyalty.errors import ValidationFailed
from loyalty.models import Location, Shop
from loyalty.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Creates a till API key for a shop and prints it on the last line (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--role", required=True, choices=["cashier", "manager"])
        parser.add_argument("--location", help="the location's code, to tie the key to one location")
        parser.add_argument("--name", default="")

    def handle(self, *args, slug, role, location=None, name="", **options):
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise CommandError(f"no shop with slug {slug!r}")
        place = None
        if location:
            place = Location.objects.filter(shop=shop, code=location).first()
            if place is None:
                raise CommandError(f"shop {slug!r} has no location {location!r}")
        try:
            key, raw = api_key_create(shop=shop, role=role, name=name, location=place)
        except ValidationFailed as error:
            raise CommandError(str(error.fields)) from None
        self.stdout.write(f"Created {key.role} key {key.name!r} for {shop.slug}. Store it now; it is not shown again:")
        self.stdout.write(raw)
