"""The dose-protocol review runs when first asked for (issue 16), and gives what the eager
review gave: the same findings, the same results table, the same summary.

The eager reference is what ``analyze`` did before: ``lusp.protocol.review`` of the
criteria set's table, then ``_assemble`` of the table with the trial endpoints and those
findings.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import lusp.analysis as analysis
from lusp.analysis import Results, analyze, summarize
from lusp.criteria import get_criteria
from lusp.endpoints import add_trial_endpoints
from lusp.load import load_cohort
from lusp.protocol import get_protocol, review
from tests.cohort_factory import make_cohort

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"


def eager(cohort, criteria="study", protocol="study"):
    """(findings, table) computed the pre-issue-16 way, step by step."""
    criteria_set = get_criteria(criteria)
    params = criteria_set.Params()
    per_patient = criteria_set.evaluate(cohort, params)
    findings = review(cohort, per_patient, protocol, get_protocol(protocol).Params())
    with_endpoints = add_trial_endpoints(cohort, per_patient, tx_exclusion_days=params.tx_exclusion_days)
    return findings, analysis._assemble(cohort, with_endpoints, findings)


@pytest.fixture
def counted(monkeypatch):
    """How often analyze's review ran (``lusp.analysis.review_protocol`` wrapped)."""
    calls = []
    real = analysis.review_protocol

    def counting(*args, **kwargs):
        calls.append(args[2] if len(args) > 2 else kwargs.get("protocol"))
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis, "review_protocol", counting)
    return calls


def hand_cohort():
    """P: first dose 1.25 mg/kg (protocol start 1.0) and a second dose 10 days later (< 18):
    two findings, worked out by hand below. Q: 1.0 mg/kg every 21 days, Hb 70 before: none."""
    return make_cohort(
        ["P", "Q"],
        hb=[("P", -1, 70), ("Q", -1, 70)],
        doses=[("P", 0, 1.25), ("P", 10, 1.25), ("Q", 0, 1.0), ("Q", 21, 1.0), ("Q", 42, 1.0)],
    )


P_FIRST = "day 0: first dose 1.25 mg/kg (protocol: start at 1.0)"
P_SHORT = "day 10: dose given 10 days after the previous one (protocol: every 21 days, ≥ 18)"


def test_analyze_does_not_run_the_review_until_it_is_read(counted):
    results = analyze(hand_cohort())
    assert counted == [] and not results.review_computed
    results.hb, results.cohort, results.protocol_params  # noqa: B018 — reading these needs no review
    assert counted == []
    findings = results.findings
    assert counted == ["study"] and results.review_computed
    assert [(r.patient_id, int(r.day), r.rule, r.kind, r.message) for r in findings.itertuples()] == [
        ("P", 0, "first_dose", "finding", P_FIRST),
        ("P", 10, "short_interval", "finding", P_SHORT),
    ]
    table = results.table.set_index("patient_id")
    assert table.loc["P", "protocol_findings"] == f"{P_FIRST}; {P_SHORT}"
    assert table.loc["P", "n_protocol_findings"] == 2
    assert pd.isna(table.loc["Q", "protocol_findings"]) and table.loc["Q", "n_protocol_findings"] == 0
    summary = summarize(results)
    assert summary["n_protocol_findings"] == 2 and summary["n_patients_with_findings"] == 1
    assert counted == ["study"]  # once per Results, however often it is read


def test_reading_the_table_first_runs_the_review_once(counted):
    results = analyze(hand_cohort())
    results.table  # noqa: B018
    results.table  # noqa: B018
    results.findings  # noqa: B018
    assert counted == ["study"]


def test_lazy_equals_eager_on_the_hand_cohort():
    cohort = hand_cohort()
    findings, table = eager(cohort)
    results = analyze(cohort)
    pd.testing.assert_frame_equal(results.findings, findings, check_exact=True)
    pd.testing.assert_frame_equal(results.table, table, check_exact=True)


