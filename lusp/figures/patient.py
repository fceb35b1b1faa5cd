"""Patient-level figures: one patient's Hb trajectory (Plotly) and the small-multiples grid.

The trajectory chart is what a hematologist reads at the meeting: Hb over study days with
the values measured within 14 days of an RBC transfusion drawn hollow (they are excluded
from response, SPEC §3), the baseline and the 60 / 100 / 115 g/L reference lines, RBC units
as bars on a second axis, the luspatercept doses in a strip above (mg/kg, escalations
marked), and the transient-spike and transfusion-free intervals shaded and labelled.

Every builder takes analysis output (``Results`` or its frames) and returns a figure
object; nothing here computes a clinical value. Shapes carry a ``name`` so tests (and the
export helper) can find them: ``"transient spike"``, ``"transfusion-free interval"``,
``"baseline"``, ``"reference 60 g/L"`` … and ``"end of follow-up"``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from lusp.figures import palette
from lusp.figures.fonts import plotly_family, with_altair_font
from lusp.figures.hb_unit import hb_factor, hb_text
from lusp.i18n import N_, _

#: Reference Hb levels drawn on every trajectory (g/L): severe anaemia, the response
#: ceiling clinicians quote, and the protocol's dose-hold level.
REFERENCE_HB_G_L: tuple[float, ...] = (60.0, 100.0, 115.0)

# Vertical layout of the trajectory figure (paper fractions): Hb panel below, dose strip above.
_HB_DOMAIN = (0.0, 0.74)
_DOSE_DOMAIN = (0.80, 0.97)
_FONT = dict(family="Arial, Helvetica, sans-serif", size=15, color="#222222")


def _font() -> dict:
    """The figure's font in the language in force (Chinese names the CJK font)."""
    return {**_FONT, "family": plotly_family()}


SORT_KEYS: palette.Labels = palette.Labels({
    "rise": N_("Hb rise (largest first)"),
    "burden": N_("Transfusion burden before (highest first)"),
    "id": N_("Patient ID"),
})


def _present(value: Any) -> bool:
    return value is not None and not (pd.api.types.is_scalar(value) and pd.isna(value))


def _flag(value: Any) -> bool:
    """A pandas ``boolean`` cell as a plain bool: NA (cannot be computed) counts as False."""
    return bool(value) if _present(value) else False


