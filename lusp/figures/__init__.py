"""Figure builders: analysis results in, Plotly (patient level) or Altair (cohort level) out.

No Streamlit here: the pages call these and only lay the figures out, and the export
helper renders the same objects to PNG/SVG/PPTX.
"""
from lusp.figures.cohort import (
    burden_dumbbell,
    forest_plot,
    response_rates_chart,
    response_rates_frame,
    subgroup_table,
    swimmer,
    swimmer_marks,
    waterfall,
)
from lusp.figures.hb_unit import HB_UNITS, hb_factor, hb_text
from lusp.figures.palette import OUTCOME_COLOURS, OUTCOME_LABELS, OUTCOMES
from lusp.figures.patient import patient_trajectory, small_multiples, small_multiples_order, trajectory_figure
from lusp.figures.safety import ae_by_grade_chart, blasts_chart, course_chart

__all__ = [
    "HB_UNITS", "OUTCOMES", "OUTCOME_COLOURS", "OUTCOME_LABELS",
    "ae_by_grade_chart", "blasts_chart", "burden_dumbbell", "course_chart", "forest_plot", "hb_factor",
    "hb_text", "patient_trajectory", "response_rates_chart", "response_rates_frame", "small_multiples",
    "small_multiples_order", "subgroup_table", "swimmer", "swimmer_marks", "trajectory_figure", "waterfall",
]
