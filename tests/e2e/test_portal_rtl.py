"""In Persian the portal reads right to left: the menu sits on the right and the text is translated."""

import pytest
from playwright.sync_api import expect

from tests.factories import LocationFactory, ProgramFactory, StaffFactory

PASSWORD = "a-long-test-password"


@pytest.mark.browser
def test_the_portal_in_persian_is_right_to_left(new_page, transactional_db, screenshot):
    shop = ProgramFactory(
        shop__name="کافه نارنج",
        shop__country="IR",
        shop__currency="IRR",
        shop__timezone="Asia/Tehran",
        shop__language="fa",
    ).shop
    LocationFactory(shop=shop, name="شعبهٔ ونک")
    owner = StaffFactory(shop=shop, role="owner", user__email="sara@example.com").user

    page = new_page(locale="fa-IR")
    page.goto("/accounts/login/")
    page.locator("#site-language").select_option("fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="ورود به Regulars")).to_be_visible()
    screenshot(page, "rtl-01-sign-in")

    page.locator('input[name="login"]').fill(owner.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="ورود").click()
    page.get_by_role("navigation").get_by_role("link", name="شعبه‌ها").click()
    expect(page.get_by_role("heading", name="شعبه‌ها", exact=True)).to_be_visible()

    menu, content = page.locator(".portal-nav").bounding_box(), page.locator("main").bounding_box()
    assert menu["x"] > content["x"], "the menu should be on the right in a right-to-left page"
    screenshot(page, "rtl-02-locations")