def _date_text(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d") if _present(value) else ""


def dose_text(level_mg_kg: float) -> str:
    """Doses as clinicians write them: 1.0, 1.25, 1.5, 1.75 (mg/kg)."""
    return f"{level_mg_kg:.1f}" if round(level_mg_kg, 1) == level_mg_kg else f"{level_mg_kg:g}"


_dose_text = dose_text  # the chart's own name for it


def _rbc_only(transfusions: pd.DataFrame) -> pd.DataFrame:
    """RBC episodes only (SPEC §2: other products never count)."""
    if "product" not in transfusions.columns:
        return transfusions
    product = transfusions["product"].astype("string").str.upper()
    return transfusions[product.isna() | (product == "RBC")]


def trajectory_figure(
    hb: pd.DataFrame,
    transfusions: pd.DataFrame,
    doses: pd.DataFrame,
    row: Mapping[str, Any],
    *,
    hb_unit: str = "g/L",
    title: str | None = None,
) -> go.Figure:
    """The Hb trajectory of one patient.

    Parameters
    ----------
    hb : DataFrame
        The patient's Hb rows: ``day``, ``hb_g_l``, ``transfusion_affected`` (bool) and
        optionally ``date``.
    transfusions, doses : DataFrame
        The patient's rows of the canonical tables (``day``, ``units``, ``product``;
        ``day``, ``dose_mg_kg``; both optionally ``date``).
    row : Mapping
        The patient's row of ``Results.table`` (``baseline_hb_g_l``, ``transient_spike``,
        ``early_peak_day``, ``early_peak_hb_g_l``, ``spike_fall_day``, ``tf_start_day``,
        ``tf_end_day``, ``longest_tf_days``, ``ti_achieved``, ``outcome``, ``end_day``…).
    hb_unit : {"g/L", "g/dL"}
        Display unit of the Hb axis (values are g/L inside).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: ``"Hb"`` (line), ``"Hb (transfusion-unaffected)"`` (filled markers),
        ``"Hb within 14 days of a transfusion (excluded from response)"`` (hollow),
        ``"RBC transfused (units)"`` (bars, right axis) and ``"Luspatercept dose (mg/kg)"``
        (the strip above). Shapes and annotations as in the module docstring.
    """
    factor = hb_factor(hb_unit)
    fig = go.Figure(_validate=False)  # built from known-good parts: validation cost 3× the build (issue 16)
    hb = hb.sort_values("day")
    days = hb["day"].astype("int64")
    values = hb["hb_g_l"].astype("float64") * factor
    affected = hb["transfusion_affected"].fillna(False).astype(bool) if len(hb) else pd.Series(dtype=bool)
    dates = hb["date"].map(_date_text) if "date" in hb.columns else pd.Series([""] * len(hb), index=hb.index)
    hover_fmt = ".0f" if hb_unit == "g/L" else ".1f"

    def hb_markers(mask: pd.Series, name: str, symbol: str, note: str) -> go.Scatter:
        return go.Scatter(
            x=days[mask],
            y=values[mask],
            mode="markers",
            name=name,
            yaxis="y",
            marker=dict(symbol=symbol, size=10, color=palette.HB_LINE, line=dict(width=2, color=palette.HB_LINE)),
            customdata=dates[mask],
            hovertemplate=_("Day {day}  {date}<br>Hb {hb} {unit}{note}").format(
                day="%{x}", date="%{customdata}", hb=f"%{{y:{hover_fmt}}}", unit=hb_unit, note=note) + "<extra></extra>",
        )

    fig.add_trace(
        go.Scatter(x=days, y=values, mode="lines", name="Hb", yaxis="y", showlegend=False, hoverinfo="skip",
                   line=dict(color=palette.HB_LINE, width=2))
    )
    fig.add_trace(hb_markers(~affected, _("Hb (transfusion-unaffected)"), "circle", ""))
    fig.add_trace(
        hb_markers(affected, _("Hb within 14 days of a transfusion (excluded from response)"), "circle-open",
                   "<br>" + _("within 14 days of a transfusion"))
    )

    rbc = _rbc_only(transfusions)
    per_day_units = rbc.groupby("day", as_index=False)["units"].sum() if len(rbc) else pd.DataFrame({"day": [], "units": []})
    fig.add_trace(
        go.Bar(
            x=per_day_units["day"],
            y=per_day_units["units"],
            name=_("RBC transfused (units)"),
            yaxis="y2",
            marker=dict(color=palette.TRANSFUSION, opacity=0.55),
            width=3,
            hovertemplate=_("Day {day}<br>{units} RBC unit(s)").format(day="%{x}", units="%{y:g}") + "<extra></extra>",
        )
    )

    doses = doses.sort_values("day")
    dose_levels = doses["dose_mg_kg"].astype("float64").to_numpy()
    dose_days = doses["day"].astype("int64").to_numpy()
    dose_dates = doses["date"].map(_date_text).to_numpy() if "date" in doses.columns else [""] * len(doses)
    labels, symbols = [], []
    for i, level in enumerate(dose_levels):
        previous = dose_levels[i - 1] if i else None
        if previous is None:
            labels.append(f"{_dose_text(level)} mg/kg")
            symbols.append("diamond")
        elif level > previous:
            labels.append(f"↑{_dose_text(level)}")  # escalation
            symbols.append("triangle-up")
        elif level < previous:
            labels.append(f"↓{_dose_text(level)}")
            symbols.append("triangle-down")
        else:
            labels.append("")
            symbols.append("diamond")
    fig.add_trace(
        go.Scatter(
            x=dose_days,
            y=dose_levels,
            mode="lines+markers+text",
            line=dict(shape="hv", color=palette.DOSE, width=2),
            marker=dict(symbol=symbols, size=12, color=palette.DOSE),
            text=labels,
            textposition="top center",
            textfont=dict(size=13, color=palette.DOSE),
            cliponaxis=False,  # the label over a 1.75 mg/kg dose sits above the strip's top
            name=_("Luspatercept dose (mg/kg)"),
            yaxis="y3",
            customdata=dose_dates,
            hovertemplate=_("Day {day}  {date}<br>Dose {dose} mg/kg").format(
                day="%{x}", date="%{customdata}", dose="%{y:g}") + "<extra></extra>",
        )
    )

    _add_reference_lines(fig, row, hb_unit)
    _add_intervals(fig, row, hb_unit)

    all_days = [int(d) for d in list(days) + list(dose_days) + list(per_day_units["day"])]
    end_day = row.get("end_day")
    if _present(end_day):
        all_days.append(int(end_day))
    x_low = min([-56] + all_days) - 4
    x_high = max([0] + all_days) + 7
    hb_values_g_l = list(hb["hb_g_l"].astype("float64"))
    y_low = min([50.0] + hb_values_g_l) - 8
    y_high = max([125.0] + hb_values_g_l) + 10
    max_units = float(per_day_units["units"].max()) if len(per_day_units) else 2.0

    outcome = str(row.get("outcome", "")) if _present(row.get("outcome")) else ""
    if title is not None:
        heading = title
    else:  # ID and outcome on the title line; the (often long) diagnosis below, smaller
        heading = " · ".join(str(x) for x in (row.get("patient_id"), palette.OUTCOME_LABELS.get(outcome, outcome))
                             if _present(x) and str(x))
        if _present(row.get("diagnosis")):
            heading += f"<br><span style='font-size:14px;color:#555555'>{row['diagnosis']}</span>"
    fig.update_layout(
        title=dict(text=heading, font=dict(size=19, color=palette.outcome_colour(outcome)), x=0.01),
        font=_font(),
        template=pio.templates["plotly_white"],  # the template itself: the figure is not validated
        height=600,
        margin=dict(l=70, r=70, t=78, b=90),
        hovermode="closest",
        bargap=0,
        legend=dict(orientation="h", yanchor="top", y=-0.13, x=0, font=dict(size=13)),
        xaxis=dict(title=_("Study day (day 0 = first luspatercept dose)"), range=[x_low, x_high], zeroline=False,
                   showgrid=True, anchor="y"),
        yaxis=dict(title=f"Hb ({hb_unit})", domain=list(_HB_DOMAIN), range=[y_low * factor, y_high * factor]),
        yaxis2=dict(title=_("RBC units transfused"), overlaying="y", side="right", showgrid=False,
                    range=[0, max(max_units, 2.0) / 0.45], rangemode="tozero", dtick=1),
        yaxis3=dict(title=dict(text=_("Dose<br>(mg/kg)"), font=dict(size=13)), domain=list(_DOSE_DOMAIN),
                    range=[0.75, 2.15], tickvals=[1.0, 1.5], tickfont=dict(size=11), anchor="x",
                    showgrid=True),
    )
    if not len(hb):
        fig.add_annotation(text=_("No Hb measurements for this patient"), xref="x domain", yref="y domain",
                           x=0.5, y=0.5, showarrow=False, font=dict(size=16, color="#555555"))
    return fig


def _add_reference_lines(fig: go.Figure, row: Mapping[str, Any], hb_unit: str) -> None:
    factor = hb_factor(hb_unit)
    for level in REFERENCE_HB_G_L:
        fig.add_shape(type="line", name=f"reference line {level:g}", xref="x domain", x0=0, x1=1, yref="y",
                      y0=level * factor, y1=level * factor, line=dict(color=palette.REFERENCE, width=1, dash="dot"),
                      layer="below")
        baseline_near = _present(row.get("baseline_hb_g_l")) and abs(float(row["baseline_hb_g_l"]) - level) < 8
        if baseline_near:  # the baseline's own label sits there; two labels would overprint
            continue
        fig.add_annotation(text=hb_text(level, hb_unit), xref="x domain", x=1.0, xanchor="right", yref="y",
                           y=level * factor, yanchor="bottom", showarrow=False,
                           font=dict(size=12, color="#666666"), name=f"reference line {level:g}")
    baseline = row.get("baseline_hb_g_l")
    if _present(baseline):
        fig.add_shape(type="line", name="baseline", xref="x domain", x0=0, x1=1, yref="y",
                      y0=float(baseline) * factor, y1=float(baseline) * factor,
                      line=dict(color=palette.BASELINE, width=2, dash="dash"))
        # Right edge, just below the line: the reference labels sit above theirs, so the two
        # never collide even when the baseline is close to 60 g/L.
        fig.add_annotation(text=_("baseline {hb}").format(hb=hb_text(float(baseline), hb_unit)), xref="x domain", x=1.0,
                           xanchor="right", yref="y", y=float(baseline) * factor, yanchor="top",
                           showarrow=False, font=dict(size=13, color=palette.BASELINE),
                           bgcolor="rgba(255,255,255,0.75)", name="baseline")
    end_day = row.get("end_day")
    if _present(end_day):
        fig.add_shape(type="line", name="end of follow-up", xref="x", x0=int(end_day), x1=int(end_day),
                      yref="y domain", y0=0, y1=1, line=dict(color="#777777", width=1, dash="dashdot"))


def _add_intervals(fig: go.Figure, row: Mapping[str, Any], hb_unit: str) -> None:
    """Shade the transient spike (day 0 → the day Hb had fallen back) and, for a TD patient,
    the longest transfusion-free run, each labelled in words at the top of the Hb panel.

    Transfusion independence is a claim about a TD patient only (issue 12): an NTD patient
    gets no TI band or wording; instead the response threshold (baseline + the NTD rise)
    is drawn, and the peak with its rise, the criterion an NTD patient is judged by.
    """
    from lusp.display import Display

    d = Display(hb_unit=hb_unit)
    td = _flag(row.get("td_baseline"))
    if _flag(row.get("transient_spike")) and _present(row.get("spike_fall_day")):
        fall_day = int(row["spike_fall_day"])
        fig.add_shape(type="rect", name="transient spike", xref="x", x0=0, x1=fall_day, yref="y domain", y0=0,
                      y1=1, fillcolor=palette.SPIKE_SHADE, line=dict(width=0), layer="below")
        rise = ""
        if _present(row.get("early_peak_hb_g_l")) and _present(row.get("baseline_hb_g_l")):
            rise_g_l = float(row["early_peak_hb_g_l"]) - float(row["baseline_hb_g_l"])
            rise = f" {d.hb(rise_g_l, signed=True)}"
        if _present(row.get("early_peak_day")):
            text = _("<b>Transient spike</b>{rise} on day {peak_day}, fallen back by day {fall_day}").format(
                rise=rise, peak_day=int(row["early_peak_day"]), fall_day=fall_day)
        else:
            text = _("<b>Transient spike</b>{rise}, fallen back by day {fall_day}").format(rise=rise, fall_day=fall_day)
        if _flag(row.get("spike_after_transfusion")):
            text = _("{text} (after a transfusion)").format(text=text)
        fig.add_annotation(text=text,
                           xref="x", x=0, xanchor="left", yref="y domain", y=0.995, yanchor="top",
                           showarrow=False, font=dict(size=13, color=palette.OUTCOME_COLOURS["transient spike"]),
                           bgcolor="rgba(255,255,255,0.8)", name="transient spike")
    if not td:
        _add_ntd_threshold(fig, row, d)
        return
    start, end = row.get("tf_start_day"), row.get("tf_end_day")
    longest = row.get("longest_tf_days")
    if _present(start) and _present(end) and _present(longest) and int(longest) > 0:
        achieved = _flag(row.get("ti_achieved"))
        fig.add_shape(type="rect", name="transfusion-free interval", xref="x", x0=int(start), x1=int(end),
                      yref="y domain", y0=0, y1=1,
                      fillcolor=palette.TI_SHADE if achieved else "rgba(120,120,120,0.08)", line=dict(width=0),
                      layer="below")
        words = (_("<b>Transfusion independent</b>: no RBC days {start}–{end} ({days} days)") if achieved
                 else _("Longest transfusion-free run: days {start}–{end} ({days} days, no TI)"))
        text = words.format(start=int(start), end=int(end), days=int(longest))
        fig.add_annotation(text=text, xref="x", x=(int(start) + int(end)) / 2, xanchor="center", yref="y domain",
                           y=0.90, yanchor="top", showarrow=False,
                           font=dict(size=13, color=palette.OUTCOME_COLOURS["responder"] if achieved else "#555555"),
                           bgcolor="rgba(255,255,255,0.8)", name="transfusion-free interval")


def _add_ntd_threshold(fig: go.Figure, row: Mapping[str, Any], d: Any) -> None:
    """An NTD patient's criterion: the threshold line and the peak's rise against it."""
    threshold = row.get("response_threshold_g_l")
    if _present(threshold):
        y = float(threshold) * d.factor
        fig.add_shape(type="line", name="NTD response threshold", xref="x", x0=1, x1=row.get("end_day") or 1,
                      yref="y", y0=y, y1=y, line=dict(color=palette.OUTCOME_COLOURS["responder"], width=1.5, dash="dot"))
        fig.add_annotation(text=_("NTD response needs Hb ≥ {hb}").format(hb=d.hb(threshold)), xref="x", x=1, xanchor="left", yref="y",
                           y=y, yanchor="bottom", showarrow=False, name="NTD response threshold",
                           font=dict(size=13, color=palette.OUTCOME_COLOURS["responder"]),
                           bgcolor="rgba(255,255,255,0.8)")
    peak, day, rise = row.get("peak_hb_g_l"), row.get("peak_hb_day"), row.get("hb_rise_g_l")
    if _present(peak) and _present(day) and _present(rise):
        # Below the peak when it stayed under the threshold, above it when it crossed: the
        # peak's words never sit on the threshold's.
        below = _present(threshold) and float(peak) < float(threshold)
        fig.add_annotation(text=_("peak {hb} on day {day} ({rise} over baseline)").format(
                               hb=d.hb(peak), day=int(day), rise=d.hb(rise, signed=True)),
                           xref="x", x=int(day), yref="y", y=float(peak) * d.factor,
                           yanchor="top" if below else "bottom", ay=34 if below else -28, ax=0,
                           showarrow=True, arrowhead=0, font=dict(size=13, color="#333333"),
                           bgcolor="rgba(255,255,255,0.8)", name="NTD peak")


def patient_trajectory(results: Any, patient_id: str, *, hb_unit: str = "g/L") -> go.Figure:
    """:func:`trajectory_figure` for ``patient_id`` of a ``lusp.analysis.Results``."""
    pid = str(patient_id)
    table = results.table
    match = table[table["patient_id"] == pid]
    if match.empty:
        raise KeyError(f"patient {pid!r} is not in the results")
    cohort = results.cohort
    row = match.iloc[0].to_dict()
    row["response_threshold_g_l"] = response_threshold_g_l(results, row)
    if _present(row.get("ti_obs_days")):
        # IWG 2018 judges TI inside its observation period (days 1 … 168): the band shows
        # that run, the one the classification used, not the study-wide longest run.
        row.update(tf_start_day=row.get("ti_obs_start_day"), tf_end_day=row.get("ti_obs_end_day"),
                   longest_tf_days=row.get("ti_obs_days"))
    return trajectory_figure(
        results.hb[results.hb["patient_id"] == pid],
        cohort.transfusions[cohort.transfusions["patient_id"] == pid],
        cohort.doses[cohort.doses["patient_id"] == pid],
        row,
        hb_unit=hb_unit,
    )


def response_threshold_g_l(results: Any, row: Mapping[str, Any]) -> float | None:
    """The Hb an NTD patient had to reach under the set in force: the IWG sets' own
    threshold column, else baseline + the study set's NTD rise (None when unknown)."""
    own = row.get("response_threshold_hb_g_l")
    if _present(own):
        return float(own)
    rise = getattr(getattr(results, "params", None), "ntd_rise_g_l", None)
    base = row.get("baseline_hb_g_l")
    return float(base) + float(rise) if rise is not None and _present(base) else None


def small_multiples_order(table: pd.DataFrame, sort: str = "rise") -> list[str]:
    """Patient IDs in the grid's order: ``"rise"`` (largest Hb rise first), ``"burden"``
    (highest burden before first) or ``"id"``. Missing values sort last, ties by ID."""
    if sort not in SORT_KEYS:
        raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)}, not {sort!r}")
    frame = table[["patient_id"]].copy()
    if sort == "id":
        return frame.sort_values("patient_id")["patient_id"].astype(str).tolist()
    column = "hb_rise_g_l" if sort == "rise" else "burden_before_u28"
    frame["key"] = table[column].astype("Float64")
    frame = frame.sort_values(["key", "patient_id"], ascending=[False, True], na_position="last")
    return frame["patient_id"].astype(str).tolist()


