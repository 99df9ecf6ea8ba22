"""A customer scans the shop's poster: the join page, the form, and straight to their card — which the phone keeps
for when there is no network. The welcome message goes out with a link that signs them in on another phone."""

import re

import pytest
from playwright.sync_api import expect

from loyalty.models import Member, Message
from loyalty.notifications import gateways
from loyalty.services.config import config_import
from loyalty.services.printing import join_url
from tests.e2e.test_member_card import page_kept
from tests.member_site.conftest import cafe_document

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def cafe(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url  # the poster's QR names the address the phone opens
    return config_import(cafe_document("e2e-join-cafe"))


@pytest.mark.browser
def test_a_customer_joins_from_the_poster_and_keeps_the_card_offline(new_page, cafe, screenshot):
    page = new_page(**PHONE)
    page.goto(join_url(cafe))
    expect(page.get_by_role("heading", name=re.compile("Join"))).to_be_visible()
    expect(page.get_by_role("heading", name="What you get")).to_be_visible()
    screenshot(page, "member-05-join-page")

    page.get_by_label("Phone").fill("0901 234 567")
    page.get_by_label("Name").fill("Lan")
    page.get_by_role("checkbox").check()
    page.wait_for_timeout(2100)  # a person takes a moment; a form sent within two seconds is a script
    page.get_by_role("button", name="Join").click()

    expect(page).to_have_url(re.compile(rf"/m/{cafe.slug}/$"))
    expect(page.locator("[data-qr-live] svg")).to_be_visible()
    member = Member.objects.get(shop=cafe, phone="+84901234567")
    assert member.name == "Lan" and member.marketing_consent
    assert member.consent_changes.get().source == "join_page"
    welcome = Message.objects.get(member=member, event="welcome")
    assert welcome.channel == "sms" and welcome.status == "sent"
    assert any(text.to == "+84901234567" and "/m/link/" in text.body for text in gateways.outbox)
    screenshot(page, "member-06-joined-card")

    page.evaluate("() => navigator.serviceWorker.ready")
    page_kept(page)  # the card page of the first visit is kept: no reload through the worker needed
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("[data-qr-card]")).to_have_attribute("data-state", "offline")
    expect(page.locator("[data-qr-offline] svg")).to_be_visible()

    page.context.set_offline(False)
    [texted] = [text for text in gateways.outbox if text.to == "+84901234567" and "/m/link/" in text.body]
    link = re.search(r"https?://\S+/m/link/\S+/", texted.body).group(0)  # the stored body holds no link
    other_phone = new_page(**PHONE)
    other_phone.goto(link)
    expect(other_phone).to_have_url(re.compile(rf"/m/{cafe.slug}/$"))
