"""Cohort-level figures (Altair): burden before/after, response rates, forest, waterfall, swimmer.

Each builder takes the per-patient table of ``lusp.analysis.Results`` (and, where it needs
them, the cohort's doses/events) and returns an Altair chart sized and labelled for a
projector: axis titles with units, outcome legends in words, the one outcome palette.
Builders expect at least one row to draw; the pages say so in a sentence before calling
them with nothing (an empty chart is never shown).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from lusp.figures import palette
from lusp.figures.fonts import with_altair_font
from lusp.figures.hb_unit import hb_factor
from lusp.i18n import N_, _, ngettext, pgettext
from lusp.narrative import percent
# The subgroup numbers are statistics and live in lusp.stats; re-exported here for callers
# that imported them from the figures before the move.
from lusp.stats import covariate_kind, subgroup_table  # noqa: F401

_WIDTH = 640
#: The forest plot's axis is narrower: its counts-and-CI text column sits right of it, and
#: the whole must fit a 1280 px screen beside the sidebar.
_FOREST_WIDTH = 460
_AXIS = dict(labelFontSize=13, titleFontSize=14)


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Projector-readable type on every cohort chart, and ``autosize: pad`` so ``width`` and
    ``height`` are the plotting area (titles, legends and axes are added around it, in the
    app as in the PNG/SVG exports) instead of being squeezed into it."""
    return with_altair_font(
        chart.configure_axis(**_AXIS, labelLimit=380)
        .configure_legend(labelFontSize=13, titleFontSize=13, labelLimit=360, orient="right")
        .configure_title(fontSize=17, anchor="start", subtitleFontSize=13, subtitleColor="#555555")
        .configure_view(stroke=None)
        .properties(autosize=alt.AutoSizeParams(type="pad", contains="padding"))
    )


def _outcome_colour(title: str | None = None) -> alt.Color:
    return alt.Color(
        "outcome_words:N",
        title=_("Outcome") if title is None else title,
        scale=alt.Scale(domain=[palette.OUTCOME_LABELS[o] for o in palette.OUTCOMES],
                        range=[palette.OUTCOME_COLOURS[o] for o in palette.OUTCOMES]),
    )


def _with_words(table: pd.DataFrame) -> pd.DataFrame:
    frame = table.copy()
    frame["patient_id"] = frame["patient_id"].astype(str)
    frame["outcome_words"] = frame["outcome"].astype(str).map(palette.outcome_label)
    return frame


def _is_true(series: pd.Series) -> pd.Series:
    return series.astype("boolean").fillna(False).astype(bool)


