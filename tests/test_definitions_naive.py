"""The vectorised study definitions against a naive re-implementation written from SPEC §3.

The naive version walks each patient day by day with plain Python loops — slow, obvious,
independent of :mod:`lusp.criteria.common` — and hypothesis draws hundreds of random
patients (several per cohort, so patients must not leak into each other's windows).
"""
from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lusp.criteria import study
from lusp.criteria.study import StudyParams
from tests.cohort_factory import make_cohort


def naive_patient(hb, tx, dose_days, last_followup_day, p: StudyParams) -> dict:
    """SPEC §3 for one patient. ``hb``: [(day, g/L)], ``tx``: [(day, units, product)]."""
    rbc = [(d, u) for d, u, product in tx if product == "RBC"]
    tx_days = {d for d, _ in rbc}
    all_days = [d for d, _ in hb] + [d for d, _, _ in tx] + list(dose_days)
    end = last_followup_day if last_followup_day is not None else max(all_days)
    followup = max(end, 0)
    w = p.baseline_window_days

    units_baseline = sum(u for d, u in rbc if -w <= d <= 0)
    td = units_baseline >= p.td_min_units
    units_after = sum(u for d, u in rbc if 1 <= d <= end)
    # Issue 12: units are never spread over unrecorded days. The record before day 0 starts
    # at the first record of any kind (day 0 itself: the first dose); a start within 28 days
    # of the window's start counts as the whole window.
    first = min([d for d in all_days if d <= 0] + [0])
    recorded = w if -first >= w - 28 else -first
    before = units_baseline * 28 / recorded if recorded > 0 else None
    after = units_after * 28 / followup if followup > 0 else None
    reduction = (before - after) / before * 100 if td and after is not None and before else None

    def affected(day):
        return any(1 <= day - t <= p.tx_exclusion_days for t in tx_days)

    baseline_days = [d for d, _ in hb if -w <= d <= 0]
    baseline = None
    if baseline_days:
        last = max(baseline_days)
        baseline = min(v for d, v in hb if d == last)

    response = [(d, v) for d, v in hb if 1 <= d <= end and not affected(d)]
    peak = max((v for _, v in response), default=None)
    peak_day = min(d for d, v in response if v == peak) if response else None
    rise = round(peak - baseline, 6) if peak is not None and baseline is not None else None

    # Longest transfusion-free run, one day at a time.
    best = best_start = best_end = 0
    current = 0
    for day in range(1, end + 1):
        if day in tx_days:
            current = 0
            continue
        current += 1
        if current > best:
            best, best_start, best_end = current, day - current + 1, day
    ti = best >= p.ti_days

    if baseline is None:
        early_rise = spike = spike_tx = None
        fall_day = None
    else:
        early = [v for d, v in hb if 1 <= d <= min(p.early_rise_days, end)]
        early_rise = any(v > baseline for v in early)
        first_week = [(d, v) for d, v in hb if 1 <= d <= min(p.spike_peak_days, end)]
        spike, spike_tx, fall_day = False, None, None
        if first_week:
            early_peak = max(v for _, v in first_week)
            early_day = min(d for d, v in first_week if v == early_peak)
            gain = round(early_peak - baseline, 6)
            if gain >= p.spike_min_rise_g_l:
                threshold = round(early_peak - p.spike_fall_fraction * gain, 6)
                falls = sorted(d for d, v in hb if p.spike_peak_days + 1 <= d <= min(p.spike_fall_end_day, end)
                               and round(v, 6) <= threshold)
                if falls:
                    spike, fall_day = True, falls[0]
                    spike_tx = any(early_day - p.spike_tx_lookback_days <= t <= early_day for t in tx_days)

    if td:
        evaluable = ti or followup >= p.ti_days
        responder = ti
    else:
        evaluable = baseline is not None and peak is not None
        responder = evaluable and rise >= p.ntd_rise_g_l

    if p.post_hb == "peak":
        post = peak
    elif p.post_hb == "last":
        post = None
        if response:
            last = max(d for d, _ in response)
            post = min(v for d, v in response if d == last)
    else:
        late = [v for d, v in response if d >= p.post_hb_from_day]
        post = sum(late) / len(late) if late else None

    return {
        "td_baseline": td, "units_baseline": units_baseline, "burden_before_u28": before,
        "burden_after_u28": after, "burden_reduction_pct": reduction, "baseline_hb_g_l": baseline,
        "peak_hb_g_l": peak, "peak_hb_day": peak_day, "hb_rise_g_l": rise,
        "longest_tf_days": best, "tf_start_day": best_start if best else None,
        "tf_end_day": best_end if best else None, "ti_achieved": ti, "evaluable": evaluable,
        "responder": responder, "early_rise": early_rise, "transient_spike": spike,
        "spike_after_transfusion": spike_tx, "spike_fall_day": fall_day, "followup_days": followup,
        "end_day": end, "post_hb_g_l": post, "units_after": units_after,
    }


def _equal(actual, expected) -> bool:
    missing = actual is pd.NA or actual is None or (isinstance(actual, float) and math.isnan(actual))
    if expected is None:
        return missing
    if missing:
        return False
    if isinstance(expected, float) or isinstance(actual, float):
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    return actual == expected


hb_value = st.integers(400, 1300).map(lambda tenths: tenths / 10)
day = st.integers(-70, 130)
patient = st.fixed_dictionaries(
    {
        "hb": st.lists(st.tuples(day, hb_value), max_size=14),
        "tx": st.lists(st.tuples(day, st.integers(1, 3), st.sampled_from(["RBC", "RBC", "RBC", "platelets"])),
                       max_size=8),
        "doses": st.lists(st.integers(1, 130), max_size=4),
        "last_followup_day": st.one_of(st.none(), st.integers(0, 140)),
    }
)
params = st.builds(
    StudyParams,
    ti_days=st.sampled_from([56, 84, 28]),
    tx_exclusion_days=st.sampled_from([14, 7]),
    post_hb=st.sampled_from(["peak", "last", "mean_d29"]),
    baseline_window_days=st.sampled_from([56, 28]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients=st.lists(patient, min_size=1, max_size=6), p=params)
def test_vectorised_equals_naive(patients, p):
    ids = [f"P{i}" for i in range(len(patients))]
    cohort = make_cohort(
        [(pid, {} if pt["last_followup_day"] is None else {"last_followup_day": pt["last_followup_day"]})
         for pid, pt in zip(ids, patients)],
        hb=[(pid, d, v) for pid, pt in zip(ids, patients) for d, v in pt["hb"]],
        transfusions=[(pid, d, u, prod) for pid, pt in zip(ids, patients) for d, u, prod in pt["tx"]],
        doses=[(pid, d, 1.0) for pid, pt in zip(ids, patients) for d in [0, *pt["doses"]]],
    )
    table = study.evaluate(cohort, p).set_index("patient_id")
    for pid, pt in zip(ids, patients):
        expected = naive_patient(pt["hb"], pt["tx"], [0, *pt["doses"]], pt["last_followup_day"], p)
        actual = table.loc[pid]
        wrong = {k: (actual[k], v) for k, v in expected.items() if not _equal(actual[k], v)}
        assert wrong == {}, f"{pid}: {pt}"
