"""The study definitions (SPEC §3) on hand-built cohorts whose values were worked out on paper.

Every expected value below is derived in the comment beside it from the definitions, not
copied from the program's output.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from lusp.analysis import SPEC_COLUMNS, analyze
from lusp.criteria import study
from lusp.criteria.study import StudyParams
from tests.cohort_factory import make_cohort


def three_patients():
    """P1 TD responder, P2 TD non-responder with a transfusion-driven spike, P3 NTD responder."""
    return make_cohort(
        patients=["P1", ("P2", {"last_followup_day": 84}), "P3"],
        hb=[
            # P1: baseline = last Hb in −56…0 = 65 (day −3).
            ("P1", -30, 60), ("P1", -3, 65),
            ("P1", 3, 78),    # 13 days after the day −10 transfusion: affected (excluded from peak)
            ("P1", 5, 80),    # 15 days after: kept
            ("P1", 21, 84),
            ("P1", 35, 120),  # 5 days after the day-30 transfusion: affected, so not the peak
            ("P1", 60, 110), ("P1", 100, 105),
            # P2: the Hb on the day −20 transfusion day is kept; baseline = day 0 value 58.
            ("P2", -20, 55), ("P2", 0, 58),
            ("P2", 5, 75), ("P2", 7, 72),  # affected by the day-2 transfusion
            ("P2", 14, 62),                # affected (12 days after day 2)
            ("P2", 21, 60),                # 19 days after: kept
            ("P2", 35, 70),                # affected by day 30
            ("P2", 56, 61),                # 26 days after day 30: kept
            ("P2", 70, 66),                # affected by day 60
            # P3: NTD, no transfusion at all.
            ("P3", -14, 80), ("P3", -7, 82), ("P3", 7, 85), ("P3", 21, 90), ("P3", 42, 88),
            ("P3", 63, 89), ("P3", 84, 93),
        ],
        transfusions=[
            ("P1", -40, 2), ("P1", -10, 2), ("P1", 30, 1),
            ("P2", -50, 1), ("P2", -20, 2), ("P2", 2, 2), ("P2", 30, 2), ("P2", 60, 2),
        ],
        doses=[
            ("P1", 0, 1.0), ("P1", 21, 1.0), ("P1", 42, 1.0), ("P1", 63, 1.0), ("P1", 84, 1.0),
            ("P2", 0, 1.0), ("P2", 21, 1.0), ("P2", 42, 1.25), ("P2", 63, 1.25),
            ("P3", 0, 1.0), ("P3", 14, 1.0), ("P3", 35, 1.5), ("P3", 56, 1.5), ("P3", 77, 1.5),
        ],
    )


def row(table: pd.DataFrame, patient_id: str) -> dict:
    """One patient's values; every missing value is ``pd.NA`` (so tests can say ``is pd.NA``)."""
    values = table.set_index("patient_id").loc[patient_id].to_dict()
    return {k: pd.NA if v is None or (isinstance(v, float) and math.isnan(v)) else v for k, v in values.items()}


def same(actual, expected) -> bool:
    if expected is None:
        return actual is pd.NA or actual is None or (isinstance(actual, float) and math.isnan(actual))
    if isinstance(expected, float):
        return actual is not pd.NA and actual == pytest.approx(expected, abs=1e-9)
    return actual == expected


