"""Issue 17 in a real browser: the server-killing workbook costs one attempt, not the server,
and nothing the server starts calls out.

One Streamlit server, run under ``strace -f`` (every ``connect()`` of it and of every child
it starts: the load sandbox, kaleido's Chromium). User A loads a three-patient workbook,
then uploads the 6 KB workbook with cells A1 and XFD1048576 that made calamine abort the
whole server (exit 134) before issue 17: the page says in one sentence what was refused and
why, and A keeps the three-patient cohort. User B, in a second browser context, then loads
the app: the server answers. A's Patients page still shows 3 patients, and A downloads the
patient CSV and the slide deck. Finally the connection record must hold no IPv4/IPv6
connect at all (the reachability probe of ``offline_support`` aside).
"""
from __future__ import annotations

import re

import pytest

from tests import hostile_files as hostile
from tests.browser_support import BROWSER_MARKS, SCREENS, chromium, settle, streamlit_server
from tests.offline_support import needs_strace, outbound_attempts, strace_prefix
from tests.test_load_shapes import tables, workbook_bytes

pytestmark = [*BROWSER_MARKS, needs_strace]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    log = tmp_path_factory.mktemp("strace") / "server.strace"
    with streamlit_server(prefix=tuple(strace_prefix(log)), startup_s=120) as url:
        yield url, log


def _see(locator, timeout_ms: int = 60_000) -> None:
    locator.first.wait_for(state="visible", timeout=timeout_ms)


def _cohort_input(page):
    return page.locator('[data-testid="stFileUploader"]').filter(has_text="Cohort file(s)").locator("input[type=file]")


def test_the_server_killing_workbook_costs_one_attempt_and_nothing_calls_out(traced):
    url, log = traced
    name, corner = hostile.corner_cells_workbook()
    with chromium() as browser:
        a = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page = a.new_page()
        page.goto(f"{url}/data")
        settle(page)
        _cohort_input(page).set_input_files([{"name": "cohort.xlsx", "mimeType": XLSX,
                                              "buffer": workbook_bytes(tables())}])
        settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        _see(sidebar.get_by_text("3 patients"))

        buttons = page.get_by_role("button", name=re.compile(r"^Remove "))
        while buttons.count():
            buttons.first.click()
            settle(page)
        _cohort_input(page).set_input_files([{"name": name, "mimeType": XLSX, "buffer": corner}])
        settle(page)
        error = page.locator('[data-testid="stAlertContentError"]').first
        _see(error)
        text = error.inner_text()
        assert "corner.xlsx: This workbook declares 17 179 869 184 cells" in text, text
        assert "the limit is 10 000 000 cells" in text
        assert "Nothing changed: the cohort in force is still cohort.xlsx (3 patients)." in text
        _see(sidebar.get_by_text("3 patients"))
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "hostile_refused.png"))

        # another user, another context: the server is alive and serves the demo
        b = browser.new_context(viewport={"width": 1400, "height": 900})
        other = b.new_page()
        other.goto(url)
        settle(other)
        assert other.locator("h1").first.inner_text().strip() == "Overview"
        _see(other.get_by_text("SYNTHETIC demo cohort"))
        b.close()

        # user A still has the three patients on every page, and exports them
        sidebar.get_by_role("link", name="Patients").click()
        settle(page)
        _see(page.get_by_text("Patient 1 of 3"))
        sidebar.get_by_role("link", name="Overview").click()
        settle(page)
        page.get_by_text("For the meeting: slide deck, text and tables").click()
        with page.expect_download(timeout=60_000) as csv_download:
            page.get_by_role("button", name=re.compile("Patients CSV")).click()
        assert csv_download.value.suggested_filename == "patients.csv"
        page.get_by_role("button", name=re.compile(r"Build slide deck")).click()  # progress bar, then the download
        with page.expect_download(timeout=240_000) as deck_download:
            page.get_by_role("button", name=re.compile(r"Download slide deck")).click(timeout=240_000)
        assert deck_download.value.suggested_filename.endswith(".pptx")
        page.wait_for_timeout(3000)  # the export browser's background tasks start after launch
        a.close()
    attempts = outbound_attempts(log)
    assert attempts == [], "\n".join(attempts[:10])
    assert re.search(r'execve\("[^"]*chromium"', log.read_text(errors="replace")), "the export browser was traced"
