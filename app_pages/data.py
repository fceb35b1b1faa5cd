"""Data: bring your own cohort — upload, validation report, column mapping, templates, demo switch.

Reads top to bottom like the screen: the cohort in force; the uploader (every shape of
SPEC §2) with the templates beside it; the result of the last upload (loaded, or not loaded
with the previous cohort still in force), the hand column mapping when something could not be
matched, and the validation report; then what was read and what each page can show.

Privacy: the uploaded bytes stay in this session's uploader widget; the loader drops
identifier columns before anything is kept; the cohort and the report go to this session's
state only (``app_state``), never to an ``st.cache_*`` store or the disk.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

import app_state
from lusp.cohort import TABLES
from lusp.criteria import CRITERIA
from lusp.export.tables import to_csv_bytes, to_xlsx_bytes
from lusp.intake import attempt_load, choices_to_mapping, fingerprint, merge_mapping, problems_frame, what_was_read
from lusp.io import synonyms as syn
from lusp.io.choices import options_mapping
from lusp.load import mapping_from_json, mapping_to_json
from lusp.i18n import N_, _, ngettext, say
from lusp.markup import escape_markdown as md
from lusp.readiness import readiness
from lusp.sandbox import refusal_of
from lusp.validate import message_of
from lusp.template import template_bytes, visits_template_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT_MB = int(st.get_option("server.maxUploadSize"))
ERRORS_LISTED = 5  # errors spelled out above the report table
# Streamlit counts an upload megabyte as 2**20 bytes; the loader refuses by the same measure.
LIMIT_BYTES = LIMIT_MB * 1024 * 1024
STATUS_ICONS = {"ready": ":green[:material/check_circle:]", "partial": ":orange[:material/warning:]",
                "missing": ":red[:material/cancel:]"}


#: The headers of the validation report and of the "what was read" table, in words
#: (the frames keep their machine column names: the CSV download carries them).
_REPORT_COLUMNS = {"severity": N_("severity"), "file": N_("file"), "table": N_("table"), "row": N_("row"),
                   "column": N_("column"), "value": N_("value"), "code": N_("code"),
                   "message": N_("message")}
_READ_COLUMNS = {"table": N_("table"), "rows": N_("rows"), "patients": N_("patients"), "columns": N_("columns")}


def _severity_words(severity: str) -> str:
    return {"error": _("error"), "warning": _("warning")}.get(severity, severity)


def _report_columns(frame: pd.DataFrame) -> dict:
    """The report table's column headers in the language in force (the message column wide)."""
    config = {c: st.column_config.TextColumn(_(_REPORT_COLUMNS[c]))  # i18n: lookup
              for c in frame.columns if c in _REPORT_COLUMNS}
    if "row" in config:
        config["row"] = st.column_config.TextColumn(_("row"), help=_("As numbered in your file: Excel row, or CSV line "
                                                                   "(header = line 1)"))
    if "message" in config:
        config["message"] = st.column_config.TextColumn(_("message"), width="large")
    return config


def _said(frame: pd.DataFrame) -> pd.DataFrame:
    """A report table as shown: messages re-said and severities in the language in force
    (the CSV and XLSX downloads keep the frame as the loader wrote it)."""
    out = frame.copy()
    if "message" in out.columns:
        out["message"] = [say(m) if isinstance(m, str) else m for m in out["message"]]
    if "severity" in out.columns:
        out["severity"] = out["severity"].map(_severity_words)
    return out


def _where(problem) -> str:
    """"hb.csv, row 3, column hb_g_l: " — the place of a problem as the user finds it in the file."""
    parts = [f"**{md(problem.file)}**" if problem.file else "",
             _("row {row}").format(row=problem.row) if problem.row is not None else "",
             _("column {column}").format(column=md(problem.column)) if problem.column else ""]
    text = _(", ").join(p for p in parts if p)
    return text + _(": ") if text else ""


