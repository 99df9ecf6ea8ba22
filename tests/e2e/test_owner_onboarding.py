"""An owner signs up, creates a shop, and invites a cashier who signs up through the emailed link."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from loyalty.models import Role, Shop, StaffMembership

PASSWORD = "a-long-test-password"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def link_in_last_email(to: str, pattern: str) -> str:
    message = [message for message in mail.outbox if to in message.to][-1]
    return re.search(pattern, message.body).group(0)


def sign_up(page, email: str) -> None:
    page.fill('input[name="email"]', email)
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    page.get_by_role("button", name="Create account").click()


@pytest.mark.browser
def test_an_owner_sets_up_a_shop_and_a_cashier_joins_it(new_page, live_server, transactional_db, screenshot):
    owner = new_page(locale="en-US")
    owner.goto("/")
    owner.get_by_role("link", name="Create your shop").first.click()
    sign_up(owner, "hoa@example.com")
    expect(owner.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    screenshot(owner, "01-verify-email")

    owner.goto(link_in_last_email("hoa@example.com", r"https?://\S+/accounts/confirm-email/\S+/"))
    owner.get_by_role("button", name="Confirm").click()
    expect(owner.get_by_role("heading", name="Set up your shop")).to_be_visible()

    owner.get_by_label("Shop name").fill("Phở Hòa")
    owner.get_by_label("Country").select_option("VN")
    expect(owner.get_by_label("Currency")).to_have_value("VND")  # filled in by the HTMX fragment
    expect(owner.get_by_label("Time zone")).to_have_value("Asia/Ho_Chi_Minh")
    owner.get_by_label("Your first location").fill("Hoàn Kiếm")
    screenshot(owner, "02-onboarding")
    owner.get_by_role("button", name="Create my shop").click()
    expect(owner.get_by_role("heading", name="Choose your program")).to_be_visible()  # the templates come first
    owner.get_by_role("navigation", name="Portal").get_by_role("link", name="Dashboard").click()

    expect(owner.get_by_role("heading", name="Phở Hòa")).to_be_visible()
    screenshot(owner, "03-dashboard")
    shop = Shop.objects.get(name="Phở Hòa")
    assert (shop.currency, shop.timezone, shop.locations.get().name) == ("VND", "Asia/Ho_Chi_Minh", "Hoàn Kiếm")

    owner.get_by_role("navigation", name="Portal").get_by_role("link", name="Staff").click()
    owner.get_by_label("Email address").fill("lan@example.com")
    owner.get_by_label("Role", exact=True).select_option("cashier")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Invitation sent to lan@example.com.")).to_be_visible()
    expect(owner.locator("#staff")).to_contain_text("lan@example.com")
    screenshot(owner, "04-staff-invited")

    cashier = new_page(locale="en-US", **PHONE)
    cashier.goto(link_in_last_email("lan@example.com", r"https?://\S+/portal/invitations/[\w-]+/"))
    expect(cashier.get_by_role("heading", name="Join Phở Hòa")).to_be_visible()
    screenshot(cashier, "05-invitation")
    cashier.get_by_role("link", name="Create an account").click()
    expect(cashier.locator('input[name="email"]')).to_have_value("lan@example.com")
    sign_up(cashier, "lan@example.com")
    cashier.get_by_role("button", name="Accept and join").click()

    expect(cashier.get_by_text("Welcome to Phở Hòa.")).to_be_visible()  # a cashier starts at the counter
    expect(cashier.locator("[data-scan-field]")).to_be_visible()
    screenshot(cashier, "06-cashier-counter")
    assert StaffMembership.objects.get(shop=shop, user__email="lan@example.com").role == Role.CASHIER


@pytest.mark.browser
def test_onboarding_starts_from_the_browsers_time_zone(new_page, live_server, transactional_db):
    from django.conf import settings
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    page = new_page(locale="en-US", timezone_id="Asia/Ho_Chi_Minh", **PHONE)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/portal/welcome/")
    expect(page.locator("#id_country")).to_have_value("VN")
    expect(page.locator("#id_currency")).to_have_value("VND")
    expect(page.locator("#id_timezone")).to_have_value("Asia/Ho_Chi_Minh")
