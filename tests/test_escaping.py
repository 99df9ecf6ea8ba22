"""Every text an owner, a cashier or a member types is shown escaped: the demo shop's names (the shop, its
program, members, rewards, locations, quick buttons) are set to markup, and every page without arguments of the
portal and the counter, each member's portal and counter pages, the member's own pages and the public join page
must hold the escaped text and never the markup.

Marking one of these values |safe in a template (or mark_safe in a view) makes this fail for that page."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from loyalty.member_site.access import member_user
from loyalty.models import Location, Member, Program, QuickItem, Shop, StaffMembership
from rewards.models import Reward
from tests.portal.test_tenant_isolation import walk

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("


@pytest.fixture
def hostile_demo(db):
    call_command("demo", stdout=io.StringIO())
    shop = Shop.objects.get(slug="demo-cafe")
    Shop.objects.filter(pk=shop.pk).update(name=f"Café {HOSTILE}")
    Program.objects.filter(shop=shop).update(name=f"Club {HOSTILE}")
    Member.objects.filter(shop=shop).update(name=f"Lan {HOSTILE}")
    Reward.objects.filter(shop=shop).update(name=f"Cake {HOSTILE}", description=HOSTILE)
    Location.objects.filter(shop=shop).update(name=f"Branch {HOSTILE}")
    QuickItem.objects.filter(shop=shop).update(label=f"Tea {HOSTILE}")
    return Shop.objects.get(pk=shop.pk)


def pages_without_arguments(prefix: str) -> list[str]:
    return sorted(
        reverse(route.name)
        for route in walk()
        if route.route.startswith(prefix) and route.name and not route.arguments and not route.positional
    )


def assert_escaped(client: Client, urls: list[str]) -> int:
    """Each page is free of the markup; returns how many of them showed the escaped text."""
    showing = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert "<script>alert(" not in html and "<img src=x" not in html, f"{url} shows a name as markup"
        showing += ESCAPED in html
    return showing


def test_staff_pages_show_typed_names_escaped(hostile_demo):
    owner = StaffMembership.objects.get(shop=hostile_demo, role="owner").user
    client = Client()
    client.force_login(owner)
    members = Member.objects.filter(shop=hostile_demo)[:3]
    urls = pages_without_arguments("portal/") + pages_without_arguments("counter/")
    urls += [reverse("portal:member", kwargs={"member_id": m.pk}) for m in members]
    urls += [reverse("counter:member", kwargs={"member_id": m.pk}) for m in members]
    assert assert_escaped(client, urls) >= 10, "the hostile names should be on most pages"


def test_member_pages_and_the_join_page_show_typed_names_escaped(hostile_demo):
    member = Member.objects.filter(shop=hostile_demo).first()
    client = Client()
    client.force_login(member_user(member))
    slug = hostile_demo.slug
    urls = [reverse(f"member:{name}", kwargs={"slug": slug}) for name in ("shop", "history", "settings", "redeem")]
    assert assert_escaped(client, urls) >= 3
    assert assert_escaped(Client(), [reverse("join", kwargs={"slug": slug})]) == 1
