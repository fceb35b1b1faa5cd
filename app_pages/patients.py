"""Patients: one patient's trajectory with the classification beside it, then the grid of
all filtered patients (a click on a panel opens that patient). The patient, filters and
parameters are in the URL, so a copied link reopens the same view."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import app_state
from app_pages import _manuscript_ui, _ui
from lusp.markup import escape_markdown as md
from lusp.figures import palette
from lusp.figures.patient import SORT_KEYS, dose_text, patient_trajectory, small_multiples, small_multiples_order
from lusp.figures.spike import spike_multiples
from lusp.labels import covariate_label
from lusp.i18n import _, ngettext

GRID_MAX_PANELS = 60  # beyond this the grid is unreadable and slow; the caption says so

results = app_state.results()
_ui.page_header(_("Patients"), results)
table = results.table

if table.empty:
    _ui.empty(_("No patient passes the filters in force. Widen them in the sidebar to see patients."))
    st.stop()



def _index(frame: pd.DataFrame) -> tuple[list[str], dict[str, str], pd.DataFrame]:
    """Sorted IDs, their select-box labels, and the table by ID (built once per view: the
    select box calls its format function for every option on every rerun)."""
    pid_text = frame["patient_id"].astype(str)
    outcome = frame["outcome"].astype(str)
    words = {code: _(text) for code, text in palette.OUTCOME_LABELS.items()}  # i18n: lookup
    labels = pid_text + " · " + frame["diagnosis"].astype(str) + " · " + outcome.map(words).fillna(outcome)
    return sorted(pid_text.tolist()), dict(zip(pid_text, labels)), frame.set_index(pid_text)


ids, _labels, by_id = app_state.cached("patient_index", lambda: _index(table))


@st.fragment
def _patient_view() -> None:
    """The patient picker, the patient and the grid of all patients. A patient switch (the
    select box, Previous / Next, a click on a panel) reruns only this part, not the sidebar
    and the page above it (issue 16); the URL is rewritten here, as app.py does after a run."""
    wanted = app_state.patient_id()
    if wanted is not None and wanted not in by_id.index:
        if wanted not in set(app_state.full_results().table["patient_id"].astype(str)):
            st.warning(_("Patient {wanted} is not in this cohort; showing {shown} instead.").format(
                wanted=md(wanted), shown=md(ids[0])))
        else:
            st.warning(_("Patient {wanted} is not among the patients the filters leave; showing {shown} instead.").format(
                wanted=md(wanted), shown=md(ids[0])))
        wanted = None
    current = wanted or ids[0]
    if app_state.patient_id() != current:
        app_state.set_patient(current)


    _label = _labels.__getitem__


    def _step(offset: int) -> None:
        position = ids.index(app_state.patient_id()) if app_state.patient_id() in ids else 0
        app_state.set_patient(ids[(position + offset) % len(ids)])


    pick, prev_col, next_col, where_col = st.columns([4, 1.5, 1.2, 1.5], vertical_alignment="bottom")
    if "w_patient" not in st.session_state or st.session_state["w_patient"] not in ids:
        st.session_state["w_patient"] = current
    chosen = pick.selectbox(_("Patient (type to search)"), ids, key="w_patient", format_func=_label)
    if chosen != app_state.patient_id():
        app_state.set_patient(chosen, from_widget=True)
    prev_col.button(_("◀ Previous"), key="w_prev", on_click=_step, args=(-1,), width="stretch")
    next_col.button(_("Next ▶"), key="w_next", on_click=_step, args=(1,), width="stretch")
    pid = app_state.patient_id()
    where_col.caption(_("Patient {k} of {n}").format(k=ids.index(pid) + 1, n=len(ids)))

    row = by_id.loc[pid]
    chart_col, info_col = st.columns([3, 1.25])
    with chart_col:
        fig = app_state.cached("trajectory", lambda: patient_trajectory(results, pid, hb_unit=app_state.hb_unit()), pid)
        # The key names the exported PNG: the patient's own file, not "patient_trajectory.png".
        _ui.show_chart(fig, key=f"trajectory_{pid}")
        td_patient = bool(pd.notna(row["td_baseline"]) and row["td_baseline"])
        st.caption(_("Filled circles: Hb used for response. Hollow circles: Hb measured within the exclusion window after "
                     "an RBC transfusion (shown, not used). Shaded wine: transient spike. ")
                   + (_("Shaded: the longest transfusion-free run (blue when it reached transfusion independence).")
                      if td_patient else _("Dotted blue line: the Hb an NTD patient had to reach (baseline + the NTD rise).")))
        _manuscript_ui.patient_summary_downloads(results, pid)

    with info_col:
        outcome = str(row["outcome"])
        st.markdown(f"### :material/person: {md(pid)}")
        st.markdown(
            f"<span style='background:{palette.outcome_colour(outcome)};color:white;padding:4px 10px;"
            f"border-radius:6px;font-weight:600'>{html.escape(_(palette.OUTCOME_LABELS.get(outcome, outcome)))}</span>",  # i18n: lookup
            unsafe_allow_html=True,
        )
        st.markdown(_("**Why:** {reason}").format(reason=md(_ui.text(row["reason"]))))
        if "not_evaluable_reason" in row and pd.notna(row["not_evaluable_reason"]) and str(row["not_evaluable_reason"]):
            st.markdown(_("**Not evaluable:** {reason}").format(reason=md(_ui.text(row["not_evaluable_reason"]))))
        display = _ui.display()

        def burden(value) -> str:
            return "—" if pd.isna(value) else _("{value} U/28 d").format(value=display.number(value, 1))

        complete = "baseline_complete" not in row or pd.isna(row["baseline_complete"]) or bool(row["baseline_complete"])
        units_text = str(row["baseline_units_text"]) if "baseline_units_text" in row and pd.notna(row["baseline_units_text"]) \
            else (f"{float(row['units_baseline']):g} U" if pd.notna(row.get("units_baseline")) else "")
        after_text = (_("{units} U in {days} days").format(units=f"{float(row['units_after']):g}", days=int(row["followup_days"]))
                      if pd.notna(row.get("units_after")) and pd.notna(row.get("followup_days")) else "—")

        facts = pd.DataFrame(
            [
                (_("Diagnosis"), str(row["diagnosis"])),
                (_("TD at baseline"), _ui.flag_text(row["td_baseline"]) + (f" ({units_text})" if units_text else "")),
                (_("Baseline Hb"), _ui.hb_value(row["baseline_hb_g_l"])),
                (_("Peak Hb"), _ui.hb_value(row["peak_hb_g_l"])
                 + (_(" (day {day})").format(day=int(row["peak_hb_day"])) if "peak_hb_day" in row and pd.notna(row["peak_hb_day"]) else "")),
                (_("Hb rise"), _ui.hb_value(row["hb_rise_g_l"], signed=True)),
                (_("Early rise (days 1–14)"), _ui.flag_text(row["early_rise"])),
                (_("RBC units after day 0"), after_text),
                (_("Burden before → after"), f"{burden(row['burden_before_u28'])} → {burden(row['burden_after_u28'])}"
                 + ("" if complete else _(" (before: recorded days only)"))),
                (_("Longest transfusion-free run"), "—" if pd.isna(row["longest_tf_days"])
                 else ngettext("{n} day", "{n} days", int(row["longest_tf_days"])).format(n=int(row["longest_tf_days"]))),
                # Transfusion independence is a TD criterion; an NTD patient is judged by the Hb rise.
                (_("Transfusion independence"), _ui.flag_text(row["ti_achieved"]) if td_patient
                 else _("not applicable (NTD: response by Hb rise)")),
                (_("Transient spike"), _ui.flag_text(row["transient_spike"])
                 + (_(" (after a transfusion)") if pd.notna(row["spike_after_transfusion"]) and bool(row["spike_after_transfusion"]) else "")),
                (_("Doses"), ngettext("{n} dose (max {dose} mg/kg)", "{n} doses (max {dose} mg/kg)", int(row["n_doses"]))
                 .format(n=int(row["n_doses"]), dose=dose_text(float(row["max_dose_mg_kg"])))
                 if pd.notna(row["n_doses"]) and pd.notna(row["max_dose_mg_kg"]) else "—"),
                (_("Follow-up"), "—" if pd.isna(row["followup_days"])
                 else ngettext("{n} day", "{n} days", int(row["followup_days"])).format(n=int(row["followup_days"]))),
            ],
            columns=["", _("Value")],
        )
        _ui.show_table(facts, key="patient_facts", static=True)

        st.markdown(_("**Dose-protocol review** ({protocol})").format(
            protocol=results.protocol_label if hasattr(results, "protocol_label") else ""))
        findings = results.findings[results.findings["patient_id"].astype(str) == pid]
        if findings.empty:
            st.caption(_("No protocol findings for this patient."))
        for finding in findings.itertuples():
            icon = ":material/warning:" if finding.kind == "finding" else ":material/info:"
            st.markdown(f"{icon} {md(_ui.text(finding.message))}")

        patients = results.cohort.patients
        covariates = patients[patients["patient_id"].astype(str) == pid].drop(columns=["patient_id"])
        if not covariates.empty:
            st.markdown(_("**Covariates**"))
            values = covariates.iloc[0]
            shown = pd.DataFrame({_("Covariate"): [covariate_label(c) for c in values.index],
                                  _("Value"): [_ui.value_text(v) for v in values.tolist()]})
            _ui.show_table(shown, key="patient_covariates", static=True)

    st.divider()
    st.subheader(_("All patients"))
    sort_col, view_col, note_col = st.columns([2, 2, 3], vertical_alignment="bottom")
    view = view_col.radio(_("Show"), ["whole course", "first 8 weeks (spike)"], key="w_grid_view", horizontal=True,
                          format_func={"whole course": _("whole course"), "first 8 weeks (spike)": _("first 8 weeks (spike)")}.get,
                          help=_("First 8 weeks: baseline, the day 1–7 window, the early peak and its fall, transfusions."))
    st.session_state.setdefault("w_grid_sort", app_state.grid_sort())
    sort = sort_col.radio(_("Sort by"), list(SORT_KEYS), key="w_grid_sort", horizontal=True,
                          format_func=lambda k: _(SORT_KEYS.get(k, k)))  # i18n: lookup
    app_state.set_grid_sort(sort)
    order = app_state.cached("grid_order", lambda: small_multiples_order(table, sort), sort)
    shown_ids = order[:GRID_MAX_PANELS]
    note_col.caption(
        (_("Click a panel to open that patient. ") if len(ids) > 1 else "")
        + (_("Showing the first {shown} of {n} patients in this order; narrow the filters to see others.").format(
            shown=GRID_MAX_PANELS, n=len(order))
           if len(order) > GRID_MAX_PANELS else ngettext("{n} patient.", "{n} patients.", len(order)).format(n=len(order)))
    )


    def _open_clicked() -> None:
        event = st.session_state.get("patient_grid")
        picked = (event or {}).get("selection", {}).get("pick") or []
        if picked and picked[0].get("patient_id"):
            app_state.set_patient(str(picked[0]["patient_id"]))


    if view == "whole course":
        spec = _ui.altair_spec("grid", lambda: small_multiples(results.hb, table, shown_ids, hb_unit=app_state.hb_unit()),
                               tuple(shown_ids))
        _ui.show_chart(spec, key="patient_grid", on_select=_open_clicked, selection_mode="pick")
    else:
        peak_days = getattr(results.params, "spike_peak_days", 7)
        spec = _ui.altair_spec("spike_grid", lambda: spike_multiples(
            results.hb, results.cohort.transfusions, table, shown_ids, display=_ui.display(), columns=4,
            peak_days=peak_days, width=250, height=130), tuple(shown_ids))
        _ui.show_chart(spec, key="patient_spike_grid")
    app_state.write_query_params()


_patient_view()
