"""Real exports in a real browser (Playwright on Debian's Chromium): a Chinese HIS workbook
whose Hb has no unit and whose red cells are in mL, then an SDTM zip whose study drug is a
trial code, are uploaded through the file input; the export settings answer the questions
(Hb unit g/dL, 200 mL per unit; the trial code counted as luspatercept); both load with the
hand-worked cohort's numbers and are analysed on the Overview and Responses pages.
Screenshots go to ``test-artifacts/screens/exports_*.png``.
"""
from __future__ import annotations

from tests import export_shapes as X
from tests.browser_support import BROWSER_MARKS, settle
from tests.test_browser_upload import _cohort_input, _no_exception, _payload, _remove_uploaded_files, _screenshot, _see

pytestmark = BROWSER_MARKS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _overview_says_the_cohort(page) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("link", name="Overview").click()
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("1 TD · 2 NTD at baseline"))
    sidebar.get_by_role("link", name="Responses & subgroups").click()
    settle(page)
    _no_exception(page)
    sidebar.get_by_role("link", name="Data").click()
    settle(page)


def test_a_his_workbook_and_an_sdtm_zip_are_mapped_and_analysed_in_the_browser(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/data")
    settle(page)

    sheets = X.chinese_his("g/dL")
    sheets["检验结果"] = sheets["检验结果"].drop(columns="单位")
    _cohort_input(page).set_input_files([_payload("HIS导出.xlsx", X.xlsx_bytes(sheets), XLSX)])
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("The Hb values have no unit and fit g/dL and mmol/L alike: choose one."))
    _see(page.get_by_text("Red cells are given in mL: say how many mL make one unit."))
    _screenshot(page, "exports_1_his_questions")
    radio = page.locator('[data-testid="stRadio"]').filter(has_text="Unit of Hb values that declare none")
    radio.get_by_text("g/dL", exact=True).click()
    page.get_by_role("spinbutton", name="mL of red cells in one unit").fill("200")
    page.get_by_role("spinbutton", name="mL of red cells in one unit").press("Tab")
    page.get_by_role("button", name="Apply these settings").click()
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("HIS导出.xlsx loaded: 3 patients"))
    _screenshot(page, "exports_2_his_loaded")
    _overview_says_the_cohort(page)

    _remove_uploaded_files(page)
    domains = X.sdtm_domains("mmol/L")
    domains["ex"] = domains["ex"].replace({"EXTRT": {"LUSPATERCEPT": "ACE-X"}})
    archive = X.zip_bytes({f"study/{n}.csv": X.csv_bytes(f) for n, f in domains.items()})
    _cohort_input(page).set_input_files([_payload("study_sdtm.zip", archive, "application/zip")])
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("study_sdtm.zip was not loaded"))
    drugs = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Drug names that count as luspatercept")
    drugs.locator("input").first.click()
    page.keyboard.type("ACE-X")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _see(drugs.get_by_text("ACE-X"))
    _screenshot(page, "exports_3_sdtm_drug")
    page.get_by_role("button", name="Apply these settings").click()
    settle(page)
    _no_exception(page)
    _see(page.get_by_text("study_sdtm.zip loaded: 3 patients"))
    # in the (now collapsed) export settings: which shape was read
    assert page.get_by_text("Read as: CDISC SDTM — ae, dm, ex, lb, mh, pr, vs").count() == 1
    _screenshot(page, "exports_4_sdtm_loaded")
    _overview_says_the_cohort(page)
    context.close()
