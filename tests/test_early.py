"""The two-dose review and the early-sign 2 × 2 tables, worked by hand (issue 14).

Every TD patient below has an Hb on day −56 (so the record covers the whole 8-week baseline
window and the burden is spread over all 56 days), received 4 U on day −20 (baseline burden
4 × 28 / 56 = 2.0 U/28 d; the
Hb of days −19 … −6 is transfusion-affected) and has a baseline Hb of 60 g/L on day 0 (the last
Hb of days −56 … 0). Follow-up ends on day 120 (``last_followup_day``) unless stated.
"Failing" TD patients are transfused 2 U on days 20, 40, 60, 80, 100: their longest
transfusion-free run is 19 days (< 56) → no TI → non-responder. Responders are never transfused
after day 0: run 1 … 120 = 120 days → TI.

Spike rule (SPEC §3): early peak = highest Hb of days 1–7; spike when peak − 60 ≥ 10 and some Hb
of days 8–42 is ≤ 60 + rise / 2.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lusp import early
from lusp.analysis import analyze
from lusp.protocol.decision import first_review_day, recommend
from lusp.protocol.study import StudyProtocolParams
from tests.cohort_factory import make_cohort

FOLLOW = {"last_followup_day": 120}
BASE_TX = -20
FAIL_TX = (20, 40, 60, 80, 100)
DOSES_EVERY_21 = (0, 21, 42, 63, 84, 105)


def _patient(pid, hb, *, td=True, fail=False, extra_tx=(), end=120, doses=DOSES_EVERY_21):
    tx = ([(pid, BASE_TX, 4)] if td else []) + ([(pid, d, 2) for d in FAIL_TX] if fail else []) + list(extra_tx)
    return {
        "patient": (pid, {"last_followup_day": end}),
        "hb": ([(pid, -56, 60.0)] if td else []) + [(pid, d, v) for d, v in hb],
        "tx": tx,
        "doses": [(pid, d, 1.0) for d in doses if d <= end],
    }


def _cohort(*patients):
    return make_cohort(
        patients=[p["patient"] for p in patients],
        hb=[row for p in patients for row in p["hb"]],
        transfusions=[row for p in patients for row in p["tx"]],
        doses=[row for p in patients for row in p["doses"]],
    )


SPIKE = [(0, 60.0), (7, 75.0), (14, 62.0), (30, 63.0), (41, 64.0)]  # +15 on day 7, 62 ≤ 67.5 on day 14
FLAT = [(0, 60.0), (7, 62.0), (14, 63.0), (30, 63.0), (41, 64.0)]  # +2: no spike

# One patient per cell of spike_vs_failure (positive = spike; outcome positive = failure).
TP = _patient("TP", SPIKE, fail=True)
FP = _patient("FP", SPIKE)
FN = _patient("FN", FLAT, fail=True)
TN = _patient("TN", FLAT)
NTD = _patient("NTD", [(0, 70.0), (30, 85.0)], td=False)  # NTD responder (rise 15): not in the TD tables
# TD, follow-up 40 days, transfused on day 20 → no TI and < 56 days → not evaluable.
NOT_EVALUABLE = _patient("NE", SPIKE, extra_tx=[("NE", 20, 2)], end=40)


@pytest.fixture(scope="module")
def four_cells():
    return analyze(_cohort(TP, FP, FN, TN, NTD, NOT_EVALUABLE))


def test_each_patient_is_what_the_fixture_says(four_cells):
    t = four_cells.table.set_index("patient_id")
    assert t.loc[["TP", "FP", "FN", "TN"], "transient_spike"].tolist() == [True, True, False, False]
    assert t.loc[["TP", "FP", "FN", "TN", "NTD"], "responder"].tolist() == [False, True, False, True, True]
    assert not t.loc["NE", "evaluable"]


def test_spike_vs_failure_has_one_patient_in_every_cell(four_cells):
    sign = early.early_signs(four_cells)["spike_vs_failure"]
    assert (sign.group, sign.tp, sign.fp, sign.fn, sign.tn) == ("TD", 1, 1, 1, 1)
    assert sign.n_not_evaluable == 1  # NE is TD but has no outcome: counted, not tabled
    assert sign.n_excluded == 0
    rates = sign.rates()
    # Each rate is 1 of 2 = 0.5, exact CI = R binom.test(1, 2)$conf.int = 0.01257912 0.98742088.
    for key in ("sensitivity", "specificity", "ppv", "npv"):
        assert rates[key]["est"] == 0.5 and (rates[key]["k"], rates[key]["n"]) == (1, 2)
        assert rates[key]["lo"] == pytest.approx(0.01257912, abs=1e-7)
        assert rates[key]["hi"] == pytest.approx(0.98742088, abs=1e-7)


@pytest.mark.parametrize("peak_day, is_spike", [(7, True), (8, False)])
def test_spike_on_day_7_counts_and_on_day_8_does_not(peak_day, is_spike):
    # The TP patient with its +15 peak moved from day 7 to day 8 (outside the early-peak window):
    # no spike, so the failing patient moves from TP to FN.
    hb = [(0, 60.0), (peak_day, 75.0), (14, 62.0), (30, 63.0), (41, 64.0)]
    results = analyze(_cohort(_patient("X", hb, fail=True), FP, FN, TN))
    sign = early.early_signs(results)["spike_vs_failure"]
    assert (sign.tp, sign.fp, sign.fn, sign.tn) == ((1, 1, 1, 1) if is_spike else (0, 1, 2, 1))


# The spike falls back only on day 42: seen at a review on day 42, not yet on day 41.
LATE_FALL = _patient("LATE", [(0, 60.0), (7, 75.0), (30, 72.0), (42, 62.0)], fail=True)


@pytest.mark.parametrize("review_day, seen", [(42, True), (41, False)])
def test_spike_seen_only_once_it_has_fallen(review_day, seen):
    results = analyze(_cohort(LATE_FALL, FP, TN))
    picture = early.review_picture(results, review_day).set_index("patient_id")
    assert bool(picture.loc["LATE", "spike_seen"]) is seen
    sign = early.early_signs(results, review_day)["spike_vs_failure"]
    assert (sign.tp, sign.fn) == ((1, 0) if seen else (0, 1))


# 3 U on day 42: burden so far at day 42 = 3 × 28 / 42 = 2.0 U/28 d = baseline → reduction 0 %
# (< 33: no sign); at day 41 there is no unit yet → reduction 100 % (sign present).
TX_ON_42 = _patient("T42", FLAT, extra_tx=[("T42", 42, 3)], fail=False)


@pytest.mark.parametrize("review_day, units, reduction, sign_present", [(42, 3.0, 0.0, False), (41, 0.0, 100.0, True)])
def test_burden_so_far_counts_a_transfusion_on_the_review_day(review_day, units, reduction, sign_present):
    results = analyze(_cohort(TX_ON_42, TP))
    row = early.review_picture(results, review_day).set_index("patient_id").loc["T42"]
    assert row["units_so_far"] == units
    assert row["burden_reduction_so_far_pct"] == reduction
    # T42 is a responder (one transfusion on day 42; runs 1–41 and 43–120 = 78 ≥ 56).
    sign = early.early_signs(results, review_day)["burden_reduction_vs_failure"]
    assert (sign.fp, sign.tn) == ((1, 0) if sign_present else (0, 1))


def test_review_day_hb_uses_transfusion_unaffected_values_only():
    # 2 U on day 30: the day-40 Hb (95, 10 days later) is affected; the review-day Hb is the
    # day-28 value 72 → change 72 − 60 = +12. The day-7 value (65) is earlier.
    patient = _patient("U", [(0, 60.0), (7, 65.0), (28, 72.0), (40, 95.0)], extra_tx=[("U", 30, 2)])
    results = analyze(_cohort(patient, TP))
    row = early.review_picture(results, 42).set_index("patient_id").loc["U"]
    assert (row["review_hb_g_l"], row["review_hb_day"], row["hb_change_g_l"]) == (72.0, 28, 12.0)
    # Review day 27: the last unaffected Hb in days 1 … 27 is day 7's 65 → +5.
    row = early.review_picture(results, 27).set_index("patient_id").loc["U"]
    assert (row["review_hb_g_l"], row["hb_change_g_l"]) == (65.0, 5.0)


@pytest.mark.parametrize("change, present", [(10.0, True), (9.9, False)])
def test_early_rise_sign_fence_post_at_the_threshold(change, present):
    patient = _patient("R", [(0, 60.0), (28, 60.0 + change)])
    results = analyze(_cohort(patient, TP))
    sign = early.early_signs(results, 42)["early_rise_vs_failure"]
    # R is a responder: the sign present makes it a false positive, absent a true negative.
    assert sign.group == "all"
    assert (sign.fp, sign.tn) == ((1, 0) if present else (0, 1))


def test_misled_patients_come_first_failures_before_late_responders():
    # LATER: a responder transfused on days 10 and 30 (burden so far at 42 = 4 × 28 / 42 = 2.67 ≥ 2.0
    # → reduction < 33 % → the protocol says escalate), transfusion-free from day 31 to 120 (90 ≥ 56)
    # → responder: its day-42 picture looked like a failure.
    later = _patient("LATER", FLAT, extra_tx=[("LATER", 10, 2), ("LATER", 30, 2)])
    results = analyze(_cohort(TN, FN, later, TP))
    picture = early.review_picture(results)
    assert picture["patient_id"].tolist() == ["TP", "LATER", "TN", "FN"]
    assert picture["misled"].tolist() == [True, True, False, False]
    assert picture.loc[0, "misled_how"].startswith("Looked like a response (Hb rose 15 g/L in week 1 and fell back by "
                                                   "day 14")
    assert picture.loc[1, "action"] == "escalate"
    assert picture.loc[1, "misled_how"].startswith("Looked like a failure (burden was up 33.3 % by day 42")
    assert picture["review_day"].eq(42).all()


def test_review_display_words_and_units(four_cells):
    shown = early.review_display(early.review_picture(four_cells), hb_unit="g/dL").set_index("Patient")
    # TP: the day-41 Hb is 1 day after the day-40 transfusion and the day-30 Hb 10 days after the day-20
    # one (both affected), so the review-day Hb is day 14's 62 → 62 − 60 = +2 g/L = +0.2 g/dL.
    # Burden so far: 2 U on days 20 and 40 → 4 × 28 / 42 = 2.67 U/28 d against 2.0 → up 33 %.
    assert shown.loc["TP", "Hb change at review (g/dL)"] == "+0.2"
    assert shown.loc["TP", "Week-1 rise (g/dL)"] == "+1.5"
    assert shown.loc["TP", "Protocol says"] == "escalate at 1.25 mg/kg"
    assert shown.loc["TP", "Burden U/28 d: before → so far"] == "2 → 2.7 (+33 %)"
    assert shown.loc["NTD", "Burden U/28 d: before → so far"] == "NTD"
    assert shown.loc["NE", "Protocol says"] == "off study"


def test_misled_sentence_in_the_display_unit(four_cells):
    picture = early.review_picture(four_cells, hb_unit="g/dL").set_index("patient_id")
    assert picture.loc["TP", "misled_how"].startswith("Looked like a response (Hb rose 1.5 g/dL in week 1")
    assert picture.loc["TP", "first_week_rise_g_l"] == 15.0  # the numbers stay in g/L


def test_review_picture_does_not_change_the_results_table(four_cells):
    before = four_cells.table.copy()
    early.review_picture(four_cells)
    early.early_signs(four_cells)
    pd.testing.assert_frame_equal(four_cells.table, before)


def test_bad_review_day_is_refused(four_cells):
    with pytest.raises(ValueError, match="day 1 or later"):
        early.review_picture(four_cells, 0)


# --------------------------------------------------------------------------------------
# The protocol's recommendation (lusp.protocol.decision)
# --------------------------------------------------------------------------------------


def test_first_review_is_two_doses_every_21_days():
    assert first_review_day() == 42
    assert first_review_day("label-mds") == 42
    assert first_review_day("study", StudyProtocolParams(doses_per_level=3)) == 63


def test_recommendation_at_the_review_day_quotes_the_rule(four_cells):
    table = four_cells.table
    decision = recommend(four_cells.cohort, table, 42).set_index("patient_id")
    # TP: 2 doses at 1.0 (days 0, 21); days 0 … 41 hold 2 U (day 20, 40) → 4 U × 28 / 42 = 2.67 ≥ 2.0
    # → reduction −33.3 % < 33 % → escalate to 1.25 mg/kg.
    assert decision.loc["TP", "action"] == "escalate"
    assert decision.loc["TP", "recommended_dose_mg_kg"] == 1.25
    assert decision.loc["TP", "given_dose_mg_kg"] == 1.0 and decision.loc["TP", "given_day"] == 42
    assert "reduction -33.3 % (< 33 %)" in decision.loc["TP", "judged"]
    assert decision.loc["TP", "rule"].startswith("Study protocol: after ≥ 2 doses at a level without response")
    # TN: no unit since day 0 → reduction 100 % ≥ 33 → continue at 1.0.
    assert (decision.loc["TN", "action"], decision.loc["TN", "recommended_dose_mg_kg"]) == ("continue", 1.0)
    # NTD: peak unaffected Hb 85 (day 30) − 70 = 15 ≥ 10 → continue.
    assert decision.loc["NTD", "action"] == "continue"
    # NE: follow-up ended on day 40.
    assert decision.loc["NE", "action"] == "off study"


@pytest.mark.parametrize("review_day, action", [(21, "continue"), (22, "escalate")])
def test_recommendation_needs_two_doses_at_the_level(four_cells, review_day, action):
    # On day 21 only the day-0 dose was given before (too early); on day 22 the doses of days 0
    # and 21 are: TP's 2 U on day 20 in 22 days = 2.5 U/28 d ≥ 2.0 → escalate.
    decision = recommend(four_cells.cohort, four_cells.table, review_day).set_index("patient_id")
    assert decision.loc["TP", "action"] == action
    assert decision.loc["TP", "doses_at_level"] == (1 if review_day == 21 else 2)


def test_hold_rule_at_the_review_day():
    # Pre-dose Hb 118 on day 42 with no transfusion in days 21 … 41 → hold (study protocol's safety rule).
    patient = _patient("H", [(0, 60.0), (35, 110.0), (42, 118.0)])
    results = analyze(_cohort(patient))
    decision = recommend(results.cohort, results.table, 42).set_index("patient_id")
    assert decision.loc["H", "action"] == "hold"
    assert pd.isna(decision.loc["H", "recommended_dose_mg_kg"])
    assert "hold the dose when the pre-dose Hb is ≥ 115 g/L" in decision.loc["H", "rule"]


def test_label_protocol_escalates_when_not_transfusion_free(four_cells):
    decision = recommend(four_cells.cohort, four_cells.table, 42, "label-mds").set_index("patient_id")
    assert decision.loc["TP", "action"] == "escalate"
    assert decision.loc["TP", "recommended_dose_mg_kg"] == 1.33
    assert decision.loc["TN", "action"] == "continue"


# --------------------------------------------------------------------------------------
# Rates and their exact intervals
# --------------------------------------------------------------------------------------


def test_rates_match_r_binom_test():
    sign = early.SignTable("s", "s", "TD", tp=6, fp=0, fn=1, tn=9, n_excluded=0, n_not_evaluable=0)
    rates = sign.rates()
    # R: binom.test(6, 7)$conf.int → 0.4212768 0.9963897; binom.test(9, 9) → 0.6637329 1;
    # binom.test(6, 6) → 0.5407419 1; binom.test(9, 10) → 0.5549839 0.9974714.
    expected = {"sensitivity": (6 / 7, 0.4212768, 0.9963897), "specificity": (1.0, 0.6637329, 1.0),
                "ppv": (1.0, 0.5407419, 1.0), "npv": (0.9, 0.5549839, 0.9974714)}
    for key, (est, lo, hi) in expected.items():
        assert rates[key]["est"] == pytest.approx(est)
        assert rates[key]["lo"] == pytest.approx(lo, abs=1e-7)
        assert rates[key]["hi"] == pytest.approx(hi, abs=1e-7)


def test_rate_without_denominator_is_none():
    sign = early.SignTable("s", "s", "TD", tp=0, fp=0, fn=2, tn=3, n_excluded=0, n_not_evaluable=0)
    rates = sign.rates()
    assert rates["ppv"] == {"est": None, "lo": None, "hi": None, "k": 0, "n": 0}
    assert rates["npv"]["est"] == pytest.approx(0.6)


def test_demo_cohort_reproduces_six_of_seven():
    from pathlib import Path

    from lusp.load import load_cohort

    results = analyze(load_cohort(Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx", synthetic=True))
    sign = early.early_signs(results)["spike_vs_failure"]
    # SPEC §1: 7 TD failures, 6 of them with the transient first-week spike; no TD responder spikes.
    assert (sign.tp, sign.fp, sign.fn, sign.tn) == (6, 0, 1, 9)


# --------------------------------------------------------------------------------------
# Hb over time by outcome: weekly means and the mixed model
# --------------------------------------------------------------------------------------


def test_weekly_mean_counts_each_patient_once_per_week():
    # Two NTD responders. Week 1 (days 7–13): A has 70 (day 7) and 80 (day 8) → 75; B has 85 →
    # mean of 75 and 85 = 80; SD 7.071, SE 5, t(0.975, 1) = 12.706 → 80 ± 63.53.
    a = _patient("A", [(-7, 60.0), (7, 70.0), (8, 80.0), (40, 80.0)], td=False)
    b = _patient("B", [(-7, 60.0), (10, 85.0), (40, 80.0)], td=False)
    weekly = early.weekly_hb(analyze(_cohort(a, b)))
    week1 = weekly[(weekly["group"] == "responder") & (weekly["week"] == 1)].iloc[0]
    assert week1["n_patients"] == 2 and week1["mean_hb_g_l"] == pytest.approx(80.0)
    assert week1["ci_low"] == pytest.approx(80 - 63.5310, abs=1e-3)
    assert week1["ci_high"] == pytest.approx(80 + 63.5310, abs=1e-3)
    assert weekly[weekly["week"] == -1]["n_patients"].tolist() == [2]  # day −7 is week −1


def test_courses_leave_out_transfusion_affected_hb():
    courses = early.hb_courses(analyze(_cohort(TP)))
    # TP is transfused on days 20, 40, …: Hb of days 21–34 and 41–54 would be affected; TP's
    # values on days 30 and 41 are; days −56 (before the day −20 transfusion), 0, 7, 14 are not.
    assert courses["day"].tolist() == [-56, 0, 7, 14]


def _simulated_courses(slope, n_patients=40, seed=7):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_patients):
        intercept = 80 + rng.normal(0, 8)
        own_slope = slope + rng.normal(0, 0.2)
        for day in range(15, 155, 7):
            rows.append({"patient_id": f"S{i}", "day": day, "hb_g_l": intercept + own_slope * day / 7 + rng.normal(0, 3)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("slope", [0.6, -0.4, 0.0])
def test_mixed_model_recovers_a_known_slope(slope):
    fit = early.fit_slope(_simulated_courses(slope))
    assert fit["n_patients"] == 40 and fit["n_values"] == 40 * 20
    assert fit["converged"]
    assert fit["slope_g_l_per_week"] == pytest.approx(slope, abs=0.12)
    assert fit["ci_low"] < slope < fit["ci_high"]
    assert fit["ci_high"] - fit["ci_low"] < 0.4


def test_mixed_model_needs_three_patients():
    fit = early.fit_slope(_simulated_courses(0.5, n_patients=2))
    assert fit["slope_g_l_per_week"] is None and "fewer than 3 patients" in fit["note"]


def test_post_week2_slopes_per_group_on_a_cohort():
    # Three NTD responders whose Hb rises 1 g/L per week exactly after day 14 (and a spike before,
    # which must not enter the model): slope 1.0.
    patients = []
    for i, start in enumerate((70.0, 75.0, 80.0)):
        hb = [(0, start - 15), (3, start + 20)] + [(d, start + d / 7) for d in range(15, 120, 7)]
        patients.append(_patient(f"N{i}", hb, td=False))
    slopes = early.post_week2_slopes(analyze(_cohort(*patients)))
    row = slopes.set_index("group").loc["responder"]
    assert row["n_patients"] == 3 and row["n_values"] == 3 * 15
    assert row["slope_g_l_per_week"] == pytest.approx(1.0, abs=1e-4)


def test_recommendation_without_a_dose_before_the_review_is_not_judged():
    # A patient whose only recorded dose is on day 50 (the cohort factory accepts it): no level in
    # force on day 42, so nothing to judge — said in words, not "nan mg/kg".
    patient = _patient("D", FLAT, doses=(50,))
    results = analyze(_cohort(patient, TP))
    decision = recommend(results.cohort, results.table, 42).set_index("patient_id")
    assert decision.loc["D", "action"] == "not judged"
    assert decision.loc["D", "judged"] == "no dose recorded before day 42"
    assert decision.loc["D", "given_day"] == 50
