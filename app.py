"""Luspatercept Cohort Explorer — the Streamlit entry point: page frame, router and sidebar.

Run with ``make run`` (or ``streamlit run app.py``). Pages live in ``app_pages/`` (not
``pages/``: Streamlit would treat that folder as a legacy multipage app and, with
``st.navigation``, lose the sidebar and its state on reruns). Every number on screen comes
from ``lusp``; this file only routes, draws the sidebar and catches what goes wrong.
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace

import pandas as pd
import streamlit as st

import app_state
from lusp.i18n import LANGUAGE_NAMES, LANGUAGES, _, ngettext, pgettext, say, set_language_provider
from lusp.markup import escape_markdown as md
from lusp.criteria import CRITERIA
from lusp.figures.cohort import covariate_kind
from lusp.labels import choice_label, covariate_label, criteria_label
from lusp.figures.palette import OUTCOME_LABELS, OUTCOMES
from lusp.params import describe

log = logging.getLogger("lusp.app")

# Every word is said in the language of the session whose script is running.
set_language_provider(app_state.language)


def pages() -> list:
    """The navigation, titled in the session's language (the URL paths stay English)."""
    return [
        st.Page("app_pages/overview.py", title=_("Overview"), icon=":material/dashboard:", default=True),
        st.Page("app_pages/patients.py", title=_("Patients"), icon=":material/monitor_heart:"),
        st.Page("app_pages/transfusions.py", title=_("Transfusions"), icon=":material/bloodtype:"),
        st.Page("app_pages/responses.py", title=_("Responses & subgroups"), icon=":material/insights:"),
        st.Page("app_pages/early.py", title=_("Early review & trials"), icon=":material/event_upcoming:"),
        st.Page("app_pages/safety.py", title=_("Safety"), icon=":material/health_and_safety:"),
        st.Page("app_pages/data.py", title=_("Data"), icon=":material/upload_file:"),
    ]


def _forget_widgets() -> None:
    """On a language switch every widget is drawn afresh from the state of record: the
    browser sends a select box's value as its shown words ("源研究定义"), which no longer
    name an option once the words change language."""
    for key in list(st.session_state.keys()):
        if str(key).startswith("w_") and key != "w_lang":
            del st.session_state[key]


def sidebar_language() -> None:
    """中文 / English, first in the sidebar; labelled in both languages so either reader finds it."""
    with st.sidebar:
        _seed("w_lang", app_state.language())
        st.segmented_control("语言 / Language", list(LANGUAGES), key="w_lang", format_func=LANGUAGE_NAMES.get,
                             selection_mode="single")

#: Patient columns offered as the "other covariate" filter: everything but the ones with
#: their own filter and the dates/identifiers.
_OWN_FILTERS = {"patient_id", "diagnosis", "age", "first_dose_date"}


def sidebar_cohort() -> None:
    """Which cohort is in force: a SYNTHETIC badge for the demo, the file name otherwise."""
    cohort = app_state.cohort()
    with st.sidebar:
        if app_state.is_demo():
            st.badge(_("SYNTHETIC demo cohort"), icon=":material/science:", color="red")
            st.caption(ngettext("{n} invented patient calibrated to the source study; no real patient data. "
                                "Upload your own cohort on the Data page.",
                                "{n} invented patients calibrated to the source study; no real patient data. "
                                "Upload your own cohort on the Data page.", cohort.n_patients).format(n=cohort.n_patients))
        else:
            st.badge(md(say(cohort.source.name)), icon=":material/description:", color="blue")
            n_warnings = len(cohort.report.warnings)
            st.caption(ngettext("{n} patient · not synthetic: treat as patient data · uploaded this session, kept in "
                                "memory only", "{n} patients · not synthetic: treat as patient data · uploaded this "
                                "session, kept in memory only", cohort.n_patients).format(n=cohort.n_patients)
                       + (_(" · **{n} loading warning(s)**, listed on the Data page").format(n=n_warnings)
                          if n_warnings else ""))


def _seed(key: str, value) -> None:
    """Give a widget its value from the state of record if Streamlit dropped it."""
    if key not in st.session_state:
        st.session_state[key] = value


