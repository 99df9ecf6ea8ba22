"""A manager edits the rewards catalogue in place (HTMX), reorders it and hides a reward."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from rewards.models import Reward
from tests.factories import StaffFactory

from .test_counter import TABLET


@pytest.mark.browser
def test_a_manager_edits_reorders_and_hides_rewards_in_place(new_page, live_server, cafe, screenshot):  # noqa: F811
    manager = StaffFactory(shop=cafe, role="manager").user
    client = Client()
    client.force_login(manager)
    page = new_page(locale="en-US", **TABLET)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "url": live_server.url,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            }
        ]
    )
    page.goto("/portal/rewards/")
    coffee = Reward.objects.get(shop=cafe, code="free-coffee")
    row = page.locator(f"#reward-{coffee.pk}")
    row.get_by_role("link", name="Edit").click()
    expect(row.get_by_label("Price in points")).to_have_value("10")  # the row became its form
    row.get_by_label("Price in points").fill("12")
    screenshot(page, "catalogue-01-edit-in-place")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Free Coffee was saved.")).to_be_visible()
    expect(page.locator(f"#reward-{coffee.pk} td.number").first).to_have_text("12")
    assert page.url.endswith("/portal/rewards/")  # no page load: the list was swapped in place

    page.get_by_role("button", name="Move Free Coffee down").click()
    expect(page.locator("tbody tr").first).to_contain_text("Plant a tree")
    page.locator(f"#reward-{coffee.pk}").get_by_role("button", name="Hide").click()
    expect(page.locator(f"#reward-{coffee.pk}")).to_contain_text("Hidden")
    coffee.refresh_from_db()
    assert (coffee.points, coffee.active, coffee.position) == (12, False, 2)
    screenshot(page, "catalogue-02-list")
