"""A baseline window longer than the recorded pre-treatment data (issue 12), by hand.

IWG 2018's window is days −112 … 0 (16 weeks). A patient whose first pre-treatment record
is on day −52 has 52 of those 112 days recorded (the gap of 60 days exceeds
``RECORD_GAP_DAYS`` = 28, so the window is not complete); one whose record starts on day
−112 has all 112. Every patient's last record is an Hb of 85 g/L on day 170.

| patient     | record     | baseline units        | IWG 2018 by hand                                   |
|-------------|------------|-----------------------|----------------------------------------------------|
| full112     | −112 … 0   | 3+2+2+2 = 9 U         | 9 U in 112 days → HTB; burden 9·28/112 = 2.25/28 d |
| short-htb   | −52 … 0    | 3+2+2+2 = 9 U (≥)     | ≥ 9 ≥ 8 → HTB whatever the unrecorded days held;   |
|             |            |                       | burden over recorded days 9·28/52 = 4.846/28 d     |
|             |            |                       | (never 9·28/112 = 2.25); no tx after → TI → major  |
| short-ltb   | −52 … 0    | 1+1 = 2 U (≥)         | could be LTB or HTB → not assigned, not evaluable  |
| short-ntd   | −52 … 0    | 0 U in 52 days        | 0 in 52 days is not "0 in 16 weeks" → not assigned |
| short-minor | −52 … 0    | 9 U (≥), HTB          | after: 1 U d30, 2 U d80, 1 U d130: no 56-day free  |
|             |            |                       | run (29, 49, 49, 38); days 1–112: 3 U ≤ 50 % × 9 = |
|             |            |                       | 4.5 ≤ 50 % of any true count ≥ 9 → minor response  |
| short-undec | −52 … 0    | 9 U (≥), HTB          | after: 2 U d30, 3 U d80, 1 U d130: 5 U > 4.5 but a |
|             |            |                       | true count ≥ 10 would allow 5 → cannot be judged   |
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.criteria import iwg2018, study
from lusp.timeline import RECORD_GAP_DAYS, window_coverage
from tests.cohort_factory import make_cohort

NINE_FULL = [(-112, 3), (-80, 2), (-40, 2), (-10, 2)]
NINE_SHORT = [(-50, 3), (-37, 2), (-24, 2), (-11, 2)]

PATIENTS = {
    "full112": ([(-112, 80.0), (-30, 80.0)], NINE_FULL),
    "short-htb": ([(-52, 80.0), (-30, 80.0)], NINE_SHORT),
    "short-ltb": ([(-52, 80.0), (-30, 80.0)], [(-40, 1), (-20, 1)]),
    "short-ntd": ([(-52, 80.0), (-30, 80.0), (20, 100.0), (90, 100.0)], []),
    "short-minor": ([(-52, 80.0), (-30, 80.0)], NINE_SHORT + [(30, 1), (80, 2), (130, 1)]),
    "short-undec": ([(-52, 80.0), (-30, 80.0)], NINE_SHORT + [(30, 2), (80, 3), (130, 1)]),
}

COHORT = make_cohort(
    patients=list(PATIENTS),
    hb=[(pid, d, v) for pid, (hb, _) in PATIENTS.items() for d, v in hb + [(170, 85.0)]],
    transfusions=[(pid, d, u) for pid, (_, tx) in PATIENTS.items() for d, u in tx],
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return iwg2018.evaluate(COHORT).set_index("patient_id")


@pytest.mark.parametrize("first_day, window, recorded, complete", [
    (-52, 112, 52, False),
    (-112, 112, 112, True),
    (-150, 112, 112, True),  # records before the window: still the window
    (-84, 112, 112, True),  # a gap of exactly RECORD_GAP_DAYS counts as recorded
    (-83, 112, 83, False),  # one day more does not
    (0, 112, 0, False),
    (-39, 56, 56, True),  # the study set's 8-week window over the demo's records
])
def test_window_coverage_fence_posts(first_day, window, recorded, complete):
    assert RECORD_GAP_DAYS == 28
    got_recorded, got_complete = window_coverage([first_day], window)
    assert (int(got_recorded[0]), bool(got_complete[0])) == (recorded, complete)


def test_coverage_columns(table):
    assert table.loc["full112", "baseline_recorded_days"] == 112
    assert bool(table.loc["full112", "baseline_complete"])
    assert table.loc["short-htb", "baseline_recorded_days"] == 52
    assert not bool(table.loc["short-htb", "baseline_complete"])
    assert (table["baseline_window_days"] == 112).all()


def test_burden_is_never_spread_over_unrecorded_days(table):
    assert table.loc["full112", "burden_before_u28"] == pytest.approx(9 * 28 / 112)  # 2.25
    assert table.loc["short-htb", "burden_before_u28"] == pytest.approx(9 * 28 / 52)  # 4.846
    assert table.loc["full112", "baseline_units_text"] == "9 U in 112 days"
    assert table.loc["short-htb", "baseline_units_text"] == "≥ 9 U in 52 recorded of 112 days"


def test_categories_with_a_partial_record(table):
    assert table.loc["full112", "category"] == "HTB"
    assert table.loc["short-htb", "category"] == "HTB"
    for pid in ("short-ltb", "short-ntd"):
        assert table.loc[pid, "category"] == iwg2018.NOT_ASSIGNED
        assert not bool(table.loc[pid, "evaluable"]) and not bool(table.loc[pid, "responder"])
        assert table.loc[pid, "not_evaluable_reason"] == (
            "the pre-treatment record covers 52 of the 112 days IWG 2018 needs to assign a transfusion-burden category")
        assert table.loc[pid, "reason"].startswith("category not assigned (")


def test_htb_response_with_a_partial_record(table):
    assert bool(table.loc["short-htb", "responder"]) and table.loc["short-htb", "response_type"] == "major"
    assert bool(table.loc["short-minor", "responder"]) and table.loc["short-minor", "response_type"] == "minor"
    assert table.loc["short-minor", "units_minor_window"] == 3
    undecided = table.loc["short-undec"]
    assert not bool(undecided["evaluable"]) and not bool(undecided["responder"])
    assert undecided["not_evaluable_reason"] == (
        "minor response cannot be judged: the baseline count is ≥ 9 U in 52 recorded of 112 days")
    assert "HTB (≥ 9 U in 52 recorded of 112 days" in undecided["reason"]


def test_study_set_keeps_its_8_week_burden_on_a_full_record():
    # The study set's window is 56 days: both records cover it (gaps 0 and 4 ≤ 28 days).
    table = study.evaluate(COHORT).set_index("patient_id")
    assert table.loc["full112", "baseline_units_text"] == "4 U in 56 days"  # days −56 … 0: 2 + 2
    assert table.loc["short-htb", "burden_before_u28"] == pytest.approx(9 * 28 / 56)
    assert table.loc["short-htb", "baseline_units_text"] == "9 U in 56 days"
