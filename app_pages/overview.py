"""Overview: one chart that tells the cohort's story, the headline figures with exact 95 %
CIs, the honest Hb reconciliation, and the auto-written results and methods paragraphs."""
from __future__ import annotations

import streamlit as st

import app_state
from app_pages import _export_ui, _manuscript_ui, _ui
from lusp.figures.cohort import outcome_story
from lusp.labels import criteria_label
from lusp.narrative import rise_reconciliation_why
from lusp.narrative import methods_paragraph, results_paragraph
from lusp.i18n import _, ngettext
from lusp.params import describe

results = app_state.results()
_ui.page_header(_("Overview"), results)

if results.table.empty:
    _ui.empty(_("No patient passes the filters in force. Widen them in the sidebar to see the overview."))
    st.stop()

s = app_state.summary()
rates = s["response_rate"]
display = _ui.display()
set_label = criteria_label(app_state.criteria_name())
story = _ui.altair_spec("outcome_story", lambda: outcome_story(results.table, criteria_label=set_label))
_ui.show_chart(story, key="outcome_story")
with st.expander(_("For the meeting: slide deck, text and tables"), icon=":material/download:"):
    _export_ui.overview_exports(results)
    _manuscript_ui.report_download(results)

st.subheader(_("Response"))
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Patients"), s["n_patients"], help=_("After the sidebar filters."))
if app_state.criteria_name() == "iwg2018":  # IWG 2018 speaks of burden categories, not TD/NTD
    from lusp.criteria.iwg2018 import category_counts

    counts = category_counts(results.table)
    c1.caption(" · ".join(f"{row.category} {row.n_patients}" for row in counts.itertuples() if row.n_patients))
else:
    c1.caption(_("{n_td} TD · {n_ntd} NTD at baseline").format(n_td=s["n_td"], n_ntd=s["n_ntd"]))
c2.metric(_("Responders, all"), _("{k} of {n}").format(k=s["n_responders"], n=s["n_patients"]))
c2.caption(_ui.rate_text(rates["overall"]))
c3.metric(_("TD responders"), _("{k} of {n}").format(k=s["n_td_responders"], n=s["n_td"]) if s["n_td"]
          else _("no TD patients"))
c3.caption(_ui.rate_text(rates["td"]) if s["n_td"] else "—")
c4.metric(_("NTD responders"), _("{k} of {n}").format(k=s["n_ntd_responders"], n=s["n_ntd"]) if s["n_ntd"]
          else _("no NTD patients"))
c4.caption(_ui.rate_text(rates["ntd"]) if s["n_ntd"] else "—")
if s.get("n_baseline_incomplete"):
    words = dict(k=s["n_baseline_incomplete"], n=s["n_patients"], days=s["baseline_window_days"], criteria=set_label)
    st.warning(
        _("{k} of the {n} patients have fewer recorded pre-treatment days than the {days}-day baseline window of "
          "{criteria}: their baseline unit counts are lower bounds and their burden before is the rate over the recorded "
          "days only — IWG 2018 assigns no transfusion-burden category to those whose recorded units do not already "
          "reach HTB (not evaluable). The Patients and Transfusions pages show each patient's coverage.").format(**words)
        if app_state.criteria_name() == "iwg2018" else
        _("{k} of the {n} patients have fewer recorded pre-treatment days than the {days}-day baseline window of "
          "{criteria}: their baseline unit counts are lower bounds and their burden before is the rate over the recorded "
          "days only. The Patients and Transfusions pages show each patient's coverage.").format(**words))
if s.get("n_not_evaluable"):
    st.caption(_("{n} patient(s) could not be evaluated and count as non-responders (intention to treat); the "
                 "Patients page gives each reason.").format(n=s["n_not_evaluable"]))

st.subheader(_("Hemoglobin"))
measure = {"peak": _("peak"), "last": _("last"), "mean_d29": _("mean from day 29")}.get(s["post_hb_measure"],
                                                                                     s["post_hb_measure"])
h1, h2, h3, h4 = st.columns(4)
h1.metric(_("Transfusion independent (TD)"), _("{k} of {n}").format(k=s["n_ti"], n=s["n_td"]) if s["n_td"]
          else _("no TD patients"))
