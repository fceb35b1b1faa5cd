"""Shared fixtures: a hand-built three-patient result set (figures) and the app's demo path.

Other helpers may add fixtures here; keep each one documented and cheap.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from lusp.cohort import empty_table

ROOT = Path(__file__).resolve().parents[1]


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A canonical table (``lusp.cohort.TABLE_COLUMNS`` dtypes) from plain dict rows."""
    empty = empty_table(table)
    frame = pd.DataFrame(rows, columns=list(empty.columns))
    return frame.astype(empty.dtypes.to_dict())


@pytest.fixture
def three_patients() -> SimpleNamespace:
    """Three patients worked out by hand, shaped like ``lusp.analysis.Results``.

    - ``A`` TD responder: 4 U at days −30/−10 (baseline burden 4 × 28/56 = 2.0 U/28 d),
      baseline Hb 70 (day −7); no RBC after day 0 through day 140 → longest run days
      1–140 = 140 days ≥ 56 → TI → responder. Doses 1.0, 1.0, 1.25 mg/kg (escalation at
      day 42). The Hb on day 3 (72) is 13 days after the day −10 transfusion → affected.
    - ``B`` TD transient spike: baseline 62 (day 0); early peak 80 on day 4 (+18 ≥ 10);
      day 14 Hb 65 ≤ 62 + 18/2 = 71 → spike, fallen back by day 14. Transfusions days
      −20, 20, 50, 80 (2 U each) → longest run days 21–49 = 29 days < 56 → no TI.
    - ``C`` NTD, no baseline Hb → not evaluable.
    """
    hb = pd.DataFrame({
        "patient_id": ["A"] * 5 + ["B"] * 6 + ["C"] * 2,
        "day": [-7, 3, 28, 70, 140, 0, 4, 14, 28, 60, 100, 10, 40],
        "hb_g_l": [70.0, 72.0, 88.0, 101.0, 108.0, 62.0, 80.0, 65.0, 61.0, 58.0, 63.0, 90.0, 95.0],
        "transfusion_affected": [False, True, False, False, False, False, False, False, True, False, False,
                                 False, False],
    })
    hb["patient_id"] = hb["patient_id"].astype("string")
    hb["date"] = pd.NaT
    transfusions = _frame("transfusions", [
        {"patient_id": "A", "day": -30, "units": 2.0, "product": "RBC"},
        {"patient_id": "A", "day": -10, "units": 2.0, "product": "RBC"},
        {"patient_id": "B", "day": -20, "units": 2.0, "product": "RBC"},
        {"patient_id": "B", "day": 20, "units": 2.0, "product": "RBC"},
        {"patient_id": "B", "day": 50, "units": 2.0, "product": "RBC"},
        {"patient_id": "B", "day": 80, "units": 2.0, "product": "RBC"},
    ])
    doses = _frame("doses", [
        {"patient_id": "A", "day": 0, "dose_mg_kg": 1.0},
        {"patient_id": "A", "day": 21, "dose_mg_kg": 1.0},
        {"patient_id": "A", "day": 42, "dose_mg_kg": 1.25},
        {"patient_id": "B", "day": 0, "dose_mg_kg": 1.0},
        {"patient_id": "B", "day": 21, "dose_mg_kg": 1.0},
        {"patient_id": "C", "day": 0, "dose_mg_kg": 1.0},
    ])
    events = _frame("events", [
        {"patient_id": "B", "day": 90, "category": "progression", "term": "MDS progression", "grade": pd.NA},
        {"patient_id": "A", "day": 30, "category": "adverse_event", "term": "Fatigue", "grade": 1},
        {"patient_id": "B", "day": 35, "category": "adverse_event", "term": "Hypertension", "grade": 3},
    ])
    labs = _frame("labs", [
        {"patient_id": "B", "day": 0, "test": "Bone marrow blasts", "value": 6.0, "unit": "%"},
        {"patient_id": "B", "day": 84, "test": "Bone marrow blasts", "value": 14.0, "unit": "%"},
    ])
    patients = _frame("patients", [
        {"patient_id": "A", "diagnosis": "MDS", "age": 71.0, "sex": "F", "sf3b1_mutated": True},
        {"patient_id": "B", "diagnosis": "MDS", "age": 64.0, "sex": "M", "sf3b1_mutated": False},
        {"patient_id": "C", "diagnosis": "Myelofibrosis", "age": 80.0, "sex": "M", "sf3b1_mutated": pd.NA},
    ])
    table = pd.DataFrame({
        "patient_id": pd.array(["A", "B", "C"], dtype="string"),
        "diagnosis": pd.array(["MDS", "MDS", "Myelofibrosis"], dtype="string"),
        "td_baseline": pd.array([True, True, False], dtype="boolean"),
        "baseline_hb_g_l": pd.array([70.0, 62.0, None], dtype="Float64"),
        "peak_hb_g_l": pd.array([108.0, 80.0, 95.0], dtype="Float64"),
        "hb_rise_g_l": pd.array([38.0, 18.0, None], dtype="Float64"),
        "burden_before_u28": pd.array([2.0, 1.0, 0.0], dtype="Float64"),
        "burden_after_u28": pd.array([0.0, 1.4, 0.0], dtype="Float64"),
        "longest_tf_days": pd.array([140, 29, 40], dtype="Int64"),
        "ti_achieved": pd.array([True, False, False], dtype="boolean"),
        "responder": pd.array([True, False, False], dtype="boolean"),
        "evaluable": pd.array([True, True, False], dtype="boolean"),
        "transient_spike": pd.array([False, True, None], dtype="boolean"),
        "spike_after_transfusion": pd.array([None, False, None], dtype="boolean"),
        "outcome": pd.array(["responder", "transient spike", "not evaluable"], dtype="string"),
        "end_day": pd.array([140, 100, 40], dtype="Int64"),
        "tf_start_day": pd.array([1, 21, 1], dtype="Int64"),
        "tf_end_day": pd.array([140, 49, 40], dtype="Int64"),
        "early_peak_hb_g_l": pd.array([72.0, 80.0, None], dtype="Float64"),
        "early_peak_day": pd.array([3, 4, None], dtype="Int64"),
        "spike_fall_day": pd.array([None, 14, None], dtype="Int64"),
    })
    cohort = SimpleNamespace(patients=patients, hb=hb.drop(columns="transfusion_affected"),
                             transfusions=transfusions, doses=doses, events=events, labs=labs)
    return SimpleNamespace(table=table, hb=hb, cohort=cohort)


