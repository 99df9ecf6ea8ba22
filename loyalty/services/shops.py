"""Creating shops, inviting and managing their staff, and their locations (rule 1 of DESIGN.md)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

import phonenumbers
from allauth.account.models import EmailAddress
from babel.numbers import list_currencies
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.models import Invitation, Location, Program, Role, Shop, StaffMembership

LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)

# Earn one point for about one US dollar's worth; a currency not listed earns per one unit.
EVERYDAY_AMOUNT = {
    "VND": 10000,
    "IDR": 10000,
    "LAK": 10000,
    "UZS": 10000,
    "IRR": 100000,
    "KRW": 1000,
    "KHR": 1000,
    "MMK": 1000,
    "COP": 1000,
    "CLP": 1000,
    "JPY": 100,
    "HUF": 100,
    "INR": 100,
    "PKR": 100,
    "RUB": 100,
    "PHP": 50,
    "THB": 30,
    "TWD": 30,
}


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166 codes of the countries whose phone numbers we read: the shop's country is their default region."""
    return frozenset(phonenumbers.SUPPORTED_REGIONS)


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def timezone_names() -> frozenset[str]:
    """IANA names; the system's own links that are not zones of the database are left out."""
    return frozenset(available_timezones() - {"localtime", "Factory", "posixrules"})


def earn_per_amount(currency: str) -> Decimal:
    return Decimal(EVERYDAY_AMOUNT.get(currency, 1))


# ---------------------------------------------------------------- shops


def _check_shop_fields(*, name: str, country: str, currency: str, timezone_name: str, language: str) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter the shop's name.")
    if country not in country_codes():
        errors["country"] = _("Choose a country (an ISO 3166 code such as VN).")
    if currency not in currency_codes():
        errors["currency"] = _("Choose a currency (an ISO 4217 code such as VND).")
    if timezone_name not in timezone_names():
        errors["timezone"] = _("Choose a time zone (an IANA name such as Asia/Ho_Chi_Minh).")
    if language not in LANGUAGES:
        errors["language"] = _("Choose one of the languages offered.")
    if errors:
        raise ValidationFailed(_("Some values are not valid."), fields=errors)


