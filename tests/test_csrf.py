"""Every form of the site refuses a POST without its CSRF token: the walk posts to every URL pattern of the
project (the till API aside: it authenticates by key, has no cookies and runs without the CSRF middleware),
signed in as a shop's owner, with no token, and expects 403 before any view runs.

Taking CsrfViewMiddleware out of MIDDLEWARE, or adding @csrf_exempt to a view, makes this fail for the pages
concerned."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from loyalty.models import Role
from tests.factories import StaffFactory, UserFactory
from tests.portal.test_tenant_isolation import walk

SKIPPED_PREFIXES = ("api/",)
# Exempt on purpose, and why. One-click unsubscribe (RFC 8058): a mail client POSTs the List-Unsubscribe-Post
# link with no cookie and no token; the signed token in the URL is what authorises it. A payment gateway's
# confirmation of a membership payment: a server calling with no cookie, authorised by its HMAC signature
# (tests/memberships test a forged and an altered one).
EXEMPT = {"member:unsubscribe", "memberships:payment_webhook"}


# Values tried for a pattern's arguments, in turn, until one fits it (an id, a code, a token, an admin app): the
# middleware refuses before any view looks them up.
SAMPLES = ("1", "x", str(uuid.UUID(int=1)), "loyalty")


def routes() -> list[tuple[str, tuple[str, ...]]]:
    """(name, argument names) of every named pattern outside the till API."""
    found = {
        (route.name, route.arguments)
        for route in walk()
        if route.name is not None and not route.route.startswith(SKIPPED_PREFIXES)
    }
    return sorted(found)


def url_of(name: str, arguments: tuple[str, ...]) -> str:
    for value in SAMPLES:
        try:
            return reverse(name, kwargs=dict.fromkeys(arguments, value))
        except NoReverseMatch:
            continue
    raise AssertionError(f"{name}: none of {SAMPLES} fits its arguments {arguments}")


@pytest.fixture
def owner_client(db):
    owner = StaffFactory(role=Role.OWNER, user=UserFactory()).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


@pytest.mark.parametrize(("name", "arguments"), routes(), ids=lambda value: value if isinstance(value, str) else "")
def test_a_post_without_the_token_is_refused(owner_client, name, arguments):
    url = url_of(name, arguments)
    status = owner_client.post(url, {"anything": "1"}).status_code
    if name in EXEMPT:
        assert status != 403, f"{url} is exempt on purpose; drop it from EXEMPT if it is not any more"
    else:
        assert status == 403, f"{url} answered {status} to a POST without a CSRF token"


def test_the_walk_sees_the_site():
    names = {name for name, _ in routes()}
    assert {"portal:home", "portal:member", "counter:home", "member:home", "member:sign_in", "account_login"} <= names