def cohort_label(cohort) -> str:
    """"SYNTHETIC demo cohort (22 patients)" or "cohort.xlsx (3 patients)"."""
    name = _("SYNTHETIC demo cohort") if app_state.is_demo() else say(cohort.source.name)
    return ngettext("{name} ({n} patient)", "{name} ({n} patients)", cohort.n_patients).format(name=name,
                                                                                              n=cohort.n_patients)


def use_demo() -> None:
    """Back to the demo: forget the upload attempt and empty the uploader so it is not reloaded."""
    app_state.use_demo()
    app_state.set_upload_attempt(None)
    app_state.empty_uploader()
    app_state.set_data_notice("success", _("The SYNTHETIC demo cohort is in force again."))


def read_mapping_file() -> None:
    """Callback of the mapping-JSON uploader: runs once per new file, so a later hand change wins."""
    uploaded = st.session_state.get("w_mapping_json")
    if uploaded is None:
        return
    try:
        mapping = mapping_from_json(uploaded.getvalue())
    except ValueError as exc:
        app_state.set_data_notice("error", _("The mapping file {name} was not used: {problem}").format(
            name=md(repr(uploaded.name)), problem=md(message_of(exc))))
        return
    app_state.set_column_mapping(mapping)
    app_state.set_data_notice("success", _("Column mapping {name} applied: it is used for every file you upload in this "
                                           "session.").format(name=md(repr(uploaded.name))))


def clear_mapping() -> None:
    app_state.set_column_mapping({})
    app_state.set_data_notice("success", _("The hand column mapping was cleared."))


st.title(_("Data"))
st.caption(_("Upload your own cohort, check it, and put it in force on every page. Your files are read in this "
             "browser session's memory only: never saved to disk, never visible to another user."))
notice = app_state.pop_data_notice()
if notice:
    getattr(st, notice[0])(notice[1])

# ----------------------------------------------------------------------------- in force
cohort = app_state.cohort()
st.subheader(_("Cohort in force"))
left, right = st.columns([3, 1], vertical_alignment="center")
with left:
    if app_state.is_demo():
        st.badge(_("SYNTHETIC"), icon=":material/science:", color="red")
        st.markdown(_("The bundled **demo cohort**: {n} invented patients generated by a seeded, documented generator "
                      "and calibrated to reproduce the source study's published figures. It contains no real patient "
                      "data.").format(n=cohort.n_patients))
    else:
        st.badge(_("Your upload"), icon=":material/description:", color="blue")
        st.markdown(ngettext("**{name}** — {n} patient, loaded in this session ({shape}: {files}). Every page shows this "
                             "cohort until you upload another or go back to the demo.",
                             "**{name}** — {n} patients, loaded in this session ({shape}: {files}). Every page shows "
                             "this cohort until you upload another or go back to the demo.", cohort.n_patients).format(
            name=md(say(cohort.source.name)), n=cohort.n_patients, shape=cohort.source.shape or _("file"),
            files=md(", ".join(cohort.source.files))))
with right:
    if not app_state.is_demo():
        st.button(_("Use the demo cohort"), key="w_use_demo", type="primary", on_click=use_demo,
                  icon=":material/undo:", help=_("Put the bundled SYNTHETIC demo cohort back in force."))

# ----------------------------------------------------------------------------- upload
st.subheader(_("Upload your cohort"))
upload_col, template_col = st.columns([3, 2], gap="large")
with upload_col:
    uploaded = st.file_uploader(
        _("Cohort file(s)"), accept_multiple_files=True, key=app_state.uploader_key(),
        help=_("An .xlsx workbook with one sheet per table; a .zip of CSV files; several CSV files at once "
               "(named patients.csv, hb.csv, doses.csv …); or a single visits sheet (.csv or one-sheet .xlsx)."),
    )
    st.caption(_("Accepted: an **.xlsx workbook** (one sheet per table), a **.zip of CSVs**, **several CSVs** at once, "
                 "or **one visits sheet** (.csv / .xlsx). Up to **{limit} MB per file**: a larger file is refused "
                 "(split a large registry into one CSV per table inside a .zip). Semicolon CSVs with decimal commas, "
                 "dates instead of study days, Hb in g/dL and Chinese headers are read.").format(limit=LIMIT_MB))
