"""Safety: adverse events by term and CTCAE grade, progression / transformation timing,
and blasts over time when the labs table has them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import app_state
from lusp.i18n import _
from app_pages import _ui
from lusp.figures.safety import (adverse_events, ae_by_grade_chart, blast_labs, blasts_chart, course_chart,
                                 course_events, safety_counts)

results = app_state.results()
_ui.page_header(_("Safety"), results)
table = results.table

if table.empty:
    _ui.empty(_("No patient passes the filters in force. Widen them in the sidebar to see safety data."))
    st.stop()

events = results.cohort.events
#: The event categories (machine values of the events table) in words.
_EVENT_WORDS = {"progression": _("progression"), "transformation": _("transformation"), "death": _("death")}
labs = results.cohort.labs

st.subheader(_("Adverse events"))
ae = adverse_events(events)
if ae.empty:
    _ui.empty(_("No adverse event is recorded for the patients shown (the cohort file has no events table, or it "
                "lists none of category adverse_event)."))
else:
    counts = safety_counts(events)
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Adverse events"), counts["n_adverse_events"])
    c2.metric(_("Patients with an adverse event"), _("{k} of {n}").format(k=counts["n_patients_with_ae"], n=len(table)))
    c3.metric(_("Grade ≥ 3 events"), counts["n_grade3plus"])
    _ui.show_chart(_ui.altair_spec("ae", lambda: ae_by_grade_chart(events)), key="ae_by_grade")
    related = ae["related"] if "related" in ae.columns else pd.Series(pd.NA, index=ae.index)
    listing = pd.DataFrame({_("Patient"): ae["patient_id"].astype(str), _("Day"): ae["day"], _("Term"): ae["term"],
                            _("CTCAE grade"): ae["grade"].astype("Int64"), _("Related"): related})
    _ui.show_table(listing, key="ae_table")

st.subheader(_("Progression and transformation"))
course = course_events(events)
if course.empty:
    _ui.empty(_("No progression, transformation or death is recorded for the patients shown."))
else:
    _ui.show_chart(_ui.altair_spec("course", lambda: course_chart(events, table)), key="course")
    _ui.show_table(pd.DataFrame({_("Patient"): course["patient_id"].astype(str), _("Day"): course["day"],
                                 _("Event"): course["category"].map(_EVENT_WORDS).fillna(course["category"]),
                                 _("Term"): course["term"]}), key="course_table")

st.subheader(_("Blasts over time"))
blasts = blast_labs(labs)
if blasts.empty:
    _ui.empty(_("The labs table has no blast values for the patients shown (a test whose name contains "
                "“blast”), so there is nothing to plot."))
else:
    _ui.show_chart(_ui.altair_spec("blasts", lambda: blasts_chart(labs, table)), key="blasts")