EXPECTED = {
    "P1": {
        "td_baseline": True,           # 2 + 2 units on days −40 and −10
        "baseline_hb_g_l": 65.0,       # last Hb in −56…0 (day −3)
        "peak_hb_g_l": 110.0,          # unaffected Hb after day 0: 80, 84, 110, 105 (78 and 120 excluded)
        "hb_rise_g_l": 45.0,           # 110 − 65
        "early_rise": True,            # day 3: 78 > 65 (all values count)
        "units_baseline": 4.0,
        "burden_before_u28": 2.0,      # 4 × 28 / 56
        "burden_after_u28": 0.28,      # end = day 100 (last Hb); 1 unit × 28 / 100
        "burden_reduction_pct": 86.0,  # (2 − 0.28) / 2 × 100
        "longest_tf_days": 70,         # runs 1…29 and 31…100
        "ti_achieved": True,
        "responder": True,
        "evaluable": True,
        "transient_spike": False,      # early peak 80 (day 5), +15, but nothing in days 8–42 ≤ 72.5
        "spike_after_transfusion": None,
        "n_doses": 5,
        "max_dose_mg_kg": 1.0,
        "followup_days": 100,
        "tf_start_day": 31,
        "tf_end_day": 100,
        "peak_hb_day": 60,
        "early_peak_hb_g_l": 80.0,
        "early_peak_day": 5,
        "spike_fall_day": None,
        "outcome": "responder",
        "protocol_findings": None,
        "reason": "TD at baseline (4 U in 8 weeks); no transfusion from day 31 to day 100 (70 days ≥ 56) "
        "→ transfusion independent → responder.",
    },
    "P2": {
        "td_baseline": True,           # 1 + 2 units on days −50 and −20
        "baseline_hb_g_l": 58.0,       # day 0 counts in the baseline window
        "peak_hb_g_l": 61.0,           # unaffected after day 0: 60 (day 21), 61 (day 56)
        "hb_rise_g_l": 3.0,
        "early_rise": True,            # 75, 72, 62 in days 1–14 are > 58
        "units_baseline": 3.0,
        "burden_before_u28": 1.5,      # 3 × 28 / 56
        "burden_after_u28": 2.0,       # 6 units in days 1…84 × 28 / 84
        "burden_reduction_pct": -100 / 3,  # (1.5 − 2) / 1.5 × 100
        "longest_tf_days": 29,         # transfusions on 2, 30, 60 → runs 1, 27, 29 (31…59), 24
        "ti_achieved": False,
        "responder": False,
        "evaluable": True,             # follow-up 84 ≥ 56
        "transient_spike": True,       # early peak 75 (day 5) = +17; day 14: 62 ≤ 75 − 8.5
        "spike_after_transfusion": True,  # transfusion on day 2 ∈ [−2, 5]
        "n_doses": 4,
        "max_dose_mg_kg": 1.25,
        "followup_days": 84,           # last_followup_day
        "tf_start_day": 31,
        "tf_end_day": 59,
        "peak_hb_day": 56,
        "early_peak_hb_g_l": 75.0,
        "early_peak_day": 5,
        "spike_fall_day": 14,
        "outcome": "transient spike",
        "protocol_findings": None,     # escalation on day 42 after 2 doses with burden up: correct
        "reason": "TD at baseline (3 U in 8 weeks); longest transfusion-free interval day 31 to day 59 "
        "(29 days < 56) → not transfusion independent → non-responder; transient Hb spike to 75 g/L on "
        "day 5 fell back by day 14 (transfusion in the week before the peak).",
    },
    "P3": {
        "td_baseline": False,
        "baseline_hb_g_l": 82.0,       # day −7
        "peak_hb_g_l": 93.0,           # day 84
        "hb_rise_g_l": 11.0,
        "early_rise": True,            # day 7: 85 > 82
        "units_baseline": 0.0,
        "burden_before_u28": 0.0,
        "burden_after_u28": 0.0,
        "burden_reduction_pct": None,  # TD only
        "longest_tf_days": 84,         # days 1…84 (end = last Hb, day 84)
        "ti_achieved": True,           # computed for everyone; decides response for TD only
        "responder": True,             # 11 ≥ 10
        "evaluable": True,
        "transient_spike": False,      # early peak 85 = +3 < 10
        "spike_after_transfusion": None,
        "n_doses": 5,
        "max_dose_mg_kg": 1.5,
        "followup_days": 84,
        "outcome": "responder",
        "protocol_findings": (
            "day 14: dose given 14 days after the previous one (protocol: every 21 days, ≥ 18); "
            "day 35: escalated from 1.0 to 1.5 mg/kg, skipping 1.25 (protocol: one step at a time); "
            "info: day 77: kept at 1.5 mg/kg after 2 doses at that level without response (Hb peak 89 g/L "
            "since day 35, rise 7 g/L < 10 g/L; protocol: escalate to 1.75)"
        ),
        "reason": "NTD at baseline; Hb 82 g/L → peak 93 g/L on day 84 (rise 11 g/L ≥ 10 g/L) → responder.",
    },
}


@pytest.mark.parametrize("patient_id", sorted(EXPECTED))
def test_three_patients_every_value(patient_id):
    table = analyze(three_patients()).table
    actual = row(table, patient_id)
    wrong = {k: (actual[k], v) for k, v in EXPECTED[patient_id].items() if not same(actual[k], v)}
    assert wrong == {}


