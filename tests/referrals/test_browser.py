"""A friend opens a member's referral link, joins from the landing page, makes a first purchase at the counter; the
job approves the referral and the referrer's page shows the reward (Playwright, Chromium, phone and tablet sizes).

The project's browser (tests/e2e/conftest.py) lives for the whole session in the main thread, and Playwright's sync
API allows one per thread: this test drives its own Chromium, with the same settings, in a thread of its own."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from loyalty.member_site.access import member_user
from loyalty.models import Member
from loyalty.services.config import config_import
from referrals.models import Status
from referrals.services.approval import referrals_approve
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import StaffFactory, enrol

from .conftest import referral_document

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 1180, "height": 820}, "has_touch": True}


def session_of(user, base_url: str) -> list[dict]:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return [{"name": name, "value": client.cookies[name].value, "url": base_url}]


def in_a_browser(steps) -> None:
    """Run `steps(browser)` with a Chromium of its own thread; re-raise what it raised."""
    failure = []

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                steps(browser)
                browser.close()
        except BaseException as error:  # judged by the test, in its own thread
            failure.append(error)
        finally:
            connection.close()  # the thread's own database connection

    thread = threading.Thread(target=run, name="referral-browser")
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the browser is stuck"
    if failure:
        raise failure[0]


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    return config_import(referral_document("e2e-razors", milestones=[{"count": 1, "reward": "razor"}]))


@pytest.mark.browser
def test_link_landing_join_first_purchase_approval_and_the_referrers_reward(shop, live_server):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (CI installs it).", pytrace=False)
    linh = enrol(shop, name="Linh Tran", channel="till")
    cashier = StaffFactory(shop=shop, role="cashier").user
    owner = StaffFactory(shop=shop, role="owner").user
    url = live_server.url

    def open_page(browser, cookies=(), **device):
        context = browser.new_context(base_url=url, **device)
        context.set_default_timeout(10_000)
        context.add_cookies(list(cookies))
        return context.new_page()

    def shot(page, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"referral-{name}.png"), full_page=True)

    def steps(browser):
        friend = open_page(browser, **PHONE)
        friend.goto(f"/r/{linh.referral_code.lower()}/")
        expect(friend.get_by_role("heading", name="Linh invites you to E2E Razors")).to_be_visible()
        expect(friend.get_by_role("heading", name="Your welcome gift")).to_be_visible()
        shot(friend, "01-landing")
        friend.get_by_label("Phone number").fill("0912 345 678")
        friend.get_by_label("Your name").fill("Minh Le")
        friend.wait_for_timeout(2100)  # a person takes a moment; a form sent within two seconds is a script
        friend.get_by_role("button", name="Join").click()
        expect(friend).to_have_url(re.compile(rf"/m/{shop.slug}/$"))
        expect(friend.get_by_text("Welcome 10").first).to_be_visible()
        shot(friend, "02-joined")
        minh = Member.objects.get(shop=shop, phone="+84912345678")
        assert minh.referral.referrer_id == linh.pk and minh.referral.status == Status.SIGNED_UP

        counter = open_page(browser, session_of(cashier, url), **TABLET)
        counter.goto("/counter/")
        field = counter.locator("[data-scan-field]")
        field.fill("0912 345 678")
        field.press("Enter")
        expect(counter.get_by_role("heading", name="Minh Le")).to_be_visible()
        expect(counter.get_by_text("Invited by Linh Tran")).to_be_visible()
        counter.get_by_label("Amount", exact=True).fill("100000")
        counter.get_by_role("button", name="Record purchase").click()
        expect(counter.get_by_role("heading", name="What it earned")).to_be_visible()
        shot(counter, "03-first-purchase")
        minh.referral.refresh_from_db()
        assert minh.referral.status == Status.PURCHASED

        assert referrals_approve(as_of=timezone.now() + timedelta(days=14, minutes=1)) == 1

        referrer = open_page(browser, session_of(member_user(linh), url), **PHONE)
        referrer.goto(f"/m/{shop.slug}/")
        section = referrer.locator("#referral-program")
        expect(section).to_contain_text("1 friend approved")
        expect(section).to_contain_text("You reached every reward of the ladder")
        expect(referrer.get_by_role("region", name="Your vouchers")).to_contain_text("Razor")
        shot(referrer, "04-referrer-reward")

        portal = open_page(browser, session_of(owner, url), **PHONE)
        portal.goto("/portal/referrals/")
        expect(portal.get_by_role("heading", name="Referrals", exact=True)).to_be_visible()
        expect(portal.locator("table")).to_contain_text("Minh Le")
        expect(portal.locator("table")).to_contain_text("Approved")
        shot(portal, "05-owner-table")

    in_a_browser(steps)
