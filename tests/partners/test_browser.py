"""A partner signs in with the code emailed to them and sees their link and a commission (Playwright, Chromium)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from loyalty.services.config import config_import
from partners.services.commissions import commissions_approve
from tests.e2e.conftest import browser, new_page, screenshot  # noqa: F401  (the project's browser fixtures)

from .conftest import T0, buy, customer, vnd_document

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def blog(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    shop = config_import(vnd_document("e2e-partner-cafe"))
    lan = customer(shop, partner_code="BLOGANH", name="Nguyễn Thị Lan")
    buy(shop, lan, "250000")
    commissions_approve(as_of=T0 + timedelta(days=14))
    return shop


@pytest.mark.browser
def test_a_partner_signs_in_with_an_emailed_code_and_sees_their_commission(new_page, blog, screenshot):  # noqa: F811
    page = new_page(**PHONE)
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
    screenshot(page, "partner-01-page")
