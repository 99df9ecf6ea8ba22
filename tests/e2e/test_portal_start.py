"""The owner's three-minute start on a phone, counted in taps: from the sign-up page to a first purchase recorded
against a scanned member card (issue 15: at most 3 minutes and 20 taps on a 390-pixel-wide screen). Then editing
a rule and watching the preview change, and an import with its progress bar."""

from __future__ import annotations

import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from loyalty.models import Member, Purchase, Shop
from loyalty.portal.models import ImportStatus, MemberImport

PASSWORD = "a-long-test-password"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


class Taps:
    """Every tap the owner makes: a button or link tapped, a field tapped to type in, a list opened to choose.
    What a keyboard or a barcode scanner sends (typing, Enter) is not a tap."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def tap(self, locator, what: str) -> None:
        locator.tap()
        self._counted(what)

    def type(self, locator, text: str, what: str) -> None:
        locator.tap()
        locator.fill(text)
        self._counted(what)

    def choose(self, locator, value: str, what: str) -> None:
        locator.select_option(value)
        self._counted(what)

    def _counted(self, what: str) -> None:
        self.count += 1
        self.log.append(what)


def link_in_last_email(to: str, pattern: str) -> str:
    message = [message for message in mail.outbox if to in message.to][-1]
    return re.search(pattern, message.body).group(0)


@pytest.mark.browser
def test_an_owner_starts_in_three_minutes_and_twenty_taps_on_a_phone(
    new_page, live_server, transactional_db, screenshot
):
    started = time.monotonic()
    page = new_page(**PHONE)
    taps = Taps(page)
    page.goto("/")
    taps.tap(page.get_by_role("link", name="Create your shop").first, "create your shop")
    taps.type(page.locator('input[name="email"]'), "hoa@example.com", "email")
    taps.type(page.locator('input[name="password1"]'), PASSWORD, "password")
    taps.type(page.locator('input[name="password2"]'), PASSWORD, "password again")
    taps.tap(page.get_by_role("button", name="Create account"), "create account")
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()

    page.goto(link_in_last_email("hoa@example.com", r"https?://\S+/accounts/confirm-email/\S+/"))
    taps._counted("the link in the email")
    taps.tap(page.get_by_role("button", name="Confirm"), "confirm")
    expect(page.get_by_role("heading", name="Set up your shop")).to_be_visible()
    taps.type(page.get_by_label("Shop name"), "Phở Hòa", "shop name")
    expect(page.get_by_label("Currency")).to_have_value("VND")  # from the phone's time zone
    taps.tap(page.get_by_role("button", name="Create my shop"), "create my shop")

    expect(page.get_by_role("heading", name="Choose your program")).to_be_visible()
    screenshot(page, "start-01-templates")
    taps.tap(page.get_by_role("button", name="Use Sao cà phê"), "coffee stars (in the shop's Vietnamese)")
    expect(page.get_by_text("Your program is ready.")).to_be_visible()
    checklist = page.locator("#start-checklist")
    expect(checklist.locator("li.done")).to_have_count(1)
    screenshot(page, "start-02-checklist")

    with page.expect_download() as poster:
        taps.tap(checklist.get_by_role("link", name="Print the poster for your counter"), "poster")
    assert poster.value.suggested_filename.endswith("-poster.pdf")

    taps.tap(checklist.get_by_role("link", name="Invite a cashier"), "invite a cashier")
    taps.type(page.get_by_label("Email address"), "lan@example.com", "cashier's email")
    taps.tap(page.get_by_role("button", name="Send invitation"), "send invitation")
    expect(page.get_by_text("Invitation sent to lan@example.com.")).to_be_visible()

    page.goto("/portal/")  # the portal's home, where the checklist sends the owner on
    taps._counted("back to the checklist")
    taps.tap(page.locator("#start-checklist").get_by_role("link", name="Enrol your first member"), "to the counter")
    scan_field = page.locator("[data-scan-field]")
    taps.type(scan_field, "0987 654 321", "the customer's phone")
    scan_field.press("Enter")
    taps.tap(page.get_by_role("button", name="Enrol"), "enrol")
    expect(page.get_by_text(re.compile("Check the phone with them"))).to_be_visible()

    member = Member.objects.get(phone="+84987654321")
    card = member.cards.get().number
    scan_field.fill(card)  # the member's card under the scanner: it types the number and Enter
    scan_field.press("Enter")
    taps.type(page.get_by_label("Amount", exact=True), "125000", "amount")
    taps.tap(page.get_by_role("button", name="Record purchase"), "record purchase")
    tuesday = timezone.localtime(timezone=ZoneInfo("Asia/Ho_Chi_Minh")).isoweekday() == 2
    expect(page.locator("[data-points-earned]")).to_have_text("6" if tuesday else "3")  # 3.125, ×2 on Tuesdays
    screenshot(page, "start-03-first-purchase")
    seconds = time.monotonic() - started

    shop = Shop.objects.get(name="Phở Hòa")
    assert Purchase.objects.get(shop=shop).member == member
    assert taps.count <= 20, taps.log
    assert seconds < 180
    page.goto("/portal/")
    expect(page.locator("#start-checklist li.done")).to_have_count(5)  # every step done, shown ticked once
    page.reload()
    expect(page.locator("#start-checklist")).to_have_count(0)  # then it has gone


@pytest.fixture
def owner_page(new_page, live_server, transactional_db):
    """A phone signed in as the owner of a shop on the coffee stars template."""
    from django.conf import settings
    from django.test import Client

    from loyalty.services.templates import program_template_apply
    from tests.factories import ProgramFactory, StaffFactory

    shop = ProgramFactory().shop
    program_template_apply(shop=shop, code="coffee-stars")
    owner = StaffFactory(shop=shop, role="owner").user
    client = Client()
    client.force_login(owner)
    page = new_page(**PHONE)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.shop = shop
    return page


@pytest.mark.browser
def test_editing_a_rule_changes_the_preview_as_the_owner_types(owner_page, screenshot):
    page = owner_page
    page.goto("/portal/program/")
    page.get_by_role("link", name="Earning points").click()
    points = page.locator("[data-preview-points]")
    expect(points).to_have_text("6")  # 125,000 ₫ on a Tuesday evening: 3.125 × 2 → 6
    page.get_by_label("for every (amount spent)").fill("10000")
    expect(points).to_have_text("25")  # 12.5 × 2, without saving
    page.get_by_label("Rounding of the total").select_option("up")
    expect(points).to_have_text("25")
    page.get_by_label("Amount", exact=True).fill("126000")
    expect(points).to_have_text("26")  # 25.2 rounded up
    screenshot(page, "editor-01-preview")
    page.shop.program.refresh_from_db()
    assert page.shop.program.earn_per_amount == 40000  # nothing saved yet
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The change applies from now on")).to_be_visible()
    screenshot(page, "editor-02-saved")
    page.shop.program.refresh_from_db()
    assert (page.shop.program.earn_per_amount, page.shop.program.rounding) == (10000, "up")


@pytest.mark.browser
def test_an_import_shows_its_progress_and_result(owner_page, tmp_path, screenshot):
    page = owner_page
    path = tmp_path / "khach-hang.csv"
    path.write_text(
        "Số điện thoại;Họ tên;Điểm\n0901 234 567;Nguyễn An;40\n0901234568;Bình;\nsai;X;\n", encoding="utf-8-sig"
    )
    page.goto("/portal/members/")
    page.get_by_role("link", name="Import customers").click()
    page.get_by_label("Your customers as a CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("The file has 3 customer rows.")).to_be_visible()
    expect(page.get_by_label("Số điện thoại")).to_have_value("phone")  # guessed from the Vietnamese header
    page.get_by_role("button", name="Check every row").click()
    expect(page.get_by_text("1 row is not valid:")).to_be_visible()
    page.get_by_label("Import the valid rows and leave the invalid ones out").check()
    screenshot(page, "import-01-checked")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-result progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("2 new members, 0 updated, 1 rows left out.")).to_be_visible()
    screenshot(page, "import-02-done")
    assert MemberImport.objects.get().status == ImportStatus.DONE
    assert Member.objects.get(phone="+84901234567").account.points_balance == 40
