"""The one-click Word report in a real browser: open the Overview, open the export
expander, click "Word report (.docx)", and read the downloaded file with python-docx
(headings and the headline counts of lusp.analysis.summarize). Screenshot of the Overview's
Table 1 and flow under test-artifacts/screens/overview_manuscript.png."""
from __future__ import annotations

import io

import pytest

from lusp.analysis import analyze, summarize
from lusp.load import load_cohort
from tests.browser_support import BROWSER_MARKS, ROOT, SCREENS, settle

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    yield context.new_page()
    context.close()


def test_report_download_from_the_overview(server, page, tmp_path):
    import docx

    page.goto(server)
    settle(page)
    page.get_by_text("For the meeting: slide deck, text and tables").first.click()
    button = page.get_by_role("button", name="Word report (.docx)")
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=180_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("luspatercept_report_study_") and download.suggested_filename.endswith(".docx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    doc = docx.Document(io.BytesIO(path.read_bytes()))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["Methods", "Results"] and "Per-patient results" in headings
    s = summarize(analyze(load_cohort(ROOT / "data" / "demo_cohort.xlsx", synthetic=True)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"Patients: {s['n_patients']} ({s['n_td']} TD, {s['n_ntd']} NTD at baseline)" in text
    assert "SYNTHETIC DATA" in text
    assert len(doc.inline_shapes) == 5
    assert [c.text for c in doc.tables[1].rows[2].cells][1:3] == [str(s["n_td_responders"]), str(s["n_td"])]

    # The Table 1 and flow sections, for the eye.
    heading = page.get_by_role("heading", name="Table 1: baseline characteristics")
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 2200})
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENS / "overview_manuscript.png"))


def test_case_summary_download_from_the_patients_page(server, page, tmp_path):
    page.goto(f"{server}/patients?patient=DEMO-13")
    settle(page)
    button = page.get_by_role("button", name="Case summary (PNG)")
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=180_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "patient_DEMO-13.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    from lusp.export.images import png_size
    from lusp.export.patient_summary import PAGE_HEIGHT_PX, PAGE_WIDTH_PX

    assert data[:8] == b"\x89PNG\r\n\x1a\n" and png_size(data) == (PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "patient_summary_download.png").write_bytes(data)
