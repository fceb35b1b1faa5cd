"""Presentation mode: no controls but Previous / Next, one chart per screen, a footer."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PRESENT_PAGE = str(ROOT / "app_pages" / "present.py")
APP = str(ROOT / "app.py")
CHROMIUM = "/usr/bin/chromium"
#: Widgets a presentation must not show in the main area.
CONTROL_KINDS = ("selectbox", "multiselect", "slider", "number_input", "radio", "text_input", "checkbox",
                 "download_button", "date_input")


def _main_widgets(at: AppTest, kind: str) -> list:
    sidebar_ids = {id(w) for w in getattr(at.sidebar, kind, [])}
    return [w for w in getattr(at, kind, []) if id(w) not in sidebar_ids]


def _footer(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("<div class=\"lusp-footer\""))


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = AppTest.from_file(PRESENT_PAGE, default_timeout=180)
    at.run()
    return at


def test_presentation_hides_every_control(page):
    assert not page.exception, page.exception
    for kind in CONTROL_KINDS:
        assert _main_widgets(page, kind) == [], kind
    assert sorted(b.label for b in _main_widgets(page, "button")) == ["Next", "Previous"]
    assert [t.label for t in page.sidebar.toggle] == ["Presentation mode"]


def test_steps_through_headline_charts_and_spike_patients(page):
    titles = [page.title[0].value]
    assert page.button(key="present_prev").disabled
    for _ in range(40):
        if page.button(key="present_next").disabled:
            break
        page.button(key="present_next").click().run()
        assert not page.exception, page.exception
        titles.append(page.title[0].value)
        # one chart per screen
        charts = len(page.get("image")) + len(page.get("plotly_chart")) + len(page.get("vega_lite_chart"))
        assert charts == 1, (titles[-1], charts)
    assert titles[0] == "Headline numbers"
    assert "Response rates with exact 95 % CIs" in titles
    assert "Best Hb change from baseline" in titles
    spikes = [t for t in titles if t.startswith("Transient early spike:")]
    assert len(spikes) == 6  # the demo cohort's six TD non-responders with a spike (SPEC §1)
    assert len(titles) == len(set(titles))
    page.button(key="present_prev").click().run()
    assert page.title[0].value == titles[-2]


def test_footer_names_cohort_criteria_and_filters(page):
    footer = _footer(page)
    assert "SYNTHETIC" in footer and "criteria:" in footer and "filters: all patients" in footer


def test_query_parameter_switches_presentation_on_through_the_app():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Headline numbers"
    assert sorted(b.label for b in _main_widgets(at, "button")) == ["Next", "Previous"]
    at.sidebar.toggle[0].set_value(False).run()
    assert not at.exception, at.exception
    assert at.title[0].value != "Headline numbers"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make debs)")
def test_presentation_in_a_real_browser(server, browser, tmp_path):
    """``?present=1`` in Debian's chromium: sidebar collapsed, no input controls, large charts."""
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.goto(server + "/?present=1")
    page.locator("h1", has_text="Headline numbers").wait_for(timeout=90_000)
    for step in range(4):
        page.get_by_role("button", name="Next").click()
        page.wait_for_timeout(2500)
        sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
        assert sidebar is None or sidebar["width"] < 5, f"sidebar open on screen {step + 2}"
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("input, select, textarea").count() == 0
        assert "criteria:" in main.locator(".lusp-footer").inner_text()
    # The chart is as large as the screen allows — at least 1000 px wide, or, for a tall
    # chart, at least 600 px high (it is fitted to the 900 px screen) — and never upscaled
    # (sharp on a projector).
    image = page.locator('[data-testid="stMain"] img').first
    natural, shown, shown_height = image.evaluate("img => [img.naturalWidth, img.clientWidth, img.clientHeight]")
    assert shown >= 1000 or shown_height >= 600, (shown, shown_height)
    assert natural >= shown
    page.screenshot(path=str(tmp_path / "presentation.png"))
    page.close()
