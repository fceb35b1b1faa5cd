"""Figure builders on the hand-built three patients of ``conftest.three_patients``.

Expected days come from the fixture's docstring (worked out by hand there), not from the
analysis code: the charts must draw what the definitions say.
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.figures import (
    OUTCOME_COLOURS,
    OUTCOMES,
    ae_by_grade_chart,
    blasts_chart,
    burden_dumbbell,
    course_chart,
    forest_plot,
    patient_trajectory,
    response_rates_chart,
    response_rates_frame,
    small_multiples,
    small_multiples_order,
    subgroup_table,
    swimmer,
    swimmer_marks,
    waterfall,
)
from lusp.figures.palette import altair_outcome_scale

HOLLOW = "Hb within 14 days of a transfusion (excluded from response)"


def _shapes(fig, name):
    return [s for s in fig.layout.shapes if s.name == name]


def _annotations(fig, name):
    return [a.text for a in fig.layout.annotations if a.name == name]


def _trace(fig, name):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def test_palette_has_one_distinct_colour_per_outcome():
    assert set(OUTCOME_COLOURS) == set(OUTCOMES)
    assert len(set(OUTCOME_COLOURS.values())) == 4
    assert altair_outcome_scale().domain == list(OUTCOMES)


def test_spike_patient_trajectory_traces_shapes_and_labels(three_patients):
    fig = patient_trajectory(three_patients, "B")
    names = [t.name for t in fig.data]
    assert names == ["Hb", "Hb (transfusion-unaffected)", HOLLOW, "RBC transfused (units)", "Luspatercept dose (mg/kg)"]
    # Day 28 (61 g/L) is 8 days after the day-20 transfusion: the only hollow point.
    hollow = _trace(fig, HOLLOW)
    assert list(hollow.x) == [28] and list(hollow.y) == [61.0]
    assert hollow.marker.symbol == "circle-open"
    # Bars on the second axis at the post-baseline transfusion days (and the baseline one).
    bars = _trace(fig, "RBC transfused (units)")
    assert bars.yaxis == "y2" and list(bars.x) == [-20, 20, 50, 80]
    # Spike shaded from day 0 to the day Hb had fallen back (14), labelled in words.
    (spike,) = _shapes(fig, "transient spike")
    assert (spike.x0, spike.x1) == (0, 14)
    (spike_label,) = _annotations(fig, "transient spike")
    assert "+18 g/L on day 4" in spike_label and "day 14" in spike_label
    # Longest transfusion-free run 21–49 (29 days) shaded but labelled as no TI.
    (tf,) = _shapes(fig, "transfusion-free interval")
    assert (tf.x0, tf.x1) == (21, 49)
    (tf_label,) = _annotations(fig, "transfusion-free interval")
    assert "29 days, no TI" in tf_label
    (baseline,) = _shapes(fig, "baseline")
    assert baseline.y0 == 62.0
    assert sorted(s.y0 for s in fig.layout.shapes if s.name.startswith("reference")) == [60.0, 100.0, 115.0]
    # Hover names the date, day and value.
    assert "Day %{x}" in hollow.hovertemplate and "Hb %{y" in hollow.hovertemplate
    assert "customdata" in hollow.hovertemplate


def test_responder_trajectory_marks_ti_and_escalation(three_patients):
    fig = patient_trajectory(three_patients, "A")
    assert not _shapes(fig, "transient spike")
    (tf,) = _shapes(fig, "transfusion-free interval")
    assert (tf.x0, tf.x1) == (1, 140)
    (label,) = _annotations(fig, "transfusion-free interval")
    assert "Transfusion independent" in label and "140 days" in label
    dose = _trace(fig, "Luspatercept dose (mg/kg)")
    assert list(dose.x) == [0, 21, 42]
    assert list(dose.text) == ["1.0 mg/kg", "", "↑1.25"]  # the escalation at day 42 is labelled
    assert list(dose.marker.symbol) == ["diamond", "diamond", "triangle-up"]
    # The day-3 Hb (13 days after the day −10 transfusion) is hollow.
    assert list(_trace(fig, HOLLOW).x) == [3]


def test_trajectory_in_g_dl_scales_values_and_labels(three_patients):
    fig = patient_trajectory(three_patients, "B", hb_unit="g/dL")
    assert list(_trace(fig, "Hb (transfusion-unaffected)").y)[:2] == pytest.approx([6.2, 8.0])
    assert _shapes(fig, "baseline")[0].y0 == pytest.approx(6.2)
    assert fig.layout.yaxis.title.text == "Hb (g/dL)"
    assert "+1.8 g/dL" in _annotations(fig, "transient spike")[0]


def test_patient_without_baseline_has_no_baseline_line(three_patients):
    fig = patient_trajectory(three_patients, "C")
    assert not _shapes(fig, "baseline") and not _shapes(fig, "transient spike")


def test_unknown_patient_is_a_key_error(three_patients):
    with pytest.raises(KeyError):
        patient_trajectory(three_patients, "Z")


def test_small_multiples_order_and_selection(three_patients):
    table = three_patients.table
    assert small_multiples_order(table, "rise") == ["A", "B", "C"]  # 38, 18, missing last
    assert small_multiples_order(table, "burden") == ["A", "B", "C"]  # 2.0, 1.0, 0.0
    assert small_multiples_order(table, "id") == ["A", "B", "C"]
    with pytest.raises(ValueError):
        small_multiples_order(table, "age")
    spec = small_multiples(three_patients.hb, table, ["B", "A"]).to_dict()
    assert spec["facet"]["sort"] == ["B", "A"]
    assert spec["params"][0]["name"] == "pick" and spec["params"][0]["select"]["fields"] == ["patient_id"]


def test_subgroup_table_counts_and_exact_ci(three_patients):
    sub = subgroup_table(three_patients.table, three_patients.cohort.patients, "sf3b1_mutated")
    assert list(sub["level"]) == ["yes", "no", "missing"]
    assert list(sub["responders"]) == [1, 0, 0] and list(sub["n"]) == [1, 1, 1]
    # 0 of 1: exact upper bound 1 − 0.025^(1/1) = 0.975.
    assert sub.loc[1, "ci_high"] == pytest.approx(0.975)
    ages = subgroup_table(three_patients.table, three_patients.cohort.patients, "age", cutoff=70)
    assert list(ages["level"]) == ["< 70", "≥ 70"] and list(ages["n"]) == [1, 2]
    median = subgroup_table(three_patients.table, three_patients.cohort.patients, "age")
    assert median["cutoff"].iloc[0] == 71.0  # median of 64, 71, 80


def test_response_rates_frame_from_summary_keys():
    summary = {
        "n_patients": 22, "n_td": 16, "n_ntd": 6, "n_responders": 14, "n_td_responders": 9,
        "n_ntd_responders": 5,
        "response_rate": {k: {"rate": r, "ci_low": r - 0.2, "ci_high": r + 0.1}
                          for k, r in (("overall", 14 / 22), ("td", 9 / 16), ("ntd", 5 / 6))},
    }
    frame = response_rates_frame(summary)
    assert list(frame["group"]) == ["All patients", "TD at baseline", "NTD at baseline"]
    assert list(frame["responders"]) == [14, 9, 5]
    spec = response_rates_chart(frame, criteria_label="Study").to_dict()
    texts = spec["datasets"][next(iter(spec["datasets"]))]
    # 9/16 = 56.25 %: half-up to 56.3, as lusp.narrative.percent and every table say
    assert texts[1]["label"].startswith("9/16  56.3 % (95 % CI 36.3–")
    no_ntd = dict(summary, n_ntd=0)
    assert list(response_rates_frame(no_ntd)["group"]) == ["All patients", "TD at baseline"]


def test_cohort_charts_build_and_name_outcomes_in_words(three_patients):
    table = three_patients.table
    dumbbell = burden_dumbbell(table).to_dict()
    data = dumbbell["datasets"][next(iter(dumbbell["datasets"]))]
    assert [row["patient_id"] for row in data] == ["A", "B"]  # TD patients only
    assert {row["outcome_words"] for row in data} == {"Responder", "Transient spike (non-responder)"}
    wf = waterfall(table, threshold_g_l=10).to_dict()
    wf_rows = wf["datasets"][next(iter(wf["datasets"]))]
    assert sorted(r["patient_id"] for r in wf_rows) == ["A", "B"]  # C has no rise
    marks = swimmer_marks(three_patients.cohort.doses, three_patients.cohort.events, ["A", "B", "C"])
    assert set(zip(marks["patient_id"], marks["day"], marks["mark"])) == {
        ("A", 42, "dose escalation"), ("B", 90, "progression"), ("B", 35, "grade ≥ 3 adverse event")}
    swimmer(table, marks).to_dict()
    forest = forest_plot(subgroup_table(table, three_patients.cohort.patients, "diagnosis"), overall_rate=1 / 3)
    assert forest.to_dict()["title"]["text"] == "Response rate by diagnosis"


def test_safety_charts(three_patients):
    events, labs, table = three_patients.cohort.events, three_patients.cohort.labs, three_patients.table
    ae = ae_by_grade_chart(events).to_dict()
    rows = ae["datasets"][next(iter(ae["datasets"]))]
    assert {(r["term"], r["grade_text"], r["events"]) for r in rows} == {("Fatigue", "Grade 1", 1),
                                                                          ("Hypertension", "Grade 3", 1)}
    course_chart(events, table).to_dict()
    blasts = blasts_chart(labs, table).to_dict()
    lines, names = blasts["layer"]
    assert lines["encoding"]["y"]["title"] == "Bone marrow blasts (%)"
    # B's blasts reached 14 % (≥ 5 %): its line is named at its last value (day 84).
    named = blasts["datasets"][names["data"]["name"]]
    assert [(r["patient_id"], r["day"]) for r in named] == [("B", 84)]


def test_builders_do_not_mutate_inputs(three_patients):
    before = three_patients.table.copy()
    hb_before = three_patients.hb.copy()
    waterfall(three_patients.table)
    burden_dumbbell(three_patients.table)
    small_multiples(three_patients.hb, three_patients.table, ["A"])
    pd.testing.assert_frame_equal(three_patients.table, before)
    pd.testing.assert_frame_equal(three_patients.hb, hb_before)


def test_swimmer_marks_without_any_escalation(three_patients):
    # B and C stay at 1.0 mg/kg: no escalation; B's progression and grade-3 AE remain.
    marks = swimmer_marks(three_patients.cohort.doses, three_patients.cohort.events, ["B", "C"])
    assert set(zip(marks["patient_id"], marks["day"], marks["mark"])) == {
        ("B", 90, "progression"), ("B", 35, "grade ≥ 3 adverse event")}
    assert swimmer_marks(three_patients.cohort.doses, three_patients.cohort.events, ["C"]).empty


def test_swimmer_without_any_ti_renders_at_its_width(three_patients):
    import vl_convert as vlc

    # B (no TI) and C (NTD): no TI band to draw; the chart must still have a finite width.
    table = three_patients.table[three_patients.table["patient_id"].isin(["B", "C"])]
    marks = swimmer_marks(three_patients.cohort.doses, three_patients.cohort.events, ["B", "C"])
    svg = vlc.vegalite_to_svg(swimmer(table, marks).to_dict())
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    assert 640 <= width < 2000


def test_km_chart_steps_censor_ticks_and_counts():
    from lusp.figures.cohort import km_chart
    from lusp.stats import kaplan_meier, km_median

    # 5 patients: TI reached on days 10, 10, 30; censored at 20 and 60.
    # S: 1 → 3/5 = 0.6 at day 10 → 0.6·(1 − 1/2) = 0.3 at day 30; median = 30 days.
    km = kaplan_meier([10, 10, 20, 30, 60], [True, True, False, True, False])
    spec = km_chart(km, title="Time to TI", y_title="Reached TI (%)", rising=True, n_label="TD patients",
                    median_days=km_median(km)).to_dict()
    rows = spec["datasets"][next(iter(spec["datasets"]))]
    assert [r["time"] for r in rows] == [0, 10, 20, 30, 60]
    assert [round(r["y_pct"], 6) for r in rows] == [0, 40, 40, 70, 70]  # 1 − S, in %
    line, ticks = spec["layer"][1], spec["layer"][2]
    assert line["mark"]["interpolate"] == "step-after"
    assert ticks["mark"]["type"] == "tick" and ticks["transform"] == [{"filter": "datum.n_censored > 0"}]
    assert spec["title"]["subtitle"].startswith("n = 5 TD patients, 3 events; median 30 days")
    falling = km_chart(km, title="Duration", y_title="Still TI (%)").to_dict()
    assert [round(r["y_pct"], 6) for r in falling["datasets"][next(iter(falling["datasets"]))]] == [
        100, 60, 60, 30, 30]
