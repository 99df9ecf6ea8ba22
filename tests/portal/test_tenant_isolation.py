"""Rule 4 of DESIGN.md: another shop's ids answer 404, never someone else's data.

The walk visits every URL pattern of the project (admin/, accounts/ and api/ aside: the till API has its own
tests) that takes an argument, fills the argument with an object of shop B and requests it as the owner of
shop A. As a control, the same request with shop A's own object must not be 404, so a 404 means "not yours"
rather than "broken URL". A new pattern whose argument has no entry in OBJECTS fails the coverage test."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from loyalty.models import Role, Shop, StaffMembership
from loyalty.services.api_keys import api_key_create
from loyalty.services.shops import staff_invite
from loyalty.services.webhooks import webhook_emit, webhook_endpoint_create
from tests.factories import LocationFactory, StaffFactory, UserFactory, enrol

# The join page (j/) is public for every shop by design: a poster's QR opens it for anyone, and it shows only
# what the shop publishes; tests/member_site/test_join.py covers it.
# The unsubscribe link (m/unsubscribe/) names its member by a signed token, not by any shop's id: whoever holds the
# token may withdraw that member's marketing consent, whatever shop they are signed in to (a mail client is
# signed in to none); tests/notifications/test_unsubscribe.py covers forged and altered tokens.
SKIPPED_PREFIXES = ("admin/", "accounts/", "api/", "j/", "m/unsubscribe/")
# The member pages (m/) resolve their shop from the signed-in customer's members, not from a staff membership, so a
# shop owner is the wrong visitor for them: tests/member_site/test_isolation.py walks every m/<shop>/ route as a
# member of another shop (404) and of that shop (not 404); the welcome link (m/link/) is a signed token.
SKIPPED_PREFIXES += ("m/",)

# The apps whose pages the OBJECTS above cover; every other installed app may name its own (below).
CORE_APPS = {"loyalty", "rewards"}

# Patterns needing special handling, and why.
NO_OWN_OBJECT_CONTROL = {
    # The invitation link is the invitee's, not the shop staff's: shop A's owner gets 404 for shop A's own
    # invitations as well, so there is no control request. test_invitations.py covers the invitee.
    "portal:invitation",
}


def _invitation(shop: Shop):
    owner = StaffMembership.objects.filter(shop=shop, role=Role.OWNER).first().user
    return staff_invite(shop=shop, email=f"invitee-{shop.pk}@example.com", role=Role.CASHIER, invited_by=owner)


def _endpoint(shop: Shop):
    return webhook_endpoint_create(shop=shop, url=f"https://hooks.example.com/{shop.slug}")


def _delivery(shop: Shop):
    _endpoint(shop)
    return webhook_emit(Shop.objects.get(pk=shop.pk), "member.enrolled", {"member": "1"})[0]


def _member(shop: Shop):
    from tests.factories import ProgramFactory

    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    return enrol(Shop.objects.get(pk=shop.pk))


def _reward(shop: Shop):
    from rewards.services import reward_save

    return reward_save(shop=shop, name="Free coffee", kind="free_item", points=10, voucher_valid_days=30)


def _quick_item(shop: Shop):
    from loyalty.services.quick_items import quick_item_save

    return quick_item_save(shop=shop, label="Coffee", amount="45000")


def _purchase(shop: Shop):
    from decimal import Decimal

    from loyalty.services.purchases import purchase_record

    member = _member(shop)
    return purchase_record(
        shop=member.shop, external_id=f"walk-{member.pk}", amount=Decimal("40000"), member=member
    ).purchase


def _voucher(shop: Shop):
    from rewards.services import voucher_issue

    member = _member(shop)
    return voucher_issue(reward=_reward(member.shop), member=member, source="manual")


def _card_batch(shop: Shop) -> str:
    from loyalty.services.printing import card_batch_print

    return card_batch_print(shop=shop, count=1).code


def _member_import(shop: Shop):
    from loyalty.portal.imports import import_upload

    return import_upload(shop=shop, user=None, file_name="walk.csv", data=b"phone\n0901234567\n")


def _purchase_import(shop: Shop):
    from loyalty.portal.purchase_imports import purchase_import_upload

    return purchase_import_upload(shop=shop, user=None, file_name="walk.csv", data=b"phone,amount\n0901234567,1\n")


def _tag(shop: Shop):
    from loyalty.portal.bulk import tag_for

    return tag_for(shop, "walk")


def _bulk_action(shop: Shop):
    """A tag given to one of the shop's members (a bulk action done at once)."""
    import uuid

    from loyalty.models import Member
    from loyalty.portal.bulk import bulk_start

    member = _member(shop)
    members = Member.objects.filter(pk=member.pk)
    return bulk_start(shop=member.shop, user=None, key=uuid.uuid4().hex, kind="tag", members=members, tag="walk")


def _config_version(shop: Shop):
    """A version of the shop's configuration: a new one, or the last when nothing changed since it was kept."""
    from loyalty.portal.models import ConfigVersion
    from loyalty.portal.versions import version_record
    from tests.factories import ProgramFactory

    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    kept = version_record(shop=Shop.objects.get(pk=shop.pk), by=None, note="file")
    return kept or ConfigVersion.objects.filter(shop=shop).order_by("-number").first()