def test_table_has_spec_columns_in_order_and_dtypes():
    table = analyze(three_patients()).table
    assert tuple(table.columns[: len(SPEC_COLUMNS)]) == SPEC_COLUMNS
    assert list(table["patient_id"]) == ["P1", "P2", "P3"]  # the order of the patients table
    for column in ("td_baseline", "early_rise", "ti_achieved", "responder", "evaluable", "transient_spike",
                   "spike_after_transfusion"):
        assert table[column].dtype == "boolean"
    for column in ("baseline_hb_g_l", "peak_hb_g_l", "burden_after_u28", "post_hb_g_l"):
        assert table[column].dtype == "Float64"
    for column in ("longest_tf_days", "n_doses", "followup_days", "tf_start_day"):
        assert table[column].dtype == "Int64"


# ---------------------------------------------------------------------------------------
# Fence posts
# ---------------------------------------------------------------------------------------


def one(patient_rows, tx=(), doses=None, params=None, extra=None, **kwargs):
    """Evaluate a one-patient cohort P; return its row."""
    cohort = make_cohort([("P", dict(extra or {}))], hb=[("P", d, v) for d, v in patient_rows],
                         transfusions=[("P", *t) for t in tx],
                         doses=None if doses is None else [("P", d, v) for d, v in doses])
    return row(study.evaluate(cohort, params or StudyParams(**kwargs)), "P")


@pytest.mark.parametrize("tx_day, td", [(-57, False), (-56, True), (0, True), (1, False)])
def test_baseline_window_includes_day_minus_56_and_day_0(tx_day, td):
    r = one([(-7, 70), (30, 80)], tx=[(tx_day, 1)])
    assert r["td_baseline"] is td
    assert r["units_baseline"] == (1.0 if td else 0.0)


@pytest.mark.parametrize(
    "hb_day, expected_peak",
    [
        (10, 100.0),  # the transfusion day itself: pre-transfusion value, kept
        (11, 80.0),   # t + 1: excluded
        (24, 80.0),   # t + 14: excluded
        (25, 100.0),  # t + 15: kept
    ],
)
def test_transfusion_excludes_hb_on_days_t_plus_1_to_14(hb_day, expected_peak):
    # NTD (the day-10 transfusion is after day 0); the other post Hb is 80 on day 40.
    r = one([(-7, 70), (hb_day, 100), (40, 80)], tx=[(10, 1)])
    assert r["peak_hb_g_l"] == expected_peak


def test_transfusion_before_day_0_also_excludes_early_hb_but_not_baseline():
    # Transfusion on day −5: baseline is "as measured" (Hb day −2 = 90 kept as baseline); the day-9
    # Hb (14 days after) is excluded from response values, the day-10 one (15 days after) is kept.
    r = one([(-2, 90), (9, 120), (10, 95)], tx=[(-5, 2)])
    assert r["baseline_hb_g_l"] == 90.0
    assert r["peak_hb_g_l"] == 95.0
    assert r["early_rise"] is True  # all values count for the early rise: 120 > 90


@pytest.mark.parametrize("second_tx_day, longest, ti", [(57, 55, False), (58, 56, True)])
def test_transfusion_free_run_55_vs_56_days(second_tx_day, longest, ti):
    # TD (day −10); transfusions on day 1 and on day 57/58; follow-up ends that day.
    # Run 2…56 = 55 days, or 2…57 = 56 days; a transfusion on day t breaks the run on day t.
    r = one([(-3, 60), (30, 70)], tx=[(-10, 2), (1, 1), (second_tx_day, 1)],
            extra={"last_followup_day": second_tx_day})
    assert r["longest_tf_days"] == longest
    assert r["tf_start_day"] == 2 and r["tf_end_day"] == second_tx_day - 1
    assert r["ti_achieved"] is ti and r["responder"] is ti and r["evaluable"] is True


def test_ti_threshold_is_a_parameter():
    r = one([(-3, 60), (30, 70)], tx=[(-10, 2)], extra={"last_followup_day": 80}, ti_days=84)
    # Run 1…80 = 80 days < 84 and follow-up 80 < 84: cannot yet be called → not evaluable.
    assert (r["longest_tf_days"], r["ti_achieved"], r["evaluable"]) == (80, False, False)


@pytest.mark.parametrize(
    "baseline, peak, rise, responder",
    [
        (60.1, 70.0, 9.9, False),
        (60.0, 70.0, 10.0, True),
        (60.3, 70.3, 10.0, True),  # 70.3 − 60.3 is 9.999999999999993 in binary floating point
        (60.1, 70.2, 10.1, True),
    ],
)
def test_ntd_rise_9_9_vs_10(baseline, peak, rise, responder):
    r = one([(-1, baseline), (30, peak)])
    assert r["hb_rise_g_l"] == pytest.approx(rise)
    assert r["responder"] is responder