def small_multiples(
    hb: pd.DataFrame,
    table: pd.DataFrame,
    order: Sequence[str],
    *,
    hb_unit: str = "g/L",
    columns: int = 5,
    selection_name: str = "pick",
) -> alt.FacetChart:
    """A grid of Hb trajectories, one small panel per patient in ``order``, coloured by outcome.

    A click on a panel selects that patient: the point selection ``selection_name`` has
    field ``patient_id`` (Streamlit returns it as ``event.selection[selection_name]``).
    Days are clipped to the baseline window and follow-up (−56 … end of follow-up).
    """
    factor = hb_factor(hb_unit)
    ids = [str(p) for p in order]
    outcome = table.set_index(table["patient_id"].astype(str))["outcome"].astype(str)
    end_day = table.set_index(table["patient_id"].astype(str))["end_day"]
    data = hb[hb["patient_id"].isin(ids)][["patient_id", "day", "hb_g_l"]].copy()
    data["patient_id"] = data["patient_id"].astype(str)
    data["outcome"] = data["patient_id"].map(outcome).fillna("not evaluable")
    data["outcome_words"] = data["outcome"].map(palette.outcome_label)
    data["hb"] = data["hb_g_l"].astype("float64") * factor
    ends = data["patient_id"].map(end_day).astype("Float64").fillna(10**6)
    data = data[(data["day"] >= -56) & (data["day"] <= ends)].drop(columns="hb_g_l")
    data["day"] = data["day"].astype("int64")
    # nearest: a click anywhere in a panel picks its closest point, i.e. that patient.
    pick = alt.selection_point(name=selection_name, fields=["patient_id"], on="click", clear="dblclick", nearest=True)
    colour = alt.Color("outcome:N", scale=palette.altair_outcome_scale(), title=_("Outcome"),
                       legend=alt.Legend(orient="top", labelExpr=_legend_words_expr(), labelLimit=320))
    x = alt.X("day:Q", title=_("Study day"), axis=alt.Axis(tickCount=4, labelFontSize=10, titleFontSize=11))
    y = alt.Y("hb:Q", title=f"Hb ({hb_unit})", scale=alt.Scale(zero=False),
              axis=alt.Axis(tickCount=3, labelFontSize=10, titleFontSize=11))
    base = alt.Chart(data).encode(x=x, y=y, color=colour)
    line = base.mark_line(strokeWidth=1.5)
    points = base.mark_circle(size=22).encode(
        tooltip=[alt.Tooltip("patient_id:N", title=_("Patient")), alt.Tooltip("outcome_words:N", title=_("Outcome")),
                 alt.Tooltip("day:Q", title=_("Day")), alt.Tooltip("hb:Q", title=f"Hb ({hb_unit})", format=".1f")],
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
    ).add_params(pick)
    zero = alt.Chart(data).mark_rule(color="#BBBBBB", strokeDash=[3, 3]).encode(x=alt.datum(0))
    return with_altair_font(
        alt.layer(zero, line, points)
        # Five 140-px panels (with axis and spacing about 860 px) fit the page beside the
        # sidebar at 1280 px as at 1600: six 150-px panels cut the last column off at 1280,
        # so three of 22 patients were silently missing from the grid.
        .properties(width=140, height=95)
        .facet(facet=alt.Facet("patient_id:N", sort=ids, title=None,
                               header=alt.Header(labelFontSize=13, labelFontWeight="bold")), columns=columns)
        .resolve_scale(x="shared", y="shared")
        .configure_view(stroke="#DDDDDD")
    )


def _legend_words_expr() -> str:
    """A Vega expression turning outcome keys into the legend words of the palette."""
    def quoted(text: str) -> str:
        return text.replace("\\", "\\\\").replace("'", "\\'")

    cases = " : ".join(f"datum.label == '{key}' ? '{quoted(words)}'" for key, words in palette.OUTCOME_LABELS.items())
    return f"{cases} : datum.label"
