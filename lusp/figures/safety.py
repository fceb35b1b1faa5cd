"""Safety figures (Altair): adverse events by term and CTCAE grade, progression and
transformation timing, blasts over time.

Builders take canonical tables (``Cohort.events``, ``Cohort.labs``) and the per-patient
results table, and expect at least one row to draw; the Safety page states an empty
cohort table in a sentence instead of calling them.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from lusp.figures import palette
from lusp.figures.cohort import _configure, _outcome_colour, _with_words
from lusp.i18n import N_, _, pgettext

_WIDTH = 640
#: Event categories shown on the disease-course chart, with their marker shapes.
COURSE_SHAPES: dict[str, str] = {"progression": "square", "transformation": "diamond", "death": "cross"}
#: The same categories in words (the keys stay the machine values of ``events.category``).
COURSE_WORDS: palette.Labels = palette.Labels({
    "progression": N_("progression"), "transformation": N_("transformation"), "death": N_("death")})


def adverse_events(events: pd.DataFrame) -> pd.DataFrame:
    """The adverse-event rows of ``events`` (category ``adverse_event``)."""
    return events[events["category"].astype("string").fillna("") == "adverse_event"]


def safety_counts(events: pd.DataFrame) -> dict[str, int]:
    """Adverse-event counts for the Safety page and the deck.

    Returns
    -------
    dict
        ``n_adverse_events``, ``n_patients_with_ae`` and ``n_grade3plus`` (events of CTCAE
        grade ≥ 3; an event without a grade is not counted as ≥ 3).
    """
    ae = adverse_events(events)
    grade = ae["grade"].astype("Int64")
    return {
        "n_adverse_events": int(len(ae)),
        "n_patients_with_ae": int(ae["patient_id"].nunique()),
        "n_grade3plus": int((grade >= 3).fillna(False).sum()),
    }


def ae_by_grade_chart(events: pd.DataFrame) -> alt.Chart:
    """Adverse events counted by term, stacked by CTCAE grade (1 light → 5 dark).

    Bars sorted by total count; the tooltip also gives the number of patients.
    """
    ae = adverse_events(events).copy()
    ae["term"] = ae["term"].astype("string").fillna(_("(no term)"))
    unknown = _("Grade unknown")
    ae["grade_text"] = ae["grade"].astype("Int64").map(
        lambda g: _("Grade {grade}").format(grade=g) if pd.notna(g) else unknown).astype(str)
    counts = (
        ae.groupby(["term", "grade_text"], as_index=False)
        .agg(events=("patient_id", "size"), patients=("patient_id", "nunique"))
    )
    order = counts.groupby("term")["events"].sum().sort_values(ascending=False).index.tolist()
    grades = [_("Grade {grade}").format(grade=g) for g in range(1, 6)] + [unknown]
    chart = alt.Chart(counts).mark_bar(stroke="white", strokeWidth=1).encode(
        y=alt.Y("term:N", sort=order, title=_("Adverse event (term)")),
        x=alt.X("events:Q", title=_("Number of events"), axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("grade_text:N", title=_("CTCAE grade"),
                        scale=alt.Scale(domain=grades, range=list(palette.GRADE_COLOURS) + ["#CCCCCC"]),
                        legend=alt.Legend(symbolType="square", symbolSize=160, symbolStrokeWidth=0)),
        order=alt.Order("grade_text:N"),
        tooltip=[alt.Tooltip("term:N", title=_("Term")), alt.Tooltip("grade_text:N", title=_("Grade")),
                 alt.Tooltip("events:Q", title=_("Events")), alt.Tooltip("patients:Q", title=pgettext("count of patients", "Patients"))],
    ).properties(width=_WIDTH, height=max(60, 30 * len(order)),
                 title=alt.Title(_("Adverse events by CTCAE grade")))
    return _configure(chart)


def course_events(events: pd.DataFrame) -> pd.DataFrame:
    """Progression, transformation and death rows of ``events``."""
    return events[events["category"].astype("string").isin(list(COURSE_SHAPES)).fillna(False).astype(bool)]


def course_chart(events: pd.DataFrame, table: pd.DataFrame) -> alt.LayerChart:
    """Progression / transformation / death on each affected patient's follow-up line."""
    course = course_events(events).copy()
    course["patient_id"] = course["patient_id"].astype(str)
    course["term"] = course["term"].astype("string").fillna("").astype(str)
    course["category"] = course["category"].astype(str)
    words = COURSE_WORDS.now()
    course["category_words"] = course["category"].map(lambda c: words.get(c, c))
    ids = sorted(course["patient_id"].unique())
    patients = _with_words(table[table["patient_id"].astype(str).isin(ids)])
    patients["start"] = 0.0
    patients["end"] = patients["end_day"].astype("Float64").fillna(0).astype("float64")
    y = alt.Y("patient_id:N", sort=ids, title=_("Patient"))
    follow = alt.Chart(patients).mark_rule(strokeWidth=6, opacity=0.6).encode(
        y=y, x=alt.X("start:Q", title=_("Study day (day 0 = first luspatercept dose)")), x2="end:Q",
        color=_outcome_colour())
    marks = alt.Chart(course).mark_point(filled=True, size=200, color="#111111").encode(
        y=y, x="day:Q",
        shape=alt.Shape("category_words:N", title=_("Event"), scale=alt.Scale(domain=[words[c] for c in COURSE_SHAPES],
                                                                                range=list(COURSE_SHAPES.values())),
                        legend=alt.Legend(symbolFillColor="#111111", symbolStrokeColor="#111111", symbolSize=130)),
        tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("category_words:N", title=_("Event")),
                 alt.Tooltip("term:N", title=_("Term")), alt.Tooltip("day:Q", title=_("Day"))],
    )
    # Left of the marker and above the line: text to the right would run into the legend.
    labels = alt.Chart(course).mark_text(align="right", dx=-12, dy=-12, fontSize=13).encode(y=y, x="day:Q", text="term:N")
    chart = alt.layer(follow, marks, labels).properties(
        width=_WIDTH, height=max(60, 44 * len(ids)),
        title=alt.Title(_("Disease progression and transformation"), subtitle=_("Line = follow-up, coloured by outcome")),
    ).resolve_scale(color="independent", shape="independent")
    return _configure(chart)


