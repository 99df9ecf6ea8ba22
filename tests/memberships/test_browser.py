"""A member buys the VIP plan on their phone (the test payment backend) and the cashier then sees the VIP badge and
the member discount on the counter (Playwright, the system's Chromium).

Like tests/partners/test_browser.py, it drives its own Chromium in a thread of its own (Playwright's sync API allows
one per thread, and the project's session browser lives in the main thread)."""

import re
import threading

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from loyalty.member_site.access import member_user
from loyalty.services.config import config_import
from memberships.models import Membership
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import StaffFactory, enrol

from .conftest import vip_document

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 1024, "height": 768}}


def session_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def in_a_browser(base_url: str, steps) -> None:
    failure = []

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                steps(browser)
                browser.close()
        except BaseException as error:  # judged by the test, in its own thread
            failure.append(error)

    thread = threading.Thread(target=run, name="membership-browser")
    thread.start()
    thread.join(timeout=150)
    assert not thread.is_alive(), "the browser is stuck"
    if failure:
        raise failure[0]


@pytest.fixture
def club(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.MEMBERSHIP_PAYMENT_BACKEND = "test"
    return config_import(vip_document("e2e-vip-club"))


@pytest.mark.browser
def test_a_member_buys_the_plan_and_the_cashier_sees_the_badge_and_discount(club, live_server):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (CI installs it).", pytrace=False)
    member = enrol(club, name="Nguyễn Thị Lan", email="lan@example.com")
    member_cookie = session_cookie(member_user(member), live_server.url)
    cashier_cookie = session_cookie(StaffFactory(shop=club, role="cashier").user, live_server.url)

    def steps(browser):
        phone = browser.new_context(base_url=live_server.url, **PHONE)
        phone.set_default_timeout(10_000)
        phone.add_cookies([member_cookie])
        page = phone.new_page()
        page.goto(f"/m/{club.slug}/")
        section = page.locator("#membership")
        expect(section).to_contain_text("88VIP")
        expect(section).to_contain_text(re.compile(r"888"))
        section.locator('[data-buy-plan="88vip"]').click()
        expect(page.get_by_role("heading", name="88VIP")).to_be_visible()
        page.locator("[data-test-pay]").click()
        expect(page.locator("[data-vip-badge]")).to_have_text("88VIP")
        expect(page.locator("#membership")).to_contain_text("5 % off every purchase")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "membership-01-member.png"), full_page=True)

        tablet = browser.new_context(base_url=live_server.url, **TABLET)
        tablet.set_default_timeout(10_000)
        tablet.add_cookies([cashier_cookie])
        counter = tablet.new_page()
        counter.goto(f"/counter/members/{member.pk}/")
        expect(counter.locator("[data-vip-badge]")).to_have_text("88VIP")
        expect(counter.locator(".badge--discount")).to_contain_text("5 % member discount")
        expect(counter.locator("#membership")).to_contain_text("Free delivery")
        counter.screenshot(path=str(ARTIFACTS / "membership-02-counter.png"), full_page=True)

    in_a_browser(live_server.url, steps)
    assert Membership.objects.get(member=member).plan.code == "88vip"