def sidebar_filters(full) -> None:
    """The global filters; every page reads them through ``app_state.results()``."""
    table = full.table
    patients = full.cohort.patients
    current = app_state.filters()
    with st.sidebar:
        st.subheader(_("Filters"))
        diagnoses = sorted(table["diagnosis"].astype("string").dropna().unique().tolist())
        _seed("w_f_dx", [d for d in current.diagnoses if d in diagnoses])
        chosen_dx = st.multiselect(_("Diagnosis"), diagnoses, key="w_f_dx", placeholder=_("All diagnoses"))
        _seed("w_f_td", current.td)
        td = st.radio(_("Transfusion status at baseline"), app_state.TD_CHOICES, key="w_f_td", horizontal=True,
                      format_func={"all": pgettext("TD filter", "All"), "TD": "TD", "NTD": "NTD"}.get)
        _seed("w_f_outcome", [o for o in current.outcomes if o in OUTCOMES])
        outcomes = st.multiselect(_("Outcome"), list(OUTCOMES), key="w_f_outcome", placeholder=_("All outcomes"),
                                  format_func=lambda o: _(OUTCOME_LABELS.get(o, o)))  # i18n: lookup
        new = replace(current, diagnoses=tuple(chosen_dx), td=td, outcomes=tuple(outcomes))

        age = patients["age"].astype("Float64").dropna() if "age" in patients.columns else pd.Series(dtype="Float64")
        if len(age) and age.min() < age.max():
            low, high = int(age.min()), int(-(-age.max() // 1))
            seeded = current.age_range or (low, high)
            _seed("w_f_age", (max(low, int(seeded[0])), min(high, int(seeded[1]))))
            chosen = st.slider(_("Age (years)"), low, high, key="w_f_age")
            new = replace(new, age_range=None if tuple(chosen) == (low, high) else (float(chosen[0]), float(chosen[1])))

        options = [c for c in full.cohort.covariate_columns if c not in _OWN_FILTERS]
        _seed("w_f_cov", current.covariate if current.covariate in options else None)
        covariate = st.selectbox(_("Other covariate"), options, key="w_f_cov", index=None, format_func=covariate_label,
                                 placeholder=_("Choose a patient column…"))
        new = replace(new, covariate=covariate, covariate_levels=(), covariate_range=None)
        if covariate:
            values = patients[covariate]
            if covariate_kind(values) == "numeric":
                numeric = values.astype("Float64").dropna()
                low, high = float(numeric.min()), float(numeric.max())
                if low < high:
                    seeded = current.covariate_range if current.covariate == covariate and current.covariate_range else (low, high)
                    _seed("w_f_cov_range", (max(low, seeded[0]), min(high, seeded[1])))
                    chosen = st.slider(_("{covariate} range").format(covariate=md(covariate_label(covariate))), low, high,
                                       key="w_f_cov_range")
                    if tuple(chosen) != (low, high):
                        new = replace(new, covariate_range=(float(chosen[0]), float(chosen[1])))
            else:
                levels = sorted(app_state.level_text(values).unique().tolist())
                seeded = [v for v in current.covariate_levels if v in levels] if current.covariate == covariate else []
                _seed("w_f_cov_levels", seeded)
                chosen = st.multiselect(_("{covariate}: keep").format(covariate=md(covariate_label(covariate))), levels,
                                        key="w_f_cov_levels", placeholder=_("All values"))
                new = replace(new, covariate_levels=tuple(chosen))
        app_state.set_filters(new)
        kept = len(app_state.filtered_ids(full, new)) if new.active else len(table)
        if kept == 0:
            st.warning(_("These filters leave no patient (of {n}).").format(n=len(table)))
        else:
            st.caption(ngettext("**{kept} of {n} patient** pass the filters.", "**{kept} of {n} patients** pass the filters.",
                                len(table)).format(kept=kept, n=len(table)))


def sidebar_criteria() -> None:
    """The criteria set and every parameter of it, generated from ``lusp.params.describe``."""
    with st.sidebar:
        st.subheader(_("Response criteria"))
        if st.session_state.get("w_hb_unit") in app_state.HB_UNITS:  # this run's choice, before the thresholds use it
            app_state.set_hb_unit(st.session_state["w_hb_unit"])
        _seed("w_criteria", app_state.criteria_name())
        name = st.selectbox(_("Criteria set"), list(CRITERIA), key="w_criteria",
                            format_func=lambda n: criteria_label(n),
                            help=app_state.display().text(CRITERIA[app_state.criteria_name()].description) or None)
        app_state.set_criteria(name)
        items = describe(app_state.params(name))
        choice_items = [d for d in items if d["choices"]]
        number_items = [d for d in items if not d["choices"]]
        for item in choice_items:  # e.g. the post-treatment Hb measure: always visible
            _param_widget(name, item)
        changed = sum(d["value"] != d["default"] for d in number_items)
        title = _("Parameters ({n} changed)").format(n=changed) if changed else _("Parameters (defaults)")
        with st.expander(title, expanded=bool(changed)):
            for item in number_items:
                _param_widget(name, item)
            st.button(_("Reset to defaults"), key="w_params_reset", on_click=app_state.reset_params, args=(name,))
        _protocol_widget()
        _seed("w_hb_unit", app_state.hb_unit())
        unit = st.radio(_("Hb display unit"), app_state.HB_UNITS, key="w_hb_unit", horizontal=True,
                        help=_("Display only: every value is computed in g/L."))
        app_state.set_hb_unit(unit)


def _param_widget(criteria: str, item: dict) -> None:
    from lusp.labels import unit_words

    display = app_state.display()
    if item["unit"] == "g/L" and display.hb_unit != "g/L" and not item["choices"]:
        _hb_param_widget(criteria, item, display)
        return
    key = f"w_param_{criteria}_{item['name']}"
    # The unit once, in the plural ("days", "units"); a label already naming it keeps it once.
    unit_word = unit_words(item["unit"], 2)[1] if item["unit"] else ""
    named = unit_word and any(re.search(rf"[(（][^)）]*{re.escape(word)}", item["label"])
                              for word in (unit_word, item["unit"]))
    label = item["label"] + (_(" ({unit})").format(unit=unit_word) if unit_word and not named else "")
    default_value, default_unit = unit_words(item["unit"], item["default"]) if item["unit"] else (
        choice_label(item["default"]) if item["choices"] else item["default"], "")
    default_note = _("Default: {value}").format(value=f"{default_value} {default_unit}" if default_unit else default_value)
    help_text = " ".join(x for x in (item["help"], default_note) if x)
    _seed(key, item["value"])
    if item["choices"]:
        value = st.selectbox(label, list(item["choices"]), key=key, help=help_text, format_func=choice_label)
    elif isinstance(item["default"], bool):
        value = st.checkbox(label, key=key, help=help_text)
    elif isinstance(item["default"], int):
        value = st.number_input(label, min_value=None if item["min"] is None else int(item["min"]),
                                max_value=None if item["max"] is None else int(item["max"]), step=1, key=key,
                                help=help_text)
    else:
        span = (item["max"] or 100) - (item["min"] or 0)
        value = st.number_input(label, min_value=None if item["min"] is None else float(item["min"]),
                                max_value=None if item["max"] is None else float(item["max"]),
                                step=0.05 if span <= 1 else 0.5, key=key, help=help_text)
    if value != item["value"]:
        try:
            app_state.set_param(item["name"], value, criteria)
        except ValueError as exc:
            st.error(str(exc))


def _hb_param_widget(criteria: str, item: dict, display) -> None:
    """An Hb threshold shown and edited in the display unit (g/dL), kept in g/L inside."""
    key = f"w_param_{criteria}_{item['name']}_{display.hb_unit}"
    shown = display.hb_value(item["value"], mean=True)
    _seed(key, shown)
    low = None if item["min"] is None else float(item["min"]) * display.factor
    high = None if item["max"] is None else float(item["max"]) * display.factor
    help_text = " ".join(x for x in (item["help"], _("Default: {value}").format(value=display.hb(item["default"], mean=True)))
                         if x)
    value = st.number_input(f"{item['label']} ({display.hb_unit})", min_value=low, max_value=high, step=0.1,
                            format="%.2f", key=key, help=help_text)
    value_g_l = round(float(value) / display.factor, 6)
    if abs(value_g_l - float(item["value"])) > 1e-6 and abs(float(value) - shown) > 1e-9:
        try:
            app_state.set_param(item["name"], value_g_l, criteria)
        except ValueError as exc:
            st.error(display.text(str(exc)))


def _protocol_widget() -> None:
    from lusp.protocol import PROTOCOLS

    if len(PROTOCOLS) > 1:
        _seed("w_protocol", app_state.protocol() if app_state.protocol() in PROTOCOLS else next(iter(PROTOCOLS)))
        chosen = st.selectbox(_("Dose protocol (for the protocol review)"), list(PROTOCOLS), key="w_protocol",
                              format_func=lambda n: PROTOCOLS[n].label)
        st.session_state[app_state.PROTOCOL] = chosen


def main() -> None:
    from app_pages import _export_ui  # the export helper's widgets: downloads, deck basket, presentation

    app_state.init()
    # This run's language choice, before anything is said (the switch is drawn below).
    if st.session_state.get("w_lang") in LANGUAGES:
        if st.session_state["w_lang"] != app_state.language():
            _forget_widgets()
        app_state.set_language(st.session_state["w_lang"])
    elif "w_lang" in st.session_state:  # the switch clicked off: keep the language in force
        st.session_state["w_lang"] = app_state.language()
    presenting = _export_ui.present_mode()
    st.set_page_config(page_title=_("Luspatercept Cohort Explorer"), page_icon="🩸", layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "expanded")
    if presenting:
        # Presentation mode: one hidden page, no controls but its own switch back; the
        # filters and parameters in force stay as they were set.
        page = st.navigation([st.Page("app_pages/present.py", title=_("Presentation"), icon=":material/slideshow:")],
                             position="hidden")
        try:
            sidebar_language()  # the one control besides the switch back: 中文 / English
            page.run()
            app_state.write_query_params()
        except Exception as exc:
            log.exception("presentation failed")
            _friendly_error(exc)
        return
    page = st.navigation(pages())
    try:
        sidebar_language()
        sidebar_cohort()
        with st.sidebar:
            _export_ui.present_toggle()
        sidebar_criteria()
        full = app_state.full_results()
        sidebar_filters(full)
        with st.sidebar:
            _export_ui.basket_sidebar()
        if app_state.ignored_query_params():
            st.toast(_("Some link settings could not be applied: {names}").format(
                names=md(", ".join(app_state.ignored_query_params()))))
            st.session_state[app_state.IGNORED_QUERY] = ()
        page.run()
        app_state.write_query_params()
    except Exception as exc:  # the one error boundary: a sentence, never a traceback on screen
        log.exception("page failed")
        _friendly_error(exc)


def _friendly_error(exc: Exception) -> None:
    from lusp.validate import CohortLoadError

    if isinstance(exc, CohortLoadError):
        st.error(_("The cohort could not be loaded: {problem}. Open the Data page to see every problem or go back to "
                   "the demo cohort.").format(problem=md(exc.said())))
        if st.button(_("Use the demo cohort"), key="w_error_demo"):
            app_state.use_demo()
            st.rerun()
    else:
        st.error(_("Something went wrong while drawing this page. The details are in the server log (they are kept "
                   "off the screen because they can contain patient values). Try another page, reset the parameters, "
                   "or go back to the demo cohort."))
        # The failure may come from the cohort or parameters in force, which every page
        # (the Data page included) needs: offer the way out here, not on a page that fails too.
        left, right = st.columns(2)
        if left.button(_("Reset the parameters to their defaults"), key="w_error_reset"):
            app_state.reset_params()
            st.rerun()
        if not app_state.is_demo() and right.button(_("Use the demo cohort"), key="w_error_demo_any"):
            app_state.use_demo()
            st.rerun()


main()
