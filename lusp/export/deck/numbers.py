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
from lusp.i18n import _, ngettext
from lusp.labels import has_label, label, short_label

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
                else _("{value} ({recorded} of {window} d)").format(value=_fixed(v, 1), recorded=recorded.iloc[i], window=window.iloc[i])
                for i, (v, c) in enumerate(zip(values, complete))
            ]
        elif column == "burden_after_u28":
            cells = [_fixed(v, 1) for v in values]
        elif column == "longest_tf_days":
            cells = [_fixed(v, 0) for v in values]
        elif column == "td_baseline":
            cells = ["–" if _missing(v) else ("TD" if v else "NTD") for v in values]
        elif column == "outcome":
            cells = [outcome_word(v, d) for v in values]
        else:
            cells = [format_cell(v) for v in values]
        out[short_label(column, d)] = cells
    return pd.DataFrame(out, dtype=object)


def outcome_word(value: Any, display: Display | None = None) -> str:
    """An outcome code as the table cell shows it ("responder" → "有效" in Chinese); the
    deck's swatch colour is looked up from these words (:func:`outcome_colour_of_word`)."""
    if _missing(value):
        return "–"
    key = f"outcome.{value}"
    return label(key, display=display) if has_label(key) else format_cell(value)


def outcome_colour_of_word(word: str, display: Display | None = None) -> str | None:
    """The outcome palette's colour of a cell showing :func:`outcome_word` (None: no swatch)."""
    from lusp.figures.palette import OUTCOME_COLOURS

    for code, colour in OUTCOME_COLOURS.items():
        if word in (code, outcome_word(code, display)):
            return colour
    return None


def headline_numbers(summary: Mapping[str, Any], *, hb_unit: str | None = None,
                     display: Display | None = None) -> tuple[Headline, ...]:
    """The headline tiles of SPEC §1 from ``lusp.analysis.summarize`` (nothing recomputed)."""
    d = as_display(display or hb_unit)

    def rate(key: str) -> str:
        block = (summary.get("response_rate") or {}).get(key) or {}
        if block.get("rate") is None:
            return _("no patients")
        return _("{rate} % (95 % CI {low}–{high})").format(
            rate=d.percent(block["rate"]), low=d.percent(block["ci_low"]), high=d.percent(block["ci_high"]))

    n, n_td, n_ntd = summary["n_patients"], summary["n_td"], summary["n_ntd"]
    tiles = [
        Headline(str(n), ngettext("patient", "patients", n),
                 _("{td} transfusion-dependent (TD) · {ntd} not (NTD)").format(td=n_td, ntd=n_ntd)),
        Headline(f"{summary['n_responders']} / {n}", _("responders overall"), rate("overall")),
        Headline(f"{summary['n_td_responders']} / {n_td}", _("TD responders"), rate("td")),
        Headline(f"{summary['n_ntd_responders']} / {n_ntd}", _("NTD responders"), rate("ntd")),
    ]
    unassigned = summary.get("n_category_not_assigned") or 0
    if unassigned:  # IWG 2018 gives them no category: their "NTD" is only what was recorded
        tiles[3] = replace(tiles[3], detail=_("{rate}; {n} with no IWG 2018 category "
                                              "(pre-treatment record shorter than 16 weeks)").format(rate=rate("ntd"), n=unassigned))
    before, after = summary.get("mean_baseline_hb_g_l"), summary.get("mean_post_hb_g_l")
    if before is not None and after is not None:
        measures = {"peak": _("post = peak"), "last": _("post = last"), "mean_d29": _("post = mean from day 29")}
        detail = measures.get(summary.get("post_hb_measure", "peak"), measures["peak"])
        rise = summary.get("mean_hb_rise_g_l")
        if rise is not None:
            detail = _("{measure}; mean of individual rises {rise}").format(
                measure=detail, rise=d.hb(rise, mean=True, signed=True))
        value = f"{d.hb_number(before, mean=True)} → {d.hb_number(after, mean=True)}"
        tiles.append(Headline(value, _("mean Hb before → after ({unit})").format(unit=d.hb_unit), detail))
    # "9 / 22", not a bare "9": a count on a projected tile needs its denominator.
    tiles.append(Headline(f"{summary.get('n_post_hb_over_100', 0)} / {n}",
                          _("post-treatment Hb > {hb}").format(hb=d.hb(100.0)), ""))
    tiles.append(Headline(f"{summary.get('n_early_rise', 0)} / {n}", _("Hb rose within days 1–14"), _("all Hb values")))
    n_nonresp = summary.get("n_td_nonresponders", 0)
    burden_before = summary.get("td_nonresponder_burden_before_u28")
    burden_after = summary.get("td_nonresponder_burden_after_u28")
    burden = (
        _("all {n}: RBC {before} → {after} U/28 d").format(
            n=n_nonresp, before=d.number(burden_before, 1), after=d.number(burden_after, 1))
        if burden_before is not None and burden_after is not None
        else ""
    )
    if burden and (summary.get("n_td_baseline_incomplete") or 0):
        burden = _("{burden} (before: over the recorded days only)").format(burden=burden)
    tiles.append(Headline(f"{summary.get('n_spike_td_nonresponders', 0)} / {n_nonresp}",
                          _("TD non-responders with a transient spike"), burden))
    return tuple(tiles)