# For each URL argument: how to make an object of the given shop and the value that names it.
OBJECTS = {
    "location_id": lambda shop: LocationFactory(shop=shop).pk,
    "membership_id": lambda shop: StaffFactory(shop=shop, role=Role.CASHIER).pk,
    "invitation_id": lambda shop: _invitation(shop).pk,
    "token": lambda shop: _invitation(shop).token,
    "member_id": lambda shop: _member(shop).pk,
    "api_key_id": lambda shop: api_key_create(shop=shop, role=Role.CASHIER, name="Till")[0].pk,
    "endpoint_id": lambda shop: _endpoint(shop).pk,
    "delivery_id": lambda shop: _delivery(shop).pk,
    "reward_id": lambda shop: _reward(shop).pk,
    "quick_item_id": lambda shop: _quick_item(shop).pk,
    "purchase_id": lambda shop: _purchase(shop).pk,
    "voucher_code": lambda shop: _voucher(shop).code,
    "batch": lambda shop: _card_batch(shop),
    "card_id": lambda shop: _member(shop).cards.get().pk,
    "import_id": lambda shop: _member_import(shop).pk,
    "purchase_import_id": lambda shop: _purchase_import(shop).pk,
    "version_id": lambda shop: _config_version(shop).pk,
    "action_id": lambda shop: _bulk_action(shop).pk,
    "tag_id": lambda shop: _tag(shop).pk,
}


def _program_apps_objects() -> None:
    """Each program app names its own URL arguments in tests/<app>/url_objects.py (OBJECTS, and SKIPPED_PREFIXES
    for its public or non-staff pages, which its own tests walk), so this walk covers the apps' portal pages."""
    global SKIPPED_PREFIXES
    for app in (config.label for config in apps.get_app_configs() if config.label not in CORE_APPS):
        name = f"tests.{app}.url_objects"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name not in (name, f"tests.{app}"):
                raise
            continue
        OBJECTS.update(module.OBJECTS)
        SKIPPED_PREFIXES += tuple(getattr(module, "SKIPPED_PREFIXES", ()))


_program_apps_objects()


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    arguments: tuple[str, ...]
    positional: bool


def walk(resolver=None, prefix: str = "", namespace: str = ""):
    """Every URL pattern below `resolver`, with its full route, namespaced name and argument names."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            for found in walk(entry, route, inner):
                arguments = tuple(entry.pattern.regex.groupindex) + found.arguments
                positional = found.positional or entry.pattern.regex.groups > len(entry.pattern.regex.groupindex)
                yield Route(found.route, found.name, arguments, positional)
        elif isinstance(entry, URLPattern):
            regex = entry.pattern.regex
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(route, name, tuple(regex.groupindex), regex.groups > len(regex.groupindex))


def routes_with_arguments() -> list[Route]:
    return [
        route
        for route in walk()
        if (route.arguments or route.positional) and not route.route.startswith(SKIPPED_PREFIXES)
    ]


def test_every_route_with_an_argument_can_be_walked():
    """Fails for a new pattern the walk cannot fill in: name it, use keyword arguments, add it to OBJECTS."""
    problems = []
    for route in routes_with_arguments():
        if route.name is None:
            problems.append(f"{route.route}: has no name, so the walk cannot reverse it")
        if route.positional:
            problems.append(f"{route.route}: takes positional arguments; use named ones")
        problems += [
            f"{route.route}: add an object for <{argument}> to OBJECTS"
            for argument in route.arguments
            if argument not in OBJECTS
        ]
    assert not problems, "\n".join(problems)


def test_the_walk_finds_the_portals_object_pages():
    names = {route.name for route in routes_with_arguments()}
    assert {
        "portal:location_edit",
        "portal:staff_role",
        "portal:staff_remove",
        "portal:invitation_revoke",
        "portal:invitation",
        "portal:member",
        "portal:member_adjust",
        "portal:member_consent",
        "portal:member_data_export",
        "portal:member_data_erase",
        "portal:api_key_revoke",
        "portal:webhook",
        "portal:webhook_secret",
        "portal:webhook_disable",
        "portal:webhook_resend",
    } <= names


def request_both_ways(client: Client, url: str) -> set[int]:
    """GET and POST: a view answers the one it serves (and 405 to the other)."""
    return {client.get(url).status_code, client.post(url).status_code}


@pytest.mark.parametrize("route", routes_with_arguments(), ids=lambda route: route.name or route.route)
def test_another_shops_object_is_404(route, db):
    shop_a, shop_b = (StaffFactory(role=Role.OWNER, user=UserFactory()).shop for _ in range(2))
    owner_a = StaffMembership.objects.get(shop=shop_a).user
    client = Client()
    client.force_login(owner_a)

    theirs = reverse(route.name, kwargs={argument: OBJECTS[argument](shop_b) for argument in route.arguments})
    answers = request_both_ways(client, theirs)
    assert 404 in answers and answers <= {404, 405}, f"{theirs} answered {answers} for shop B's object"

    if route.name not in NO_OWN_OBJECT_CONTROL:
        ours = reverse(route.name, kwargs={argument: OBJECTS[argument](shop_a) for argument in route.arguments})
        assert 404 not in request_both_ways(client, ours), f"{ours} is 404 even for shop A's own object"
