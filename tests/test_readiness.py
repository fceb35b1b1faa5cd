"""Readiness: each page and criteria set says whether this cohort can feed it and what to add.

The fixture cohort (CSV files in memory, loaded like an upload):

    P1  Hb days −100, −50, −7, 21, 140; RBC day −90 2 U; doses days 0, 21 → full history
    P2  Hb days −30, 0, 40, 130;                         doses days 0, 21 → first record day −30
    P3  Hb days 10, 70;                                   dose day 0 only  → no baseline Hb

History (earliest Hb or RBC record in the window, slack 21 days): study window 56 d —
P1 from day −50 (50 ≥ 56 − 21 = 35, full), P2 30 < 35 (short), P3 none (0); IWG 2018
window 112 d — P1 from the day −100 Hb (100 ≥ 112 − 21 = 91, full), P2 30, P3 0. P3 has no baseline Hb at all.
Follow-up: P1 140, P2 130, P3 70 → P3 < 112 (IWG 2018 minimum), all ≥ 56.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lusp.criteria import CRITERIA
from lusp.load import load_cohort
from lusp.params import with_values
from lusp.readiness import READINESS_COLUMNS, STATUSES, history_shortfall, readiness

PATIENTS = "patient_id,diagnosis\nP1,MDS\nP2,MF\nP3,MDS\n"
HB = ("patient_id,day,hb_g_l\nP1,-100,70\nP1,-50,68\nP1,-7,66\nP1,21,80\nP1,140,95\n"
      "P2,-30,75\nP2,0,74\nP2,40,90\nP2,130,92\nP3,10,80\nP3,70,85\n")
DOSES = "patient_id,day,dose_mg_kg\nP1,0,1.0\nP1,21,1.0\nP2,0,1.0\nP2,21,1.0\nP3,0,1.0\n"
TRANSFUSIONS = "patient_id,day,units\nP1,-90,2\n"


def load(**extra: str):
    files = {"patients": PATIENTS, "hb": HB, "doses": DOSES, **extra}
    return load_cohort([(f"{name}.csv", text.encode()) for name, text in files.items()])


def row(frame: pd.DataFrame, area: str) -> pd.Series:
    found = frame[frame["area"] == area]
    assert len(found) == 1, f"{area!r} not in {frame['area'].tolist()}"
    return found.iloc[0]


@pytest.fixture(scope="module")
def minimal():
    return readiness(load(transfusions=TRANSFUSIONS))


def test_one_row_per_page_and_analysis_with_known_statuses(minimal):
    assert list(minimal.columns) == READINESS_COLUMNS
    assert set(minimal["status"]) <= set(STATUSES)
    assert {"Transfusions", "Safety", "IWG 2006", "IWG 2018", "Responses & subgroups"} <= set(minimal["area"])


def test_missing_optional_tables_say_what_to_add(minimal):
    safety = row(minimal, "Safety")
    assert safety["status"] == "missing"
    assert safety["detail"].startswith("No 'events' table") and "add one" in safety["detail"]
    assert row(minimal, "Blasts over time (Safety)")["status"] == "missing"
    no_tx = readiness(load())
    assert row(no_tx, "Transfusions")["status"] == "missing"
    assert "every patient counts as NTD" in row(no_tx, "Transfusions")["detail"]


def test_history_shortfall_counts_days_back_to_the_earliest_record():
    cohort = load(transfusions=TRANSFUSIONS)
    # P1's earliest record in −112…0 is the Hb on day −100 → 100 days ≥ 112 − 21.
    assert history_shortfall(cohort, 112).covered_days == {"P2": 30, "P3": 0}
    # Within 56 days: P1 from day −50 (50 ≥ 35) is fine; P2 30 < 35; P3 none.
    assert history_shortfall(cohort, 56).covered_days == {"P2": 30, "P3": 0}


def test_iwg2018_names_the_short_history_and_short_follow_up(minimal):
    iwg = row(minimal, "IWG 2018")
    assert iwg["status"] == "partial"
    assert "covers only 0–30 of the 112 baseline days for 2 patients (P2, P3)" in iwg["detail"]
    assert "1 patients have less than 112 days of follow-up (P3)" in iwg["detail"]


def test_study_criteria_name_patients_without_baseline_hb(minimal):
    study = row(minimal, "Overview & Patients (study criteria)")
    assert study["status"] == "partial"
    assert "1 of 3 patients have no Hb in days −56 … 0 (P3)" in study["detail"]


def test_parameters_in_force_change_the_window():
    params = {"iwg2018": with_values(CRITERIA["iwg2018"].Params(), baseline_window_days=56, min_followup_days=56)}
    iwg = row(readiness(load(transfusions=TRANSFUSIONS), params), "IWG 2018")
    assert "of the 56 baseline days" in iwg["detail"] and "follow-up" not in iwg["detail"]


def test_single_dose_patients_limit_the_protocol_review(minimal):
    review = row(minimal, "Dose-protocol review")
    assert review["status"] == "partial" and "(P3)" in review["detail"]


def test_only_diagnosis_means_no_real_subgroups(minimal):
    assert row(minimal, "Responses & subgroups")["status"] == "partial"


def test_demo_cohort_is_ready_except_the_16_week_iwg2018_history():
    demo = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"
    frame = readiness(load_cohort(demo, synthetic=True))
    not_ready = frame[frame["status"] != "ready"]
    assert not_ready["area"].tolist() == ["IWG 2018"]
    assert "of the 112 baseline days for 22 patients" in not_ready.iloc[0]["detail"]


def test_the_cohort_is_not_modified():
    cohort = load(transfusions=TRANSFUSIONS)
    before = {name: cohort.table(name).copy() for name in ("patients", "hb", "doses", "transfusions")}
    readiness(cohort)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(cohort.table(name), frame)


def test_safety_readiness_splits_the_event_count_as_the_safety_page_counts():
    """The demo's 37 events are 35 adverse events and 2 disease events (a progression and a
    transformation): the Data page says so, so its count never contradicts the Safety page's."""
    from pathlib import Path

    from lusp.load import load_cohort
    from lusp.readiness import readiness

    cohort = load_cohort(Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx", synthetic=True)
    table = readiness(cohort)
    detail = table.loc[table.iloc[:, 0] == "Safety", "detail"].iloc[0]
    assert detail.startswith("37 events (35 adverse events, 2 disease or other events) for 18 of 22 patients")
