"""The counter screen on a tablet: scan a member by their QR payload, record a purchase, redeem a reward and use
its voucher, undo; enrol a new member and undo their first purchase; the screen right to left in Persian."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from loyalty.models import Member, Purchase
from loyalty.services.members import qr_payload
from rewards.models import Voucher, VoucherStatus
from tests.factories import StaffFactory, enrol

from ..counter.helpers import give_points

TABLET = {"viewport": {"width": 1180, "height": 820}, "has_touch": True}


@pytest.fixture
def tablet(new_page, live_server, cafe):
    """A browser signed in as the café's cashier (the session cookie of a signed-in client)."""

    def open_tablet(locale="en-US"):
        cashier = StaffFactory(shop=cafe, role="cashier").user
        client = Client()
        client.force_login(cashier)
        page = new_page(locale=locale, **TABLET)
        cookies = [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
        if locale.startswith("fa"):
            cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": "fa", "url": live_server.url})
        page.context.add_cookies(cookies)
        page.on("dialog", lambda dialog: dialog.accept())  # "Undo this?"
        return page

    return open_tablet


def scan(page, text: str) -> None:
    field = page.locator("[data-scan-field]")
    field.fill(text)
    field.press("Enter")


@pytest.mark.browser
def test_a_cashier_scans_records_redeems_uses_and_undoes(tablet, cafe, screenshot):
    lan = enrol(cafe, name="Lan")
    give_points(lan, 40)
    page = tablet()
    page.goto("/counter/")
    expect(page.locator("[data-scan-field]")).to_be_focused()
    scan(page, qr_payload(lan))
    expect(page.get_by_role("heading", name="Lan")).to_be_visible()
    expect(page.locator("[data-points-available]")).to_have_text("40")
    screenshot(page, "counter-01-member")

    page.get_by_role("button", name="Coffee").click()
    page.get_by_role("button", name="Coffee").click()
    expect(page.get_by_label("Amount", exact=True)).to_have_value("80000")
    page.get_by_label("Pay with points").fill("10")
    expect(page.locator("[data-to-pay]")).to_contain_text("70,000")
    page.get_by_role("button", name="Record purchase").click()
    expect(page.get_by_role("heading", name="What it earned")).to_be_visible()
    expect(page.get_by_text("2 stamps on Coffee card")).to_be_visible()
    bought = Purchase.objects.get(member=lan)
    assert (bought.amount, bought.points_redeemed) == (Decimal("70000"), 10)
    screenshot(page, "counter-02-purchase")

    page.get_by_role("link", name="Back to the member").click()
    page.get_by_role("listitem").filter(has_text="Free Coffee").get_by_role("button", name="Redeem for 10").click()
    code = Voucher.objects.get(member=lan, reward__code="free-coffee").code
    expect(page.locator("[data-voucher-code]")).to_have_text(code)
    screenshot(page, "counter-03-voucher")

    page.get_by_role("button", name="Use this voucher now").click()
    expect(page.get_by_text(f"Voucher {code} used: Free Coffee.")).to_be_visible()
    assert Voucher.objects.get(code=code).status == VoucherStatus.USED
    screenshot(page, "counter-04-voucher-used")

    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text(f"Undone: Voucher {code} used.")).to_be_visible()
    assert Voucher.objects.get(code=code).status == VoucherStatus.ISSUED

    scan(page, code.replace("-", "").lower())  # a voucher typed from the member's phone
    expect(page.locator("[data-voucher-code]")).to_have_text(code)


@pytest.mark.browser
def test_a_cashier_enrols_a_new_member_and_undoes_their_first_purchase(tablet, cafe, screenshot):
    page = tablet()
    page.goto("/counter/")
    scan(page, "0987 654 321")
    expect(page.get_by_text("No member has the phone +84 987 654 321. Enrol them?")).to_be_visible()
    phone = page.get_by_label("Phone", exact=True)
    expect(phone).to_have_value("+84987654321")
    phone.fill("0987 654 32")
    expect(page.locator("#phone-check")).to_contain_text("not a valid phone number")
    phone.fill("0987 654 321")
    expect(page.locator("#phone-check")).to_contain_text("+84 987 654 321")  # read back in groups
    page.get_by_label("Name").fill("Minh")
    page.get_by_label("They agree to receive offers").check()
    screenshot(page, "counter-05-enrol")
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_text("Welcome, Minh! Check the phone with them: +84 987 654 321.")).to_be_visible()
    expect(page.get_by_text("Consent recorded, as read to them")).to_be_visible()
    minh = Member.objects.get(phone="+84987654321")
    assert (minh.consent_source, minh.marketing_consent) == ("counter", True)

    page.get_by_label("Amount", exact=True).fill("120000")
    page.get_by_role("button", name="Record purchase").click()
    expect(page.locator("[data-points-earned]")).to_have_text("3")
    screenshot(page, "counter-06-first-purchase")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text(re.compile(r"Undone: Purchase C\d{6}-"))).to_be_visible()
    bought = Purchase.objects.get(member=minh)
    assert bought.refunded_amount == bought.amount
    expect(page.locator("[data-points-available]")).to_have_text("0")
    screenshot(page, "counter-07-undone")


@pytest.mark.browser
def test_the_counter_reads_right_to_left_in_persian(tablet, cafe, screenshot):
    lan = enrol(cafe, name="لادن")
    give_points(lan, 12)
    page = tablet(locale="fa-IR")
    page.goto(f"/counter/members/{lan.pk}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="لادن")).to_be_visible()
    # The phone number still reads left to right inside the right-to-left page.
    expect(page.locator(".member-phone bdi").first).to_have_attribute("dir", "ltr")
    screenshot(page, "counter-08-persian")
