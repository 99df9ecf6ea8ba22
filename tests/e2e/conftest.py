"""Browser tests: Playwright's sync API driving the system's Chromium against pytest-django's live server."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test still touches the ORM directly.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` (CI installs it).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens a page in a fresh browser context (its own cookies: one person), on the live server."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def cafe(transactional_db):
    """A café with a coffee stamp card, two rewards and a quick button for coffee."""
    from loyalty.models import QuickItem
    from loyalty.services.config import config_import
    from tests.loyalty.documents import document, program, reward

    shop = config_import(
        document(
            "e2e-cafe",
            program(
                "40000",
                stamp_cards=[
                    {
                        "code": "coffee",
                        "name": "Coffee card",
                        "stamps_required": 5,
                        "per": "item",
                        "categories": ["coffee"],
                        "reward": "free-coffee",
                    }
                ],
            ),
            rewards=[
                reward("free-coffee", "free_item", 10, "45000"),
                reward("tree", "donation", 5, "20000", name="Plant a tree"),
            ],
        )
    )
    QuickItem.objects.create(shop=shop, label="Coffee", sku="coffee", category="coffee", amount=Decimal("40000"))
    return shop
