"""Issue 15 in the running app (AppTest, demo cohort): Table 1 and the patient flow on the
Overview with their downloads and the one-click Word report; the case-summary buttons on
the Patients page. Expected numbers come from lusp (summarize / table_one), never from
what the page printed."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lusp.analysis import analyze, summarize
from lusp.load import load_cohort
from tests.app_support import assert_no_error, run_app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo_cohort.xlsx"


@pytest.fixture(scope="module")
def demo_summary() -> dict:
    return summarize(analyze(load_cohort(DEMO, synthetic=True)))


def _downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _table1(at: AppTest):
    (frame,) = [d.value for d in at.dataframe if "Characteristic" in d.value.columns]
    return frame


def test_overview_shows_table1_flow_and_the_report_button(demo_summary):
    at = run_app()
    assert_no_error(at)
    labels = _downloads(at)
    assert {"Word report (.docx)", "Table 1 (.xlsx)", "Table 1 slide (.pptx)", "Flow slide (.pptx)"} <= set(labels)
    frame = _table1(at)
    s = demo_summary
    assert list(frame.columns[:4]) == ["Characteristic", f"Overall (n = {s['n_patients']})", f"TD (n = {s['n_td']})",
                                       f"NTD (n = {s['n_ntd']})"]
    assert frame.iloc[0].tolist()[:4] == ["n", str(s["n_patients"]), str(s["n_td"]), str(s["n_ntd"])]
    assert "p-value" not in frame.columns
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    flow = [spec for spec in specs if "Patients in the file" in spec]
    assert len(flow) == 1 and f"n = {s['n_patients']}" in flow[0] and f"ITT {s['n_td_responders']} of {s['n_td']}" in flow[0]
    assert any("Shapiro–Wilk" in str(c.value) for c in at.caption)


def test_table1_options_change_the_table(demo_summary):
    at = run_app()
    at.selectbox(key="w_table1_by").set_value("responder").run()
    at.checkbox(key="w_table1_p").check().run()
    at.multiselect(key="w_table1_extra").set_value(["disease_status"]).run()
    assert_no_error(at)
    frame = _table1(at)
    s = demo_summary
    assert f"Responder (n = {s['n_responders']})" in frame.columns
    assert f"Non-responder (n = {s['n_patients'] - s['n_responders']})" in frame.columns
    assert list(frame.columns[-2:]) == ["p-value", "Test"]
    assert "Disease status, n (%)" in frame["Characteristic"].tolist()


def test_table1_and_flow_follow_the_filters(demo_summary):
    at = run_app(td="TD")
    assert_no_error(at)
    frame = _table1(at)
    assert f"TD (n = {demo_summary['n_td']})" in frame.columns and not any(c.startswith("NTD") for c in frame.columns)


def test_patients_page_has_the_case_summary_buttons():
    at = run_app(patient="DEMO-13")
    at = at.switch_page("app_pages/patients.py").run()
    assert_no_error(at)
    labels = _downloads(at)
    assert {"Case summary (PNG)", "PDF", "Slide"} <= set(labels)
