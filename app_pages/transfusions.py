"""Transfusions: RBC burden before vs after per TD patient, cohort totals, the TD
non-responders with their spike flag, and the table behind the chart."""
from __future__ import annotations

import pandas as pd
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
c1, c2, c3, c4 = st.columns(4)
c1.metric("TD patients", len(td))
c2.metric("RBC units, baseline window", f"{s['td_units_baseline']:g}")
c3.metric("RBC units after day 0", f"{s['td_units_after']:g}")
c4.metric("Transfusion independent", f"{s['n_ti']} of {s['n_td']}")
st.caption(f"Mean burden of the {s['n_td']} TD patients: {_ui.number_text(s['td_burden_before_u28'])} → "
           f"{_ui.number_text(s['td_burden_after_u28'])} RBC units per 28 days "
           "(before = baseline window; after = day 1 to end of follow-up).")

spec = _ui.altair_spec("burden", lambda: burden_dumbbell(table))
_ui.show_chart(spec, key="burden_dumbbell")

st.subheader("TD non-responders")
nonresponders = td[~td["responder"].astype("boolean").fillna(False).astype(bool)]
if nonresponders.empty:
    _ui.empty("Every TD patient in this selection achieved transfusion independence.")
else:
    st.markdown(f"**{s['n_td_nonresponders']}** TD patients were still transfused; **{s['n_spike_td_nonresponders']}** "
                f"of them had the transient "
                f"first-week Hb spike (mean burden {s['td_nonresponder_burden_before_u28']:.1f} → "
                f"{s['td_nonresponder_burden_after_u28']:.1f} U/28 d).")
    frame = pd.DataFrame({
        "patient": nonresponders["patient_id"].astype(str),
        "diagnosis": nonresponders["diagnosis"].astype(str),
        "transient spike": nonresponders["transient_spike"].map(_ui.flag_text),
        "spike after a transfusion": nonresponders["spike_after_transfusion"].map(_ui.flag_text),
        "burden before (U/28 d)": nonresponders["burden_before_u28"].astype("Float64").round(2),
        "burden after (U/28 d)": nonresponders["burden_after_u28"].astype("Float64").round(2),
        "reduction (%)": nonresponders["burden_reduction_pct"].astype("Float64").round(0),
        "longest TF run (days)": nonresponders["longest_tf_days"],
    })
    _ui.show_table(frame, key="td_nonresponders")

st.subheader("Per-patient table")
columns = ["patient_id", "diagnosis", "td_baseline", "units_baseline", "units_after", "burden_before_u28",
           "burden_after_u28", "burden_reduction_pct", "longest_tf_days", "tf_start_day", "tf_end_day",
           "ti_achieved", "outcome"]
_ui.show_table(_ui.rounded(table[[c for c in columns if c in table.columns]]), key="transfusion_table")