# ---------------------------------------------------------------------------------------
# Transfusion burden
# ---------------------------------------------------------------------------------------
def burden_dumbbell(table: pd.DataFrame) -> alt.LayerChart:
    """Per-TD-patient RBC burden before vs after (units / 28 days), one line per patient.

    Hollow grey circle = before (the baseline window in force, named in the legend: 8
    weeks for the study set, 16 for IWG 2018), filled circle = after (days 1 … end of
    follow-up) coloured by outcome. A patient whose pre-treatment record is shorter than the
    window is drawn with a hollow *square* and "52 of 112 days recorded" in the tooltip: the
    before rate then covers the recorded days only. Patients sorted by burden before,
    highest on top.
    """
    td = _with_words(table[_is_true(table["td_baseline"])])
    td["before"] = td["burden_before_u28"].astype("float64")
    td["after"] = td["burden_after_u28"].astype("float64")
    window = int(td["baseline_window_days"].iloc[0]) if "baseline_window_days" in td.columns and len(td) else 56
    complete = (td["baseline_complete"].astype("boolean").fillna(True).astype(bool)
                if "baseline_complete" in td.columns else pd.Series(True, index=td.index))
    recorded = td["baseline_recorded_days"] if "baseline_recorded_days" in td.columns else pd.Series(window, index=td.index)
    full_words = (_("Before ({weeks}-week baseline)").format(weeks=window // 7) if window % 7 == 0
                  else _("Before ({days}-day baseline)").format(days=window))
    part_words = _("Before (partial record)")
    td["when"] = np.where(complete, full_words, part_words)
    td["coverage"] = [_("{recorded} of {window} days").format(recorded=window, window=window) if c
                      else _("{recorded} of {window} days recorded").format(recorded=r, window=window)
                      for c, r in zip(complete, recorded)]
    order = td.sort_values(["before", "patient_id"], ascending=[False, True])["patient_id"].tolist()
    y = alt.Y("patient_id:N", sort=order, title=_("Patient (TD at baseline)"))
    tooltip = [
        alt.Tooltip("patient_id:N", title=_("Patient")),
        alt.Tooltip("diagnosis:N", title=_("Diagnosis")),
        alt.Tooltip("before:Q", title=_("Before (U/28 d)"), format=".2f"),
        alt.Tooltip("coverage:N", title=_("Baseline window")),
        alt.Tooltip("after:Q", title=_("After (U/28 d)"), format=".2f"),
        alt.Tooltip("outcome_words:N", title=_("Outcome")),
    ]
    base = alt.Chart(td).encode(y=y, tooltip=tooltip)
    link = base.mark_rule(color="#AAAAAA", strokeWidth=2).encode(x="before:Q", x2="after:Q")
    shapes = [(w, m) for w, m, shown in ((full_words, "circle", complete.any()), (part_words, "square", (~complete).any()))
              if shown] or [(full_words, "circle")]
    before = base.mark_point(size=110, filled=False, color="#333333", strokeWidth=2).encode(
        x=alt.X("before:Q", title=_("RBC units per 28 days"), axis=alt.Axis(tickMinStep=0.5, labelOverlap=True)),
        shape=alt.Shape("when:N", title="", scale=alt.Scale(domain=[w for w, _ in shapes], range=[m for _, m in shapes])),
    )
    after = base.mark_circle(size=150, opacity=1).encode(x="after:Q", color=_outcome_colour(_("After treatment")))
    height = max(120, 30 * len(td))
    subtitle = [_("RBC units per 28 days; hollow = before ({days}-day baseline window), filled = after, "
                  "coloured by outcome").format(days=window)]
    if (~complete).any():
        subtitle.append(_("Squares: {n} patients with fewer recorded pre-treatment days than the window; their "
                          "before rate covers the recorded days only").format(n=int((~complete).sum())))
    chart = alt.layer(link, before, after).properties(
        width=_WIDTH - 80, height=height,  # room for the legend beside it on a 1280 px screen
        title=alt.Title(_("Transfusion burden before → after luspatercept"), subtitle=subtitle),
    ).resolve_scale(shape="independent", color="independent")
    return _configure(chart)


# ---------------------------------------------------------------------------------------
# Response rates and subgroups
# ---------------------------------------------------------------------------------------
def response_rates_frame(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The three headline rates of ``lusp.analysis.summarize`` as a tidy frame.

    Returns
    -------
    DataFrame
        ``group, responders, n, rate, ci_low, ci_high`` (fractions), one row each for all
        patients, TD and NTD, in that order; a group with ``n == 0`` is left out.
    """
    rows = []
    rates = summary.get("response_rate", {})
    for key, label, k_key, n_key in (
        ("overall", _("All patients"), "n_responders", "n_patients"),
        ("td", _("TD at baseline"), "n_td_responders", "n_td"),
        ("ntd", _("NTD at baseline"), "n_ntd_responders", "n_ntd"),
    ):
        n = int(summary.get(n_key) or 0)
        if n == 0 or key not in rates:
            continue
        rate = rates[key]
        rows.append({"group": label, "responders": int(summary.get(k_key) or 0), "n": n,
                     "rate": rate.get("rate"), "ci_low": rate.get("ci_low"), "ci_high": rate.get("ci_high")})
    return pd.DataFrame(rows, columns=["group", "responders", "n", "rate", "ci_low", "ci_high"])


def _rate_text(frame: pd.DataFrame) -> pd.Series:
    return frame.apply(
        # half-up, as the narrative and the tables round: 9/16 reads 56.3 % everywhere
        lambda r: _("{k}/{n}  {rate} % (95 % CI {low}–{high})").format(
            k=int(r["responders"]), n=int(r["n"]), rate=percent(r["rate"]), low=percent(r["ci_low"]),
            high=percent(r["ci_high"])),
        axis=1,
    )


def response_rates_chart(rates: pd.DataFrame, *, criteria_label: str = "") -> alt.LayerChart:
    """Response rate of each group with its exact 95 % CI (points and whiskers, 0–100 %),
    the counts and percentages written beside each row."""
    frame = rates.copy()
    for col in ("rate", "ci_low", "ci_high"):
        frame[col + "_pct"] = frame[col].astype("float64") * 100
    frame["label"] = _rate_text(frame)
    y = alt.Y("group:N", sort=list(frame["group"]), title=None, axis=alt.Axis(labelFontSize=14))
    x = alt.X("rate_pct:Q", title=_("Responders (% with exact 95 % CI)"), scale=alt.Scale(domain=[0, 100]))
    base = alt.Chart(frame).encode(y=y)
    whisker = base.mark_rule(strokeWidth=3, color=palette.OUTCOME_COLOURS["responder"]).encode(
        x=alt.X("ci_low_pct:Q", scale=alt.Scale(domain=[0, 100])), x2="ci_high_pct:Q")
    dot = base.mark_point(filled=True, size=220, color=palette.OUTCOME_COLOURS["responder"]).encode(x=x)
    text = base.mark_text(align="left", dx=12, fontSize=14, color="#222222").encode(x=alt.value(_WIDTH), text="label:N")
    subtitle = _("Criteria: {criteria}").format(criteria=criteria_label) if criteria_label else ""
    chart = alt.layer(whisker, dot, text).properties(
        width=_WIDTH, height=56 * len(frame),
        title=alt.Title(_("Response rate"), subtitle=subtitle),
    )
    return _configure(chart)


def forest_plot(subgroups: pd.DataFrame, *, overall_rate: float | None = None, covariate_label: str = "") -> alt.LayerChart:
    """Forest plot of response rate by subgroup level with exact 95 % CIs and counts.

    ``overall_rate`` (fraction) draws the whole-cohort rate as a dashed reference line.
    """
    frame = subgroups.copy()
    frame["label"] = frame["level"].astype(str) + "  (n = " + frame["n"].astype(str) + ")"
    for col in ("rate", "ci_low", "ci_high"):
        frame[col + "_pct"] = frame[col].astype("float64") * 100
    frame["text"] = _rate_text(frame)
    scale = alt.Scale(domain=[0, 100])
    y = alt.Y("label:N", sort=list(frame["label"]), title=None, axis=alt.Axis(labelFontSize=14))
    base = alt.Chart(frame).encode(y=y)
    layers = [
        base.mark_rule(strokeWidth=3, color="#444444").encode(x=alt.X("ci_low_pct:Q", scale=scale), x2="ci_high_pct:Q"),
        base.mark_square(color=palette.OUTCOME_COLOURS["responder"]).encode(
            x=alt.X("rate_pct:Q", scale=scale, title=_("Responders (% with exact 95 % CI)")),
            size=alt.Size("n:Q", title=pgettext("count of patients", "Patients"), scale=alt.Scale(range=[80, 420]), legend=None),
            tooltip=[alt.Tooltip("level:N", title=_("Subgroup")), alt.Tooltip("responders:Q", title=pgettext("count of patients", "Responders")),
                     alt.Tooltip("n:Q", title=pgettext("count of patients", "Patients")), alt.Tooltip("text:N", title=_("Rate"))],
        ),
        base.mark_text(align="left", dx=12, fontSize=13, color="#222222").encode(x=alt.value(_FOREST_WIDTH), text="text:N"),
    ]
    if overall_rate is not None and not pd.isna(overall_rate):
        ref = pd.DataFrame({"overall": [float(overall_rate) * 100]})
        layers.insert(0, alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#888888").encode(x="overall:Q"))
    chart = alt.layer(*layers).properties(
        width=_FOREST_WIDTH, height=max(80, 40 * len(frame)),
        title=alt.Title(_("Response rate by {covariate}").format(covariate=covariate_label or frame["covariate"].iloc[0]),
                        subtitle=_("Exploratory: small subgroups; dashed line = whole filtered cohort")),
    )
    return _configure(chart)


# ---------------------------------------------------------------------------------------
# Waterfall and swimmer
# ---------------------------------------------------------------------------------------
def waterfall(table: pd.DataFrame, *, hb_unit: str = "g/L", threshold_g_l: float | None = None) -> alt.LayerChart:
    """Best Hb change (peak transfusion-unaffected Hb − baseline) per patient, largest first,
    coloured by outcome. Patients without a computable rise are left out (the page says how
    many). ``threshold_g_l`` draws the NTD response threshold."""
    factor = hb_factor(hb_unit)
    frame = _with_words(table[table["hb_rise_g_l"].notna()])
    frame["rise"] = frame["hb_rise_g_l"].astype("float64") * factor
    order = frame.sort_values(["rise", "patient_id"], ascending=[False, True])["patient_id"].tolist()
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("patient_id:N", sort=order, title=_("Patient (sorted by Hb change)"),
                axis=alt.Axis(labelAngle=-90, labelOverlap=False, labelFontSize=11 if len(frame) > 30 else 13)),
        y=alt.Y("rise:Q", title=_("Best Hb change from baseline ({unit})").format(unit=hb_unit)),
        color=_outcome_colour(),
        tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("diagnosis:N", title=_("Diagnosis")),
                 alt.Tooltip("rise:Q", title=_("Hb change ({unit})").format(unit=hb_unit), format=".1f"),
                 alt.Tooltip("outcome_words:N", title=_("Outcome"))],
    )
    layers = [bars, alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#333333").encode(y="y:Q")]
    subtitle = [_("Peak transfusion-unaffected Hb after day 0 minus baseline")]
    if threshold_g_l is not None:
        from lusp.display import Display

        limit = Display(hb_unit=hb_unit).hb(threshold_g_l, signed=True)
        subtitle.append(_("Dashed line: the NTD response threshold ({limit}). TD patients respond by transfusion "
                          "independence, not by this change: a TD bar above the line can be a non-responder.").format(
                              limit=limit))
        ref = pd.DataFrame({"y": [threshold_g_l * factor], "text": [f"NTD {limit}"]})
        layers.append(alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#555555").encode(y="y:Q"))
        # Right of the plotting area, so it never sits on a bar.
        layers.append(alt.Chart(ref).mark_text(align="left", dx=6, fontSize=12, color="#555555")
                      .encode(y="y:Q", text="text:N", x=alt.value(max(_WIDTH, 26 * len(frame)))))
    chart = alt.layer(*layers).properties(
        width=max(_WIDTH, 26 * len(frame)), height=320,
        title=alt.Title(_("Waterfall of best Hb change"), subtitle=subtitle),
    )
    return _configure(chart)


EVENT_SHAPES: dict[str, str] = {
    "dose escalation": "triangle-up",
    "progression": "square",
    "transformation": "diamond",
    "death": "cross",
    "grade ≥ 3 adverse event": "triangle-down",
}
#: The swimmer's event marks in words (the keys of :data:`EVENT_SHAPES` stay machine values).
EVENT_WORDS: palette.Labels = palette.Labels({
    "dose escalation": N_("dose escalation"),
    "progression": N_("progression"),
    "transformation": N_("transformation"),
    "death": N_("death"),
    "grade ≥ 3 adverse event": N_("grade ≥ 3 adverse event"),
})


def swimmer_marks(doses: pd.DataFrame, events: pd.DataFrame, patient_ids) -> pd.DataFrame:
    """Markers of the swimmer plot: dose escalations (a dose above the previous one) and
    progression / transformation / death / grade ≥ 3 adverse events.

    Returns
    -------
    DataFrame
        ``patient_id, day, mark, detail``.
    """
    keep = set(map(str, patient_ids))
    dose = doses[doses["patient_id"].astype(str).isin(keep)].sort_values(["patient_id", "day"])
    previous = dose.groupby("patient_id")["dose_mg_kg"].shift()
    up = dose[previous.notna() & (dose["dose_mg_kg"] > previous)]
    escalations = pd.DataFrame({
        "patient_id": up["patient_id"].astype(str),
        "day": up["day"].astype("int64"),
        "mark": "dose escalation",
        # a list, not string arithmetic on a Series: with no escalation the Series is empty
        # and of object dtype, which the string concatenation rejects
        "detail": [_("escalated to {dose} mg/kg").format(dose=f"{float(v):g}") for v in up["dose_mg_kg"]],
    })
    ev = events[events["patient_id"].astype(str).isin(keep)]
    category = ev["category"].astype("string")
    grade = ev["grade"].astype("Int64") if "grade" in ev.columns else pd.Series(pd.NA, index=ev.index, dtype="Int64")
    serious_ae = (category == "adverse_event") & (grade >= 3).fillna(False)
    wanted = category.isin(["progression", "transformation", "death"]).fillna(False) | serious_ae
    ev = ev[wanted.astype(bool)]
    marks = pd.DataFrame({
        "patient_id": ev["patient_id"].astype(str),
        "day": ev["day"].astype("int64"),
        "mark": np.where(category[wanted.astype(bool)] == "adverse_event", "grade ≥ 3 adverse event",
                         category[wanted.astype(bool)].astype(str)),
        "detail": ev["term"].astype("string").fillna("").astype(str),
    })
    return pd.concat([escalations, marks], ignore_index=True)


def swimmer(table: pd.DataFrame, marks: pd.DataFrame) -> alt.LayerChart:
    """Time on study per patient (day 0 → end of follow-up) coloured by outcome, the longest
    transfusion-free run drawn as a dark band when it achieved TI, and ``marks`` (see
    :func:`swimmer_marks`) as symbols."""
    frame = _with_words(table)
    frame["start"] = 0
    frame["end"] = frame["end_day"].astype("Float64").fillna(0).astype("float64")
    order = frame.sort_values(["end", "patient_id"], ascending=[False, True])["patient_id"].tolist()
    y = alt.Y("patient_id:N", sort=order, title=_("Patient"))
    x_title = _("Study day (day 0 = first luspatercept dose)")
    bars = alt.Chart(frame).mark_bar(height=alt.RelativeBandSize(0.7), opacity=0.85).encode(
        y=y, x=alt.X("start:Q", title=x_title), x2="end:Q", color=_outcome_colour(),
        tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("end:Q", title=_("Follow-up (days)")),
                 alt.Tooltip("outcome_words:N", title=_("Outcome"))],
    )
    # TI is a TD concept: an NTD patient with no transfusion has a "run" but no independence
    # to win, so the band is drawn for TD patients only.
    ti = frame[_is_true(frame["ti_achieved"]) & _is_true(frame["td_baseline"]) & frame["tf_start_day"].notna()
               & frame["tf_end_day"].notna()].copy()
    ti["ti_start"] = ti["tf_start_day"].astype("float64")
    ti["ti_end"] = ti["tf_end_day"].astype("float64")
    ti["what"] = _("Transfusion independence (TD)")
    ti_band = alt.Chart(ti).mark_bar(height=alt.RelativeBandSize(0.22)).encode(
        y=y, x="ti_start:Q", x2="ti_end:Q",
        color=alt.Color("what:N", title="", scale=alt.Scale(range=["#111111"])),
        tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("ti_start:Q", title=_("TI from day")),
                 alt.Tooltip("ti_end:Q", title=_("to day"))],
    )
    # An empty band layer leaves its colour scale without a domain, which Vega reads as an
    # infinitely wide chart: draw it only when some patient reached TI.
    layers = [bars, ti_band] if len(ti) else [bars]
    if len(marks):
        words = EVENT_WORDS.now()
        marks = marks.assign(mark_words=marks["mark"].map(lambda m: words.get(m, m)))
        points = alt.Chart(marks).mark_point(filled=True, size=130, fill="#111111", stroke="white", strokeWidth=1.2).encode(
            y=y, x="day:Q",
            shape=alt.Shape("mark_words:N", title=_("Event"), scale=alt.Scale(domain=[words[m] for m in EVENT_SHAPES],
                                                                             range=list(EVENT_SHAPES.values())),
                            # the marks' white outline would make white legend symbols
                            legend=alt.Legend(symbolFillColor="#111111", symbolStrokeColor="#111111",
                                              symbolSize=130)),
            tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("day:Q", title=_("Day")),
                     alt.Tooltip("mark_words:N", title=_("Event")), alt.Tooltip("detail:N", title=_("Detail"))],
        )
        layers.append(points)
    chart = alt.layer(*layers).properties(
        width=_WIDTH, height=max(120, 26 * len(frame)),
        title=alt.Title(_("Time on study"), subtitle=_("Bar = follow-up coloured by outcome; black band = "
                                                       "transfusion-free run that reached TI (TD patients)")),
    ).resolve_scale(color="independent", shape="independent")
    return _configure(chart)


# ---------------------------------------------------------------------------------------
# Kaplan–Meier
# ---------------------------------------------------------------------------------------
def km_chart(km: pd.DataFrame, *, title: str, y_title: str, rising: bool = False, n_label: str | None = None,
             median_days: float | None = None) -> alt.LayerChart:
    """Kaplan–Meier step curve with its pointwise 95 % band and censor ticks.

    Parameters
    ----------
    km : DataFrame
        The estimate of :func:`lusp.stats.kaplan_meier` (``time, n_at_risk, n_events,
        n_censored, survival, ci_low, ci_high``), first row at time 0.
    title, y_title : str
        Chart title and y-axis title (with its unit, %).
    rising : bool
        Draw ``1 − S(t)`` (share who reached the event, e.g. time to TI) instead of ``S(t)``
        (share still event-free, e.g. still transfusion independent).
    n_label : str, optional
        Noun for the patients counted in the subtitle ("TD patients"; default "patients",
        in the language in force).
    median_days : float, optional
        The median (NaN or None when not reached), written in the subtitle.
    """
    frame = km[["time", "n_at_risk", "n_events", "n_censored"]].copy()
    survival = km["survival"].astype("float64")
    low, high = km["ci_low"].astype("float64"), km["ci_high"].astype("float64")
    # the band of 1 − S is the mirror of the band of S
    frame["y_pct"] = 100 * ((1 - survival) if rising else survival)
    frame["band_low_pct"] = 100 * ((1 - high) if rising else low)
    frame["band_high_pct"] = 100 * ((1 - low) if rising else high)
    n, events = int(km["n_at_risk"].iloc[0]), int(km["n_events"].sum())
    x = alt.X("time:Q", title=_("Days since the first luspatercept dose"), scale=alt.Scale(domainMin=0))
    y_scale = alt.Scale(domain=[0, 100])
    tooltip = [alt.Tooltip("time:Q", title=_("Day")), alt.Tooltip("y_pct:Q", title=y_title, format=".1f"),
               alt.Tooltip("n_at_risk:Q", title=_("At risk")), alt.Tooltip("n_events:Q", title=_("Events")),
               alt.Tooltip("n_censored:Q", title=_("Censored"))]
    colour = palette.OUTCOME_COLOURS["responder"]
    base = alt.Chart(frame)
    band = base.mark_area(interpolate="step-after", opacity=0.18, color=colour).encode(
        x=x, y=alt.Y("band_low_pct:Q", scale=y_scale, title=y_title), y2="band_high_pct:Q")
    step = base.mark_line(interpolate="step-after", strokeWidth=3, color=colour).encode(
        x=x, y=alt.Y("y_pct:Q", scale=y_scale, title=y_title), tooltip=tooltip)
    censored = base.transform_filter("datum.n_censored > 0").mark_tick(
        orient="vertical", size=16, thickness=2, color="#222222").encode(x=x, y=alt.Y("y_pct:Q", scale=y_scale),
                                                                        tooltip=tooltip)
    median = (_("not reached") if median_days is None or median_days != median_days
              else _("{days} days").format(days=f"{median_days:g}"))
    subtitle = ngettext("n = {n} {who}, {events} event; median {median}. Ticks = censored at end of follow-up; "
                        "band = pointwise 95 % CI",
                        "n = {n} {who}, {events} events; median {median}. Ticks = censored at end of follow-up; "
                        "band = pointwise 95 % CI", events).format(
        n=n, who=_("patients") if n_label is None else n_label, events=events, median=median)
    chart = alt.layer(band, step, censored).properties(
        width=_WIDTH, height=300, title=alt.Title(title, subtitle=subtitle))
    return _configure(chart)


# ---------------------------------------------------------------------------------------
# The cohort's story in one chart (the Overview's lead)
# ---------------------------------------------------------------------------------------
def outcome_story(table: pd.DataFrame, *, criteria_label: str = "") -> alt.LayerChart:
    """One bar per baseline group (TD, NTD), split into outcomes, each segment labelled with
    its count: how many responded, how many only spiked and fell back, how many did not
    respond, how many could not be evaluated. The chart a newcomer reads first."""
    frame = _with_words(table)
    td = _is_true(frame["td_baseline"])
    td_words, ntd_words = _("TD at baseline"), _("NTD at baseline")
    frame["group"] = np.where(td, td_words, ntd_words)
    counts = frame.groupby(["group", "outcome", "outcome_words"], as_index=False).size().rename(columns={"size": "n"})
    totals = counts.groupby("group")["n"].transform("sum")
    counts["group_label"] = counts["group"] + " (n = " + totals.astype(str) + ")"
    order = {o: i for i, o in enumerate(palette.OUTCOMES)}
    counts["order"] = counts["outcome"].map(order).fillna(len(order))
    counts["label"] = counts["n"].astype(str)
    groups = [g for g in (td_words, ntd_words) if g in set(counts["group"])]
    group_labels = [counts.loc[counts["group"] == g, "group_label"].iloc[0] for g in groups]
    y = alt.Y("group_label:N", sort=group_labels, title=None, axis=alt.Axis(labelFontSize=15, labelFontWeight="bold"))
    x = alt.X("n:Q", stack="zero", title=pgettext("count of patients", "Patients"), axis=alt.Axis(tickMinStep=1, format="d"))
    base = alt.Chart(counts).encode(y=y, x=x, order=alt.Order("order:Q"))
    bars = base.mark_bar(height=46).encode(
        color=_outcome_colour(),
        tooltip=[alt.Tooltip("group_label:N", title=_("Group")), alt.Tooltip("outcome_words:N", title=_("Outcome")),
                 alt.Tooltip("n:Q", title=pgettext("count of patients", "Patients"))])
    text = base.mark_text(color="white", fontSize=16, fontWeight="bold", dx=-12, align="right").encode(
        text="label:N", x=alt.X("n:Q", stack="zero", bandPosition=1))
    subtitle = [_("Patients of each baseline group by outcome ({criteria})").format(criteria=criteria_label)
                if criteria_label else _("Patients of each baseline group by outcome"),
                _("Transient spike: an early Hb rise that fell back — not a response")]
    chart = alt.layer(bars, text).properties(
        width=_WIDTH, height=150, title=alt.Title(_("Who responded"), subtitle=subtitle))
    # Legend under the bars: beside them it was cut off on a 1280 px screen.
    # labelLimit 0: "Transient spike (non-responder)" in full, never "Transient spike (non-res…".
    return _configure(chart).configure_legend(orient="bottom", direction="horizontal", titleOrient="left",
                                              labelLimit=0)
