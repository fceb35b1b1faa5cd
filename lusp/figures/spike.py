"""The transient early spike, shown where it is presented: first weeks, shared axis.

One small panel per patient, zoomed on days ``window`` (default −14 … 56): the baseline Hb
as a dashed line, the spike's peak window (days 1 … ``peak_days``) shaded, the early peak
marked with its rise ("+18 g/L", rounded once by the display), the day the spike fell back
marked, transfusion-affected Hb hollow (they reflect the transfusion, not the drug), and
each RBC transfusion a red tick on the day axis. All panels share both axes so heights
compare across patients; later transfusion peaks outside the window cannot dwarf the spike.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from lusp.display import Display, as_display
from lusp.figures import palette
from lusp.figures.fonts import with_altair_font
from lusp.i18n import _, use_language

SPIKE_WINDOW = (-14, 56)


def spike_frame(hb: pd.DataFrame, transfusions: pd.DataFrame, table: pd.DataFrame, ids: Sequence[str], *,
                display: Display | str | None = None, window: tuple[int, int] = SPIKE_WINDOW) -> pd.DataFrame:
    """The long frame behind :func:`spike_multiples` (one row per mark), columns
    ``patient_id, layer, day, hb, label, affected``; ``layer`` is ``hb``, ``baseline``,
    ``peak``, ``fall`` or ``tx``. Hb in the display unit; labels in the display's language."""
    d = as_display(display)
    with use_language(d.lang):
        return _spike_frame(hb, transfusions, table, ids, d, window)


def _spike_frame(hb: pd.DataFrame, transfusions: pd.DataFrame, table: pd.DataFrame, ids: Sequence[str],
                 d: Display, window: tuple[int, int]) -> pd.DataFrame:
    ids = [str(i) for i in ids]
    lo, hi = window
    rows: list[dict[str, Any]] = []
    frame = hb[hb["patient_id"].astype(str).isin(ids) & hb["day"].between(lo, hi)]
    affected = frame["transfusion_affected"] if "transfusion_affected" in frame.columns else pd.Series(False, index=frame.index)
    for pid, day, value, aff in zip(frame["patient_id"].astype(str), frame["day"], frame["hb_g_l"], affected):
        rows.append({"patient_id": pid, "layer": "hb", "day": int(day), "hb": float(value) * d.factor,
                     "label": d.hb(value), "affected": bool(aff)})
    by_id = table.set_index(table["patient_id"].astype(str))
    for pid in ids:
        if pid not in by_id.index:
            continue
        row = by_id.loc[pid]
        base = row.get("baseline_hb_g_l")
        if pd.notna(base):
            rows.append({"patient_id": pid, "layer": "baseline", "day": lo, "hb": float(base) * d.factor,
                         "label": _("baseline {hb}").format(hb=d.hb(base)), "affected": False})
        peak, peak_day = row.get("early_peak_hb_g_l"), row.get("early_peak_day")
        if pd.notna(peak) and pd.notna(peak_day) and pd.notna(base):
            rows.append({"patient_id": pid, "layer": "peak", "day": int(peak_day), "hb": float(peak) * d.factor,
                         "label": d.hb(float(peak) - float(base), signed=True), "affected": False})
        fall = row.get("spike_fall_day")
        if pd.notna(fall):
            at = frame[(frame["patient_id"].astype(str) == pid) & (frame["day"] == int(fall))]["hb_g_l"]
            if len(at):
                rows.append({"patient_id": pid, "layer": "fall", "day": int(fall), "hb": float(at.min()) * d.factor,
                             "label": _("fell back by day {day}").format(day=int(fall)), "affected": False})
    tx = transfusions[transfusions["patient_id"].astype(str).isin(ids) & transfusions["day"].between(lo, hi)]
    if "product" in tx.columns:
        from lusp.timeline import is_rbc

        tx = tx[is_rbc(tx["product"])]
    for pid, day, units in zip(tx["patient_id"].astype(str), tx["day"], tx["units"]):
        rows.append({"patient_id": pid, "layer": "tx", "day": int(day), "hb": None,
                     "label": _("RBC {units} U on day {day}").format(units=f"{units:g}", day=int(day)),
                     "affected": False})
    return pd.DataFrame(rows, columns=["patient_id", "layer", "day", "hb", "label", "affected"])


def spike_multiples(hb: pd.DataFrame, transfusions: pd.DataFrame, table: pd.DataFrame, ids: Sequence[str], *,
                    display: Display | str | None = None, columns: int = 3, peak_days: int = 7,
                    window: tuple[int, int] = SPIKE_WINDOW, width: int = 300, height: int = 150) -> alt.FacetChart:
    """Small multiples of the first weeks for ``ids`` (see the module docstring), in the
    display's language."""
    d = as_display(display)
    with use_language(d.lang):
        return _spike_multiples(hb, transfusions, table, ids, d=d, columns=columns, peak_days=peak_days,
                                window=window, width=width, height=height)


