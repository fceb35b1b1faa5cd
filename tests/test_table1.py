"""Table 1 (lusp.table1) against a five-patient cohort worked out by hand.

The cohort (day 0 = first dose; baseline window days −56…0; every patient has an Hb on day −56,
so the record covers the whole window and burden = units × 28 / 56):

    id  TD   age  sex  dx   EPO  RS   SF3B1  prior ESA  chemo  baseline Hb  RBC before   burden
    P1  TD   70   F    MDS   40  20   yes    yes        no     60           2 + 2 = 4    2.0
    P2  TD   60   M    MDS  100  –    –      no         no     70           2            1.0
    P3  TD   80   M    PMF  500   5   no     yes        yes    50           3 + 3 = 6    3.0
    P4  NTD  65   F    MDS   30  40   yes    no         no     80           0            0.0
    P5  NTD  –    F    PMF   60  10   no     –          no     90           0            0.0

Worked on paper:
- Age (4 values, Shapiro–Wilk p = 0.85 → mean (SD)): mean 275 / 4 = 68.75 → 68.8 (half-up);
  squared deviations 1.5625 + 76.5625 + 126.5625 + 14.0625 = 218.75, / 3 = 72.92, √ = 8.54 → 8.5.
  TD 70, 60, 80: mean 70.0, SD √(200 / 2) = 10.0. NTD one value 65: SD not computable → "65.0 (–)".
  Missing 1 (P5).
- Sex: F 3 of 5 = 60.0 %, M 2 = 40.0 %; TD F 1 of 3 = 33.3 %, M 2 = 66.7 %; NTD F 2 = 100.0 %.
  Fisher's exact (TD F1 M2 / NTD F2 M0, margins 3/2 and 3/2): P(F in TD = 1, 2, 3) = 0.3, 0.6,
  0.1; two-sided p = P ≤ 0.3 = 0.3 + 0.1 = 0.400.
- Baseline Hb 60, 70, 50, 80, 90: mean 70.0, SD √(1000 / 4) = 15.81 → 15.8; TD 60.0 (10.0);
  NTD 85.0 (SD √50 = 7.07 → 7.1). In g/dL: 7.00 (1.58), TD 6.00 (1.00), NTD 8.50 (0.71).
- Burden 2, 1, 3, 0, 0: mean 1.2, SD √((0.64 + 0.04 + 3.24 + 1.44 + 1.44) / 4) = √1.7 = 1.30 → 1.3.
- EPO 30, 40, 60, 100, 500 (Shapiro–Wilk p = 0.004 → median (IQR)); linear-interpolation
  quartiles at positions (n − 1) × 0.25: median 60.0, Q1 = x[1] = 40.0, Q3 = x[3] = 100.0.
  TD 40, 100, 500: median 100.0, Q1 at 0.5 = 70.0, Q3 at 1.5 = 300.0. NTD 30, 60: median 45.0,
  Q1 at 0.25 = 37.5, Q3 at 0.75 = 52.5. Mann–Whitney U of TD vs NTD: U = 5 of 6 pairs; exact
  two-sided p = 2 × P(U ≥ 5) = 2 × 2 / 10 = 0.400.
- Ring sideroblasts 20, 5, 40, 10 (P2 missing): mean 18.75 → 18.8, SD √(718.75 / 3) = 15.48 → 15.5;
  TD 20, 5 → 12.5 (10.6); NTD 40, 10 → 25.0 (21.2); missing 1.
- SF3B1 yes 2 of 4 recorded = 50.0 %, missing 1; TD 1 of 2; NTD 1 of 2.
- Prior ESA yes 2 of 4 = 50.0 %, missing 1; TD 2 of 3 = 66.7 %; NTD 0 of 1 = 0.0 %.
- Chemotherapy 1 of 5 = 20.0 %; TD 1 of 3 = 33.3 %; NTD 0 of 2.
- Responders (study set): P1–P4 (TD: 56 transfusion-free days; P4 Hb +15 ≥ 10); P5 +2 → not.
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.analysis import analyze
from lusp.table1 import (
    candidate_covariates,
    distribution_choice,
    half_up,
    p_value_text,
    table1_xlsx,
    table_one,
)
from tests.cohort_factory import make_cohort


def _p(pid: str, **values):
    return (pid, values)


@pytest.fixture(scope="module")
def results():
    cohort = make_cohort(
        patients=[
            _p("P1", age=70, sex="F", diagnosis="MDS", baseline_epo_u_l=40, ring_sideroblasts_pct=20,
               sf3b1_mutated=True, prior_esa=True, concurrent_chemo=False, center="A"),
            _p("P2", age=60, sex="M", diagnosis="MDS", baseline_epo_u_l=100, prior_esa=False,
               concurrent_chemo=False, center="B"),
            _p("P3", age=80, sex="M", diagnosis="PMF", baseline_epo_u_l=500, ring_sideroblasts_pct=5,
               sf3b1_mutated=False, prior_esa=True, concurrent_chemo=True, center="A"),
            _p("P4", age=65, sex="F", diagnosis="MDS", baseline_epo_u_l=30, ring_sideroblasts_pct=40,
               sf3b1_mutated=True, prior_esa=False, concurrent_chemo=False, center="A"),
            _p("P5", sex="F", diagnosis="PMF", baseline_epo_u_l=60, ring_sideroblasts_pct=10,
               sf3b1_mutated=False, concurrent_chemo=False),
        ],
        hb=[*[(p, -56, 75) for p in ("P1", "P2", "P3", "P4", "P5")],
            ("P1", -3, 60), ("P1", 60, 65), ("P2", -3, 70), ("P2", 60, 75), ("P3", -3, 50), ("P3", 60, 55),
            ("P4", -3, 80), ("P4", 60, 95), ("P5", -3, 90), ("P5", 60, 92)],
        transfusions=[("P1", -20, 2), ("P1", -40, 2), ("P2", -10, 2), ("P3", -30, 3), ("P3", -10, 3)],
    )
    return analyze(cohort)


def _row(frame: pd.DataFrame, label: str) -> dict:
    hits = frame[frame["Characteristic"] == label]
    assert len(hits) == 1, f"{label!r} not found once in {frame['Characteristic'].tolist()}"
    return hits.iloc[0].to_dict()


def test_by_td_every_cell_matches_the_hand_worked_values(results):
    t = table_one(results, by="td")
    f = t.frame
    assert list(f.columns) == ["Characteristic", "Overall (n = 5)", "TD (n = 3)", "NTD (n = 2)", "Missing"]
    cols = list(f.columns[1:])

    def cells(label):
        row = _row(f, label)
        return [row[c] for c in cols]

    assert cells("n") == ["5", "3", "2", ""]
    assert cells("Age, years, mean (SD)") == ["68.8 (8.5)", "70.0 (10.0)", "65.0 (–)", "1"]
    assert cells("Sex, n (%)") == ["", "", "", "0"]
    assert cells("    F") == ["3 (60.0)", "1 (33.3)", "2 (100.0)", ""]
    assert cells("    M") == ["2 (40.0)", "2 (66.7)", "0 (0.0)", ""]
    assert cells("    MDS") == ["3 (60.0)", "2 (66.7)", "1 (50.0)", ""]
    assert cells("    PMF") == ["2 (40.0)", "1 (33.3)", "1 (50.0)", ""]
    assert cells("Baseline Hb, g/L, mean (SD)") == ["70.0 (15.8)", "60.0 (10.0)", "85.0 (7.1)", "0"]
    assert cells("Pre-treatment RBC burden, units/28 days, mean (SD)") == ["1.2 (1.3)", "2.0 (1.0)", "0.0 (0.0)", "0"]
    assert cells("Serum EPO, U/L, median (IQR)") == ["60.0 (40.0–100.0)", "100.0 (70.0–300.0)", "45.0 (37.5–52.5)", "0"]
    assert cells("Ring sideroblasts, %, mean (SD)") == ["18.8 (15.5)", "12.5 (10.6)", "25.0 (21.2)", "1"]
    assert cells("SF3B1 mutated, n (%)") == ["2 (50.0)", "1 (50.0)", "1 (50.0)", "1"]
    assert cells("Prior ESA, n (%)") == ["2 (50.0)", "2 (66.7)", "0 (0.0)", "1"]
    assert cells("Concurrent chemotherapy, n (%)") == ["1 (20.0)", "1 (33.3)", "0 (0.0)", "0"]
    assert t.statistics["baseline_epo_u_l"] == "median (IQR)" and t.statistics["age"] == "mean (SD)"
    assert t.groups == {"TD": 3, "NTD": 2}
    assert not t.pvalues and "p-value" not in f.columns
    assert any("Shapiro–Wilk" in n for n in t.notes)


def test_p_values_only_when_asked_with_their_tests_named(results):
    f = table_one(results, by="td", pvalues=True).frame
    assert list(f.columns[-2:]) == ["p-value", "Test"]
    sex = _row(f, "Sex, n (%)")
    assert (sex["p-value"], sex["Test"]) == ("0.400", "Fisher's exact")
    epo = _row(f, "Serum EPO, U/L, median (IQR)")
    assert (epo["p-value"], epo["Test"]) == ("0.400", "Mann–Whitney U")
    hb = _row(f, "Baseline Hb, g/L, mean (SD)")
    assert hb["Test"] == "Welch's t-test"
    assert _row(f, "    F")["p-value"] == ""  # one p-value per characteristic, on its first row


def test_by_responder_and_overall_only(results):
    t = table_one(results, by="responder")
    assert t.groups == {"Responder": 4, "Non-responder": 1}
    row = _row(t.frame, "Baseline Hb, g/L, mean (SD)")
    # Responders 60, 70, 50, 80: mean 65.0, SD √(500/3) = 12.91 → 12.9; non-responder P5 90 alone.
    assert row["Responder (n = 4)"] == "65.0 (12.9)" and row["Non-responder (n = 1)"] == "90.0 (–)"
    overall = table_one(results, by=None, pvalues=True)
    assert list(overall.frame.columns) == ["Characteristic", "Overall (n = 5)", "Missing"]
    assert any("at least two groups" in n for n in overall.notes)


def test_hb_in_g_dl_and_forced_summaries(results):
    t = table_one(results, hb_unit="g/dL", summaries={"baseline_hb_g_l": "median", "baseline_epo_u_l": "mean"})
    hb = _row(t.frame, "Baseline Hb, g/dL, median (IQR)")
    # 5.0, 6.0, 7.0, 8.0, 9.0 g/dL: median 7.00, Q1 6.00, Q3 8.00; TD 5, 6, 7 → 6.00 (5.50–6.50).
    assert hb["Overall (n = 5)"] == "7.00 (6.00–8.00)" and hb["TD (n = 3)"] == "6.00 (5.50–6.50)"
    epo = _row(t.frame, "Serum EPO, U/L, mean (SD)")
    assert epo["Overall (n = 5)"].startswith("146.0 (")  # (30 + 40 + 60 + 100 + 500) / 5
    g_dl = table_one(results, hb_unit="g/dL")
    assert _row(g_dl.frame, "Baseline Hb, g/dL, mean (SD)")["Overall (n = 5)"] == "7.00 (1.58)"


def test_user_covariates_and_bad_requests(results):
    assert "center" in candidate_covariates(results)
    assert "age" not in candidate_covariates(results)
    t = table_one(results, extra=["center"])
    assert _row(t.frame, "Center, n (%)")["Missing"] == "1"
    # A, B, A, A recorded: A 3 of 4 = 75.0 %; TD P1 A, P2 B, P3 A → 2 of 3.
    assert _row(t.frame, "    A")["Overall (n = 5)"] == "3 (75.0)"
    assert _row(t.frame, "    A")["TD (n = 3)"] == "2 (66.7)"
    with pytest.raises(ValueError, match="not a patient column"):
        table_one(results, extra=["no_such_column"])
    with pytest.raises(ValueError, match="split by"):
        table_one(results, by="sex")
    with pytest.raises(ValueError, match="'mean' or 'median'"):
        table_one(results, summaries={"age": "mode"})


def test_characteristics_absent_or_empty_are_named_not_shown():
    cohort = make_cohort(patients=["A", "B"], hb=[("A", -3, 70), ("A", 30, 90), ("B", -3, 75), ("B", 30, 80)])
    t = table_one(analyze(cohort))
    labels = t.frame["Characteristic"].tolist()
    assert not any(label.startswith("Serum EPO") for label in labels)
    assert any(n.startswith("Serum EPO, U/L: not recorded") for n in t.notes)
    assert t.groups == {"NTD": 2}


def test_empty_selection_gives_the_n_row_only(results):
    t = table_one(results.subset([]))
    assert t.frame.to_dict("records") == [{"Characteristic": "n", "Overall (n = 0)": "0"}]


def test_distribution_rule_fence_posts():
    assert distribution_choice(pd.Series([1.0, 2.0])) == "median"  # fewer than 3 values
    assert distribution_choice(pd.Series([4.0, 4.0, 4.0, 4.0])) == "median"  # all equal
    assert distribution_choice(pd.Series([30.0, 40, 60, 100, 500])) == "median"  # Shapiro p = 0.004
    assert distribution_choice(pd.Series([60.0, 70, 50, 80, 90, None])) == "mean"  # p = 0.97, NA ignored


def test_half_up_and_p_value_text():
    assert half_up(47.25, 1) == "47.3" and half_up(56.25, 1) == "56.3" and half_up(0.125, 2) == "0.13"
    assert p_value_text(0.0004) == "<0.001" and p_value_text(0.001) == "0.001" and p_value_text(float("nan")) == "–"


def test_xlsx_has_the_table_and_the_rules(results):
    import io

    t = table_one(results)
    data = table1_xlsx(t, caption="criteria: study")
    sheet = pd.read_excel(io.BytesIO(data), sheet_name="Table 1", header=None, dtype=str, engine="calamine").fillna("")
    assert sheet.iloc[0, 0] == "Characteristic"
    assert "68.8 (8.5)" in sheet.values
    assert any("Shapiro–Wilk" in str(v) and "criteria: study" in str(v) for v in sheet.iloc[:, 0])


def test_inputs_are_not_mutated(results):
    table, patients = results.table.copy(), results.cohort.patients.copy()
    table_one(results, by="outcome", pvalues=True, extra=["center"], hb_unit="g/dL")
    pd.testing.assert_frame_equal(results.table, table)
    pd.testing.assert_frame_equal(results.cohort.patients, patients)
