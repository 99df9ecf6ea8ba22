"""The role walk: every portal and counter URL pattern (the program apps' included), GET and POST, as each of
anonymous, a cashier, a manager and the owner of shop A, and the owner of another shop, against the declared
table in tests/roles.py. A pattern missing from the table fails the coverage test.

Permitted: 200, 302 or 405 (the method the page does not serve), or 400/422 for the empty form the walk posts.
Refused: 403 for staff below the page's role, a redirect to sign-in for anonymous, 404 for another shop's staff
asking for shop A's objects; never 500, and a refused POST leaves every table's row count as it was.

Breaking it on purpose: lowering a decorator (`@staff_required(role=Role.OWNER)` to `Role.CASHIER` on
shop_settings) fails the cashier's and manager's cases of that page; deleting an entry of LEAST_ROLE fails the
coverage test; raising a page's role in the table above its decorator fails the permitted cases."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from loyalty.models import Role, Shop
from tests.factories import LocationFactory, ProgramFactory, StaffFactory
from tests.portal.test_tenant_isolation import OBJECTS, Route, walk
from tests.roles import CASHIER, LEAST_ROLE, MANAGER, NOT_STAFF_PAGES, OWNER, SIGNED_IN

PREFIXES = ("portal/", "counter/")
VISITORS = ("anonymous", CASHIER, MANAGER, OWNER, "other_shop")
RANK = {SIGNED_IN: 0, CASHIER: 1, MANAGER: 2, OWNER: 3}
PERMITTED = {200, 302, 405, 400, 422}
# The apps whose tables a refused POST must leave as they were.
WATCHED_APPS = ("loyalty", "rewards", "partners", "referrals", "memberships", "challenges", "coalitions", "account")


def staff_routes() -> list[Route]:
    found = {route.name: route for route in walk() if route.route.startswith(PREFIXES) and route.name}
    return sorted((route for name, route in found.items() if name not in NOT_STAFF_PAGES), key=lambda r: r.name)


ROUTES = staff_routes()


def test_every_portal_and_counter_page_says_who_it_is_for():
    """Fails for a new page missing from tests/roles.py, and for an entry whose page is gone."""
    names = {route.name for route in ROUTES}
    missing = sorted(names - set(LEAST_ROLE))
    gone = sorted(set(LEAST_ROLE) - names)
    assert not missing, "add to tests/roles.py LEAST_ROLE: " + ", ".join(missing)
    assert not gone, "no such page any more, drop from LEAST_ROLE: " + ", ".join(gone)


def test_the_walk_sees_every_apps_staff_pages():
    prefixes = {route.name.split(":")[0] for route in ROUTES}
    assert {"portal", "counter", "partners", "referrals", "memberships", "challenges"} <= prefixes


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in WATCHED_APPS and not model._meta.proxy
    }


def url_for(route: Route, shop: Shop) -> str:
    return reverse(route.name, kwargs={argument: OBJECTS[argument](shop) for argument in route.arguments})


def sign_in_redirect(response) -> bool:
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login)


# POST bodies a page needs to do anything at all, from shop A's objects (like the URL's arguments).
POST_DATA = {"portal:shop_switch": lambda shop: {"shop": shop.pk}}


@pytest.fixture
def shops(db):
    """Shop A, with its owner and one location (so the counter does not ask where it stands), and another shop."""
    shop, other = (ProgramFactory().shop for _ in range(2))
    for each in (shop, other):
        LocationFactory(shop=each)
        StaffFactory(shop=each, role=Role.OWNER)
    return Shop.objects.get(pk=shop.pk), Shop.objects.get(pk=other.pk)


def client_of(visitor: str, shop: Shop, other: Shop) -> Client:
    client = Client()
    if visitor != "anonymous":
        staff_of = other if visitor == "other_shop" else shop
        client.force_login(StaffFactory(shop=staff_of, role=OWNER if visitor == "other_shop" else visitor).user)
    return client


def refused(visitor: str, response) -> bool:
    status = response.status_code
    if visitor == "anonymous":
        return sign_in_redirect(response) or status in {403, 405}
    if visitor == "other_shop":
        return status in {404, 405}
    return status in {403, 405}


def expect_refused(visitor: str, client: Client, url: str, data: dict) -> None:
    """GET and POST are refused the way this visitor is refused, and the POST changes no table."""
    got = client.get(url)
    before = row_counts()
    posted = client.post(url, data)
    assert row_counts() == before, f"{url}: a refused POST by {visitor} changed the database"
    for method, response in (("GET", got), ("POST", posted)):
        assert refused(visitor, response), f"{method} {url} as {visitor} answered {response.status_code}, not a refusal"
    assert {got.status_code, posted.status_code} != {405}, f"{url} serves neither GET nor POST"


def expect_permitted(visitor: str, client: Client, url: str, data: dict) -> None:
    answers = {"GET": client.get(url).status_code, "POST": client.post(url, data).status_code}
    assert set(answers.values()) <= PERMITTED, f"{url} as {visitor} answered {answers}, expected it permitted"
    assert set(answers.values()) != {405}, f"{url} serves neither GET nor POST"


def is_permitted(visitor: str, route: Route) -> bool:
    if visitor == "anonymous":
        return False
    if visitor == "other_shop":
        # Pages naming nothing are the other owner's own shop's; the others name shop A's objects.
        return not (route.arguments or route.name in POST_DATA)
    return RANK[visitor] >= RANK[LEAST_ROLE[route.name]]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_each_visitor_gets_what_the_table_says(route, shops):
    """The refused visitors first, on one set of shop A's objects; then each permitted one on fresh objects, since
    its POST may use them up (a removed staff member, an erased member)."""
    if route.name not in LEAST_ROLE:
        pytest.fail(f"{route.name} is not in tests/roles.py")
    shop, other = shops
    data = POST_DATA.get(route.name, lambda shop: {})(shop)
    url = url_for(route, shop)
    for visitor in (visitor for visitor in VISITORS if not is_permitted(visitor, route)):
        expect_refused(visitor, client_of(visitor, shop, other), url, data)
    for visitor in (visitor for visitor in VISITORS if is_permitted(visitor, route)):
        expect_permitted(visitor, client_of(visitor, shop, other), url_for(route, shop), data)
