"""Transfusions: RBC burden before vs after per TD patient, cohort totals, the TD
non-responders with their spike flag, and the table behind the chart."""
from __future__ import annotations

import streamlit as st

import app_state
from app_pages import _ui
from lusp.figures.cohort import burden_dumbbell
from lusp.i18n import _, ngettext

results = app_state.results()
_ui.page_header(_("Transfusions"), results)
table = results.table

if table.empty:
    _ui.empty(_("No patient passes the filters in force. Widen them in the sidebar to see transfusions."))
    st.stop()

td = table[table["td_baseline"].astype("boolean").fillna(False).astype(bool)]
if td.empty:
    _ui.empty(_("No patient in this selection was transfusion-dependent at baseline (no RBC unit in the baseline "
                "window), so there is no transfusion burden to compare."))
    st.stop()

s = app_state.summary()
display = _ui.display()
window = s.get("baseline_window_days")
followup_days = int(td["followup_days"].astype("Int64").fillna(0).sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("TD patients"), len(td))
# Rates, not raw totals: 8 weeks of baseline beside months of follow-up would make "after" look worse.
c2.metric(_("RBC units/28 d before (mean)"), display.number(s["td_burden_before_u28"], 1),
          help=_("{units} units in the {window}-day baseline windows of {n} TD patients.").format(
              units=f"{s['td_units_baseline']:g}", window=window, n=len(td)))
c3.metric(_("RBC units/28 d after (mean)"), display.number(s["td_burden_after_u28"], 1),
          help=_("{units} units over {days} days of follow-up after day 0.").format(
              units=f"{s['td_units_after']:g}", days=followup_days))
c4.metric(_("Transfusion independent"), _("{k} of {n}").format(k=s["n_ti"], n=s["n_td"]))
totals = dict(before=f"{s['td_units_baseline']:g}", window=window, after=f"{s['td_units_after']:g}", days=followup_days)
st.caption(_("Totals: {before} RBC units in the {window}-day baseline windows (as far as recorded) vs {after} units over "
             "{days} follow-up days (day 1 to end of follow-up).").format(**totals)
           if s.get("n_td_baseline_incomplete") else
           _("Totals: {before} RBC units in the {window}-day baseline windows vs {after} units over {days} follow-up days "
             "(day 1 to end of follow-up).").format(**totals))
if s.get("n_td_baseline_incomplete"):
    st.warning(_("{n} TD patient(s) have fewer recorded pre-treatment days than the {window}-day baseline window: "
                 "their burden before is the rate over the recorded days only and their baseline count a lower bound "
                 "(“≥ 9 U in 52 recorded of 112 days” in the table below).").format(
        n=s["n_td_baseline_incomplete"], window=window))

spec = _ui.altair_spec("burden", lambda: burden_dumbbell(table))
_ui.show_chart(spec, key="burden_dumbbell")

st.subheader(_("TD non-responders"))
nonresponders = td[~td["responder"].astype("boolean").fillna(False).astype(bool)]
if nonresponders.empty:
    _ui.empty(_("Every TD patient in this selection achieved transfusion independence."))
else:
    st.markdown(_("**{n}** TD patients did not reach transfusion independence; **{k}** of them had the transient "
                  "first-week Hb spike (mean burden of all {n}: {before} → {after} U/28 d).").format(
        n=s["n_td_nonresponders"], k=s["n_spike_td_nonresponders"],
        before=display.number(s["td_nonresponder_burden_before_u28"], 1),
        after=display.number(s["td_nonresponder_burden_after_u28"], 1)))
    columns = ["patient_id", "diagnosis", "transient_spike", "spike_after_transfusion", "baseline_units_text",
               "burden_before_u28", "burden_after_u28", "burden_reduction_pct", "longest_tf_days"]
    _ui.show_table(_ui.rounded(nonresponders[[c for c in columns if c in nonresponders.columns]], 1),
                   key="td_nonresponders")

st.subheader(_("Per-patient table"))
columns = ["patient_id", "diagnosis", "td_baseline", "baseline_units_text", "units_after", "burden_before_u28",
           "burden_after_u28", "burden_reduction_pct", "longest_tf_days", "tf_start_day", "tf_end_day",
           "ti_achieved", "outcome"]
_ui.show_table(_ui.rounded(table[[c for c in columns if c in table.columns]], 1), key="transfusion_table")
