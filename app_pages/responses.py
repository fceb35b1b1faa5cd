"""Responses & subgroups: rates with exact 95 % CIs, a forest plot by any patient covariate,
the waterfall of best Hb change and the swimmer plot of time on study."""
from __future__ import annotations

import streamlit as st

import app_state
from app_pages import _ui
from lusp.figures.cohort import (
    covariate_kind,
    forest_plot,
    response_rates_chart,
    response_rates_frame,
    subgroup_table,
    swimmer,
    swimmer_marks,
    waterfall,
)

SWIMMER_MAX_PATIENTS = 80  # one bar per patient stays readable up to about this many

results = app_state.results()
_ui.page_header("Responses & subgroups", results)
table = results.table

if table.empty:
    _ui.empty("No patient passes the filters in force. Widen them in the sidebar to see responses.")
    st.stop()

s = app_state.summary()
st.subheader("Response rates")
rates = response_rates_frame(s)
spec = _ui.altair_spec("rates", lambda: response_rates_chart(rates, criteria_label=app_state.criteria_label()))
_ui.show_chart(spec, key="response_rates")
st.caption("Exact (Clopper–Pearson) 95 % confidence intervals. Patients who cannot be evaluated count as "
           "non-responders (intention to treat).")

st.subheader("Subgroups")
patients = results.cohort.patients
covariates = [c for c in results.cohort.covariate_columns if patients[c].notna().any()]
if not covariates:
    _ui.empty("This cohort has no patient covariate to split by.")
else:
    pick_col, cut_col = st.columns([2, 3], vertical_alignment="bottom")
    covariate = pick_col.selectbox("Split response by", covariates, key="w_forest_covariate")
    cutoff = None
    if covariate_kind(patients[covariate]) == "numeric":
        values = patients[covariate].astype("Float64").dropna()
        median = float(values.median())
        how = cut_col.radio(f"Split {covariate} at", ["median", "a value"], key="w_forest_split", horizontal=True,
                            format_func=lambda h: f"the median ({median:g})" if h == "median" else h)
        if how == "a value":
            cutoff = st.number_input(f"{covariate} cut-off", value=median, key="w_forest_cutoff")
    subgroups = subgroup_table(table, patients, covariate, cutoff=cutoff)
    if len(subgroups) < 2:
        _ui.empty(f"All patients shown fall in one level of {covariate} ({subgroups['level'].iloc[0]}); there is "
                  "nothing to compare.")
    overall = s["response_rate"]["overall"]["rate"]
    spec = _ui.altair_spec("forest", lambda: forest_plot(subgroups, overall_rate=overall, covariate_label=covariate),
                           covariate, cutoff)
    _ui.show_chart(spec, key="forest_plot")
    st.caption("Exploratory: subgroups of a small cohort; the counts are beside every rate. "
               "Intervals are exact 95 % CIs.")
    _ui.show_table(_ui.rounded(subgroups.drop(columns=["cutoff"]), 3), key="subgroup_table")

st.subheader("Waterfall of best Hb change")
with_rise = int(table["hb_rise_g_l"].notna().sum())
if with_rise == 0:
    _ui.empty("No patient shown has both a baseline Hb and a transfusion-unaffected Hb after day 0, so no Hb change "
              "can be drawn.")
else:
    threshold = getattr(results.params, "ntd_rise_g_l", None)
    spec = _ui.altair_spec("waterfall", lambda: waterfall(table, hb_unit=app_state.hb_unit(), threshold_g_l=threshold))
    _ui.show_chart(spec, key="waterfall")
    missing = len(table) - with_rise
    if missing:
        st.caption(f"{missing} patient(s) without a computable Hb change (no baseline or no usable Hb after day 0) "
                   "are not drawn.")

st.subheader("Time on study")
shown = table.sort_values("end_day", ascending=False).head(SWIMMER_MAX_PATIENTS)
marks = swimmer_marks(results.cohort.doses, results.cohort.events, shown["patient_id"])
spec = _ui.altair_spec("swimmer", lambda: swimmer(shown, marks))
_ui.show_chart(spec, key="swimmer")
if len(table) > SWIMMER_MAX_PATIENTS:
    st.caption(f"The {SWIMMER_MAX_PATIENTS} longest follow-ups of {len(table)} patients are drawn; narrow the filters "
               "to see others.")
