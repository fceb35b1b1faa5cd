"""The "Early review & trials" page in a real browser (Debian's Chromium via Playwright):
no error box, the tables and charts drawn, and a full-page screenshot saved as
test-artifacts/screens/early.png (look at it)."""
from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, SCREENS, settle

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    yield context.new_page()
    context.close()


def _screenshot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1600, "height": min(max(height, 1000), 8000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENS / f"{name}.png"))
    page.set_viewport_size({"width": 1600, "height": 1000})


@pytest.mark.parametrize("query, shot", [("", "early"), ("?unit=g%2FdL", "early_g_dl")])
def test_early_page_renders_in_the_browser(server, page, query, shot):
    page.goto(f"{server}/early{query}")
    settle(page)
    page.get_by_role("heading", name="Early review & trials").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Something went wrong while drawing this page").count() == 0
    assert page.get_by_text("SYNTHETIC demo cohort").first.is_visible()
    assert page.get_by_text("differ in who was treated", exact=False).first.is_visible()
    assert page.get_by_test_id("stVegaLiteChart").count() == 3
    assert page.get_by_test_id("stDataFrame").count() == 4
    _screenshot(page, shot)
