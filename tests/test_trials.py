"""The pivotal trials beside the cohort (issue 14): published figures checked against the
publications, the cohort endpoints worked by hand on small cohorts, and the two CLI commands."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lusp import trials
from lusp.analysis import analyze
from lusp.cli import main
from lusp.stats import clopper_pearson
from tests.cohort_factory import make_cohort

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"

# (trial, luspatercept k/N and %, control arm, k/N and %) as printed in the publications:
# MEDALIST — Fenaux, NEJM 2020;382:140–151, primary endpoint (ITT, cut-off 8 May 2018):
#   58 of 153 (38 %) vs 10 of 76 (13 %); EMA assessment: 37.91 % (30.20–46.10) vs 13.16 % (6.49–22.87).
# COMMANDS — Platzbecker, Lancet 2023;402:373–385, interim analysis: 86 of 147 (58.5 %) vs
#   48 of 154 (31.2 %) epoetin alfa.
# BELIEVE — Cappellini, NEJM 2020;382:1219–1231, primary endpoint: 48 of 224 (21.4 %) vs
#   5 of 112 (4.5 %); EMA assessment: 21.4 % (16.2–27.4).
# BEYOND — Taher, Lancet Haematol 2022;9:e733–e744, primary endpoint: 74 of 96 (77.1 %) vs
#   0 of 49 (0 %) placebo.
PUBLISHED = {
    "MEDALIST": (58, 153, 37.9, "placebo", 10, 76, 13.2),
    "COMMANDS": (86, 147, 58.5, "epoetin alfa", 48, 154, 31.2),
    "BELIEVE": (48, 224, 21.4, "placebo", 5, 112, 4.5),
    "BEYOND": (74, 96, 77.1, "placebo", 0, 49, 0.0),
}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_published_figures_match_the_publication(name):
    (figure,) = [f for f in trials.PUBLISHED if f.trial == name]
    k, n, pct, control, ck, cn, cpct = PUBLISHED[name]
    assert (figure.luspatercept_k, figure.luspatercept_n) == (k, n)
    assert (figure.control_arm, figure.control_k, figure.control_n) == (control, ck, cn)
    assert round(100 * k / n, 1) == pct and round(100 * ck / cn, 1) == cpct
    assert figure.citation and figure.analysis and figure.eligible in ("TD", "NTD")


def test_published_exact_intervals_match_the_ema_assessment():
    # EMA (HemaSphere 2021;5:e616, Table 1): MEDALIST 30.20–46.10 % and 6.49–22.87 %; BELIEVE 16.2–27.4 %.
    for (k, n), (lo, hi) in {(58, 153): (0.3020, 0.4610), (10, 76): (0.0649, 0.2287), (48, 224): (0.162, 0.274)}.items():
        got = clopper_pearson(k, n)
        assert got[0] == pytest.approx(lo, abs=6e-4) and got[1] == pytest.approx(hi, abs=6e-4)


def test_trials_table_has_both_arms_of_every_trial():
    table = trials.trials_table(analyze(make_cohort(["P1"], hb=[("P1", 0, 70.0)])))
    assert table["trial"].tolist() == ["MEDALIST"] * 2 + ["COMMANDS"] * 2 + ["BELIEVE"] * 2 + ["BEYOND"] * 2
    assert table["arm"].tolist()[::2] == ["luspatercept"] * 4
    assert list(table.columns[:7]) == ["trial", "endpoint", "cohort_k", "cohort_n", "published_k", "published_n", "arm"]


# --- BELIEVE on the cohort: TD patients, burden in days 85 … 168 (84 days) against baseline ----
# B1: 4 U at baseline (2.0 U/28 d); 2 U on day 100 → 2 × 28 / 84 = 0.667 → −66.7 %, 4 U fewer per
#     12 weeks → yes.
# B2: 2 U at baseline (1.0 U/28 d); 1 U on day 100 → 0.333 → −66.7 %, (1 − 0.333) × 3 = 2.0 U fewer
#     per 12 weeks (fence: ≥ 2) → yes.
# B3: 2 U at baseline; 2 U on day 100 → 0.667 → −33.3 % ≥ 33 % but only 1 U fewer per 12 weeks → no.
# B4: 4 U at baseline; 4 U on day 100 → 1.333 → −33.3 %, 2 U fewer → yes (both fences).
# B5: 4 U at baseline; follow-up ends on day 80, before week 13 → no (intention to treat).
# N1 (NTD) is outside BELIEVE: NA. Every patient has an Hb on day −56, so the record covers the
# whole 8-week baseline window and the baseline units are spread over its 56 days.
BELIEVE_COHORT = make_cohort(
    patients=[(p, {"last_followup_day": 200}) for p in ("B1", "B2", "B3", "B4")] + [("B5", {"last_followup_day": 80}),
                                                                                    ("N1", {"last_followup_day": 200})],
    hb=[(p, d, 70.0) for p in ("B1", "B2", "B3", "B4", "B5", "N1") for d in (-56, 0)],
    transfusions=[("B1", -20, 4), ("B1", 100, 2), ("B2", -20, 2), ("B2", 100, 1), ("B3", -20, 2), ("B3", 100, 2),
                  ("B4", -20, 4), ("B4", 100, 4), ("B5", -20, 4)],
)


def test_believe_endpoint_by_hand():
    endpoints = trials.cohort_endpoints(analyze(BELIEVE_COHORT)).set_index("patient_id")
    got = endpoints["burden_reduction_33_wk13_24"]
    assert got.loc[["B1", "B2", "B3", "B4", "B5"]].tolist() == [True, True, False, True, False]
    assert got.isna().loc["N1"]
    assert endpoints.loc["B1", "believe_burden_wk13_24_u28"] == pytest.approx(2 * 28 / 84)
    row = trials.trials_table(analyze(BELIEVE_COHORT)).query("trial == 'BELIEVE'").iloc[0]
    assert (row["cohort_k"], row["cohort_n"]) == (3, 5)


# --- BEYOND on the cohort: NTD patients, mean unaffected Hb of days 85 … 168 − mean of days −28 … 0 ----
# Y1: baseline (−21: 70, −7: 74) = 72; window 80, 84 → 82 → +10 ≥ 10 (fence) → yes.
# Y2: the same with window 79.8, 84 → 81.9 → +9.9 → no.
# Y3: as Y1 but a transfusion on day 150 (inside weeks 13–24) → no.
# Y4: as Y1 but the baseline values lie on days −40 and −35 (outside −28 … 0) → no baseline → no.
# Y5: no Hb in the window (last Hb day 80) → no.
BEYOND_COHORT = make_cohort(
    patients=[(p, {"last_followup_day": 200}) for p in ("Y1", "Y2", "Y3", "Y4", "Y5", "T1")],
    hb=[("Y1", -21, 70.0), ("Y1", -7, 74.0), ("Y1", 90, 80.0), ("Y1", 160, 84.0),
        ("Y2", -21, 70.0), ("Y2", -7, 74.0), ("Y2", 90, 79.8), ("Y2", 160, 84.0),
        ("Y3", -21, 70.0), ("Y3", -7, 74.0), ("Y3", 90, 80.0), ("Y3", 140, 84.0),
        ("Y4", -40, 70.0), ("Y4", -35, 74.0), ("Y4", 90, 80.0), ("Y4", 160, 84.0),
        ("Y5", -21, 70.0), ("Y5", -7, 74.0), ("Y5", 80, 90.0),
        ("T1", 0, 70.0)],
    transfusions=[("Y3", 150, 1), ("T1", -20, 2)],
)


def test_beyond_endpoint_by_hand():
    endpoints = trials.cohort_endpoints(analyze(BEYOND_COHORT)).set_index("patient_id")
    got = endpoints["mean_hb_rise_1_0_wk13_24"]
    assert got.loc[["Y1", "Y2", "Y3", "Y4", "Y5"]].tolist() == [True, False, False, False, False]
    assert got.isna().loc["T1"]  # TD: outside BEYOND
    assert endpoints.loc["Y1", "beyond_baseline_hb_g_l"] == 72.0
    assert endpoints.loc["Y1", "beyond_mean_hb_wk13_24_g_l"] == 82.0


def test_medalist_and_commands_on_the_cohort_reuse_the_trial_endpoints():
    # M1: TD, never transfused after day 0 (run 1 … 168), mean Hb inside 90 vs pre-treatment 70
    #     → MEDALIST yes, COMMANDS yes. M2: TD, transfused every 30 days → no, no. N: NTD → NA.
    cohort = make_cohort(
        patients=[(p, {"last_followup_day": 200}) for p in ("M1", "M2", "N")],
        hb=[("M1", -30, 70.0), ("M1", 60, 90.0), ("M2", -30, 70.0), ("M2", 60, 90.0), ("N", -30, 70.0)],
        transfusions=[("M1", -20, 2), ("M2", -20, 2)] + [("M2", d, 1) for d in range(30, 200, 30)],
    )
    table = trials.trials_table(analyze(cohort)).drop_duplicates("trial").set_index("trial")
    assert (table.loc["MEDALIST", "cohort_k"], table.loc["MEDALIST", "cohort_n"]) == (1, 2)
    assert (table.loc["COMMANDS", "cohort_k"], table.loc["COMMANDS", "cohort_n"]) == (1, 2)
    assert (table.loc["BEYOND", "cohort_k"], table.loc["BEYOND", "cohort_n"]) == (0, 1)


def test_different_populations_sentence_is_plain():
    assert "differ in who was treated" in trials.DIFFERENT_POPULATIONS


# --- the CLI -----------------------------------------------------------------------------


def test_cli_early_prints_exactly_the_specified_json(capsys):
    assert main(["early", str(DEMO)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["spike_vs_failure", "early_rise_vs_failure", "burden_reduction_vs_failure",
                         "criteria_early_rise_vs_failure"]
    spike = out["spike_vs_failure"]
    assert list(spike) == ["group", "tp", "fp", "fn", "tn", "sensitivity", "specificity", "ppv", "npv"]
    assert (spike["group"], spike["tp"], spike["fp"], spike["fn"], spike["tn"]) == ("TD", 6, 0, 1, 9)
    assert list(spike["sensitivity"]) == ["est", "lo", "hi"]
    assert spike["sensitivity"]["est"] == pytest.approx(6 / 7)
    assert spike["sensitivity"]["lo"] == pytest.approx(0.4212768, abs=1e-7)


def test_cli_early_review_day_and_bad_values(capsys):
    assert main(["early", str(DEMO), "--review-day", "14"]) == 0
    out = json.loads(capsys.readouterr().out)
    # By day 14 the spikes of DEMO-10, -13 and -14 (falls on day 15) have not appeared yet.
    assert out["spike_vs_failure"]["tp"] == 3
    assert main(["early", str(DEMO), "--review-day", "0"]) == 2
    assert "--review-day" in capsys.readouterr().err
    assert main(["early", "no-such-file.xlsx"]) == 2


def test_cli_trials_prints_exactly_the_specified_json(capsys):
    assert main(["trials", str(DEMO)]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert len(rows) == 8
    assert all(list(r) == ["trial", "endpoint", "cohort_k", "cohort_n", "published_k", "published_n", "arm"]
               for r in rows)
    assert rows[0] == {"trial": "MEDALIST", "endpoint": "rbc_ti_8w_wk1_24", "cohort_k": 9, "cohort_n": 16,
                       "published_k": 58, "published_n": 153, "arm": "luspatercept"}
    assert "differ in who was treated" in captured.err
    assert main(["trials", str(DEMO), "--details"]) == 0
    detailed = json.loads(capsys.readouterr().out)
    assert detailed[0]["citation"].startswith("Fenaux P")
