"""Page-side layout helpers shared by every page: charts, tables, empty states, headers.

Every chart and table of the app goes through :func:`show_chart` / :func:`show_table`, so
the export helper adds its download and "add to deck" buttons in one place (beside the
``st.plotly_chart`` / ``st.vega_lite_chart`` / ``st.dataframe`` calls below).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import app_state
from lusp import labels
from lusp.display import HB_COLUMNS  # noqa: F401 (Result-table columns holding an Hb value in g/L)
from lusp.i18n import _, ngettext
from lusp.markup import escape_markdown as md


def page_header(title: str, results=None) -> None:
    """The page title and one line saying which cohort, criteria set and filters are in force."""
    st.title(title)
    results = results if results is not None else app_state.results()
    n_all = len(app_state.full_results().table)
    shown = len(results.table)
    cohort_name = _("SYNTHETIC demo cohort") if app_state.is_demo() else app_state.cohort().source.name
    st.caption(ngettext("{cohort} · criteria: **{criteria}** · filters: {filters} ({shown} of {n} patient)",
                        "{cohort} · criteria: **{criteria}** · filters: {filters} ({shown} of {n} patients)", n_all)
               .format(cohort=md(cohort_name), criteria=labels.criteria_label(app_state.criteria_name()),
                       filters=md(app_state.describe_filters()), shown=shown, n=n_all))


def empty(message: str) -> None:
    """An empty state: one plain sentence instead of a blank chart."""
    st.info(message)


def show_chart(fig: Any, key: str, *, on_select: str = "ignore", selection_mode: Any = None,
               caption: str | None = None) -> Any:
    """Draw a Plotly figure or an Altair chart (or a cached Vega-Lite spec dict).

    ``key`` is stable and unique per chart; it names the chart for exports. Returns the
    selection event when ``on_select="rerun"``.
    """
    if hasattr(fig, "to_plotly_json"):
        from lusp.export.images import plotly_modebar_config

        kwargs: dict[str, Any] = dict(key=key, config=plotly_modebar_config(key), on_select=on_select)
        if selection_mode is not None:
            kwargs["selection_mode"] = selection_mode
        event = st.plotly_chart(fig, width="stretch", **kwargs)
    else:
        spec = _arrow_spec(fig) if isinstance(fig, dict) else fig.to_dict()
        kwargs = dict(key=key, on_select=on_select)
        if selection_mode is not None:
            kwargs["selection_mode"] = selection_mode
        event = st.vega_lite_chart(spec, width="content", **kwargs)
    if caption:
        st.caption(caption)
    from app_pages import _export_ui

    _export_ui.chart_downloads(fig, key)
    return event


def _arrow_spec(spec: dict) -> dict:
    """``spec`` with its datasets already as Arrow bytes, cached beside it for the session.

    Streamlit converts every dataset of a Vega-Lite dict to Arrow on every rerun (the
    largest cost of a chart page's rerun); converted bytes pass straight through. The JSON
    spec itself is left untouched for the exports (vl-convert needs the plain values).
    """
    datasets = spec.get("datasets")
    if not datasets:
        return spec
    from streamlit import dataframe_util

    def convert() -> tuple[dict, dict]:
        converted = dict(spec)
        converted["datasets"] = {
            name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame.from_records(values))
            if isinstance(values, list) and values and isinstance(values[0], dict) else values
            for name, values in datasets.items()
        }
        return spec, converted

    # Keyed on the spec object itself (the entry keeps it alive, so its id is not reused).
    entry = app_state.memo(("arrow", id(spec)), convert)
    return entry[1] if entry[0] is spec else convert()[1]


def altair_spec(name: str, build, *parts: Any) -> dict:
    """An Altair chart built once per session and view, kept as its Vega-Lite dict (building
    and validating Altair charts dominates a page's rerun time)."""
    return app_state.cached(name, lambda: build().to_dict(), *parts)


def show_table(frame: pd.DataFrame, key: str, *, height: int | None = None, column_config: dict | None = None,
               static: bool = False) -> None:
    """A table as a clinician reads it: result and covariate columns titled by the label
    registry, Hb columns in the display unit (rounded once, half-up), sentences through the
    display, booleans yes/no (:func:`lusp.labels.labelled`). The XLSX and the deck get the
    table as shown; the CSV keeps the machine names and g/L, for re-analysis."""
    shown = labels.labelled(frame, display(), unknown="keep")
    if static:
        # A narrow side table (a patient's facts): plain HTML that wraps, never clips
        # "MDS with SF3B1 mutati…" at a column edge.
        # No download row under it: in a side column its buttons shrink to bare icons.
        st.table(shown.set_index(shown.columns[0]) if len(shown.columns) == 2 else shown)
        return
    kwargs: dict[str, Any] = dict(hide_index=True, width="stretch", key=key)
    if height is not None:
        kwargs["height"] = height
    if column_config:
        kwargs["column_config"] = {labels.column_label(k) if labels.has_label(f"column.{k}") else k: v
                                   for k, v in column_config.items()}
    st.dataframe(shown, **kwargs)
    from app_pages import _export_ui

    _export_ui.table_downloads(shown, key, csv_frame=frame)


def display():
    """The session's display context (Hb unit, rounding, language)."""
    return app_state.display()


def text(sentence: Any) -> Any:
    """A sentence written in g/L by ``lusp`` (a reason, a finding) in the display unit."""
    return display().text(sentence)


def hb_display(frame: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with Hb columns in the display unit (names kept; the registry
    titles them "Baseline Hb (g/dL)" when :func:`show_table` draws the frame)."""
    from lusp.display import Display

    return (Display(hb_unit=unit) if unit else display()).hb_frame(frame)


def hb_value(value_g_l: Any, *, signed: bool = False, mean: bool = False) -> str:
    """An Hb value (g/L inside) as display text in the unit in force; "—" when missing.

    Single values keep the lab's precision (96 g/L, 9.6 g/dL); means (``mean=True``) one
    more decimal (60.6 g/L, 6.06 g/dL), as the study reports them. Half-up, once
    (:class:`lusp.display.Display`).
    """
    return display().hb(value_g_l, signed=signed, mean=mean)


def rate_text(rate: dict | None, k: int | None = None, n: int | None = None) -> str:
    """``{rate, ci_low, ci_high}`` (fractions) as "63.6 % (95 % CI 40.7–82.8)"."""
    if not rate or rate.get("rate") is None or pd.isna(rate.get("rate")):
        return "—"
    from lusp.narrative import percent  # half-up, as the narrative and deck round (9/16 → 56.3 %)

    counts = f"{k}/{n} · " if k is not None and n is not None else ""
    return counts + _("{rate} % (95 % CI {low}–{high})").format(rate=percent(rate["rate"]), low=percent(rate["ci_low"]),
                                                              high=percent(rate["ci_high"]))


def flag_text(value: Any) -> str:
    """A pandas ``boolean`` cell as words: yes / no / — (cannot be computed)."""
    if value is None or pd.isna(value):
        return "—"
    return _("yes") if bool(value) else _("no")


def value_text(value: Any) -> str:
    """Any covariate value as a short word: booleans yes/no, dates ISO, numbers as %g."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return flag_text(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def number_text(value: Any, digits: int = 2) -> str:
    """A summary number to ``digits`` decimals, or "—" when it cannot be computed."""
    return "—" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def rows_height(n_rows: int) -> int:
    """A ``st.dataframe`` height (px) that shows ``n_rows`` rows without a scroll bar."""
    return 38 + 35 * n_rows


def rounded(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy with float columns rounded for display (the exports keep full precision)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(decimals)
    return out
