"""IWG 2006 HI-E (CRITERIA.md, set ``iwg2006``) at its fence posts, worked out by hand.

Defaults: baseline window days −56 … 0; pre-treatment Hb = mean of transfusion-unaffected
values there; eligible when < 110 g/L; Hb response = values ≥ pre + 15 g/L spanning ≥ 56
days (last − first) with no transfusion inside; transfusion response = ≥ 4 counted baseline
units and some 56-day window in days 1 … end with ≤ counted − 4 units; baseline
transfusions count only at a same-day Hb ≤ 90 g/L (or with no Hb that day). End of
follow-up = the last record of the patient (every patient has a day-0 dose).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lusp.criteria import CRITERIA, iwg2006, study
from lusp.params import describe, with_values
from tests.cohort_factory import make_cohort


def _flat(pid: str, pre: list[tuple[int, float]], post: list[tuple[int, float]]):
    return [(pid, d, v) for d, v in pre + post]


# Each patient is NTD unless stated; expected values in the comments.
COHORT = make_cohort(
    patients=[
        "hb109", "hb110", "rise14.9", "rise15", "span55", "span56", "tx-in-span",
        "reduce4", "reduce3", "tx-at-hb95", "tx-at-hb90", "tx-no-hb", "short", "no-pre",
    ],
    hb=[
        # hb109: pre (108 + 110)/2 = 109 < 110 → eligible; threshold 124; 124, 130, 125 on
        # days 20, 50, 76 → span 76 − 20 = 56 ≥ 56 → responder (Hb).
        *_flat("hb109", [(-40, 108), (-20, 110)], [(20, 124), (50, 130), (76, 125)]),
        # hb110: pre (109 + 111)/2 = 110 → not < 110 → not evaluable, whatever follows.
        *_flat("hb110", [(-40, 109), (-20, 111)], [(20, 130), (50, 130), (76, 130)]),
        # rise14.9: pre 80, threshold 95; 94.9 everywhere → no value reaches it → non-responder.
        *_flat("rise14.9", [(-30, 80), (-10, 80)], [(20, 94.9), (50, 94.9), (80, 94.9)]),
        # rise15: same with 95.0 → run day 20 … 80, span 60 → responder.
        *_flat("rise15", [(-30, 80), (-10, 80)], [(20, 95), (50, 95), (80, 95)]),
        # span55: 95 on days 20 and 75 (span 55 < 56), then 85 on day 90 → non-responder.
        *_flat("span55", [(-30, 80), (-10, 80)], [(20, 95), (75, 95), (90, 85)]),
        # span56: 95 on days 20 and 76 (span 56) → responder.
        *_flat("span56", [(-30, 80), (-10, 80)], [(20, 95), (76, 95), (90, 85)]),
        # tx-in-span: 95 on days 20, 50, 80 but 1 U on day 60 (day-80 Hb is 20 days later, so
        # unaffected): the run breaks at the transfusion → spans 30 and a single value → no.
        *_flat("tx-in-span", [(-30, 80), (-10, 80)], [(20, 95), (50, 95), (80, 95)]),
        # reduce4: 2 U at Hb 80 (day −50) + 3 U at Hb 80 (day −20) = 5 counted U; after day 0
        # only 1 U on day 30; follow-up to day 56 → one window 1…56 with 1 U ≤ 5 − 4 → responder
        # (transfusion). Pre-treatment Hb = 80 (the tx-day Hb values are pre-transfusion).
        *_flat("reduce4", [(-50, 80), (-20, 80)], [(56, 75)]),
        # reduce3: the same with 2 U on day 30 → 2 > 1 → non-responder.
        *_flat("reduce3", [(-50, 80), (-20, 80)], [(56, 75)]),
        # tx-at-hb95: 2 U at Hb 85 (counted) + 2 U at Hb 95 (> 90, not counted) = 2 counted U
        # < 4 → no transfusion route although no transfusion after day 0. Pre (85 + 95)/2 = 90,
        # threshold 105; post 95 → non-responder.
        *_flat("tx-at-hb95", [(-50, 85), (-20, 95)], [(60, 95)]),
        # tx-at-hb90: same with Hb 90 on day −20 → counted (≤ 90) → 4 U; window 1…56 has 0 ≤ 0
        # → responder (transfusion).
        *_flat("tx-at-hb90", [(-50, 85), (-20, 90)], [(60, 95)]),
        # tx-no-hb: 2 U day −50 at Hb 85, 2 U day −20 with no Hb that day → counted (4 U) and
        # flagged; pre = 85 (single value, used with caution) → responder (transfusion).
        *_flat("tx-no-hb", [(-50, 85)], [(60, 95)]),
        # short: pre 80, one post value 85 on day 30, follow-up 30 < 56 → not evaluable.
        *_flat("short", [(-30, 80), (-10, 80)], [(30, 85)]),
        # no-pre: no Hb before day 0 and no transfusion → no route at all → not evaluable.
        *_flat("no-pre", [], [(30, 120), (100, 120)]),
    ],
    transfusions=[
        ("tx-in-span", 60, 1),
        ("reduce4", -50, 2), ("reduce4", -20, 3), ("reduce4", 30, 1),
        ("reduce3", -50, 2), ("reduce3", -20, 3), ("reduce3", 30, 2),
        ("tx-at-hb95", -50, 2), ("tx-at-hb95", -20, 2),
        ("tx-at-hb90", -50, 2), ("tx-at-hb90", -20, 2),
        ("tx-no-hb", -50, 2), ("tx-no-hb", -20, 2),
    ],
)

EXPECTED = {
    # patient: (responder, evaluable, hi_e_route, pretreatment Hb, counted units)
    "hb109": (True, True, "Hb", 109.0, 0.0),
    "hb110": (False, False, "", 110.0, 0.0),
    "rise14.9": (False, True, "", 80.0, 0.0),
    "rise15": (True, True, "Hb", 80.0, 0.0),
    "span55": (False, True, "", 80.0, 0.0),
    "span56": (True, True, "Hb", 80.0, 0.0),
    "tx-in-span": (False, True, "", 80.0, 0.0),
    "reduce4": (True, True, "transfusion", 80.0, 5.0),
    "reduce3": (False, True, "", 80.0, 5.0),
    "tx-at-hb95": (False, True, "", 90.0, 2.0),
    "tx-at-hb90": (True, True, "transfusion", 87.5, 4.0),
    "tx-no-hb": (True, True, "transfusion", 85.0, 4.0),
    "short": (False, False, "", 80.0, 0.0),
    "no-pre": (False, False, "", None, 0.0),
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return iwg2006.evaluate(COHORT).set_index("patient_id")


@pytest.mark.parametrize("pid", list(EXPECTED))
def test_fence_posts(table, pid):
    responder, evaluable, route, pre, counted = EXPECTED[pid]
    row = table.loc[pid]
    assert bool(row["responder"]) is responder
    assert bool(row["evaluable"]) is evaluable
    if evaluable:
        assert row["hi_e_route"] == route
    if pre is None:
        assert pd.isna(row["pretreatment_hb_g_l"])
    else:
        assert row["pretreatment_hb_g_l"] == pytest.approx(pre)
    assert row["units_baseline_counted"] == counted


def test_runs_and_windows_reported(table):
    # span56: run day 20 … 76; span55: 20 … 75 (55 days) reported though too short.
    assert (table.loc["span56", "hb_run_start_day"], table.loc["span56", "hb_run_end_day"]) == (20, 76)
    assert table.loc["span55", "hb_run_days"] == 55
    # tx-in-span: the longest piece is day 20 … 50.
    assert table.loc["tx-in-span", "hb_run_days"] == 30
    # rise14.9: nothing at or above 95 → no run.
    assert pd.isna(table.loc["rise14.9", "hb_run_days"])
    # reduce4: the only 56-day window inside days 1 … 56 starts on day 1 and holds 1 U.
    assert table.loc["reduce4", "fewest_units_window"] == 1
    assert table.loc["reduce4", "fewest_units_window_start_day"] == 1
    # short: follow-up 30 < 56 → no window at all.
    assert pd.isna(table.loc["short", "fewest_units_window"])
    assert table.loc["tx-no-hb", "tx_without_same_day_hb"] == 1


def test_not_evaluable_reasons(table):
    assert table.loc["hb110", "not_evaluable_reason"].startswith("baseline Hb ≥ 110 g/L")
    assert table.loc["short", "not_evaluable_reason"] == "follow-up 30 days < 56 without response"
    assert "no transfusion-unaffected Hb in days −56 to 0" in table.loc["no-pre", "not_evaluable_reason"]
    assert (table.loc[["hb110", "short", "no-pre"], "outcome"] == "not evaluable").all()


def test_reason_sentences_state_the_numbers(table):
    assert "Hb ≥ 124 g/L from day 20 to day 76 (56 days ≥ 56" in table.loc["hb109", "reason"]
    assert "→ responder" in table.loc["hb109", "reason"]
    assert "(55 days < 56)" in table.loc["span55", "reason"]
    assert "2 U at Hb > 90 g/L not counted" in table.loc["tx-at-hb95", "reason"]
    assert "1 transfusion without a same-day Hb counted" in table.loc["tx-no-hb", "reason"]
    assert "single value" in table.loc["tx-no-hb", "reason"]
    assert "fewest RBC units in any 56 days: 1 U in days 1–56 → HI-E (transfusion)" in table.loc["reduce4", "reason"]
    assert "(needed ≤ 1)" in table.loc["reduce3", "reason"]
    assert table["reason"].str.len().min() > 20


def test_count_all_transfusions_switch():
    # With the Hb ≤ 90 rule switched off, tx-at-hb95's 4 U all count: window 1…56 has 0 ≤ 0.
    params = with_values(iwg2006.Params(), baseline_tx_rule="all")
    row = iwg2006.evaluate(COHORT, params).set_index("patient_id").loc["tx-at-hb95"]
    assert row["units_baseline_counted"] == 4 and bool(row["responder"])
    assert "every RBC transfusion was counted" in iwg2006.methods_text(params)


def test_same_columns_as_study_plus_extras(table):
    study_table = study.evaluate(COHORT)
    assert list(iwg2006.evaluate(COHORT).columns[: len(study.COLUMNS)]) == list(study.COLUMNS)
    # Criteria-independent descriptive columns are the study set's, value for value.
    for column in ("peak_hb_g_l", "early_rise", "transient_spike", "burden_after_u28", "post_hb_g_l"):
        pd.testing.assert_series_equal(
            table[column].reset_index(drop=True), study_table[column], check_names=False
        )
    assert table["responder"].dtype == "boolean" and table["pretreatment_hb_g_l"].dtype == "Float64"


def test_registered_and_parameters_described():
    assert "iwg2006" in CRITERIA and CRITERIA["iwg2006"].evaluate is iwg2006.evaluate
    names = {d["name"]: d for d in describe(iwg2006.Params())}
    assert names["count_only_tx_below_hb_g_l"]["value"] == 90
    assert names["eligibility_hb_g_l"]["value"] == 110
    assert all(d["label"] and (d["choices"] or d["min"] is not None) for d in names.values())
    text = iwg2006.methods_text()
    assert "Cheson" in text and "≥ 110 g/L" in text and "≤ 90 g/L" in text


def test_row_order_of_the_file_does_not_matter():
    # The same records in reverse order (and unsorted) give the same table.
    shuffled = make_cohort(
        patients=list(EXPECTED),
        hb=list(reversed([tuple(r) for r in COHORT.hb[["patient_id", "day", "hb_g_l"]].itertuples(index=False)])),
        transfusions=list(reversed([tuple(r) for r in COHORT.transfusions[["patient_id", "day", "units"]].itertuples(index=False)])),
        sort=False,
    )
    pd.testing.assert_frame_equal(iwg2006.evaluate(shuffled), iwg2006.evaluate(COHORT))


def test_input_not_mutated():
    before = COHORT.hb.copy()
    iwg2006.evaluate(COHORT)
    pd.testing.assert_frame_equal(COHORT.hb, before)


def test_empty_cohort_gives_empty_table():
    empty = iwg2006.evaluate(COHORT.subset([]))
    assert len(empty) == 0 and list(empty.columns) == list(iwg2006.COLUMNS)


def test_matches_naive_run_definition():
    # An independent, loop-per-patient reading of the Hb route on random patients.
    rng = np.random.default_rng(2006)
    patients, hb, tx = [], [], []
    for k in range(40):
        pid = f"R{k}"
        patients.append(pid)
        for day in sorted(rng.choice(np.arange(-56, 200), size=12, replace=False)):
            hb.append((pid, int(day), float(rng.integers(60, 130))))
        for day in rng.choice(np.arange(-56, 200), size=int(rng.integers(0, 4)), replace=False):
            tx.append((pid, int(day), 1))
    cohort = make_cohort(patients=patients, hb=hb, transfusions=tx)
    table = iwg2006.evaluate(cohort).set_index("patient_id")
    for pid in patients:
        tx_days = sorted(d for p_, d, _ in tx if p_ == pid)
        vals = sorted((d, v) for p_, d, v in hb if p_ == pid)
        affected = lambda d: any(1 <= d - t <= 14 for t in tx_days)  # noqa: E731
        pre_vals = [v for d, v in vals if -56 <= d <= 0 and not affected(d)]
        if not pre_vals:
            continue
        threshold = np.mean(pre_vals) + 15
        post = [(d, v) for d, v in vals if d >= 1 and not affected(d)]
        best = -1
        for i in range(len(post)):
            for j in range(i + 1, len(post)):
                window = post[i : j + 1]
                if all(v >= threshold - 1e-9 for _, v in window) and not any(
                    post[i][0] <= t <= post[j][0] for t in tx_days
                ):
                    best = max(best, post[j][0] - post[i][0])
        got = table.loc[pid, "hb_run_days"]
        assert (best if best >= 0 else None) == (None if pd.isna(got) else int(got)), pid
