"""What the fresh-eyes review of the merged screens found, pinned down (issues 12 and 14):

- one rounding everywhere: DEMO-12's first-week rise of 18.5 g/L (78.5 − 60.0, the demo's
  values) reads "+19" in the two-dose review table, as half-up rounding and its chart give;
- the Overview's reconciliation sentence says *equal* when the mean of the individual rises
  equals the difference of the means (post Hb = peak, same patients) and *differ*, with the
  reason, when it does not (post Hb = last).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from lusp import early
from lusp.analysis import analyze, summarize
from lusp.load import load_cohort
from lusp.narrative import rise_reconciliation_why

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"


@pytest.fixture(scope="module")
def demo():
    return load_cohort(DEMO, synthetic=True)


def test_review_table_rounds_half_up_like_the_charts(demo):
    results = analyze(demo)
    picture = early.review_picture(results)
    rise = float(picture.set_index("patient_id").loc["DEMO-12", "first_week_rise_g_l"])
    assert rise == pytest.approx(18.5)
    table = early.review_display(picture).set_index("Patient")
    assert table.loc["DEMO-12", "Week-1 rise (g/L)"] == "+19"
    assert early.review_display(picture, hb_unit="g/dL").set_index("Patient").loc["DEMO-12", "Week-1 rise (g/dL)"] == "+1.9"


def test_reconciliation_says_equal_or_differ_and_why(demo):
    peak = analyze(demo)
    assert rise_reconciliation_why(summarize(peak), peak).startswith("The two are equal because both means cover")
    last = analyze(demo, params={"post_hb": "last"})
    why = rise_reconciliation_why(summarize(last), last)
    assert why.startswith("The two differ because") and "not the peak" in why


def test_signs_table_says_which_way_each_sign_points(demo):
    """Every 2 × 2 is against failure; the table names each sign as a sign of failure (the
    spike) or of response (a rise, a burden reduction), so "sensitivity 0/8" of the day-42
    rise reads as what it is: the rise is absent in the failures."""
    results = analyze(demo)
    frame = early.signs_frame(early.early_signs(results)).set_index("sign")
    points = dict(zip(frame.index.str.split(" ").str[0], frame["sign of"]))
    assert points == {"Transient": "failure", "Hb": "response", "Transfusion-burden": "response", "Early": "response"}
    assert "read those rows the other way round" in early.DIRECTION_NOTE
