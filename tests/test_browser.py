"""The real app in a real browser: ``streamlit run app.py`` driven by Playwright through
Debian's Chromium. Visits every page, asserts no error box, switches patients, and saves
one screenshot per page under ``test-artifacts/screens/`` (look at them)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make debs)"),
]

PAGES = [  # (url path, title on the page, screenshot name)
    ("", "Overview", "overview"),
    ("patients", "Patients", "patients"),
    ("transfusions", "Transfusions", "transfusions"),
    ("responses", "Responses & subgroups", "responses"),
    ("safety", "Safety", "safety"),
    ("data", "Data", "data"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``streamlit run app.py`` on a free port, headless; stopped after the module."""
    port = _free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        yield context.new_page()
        browser.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished the run (no running indicator, charts drawn)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(1200)  # Vega/Plotly draw asynchronously after the run ends


def _no_error(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: " + errors.first.inner_text()
    assert page.get_by_text("Something went wrong while drawing this page").count() == 0, where


@pytest.mark.parametrize("path, title, shot", PAGES, ids=[p[2] for p in PAGES])
def test_every_page_renders_without_error(server, page, path, title, shot):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}/{path}")
    _settle(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    _no_error(page, title)
    assert page.get_by_text("SYNTHETIC demo cohort").first.is_visible()
    page.screenshot(path=str(SCREENS / f"{shot}.png"), full_page=True)


def test_patient_switch_by_button_and_link(server, page):
    page.goto(f"{server}/patients")
    _settle(page)
    select = page.get_by_test_id("stSelectbox").filter(has_text="Patient (type to search)")
    first = select.inner_text()
    page.get_by_role("button", name="Next ▶").click()
    _settle(page)
    second = select.inner_text()
    assert second != first
    _no_error(page, "patients after Next")
    # The URL remembers the patient: opening it in a fresh page shows the same patient.
    assert "patient=" in page.url
    link = page.url
    page.goto(link)
    _settle(page)
    assert page.get_by_test_id("stSelectbox").filter(has_text="Patient (type to search)").inner_text() == second
    page.screenshot(path=str(SCREENS / "patients_next.png"), full_page=True)