with template_col:
    st.markdown(_("**Start from a template**"))
    st.caption(_("Every sheet with its column headers, one example patient (P01, delete it) and instructions in "
                 "English and Chinese. Both load back as they are."))
    st.download_button(_("Workbook template (.xlsx)"), data=template_bytes, file_name="luspatercept_cohort_template.xlsx",
                       mime=XLSX_MIME, key="w_template_workbook", on_click="ignore", icon=":material/download:")
    st.download_button(_("Visits-sheet template (.xlsx)"), data=visits_template_bytes,
                       file_name="luspatercept_visits_template.xlsx", mime=XLSX_MIME, key="w_template_visits",
                       on_click="ignore", icon=":material/download:")

files = [(f.name, f.getvalue()) for f in uploaded or []]
mapping = app_state.column_mapping()
attempt = app_state.upload_attempt()
if files and (attempt is None or attempt.fingerprint != fingerprint(files, mapping)):
    with st.spinner(_("Reading and checking the file…")):
        attempt = attempt_load(files, mapping, max_bytes=LIMIT_BYTES, confirm_covariates=True)
    app_state.set_upload_attempt(attempt)
    if attempt.loaded:
        app_state.set_cohort(attempt.cohort, token="upload:" + attempt.fingerprint)
        st.rerun()  # the sidebar and filters were drawn for the previous cohort

