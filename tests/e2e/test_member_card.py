"""The member's phone: the welcome link opens the card with a live QR; the service worker keeps the card page, so
with no network it still opens and shows the card-number QR; redeeming shows the voucher's QR; a Persian shop's
page reads right to left."""

import re

import pytest
from playwright.sync_api import expect

from loyalty.member_site.access import member_link_token
from loyalty.services.config import config_import
from loyalty.services.members import member_card_number
from tests.counter.helpers import give_points
from tests.factories import enrol
from tests.member_site.conftest import cafe_document

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def cafe(transactional_db):
    return config_import(cafe_document("e2e-member-cafe"))


def open_welcome_link(new_page, member, **options):
    page = new_page(**PHONE, **options)
    page.on("dialog", lambda dialog: dialog.accept())  # "Spend 10 points on Free coffee?"
    page.goto(f"/m/link/{member_link_token(member)}/")
    return page


def worker_controls(page) -> None:
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def kept(page, url: str | None = None) -> bool:
    """Whether the page at `url` (this one by default) is in the kept pages' cache."""
    return page.evaluate(
        """async (url) => {
        if (!(await caches.has("regulars-member-pages"))) return false;
        const cache = await caches.open("regulars-member-pages");
        return Boolean(await cache.match(url || location.href));
    }""",
        url,
    )


def page_kept(page, timeout_ms: int = 10_000) -> None:
    """Waits until the worker has kept this page (the first visit's page is sent to it once it is ready). Polled
    here: wait_for_function takes an async predicate's promise for a truthy answer."""
    for _ in range(timeout_ms // 100):
        if kept(page):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{page.url} was not kept for offline use")


@pytest.mark.browser
def test_the_card_opens_from_the_welcome_link_and_works_offline(new_page, cafe, screenshot):
    lan = enrol(cafe, name="Lan", email="lan@example.com")
    give_points(lan, 12)
    page = open_welcome_link(new_page, lan)
    expect(page).to_have_url(re.compile(rf"/m/{cafe.slug}/$"))
    expect(page.get_by_role("heading", name=cafe.name)).to_be_visible()
    card = page.locator("[data-qr-card]")
    expect(card.locator("[data-qr-live] svg")).to_be_visible()
    expect(card).to_have_attribute("data-state", "live")
    expect(page.locator("[data-points-available]")).to_have_text("12")
    screenshot(page, "member-01-card")

    page_kept(page)  # the first visit itself: no reload through the worker needed

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name=cafe.name)).to_be_visible()
    expect(card).to_have_attribute("data-state", "offline")
    expect(card.locator("[data-qr-offline] svg")).to_be_visible()
    expect(card.locator("[data-offline-label]")).to_have_text("Offline card")
    expect(card.locator("[data-qr-live]")).to_be_hidden()
    expect(page.locator("[data-card-number]")).to_have_text(member_card_number(lan))
    screenshot(page, "member-02-offline-card")

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(card).to_have_attribute("data-state", "live")


@pytest.mark.browser
def test_only_card_pages_are_kept_and_signing_out_forgets_them(new_page, cafe):
    lan = enrol(cafe, name="Lan", email="lan@example.com")
    page = open_welcome_link(new_page, lan)
    worker_controls(page)
    page_kept(page)
    card_url = page.url
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    assert not kept(page), "the settings page is never kept"
    assert not kept(page, f"/m/{cafe.slug}/settings/my-data.json")
    assert kept(page, card_url)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/m/sign-in/"))
    assert not kept(page, card_url)
    page.context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(card_url)


@pytest.mark.browser
def test_the_live_code_refreshes_from_the_server(new_page, cafe):
    lan = enrol(cafe, name="Lan")
    page = open_welcome_link(new_page, lan)
    first = page.locator("[data-qr-image]").inner_html()
    with page.expect_response(lambda response: response.url.endswith("/qr.svg")) as answer:
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    assert answer.value.status == 200 and answer.value.headers["cache-control"].find("no-store") >= 0
    expect(page.locator("[data-qr-card]")).to_have_attribute("data-state", "live")
    assert page.locator("[data-qr-image] svg").count() == 1 and first


@pytest.mark.browser
def test_coming_back_to_the_card_from_the_page_cache_fetches_a_new_code(new_page, cafe):
    lan = enrol(cafe, name="Lan")
    page = open_welcome_link(new_page, lan)
    with page.expect_response(lambda response: response.url.endswith("/qr.svg")) as answer:
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))")
    assert answer.value.status == 200
    expect(page.locator("[data-qr-card]")).to_have_attribute("data-state", "live")


@pytest.mark.browser
def test_redeeming_a_reward_shows_the_voucher_qr(new_page, cafe, screenshot):
    lan = enrol(cafe, name="Lan")
    give_points(lan, 30)
    page = open_welcome_link(new_page, lan)
    rewards = page.locator("section", has=page.get_by_role("heading", name="Rewards you can have now"))
    expect(rewards).to_contain_text("Free coffee")
    rewards.get_by_role("button", name="Redeem").first.click()
    expect(page.get_by_role("heading", name="Free coffee")).to_be_visible()
    expect(page.locator("[data-voucher-qr] svg")).to_be_visible()
    code = page.locator("[data-voucher-code]").inner_text()
    assert len(code) == 9 and code[4] == "-"
    expect(page.get_by_text("Done! Show this voucher at the counter.")).to_be_visible()
    screenshot(page, "member-03-voucher")
    page.get_by_role("link", name=f"Back to {cafe.name}").click()
    expect(page.locator("[data-points-available]")).to_have_text("20")


@pytest.mark.browser
def test_a_persian_shops_member_page_reads_right_to_left(new_page, transactional_db, screenshot):
    shop = config_import(
        cafe_document("e2e-tehran", language="fa", country="IR", currency="IRR", timezone="Asia/Tehran")
    )
    sara = enrol(shop, name="Sara", phone="+989121234567")
    page = open_welcome_link(new_page, sara)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("[data-qr-live] svg")).to_be_visible()
    screenshot(page, "member-04-persian-rtl")