@pytest.mark.parametrize(
    "baseline, early_peak, later_hb, spike",
    [
        (60.0, 80.0, 70.0, True),   # rise 20, falls to 70 = 60 + 20/2: exactly half → spike
        (60.0, 80.0, 70.1, False),  # not quite half
        (60.1, 80.3, 70.2, True),   # rise 20.2, threshold 70.2 (floating point: 60.1 + 10.1)
        (60.1, 80.3, 70.3, False),
        (60.0, 69.9, 60.0, False),  # early rise 9.9 < 10: no spike however far it falls
        (60.0, 70.0, 65.0, True),   # early rise exactly 10
    ],
)
def test_spike_half_fall_boundary(baseline, early_peak, later_hb, spike):
    r = one([(-1, baseline), (3, early_peak), (20, later_hb)])
    assert r["transient_spike"] is spike
    assert r["spike_fall_day"] == 20 if spike else r["spike_fall_day"] is pd.NA


@pytest.mark.parametrize("peak_day, spike", [(7, True), (8, False)])
def test_spike_peak_must_be_in_days_1_to_7(peak_day, spike):
    r = one([(-1, 60), (peak_day, 80), (20, 65)])
    assert r["transient_spike"] is spike


@pytest.mark.parametrize("fall_day, spike", [(42, True), (43, False)])
def test_spike_fall_must_be_by_day_42(fall_day, spike):
    r = one([(-1, 60), (3, 80), (fall_day, 65)])
    assert r["transient_spike"] is spike


@pytest.mark.parametrize("tx_day, after_tx", [(-5, False), (-4, True), (-3, True), (3, True), (4, False)])
def test_spike_after_transfusion_window_is_peak_day_minus_7_to_peak_day(tx_day, after_tx):
    # Early peak on day 3 → window days −4 … 3. The transfusion before day 0 makes the
    # patient TD; the spike itself is judged on all values.
    r = one([(-1, 60), (3, 80), (20, 65)], tx=[(tx_day, 1)])
    assert r["transient_spike"] is True
    assert r["spike_after_transfusion"] is after_tx


@pytest.mark.parametrize("followup, evaluable", [(55, False), (56, True)])
def test_td_follow_up_55_vs_56_days_without_ti(followup, evaluable):
    # TD (day −5); a transfusion on day 10 keeps the longest run (11…end ≤ 46 days) below 56.
    r = one([(-3, 60), (30, 70)], tx=[(-5, 1), (10, 1)], extra={"last_followup_day": followup})
    assert r["ti_achieved"] is False
    assert r["evaluable"] is evaluable
    assert r["responder"] is False
    assert (r["outcome"] == "not evaluable") is (not evaluable)
    if not evaluable:
        assert r["reason"] == (
            "TD at baseline (1 U in 8 weeks); follow-up 55 days < 56 without transfusion independence "
            "→ not evaluable (counted as non-responder)."
        )


def test_td_patient_with_no_follow_up():
    # Only the day-0 dose and a baseline Hb: end of follow-up = day 0 → 0 days.
    r = one([(-3, 60)], tx=[(-5, 2)])
    assert r["followup_days"] == 0
    assert r["burden_after_u28"] is pd.NA          # 0 units over 0 days cannot be a rate
    assert r["burden_reduction_pct"] is pd.NA
    assert r["longest_tf_days"] == 0 and r["tf_start_day"] is pd.NA
    assert (r["evaluable"], r["responder"]) == (False, False)
    assert r["not_evaluable_reason"] == "no follow-up after day 0"
    assert r["peak_hb_g_l"] is pd.NA and r["early_rise"] is False


def test_ntd_patient_with_no_baseline():
    r = one([(20, 80), (40, 85)])
    assert r["baseline_hb_g_l"] is pd.NA
    assert r["peak_hb_g_l"] == 85.0                 # reported even without a baseline
    assert r["hb_rise_g_l"] is pd.NA
    assert r["early_rise"] is pd.NA and r["transient_spike"] is pd.NA and r["spike_after_transfusion"] is pd.NA
    assert (r["evaluable"], r["responder"], r["outcome"]) == (False, False, "not evaluable")
    assert r["reason"] == ("NTD at baseline; no baseline Hb in days −56 to 0 → not evaluable "
                           "(counted as non-responder).")


