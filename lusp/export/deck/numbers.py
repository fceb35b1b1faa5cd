"""Slide family: numbers and tables — the headline tiles and the per-patient table.

Every number comes from ``lusp.analysis.summarize`` or ``Results.table`` and is written
through the display context (:mod:`lusp.display`): the Hb unit in force, rounded once,
half-up. Column headers come from the label registry (:mod:`lusp.labels`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from lusp.display import Display, as_display
from lusp.export.deck.layout import Headline, _fixed, _missing, format_cell
from lusp.labels import short_label

#: The per-patient columns a slide can hold at readable size (titles from the registry).
DECK_TABLE_COLUMNS: tuple[str, ...] = (
    "patient_id", "diagnosis", "td_baseline", "baseline_hb_g_l", "peak_hb_g_l", "hb_rise_g_l",
    "burden_before_u28", "burden_after_u28", "longest_tf_days", "transient_spike", "outcome",
)
_HB_COLUMNS = ("baseline_hb_g_l", "peak_hb_g_l", "hb_rise_g_l")


def deck_patient_table(table: pd.DataFrame, *, hb_unit: str | None = None, display: Display | None = None) -> pd.DataFrame:
    """The per-patient table as slide text: :data:`DECK_TABLE_COLUMNS`, display units.

    Hb in the display unit (g/L whole numbers, g/dL one decimal, half-up, the rise signed),
    burden one decimal — a baseline burden over a partly recorded window carries its
    coverage ("4.8 (52 of 112 d)") —, booleans yes/no, missing ``–``. Values are those of
    ``Results.table``; nothing is recomputed.
    """
    d = as_display(display or hb_unit)
    out: dict[str, list[str]] = {}
    complete = table["baseline_complete"] if "baseline_complete" in table.columns else pd.Series(True, index=table.index)
    recorded = table["baseline_recorded_days"] if "baseline_recorded_days" in table.columns else None
    window = table["baseline_window_days"] if "baseline_window_days" in table.columns else None
    for column in DECK_TABLE_COLUMNS:
        if column not in table.columns:
            continue
        values = table[column]
        if column in _HB_COLUMNS:
            cells = [d.hb_number(v, signed=column == "hb_rise_g_l").replace("—", "–") for v in values]
        elif column == "burden_before_u28":
            cells = [
                _fixed(v, 1) if _missing(c) or bool(c) or recorded is None
                else f"{_fixed(v, 1)} ({recorded.iloc[i]} of {window.iloc[i]} d)"
                for i, (v, c) in enumerate(zip(values, complete))
            ]
        elif column == "burden_after_u28":
            cells = [_fixed(v, 1) for v in values]
        elif column == "longest_tf_days":
            cells = [_fixed(v, 0) for v in values]
        elif column == "td_baseline":
            cells = ["–" if _missing(v) else ("TD" if v else "NTD") for v in values]
        else:
            cells = [format_cell(v) for v in values]
        out[short_label(column, d)] = cells
    return pd.DataFrame(out, dtype=object)


def headline_numbers(summary: Mapping[str, Any], *, hb_unit: str | None = None,
                     display: Display | None = None) -> tuple[Headline, ...]:
    """The headline tiles of SPEC §1 from ``lusp.analysis.summarize`` (nothing recomputed)."""
    d = as_display(display or hb_unit)

    def rate(key: str) -> str:
        block = (summary.get("response_rate") or {}).get(key) or {}
        if block.get("rate") is None:
            return "no patients"
        return f"{d.percent(block['rate'])} % (95 % CI {d.percent(block['ci_low'])}–{d.percent(block['ci_high'])})"

    n, n_td, n_ntd = summary["n_patients"], summary["n_td"], summary["n_ntd"]
    tiles = [
        Headline(str(n), "patients", f"{n_td} transfusion-dependent (TD) · {n_ntd} not (NTD)"),
        Headline(f"{summary['n_responders']} / {n}", "responders overall", rate("overall")),
        Headline(f"{summary['n_td_responders']} / {n_td}", "TD responders", rate("td")),
        Headline(f"{summary['n_ntd_responders']} / {n_ntd}", "NTD responders", rate("ntd")),
    ]
    unassigned = summary.get("n_category_not_assigned") or 0
    if unassigned:  # IWG 2018 gives them no category: their "NTD" is only what was recorded
        tiles[3] = replace(tiles[3], detail=f"{rate('ntd')}; {unassigned} with no IWG 2018 category "
                                            "(pre-treatment record shorter than 16 weeks)")
    before, after = summary.get("mean_baseline_hb_g_l"), summary.get("mean_post_hb_g_l")
    if before is not None and after is not None:
        measure = {"peak": "peak", "last": "last", "mean_d29": "mean from day 29"}.get(
            summary.get("post_hb_measure", "peak"), "peak")
        rise = summary.get("mean_hb_rise_g_l")
        detail = f"post = {measure}" + (f"; mean of individual rises {d.hb(rise, mean=True, signed=True)}"
                                        if rise is not None else "")
        value = f"{d.hb_number(before, mean=True)} → {d.hb_number(after, mean=True)}"
        tiles.append(Headline(value, f"mean Hb before → after ({d.hb_unit})", detail))
    # "9 / 22", not a bare "9": a count on a projected tile needs its denominator.
    tiles.append(Headline(f"{summary.get('n_post_hb_over_100', 0)} / {n}", f"post-treatment Hb > {d.hb(100.0)}", ""))
    tiles.append(Headline(f"{summary.get('n_early_rise', 0)} / {n}", "Hb rose within days 1–14", "all Hb values"))
    n_nonresp = summary.get("n_td_nonresponders", 0)
    burden_before = summary.get("td_nonresponder_burden_before_u28")
    burden_after = summary.get("td_nonresponder_burden_after_u28")
    burden = (
        f"all {n_nonresp}: RBC {d.number(burden_before, 1)} → {d.number(burden_after, 1)} U/28 d"
        if burden_before is not None and burden_after is not None
        else ""
    )
    if burden and (summary.get("n_td_baseline_incomplete") or 0):
        burden += " (before: over the recorded days only)"
    tiles.append(Headline(f"{summary.get('n_spike_td_nonresponders', 0)} / {n_nonresp}", "TD non-responders with a transient spike", burden))
    return tuple(tiles)