# ----------------------------------------------------------------------------- last attempt
if attempt is not None:
    names = md(", ".join(attempt.files))
    n_errors, n_warnings = len(attempt.report.errors), len(attempt.report.warnings)
    st.subheader(_("Result of the upload"))
    if attempt.loaded:
        loaded_text = ngettext("**{names}** loaded: {n} patient, now in force on every page.",
                               "**{names}** loaded: {n} patients, now in force on every page.",
                               attempt.cohort.n_patients).format(names=names, n=attempt.cohort.n_patients)
        if n_warnings:
            st.warning(loaded_text + _(" {n} warning(s) below: the data loaded, but read them.").format(n=n_warnings),
                       icon=":material/warning:")
        else:
            st.success(loaded_text + _(" No problems found."), icon=":material/check_circle:")
    elif refusal_of(attempt.report) is not None:
        # a limit or the sandbox refused the upload: one sentence, what and why (lusp.sandbox)
        refused = refusal_of(attempt.report)
        named = "" if say(refused.message).startswith(say(refused.file)) else f"**{md(say(refused.file) or names)}**" + _(": ")
        st.error(named + md(say(refused.message)) + _(" Nothing changed: the cohort in force is still **{cohort}**.").format(
            cohort=md(cohort_label(cohort))), icon=":material/block:")
    else:
        counts = (_("{n_errors} error(s) and {n_warnings} warning(s)") if n_warnings
                  else _("{n_errors} error(s)")).format(n_errors=n_errors, n_warnings=n_warnings)
        words = dict(names=names, counts=counts, cohort=md(cohort_label(cohort)))
        if attempt.needs_mapping:
            text = ngettext("**{names} was not loaded**: {counts}. Nothing changed: the cohort in force is still "
                            "**{cohort}**. Fix the rows listed below in your file and upload it again, or map the "
                            "columns by hand.",
                            "**{names} were not loaded**: {counts}. Nothing changed: the cohort in force is still "
                            "**{cohort}**. Fix the rows listed below in your file and upload it again, or map the "
                            "columns by hand.", len(attempt.files))
        else:
            text = ngettext("**{names} was not loaded**: {counts}. Nothing changed: the cohort in force is still "
                            "**{cohort}**. Fix the rows listed below in your file and upload it again.",
                            "**{names} were not loaded**: {counts}. Nothing changed: the cohort in force is still "
                            "**{cohort}**. Fix the rows listed below in your file and upload it again.",
                            len(attempt.files))
        st.error(text.format(**words), icon=":material/error:")
        # the first errors in full sentences: the table below cuts long messages
        first = attempt.report.errors[:ERRORS_LISTED]
        st.markdown("\n".join(f"- {_where(p)}{md(say(p.message))}" for p in first)
                    + ("\n- " + _("… and {n} more in the report below.").format(n=n_errors - len(first))
                       if n_errors > len(first) else ""))
        if not files:
            st.caption(_("Upload the file again to re-check it or to apply a column mapping."))

    # -------------------------------------------------------------------- column mapping
    if attempt.can_map:
        sheets = [(i, tc) for i, tc in enumerate(attempt.columns)
                  if tc.table is None or tc.missing
                  or (tc.table not in ("patients", syn.VISITS) and any(v is None for v in tc.proposed.values()))]
        with st.expander(_("Map columns by hand"), expanded=attempt.needs_mapping, icon=":material/tune:"):
            if not sheets:
                st.caption(_("Every sheet's required columns were matched."))
            else:
                st.caption(_("Each column of your file is shown beside the field it was matched to, with its first "
                             "values. Choose the right field where the match is missing or wrong, then apply. The "
                             "mapping is kept for the rest of this session and can be downloaded below."))
            tag = attempt.fingerprint[:10]
            with st.form(f"w_map_form_{tag}", border=False):
                picks: dict[int, dict[str, str | None]] = {}
                table_picks: dict[int, str | None] = {}
                for i, tc in sheets:
                    where = tc.file if tc.sheet in ("", tc.file) else _("{file} › sheet {sheet}").format(
                        file=tc.file, sheet=repr(tc.sheet))
                    table_options = [None, *TABLES, syn.VISITS]
                    table_picks[i] = st.selectbox(
                        _("Which table is {where}?").format(where=md(where)), table_options, index=table_options.index(tc.table),
                        key=f"w_map_{tag}_{i}_table",
                        format_func=lambda t: _("— not a table (skip it)") if t is None else (
                            _("visits (one row per patient and visit)") if t == syn.VISITS else t),
                        help=_("Changing the table re-reads the sheet as that table; then map its columns if needed."))
                    if tc.table is None:
                        st.caption(_("{where} was not recognised as one of the tables: choose which one it is.").format(
                            where=md(where)))
                        continue
                    required = {f for alts in syn.REQUIRED_FIELDS.get(tc.table, ()) for f in alts}
                    missing = " · ".join(m.replace("|", _(" or ")) for m in tc.missing)
                    if missing:
                        st.markdown(_("Required but not found in {where}: :red[**{missing}**] — pick the column that "
                                      "holds it, or correct the table above.").format(where=md(where), missing=missing))
                    none_label = (_("— not a field (keep as a covariate)") if tc.table in ("patients", syn.VISITS)
                                  else _("— not a field (ignore)"))
                    options = [None, *tc.choices]
                    header = st.columns([2, 3, 3])
                    header[0].caption(_("Column in your file"))
                    header[1].caption(_("First values"))
                    header[2].caption(_("Field"))
                    picks[i] = {}
                    for j, column in enumerate(tc.columns):
                        row = st.columns([2, 3, 3], vertical_alignment="center")
                        row[0].markdown(f"**{md(column)}**")
                        row[1].caption(md(", ".join(v for v in tc.preview.get(column, []) if v)) or _("(empty)"))
                        proposed = tc.proposed.get(column)
                        picks[i][column] = row[2].selectbox(
                            _("Field for {column}").format(column=md(column)), options, index=options.index(proposed) if proposed in options else 0,
                            key=f"w_map_{tag}_{i}_{j}", label_visibility="collapsed",
                            format_func=lambda f, none=none_label, req=required: none if f is None else (
                                _("{field} (required)").format(field=f) if f in req else f))
                    if tc.dropped_identifiers:
                        st.caption(_("Dropped as direct identifiers (never read): {columns}").format(
                            columns=md(", ".join(tc.dropped_identifiers))))
                applied = st.form_submit_button(_("Apply mapping"), type="primary", icon=":material/check:",
                                                disabled=not sheets)
            if applied:
                new: dict = {}
                # a sheet given another table is re-read as that table; its column picks (made
                # against the old table's fields) are not used
                retabled = {i for i, t in table_picks.items() if t != attempt.columns[i].table}
                for i, chosen in picks.items():
                    if i not in retabled:
                        new = merge_mapping(new, choices_to_mapping(attempt.columns[i], chosen))
                sheet_tables = {attempt.columns[i].sheet: table_picks[i] for i in retabled}
                if sheet_tables:
                    new = merge_mapping(new, {"_tables": sheet_tables})
                if not new:
                    app_state.set_data_notice("info", _("Nothing was changed in the mapping: choose a field for each "
                                                        "column marked in red, then apply."))
                app_state.set_column_mapping(merge_mapping(mapping, new))
                if not files:
                    app_state.set_data_notice("info", _("Mapping saved. Upload the file again to load it with this "
                                                        "mapping."))
                st.rerun()

    # -------------------------------------------------------------------- columns to confirm
    held = attempt.cohort.source.held_covariates if attempt.loaded else ()
    if held:
        with st.container(border=True):
            st.markdown(_("**Confirm extra patient columns.** These columns are neither fields of the patients table nor "
                          "clearly clinical, so they were not kept. Keep only those that hold no name, number or other "
                          "identifier:"))
            tag = attempt.fingerprint[:10]
            keep = st.multiselect(_("Keep as covariates"), list(held), default=[], key=f"w_confirm_{tag}")
            if st.button(_("Confirm these columns"), key=f"w_confirm_button_{tag}", icon=":material/check:",
                         disabled=not keep):
                confirmed = sorted({*mapping.get("_options", {}).get("covariates", []), *keep})
                app_state.set_column_mapping(merge_mapping(mapping, {"_options": {"covariates": confirmed}}))
                st.rerun()

    # -------------------------------------------------------------------- real-export settings
    choices = getattr(attempt, "choices", None)
    if choices is not None:
        asked = choices.hb_unit_asked or choices.rbc_ml_asked
        with st.expander(_("Export settings: lab test, Hb unit, blood units, study drug"), expanded=asked or not attempt.loaded,
                         icon=":material/lab_profile:"):
            st.caption(_("Read as: {what}").format(what="; ".join(say(x) for x in choices.read_as)))
            if choices.notes:
                st.text("\n".join(choices.notes))  # what came from where (plain text: names from your file)
            tag = attempt.fingerprint[:10]
            with st.form(f"w_export_form_{tag}", border=False):
                test_column: dict[str, str] = {}
                hb_tests: dict[str, list[str]] = {}
                for k, label in enumerate(choices.lab_tables):
                    cols = list(choices.column_choices.get(label, ())) or [choices.test_column[label]]
                    current = choices.test_column.get(label)
                    test_column[label] = st.selectbox(_("Test column of lab table {k}").format(k=k + 1), cols,
                                                      index=cols.index(current) if current in cols else 0,
                                                      key=f"w_export_{tag}_testcol_{k}",
                                                      help=_("Lab table: {table}").format(table=label))
                    tests = list(choices.tests.get(label, ()))
                    hb_tests[label] = st.multiselect(_("Tests that are Hb in lab table {k}").format(k=k + 1), tests,
                                                     default=[t for t in choices.hb_tests.get(label, ()) if t in tests],
                                                     key=f"w_export_{tag}_hbtests_{k}",
                                                     help=_("HGB, Hb, hemoglobin, 血红蛋白, LOINC 718-7 are always Hb; "
                                                            "add your laboratory's own code here."))
                units = ["g/L", "g/dL", "mmol/L"]
                hb_unit = st.radio(_("Unit of Hb values that declare none"), units,
                                   index=units.index(choices.hb_unit) if choices.hb_unit in units else None,
                                   horizontal=True, key=f"w_export_{tag}_hbunit",
                                   help=_("Values all below 25 fit g/dL (×10) and mmol/L (×16.114) alike: say which. "
                                          "A unit column or a header such as 'Hb (mmol/L)' always wins."))
                if choices.hb_unit_asked:
                    st.markdown(":red[**" + _("The Hb values have no unit and fit g/dL and mmol/L alike: choose one.")
                                + "**]")
                ml = st.number_input(_("mL of red cells in one unit"), min_value=50.0, max_value=600.0,
                                     value=choices.rbc_ml_per_unit, step=10.0, key=f"w_export_{tag}_ml",
                                     placeholder=_("e.g. 200 (China), 250–350 elsewhere"),
                                     help=_("Needed only when a blood-bank log gives red cells in mL."))
                if choices.rbc_ml_asked:
                    st.markdown(":red[**" + _("Red cells are given in mL: say how many mL make one unit.") + "**]")
                drugs = list(choices.drugs)
                study = st.multiselect(_("Drug names that count as luspatercept"), drugs,
                                       default=[d for d in choices.study_drugs if d in drugs],
                                       key=f"w_export_{tag}_drugs",
                                       help=_("Other drugs and placebo are ignored, with a warning listing them."))
                apply_export = st.form_submit_button(_("Apply these settings"), type="primary", icon=":material/check:")
            if apply_export:
                new = options_mapping(choices, test_column=test_column, hb_tests=hb_tests, hb_unit=hb_unit,
                                      rbc_ml_per_unit=ml, study_drugs=study)
                app_state.set_column_mapping(merge_mapping(mapping, new))
                if not files:
                    app_state.set_data_notice("info", _("Settings saved. Upload the file again to load it with them."))
                st.rerun()

    # -------------------------------------------------------------------- report
    if len(attempt.report):
        st.markdown(_("**Validation report**"))
        report = problems_frame(attempt.report)
        # whole-file problems have no row: show a blank cell, not "None"
        report["row"] = report["row"].astype("string").fillna("")
        tag = attempt.fingerprint[:10]  # filters start afresh for each new upload
        f1, f2 = st.columns(2)
        severities = f1.multiselect(_("Severity"), ["error", "warning"], format_func=_severity_words,
                                    default=[s for s in ("error", "warning") if s in set(report["severity"])],
                                    key=f"w_report_severity_{tag}")
        tables = sorted(t for t in report["table"].unique() if t)
        chosen_tables = f2.multiselect(_("Table"), tables, key=f"w_report_table_{tag}", placeholder=_("All tables"))
        shown = report[report["severity"].isin(severities)]
        if chosen_tables:
            shown = shown[shown["table"].isin(chosen_tables)]
        st.dataframe(_said(shown), hide_index=True, width="stretch", key=f"w_report_frame_{tag}",
                     column_config=_report_columns(shown))
        csv_col, xlsx_col = st.columns(2)
        csv_col.download_button(_("Download {n} row(s) as CSV").format(n=len(shown)), data=to_csv_bytes(shown),
                                file_name="validation_report.csv", mime="text/csv", key="w_report_csv",
                                on_click="ignore", icon=":material/download:")
        xlsx_col.download_button(_("Download {n} row(s) as XLSX").format(n=len(shown)),
                                 data=to_xlsx_bytes(shown, sheet_name="validation report"),
                                 file_name="validation_report.xlsx", key="w_report_xlsx", on_click="ignore",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 icon=":material/table_view:")

