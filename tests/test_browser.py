"""The real app in a real browser: ``streamlit run app.py`` driven by Playwright through
Debian's Chromium. Visits every page, asserts no error box, switches patients, and saves
one screenshot per page under ``test-artifacts/screens/`` (look at them)."""
from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, ROOT, SCREENS, settle

pytestmark = BROWSER_MARKS

PAGES = [  # (url path, title on the page, screenshot name)
    ("", "Overview", "overview"),
    ("patients", "Patients", "patients"),
    ("transfusions", "Transfusions", "transfusions"),
    ("responses", "Responses & subgroups", "responses"),
    ("safety", "Safety", "safety"),
    ("data", "Data", "data"),
]


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    yield context.new_page()
    context.close()


def _screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to it."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1600, "height": min(max(height, 1000), 6000)})
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENS / f"{name}.png"))
    page.set_viewport_size({"width": 1600, "height": 1000})


def _no_error(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: " + errors.first.inner_text()
    assert page.get_by_text("Something went wrong while drawing this page").count() == 0, where


@pytest.mark.parametrize("path, title, shot", PAGES, ids=[p[2] for p in PAGES])
def test_every_page_renders_without_error(server, page, path, title, shot):
    page.goto(f"{server}/{path}")
    settle(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    _no_error(page, title)
    assert page.get_by_text("SYNTHETIC demo cohort").first.is_visible()
    _screenshot(page, shot)


def test_patient_switch_by_button_and_link(server, page):
    page.goto(f"{server}/patients")
    settle(page)
    assert page.get_by_text("Patient 1 of 22").is_visible()
    page.get_by_role("button", name="Next ▶").click()
    settle(page)
    assert page.get_by_text("Patient 2 of 22").is_visible()
    _no_error(page, "patients after Next")
    # The URL remembers the patient: opening the link in a fresh load shows the same one.
    page.wait_for_function("() => window.location.search.includes('patient=')", timeout=10_000)
    link = page.url
    page.goto(link)
    settle(page)
    assert page.get_by_text("Patient 2 of 22").is_visible()


def test_spike_patient_and_g_dl(server, page):
    """A transient-spike patient opened by link, Hb in g/dL: the chart a meeting discusses."""
    from lusp.analysis import analyze
    from lusp.load import load_cohort

    table = analyze(load_cohort(ROOT / "data" / "demo_cohort.xlsx", synthetic=True)).table
    spike = table.loc[table["outcome"] == "transient spike", "patient_id"].iloc[0]
    page.goto(f"{server}/patients?patient={spike}&unit=g%2FdL")
    settle(page)
    _no_error(page, "spike patient")
    assert page.get_by_text("Transient spike", exact=False).first.is_visible()
    assert page.get_by_text("Hb (g/dL)").first.is_visible()
    _screenshot(page, "patients_spike_g_dl")


def test_click_in_the_grid_opens_that_patient(server, page):
    """A click in the second panel of the small multiples opens that patient (rise order)."""
    from lusp.analysis import analyze
    from lusp.figures.patient import small_multiples_order
    from lusp.load import load_cohort

    table = analyze(load_cohort(ROOT / "data" / "demo_cohort.xlsx", synthetic=True)).table
    second = small_multiples_order(table, "rise")[1]
    page.goto(f"{server}/patients")
    settle(page)
    grid = page.get_by_test_id("stVegaLiteChart").last
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    box = grid.bounding_box()
    # Panels are 140 px wide, 20 px apart, after a ~60 px y axis; the selection picks the
    # nearest point, so the middle of panel 2 is enough.
    page.mouse.click(box["x"] + 60 + 140 + 20 + 70, box["y"] + 110)
    page.wait_for_function(f"() => window.location.search.includes('patient={second}')", timeout=30_000)
    settle(page)
    _no_error(page, "patients after a grid click")


def test_the_whole_grid_fits_a_1280_screen(server, browser):
    """At 1280 × 720 (a laptop at the meeting) every panel of the small multiples is inside
    the page: with six columns the last one was cut off and three patients were missing."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{server}/patients")
        settle(page)
        grid = page.get_by_test_id("stVegaLiteChart").last
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        svg_box = grid.locator("svg").first.bounding_box()
        main_box = page.get_by_test_id("stMain").bounding_box()
        assert svg_box["x"] + svg_box["width"] <= main_box["x"] + main_box["width"]
        _no_error(page, "patients at 1280")
    finally:
        context.close()
