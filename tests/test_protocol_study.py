"""Every rule of the study dose-protocol review (SPEC §3 last paragraph), worked by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.analysis import analyze
from lusp.protocol import PROTOCOLS, review
from lusp.protocol.common import FINDING_COLUMNS
from lusp.protocol.study import StudyProtocolParams
from tests.cohort_factory import make_cohort

REGULAR = [(0, 1.0), (21, 1.0), (42, 1.0)]


def findings(doses, hb=((-1, 70),), tx=(), rule=None, params=None):
    """Findings of one patient P as (day, rule, kind, message) tuples."""
    cohort = make_cohort(["P"], hb=[("P", d, v) for d, v in hb], transfusions=[("P", *t) for t in tx],
                         doses=[("P", d, v) for d, v in doses])
    results = analyze(cohort, protocol_params=params)
    frame = results.findings
    if rule:
        frame = frame[frame["rule"] == rule]
    return [(int(r.day), r.rule, r.kind, r.message) for r in frame.itertuples()]


def test_regular_dosing_without_hb_data_has_no_findings():
    # NTD with only a baseline Hb: the escalation criterion cannot be judged (no Hb after day 0).
    assert findings(REGULAR) == []


@pytest.mark.parametrize("first, expected", [(1.0, []), (1.25, [
    (0, "first_dose", "finding", "day 0: first dose 1.25 mg/kg (protocol: start at 1.0)")])])
def test_first_dose(first, expected):
    assert findings([(0, first)], rule="first_dose") == expected


@pytest.mark.parametrize("second_day, expected", [(18, []), (17, [
    (17, "short_interval", "finding",
     "day 17: dose given 17 days after the previous one (protocol: every 21 days, ≥ 18)")])])
def test_interval_shorter_than_18_days(second_day, expected):
    assert findings([(0, 1.0), (second_day, 1.0)], rule="short_interval") == expected


def test_dose_above_maximum():
    ladder = [(0, 1.0), (21, 1.0), (42, 1.25), (63, 1.25), (84, 1.5), (105, 1.5), (126, 1.75), (147, 1.75),
              (168, 2.0)]
    # No Hb after day 0: the criterion cannot be judged, so the only finding is the dose itself
    # (1.75 → 2.0 skips no protocol level and follows 2 doses at 1.75).
    assert findings(ladder) == [
        (168, "above_max", "finding", "day 168: 2.0 mg/kg is above the protocol maximum 1.75 mg/kg")]


@pytest.mark.parametrize("third, skipped", [(1.25, None), (1.5, "1.25"), (1.75, "1.25, 1.5")])
def test_skipped_step(third, skipped):
    got = findings([(0, 1.0), (21, 1.0), (42, third)], rule="skipped_step")
    expected = [] if skipped is None else [(42, "skipped_step", "finding",
                f"day 42: escalated from 1.0 to {third} mg/kg, skipping {skipped} (protocol: one step at a time)")]
    assert got == expected


def test_escalation_before_two_doses_at_the_level():
    assert findings([(0, 1.0), (21, 1.25)]) == [
        (21, "early_escalation", "finding", "day 21: escalated to 1.25 mg/kg after 1 dose at 1.0 (protocol: ≥ 2)")]


def test_escalation_when_ntd_criterion_already_met():
    # Baseline 80 (day −1); peak unaffected Hb in days 0…41 is 95 (day 21): rise 15 ≥ 10.
    got = findings([(0, 1.0), (21, 1.0), (42, 1.25)], hb=[(-1, 80), (21, 95)], rule="escalation_criterion_met")
    assert got == [(42, "escalation_criterion_met", "finding",
                    "day 42: escalated to 1.25 mg/kg although the response criterion was met (Hb peak 95 g/L "
                    "since day 0, rise 15 g/L ≥ 10 g/L; protocol: escalate only below it)")]


@pytest.mark.parametrize(
    "units_in_window, met",
    [
        (3, True),   # burden 3 × 28 / 42 = 2.0 vs baseline 6 × 28 / 56 = 3.0 → reduction 33.3 % ≥ 33
        (4, False),  # 4 × 28 / 42 = 2.67 → reduction 11.1 % < 33: escalating is right
    ],
)
def test_escalation_when_td_criterion_already_met(units_in_window, met):
    tx = [(-30, 3), (-10, 3)] + [(5 + 10 * i, 1) for i in range(units_in_window)]
    got = findings([(0, 1.0), (21, 1.0), (42, 1.25)], tx=tx, rule="escalation_criterion_met")
    if met:
        assert got == [(42, "escalation_criterion_met", "finding",
                        "day 42: escalated to 1.25 mg/kg although the response criterion was met (transfusion "
                        "burden 3 → 2 U/28 d since day 0, reduction 33.3 % ≥ 33 %; protocol: escalate only below it)")]
    else:
        assert got == []


def test_no_escalation_after_two_doses_without_response_is_information():
    # Baseline 80; peak 85 in days 0…41: rise 5 < 10 and still at 1.0 on day 42.
    got = findings(REGULAR, hb=[(-1, 80), (21, 85)])
    assert got == [(42, "no_escalation", "info",
                    "day 42: kept at 1.0 mg/kg after 2 doses at that level without response (Hb peak 85 g/L "
                    "since day 0, rise 5 g/L < 10 g/L; protocol: escalate to 1.25)")]


def test_no_escalation_is_noted_once_per_level_not_at_every_later_dose():
    # Still at 1.0 on days 42 and 63 with the rise still 5: one note (day 42), the same decision after.
    got = findings(REGULAR + [(63, 1.0)], hb=[(-1, 80), (21, 85)], rule="no_escalation")
    assert [d for d, *_ in got] == [42]


def test_no_escalation_finding_at_the_maximum_or_without_baseline():
    top = [(0, 1.75), (21, 1.75), (42, 1.75)]
    assert findings(top, hb=[(-1, 80), (21, 85)], rule="no_escalation") == []
    assert findings(REGULAR, hb=[(21, 85)], rule="no_escalation") == []  # no baseline: cannot be judged


@pytest.mark.parametrize(
    "pre_dose_hb, tx, flagged",
    [
        (115.0, [], True),        # ≥ 115 with no transfusion in days 0…20
        (114.9, [], False),
        (115.0, [(0, 1)], False),   # transfusion on day 0: within the prior 21 days of the day-21 dose
        (115.0, [(-1, 1)], True),   # day −1 is 22 days before: outside
    ],
)
def test_hold_rule(pre_dose_hb, tx, flagged):
    got = findings([(0, 1.0), (21, 1.0)], hb=[(-2, 100), (20, pre_dose_hb)], tx=tx, rule="hold_rule")
    expected = [(21, "hold_rule", "finding",
                 "day 21: dose given with pre-dose Hb 115 g/L (day 20) ≥ 115 and no transfusion in the prior "
                 "21 days (protocol: hold the dose)")]
    assert got == (expected if flagged else [])


@pytest.mark.parametrize(
    "hb_day, hb_value, tx, flagged",
    [
        (14, 100.1, [], True),      # 20.1 above the pre-dose 80 (day −1) within 21 days
        (14, 100.0, [], False),     # exactly 20 is not > 20
        (21, 100.1, [], True),      # day 21 is within 21 days of the day-0 dose
        (22, 100.1, [], False),     # day 22 is not
        (14, 100.1, [(5, 1)], False),   # a transfusion in between explains the rise
        (14, 100.1, [(14, 1)], True),   # on the Hb's own day it comes after the draw
        (14, 100.1, [(-1, 1)], False),  # on the pre-dose Hb's day it comes after that draw
    ],
)
def test_dose_reduction_rule(hb_day, hb_value, tx, flagged):
    got = findings([(0, 1.0), (28, 1.0)], hb=[(-1, 80), (hb_day, hb_value)], tx=tx, rule="dose_reduction_rule")
    expected = [(0, "dose_reduction_rule", "finding",
                 f"day 0: Hb rose to 100.1 g/L on day {hb_day}, 20.1 g/L above the pre-dose 80 g/L within 21 days "
                 "without a transfusion (protocol: reduce the next dose when the rise is > 20 g/L; next dose "
                 "1.0 mg/kg)")]
    assert got == (expected if flagged else [])


@pytest.mark.parametrize("doses, kind, ending", [
    ([(0, 1.0), (21, 0.8)], "info", "it was reduced)"),
    ([(0, 1.0)], "info", "no later dose)"),
])
def test_dose_reduction_rule_followed_is_information(doses, kind, ending):
    got = findings(doses, hb=[(-1, 80), (14, 105)], rule="dose_reduction_rule")
    assert [(k, m.endswith(ending)) for _, _, k, m in got] == [(kind, True)]


def test_parameters_change_the_rules():
    params = StudyProtocolParams(min_interval_days=10, dose_levels_mg_kg=(1.0, 1.5, 2.0))
    got = findings([(0, 1.0), (14, 1.0), (28, 1.5), (42, 1.5), (56, 2.0)], params=params)
    assert got == []  # 14-day intervals allowed, 1.0 → 1.5 → 2.0 are single steps after 2 doses


def test_findings_frame_is_tidy_and_sorted():
    cohort = make_cohort(["B", "A"], hb=[("A", -1, 70), ("B", -1, 70)],
                         doses=[("A", 0, 1.25), ("A", 10, 1.5), ("B", 0, 1.0), ("B", 21, 1.25)])
    results = analyze(cohort)
    frame = review(cohort, results.table, "study")
    assert tuple(frame.columns) == FINDING_COLUMNS
    # B: day 21 escalation after 1 dose. A: day 0 starts at 1.25; day 10 comes 10 days later and
    # escalates after 1 dose (1.25 → 1.5 is one step). Patients in cohort order, then day, then rule.
    assert list(frame["patient_id"]) == ["B", "A", "A", "A"]
    assert frame["day"].tolist() == [21, 0, 10, 10]
    assert list(frame["rule"]) == ["early_escalation", "first_dose", "short_interval", "early_escalation"]
    assert set(frame["kind"]) <= {"finding", "info"}
    assert all(m.startswith(f"day {d}: ") for d, m in zip(frame["day"], frame["message"]))


def test_no_protocol_review():
    cohort = make_cohort(["P"], doses=[("P", 0, 3.0)])
    results = analyze(cohort, protocol=None)
    assert results.findings.empty and results.table["protocol_findings"].isna().all()


def test_registry_has_the_study_protocol():
    assert "study" in PROTOCOLS and PROTOCOLS["study"].rules[0] == "first_dose"


def test_review_does_not_mutate_inputs():
    cohort = make_cohort(["P"], hb=[("P", -1, 80), ("P", 14, 105)], doses=[("P", 0, 1.25), ("P", 7, 1.5)])
    table = analyze(cohort, protocol=None).table
    before = (cohort.doses.copy(), table.copy())
    review(cohort, table, "study")
    pd.testing.assert_frame_equal(cohort.doses, before[0])
    pd.testing.assert_frame_equal(table, before[1])
