"""A member watches a challenge's progress move on their phone after the cashier records a purchase at the counter
(Playwright, the system's Chromium, in a thread of its own as tests/partners/test_browser.py explains)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from loyalty.member_site.access import member_user
from loyalty.services.config import config_import
from tests.e2e.conftest import ARTIFACTS
from tests.factories import StaffFactory, enrol
from tests.partners.test_browser import in_a_browser

from .conftest import challenge, fun_document

TABLET = {"viewport": {"width": 1180, "height": 820}, "has_touch": True}


def session_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


@pytest.fixture
def cafe(transactional_db):
    today = timezone.now().date()
    window = {"starts": (today - timedelta(days=3)).isoformat(), "ends": (today + timedelta(days=30)).isoformat()}
    return config_import(fun_document("e2e-fun-cafe", challenges=[challenge("regular", "visits", 3, **window)]))


@pytest.mark.browser
def test_a_member_sees_a_challenge_move_after_a_purchase_at_the_counter(cafe, live_server):
    member = enrol(cafe, name="Nguyễn Thu Linh")
    member_cookie = session_cookie(member_user(member), live_server.url)
    cashier_cookie = session_cookie(StaffFactory(shop=cafe, role="cashier").user, live_server.url)
    card = reverse("member:shop", kwargs={"slug": cafe.slug})
    counter = reverse("counter:member", kwargs={"member_id": member.pk})

    def steps(phone):
        phone.context.add_cookies([member_cookie])
        phone.goto(card)
        progress = phone.locator('[data-challenge="regular"] [data-challenge-progress]')
        expect(progress).to_have_text("0 of 3 visits")

        tablet = phone.context.browser.new_context(base_url=live_server.url, **TABLET).new_page()
        tablet.context.add_cookies([cashier_cookie])
        tablet.goto(counter)
        expect(tablet.locator("#counter-challenges")).to_contain_text("0 of 3 visits")
        tablet.get_by_label("Amount", exact=True).fill("50000")
        tablet.get_by_role("button", name="Record purchase").click()
        expect(tablet.get_by_role("heading", name="What it earned")).to_be_visible()

        phone.reload()
        expect(progress).to_have_text("1 of 3 visits")
        expect(phone.locator('[data-challenge="regular"] [role="progressbar"]')).to_have_attribute(
            "aria-valuenow", "33"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "challenges-01-card.png"), full_page=True)

    in_a_browser(live_server.url, steps)
