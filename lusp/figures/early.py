"""Cohort-level figures (Altair) of the early review and the trials comparison (issue 14).

- :func:`weekly_hb_chart`: mean transfusion-unaffected Hb by week since the first dose per
  outcome group with its 95 % CI band, every patient's course faint behind, the review day marked;
- :func:`signs_chart`: sensitivity, specificity, PPV and NPV of each early sign with exact CIs;
- :func:`trials_forest`: each trial's published arms beside the same endpoint on this cohort.

Builders take the frames of :mod:`lusp.early` and :mod:`lusp.trials`, never raw files.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from lusp.figures import palette
from lusp.figures.cohort import _configure
from lusp.figures.hb_unit import hb_factor
from lusp.i18n import N_, _, pgettext
from lusp.narrative import percent

_WIDTH = 640
#: Weeks with fewer patients in a group get their mean but no band (a 2-patient t interval is
#: ± 12.7 standard errors: it says "unknown", loudly, and hides the other groups).
BAND_MIN_PATIENTS = 3
GROUP_LABELS: palette.Labels = palette.Labels({
    "responder": N_("Responders"),
    "non-responder": N_("Non-responders (no spike)"),
    "transient spike": N_("Transient spike (non-responders)"),
})


def _group_colour(groups) -> alt.Color:
    present = [g for g in GROUP_LABELS if g in set(groups)]
    return alt.Color("group_words:N", title=_("Outcome"),
                     scale=alt.Scale(domain=[GROUP_LABELS[g] for g in present],
                                     range=[palette.OUTCOME_COLOURS[g] for g in present]),
                     sort=[GROUP_LABELS[g] for g in present])


def weekly_hb_chart(weekly: pd.DataFrame, courses: pd.DataFrame, *, hb_unit: str = "g/L",
                    review_day: int | None = None) -> alt.LayerChart:
    """Mean Hb (95 % CI band) by week per outcome group, individual courses faint behind.

    The band is drawn for weeks with at least :data:`BAND_MIN_PATIENTS` patients (the table
    beside the chart has every interval).

    ``weekly``: :func:`lusp.early.weekly_hb`; ``courses``: :func:`lusp.early.hb_courses`. A
    week's mean is drawn at the middle of the week (week 0 = days 0–6 at x = 0.5 weeks).
    """
    factor = hb_factor(hb_unit)
    lines = courses.assign(weeks=courses["day"] / 7.0, hb=courses["hb_g_l"] * factor,
                           group_words=courses["group"].map(GROUP_LABELS.now()))
    means = weekly.assign(weeks=weekly["week"] + 0.5, hb=weekly["mean_hb_g_l"] * factor,
                          lo=weekly["ci_low"] * factor, hi=weekly["ci_high"] * factor,
                          group_words=weekly["group"].map(GROUP_LABELS.now()))
    colour = _group_colour(pd.concat([weekly["group"], courses["group"]]))
    x = alt.X("weeks:Q", title=_("Weeks since the first dose (day 0)"))
    # The axis follows the patients' values: a 2-patient week's t interval (t = 12.7) would
    # otherwise stretch it far past any Hb; bands are clipped to it.
    values = lines["hb"].dropna()
    pad = 5 * factor
    domain = [float(values.min() - pad), float(values.max() + pad)] if len(values) else None
    y_scale = alt.Scale(zero=False, domain=domain) if domain else alt.Scale(zero=False)
    y = alt.Y("hb:Q", title=_("Hb ({unit}), transfusion-affected values excluded").format(unit=hb_unit), scale=y_scale)
    layers = [
        alt.Chart(lines).mark_line(strokeWidth=1, opacity=0.18, point=False).encode(
            x=x, y=y, color=colour, detail="patient_id:N",
            tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("day:Q", title=_("Day")),
                     alt.Tooltip("hb:Q", title=f"Hb ({hb_unit})", format=".1f")]),
        alt.Chart(means[means["lo"].notna() & (means["n_patients"] >= BAND_MIN_PATIENTS)]).mark_area(
            opacity=0.22, clip=True).encode(x=x, y=alt.Y("lo:Q", scale=y_scale), y2="hi:Q", color=colour),
        alt.Chart(means).mark_line(strokeWidth=3, clip=True, point=alt.OverlayMarkDef(size=40)).encode(
            x=x, y=y, color=colour,
            tooltip=[alt.Tooltip("group_words:N", title=_("Group")), alt.Tooltip("week:Q", title=_("Week")),
                     alt.Tooltip("n_patients:Q", title=pgettext("count of patients", "Patients")),
                     alt.Tooltip("hb:Q", title=_("Mean Hb ({unit})").format(unit=hb_unit), format=".1f"),
                     alt.Tooltip("lo:Q", title=_("95 % CI low"), format=".1f"),
                     alt.Tooltip("hi:Q", title=_("95 % CI high"), format=".1f")]),
    ]
    if review_day is not None:
        ref = pd.DataFrame({"weeks": [review_day / 7.0], "text": [_("review day {day}").format(day=review_day)]})
        layers.append(alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#555555").encode(x="weeks:Q"))
        layers.append(alt.Chart(ref).mark_text(align="left", dx=5, dy=-6, fontSize=12, color="#555555")
                      .encode(x="weeks:Q", y=alt.value(8), text="text:N"))
    chart = alt.layer(*layers).properties(
        width=_WIDTH, height=360,
        title=alt.Title(_("Hb over time by outcome"),
                        subtitle=_("Mean per week with 95 % CI band where ≥ 3 patients (each patient once per week); "
                                   "faint lines: individual courses")),
    )
    return _configure(chart)


#: Chart labels of the signs (the tables carry the full labels).
SIGN_SHORT: palette.Labels = palette.Labels({
    "spike_vs_failure": N_("First-week spike, seen by review"),
    "early_rise_vs_failure": N_("Hb rise ≥ threshold at review"),
    "burden_reduction_vs_failure": N_("Burden reduction ≥ 33 % at review"),
    "criteria_early_rise_vs_failure": N_("Any rise in days 1–14 (criteria)"),
})

_MEASURES = (("sensitivity", N_("Sensitivity")), ("specificity", N_("Specificity")), ("ppv", N_("PPV")),
             ("npv", N_("NPV")))


def _measures() -> list[tuple[str, str]]:
    """The four measures with their titles in the language in force."""
    return [(key, _(title)) for key, title in _MEASURES]  # i18n: lookup


def signs_frame_long(signs) -> pd.DataFrame:
    """One row per sign and measure: ``sign, measure, k, n, est_pct, lo_pct, hi_pct, text``."""
    rows = []
    for sign in signs.values():
        rates = sign.rates()
        for key, title in _measures():
            r = rates[key]
            if r["est"] is None:
                continue
            rows.append({"sign": SIGN_SHORT.get(sign.name, sign.label), "measure": title, "k": r["k"], "n": r["n"],
                         "est_pct": 100 * r["est"], "lo_pct": 100 * r["lo"], "hi_pct": 100 * r["hi"],
                         "text": f"{r['k']}/{r['n']}"})
    return pd.DataFrame(rows, columns=["sign", "measure", "k", "n", "est_pct", "lo_pct", "hi_pct", "text"])


def signs_chart(signs) -> alt.FacetChart:
    """Each early sign's sensitivity, specificity, PPV and NPV (points) with exact 95 % CIs (bars)."""
    frame = signs_frame_long(signs)
    order = [SIGN_SHORT.get(s.name, s.label) for s in signs.values()]
    scale = alt.Scale(domain=[0, 100])
    y = alt.Y("sign:N", sort=order, title=None, axis=alt.Axis(labelLimit=330, labelFontSize=13))
    base = alt.Chart(frame).encode(y=y)
    layer = alt.layer(
        base.mark_rule(strokeWidth=3, color="#444444").encode(x=alt.X("lo_pct:Q", scale=scale, title="%",
                                                                             axis=alt.Axis(values=[0, 50, 100])),
                                                              x2="hi_pct:Q"),
        base.mark_circle(size=110, color=palette.OUTCOME_COLOURS["transient spike"], opacity=1).encode(
            x=alt.X("est_pct:Q", scale=scale),
            tooltip=[alt.Tooltip("sign:N", title=_("Sign")), alt.Tooltip("measure:N", title=_("Measure")),
                     alt.Tooltip("text:N", title="k / n"), alt.Tooltip("est_pct:Q", title="%", format=".1f"),
                     alt.Tooltip("lo_pct:Q", title=_("95 % CI low"), format=".1f"),
                     alt.Tooltip("hi_pct:Q", title=_("95 % CI high"), format=".1f")]),
        base.mark_text(dy=-13, fontSize=12, color="#222222").encode(x="est_pct:Q", text="text:N"),
    ).properties(width=150, height=max(60, 52 * len(order)))
    chart = layer.facet(column=alt.Column("measure:N", sort=[t for _key, t in _measures()], title=None,
                                          header=alt.Header(labelFontSize=14, labelFontWeight="bold"))).properties(
        title=alt.Title(_("Could we have known? Early signs against failure"),
                        subtitle=_("Positive = sign present; outcome positive = failure; exact 95 % CIs, counts k/n")))
    return _configure(chart)