@pytest.fixture(scope="module")
def server():
    """The app served on a free local port for one browser-test module."""
    from tests.browser_support import streamlit_server

    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    """Debian's Chromium (Playwright) for one browser-test module."""
    from tests.browser_support import chromium

    with chromium() as instance:
        yield instance



def _apptest_reads_widgets_in_the_session_language() -> None:
    """AppTest computes each widget's state in the *test's* thread, calling the widget's
    ``format_func`` there; the app says its words in the session's language, which only
    the script thread knows (lusp.i18n's provider reads the session). So during each
    AppTest run the test thread speaks the language of the session being run — the
    server never needs this (Streamlit calls ``format_func`` in the script thread).
    Patched once for the whole test session (module-scoped fixtures run AppTests too)."""
    from streamlit.testing.v1 import element_tree

    from lusp import i18n

    original = element_tree.ElementTree.run
    if getattr(original, "_speaks_session_language", False):
        return

    def run(self, *, timeout=None):
        lang = None
        try:
            lang = self._runner.session_state.get("lang")
        except Exception:
            pass
        token = i18n._current.set(lang if lang in i18n.LANGUAGES else None)
        try:
            return original(self, timeout=timeout)
        finally:
            i18n._current.reset(token)

    run._speaks_session_language = True
    element_tree.ElementTree.run = run


_apptest_reads_widgets_in_the_session_language()
