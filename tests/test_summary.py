"""The cohort summary (SPEC §4 + issue 3 keys) of the hand-worked 3-patient cohort."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lusp.analysis import analyze, summarize
from lusp.narrative import methods_paragraph, percent, results_paragraph
from tests.cohort_factory import make_cohort
from tests.test_definitions_study import three_patients

REQUIRED_KEYS = {
    "n_patients", "n_td", "n_ntd", "n_responders", "n_td_responders", "n_ntd_responders", "response_rate",
    "mean_baseline_hb_g_l", "mean_post_hb_g_l", "post_hb_measure", "n_post_hb_over_100", "n_early_rise",
    "n_td_nonresponders", "n_spike_td_nonresponders", "td_nonresponder_burden_before_u28",
    "td_nonresponder_burden_after_u28", "mean_hb_rise_g_l", "mean_hb_rise_early_risers_g_l", "n_ti",
    "criteria", "params",
}


def test_three_patient_summary():
    s = summarize(analyze(three_patients()))
    assert REQUIRED_KEYS <= set(s)
    # P1 TD responder (TI), P2 TD non-responder (spike), P3 NTD responder.
    assert (s["n_patients"], s["n_td"], s["n_ntd"]) == (3, 2, 1)
    assert (s["n_responders"], s["n_td_responders"], s["n_ntd_responders"], s["n_ti"]) == (2, 1, 1, 1)
    # Clopper–Pearson: 2/3 → R binom.test(2, 3): 0.0943–0.9916; 1/2 → 0.0126–0.9874; 1/1 → 0.025–1.
    assert s["response_rate"]["overall"]["rate"] == pytest.approx(2 / 3)
    assert s["response_rate"]["overall"]["ci_low"] == pytest.approx(0.09429932, abs=1e-7)
    assert s["response_rate"]["td"]["ci_high"] == pytest.approx(0.98742088, abs=1e-7)
    assert s["response_rate"]["ntd"] == {"rate": 1.0, "ci_low": pytest.approx(0.025), "ci_high": 1.0, "k": 1, "n": 1}
    assert s["mean_baseline_hb_g_l"] == pytest.approx((65 + 58 + 82) / 3)   # 68.33
    assert s["mean_post_hb_g_l"] == pytest.approx((110 + 61 + 93) / 3)      # 88.0 (peaks)
    assert s["post_hb_measure"] == "peak"
    assert s["n_post_hb_over_100"] == 1                                     # P1's 110
    assert s["n_early_rise"] == 3
    assert s["mean_hb_rise_g_l"] == pytest.approx((45 + 3 + 11) / 3)        # 19.67
    assert s["mean_hb_rise_early_risers_g_l"] == pytest.approx((45 + 3 + 11) / 3)
    assert (s["n_td_nonresponders"], s["n_spike_td_nonresponders"]) == (1, 1)  # P2
    assert s["td_nonresponder_burden_before_u28"] == pytest.approx(1.5)
    assert s["td_nonresponder_burden_after_u28"] == pytest.approx(2.0)
    assert s["n_protocol_findings"] == 2 and s["n_patients_with_findings"] == 1  # P3 (info not counted)
    assert s["params"]["ti_days"] == 56 and s["criteria"] == "study"


def _walk(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def test_summary_is_plain_json_with_null_for_missing():
    # One NTD patient without any Hb: means cannot be computed → None, never NaN.
    s = summarize(analyze(make_cohort(["P"])))
    text = json.dumps(s, allow_nan=False)
    assert json.loads(text)["mean_baseline_hb_g_l"] is None
    assert s["mean_hb_rise_g_l"] is None and s["td_nonresponder_burden_before_u28"] is None
    assert s["response_rate"]["td"]["rate"] is None  # 0 TD patients
    assert not any(isinstance(v, np.generic) for v in _walk(s))


def test_post_hb_measure_is_named_and_used():
    s = summarize(analyze(three_patients(), params={"post_hb": "last"}))
    # Last unaffected post Hb: P1 105 (day 100), P2 61 (day 56; day 70 is affected), P3 93 (day 84).
    assert s["post_hb_measure"] == "last"
    assert s["mean_post_hb_g_l"] == pytest.approx((105 + 61 + 93) / 3)


def test_subset_summary_counts_only_the_subset():
    results = analyze(three_patients())
    s = summarize(results.subset(["P2"]))
    assert (s["n_patients"], s["n_td"], s["n_responders"], s["n_spike_td_nonresponders"]) == (1, 1, 0, 1)


def test_percent_rounds_half_up():
    assert percent(9 / 16) == "56.3" and percent(58 / 153) == "37.9"


def test_paragraphs_state_the_numbers():
    results = analyze(three_patients(), params={"ti_days": 84})
    text = results_paragraph(summarize(results), results)
    assert "Of 3 patients, 2 were transfusion-dependent (TD) and 1 non-transfusion-dependent (NTD)" in text
    # TI 84: P1's 70-day run no longer counts → 1 of 3 respond (P3).
    assert "1 of 3 (33.3 %, 95 % CI 0.8–90.6 %) responded" in text
    methods = methods_paragraph(results)
    assert "≥ 84 consecutive days" in methods
    assert "Transfusion-free run for transfusion independence: 84 days (default 56 days)" in methods
    assert methods.endswith("--criteria study --protocol study --ti-days 84")
