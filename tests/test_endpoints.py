"""Trial endpoints (MEDALIST RBC-TI ≥ 8 / ≥ 12 weeks, COMMANDS composite) worked by hand.

Window days 1 … 168; TD patients received 2 U on day −20; pre-treatment Hb for COMMANDS =
mean of transfusion-unaffected Hb in days −56 … 0 (the day −10 value, 10 days after the
transfusion, is excluded). Every patient's last record is on day 200 unless stated.
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp import endpoints
from lusp.criteria import iwg2018, study
from tests.cohort_factory import make_cohort

PRE = [(-30, 70.0), (-10, 95.0)]  # pre-treatment Hb 70 (95 is transfusion-affected)


def _hb(pid, values, end=200):
    return [(pid, d, v) for d, v in PRE + values + [(end, 80.0)]]


COHORT = make_cohort(
    patients=["ti56", "ti-none", "rise15", "rise14.9", "cut168", "ntd"],
    hb=[
        # ti56: transfused days 57 and 113 → runs 1–56 (56), 58–112 (55), 114–168 (55):
        # TI ≥ 8 weeks yes, ≥ 12 weeks no, COMMANDS no.
        *_hb("ti56", [(30, 80.0)]),
        # ti-none: transfused days 56, 111, 166 → runs 55, 54, 54, 2 → nothing.
        *_hb("ti-none", [(30, 80.0)]),
        # rise15: never transfused after day 0 → run 1–168; Hb 85, 86, 84 inside (mean 85)
        # − 70 = 15 ≥ 15 → COMMANDS yes (the day-200 value is outside the window).
        *_hb("rise15", [(30, 85.0), (60, 86.0), (120, 84.0)]),
        # rise14.9: the same with mean 84.9 → rise 14.9 → COMMANDS no, TI ≥ 12 weeks yes.
        *_hb("rise14.9", [(30, 84.9), (60, 84.9), (120, 84.9)]),
        # cut168: transfused days 60 and 140, then free until day 300: inside 1 … 168 the
        # runs are 59, 79 and 28 days → TI ≥ 8 weeks yes, ≥ 12 weeks no.
        *_hb("cut168", [(30, 80.0)], end=300),
        # ntd: no transfusion at baseline → endpoints not applicable (NA).
        ("ntd", -30, 100.0), ("ntd", 200, 100.0),
    ],
    transfusions=[
        *[(pid, -20, 2) for pid in ("ti56", "ti-none", "rise15", "rise14.9", "cut168")],
        ("ti56", 57, 1), ("ti56", 113, 1),
        ("ti-none", 56, 1), ("ti-none", 111, 1), ("ti-none", 166, 1),
        ("cut168", 60, 1), ("cut168", 140, 1),
    ],
)

EXPECTED = {
    # patient: (ti8, ti12, commands, longest run in window)
    "ti56": (True, False, False, 56),
    "ti-none": (False, False, False, 55),
    "rise15": (True, True, True, 168),
    "rise14.9": (True, True, False, 168),
    "cut168": (True, False, False, 79),
    "ntd": (None, None, None, 168),
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return endpoints.trial_endpoints(COHORT, study.evaluate(COHORT)).set_index("patient_id")


@pytest.mark.parametrize("pid", list(EXPECTED))
def test_endpoints(table, pid):
    ti8, ti12, commands, run = EXPECTED[pid]
    row = table.loc[pid]
    got = tuple(None if pd.isna(row[c]) else bool(row[c]) for c in ("medalist_ti8", "medalist_ti12", "commands_response"))
    assert got == (ti8, ti12, commands)
    assert row["endpoint_tf_days"] == run


def test_concurrent_mean_and_rise(table):
    assert table.loc["rise15", "endpoint_mean_hb_g_l"] == 85
    assert table.loc["rise15", "endpoint_hb_rise_g_l"] == 15
    assert table.loc["rise14.9", "endpoint_hb_rise_g_l"] == pytest.approx(14.9)
    assert (table.loc["cut168", "endpoint_tf_start_day"], table.loc["cut168", "endpoint_tf_end_day"]) == (61, 139)


def test_added_under_any_set_and_rates():
    for evaluate in (study.evaluate, iwg2018.evaluate):
        per_patient = evaluate(COHORT)
        combined = endpoints.add_trial_endpoints(COHORT, per_patient)
        assert list(combined.columns) == list(per_patient.columns) + list(endpoints.ENDPOINT_COLUMNS)
        assert combined["medalist_ti8"].dtype == "boolean"
        # Appending twice replaces rather than duplicates.
        again = endpoints.add_trial_endpoints(COHORT, combined)
        assert list(again.columns) == list(combined.columns)
    rates = endpoints.endpoint_rates(endpoints.add_trial_endpoints(COHORT, study.evaluate(COHORT))).set_index("endpoint")
    # TD patients: 5; TI ≥ 8 weeks in ti56, rise15, rise14.9, cut168 → 4/5.
    assert (rates.loc["medalist_ti8", "k"], rates.loc["medalist_ti8", "n"]) == (4, 5)
    assert (rates.loc["commands_response", "k"], rates.loc["commands_response", "n"]) == (1, 5)
    assert "MEDALIST" in endpoints.methods_text() and "COMMANDS" in endpoints.methods_text()


def test_unknown_patient_is_an_error_not_a_silent_row():
    with pytest.raises(ValueError):
        endpoints.trial_endpoints(COHORT, pd.DataFrame({"patient_id": ["nobody"], "td_baseline": [True]}))
