"""The owner opens the dashboard on a phone and its charts render (Playwright, the system's Chromium); the page
right to left in Persian mirrors the bars. Screenshots are kept in test-artifacts/e2e/.

Like the partners' browser test, it drives its own Chromium in a thread of its own (Playwright's sync API allows
one per thread, and the e2e session's lives in the main thread)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import StaffFactory

from .conftest import buy, enrol

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def in_a_browser(base_url: str, session: str, steps) -> None:
    failure = []

    def run():
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=base_url, **PHONE)
                context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
                context.set_default_timeout(10_000)
                steps(context.new_page())
                browser.close()
        except BaseException as error:  # judged by the test, in its own thread
            failure.append(error)

    thread = threading.Thread(target=run, name="insights-browser")
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser is stuck"
    if failure:
        raise failure[0]


@pytest.fixture
def signed_in_owner(transactional_db, saigon):
    now = timezone.now()
    for index in range(5):
        member = enrol(saigon, at=now - timedelta(days=35 * index + 2))
        for visit in range(index + 1):
            buy(saigon, member, "400000", now - timedelta(days=visit + 1), saigon.loc_a)
    buy(saigon, None, "250000", now - timedelta(days=3), saigon.loc_b)
    client = Client()
    client.force_login(StaffFactory(shop=saigon, role="owner").user)
    return client.cookies["sessionid"].value


@pytest.mark.browser
def test_the_dashboard_opens_on_a_phone_and_its_charts_render(signed_in_owner, live_server):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (CI installs it).", pytrace=False)

    def steps(page):
        page.goto("/portal/insights/")
        expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
        chart = page.get_by_role("img", name="Points in the period")
        expect(chart).to_be_visible()
        bars = chart.locator("rect.bar")
        expect(bars).to_have_count(3)
        assert float(bars.first.get_attribute("width")) > 0
        box = chart.bounding_box()
        assert box["width"] > 200 and box["x"] + box["width"] <= 390  # fits the phone
        expect(page.get_by_role("img", name="Average sale")).to_be_visible()
        expect(page.locator("table.cohorts")).to_contain_text("Month 0")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "insights-01-dashboard.png"), full_page=True)
        page.goto("/portal/insights/?start=2000-01-02&end=2000-01-01")
        expect(page.get_by_text("Choose a day after the first one.")).to_be_visible()

    in_a_browser(live_server.url, signed_in_owner, steps)