#: The trials' arms in words (the ``arm`` values of :func:`lusp.trials.trials_table`).
ARM_WORDS: palette.Labels = palette.Labels({
    "luspatercept": N_("luspatercept"),
    "placebo": N_("placebo"),
    "epoetin alfa": N_("epoetin alfa"),
})


def arm_words(arm: object) -> str:
    """A trial arm in the language in force (an arm not listed is shown as written)."""
    return ARM_WORDS[str(arm)] if str(arm) in ARM_WORDS else str(arm)


def trials_forest(table: pd.DataFrame) -> alt.LayerChart:
    """The trials' published luspatercept and control arms and this cohort, rate with exact 95 % CI.

    ``table``: :func:`lusp.trials.trials_table` (two rows per trial; the cohort row is drawn once).
    """
    rows = []
    published_lusp, published_control, this_cohort = _("Published: luspatercept"), _("Published: control"), _("This cohort")
    for trial, group in table.groupby("trial", sort=False):
        lusp_row = group[group["arm"] == "luspatercept"].iloc[0]
        for _index, row in group.iterrows():
            rows.append({"trial": trial, "source": published_lusp if row["arm"] == "luspatercept"
                         else published_control, "who": arm_words(row["arm"]), "k": int(row["published_k"]),
                         "n": int(row["published_n"]), "rate": row["published_rate"],
                         "lo": row["published_ci_low"], "hi": row["published_ci_high"]})
        if lusp_row["cohort_n"]:
            rows.append({"trial": trial, "source": this_cohort,
                         "who": _("this cohort ({eligible})").format(eligible=lusp_row["eligible"]),
                         "k": int(lusp_row["cohort_k"]), "n": int(lusp_row["cohort_n"]),
                         "rate": lusp_row["cohort_rate"], "lo": lusp_row["cohort_ci_low"],
                         "hi": lusp_row["cohort_ci_high"]})
    frame = pd.DataFrame(rows)
    frame["label"] = frame["trial"] + " · " + frame["who"] + " (n = " + frame["n"].astype(str) + ")"
    for column in ("rate", "lo", "hi"):
        frame[column + "_pct"] = frame[column].astype(np.float64) * 100
    frame["text"] = [_("{k}/{n} · {rate} %").format(k=k, n=n, rate=percent(float(r)))
                     for k, n, r in zip(frame["k"], frame["n"], frame["rate"])]
    colour = alt.Color("source:N", title=None,
                       scale=alt.Scale(domain=[published_lusp, published_control, this_cohort],
                                       range=[palette.OUTCOME_COLOURS["responder"], "#999999",
                                              palette.OUTCOME_COLOURS["transient spike"]]),
                       legend=alt.Legend(orient="bottom"))
    scale = alt.Scale(domain=[0, 100])
    y = alt.Y("label:N", sort=list(frame["label"]), title=None, axis=alt.Axis(labelFontSize=13, labelLimit=380))
    base = alt.Chart(frame).encode(y=y)
    chart = alt.layer(
        base.mark_rule(strokeWidth=3).encode(x=alt.X("lo_pct:Q", scale=scale), x2="hi_pct:Q", color=colour),
        base.mark_square(size=150).encode(
            x=alt.X("rate_pct:Q", scale=scale,
                    title=_("Patients meeting the trial's primary endpoint (% with exact 95 % CI)")),
            color=colour,
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("text:N", title=_("k/n · rate")),
                     alt.Tooltip("lo_pct:Q", title=_("95 % CI low"), format=".1f"),
                     alt.Tooltip("hi_pct:Q", title=_("95 % CI high"), format=".1f")]),
        base.mark_text(align="left", dx=12, fontSize=13, color="#222222").encode(x=alt.value(_WIDTH), text="text:N"),
    ).properties(
        width=_WIDTH, height=max(120, 30 * len(frame)),
        title=alt.Title(_("Beside the pivotal trials"),
                        subtitle=_("Different patients: an off-label retrospective cohort is not a randomised trial")),
    )
    return _configure(chart)


__all__ = ["GROUP_LABELS", "signs_chart", "signs_frame_long", "trials_forest", "weekly_hb_chart"]
