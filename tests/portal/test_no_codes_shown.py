"""Owners read names, never codes: every portal page of the demo shop, and a member's page, is walked and its
visible text must hold no `word:word` (reward:free-coffee, event:signup) nor snake_case (newsletter_signup)."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from loyalty.models import Member, Shop, StaffMembership

CODE_LIKE = re.compile(r"\b[a-z]+:[a-z][a-z-]+\b|\b[a-z]+_[a-z_]+\b")


class VisibleText(HTMLParser):
    """The text a person sees: no scripts, styles, attributes or hidden inputs."""

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def code_like(text: str) -> list[str]:
    without_addresses = re.sub(r"\S+@\S+|https?://\S+", "", text)
    return sorted(set(CODE_LIKE.findall(without_addresses)))


@pytest.fixture
def demo_owner(db):
    call_command("demo", stdout=io.StringIO())
    shop = Shop.objects.get(slug="demo-cafe")
    client = Client()
    client.force_login(StaffMembership.objects.get(shop=shop, role="owner").user)
    return client, shop


PAGES = [
    "portal:home",
    "portal:members",
    "portal:program",
    "portal:rewards",
    "portal:staff",
    "portal:locations",
    "portal:print",
    "portal:messages",
    "portal:api_keys",
    "portal:settings",
]


def test_no_portal_page_of_the_demo_shows_a_code(demo_owner):
    client, shop = demo_owner
    urls = [reverse(name) for name in PAGES]
    urls += [reverse("portal:member", kwargs={"member_id": m.pk}) for m in Member.objects.filter(shop=shop)[:5]]
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        codes = code_like(visible_text(response.content.decode()))
        if codes:
            found[url] = codes
    assert found == {}


def test_the_check_finds_a_code():
    assert code_like(visible_text("<p>Reward: reward:free-coffee for newsletter_signup</p>")) == [
        "newsletter_signup",
        "reward:free-coffee",
    ]
