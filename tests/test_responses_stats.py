"""Subgroup response rates with Fisher's exact test (``lusp.stats.subgroup_table``) and the
Patients page's plain dose wording. Expected values worked out by hand in comments;
p-values checked against scipy's own Fisher test on the same 2×2 table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from lusp.stats import SUBGROUP_CAPTION, subgroup_table

ROOT = Path(__file__).resolve().parents[1]


def _cohort(values, responders, name="ring_sideroblasts_pct"):
    ids = [f"P{i:02d}" for i in range(len(values))]
    table = pd.DataFrame({"patient_id": ids, "responder": pd.array(responders, dtype="boolean")})
    patients = pd.DataFrame({"patient_id": ids, name: pd.array(values, dtype="Float64")})
    return table, patients


def test_numeric_covariate_with_missing_values_splits_and_tests_the_known():
    # RS %: 2, 4, 10, 30, 40, 50 and two missing; median of the six known = (10 + 30)/2 = 20.
    # < 20: P00 yes, P01 no, P02 no → 1/3; ≥ 20: P03 yes, P04 yes, P05 yes → 3/3;
    # missing: P06 yes, P07 no → 1/2, shown but not tested.
    table, patients = _cohort([2, 4, 10, 30, 40, 50, None, None], [True, False, False, True, True, True, True, False])
    before = patients.copy()
    sub = subgroup_table(table, patients, "ring_sideroblasts_pct")
    pd.testing.assert_frame_equal(patients, before)
    assert list(sub["level"]) == ["< 20", "≥ 20", "missing"]
    assert list(sub["responders"]) == [1, 3, 1] and list(sub["n"]) == [3, 3, 2]
    expected_p = fisher_exact([[1, 2], [3, 0]]).pvalue  # = 0.4 (hypergeometric, two-sided)
    assert expected_p == pytest.approx(0.4)
    assert sub.loc[0, "p_value"] == pytest.approx(expected_p) and sub.loc[1, "p_value"] == pytest.approx(expected_p)
    assert sub.loc[0, "compared_with"] == "≥ 20" and sub.loc[1, "compared_with"] == "< 20"
    assert sub.loc[0, "fisher"] == "1/3 vs ≥ 20 3/3 (Fisher's exact, p = 0.40)"
    assert sub.loc[2, "fisher"] == "" and pd.isna(sub.loc[2, "p_value"])


def test_more_than_two_levels_each_against_the_rest():
    # A: 2/2, B: 0/2, C: 1/2. A vs rest: [[2, 0], [1, 3]]; B vs rest: [[0, 2], [3, 1]].
    ids = [f"P{i}" for i in range(6)]
    table = pd.DataFrame({"patient_id": ids, "responder": [True, True, False, False, True, False]})
    patients = pd.DataFrame({"patient_id": ids, "diagnosis": ["A", "A", "B", "B", "C", "C"]})
    sub = subgroup_table(table, patients, "diagnosis").set_index("level")
    assert (sub["compared_with"] == "all other levels").all()
    assert sub.loc["A", "p_value"] == pytest.approx(fisher_exact([[2, 0], [1, 3]]).pvalue)
    assert sub.loc["B", "p_value"] == pytest.approx(fisher_exact([[0, 2], [3, 1]]).pvalue)
    assert (sub.loc["A", "responders_other"], sub.loc["A", "n_other"]) == (1, 4)
    assert sub.loc["A", "fisher"].startswith("2/2 vs all other levels 1/4 (Fisher's exact, p = ")


def test_every_p_value_has_its_counts_and_a_single_level_has_no_test():
    table, patients = _cohort([1, 1, 1], [True, False, True], name="flag")
    sub = subgroup_table(table, patients, "flag")
    assert len(sub) == 1 and sub["p_value"].isna().all() and (sub["fisher"] == "").all()
    table, patients = _cohort([2, 4, 10, 30], [True, False, False, True])
    sub = subgroup_table(table, patients, "ring_sideroblasts_pct")
    for row in sub.itertuples():
        assert f"{row.responders}/{row.n}" in row.fisher and f"{row.responders_other}/{row.n_other}" in row.fisher
    assert "xploratory, small n" in SUBGROUP_CAPTION


def test_figures_reexport_is_the_stats_function():
    from lusp.figures import subgroup_table as from_figures

    assert from_figures is subgroup_table


def test_patients_page_dose_fact_reads_in_words():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at = at.switch_page("app_pages/patients.py").run()
    assert not at.exception
    # The fact table is a static table (it wraps instead of clipping), indexed by the fact.
    facts = [t.value for t in at.table if "Value" in t.value.columns]
    (doses,) = [v for f in facts for label, v in zip(f.index, f["Value"]) if label == "Doses"]
    # DEMO-01 (first shown): 11 doses, all at 1.0 mg/kg — the count names its noun, the dose
    # is written as clinicians write it and labelled max
    assert doses == "11 doses (max 1.0 mg/kg)"