# ----------------------------------------------------------------------------- saved mapping
# open when a hand mapping has just loaded a file: that is the moment to save it for next month
with st.expander(_("Saved column mapping (JSON)"), icon=":material/save:",
                 expanded=bool(mapping) and attempt is not None and attempt.loaded):
    st.caption(_("A mapping made by hand is kept for this session. Download it, and upload it next month before "
                 "the new file so it loads in one step."))
    if mapping:
        st.code(mapping_to_json(mapping), language="json")
        m1, m2 = st.columns(2)
        m1.download_button(_("Download mapping (.json)"), data=mapping_to_json(mapping).encode("utf-8"),
                           file_name="luspatercept_column_mapping.json", mime="application/json",
                           key="w_mapping_download", on_click="ignore", icon=":material/download:")
        m2.button(_("Clear the mapping"), key="w_mapping_clear", on_click=clear_mapping, icon=":material/delete:")
    else:
        st.caption(_("No hand mapping in this session yet."))
    st.file_uploader(_("Use a saved mapping"), type=["json"], key="w_mapping_json", on_change=read_mapping_file)

# ----------------------------------------------------------------------------- what was read
source = cohort.source
st.subheader(_("The cohort in force: what was read"))
facts = pd.DataFrame([
    (_("Name"), say(source.name)),
    (_("Files"), ", ".join(source.files) or "—"),
    (_("Shape"), source.shape or "—"),
    (_("Read as"), "; ".join(say(x) for x in getattr(source, "read_as", ())) or "—"),
    (_("Patients"), str(cohort.n_patients)),
    (_("Hb unit in the file"), source.hb_unit_detected + (_(" (converted to g/L)") if source.hb_unit_detected != "g/L"
                                                          else "")),
    *[(_("What came from where") if k == 0 else "", say(note)) for k, note in enumerate(getattr(source, "read_notes", ()))],
    (_("Time"), _("calendar dates {first} … {last}, converted to study days").format(
        first=source.date_range[0], last=source.date_range[1])
     if source.uses_dates and source.date_range else _("study days (day 0 = first dose)")),
    (_("Identifier columns dropped"), ", ".join(source.dropped_identifier_columns) or _("none")),
    (_("Extra columns"), ", ".join(source.unmapped_columns) or _("none")),
], columns=["", "value"])
read_col, tables_col = st.columns([1, 1], gap="large")
read_col.dataframe(facts, hide_index=True, width="stretch", key="w_data_facts",
                   column_config={"": st.column_config.TextColumn("", width="medium"),
                                  "value": st.column_config.TextColumn(_("value"), width="large")})
