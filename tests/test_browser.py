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
         "--server.port", str(port), "--server.address", "127.0.0.1",
         # Other work in the tree must not pop up "source file changed" (it looks like a run).
         "--server.fileWatcherType", "none"],
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
    """Wait until Streamlit has finished the run: the page title is drawn, then neither the
    running indicator nor a stale element is seen for 1.5 s (charts draw after the run)."""
    page.locator("h1").first.wait_for(timeout=30_000)
    quiet = 0
    for _ in range(360):
        busy = page.locator('[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]').count()
        quiet = quiet + 1 if busy == 0 else 0
        if quiet >= 5:
            return
        page.wait_for_timeout(250)
    busy = {sel: page.locator(sel).count() for sel in
            ('[data-testid="stStatusWidget"]', '[data-stale="true"]', '[data-testid="stSkeleton"]')}
    raise AssertionError(f"the app did not settle within 90 s: {busy}")


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
    _settle(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    _no_error(page, title)
    assert page.get_by_text("SYNTHETIC demo cohort").first.is_visible()
    _screenshot(page, shot)


def test_patient_switch_by_button_and_link(server, page):
    page.goto(f"{server}/patients")
    _settle(page)
    assert page.get_by_text("Patient 1 of 22").is_visible()
    page.get_by_role("button", name="Next ▶").click()
    _settle(page)
    assert page.get_by_text("Patient 2 of 22").is_visible()
    _no_error(page, "patients after Next")
    # The URL remembers the patient: opening the link in a fresh load shows the same one.
    page.wait_for_function("() => window.location.search.includes('patient=')", timeout=10_000)
    link = page.url
    page.goto(link)
    _settle(page)
    assert page.get_by_text("Patient 2 of 22").is_visible()


def test_spike_patient_and_g_dl(server, page):
    """A transient-spike patient opened by link, Hb in g/dL: the chart a meeting discusses."""
    from lusp.analysis import analyze
    from lusp.load import load_cohort

    table = analyze(load_cohort(ROOT / "data" / "demo_cohort.xlsx", synthetic=True)).table
    spike = table.loc[table["outcome"] == "transient spike", "patient_id"].iloc[0]
    page.goto(f"{server}/patients?patient={spike}&unit=g%2FdL")
    _settle(page)
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
    _settle(page)
    grid = page.get_by_test_id("stVegaLiteChart").last
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    box = grid.bounding_box()
    # Panels are 150 px wide, 20 px apart, after a ~60 px y axis; the selection picks the
    # nearest point, so the middle of panel 2 is enough.
    page.mouse.click(box["x"] + 60 + 150 + 20 + 75, box["y"] + 110)
    page.wait_for_function(f"() => window.location.search.includes('patient={second}')", timeout=30_000)
    _settle(page)
    _no_error(page, "patients after a grid click")