h2.metric(_("Early Hb rise (days 1–14)"), _("{k} of {n}").format(k=s["n_early_rise"], n=s["n_patients"]))
unit = app_state.hb_unit()
h3.metric(_("Mean Hb baseline → {measure} ({unit})").format(measure=measure, unit=unit),
          f"{display.hb_number(s['mean_baseline_hb_g_l'], mean=True)} → {display.hb_number(s['mean_post_hb_g_l'], mean=True)}",
          help=_("Post-treatment Hb = the {measure} after day 0 (a sidebar parameter). For a patient with the "
                 "transient spike the peak is the spike itself: compare with 'last' in the sidebar.").format(measure=measure))
h4.metric(_("Post-treatment Hb > {value}").format(value=_ui.hb_value(100)),
          _("{k} of {n}").format(k=s["n_post_hb_over_100"], n=s["n_patients"]))

diff, rise, rise_early = s["difference_of_mean_hb_g_l"], s["mean_hb_rise_g_l"], s["mean_hb_rise_early_risers_g_l"]
note = (_("**How the Hb numbers fit together.** The difference of the two means is {diff}. The mean of each patient's "
          "own rise (peak − baseline, transfusion-affected values excluded, patients with both values) is {rise}, and "
          "{rise_early} among the {n} patients with an early rise. ").format(
            diff=_ui.hb_value(diff, signed=True, mean=True), rise=_ui.hb_value(rise, signed=True, mean=True),
            rise_early=_ui.hb_value(rise_early, signed=True, mean=True), n=s["n_early_rise"])
        + rise_reconciliation_why(s, results, display) + _(" None is adjusted to match another."))
if app_state.is_demo():
    note += _ui.text(_(" The source study reported 60.61 g/L → 96.21 g/L with a mean rise of 39.56 g/L — a rise that "
                       "is not the difference of its means (35.60 g/L); this synthetic cohort reproduces the means and "
                       "shows both rises instead of forcing them to agree."))
st.info(note)

st.subheader(_("The transient early spike"))
if s["n_td"] == 0:
    _ui.empty(_("No patient was transfusion-dependent at baseline in this selection, so there are no TD "
                "non-responders to examine."))
elif s["n_td_nonresponders"] == 0:
    _ui.empty(_("Every TD patient in this selection achieved transfusion independence."))
else:
    t1, t2, t3 = st.columns(3)
    t1.metric(_("TD patients without transfusion independence"),
              _("{k} of {n}").format(k=s["n_td_nonresponders"], n=s["n_td"]))
    t2.metric(_("…with a transient first-week spike"),
              _("{k} of {n}").format(k=s["n_spike_td_nonresponders"], n=s["n_td_nonresponders"]))
    before, after = s["td_nonresponder_burden_before_u28"], s["td_nonresponder_burden_after_u28"]
    t3.metric(_("Mean RBC burden of all {n}, before → after").format(n=s["n_td_nonresponders"]),
              "—" if before is None or after is None else _("{before} → {after} U/28 d").format(
                  before=display.number(before, 1), after=display.number(after, 1)))

    st.caption(_("A spike is an early peak (days 1–7) ≥ the set threshold above baseline that falls back by at least "
                 "half by day 42: an Hb rise that does not last, which a single early value would misread as response. "
                 "The Patients page shows each one's first weeks."))

_manuscript_ui.table1_section(results)
_manuscript_ui.flow_section(results)

st.subheader(_("Results"))
st.markdown(app_state.cached("results_paragraph", lambda: results_paragraph(s, results, display)))

st.subheader(_("Methods"))
st.markdown(app_state.cached("methods_paragraph", lambda: methods_paragraph(results, display)))
source = "data/demo_cohort.xlsx" if app_state.is_demo() else _("YOUR_FILE")
options = " ".join(f"{d['cli']} {d['value']}" for d in describe(app_state.params()) if d["value"] != d["default"])
command = f"python -m lusp summary {source} --criteria {app_state.criteria_name()}" + (f" {options}" if options else "")
if app_state.protocol() != "study":
    command += f" --protocol {app_state.protocol()}"
if app_state.language() != "en":  # the command line says its words in the language of the page
    command += f" --lang {app_state.language()}"
st.markdown(_("To copy (run from the project folder; the command line analyses the whole cohort, without the sidebar "
              "filters):"))
st.code(command, language="bash")
