"""Transfusions: RBC burden before vs after per TD patient, cohort totals, the TD
non-responders with their spike flag, and the table behind the chart."""
from __future__ import annotations

import streamlit as st

import app_state
from app_pages import _ui
from lusp.figures.cohort import burden_dumbbell

results = app_state.results()
_ui.page_header("Transfusions", results)
table = results.table

if table.empty:
    _ui.empty("No patient passes the filters in force. Widen them in the sidebar to see transfusions.")
    st.stop()

td = table[table["td_baseline"].astype("boolean").fillna(False).astype(bool)]
if td.empty:
    _ui.empty("No patient in this selection was transfusion-dependent at baseline (no RBC unit in the baseline "
              "window), so there is no transfusion burden to compare.")
    st.stop()

s = app_state.summary()
display = _ui.display()
window = s.get("baseline_window_days")
followup_days = int(td["followup_days"].astype("Int64").fillna(0).sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("TD patients", len(td))
# Rates, not raw totals: 8 weeks of baseline beside months of follow-up would make "after" look worse.
c2.metric("RBC units/28 d before (mean)", display.number(s["td_burden_before_u28"], 1),
          help=f"{s['td_units_baseline']:g} units in the {window}-day baseline windows of {len(td)} TD patients.")
c3.metric("RBC units/28 d after (mean)", display.number(s["td_burden_after_u28"], 1),
          help=f"{s['td_units_after']:g} units over {followup_days} days of follow-up after day 0.")
c4.metric("Transfusion independent", f"{s['n_ti']} of {s['n_td']}")
st.caption(f"Totals: {s['td_units_baseline']:g} RBC units in the {window}-day baseline windows"
           + (" (as far as recorded)" if s.get("n_td_baseline_incomplete") else "")
           + f" vs {s['td_units_after']:g} units over {followup_days} follow-up days (day 1 to end of follow-up).")
if s.get("n_td_baseline_incomplete"):
    st.warning(f"{s['n_td_baseline_incomplete']} TD patient(s) have fewer recorded pre-treatment days than the "
               f"{window}-day baseline window: their burden before is the rate over the recorded days only and "
               "their baseline count a lower bound (“≥ 9 U in 52 recorded of 112 days” in the table below).")

spec = _ui.altair_spec("burden", lambda: burden_dumbbell(table))
_ui.show_chart(spec, key="burden_dumbbell")

st.subheader("TD non-responders")
nonresponders = td[~td["responder"].astype("boolean").fillna(False).astype(bool)]
if nonresponders.empty:
    _ui.empty("Every TD patient in this selection achieved transfusion independence.")
else:
    st.markdown(f"**{s['n_td_nonresponders']}** TD patients did not reach transfusion independence; "
                f"**{s['n_spike_td_nonresponders']}** of them had the transient first-week Hb spike (mean burden of all "
                f"{s['n_td_nonresponders']}: {display.number(s['td_nonresponder_burden_before_u28'], 1)} → "
                f"{display.number(s['td_nonresponder_burden_after_u28'], 1)} U/28 d).")
    columns = ["patient_id", "diagnosis", "transient_spike", "spike_after_transfusion", "baseline_units_text",
               "burden_before_u28", "burden_after_u28", "burden_reduction_pct", "longest_tf_days"]
    _ui.show_table(_ui.rounded(nonresponders[[c for c in columns if c in nonresponders.columns]], 1),
                   key="td_nonresponders")

st.subheader("Per-patient table")
columns = ["patient_id", "diagnosis", "td_baseline", "baseline_units_text", "units_after", "burden_before_u28",
           "burden_after_u28", "burden_reduction_pct", "longest_tf_days", "tf_start_day", "tf_end_day",
           "ti_achieved", "outcome"]
_ui.show_table(_ui.rounded(table[[c for c in columns if c in table.columns]], 1), key="transfusion_table")