def _spike_multiples(hb: pd.DataFrame, transfusions: pd.DataFrame, table: pd.DataFrame, ids: Sequence[str], *,
                     d: Display, columns: int, peak_days: int, window: tuple[int, int], width: int,
                     height: int) -> alt.FacetChart:
    data = spike_frame(hb, transfusions, table, ids, display=d, window=window)
    values = data["hb"].dropna()
    low = float(values.min()) if len(values) else 0.0
    high = float(values.max()) if len(values) else 1.0
    pad = (high - low) * 0.12 or 1.0
    y_scale = alt.Scale(domain=[low - 2 * pad, high + pad], nice=False)
    x = alt.X("day:Q", title=_("Study day"), scale=alt.Scale(domain=list(window), nice=False),
              axis=alt.Axis(values=[0, 7, 14, 28, 42, 56], labelFontSize=11, titleFontSize=12))
    y = alt.Y("hb:Q", title=d.hb_title(), scale=y_scale, axis=alt.Axis(tickCount=4, labelFontSize=11, titleFontSize=12))
    base = alt.Chart(data)
    band = base.transform_filter(alt.datum.layer == "baseline").mark_rect(color=palette.SPIKE_SHADE).encode(
        x=alt.datum(1), x2=alt.datum(peak_days), y=alt.value(0), y2=alt.value(height))
    baseline = base.transform_filter(alt.datum.layer == "baseline").mark_rule(
        color=palette.BASELINE, strokeDash=[5, 3], strokeWidth=1.5).encode(y=y, tooltip=[alt.Tooltip("label:N", title="")])
    hb_rows = base.transform_filter(alt.datum.layer == "hb")
    line = hb_rows.transform_filter(alt.datum.affected == False).mark_line(  # noqa: E712 (Vega expression)
        color=palette.HB_LINE, strokeWidth=1.5).encode(x=x, y=y)
    # Transfusion-affected Hb hollow and lighter: they are the transfusion's, not the drug's,
    # and must not outshine the spike they surround.
    points = hb_rows.mark_point(size=38, strokeWidth=1.5).encode(
        x=x, y=y, fill=alt.condition(alt.datum.affected, alt.value("white"), alt.value(palette.HB_LINE)),
        color=alt.condition(alt.datum.affected, alt.value("#9A9A9A"), alt.value(palette.HB_LINE)),
        tooltip=[alt.Tooltip("day:Q", title=_("Day")), alt.Tooltip("label:N", title="Hb")])
    peak = base.transform_filter(alt.datum.layer == "peak")
    peak_mark = peak.mark_point(shape="triangle-up", size=130, filled=True, color=palette.OUTCOME_COLOURS.get(
        "transient spike", "#882255")).encode(x=x, y=y)
    peak_text = peak.mark_text(dy=-13, fontSize=12, fontWeight="bold", color=palette.OUTCOME_COLOURS.get(
        "transient spike", "#882255")).encode(x=x, y=y, text="label:N")
    fall = base.transform_filter(alt.datum.layer == "fall").mark_point(
        shape="triangle-down", size=110, filled=True, color=palette.BASELINE).encode(
        x=x, y=y, tooltip=[alt.Tooltip("label:N", title="")])
    ticks = base.transform_filter(alt.datum.layer == "tx").mark_tick(
        color=palette.TRANSFUSION, thickness=3, size=14).encode(
        x=x, y=alt.value(height - 7), tooltip=[alt.Tooltip("label:N", title="")])
    zero = base.transform_filter(alt.datum.layer == "baseline").mark_rule(color="#BBBBBB").encode(x=alt.datum(0))
    return with_altair_font(
        alt.layer(band, zero, baseline, line, points, ticks, fall, peak_mark, peak_text)
        .properties(width=width, height=height)
        .facet(facet=alt.Facet("patient_id:N", sort=[str(i) for i in ids], title=None,
                               header=alt.Header(labelFontSize=13, labelFontWeight="bold")), columns=columns)
        .resolve_scale(x="shared", y="shared")
        .properties(title=alt.Title(
            _("Days {start} to {end} · dashed: baseline Hb · shaded: days 1–{peak_days} · ▲ early peak (rise "
              "over baseline) · ▼ fell back · hollow: transfusion-affected Hb · red ticks: RBC transfusions").format(
                start=str(window[0]).replace("-", "−"), end=window[1], peak_days=peak_days),
            fontSize=12, fontWeight="normal", anchor="start"))
        .configure_view(stroke="#DDDDDD")
    )
