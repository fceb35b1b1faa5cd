"""Early review & trials: the two-dose review patient by patient, whether early signs predicted
failure, Hb over time by outcome, and the cohort beside the pivotal trials. Layout only: every
number comes from lusp.early and lusp.trials."""
from __future__ import annotations

import streamlit as st

import app_state
from app_pages import _ui
from lusp import early, trials
from lusp.i18n import _
from lusp.figures import early as early_figures

results = app_state.results()
_ui.page_header(_("Early review & trials"), results)
table = results.table

if table.empty:
    _ui.empty(_("No patient passes the filters in force. Widen them in the sidebar to see the early review."))
    st.stop()

default_day = early.default_review_day(results)
day_col, note_col = st.columns([1, 3], vertical_alignment="bottom")
review_day = int(day_col.number_input(_("Review day (study day)"), min_value=1, max_value=730, value=default_day, step=1,
                                      key="w_early_review_day"))
note_col.caption(_("Default: the first escalation review of the dose protocol in force ({protocol}), day {day} — 2 doses "
                   "every 21 days. What is known is every record up to that day.").format(
    protocol=results.protocol_label, day=default_day))

# --- 1. The review, patient by patient ---------------------------------------------------
st.subheader(_("The review on day {day}, patient by patient").format(day=review_day))
picture = app_state.cached("early_picture", lambda: early.review_picture(results, review_day,
                                                                         hb_unit=app_state.hb_unit()),
                           review_day, app_state.hb_unit())
n_misled = int(picture["misled"].sum())
st.caption(_("**{k} of {n} patients** had an early picture that misled (listed first): failures that looked like "
             "responses, then responders that looked like failures. Hb change = the last transfusion-unaffected Hb by "
             "the review day minus baseline; burden so far = RBC units in days 1 … review day per 28 days.").format(
    k=n_misled, n=len(picture)))
_ui.show_table(early.review_display(picture, hb_unit=app_state.hb_unit()), key="early_review",
               height=_ui.rows_height(min(len(picture), 14)))
rules = [r for r in picture["rule"].dropna().unique().tolist()]
with st.expander(_("The protocol's rules, as quoted in the table")):
    for rule in rules:
        st.text(rule)

# --- 2. Could we have known? -------------------------------------------------------------
st.subheader(_("Could we have known?"))
signs = app_state.cached("early_signs", lambda: early.early_signs(results, review_day, picture), review_day)
st.caption(_(early.SMALL_N_CAVEAT)  # i18n: lookup
           + _(" Positive = the sign present; outcome positive = failure (an evaluable non-responder); patients who "
               "cannot be evaluated are left out."))
spec = _ui.altair_spec("early_signs_chart", lambda: early_figures.signs_chart(signs), review_day)
_ui.show_chart(spec, key="early_signs")
_ui.show_table(early.signs_frame(signs, hb_unit=app_state.hb_unit()), key="early_signs_table")
st.caption(_(early.DIRECTION_NOTE))  # i18n: lookup
excluded = {app_state.display().text(s.label): (s.n_excluded, s.n_not_evaluable) for s in signs.values() if s.n_excluded or s.n_not_evaluable}
for label, (n_excluded, n_not_evaluable) in excluded.items():
    st.caption(_("{sign}: {n_not_evaluable} not evaluable and {n_excluded} without the sign computable, left out.").format(
        sign=label, n_not_evaluable=n_not_evaluable, n_excluded=n_excluded))

# --- 3. Hb over time by outcome ----------------------------------------------------------
st.subheader(_("Hb over time by outcome"))
courses = app_state.cached("early_courses", lambda: early.hb_courses(results))
if courses.empty:
    _ui.empty(_("No evaluable patient shown has a transfusion-unaffected Hb to draw."))
else:
    weekly = app_state.cached("early_weekly", lambda: early.weekly_hb(results, courses))
    spec = _ui.altair_spec("early_weekly_chart", lambda: early_figures.weekly_hb_chart(
        weekly, courses, hb_unit=app_state.hb_unit(), review_day=review_day), review_day, app_state.hb_unit())
    _ui.show_chart(spec, key="early_weekly_hb")
    slopes = app_state.cached("early_slopes", lambda: early.post_week2_slopes(results, courses))
    st.markdown(_("**Post-week-2 Hb slope per group (exploratory)**"))
    _ui.show_table(early.slopes_display(slopes, hb_unit=app_state.hb_unit()), key="early_slopes")
    st.caption(_(early.SLOPE_CAVEAT))  # i18n: lookup

# --- 4. Beside the pivotal trials --------------------------------------------------------
st.subheader(_("Beside the pivotal trials"))
st.warning(_(trials.DIFFERENT_POPULATIONS), icon=":material/warning:")  # i18n: lookup
trials_table = app_state.cached("trials_table", lambda: trials.trials_table(results))
spec = _ui.altair_spec("trials_forest", lambda: early_figures.trials_forest(trials_table))
_ui.show_chart(spec, key="trials_forest")
_ui.show_table(trials.display_table(trials_table), key="trials_table")
st.caption(_("Published: the primary endpoint of each trial's luspatercept and control arms (k/N, exact 95 % CI), from "
             "the analysis named in the source column. This cohort: the same endpoint computed on its TD (MEDALIST, "
             "COMMANDS, BELIEVE) or NTD (BEYOND) patients, whatever their diagnosis; follow-up shorter than 24 weeks "
             "counts as not achieved, as in the trials' intention-to-treat analyses."))
