"""factory-boy factories. Members are enrolled through the service, as every caller must."""

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from loyalty.models import Location, Program, Role, Shop, StaffMembership
from loyalty.services.members import member_enrol


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            user.save()
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    slug = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    country = "VN"
    currency = "VND"
    timezone = "Asia/Ho_Chi_Minh"
    language = "en"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    shop = factory.SubFactory(ShopFactory)
    name = "Test Club"
    point_value = Decimal("1000")
    earn_per_amount = Decimal("40000")
    earn_points = 1
    backdate_days = 400


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    shop = factory.SubFactory(ShopFactory)
    code = factory.Sequence(lambda n: f"loc-{n}")
    name = factory.Sequence(lambda n: f"Location {n}")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    shop = factory.SubFactory(ShopFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


_phone = iter(range(10**6, 10**7))


def next_phone() -> str:
    return f"+8490{next(_phone):07d}"


def enrol(shop, **fields):
    """A member enrolled through member_enrol with a fresh Vietnamese phone unless one is given."""
    fields.setdefault("phone", next_phone())
    fields.setdefault("name", "Test Member")
    return member_enrol(shop=shop, **fields)