per_table = what_was_read(cohort)
for column in ("first_day", "last_day"):  # "—" where a table has no days (patients, empty tables)
    per_table[column] = per_table[column].astype("string").fillna("—")
tables_col.dataframe(per_table, hide_index=True, width="stretch", key="w_data_tables",
                     column_config={"first_day": st.column_config.TextColumn(_("first study day")),
                                    "last_day": st.column_config.TextColumn(_("last study day")),
                                    **{c: st.column_config.TextColumn(_(_READ_COLUMNS[c]))  # i18n: lookup
                                       for c in per_table.columns if c in _READ_COLUMNS}})
warnings = cohort.report.to_frame()
warnings = warnings[warnings["severity"] == "warning"]
if not warnings.empty and (attempt is None or not attempt.loaded or attempt.cohort is not cohort):
    with st.expander(_("{n} warning(s) from loading the cohort in force").format(n=len(warnings)),
                     icon=":material/warning:"):
        shown_warnings = warnings.drop(columns=["severity", "code"])
        st.dataframe(_said(shown_warnings), hide_index=True, width="stretch", key="w_data_warnings",
                     column_config=_report_columns(shown_warnings))

# ----------------------------------------------------------------------------- readiness
st.subheader(_("What each page can show"))
ready = readiness(cohort, {name: app_state.params(name) for name in CRITERIA})
for item in ready.itertuples(index=False):
    st.markdown(f"{STATUS_ICONS[item.status]} **{say(item.area)}** — {md(say(item.detail))}")