def _first_free(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`…: the first one not in `taken`."""
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


# A shop's slug is a path segment under /m/ and /j/: the member pages' own paths are never shop slugs.
RESERVED_SLUGS = {"sign-in", "link", "unsubscribe", "manifest", "sw", "static", "media", "api", "admin"}


def _shop_with_free_slug(shop: Shop) -> Shop:
    """Saves the shop under a slug derived from its name; a shop created at the same moment may take the
    slug between the look-up and the insert, so a clash is retried with the next free one."""
    base = slugify(shop.name)[:50].strip("-") or "shop"
    for _attempt in range(5):
        taken = set(Shop.objects.filter(slug__startswith=base).values_list("slug", flat=True)) | RESERVED_SLUGS
        shop.slug = _first_free(base, taken)
        try:
            with transaction.atomic():
                shop.save()
            return shop
        except IntegrityError:
            continue
    raise ValidationFailed(
        _("Could not find a free address for this shop; try another name."),
        fields={"name": _("Try another name.")},
        code="slug_taken",
    )


@transaction.atomic
def shop_create(
    *,
    owner: AbstractBaseUser,
    name: str,
    country: str,
    currency: str,
    timezone_name: str,
    language: str,
    location_name: str = "",
) -> Shop:
    """A new shop with a points program earning 1 point per everyday amount, a first location, and its owner."""
    name = name.strip()
    _check_shop_fields(name=name, country=country, currency=currency, timezone_name=timezone_name, language=language)
    shop = _shop_with_free_slug(
        Shop(name=name, country=country, currency=currency, timezone=timezone_name, language=language)
    )
    with translation.override(language):  # members see the points' name in the shop's language
        points_name = _("points")
    Program.objects.create(
        shop=shop, name=name, points_name=points_name, earn_per_amount=earn_per_amount(currency), earn_points=1
    )
    location_create(shop=shop, name=location_name.strip() or name)
    StaffMembership.objects.create(shop=shop, user=owner, role=Role.OWNER)
    return shop


@transaction.atomic
def shop_update(*, shop: Shop, name: str, country: str, timezone_name: str, language: str) -> Shop:
    """Change the shop's name, country, time zone and language. The slug stays (printed posters and cards point
    at it), and so does the currency (every amount recorded is in it)."""
    name = name.strip()
    _check_shop_fields(
        name=name, country=country, currency=shop.currency, timezone_name=timezone_name, language=language
    )
    shop.name, shop.country, shop.timezone, shop.language = name, country, timezone_name, language
    shop.save(update_fields=["name", "country", "timezone", "language"])
    return shop


# ---------------------------------------------------------------- staff


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), fields={"role": _("Choose a role.")}, code="invalid_role")


def user_has_email(user: AbstractBaseUser, email: str) -> bool:
    """Whether the address is the person's account email or one of their addresses."""
    email = email.strip().lower()
    return (user.email or "").lower() == email or EmailAddress.objects.filter(user=user, email__iexact=email).exists()


@transaction.atomic
def staff_invite(*, shop: Shop, email: str, role: str, invited_by: AbstractBaseUser) -> Invitation:
    """An invitation to join the shop; inviting an address again replaces its pending invitation."""
    email = email.strip().lower()
    _check_role(role)
    staff = StaffMembership.objects.filter(shop=shop)
    if staff.filter(Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email)).exists():
        raise ValidationFailed(
            _("This person is already on the staff."),
            fields={"email": _("This person is already on the staff.")},
            code="already_staff",
        )
    Invitation.objects.filter(shop=shop, email__iexact=email, accepted_at__isnull=True).delete()
    return Invitation.objects.create(shop=shop, email=email, role=role, invited_by=invited_by)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    """Withdraws a pending invitation; an accepted one is history and stays."""
    deleted, _rows = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()
    if not deleted:
        raise ValidationFailed(_("This invitation was already accepted or withdrawn."), code="invitation_used")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: AbstractBaseUser) -> StaffMembership:
    """The invitee joins the shop with the invited role. The row lock makes a double click accept once."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationFailed(_("This invitation has already been accepted."), code="invitation_used")
    if not user_has_email(user, invitation.email):
        raise ValidationFailed(_("This invitation was sent to another email address."), code="wrong_email")
    if StaffMembership.objects.filter(shop=invitation.shop_id, user=user).exists():
        raise ValidationFailed(_("You are already on the staff of this shop."), code="already_staff")
    membership = StaffMembership.objects.create(shop_id=invitation.shop_id, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _check_not_last_owner(membership: StaffMembership) -> None:
    """A shop always keeps an owner: the owners' rows are locked so two demotions cannot both pass."""
    if membership.role != Role.OWNER:
        return
    owners = StaffMembership.objects.select_for_update().filter(shop_id=membership.shop_id, role=Role.OWNER)
    if len(owners) <= 1:
        raise ValidationFailed(_("A shop needs at least one owner."), code="last_owner")


@transaction.atomic
def staff_role_change(*, membership: StaffMembership, role: str) -> StaffMembership:
    _check_role(role)
    membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.OWNER:
        _check_not_last_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def staff_remove(*, membership: StaffMembership) -> None:
    membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    _check_not_last_owner(membership)
    membership.delete()


# ---------------------------------------------------------------- locations


def _check_location_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Enter a name."), fields={"name": _("Enter a name.")})
    return name


@transaction.atomic
def location_create(*, shop: Shop, name: str, code: str = "") -> Location:
    """A location; its code (used by tills and the configuration file) is derived from the name unless given."""
    name = _check_location_name(name)
    base = slugify(code or name)[:50].strip("-") or "location"
    if code and Location.objects.filter(shop=shop, code=base).exists():
        raise ValidationFailed(
            _("This code is already used."), fields={"code": _("This code is already used.")}, code="location_exists"
        )
    taken = set(shop.locations.filter(code__startswith=base).values_list("code", flat=True))
    return Location.objects.create(shop=shop, name=name, code=_first_free(base, taken))


@transaction.atomic
def location_update(*, location: Location, name: str) -> Location:
    """Renames a location; its code stays, because tills and imports refer to it."""
    location.name = _check_location_name(name)
    location.save(update_fields=["name"])
    return location
