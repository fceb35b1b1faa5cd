"""The display context and the label registry (issue 12), at their fence posts.

Every expected string is written out by hand: half-up rounding (16.5 → 17, not Python's
round-half-even 16), g/L → g/dL by a decimal shift (17.5 g/L = 1.75 g/dL → "1.8"), and the
words a clinician expects ("1 unit", "42 days", "50 %").
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.analysis import analyze
from lusp.demo import make_demo_cohort
from lusp.display import Display, round_half_up
from lusp.export.deck import deck_patient_table
from lusp.figures.patient import patient_trajectory
from lusp.labels import MESSAGES, column_label, covariate_label, criteria_label, labelled, parameter_text

G_L, G_DL = Display(), Display(hb_unit="g/dL")


@pytest.mark.parametrize("value, decimals, expected", [
    (16.5, 0, "17"), (17.5, 0, "18"), (-2.5, 0, "-3"), (2.45, 1, "2.5"), (0.1 * 175, 0, "18"),
    (77.1 - 59.6, 0, "18"),  # 17.499999999999993 in floating point: the 17.5 it stands for
    (17.4999, 0, "17"),
])
def test_round_half_up(value, decimals, expected):
    assert f"{round_half_up(value, decimals):f}" == expected


@pytest.mark.parametrize("display, value, kwargs, expected", [
    (G_L, 17.5, {"signed": True}, "+18 g/L"),
    (G_DL, 17.5, {"signed": True}, "+1.8 g/dL"),
    (G_L, 59.6, {}, "60 g/L"),
    (G_DL, 59.6, {}, "6.0 g/dL"),
    (G_L, 60.609, {"mean": True}, "60.6 g/L"),
    (G_DL, 60.609, {"mean": True}, "6.06 g/dL"),
    (G_L, -12.0, {"signed": True}, "−12 g/L"),
    (G_L, 0.2, {"signed": True}, "0 g/L"),  # never "+0" or "-0"
    (G_L, None, {}, "—"),
    (G_L, pd.NA, {}, "—"),
])
def test_hb_text(display, value, kwargs, expected):
    assert display.hb(value, **kwargs) == expected


@pytest.mark.parametrize("sentence, expected", [
    ("Hb 60 g/L → peak 77 g/L on day 7", "Hb 6.0 g/dL → peak 7.7 g/dL on day 7"),
    ("rise 17.5 g/L ≥ 10 g/L", "rise 1.75 g/dL ≥ 1.0 g/dL"),  # the number as written, shifted
    ("Hb 80–100 g/L", "Hb 8.0–10.0 g/dL"),
    ("mean 85.33 g/L", "mean 8.533 g/dL"),
    ("a rise of +15 g/L", "a rise of +1.5 g/dL"),
    ("Hb (g/L)", "Hb (g/dL)"),
    ("EPO 200 U/L; ferritin 300 µg/L", "EPO 200 U/L; ferritin 300 µg/L"),  # not Hb units
    ("days 1–14, 2 U", "days 1–14, 2 U"),
])
def test_text_in_g_dl(sentence, expected):
    assert G_DL.text(sentence) == expected
    assert G_L.text(sentence) == sentence  # g/L: the sentence as written


def test_display_rejects_unknown_unit_and_language():
    with pytest.raises(ValueError, match="g/L, g/dL"):
        Display(hb_unit="mmol/L")
    with pytest.raises(ValueError, match="language"):
        Display(lang="xx")


@pytest.mark.parametrize("description, expected", [
    ({"label": "RBC units in the baseline window that make a patient TD", "unit": "units", "value": 1.0,
      "default": 1.0}, "RBC units in the baseline window that make a patient TD: 1 unit"),
    ({"label": "Transfusion-free run for transfusion independence", "unit": "days", "value": 84, "default": 56},
     "Transfusion-free run for transfusion independence: 84 days (default 56 days)"),
    ({"label": "Spike: fall (share of the rise)", "unit": "fraction", "value": 0.5, "default": 0.5},
     "Spike: fall (share of the rise): 50 %"),
    ({"label": "Minimum follow-up", "unit": "day", "value": 1, "default": 1}, "Minimum follow-up: 1 day"),
])
def test_parameter_text_agrees_in_number(description, expected):
    assert parameter_text(description) == expected


def test_parameter_text_hb_threshold_follows_the_display():
    item = {"label": "Hb rise for an NTD response", "unit": "g/L", "value": 10.0, "default": 10.0}
    assert parameter_text(item) == "Hb rise for an NTD response: 10 g/L"
    assert parameter_text(item, G_DL) == "Hb rise for an NTD response: 1.0 g/dL"


def test_labels_are_clinical():
    assert criteria_label("study") == "Source-study definitions"
    assert criteria_label("iwg2006") == "IWG 2006 HI-E"
    assert criteria_label("iwg2018") == "IWG 2018 HI-E"
    assert column_label("baseline_hb_g_l", G_DL) == "Baseline Hb (g/dL)"
    assert covariate_label("baseline_epo_u_l") == "Baseline EPO (U/L)"
    assert covariate_label("sf3b1_mutated") == "SF3B1 mutated"
    assert covariate_label("hospital_ward") == "Hospital ward"  # a user's own column, in its words
    with pytest.raises(KeyError, match="add it to lusp.labels"):
        column_label("made_up_column")


def test_every_result_column_has_a_label():
    cohort = make_demo_cohort()
    for name in ("study", "iwg2006", "iwg2018"):
        for column in analyze(cohort, name).table.columns:
            assert column_label(column), column
    # one catalogue today; every value is a display string (or a singular/plural pair)
    assert set(MESSAGES) == {"en"}
    assert all(isinstance(v, (str, tuple)) for v in MESSAGES["en"].values())


def test_labelled_converts_names_values_and_booleans_but_not_the_input():
    frame = pd.DataFrame({"patient_id": ["P1"], "hb_rise_g_l": [17.5], "ti_achieved": pd.array([True], "boolean"),
                          "reason": ["Hb 60 g/L → peak 77.5 g/L"]})
    before = frame.copy()
    shown = labelled(frame, G_DL)
    assert list(shown.columns) == ["Patient", "Hb rise (g/dL)", "Transfusion independent", "Why"]
    assert shown.iloc[0].tolist() == ["P1", 1.8, "yes", "Hb 6.0 g/dL → peak 7.75 g/dL"]
    pd.testing.assert_frame_equal(frame, before)


@pytest.fixture(scope="module")
def demo_results():
    return analyze(make_demo_cohort())


@pytest.mark.parametrize("display", [G_L, G_DL])
def test_chart_and_table_show_the_same_rounded_rise(demo_results, display):
    # DEMO-10: baseline 59.6, early peak 77.1 on day 7 = the peak; rise 17.5 g/L → "+18"
    # (was "+17" on the chart and "+18" in the table beside it).
    row = demo_results.table.set_index("patient_id").loc["DEMO-10"]
    assert row["hb_rise_g_l"] == pytest.approx(17.5)
    fig = patient_trajectory(demo_results, "DEMO-10", hb_unit=display.hb_unit)
    spike = next(a.text for a in fig.layout.annotations if a.name == "transient spike")
    expected = display.hb(17.5, signed=True)
    assert expected in spike and expected in {"+18 g/L", "+1.8 g/dL"}
    table = deck_patient_table(demo_results.table, display=display).set_index("Patient")
    assert table.loc["DEMO-10", f"Hb rise ({display.hb_unit})"] == expected.split()[0]


def test_ntd_patient_chart_claims_no_transfusion_independence(demo_results):
    # DEMO-22: NTD, non-responder, rise +4 g/L (76.2 → 80.2): no TI band or words; the
    # NTD threshold (baseline + 10 = 86.2 g/L → "86 g/L") and the peak's rise instead.
    fig = patient_trajectory(demo_results, "DEMO-22")
    shapes = [s.name for s in fig.layout.shapes]
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "transfusion-free interval" not in shapes and "NTD response threshold" in shapes
    assert "Transfusion independent" not in texts and "transfusion-free" not in texts.lower()
    assert "NTD response needs Hb ≥ 86 g/L" in texts
    assert "peak 80 g/L on day 84 (+4 g/L over baseline)" in texts
    # A TD patient keeps its TI band (DEMO-01 reached TI).
    td = demo_results.table.set_index("patient_id")
    ti_patient = td[td["ti_achieved"].fillna(False).astype(bool)].index[0]
    assert "transfusion-free interval" in [s.name for s in patient_trajectory(demo_results, ti_patient).layout.shapes]


def test_iwg2018_ti_band_is_the_run_inside_the_observation_period():
    # DEMO-01 never needed a transfusion after day 0: the study-wide run is days 1–252, but
    # IWG 2018 judges TI within days 1–168, and the band shows that run.
    results = analyze(make_demo_cohort(), "iwg2018")
    row = results.table.set_index("patient_id").loc["DEMO-01"]
    assert (row["tf_start_day"], row["tf_end_day"]) == (1, 252)
    assert (row["ti_obs_start_day"], row["ti_obs_end_day"]) == (1, 168)
    fig = patient_trajectory(results, "DEMO-01")
    (band,) = [s for s in fig.layout.shapes if s.name == "transfusion-free interval"]
    assert (band.x0, band.x1) == (1, 168)
    text = next(a.text for a in fig.layout.annotations if a.name == "transfusion-free interval")
    assert "days 1–168 (168 days)" in text
