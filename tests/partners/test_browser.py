"""A partner signs in with the code emailed to them and sees their link and a commission (Playwright, Chromium).

The project's browser (tests/e2e/conftest.py) lives for the whole session in the main thread, and Playwright's sync
API allows one per thread: this test drives its own Chromium, with the same settings, in a thread of its own."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect, sync_playwright

from loyalty.services.config import config_import
from partners.services.commissions import commissions_approve
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

from .conftest import T0, buy, customer, vnd_document

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def in_a_browser(base_url: str, steps) -> None:
    """Run `steps(page)` on a fresh phone-sized page of Chromium in its own thread; re-raise what it raised."""
    failure = []

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=base_url, **PHONE)
                context.set_default_timeout(10_000)
                steps(context.new_page())
                browser.close()
        except BaseException as error:  # judged by the test, in its own thread
            failure.append(error)

    thread = threading.Thread(target=run, name="partner-browser")
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser is stuck"
    if failure:
        raise failure[0]


@pytest.fixture
def blog(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    shop = config_import(vnd_document("e2e-partner-cafe"))
    lan = customer(shop, partner_code="BLOGANH", name="Nguyễn Thị Lan")
    buy(shop, lan, "250000")
    commissions_approve(as_of=T0 + timedelta(days=14))
    return shop


@pytest.mark.browser
def test_a_partner_signs_in_with_an_emailed_code_and_sees_their_commission(blog, live_server):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (CI installs it).", pytrace=False)

    def steps(page):
        page.goto("/partner/sign-in/")
        page.get_by_label("Your email").fill("anh@example.com")
        page.get_by_role("button", name="Send me a code").click()
        expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
        [sent] = [message for message in mail.outbox if "anh@example.com" in message.to]
        code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", sent.body, re.M).group(1)
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Anh ăn gì")).to_be_visible()
        expect(page.locator("[data-partner-link]")).to_have_text(re.compile(r"/p/BLOGANH/$"))
        expect(page.locator('[data-figure="approved"]')).to_have_text(re.compile(r"25[.,]000"))
        expect(page.locator('tr[data-commission="approved"]')).to_contain_text("Lan")
        expect(page.get_by_role("img", name="QR code of your link")).to_be_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "partner-01-page.png"), full_page=True)

    in_a_browser(live_server.url, steps)
