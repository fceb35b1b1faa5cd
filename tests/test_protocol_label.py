"""The ``label-mds`` dose protocol (CRITERIA.md) on hand-built dosing histories.

Each patient isolates one rule; the expected findings are worked out in the comments.
Unless stated, Hb is 80 g/L on every dose day (no hold, no rise) and TD patients received
2 U on days −30 and −10 (baseline burden 4 U × 28 / 56 = 2.0 U/28 d).
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.criteria import study
from lusp.protocol import PROTOCOLS, get_protocol, label_mds
from lusp.protocol import review as review_protocol
from tests.cohort_factory import make_cohort

TD_BASELINE = [(-30, 2), (-10, 2)]


def _doses(pid, pairs):
    return [(pid, d, x) for d, x in pairs]


def _flat_hb(pid, days, value=80.0):
    return [(pid, d, value) for d in days]


PATIENTS = {
    # esc-ok (TD): 1.0, 1.0, 1.33, 1.33, 1.75 on days 0…84, transfused on days 10 and 50 (so
    # never transfusion-free at a level): every escalation after 2 doses, one level each → none.
    "esc-ok": dict(doses=[(0, 1.0), (21, 1.0), (42, 1.33), (63, 1.33), (84, 1.75)], tx=TD_BASELINE + [(10, 1), (50, 1)]),
    # esc-bad (TD): 1.0 → 1.25 after 1 dose (not a label level; too early).
    # Then 1.25 is given once more (day 42: run of 2, flagged once at its start), and day 63
    # goes to 1.75 after 2 doses at 1.25 (no early escalation; 1.25 is no level, so no skip).
    "esc-bad": dict(doses=[(0, 1.0), (21, 1.25), (42, 1.25), (63, 1.75)], tx=TD_BASELINE + [(10, 1), (30, 1)]),
    # esc-skip (TD): 1.0, 1.0, then 1.75 → skips 1.33.
    "esc-skip": dict(doses=[(0, 1.0), (21, 1.0), (42, 1.75)], tx=TD_BASELINE + [(10, 1)]),
    # esc-free (TD): no transfusion from day 0 to 41, yet escalated on day 42 → criterion met.
    "esc-free": dict(doses=[(0, 1.0), (21, 1.0), (42, 1.33)], tx=TD_BASELINE),
    # no-esc (TD): transfused on day 10, kept at 1.0 on day 42 after 2 doses → info only.
    "no-esc": dict(doses=[(0, 1.0), (21, 1.0), (42, 1.0)], tx=TD_BASELINE + [(10, 1)]),
    # discontinue (TD): at 1.75 from day 84; 5 U on days 90, 120, 140 over days 84…146 (63
    # days) = 5 × 28 / 63 = 2.2 U/28 d ≥ baseline 2.0 → the 4th dose at 1.75 (day 147) should
    # not have been given.
    "discontinue": dict(
        doses=[(0, 1.0), (21, 1.0), (42, 1.33), (63, 1.33), (84, 1.75), (105, 1.75), (126, 1.75), (147, 1.75)],
        tx=TD_BASELINE + [(10, 1), (50, 1), (90, 2), (120, 2), (140, 1)],
    ),
    # hold (NTD): Hb 100 (day 0), 112 (day 14; +12, no reduction trigger), 118 on day 21:
    # dose on day 21 at pre-dose Hb 118 ≥ 115, no transfusion → hold finding.
    "hold": dict(doses=[(0, 1.0), (21, 1.0)], hb=[(0, 100), (14, 112), (21, 118)]),
    # reduce (NTD): Hb 80 (day 0) → 101 (day 14): +21 > 20 within 21 days; next dose (day 21)
    # still 1.0 → finding ("reduce to 0.8"). After day 21 (pre-dose 101): 122 on day 35
    # (+21) → the next dose, day 42, is 0.8 → info. Pre-dose Hb on day 42 = 110 (day 40).
    "reduce": dict(doses=[(0, 1.0), (21, 1.0), (42, 0.8)], hb=[(0, 80), (14, 101), (35, 122), (40, 110)]),
    # lowest (NTD): starts at 0.6 (first-dose finding); Hb 80 → 105 by day 10 → at the
    # lowest level the label stops treatment, yet 0.6 is given again → finding.
    "lowest": dict(doses=[(0, 0.6), (21, 0.6)], hb=[(0, 80), (10, 105), (21, 104)]),
    # delayed (NTD): doses on days 0, 30 (delayed) and 42 (back on the old schedule, 12 days
    # after the delayed dose) → short interval, worded for the delayed dose.
    "delayed": dict(doses=[(0, 1.0), (30, 1.0), (42, 1.0)]),
    # resume (NTD): Hb 95, 105 (day 14), 108 (day 21, pre-dose), 118 on day 35 (held: no
    # dose for 35 days), dose on day 56 at pre-dose Hb 112 > 110 → resume finding (112 is
    # below 115, so no hold finding).
    "resume": dict(doses=[(0, 1.0), (21, 1.0), (56, 1.0)], hb=[(0, 95), (14, 105), (21, 108), (35, 118), (56, 112)]),
}

EXPECTED = {
    "esc-ok": set(),
    "esc-bad": {(21, "off_level", "finding"), (21, "early_escalation", "finding")},
    "esc-skip": {(42, "skipped_step", "finding")},
    "esc-free": {(42, "escalation_criterion_met", "finding")},
    "no-esc": {(42, "no_escalation", "info")},
    "discontinue": {(147, "discontinue_rule", "finding")},
    "hold": {(21, "hold_rule", "finding")},
    "reduce": {(0, "dose_reduction_rule", "finding"), (21, "dose_reduction_rule", "info")},
    "lowest": {(0, "first_dose", "finding"), (0, "dose_reduction_rule", "finding")},
    "delayed": {(42, "short_interval", "finding")},
    "resume": {(56, "resume_rule", "finding")},
}


def _cohort():
    hb, tx, doses = [], [], []
    for pid, spec in PATIENTS.items():
        dose_days = [d for d, _ in spec["doses"]]
        hb += [(pid, d, v) for d, v in spec["hb"]] if "hb" in spec else _flat_hb(pid, dose_days)
        tx += [(pid, d, u) for d, u in spec.get("tx", [])]
        doses += _doses(pid, spec["doses"])
    return make_cohort(patients=list(PATIENTS), hb=hb, transfusions=tx, doses=doses)


COHORT = _cohort()


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    table = study.evaluate(COHORT)
    return label_mds.review(COHORT, table)


@pytest.mark.parametrize("pid", list(EXPECTED))
def test_findings_per_patient(findings, pid):
    mine = findings[findings["patient_id"] == pid]
    got = {(int(d), r, k) for d, r, k in zip(mine["day"], mine["rule"], mine["kind"])}
    assert got == EXPECTED[pid]


def test_messages_are_dated_sentences_with_values(findings):
    by = {(p, r, int(d)): m for p, r, d, m in zip(findings["patient_id"], findings["rule"], findings["day"], findings["message"])}
    by.update({(p, r): by[(p, r, d)] for p, r, d in sorted(by)})  # (patient, rule) → its latest message
    assert by[("esc-bad", "early_escalation", 21)] == (
        "day 21: escalated to 1.25 mg/kg after 1 dose at 1.0 (label: not more often than every 2 doses)"
    )
    assert by[("esc-bad", "off_level", 21)] == (
        "day 21: 1.25 mg/kg is not a label dose level (0.6, 0.8, 1.0, 1.33, 1.75 mg/kg); given 2 times in a row"
    )
    assert "skipping 1.33" in by[("esc-skip", "skipped_step")]
    assert by[("discontinue", "discontinue_rule")].startswith("day 147: dose given after 3 doses at 1.75 mg/kg")
    assert "2 → 2.2 U/28 d" in by[("discontinue", "discontinue_rule")]
    assert "pre-dose Hb 118 g/L (day 21) ≥ 115" in by[("hold", "hold_rule")]
    assert "label: reduce to 0.8 mg/kg; next dose 1.0 mg/kg" in by[("reduce", "dose_reduction_rule", 0)]
    assert "next dose 0.8 mg/kg" in by[("reduce", "dose_reduction_rule", 21)]
    assert "label: stop treatment" in by[("lowest", "dose_reduction_rule")]
    assert "12 days after the delayed dose of day 30" in by[("delayed", "short_interval")]
    assert "pre-dose Hb 112 g/L > 110" in by[("resume", "resume_rule")]
    assert all(m.startswith("day ") for m in findings["message"])


def test_registered_under_its_name_and_edition():
    protocol = get_protocol("label-mds")
    assert "label-mds" in PROTOCOLS and protocol.review is label_mds.review
    assert "2025" in protocol.label and "1.33" in protocol.label
    text = label_mds.methods_text()
    assert label_mds.LABEL_EDITION in text and "1.0 → 1.33 → 1.75" in text and "0.6" in text
    assert set(protocol.rules) == set(label_mds.RULES)


def test_dispatch_through_package_review_matches_direct_call(findings):
    table = study.evaluate(COHORT)
    pd.testing.assert_frame_equal(review_protocol(COHORT, table, "label-mds"), findings)


def test_label_interval_is_stricter_than_the_study_protocol():
    # Doses 19 days apart: the study protocol tolerates ≥ 18 days, the label wants ≥ 21.
    cohort = make_cohort(patients=["P"], hb=[("P", 0, 80.0), ("P", 19, 80.0)], doses=[("P", 0, 1.0), ("P", 19, 1.0)])
    table = study.evaluate(cohort)
    assert "short_interval" not in set(review_protocol(cohort, table, "study")["rule"])
    label_findings = review_protocol(cohort, table, "label-mds")
    assert list(label_findings["rule"]) == ["short_interval"]
    assert label_findings["message"].iloc[0] == (
        "day 19: dose given 19 days after the previous one (label: at least 21 days between doses)"
    )


def test_cohort_not_mutated():
    before = COHORT.doses.copy()
    label_mds.review(COHORT, study.evaluate(COHORT))
    pd.testing.assert_frame_equal(COHORT.doses, before)
