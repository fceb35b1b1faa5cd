"""Patients: one patient's trajectory with the classification beside it, then the grid of
all filtered patients (a click on a panel opens that patient). The patient, filters and
parameters are in the URL, so a copied link reopens the same view."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import app_state
from lusp.markup import escape_markdown as md
from app_pages import _ui
from lusp.figures import palette
from lusp.figures.patient import SORT_KEYS, dose_text, patient_trajectory, small_multiples, small_multiples_order
from lusp.narrative import plural

GRID_MAX_PANELS = 60  # beyond this the grid is unreadable and slow; the caption says so

results = app_state.results()
_ui.page_header("Patients", results)
table = results.table

if table.empty:
    _ui.empty("No patient passes the filters in force. Widen them in the sidebar to see patients.")
    st.stop()



def _index(frame: pd.DataFrame) -> tuple[list[str], dict[str, str], pd.DataFrame]:
    """Sorted IDs, their select-box labels, and the table by ID (built once per view: the
    select box calls its format function for every option on every rerun)."""
    pid_text = frame["patient_id"].astype(str)
    outcome = frame["outcome"].astype(str)
    labels = pid_text + " · " + frame["diagnosis"].astype(str) + " · " + outcome.map(palette.OUTCOME_LABELS).fillna(outcome)
    return sorted(pid_text.tolist()), dict(zip(pid_text, labels)), frame.set_index(pid_text)


ids, _labels, by_id = app_state.cached("patient_index", lambda: _index(table))
wanted = app_state.patient_id()
if wanted is not None and wanted not in by_id.index:
    where = "in this cohort" if wanted not in set(app_state.full_results().table["patient_id"].astype(str)) \
        else "among the patients the filters leave"
    st.warning(f"Patient {md(wanted)} is not {where}; showing {md(ids[0])} instead.")
    wanted = None
current = wanted or ids[0]
if app_state.patient_id() != current:
    app_state.set_patient(current)


_label = _labels.__getitem__


def _step(offset: int) -> None:
    position = ids.index(app_state.patient_id()) if app_state.patient_id() in ids else 0
    app_state.set_patient(ids[(position + offset) % len(ids)])


pick, prev_col, next_col, where_col = st.columns([5, 1, 1, 2], vertical_alignment="bottom")
if "w_patient" not in st.session_state or st.session_state["w_patient"] not in ids:
    st.session_state["w_patient"] = current
chosen = pick.selectbox("Patient (type to search)", ids, key="w_patient", format_func=_label)
if chosen != app_state.patient_id():
    app_state.set_patient(chosen, from_widget=True)
prev_col.button("◀ Previous", key="w_prev", on_click=_step, args=(-1,), width="stretch")
next_col.button("Next ▶", key="w_next", on_click=_step, args=(1,), width="stretch")
pid = app_state.patient_id()
where_col.caption(f"Patient {ids.index(pid) + 1} of {len(ids)}")

row = by_id.loc[pid]
chart_col, info_col = st.columns([3, 1.25])
with chart_col:
    fig = app_state.cached("trajectory", lambda: patient_trajectory(results, pid, hb_unit=app_state.hb_unit()), pid)
    _ui.show_chart(fig, key="patient_trajectory")
    st.caption("Filled circles: Hb used for response. Hollow circles: Hb measured within the exclusion window after "
               "an RBC transfusion (shown, not used). Shaded: transient spike (wine) and longest transfusion-free run "
               "(blue when it reached transfusion independence).")

with info_col:
    outcome = str(row["outcome"])
    st.markdown(f"### :material/person: {md(pid)}")
    st.markdown(
        f"<span style='background:{palette.outcome_colour(outcome)};color:white;padding:4px 10px;"
        f"border-radius:6px;font-weight:600'>{palette.OUTCOME_LABELS.get(outcome, outcome)}</span>",
        unsafe_allow_html=True,
    )
    st.markdown(f"**Why:** {md(row['reason'])}")
    if "not_evaluable_reason" in row and pd.notna(row["not_evaluable_reason"]) and str(row["not_evaluable_reason"]):
        st.markdown(f"**Not evaluable:** {md(row['not_evaluable_reason'])}")

    def burden(value) -> str:
        return "—" if pd.isna(value) else f"{float(value):.1f} U/28 d"

    facts = pd.DataFrame(
        [
            ("Diagnosis", str(row["diagnosis"])),
            ("TD at baseline", _ui.flag_text(row["td_baseline"])
             + (f" ({float(row['units_baseline']):g} U)" if "units_baseline" in row and pd.notna(row["units_baseline"]) else "")),
            ("Baseline Hb", _ui.hb_value(row["baseline_hb_g_l"])),
            ("Peak Hb", _ui.hb_value(row["peak_hb_g_l"])
             + (f" (day {int(row['peak_hb_day'])})" if "peak_hb_day" in row and pd.notna(row["peak_hb_day"]) else "")),
            ("Hb rise", _ui.hb_value(row["hb_rise_g_l"], signed=True)),
            ("Early rise (days 1–14)", _ui.flag_text(row["early_rise"])),
            ("Burden before → after", f"{burden(row['burden_before_u28'])} → {burden(row['burden_after_u28'])}"),
            ("Longest transfusion-free run", "—" if pd.isna(row["longest_tf_days"]) else f"{int(row['longest_tf_days'])} days"),
            ("Transfusion independence", _ui.flag_text(row["ti_achieved"])),
            ("Transient spike", _ui.flag_text(row["transient_spike"])
             + (" (after a transfusion)" if pd.notna(row["spike_after_transfusion"]) and bool(row["spike_after_transfusion"]) else "")),
            ("Doses", f"{plural(int(row['n_doses']), 'dose')} (max {dose_text(float(row['max_dose_mg_kg']))} mg/kg)"
             if pd.notna(row["n_doses"]) and pd.notna(row["max_dose_mg_kg"]) else "—"),
            ("Follow-up", "—" if pd.isna(row["followup_days"]) else f"{int(row['followup_days'])} days"),
        ],
        columns=["", "value"],
    )
    _ui.show_table(facts, key="patient_facts", height=_ui.rows_height(len(facts)))

    st.markdown(f"**Dose-protocol review** ({results.protocol_label if hasattr(results, 'protocol_label') else ''})")
    findings = results.findings[results.findings["patient_id"].astype(str) == pid]
    if findings.empty:
        st.caption("No protocol findings for this patient.")
    for finding in findings.itertuples():
        icon = ":material/warning:" if finding.kind == "finding" else ":material/info:"
        st.markdown(f"{icon} {md(finding.message)}")

    patients = results.cohort.patients
    covariates = patients[patients["patient_id"].astype(str) == pid].drop(columns=["patient_id"])
    if not covariates.empty:
        st.markdown("**Covariates**")
        values = covariates.iloc[0]
        shown = pd.DataFrame({"covariate": [c.replace("_", " ") for c in values.index],
                              "value": [_ui.value_text(v) for v in values.tolist()]})
        _ui.show_table(shown, key="patient_covariates", height=_ui.rows_height(len(shown)))

st.divider()
st.subheader("All patients")
sort_col, note_col = st.columns([2, 3], vertical_alignment="bottom")
st.session_state.setdefault("w_grid_sort", app_state.grid_sort())
sort = sort_col.radio("Sort by", list(SORT_KEYS), key="w_grid_sort", format_func=SORT_KEYS.get, horizontal=True)
app_state.set_grid_sort(sort)
order = app_state.cached("grid_order", lambda: small_multiples_order(table, sort), sort)
shown_ids = order[:GRID_MAX_PANELS]
note_col.caption(
    ("Click a panel to open that patient. " if len(ids) > 1 else "")
    + (f"Showing the first {GRID_MAX_PANELS} of {len(order)} patients in this order; narrow the filters to see others."
       if len(order) > GRID_MAX_PANELS else f"{len(order)} patients.")
)


def _open_clicked() -> None:
    event = st.session_state.get("patient_grid")
    picked = (event or {}).get("selection", {}).get("pick") or []
    if picked and picked[0].get("patient_id"):
        app_state.set_patient(str(picked[0]["patient_id"]))


spec = _ui.altair_spec("grid", lambda: small_multiples(results.hb, table, shown_ids, hb_unit=app_state.hb_unit()),
                       tuple(shown_ids))
_ui.show_chart(spec, key="patient_grid", on_select=_open_clicked, selection_mode="pick")
