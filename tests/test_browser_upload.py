"""Bring-your-own-cohort in a real browser (Playwright on Debian's Chromium).

Through the real file input (``set_input_files``): a file with a bad Hb cell is refused and
the demo stays in force; a zip whose Hb column is called ``Wert`` opens the column mapping;
mapping it to ``hb_g_l`` loads the three-patient cohort and the Patients page switches to
it. A second browser context (another user) still sees only the demo. Screenshots of the
Data page in each state go to ``test-artifacts/screens/upload_*.png``.
"""
from __future__ import annotations

import re

import pytest

from tests.browser_support import BROWSER_MARKS, SCREENS, settle
from tests.test_load_shapes import HB, csv_bytes, tables, zip_bytes

pytestmark = BROWSER_MARKS


def _screenshot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height, 900), 5000)})
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 900})


def _see(locator, timeout_ms: int = 30_000) -> None:
    """Wait until ``locator`` shows (a loaded machine may draw a run's last elements late)."""
    locator.first.wait_for(state="visible", timeout=timeout_ms)


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Something went wrong while drawing this page").count() == 0


def _cohort_input(page):
    return page.locator('[data-testid="stFileUploader"]').filter(has_text="Cohort file(s)").locator("input[type=file]")


def _remove_uploaded_files(page) -> None:
    buttons = page.get_by_role("button", name=re.compile(r"^Remove "))
    while buttons.count():
        buttons.first.click()
        settle(page)


def _payload(name: str, data: bytes, mime: str = "text/csv") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_upload_report_mapping_and_patients_page_in_the_browser(server, browser):
    user = browser.new_context(viewport={"width": 1400, "height": 900})
    page = user.new_page()
    page.goto(f"{server}/data")
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("SYNTHETIC demo cohort"))
    _screenshot(page, "upload_1_demo")

    # a bad Hb cell: refused, the report names it, the demo stays in force
    hb = HB.astype({"hb_g_l": "object"})
    hb.loc[1, "hb_g_l"] = "eighty"
    bad = [_payload(f"{n}.csv", csv_bytes(hb if n == "hb" else f)) for n, f in tables().items()]
    _cohort_input(page).set_input_files(bad)
    settle(page)
    _no_exception(page)
    error = page.locator('[data-testid="stAlertContentError"]').first
    _see(error)
    assert "not loaded" in error.inner_text()
    assert "still SYNTHETIC demo cohort (22 patients)" in error.inner_text()
    _see(page.get_by_text("Validation report"))
    _see(page.locator('[data-testid="stDataFrame"]'))
    _screenshot(page, "upload_2_error_report")

    # a zip whose Hb column is "Wert": the mapping form opens; map it by hand
    _remove_uploaded_files(page)
    renamed = zip_bytes({f"{n}.csv": csv_bytes(f.rename(columns={"hb_g_l": "Wert"}) if n == "hb" else f)
                         for n, f in tables().items()})
    _cohort_input(page).set_input_files([_payload("clinic.zip", renamed, "application/zip")])
    settle(page)
    _see(page.get_by_text("Map columns by hand"))
    _see(page.get_by_text("Required but not found"))
    page.get_by_role("combobox", name="Field for Wert").click()
    page.keyboard.type("hb_g_l")
    page.get_by_role("option", name="hb_g_l (required)").click()
    _screenshot(page, "upload_3_mapping")
    page.get_by_role("button", name="Apply mapping").click()
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("clinic.zip loaded: 3 patients"))
    sidebar = page.locator('[data-testid="stSidebar"]')
    _see(sidebar.get_by_text("clinic.zip"))
    _see(sidebar.get_by_text("3 patients"))
    _screenshot(page, "upload_4_loaded")

    # the Patients page (same session: navigate inside the app) shows the new cohort
    sidebar.get_by_role("link", name="Patients").click()
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("Patient 1 of 3"))
    _screenshot(page, "upload_5_patients")

    # another user, another browser context: the demo, and nothing of clinic.zip
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    second = other.new_page()
    second.goto(f"{server}/data")
    settle(second)
    _see(second.get_by_text("SYNTHETIC demo cohort"))
    assert second.get_by_text("clinic.zip").count() == 0
    second.goto(f"{server}/patients")
    settle(second)
    _see(second.get_by_text("Patient 1 of 22"))
    other.close()

    # back to the demo in one click
    sidebar.get_by_role("link", name="Data").click()
    settle(page)
    page.get_by_role("button", name="Use the demo cohort").click()
    settle(page)
    _see(page.get_by_text("SYNTHETIC demo cohort is in force again"))
    _see(sidebar.get_by_text("SYNTHETIC demo cohort"))
    user.close()