def test_ntd_patient_whose_only_post_hb_is_transfusion_affected():
    # Transfusion on day 5 (after day 0: still NTD); the only post Hb (day 12) is affected.
    r = one([(-2, 80), (12, 100)], tx=[(5, 1)])
    assert r["peak_hb_g_l"] is pd.NA
    assert r["evaluable"] is False
    assert r["not_evaluable_reason"] == "no transfusion-unaffected Hb after day 0"


def test_ntd_short_follow_up_is_still_evaluable():
    # SPEC names only "no baseline" and "no usable post Hb" for NTD; a 20-day follow-up with a
    # rise of 12 is a responder (the TD follow-up rule is about time for a 56-day run).
    r = one([(-2, 80), (20, 92)])
    assert (r["followup_days"], r["evaluable"], r["responder"]) == (20, True, True)


def test_early_rise_false_without_hb_in_days_1_to_14_and_strictly_above():
    assert one([(-2, 80), (15, 100)])["early_rise"] is False
    assert one([(-2, 80), (14, 80)])["early_rise"] is False  # equal is not a rise
    assert one([(-2, 80), (14, 80.1)])["early_rise"] is True


def test_several_hb_on_one_day_take_the_lowest_as_last_and_highest_as_peak():
    # Day −1 has 70 and 95 (e.g. pre- and post-transfusion draws): baseline = 70 whatever the row order.
    r = one([(-1, 95), (-1, 70), (30, 90), (30, 84)])
    assert r["baseline_hb_g_l"] == 70.0
    assert r["peak_hb_g_l"] == 90.0


def test_records_after_last_followup_day_are_ignored():
    r = one([(-2, 80), (20, 85), (90, 120)], tx=[(60, 1)], extra={"last_followup_day": 50})
    assert r["peak_hb_g_l"] == 85.0
    assert r["longest_tf_days"] == 50 and r["burden_after_u28"] == 0.0


def test_non_rbc_transfusions_do_not_count():
    cohort = make_cohort(["P"], hb=[("P", -2, 70), ("P", 5, 90)], transfusions=[("P", -3, 2, "platelets")])
    r = row(study.evaluate(cohort), "P")
    assert r["td_baseline"] is False and r["peak_hb_g_l"] == 90.0


@pytest.mark.parametrize(
    "measure, expected",
    [
        ("peak", 110.0),  # highest unaffected Hb after day 0
        ("last", 95.0),   # the last unaffected one (day 60); day 70's 130 is 5 days after a transfusion
        ("mean_d29", 102.5),  # unaffected Hb from day 29: 110 (day 40), 95 (day 60) → 102.5
    ],
)
def test_post_hb_measure(measure, expected):
    r = one([(-2, 70), (20, 90), (40, 110), (60, 95), (70, 130)], tx=[(65, 1)], post_hb=measure)
    assert r["post_hb_g_l"] == expected


def test_evaluate_does_not_mutate_the_cohort():
    cohort = three_patients()
    before = {name: cohort.table(name).copy() for name in ("patients", "hb", "transfusions", "doses")}
    analyze(cohort)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(cohort.table(name), frame)


def test_row_order_never_changes_results():
    cohort = three_patients()
    shuffled = type(cohort)(
        patients=cohort.patients,
        hb=cohort.hb.sample(frac=1, random_state=3).reset_index(drop=True),
        transfusions=cohort.transfusions.sample(frac=1, random_state=4).reset_index(drop=True),
        doses=cohort.doses.sample(frac=1, random_state=5).reset_index(drop=True),
        events=cohort.events,
        labs=cohort.labs,
    )
    a, b = analyze(cohort), analyze(shuffled)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.findings, b.findings)


def test_empty_cohort_gives_empty_table():
    cohort = make_cohort([], doses=[])
    table = analyze(cohort).table
    assert len(table) == 0 and tuple(table.columns[: len(SPEC_COLUMNS)]) == SPEC_COLUMNS


def test_subset_equals_analysis_of_the_sub_cohort():
    cohort = three_patients()
    full = analyze(cohort).subset(["P3", "P1"])
    alone = analyze(cohort.subset(["P1", "P3"]))
    pd.testing.assert_frame_equal(full.table, alone.table)
    pd.testing.assert_frame_equal(full.findings, alone.findings)
    assert list(full.hb["patient_id"].unique()) == ["P1", "P3"]