@pytest.mark.parametrize("criteria, protocol", [("study", "study"), ("iwg2018", "study"), ("study", "label-mds")])
def test_lazy_equals_eager_on_the_demo_cohort(criteria, protocol):
    cohort = load_cohort(DEMO)
    findings, table = eager(cohort, criteria, protocol)
    assert len(findings) > 0  # the demo's deliberate deviations are there to be found
    results = analyze(cohort, criteria=criteria, protocol=protocol)
    pd.testing.assert_frame_equal(results.findings, findings, check_exact=True)
    pd.testing.assert_frame_equal(results.table, table, check_exact=True)
    eager_results = Results(results.criteria, results.params, results.protocol, results.protocol_params,
                            table, findings, results.hb, cohort)
    assert summarize(results) == summarize(eager_results)


def test_a_subset_cuts_the_full_review_when_read(counted):
    cohort = load_cohort(DEMO)
    results = analyze(cohort)
    ids = results.cohort.patients["patient_id"].astype(str).tolist()[::3]
    part = results.subset(ids)
    assert counted == [] and not part.review_computed
    findings, table = eager(cohort)
    eager_part = Results(results.criteria, results.params, results.protocol, results.protocol_params,
                         table, findings, results.hb, cohort).subset(ids)
    pd.testing.assert_frame_equal(part.findings, eager_part.findings, check_exact=True)
    pd.testing.assert_frame_equal(part.table, eager_part.table, check_exact=True)
    assert summarize(part) == summarize(eager_part)
    assert counted == ["study"]  # the full review, once; the subset's is cut from it


def test_no_protocol_means_no_review(counted):
    results = analyze(hand_cohort(), protocol=None)
    assert results.findings.empty and list(results.findings.columns) == ["patient_id", "day", "rule", "kind", "message"]
    assert results.table["n_protocol_findings"].tolist() == [0, 0]
    assert results.protocol_label == "no dose-protocol review"
    assert counted == []


def test_bad_protocol_parameters_still_fail_in_analyze():
    with pytest.raises(ValueError):
        analyze(hand_cohort(), protocol_params={"hold_hb_g_l": 1000})


def test_results_are_read_only():
    results = analyze(hand_cohort())
    with pytest.raises(AttributeError):
        results.criteria = "iwg2006"
    with pytest.raises(TypeError):
        Results("study", None, None, None)  # neither frames nor what computes them


def test_first_hb_above_row_by_row_equals_the_expanded_search(monkeypatch):
    """The dose-reduction rule's search (issue 16 made it row by row for short windows):
    the same first Hb above the threshold as expanding every window into its rows."""
    import numpy as np

    from lusp.criteria import common
    from lusp.protocol import common as protocol_common

    cohort = make_cohort(
        ["P", "Q"],
        hb=[("P", d, v) for d, v in [(-1, 70), (3, 95), (3, 80), (5, 91), (9, 120), (30, 99)]]
           + [("Q", d, v) for d, v in [(-1, 60), (2, 81), (4, 79)]],
        doses=[("P", 0, 1.0), ("P", 21, 1.0), ("Q", 0, 1.0)],
    )
    timeline = common.build_timeline(cohort)
    code = np.array([0, 0, 0, 1, 1, 0])
    lo = np.array([1, 1, 10, 1, 3, 40])
    hi = np.array([21, 4, 29, 21, 21, 50])
    threshold = np.array([90.0, 90.0, 90.0, 80.0, 80.0, 0.0])
    stepwise = protocol_common.first_hb_above(timeline, code, lo, hi, threshold)
    monkeypatch.setattr(protocol_common, "_STEPWISE_MAX_ROWS", 0)
    expanded = protocol_common.first_hb_above(timeline, code, lo, hi, threshold)
    # By hand: P's day 3 holds 95 then 80 (descending), so 95 on day 3 is the first above 90;
    # in days 10–29 only 120 on day 9 is outside, nothing; Q: 81 on day 2; from day 3 nothing
    # above 80 (79); P days 40–50: no Hb at all.
    np.testing.assert_array_equal(stepwise[0], expanded[0])
    np.testing.assert_array_equal(stepwise[1], expanded[1])
    np.testing.assert_array_equal(stepwise[0], [95.0, 95.0, np.nan, 81.0, np.nan, np.nan])
    np.testing.assert_array_equal(stepwise[1], [3, 3, -1, 2, -1, -1])