#: Blasts from which a patient's line is named on the chart (≥ 5 % marrow blasts is "excess
#: blasts" in MDS, the threshold a hematologist looks for).
BLAST_LABEL_PCT = 5.0


def blast_labs(labs: pd.DataFrame) -> pd.DataFrame:
    """Lab rows whose test name mentions blasts (e.g. "blasts", "BM blasts %", "Blast count")."""
    return labs[labs["test"].astype("string").str.contains("blast", case=False).fillna(False).astype(bool)]


def blasts_chart(labs: pd.DataFrame, table: pd.DataFrame) -> alt.LayerChart:
    """Blast values over study days, one line per patient, coloured by outcome, each line
    labelled with its patient at its last value (a line nobody can name is no use)."""
    blasts = blast_labs(labs).copy()
    blasts["patient_id"] = blasts["patient_id"].astype(str)
    outcome = table.set_index(table["patient_id"].astype(str))["outcome"].astype(str)
    blasts["outcome_words"] = blasts["patient_id"].map(outcome).map(palette.outcome_label)
    units = blasts["unit"].astype("string").dropna().unique().tolist() if "unit" in blasts.columns else []
    unit = units[0] if len(units) == 1 else ""
    tests = blasts["test"].astype("string").dropna().unique().tolist()
    y_title = (tests[0] if len(tests) == 1 else _("Blasts")) + (f" ({unit})" if unit else "")
    x = alt.X("day:Q", title=_("Study day (day 0 = first luspatercept dose)"))
    y = alt.Y("value:Q", title=y_title)
    lines = alt.Chart(blasts).mark_line(point=True, strokeWidth=2).encode(
        x=x, y=y, color=_outcome_colour(), detail="patient_id:N",
        tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("test:N", title=_("Test")),
                 alt.Tooltip("day:Q", title=_("Day")), alt.Tooltip("value:Q", title=_("Value"))],
    )
    # Name the lines that matter: blasts reaching ≥ 5 % (excess blasts in MDS); the flat
    # cluster near 1–3 % would overprint its own labels (its patients are in the tooltip).
    values = pd.to_numeric(blasts["value"], errors="coerce")
    rising = values.groupby(blasts["patient_id"]).transform("max") >= BLAST_LABEL_PCT
    last = blasts[rising].sort_values(["patient_id", "day"]).groupby("patient_id", as_index=False).tail(1)
    names = alt.Chart(last).mark_text(align="left", dx=7, fontSize=12, fontWeight="bold").encode(
        x=x, y=y, text="patient_id:N", color=_outcome_colour())
    chart = alt.layer(lines, names).properties(width=_WIDTH, height=320, title=alt.Title(
        _("Blasts over time"),
        subtitle=_("Patients whose blasts reached ≥ {pct} % are named at their last value").format(pct=f"{BLAST_LABEL_PCT:g}")))
    return _configure(chart)
