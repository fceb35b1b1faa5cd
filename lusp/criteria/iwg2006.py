"""Criteria set ``iwg2006``: IWG 2006 hematologic improvement–erythroid (HI-E).

Source: Cheson et al., Blood 2006;108:419–425 (modified IWG response criteria for MDS),
made computable in CRITERIA.md. A patient responds by either route:

- **Hb response**: a rise of ≥ 15 g/L over the averaged pre-treatment Hb, sustained — a
  run of consecutive transfusion-unaffected Hb values all at or above it spanning ≥ 56 days,
  with no RBC transfusion inside the span;
- **transfusion response** (≥ 4 counted RBC units in the 8 weeks before day 0): some
  56-day window after day 0 with at least 4 units fewer than that.

Only patients with a pre-treatment Hb < 110 g/L are eligible. The descriptive columns that
do not depend on the criteria (peak Hb, early rise, the transient spike, post-treatment Hb,
burden after day 0) are the study set's, so switching sets changes the classification and
nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from lusp.cohort import Cohort
from lusp.criteria import common, study
from lusp.criteria.common import fmt_number
from lusp.labels import criteria_label
from lusp.i18n import N_, _, ngettext
from lusp.params import param
from lusp.wording import join_clauses, join_sentences

NAME = "iwg2006"
LABEL = criteria_label(NAME)  # the label registry's words (lusp.labels)
DESCRIPTION = N_(
    "IWG 2006 hematologic improvement–erythroid (Cheson et al., Blood 2006): Hb rise ≥ 15 g/L sustained ≥ 8 weeks, or a "
    "reduction of ≥ 4 RBC units per 8 weeks; pre-treatment Hb < 110 g/L."
)

BASELINE_TX_RULES = ("hb-threshold", "all")


@dataclass(frozen=True)
class Iwg2006Params:
    """Every threshold of the ``iwg2006`` set, with CRITERIA.md's defaults."""

    baseline_window_days: int = param(
        56, N_("Baseline window (days before day 0)"), "days", min=28, max=112, cli="--baseline-days",
        help=N_("Pre-treatment Hb and baseline transfusions come from days −N … 0 (IWG 2006: 8 weeks)."),
    )
    eligibility_hb_g_l: float = param(
        110.0, N_("HI-E eligibility: pre-treatment Hb below"), "g/L", min=80, max=130, cli="--eligibility-hb",
        help=N_("A patient whose averaged pre-treatment Hb is at or above this is not evaluable."),
    )
    hb_rise_g_l: float = param(
        15.0, N_("Hb response: rise over pre-treatment Hb"), "g/L", min=5, max=40, cli="--hb-rise",
    )
    response_duration_days: int = param(
        56, N_("Response must be sustained for"), "days", min=28, max=168, cli="--response-days",
        help=N_("Span of the Hb run (first to last value) and width of the transfusion window."),
    )
    tx_min_baseline_units: float = param(
        4.0, N_("Transfusion response: counted baseline units at least"), "units", min=1, max=20,
        cli="--tx-min-units",
    )
    tx_reduction_units: float = param(
        4.0, N_("Transfusion response: reduction in units per window"), "units", min=1, max=20,
        cli="--tx-reduction",
    )
    baseline_tx_rule: str = param(
        "hb-threshold", N_("Baseline transfusions counted"), "", choices=BASELINE_TX_RULES,
        cli="--baseline-tx-rule",
        help=N_("hb-threshold = only those given at a same-day Hb ≤ the value below (IWG 2006); "
        "all = every RBC transfusion in the window."),
    )
    count_only_tx_below_hb_g_l: float = param(
        90.0, N_("Count a baseline transfusion only if its same-day Hb is at most"), "g/L", min=60, max=130,
        cli="--count-tx-below-hb",
        help=N_("A transfusion with no Hb recorded that day still counts, and the reason says so."),
    )
    pretreatment_min_apart_days: int = param(
        7, N_("Pre-treatment Hb: two values at least this far apart"), "days", min=1, max=28,
        cli="--pretreatment-apart-days",
        help=N_("With fewer (or closer) values the mean is still used, with a warning."),
    )
    tx_exclusion_days: int = param(
        14, N_("Hb excluded after an RBC transfusion"), "days", min=0, max=42, cli="--tx-exclusion-days",
    )
    post_hb: str = param(
        "peak", N_("Post-treatment Hb for cohort summaries"), "", choices=study.POST_HB_MEASURES, cli="--post-hb",
    )
    post_hb_from_day: int = param(
        29, N_("Mean post-treatment Hb from day"), "day", min=1, max=365, cli="--post-hb-from-day",
    )


Params = Iwg2006Params

#: Columns beyond the study set's (:data:`lusp.criteria.study.COLUMNS`), documented in
#: :func:`evaluate`.
EXTRA_COLUMNS = (
    "pretreatment_hb_g_l", "pretreatment_hb_n", "response_threshold_hb_g_l", "units_baseline_counted",
    "tx_without_same_day_hb", "hb_run_start_day", "hb_run_end_day", "hb_run_days",
    "fewest_units_window", "fewest_units_window_start_day", "hi_e_route",
)
COLUMNS = study.COLUMNS + EXTRA_COLUMNS


def evaluate(cohort: Cohort, params: Iwg2006Params | None = None) -> pd.DataFrame:
    """Classify every patient of ``cohort`` by IWG 2006 HI-E.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    params : Iwg2006Params, optional
        Thresholds; CRITERIA.md's defaults when omitted.

    Returns
    -------
    DataFrame
        One row per patient in ``cohort.patients`` order with the study set's columns
        (:func:`lusp.criteria.study.evaluate`; ``baseline_hb_g_l`` stays the last Hb as
        measured, ``ti_achieved`` a ≥ 56-day transfusion-free run, informational) where
        ``responder``, ``evaluable``, ``not_evaluable_reason``, ``outcome`` and ``reason``
        are IWG 2006's, plus:

        - ``pretreatment_hb_g_l``, ``pretreatment_hb_n``: mean of the transfusion-unaffected
          Hb values in days −N … 0 and how many there were.
        - ``response_threshold_hb_g_l``: pre-treatment Hb + the required rise.
        - ``units_baseline_counted``: RBC units in the window given at a same-day Hb
          ≤ 90 g/L or without a same-day Hb; ``tx_without_same_day_hb``: how many of those
          transfusion days had no Hb recorded.
        - ``hb_run_start_day``, ``hb_run_end_day``, ``hb_run_days``: the longest qualifying
          run of Hb values ≥ threshold (≥ 2 values, no transfusion inside); NA when none.
        - ``fewest_units_window``, ``fewest_units_window_start_day``: fewest RBC units in
          any 56-day window within days 1 … end (NA when follow-up is shorter).
        - ``hi_e_route``: ``Hb``, ``transfusion``, ``Hb and transfusion`` or empty.
    """
    p = params or Iwg2006Params()
    base = study.evaluate(
        cohort,
        study.StudyParams(
            baseline_window_days=p.baseline_window_days,
            tx_exclusion_days=p.tx_exclusion_days,
            ti_days=p.response_duration_days,
            post_hb=p.post_hb,
            post_hb_from_day=p.post_hb_from_day,
        ),
    )
    timeline = common.build_timeline(cohort, p.tx_exclusion_days)
    n = timeline.n_patients
    end = timeline.end_day
    followup = timeline.followup_days
    w = p.baseline_window_days
    need = p.response_duration_days

    pre = common.pretreatment_hb(timeline, -w, 0, min_apart_days=p.pretreatment_min_apart_days)
    has_pre = ~np.isnan(pre.hb_g_l)
    at_or_above = has_pre & (pre.hb_g_l >= p.eligibility_hb_g_l)

    # Baseline transfusions: IWG 2006 counts only those given for Hb ≤ 90 g/L.
    same_day = common.same_day_hb(timeline)
    in_window = (timeline.tx_day >= -w) & (timeline.tx_day <= 0)
    no_hb = np.isnan(same_day)
    if p.baseline_tx_rule == "all":
        counted = in_window
    else:
        counted = in_window & (no_hb | (common.round_g_l(same_day) <= p.count_only_tx_below_hb_g_l))
    units_counted = np.bincount(timeline.tx_code[counted], weights=timeline.tx_units[counted], minlength=n)
    without_hb = np.bincount(timeline.tx_code[counted & no_hb], minlength=n).astype(np.int64)

    # Hb route: a sustained run of values at or above pre-treatment Hb + 15 g/L.
    threshold = common.round_g_l(pre.hb_g_l + p.hb_rise_g_l)
    run_span, run_start, run_stop, _stop_day = common.sustained_hb_runs(timeline, 1, "end", threshold)
    hb_response = has_pre & ~at_or_above & (run_span >= need)

    # Transfusion route: some `need`-day window after day 0 with ≥ 4 units fewer.
    tx_eligible = units_counted >= p.tx_min_baseline_units
    fewest, fewest_start = common.extreme_units_in_window(timeline, 1, end, need, "min")
    tx_response = tx_eligible & ~at_or_above & (fewest <= units_counted - p.tx_reduction_units)

    responder = hb_response | tx_response
    has_post_hb = base["peak_hb_g_l"].notna().to_numpy()
    reasons = np.full(n, "", dtype=object)
    no_route = ~has_pre & ~tx_eligible
    short = ~responder & (followup < need)
    no_post = has_pre & ~tx_eligible & ~has_post_hb & ~responder
    # One reason per patient: a later entry overrides an earlier one (ineligibility first).
    for mask, text in (
        (no_post, lambda i: _("no transfusion-unaffected Hb after day 0")),
        (short, lambda i: _("follow-up {days} days < {need} without response").format(days=followup[i], need=need)),
        (no_route, lambda i: _("no transfusion-unaffected Hb in days −{w} to 0 and fewer than {units} counted RBC "
                               "units").format(w=w, units=fmt_number(p.tx_min_baseline_units))),
        (at_or_above, lambda i: _("baseline Hb ≥ {limit} g/L (pre-treatment {hb} g/L)").format(
            limit=fmt_number(p.eligibility_hb_g_l), hb=fmt_number(pre.hb_g_l[i]))),
    ):
        for i in np.flatnonzero(mask):
            reasons[i] = text(i)
    evaluable = reasons == ""
    responder = responder & evaluable

    route = np.select(
        [hb_response & tx_response, hb_response, tx_response], ["Hb and transfusion", "Hb", "transfusion"], ""
    )
    spike = base["transient_spike"].to_numpy(dtype=bool, na_value=False)
    table = base.copy()
    table["responder"] = common.nullable_bool(responder, np.zeros(n, bool))
    table["evaluable"] = common.nullable_bool(evaluable, np.zeros(n, bool))
    table["not_evaluable_reason"] = pd.array(reasons.astype(str), dtype="string")
    table["outcome"] = pd.array(
        np.select([~evaluable, responder, spike], ["not evaluable", "responder", "transient spike"], "non-responder"),
        dtype="string",
    )
    no_run = run_span < 0
    table["pretreatment_hb_g_l"] = common.nullable_float(pre.hb_g_l)
    table["pretreatment_hb_n"] = common.nullable_int(pre.n_values, np.zeros(n, bool))
    table["response_threshold_hb_g_l"] = common.nullable_float(threshold)
    table["units_baseline_counted"] = common.nullable_float(units_counted)
    table["tx_without_same_day_hb"] = common.nullable_int(without_hb, np.zeros(n, bool))
    table["hb_run_start_day"] = common.nullable_int(run_start, no_run)
    table["hb_run_end_day"] = common.nullable_int(run_stop, no_run)
    table["hb_run_days"] = common.nullable_int(run_span, no_run)
    table["fewest_units_window"] = common.nullable_float(fewest)
    table["fewest_units_window_start_day"] = common.nullable_int(fewest_start, np.isnan(fewest))
    table["hi_e_route"] = pd.array(route.astype(str), dtype="string")
    table["reason"] = pd.array(_reasons(table, pre, p), dtype="string")
    return table[list(COLUMNS)]


#: The columns the reason sentences read.
_REASON_COLUMNS = ("evaluable", "fewest_units_window", "fewest_units_window_start_day", "hb_run_days", "hb_run_end_day", "hb_run_start_day", "hi_e_route", "not_evaluable_reason", "outcome", "pretreatment_hb_g_l", "pretreatment_hb_n", "responder", "response_threshold_hb_g_l", "tx_without_same_day_hb", "units_baseline", "units_baseline_counted")


def _reasons(table: pd.DataFrame, pre: common.PretreatmentHb, p: Iwg2006Params) -> list[str]:
    """One sentence per patient: the pre-treatment values, each route's result, the verdict."""
    fmt = lru_cache(maxsize=None)(fmt_number)  # a few hundred distinct values per cohort
    w = p.baseline_window_days
    need = p.response_duration_days
    said = {  # each clause once in the language in force (a whole clause, its own word order)
        "no_pre": _("no transfusion-unaffected pre-treatment Hb in days −{w} to 0").format(w=w),
        "single": _("; single value, used with caution"),
        "close": _("; values < {days} days apart, used with caution").format(days=p.pretreatment_min_apart_days),
        "counted": _("{counted} counted RBC U in days −{w} to 0"),
        "not_counted": _(" ({units} U at Hb > {limit} g/L not counted)"),
        "hb_run": _("Hb ≥ {threshold} g/L from day {start} to day {end} ({days} days ≥ {need}, no transfusion) → HI-E (Hb)"),
        "hb_short": _("Hb ≥ {threshold} g/L only from day {start} to day {end} ({days} days < {need})"),
        "no_run": _("no sustained Hb ≥ {threshold} g/L"),
        "tx_hi_e": _("→ HI-E (transfusion)"),
        "tx_needed": _("(needed ≤ {units})"),
        "fewest": _("fewest RBC units in any {need} days: {units} U in days {start}–{end} {verdict}"),
        "no_tx_route": _("< {units} counted U: no transfusion response possible").format(
            units=fmt(p.tx_min_baseline_units)),
        "not_evaluable": _("{clauses}; {why} → not evaluable (counted as non-responder)."),
        "responder": _("{clauses} → responder{spike}."),
        "non-responder": _("{clauses} → non-responder{spike}."),
        "spike": _("; transient early Hb spike"),
    }
    out = []
    for i, row in enumerate(common.plain_rows(table[list(_REASON_COLUMNS)])):
        parts = []
        if pd.isna(row.pretreatment_hb_g_l):
            parts.append(said["no_pre"])
        else:
            spacing = "" if pre.well_spaced[i] else (said["single"] if pre.n_values[i] == 1 else said["close"])
            parts.append(ngettext(
                "pre-treatment Hb {hb} g/L (mean of {n} value{spacing})",
                "pre-treatment Hb {hb} g/L (mean of {n} values{spacing})", row.pretreatment_hb_n,
            ).format(hb=fmt(row.pretreatment_hb_g_l), n=row.pretreatment_hb_n, spacing=spacing))
        units_all = float(row.units_baseline)
        counted = float(row.units_baseline_counted)
        tx_text = said["counted"].format(counted=fmt(counted), w=w)
        if units_all > counted:
            tx_text += said["not_counted"].format(units=fmt(units_all - counted), limit=fmt(p.count_only_tx_below_hb_g_l))
        if row.tx_without_same_day_hb:
            n_days = row.tx_without_same_day_hb
            tx_text += ngettext(" ({n} transfusion without a same-day Hb counted)",
                                " ({n} transfusions without a same-day Hb counted)", n_days).format(n=n_days)
        parts.append(tx_text)
        if not row.evaluable:
            out.append(said["not_evaluable"].format(clauses=join_clauses(parts), why=row.not_evaluable_reason))
            continue
        route = row.hi_e_route
        if pd.notna(row.pretreatment_hb_g_l):
            thr = fmt(row.response_threshold_hb_g_l)
            run = dict(threshold=thr, start=row.hb_run_start_day, end=row.hb_run_end_day, days=row.hb_run_days, need=need)
            if route in ("Hb", "Hb and transfusion"):
                parts.append(said["hb_run"].format(**run))
            elif pd.notna(row.hb_run_days):
                parts.append(said["hb_short"].format(**run))
            else:
                parts.append(said["no_run"].format(threshold=thr))
        if counted >= p.tx_min_baseline_units and pd.notna(row.fewest_units_window):
            start = int(row.fewest_units_window_start_day)
            verdict = (
                said["tx_hi_e"] if route in ("transfusion", "Hb and transfusion")
                else said["tx_needed"].format(units=fmt(counted - p.tx_reduction_units))
            )
            parts.append(said["fewest"].format(need=need, units=fmt(row.fewest_units_window), start=start,
                                               end=start + need - 1, verdict=verdict))
        elif counted < p.tx_min_baseline_units:
            parts.append(said["no_tx_route"])
        spike = said["spike"] if (row.outcome == "transient spike") else ""
        out.append(said["responder" if row.responder else "non-responder"].format(
            clauses=join_clauses(parts), spike=spike))
    return [s[0].upper() + s[1:] for s in out]


def methods_text(params: Iwg2006Params | None = None) -> str:
    """The IWG 2006 definitions in force, as a methods paragraph."""
    p = params or Iwg2006Params()
    w = p.baseline_window_days
    need = p.response_duration_days
    counted = (
        _("only RBC transfusions given at a same-day Hb ≤ {limit} g/L (or with no Hb recorded that day, which the "
          "patient's reason states) were counted").format(limit=fmt_number(p.count_only_tx_below_hb_g_l))
        if p.baseline_tx_rule == "hb-threshold"
        else _("every RBC transfusion was counted")
    )
    values = dict(w=w, need=need, tx_exclusion_days=p.tx_exclusion_days, apart=p.pretreatment_min_apart_days,
                  eligibility=fmt_number(p.eligibility_hb_g_l), counted=counted, rise=fmt_number(p.hb_rise_g_l),
                  min_units=fmt_number(p.tx_min_baseline_units), reduction=fmt_number(p.tx_reduction_units))
    return join_sentences(text.format(**values) for text in (
        _("Response was judged by the IWG 2006 criteria for hematologic improvement–erythroid (HI-E; "
          "Cheson et al., Blood 2006;108:419–425). Day 0 was the first luspatercept dose."),
        _("The pre-treatment Hb was the mean of the transfusion-unaffected Hb values (none measured 1–"
          "{tx_exclusion_days} days after an RBC transfusion) in days −{w} to 0, ideally ≥ 2 values ≥ "
          "{apart} days apart (a single or closer values were used with a warning)."),
        _("Patients with a pre-treatment Hb ≥ {eligibility} g/L were not evaluable."),
        _("In the baseline window {counted}."),
        _("An Hb response was a run of consecutive transfusion-unaffected Hb values all ≥ pre-treatment Hb + "
          "{rise} g/L, spanning ≥ {need} days from the first to the last value, with no RBC transfusion on any day "
          "of the span."),
        _("A transfusion response (patients with ≥ {min_units} counted baseline units) was some {need}-day window "
          "within day 1 to the end of follow-up with at least {reduction} RBC units fewer than counted at baseline "
          "(all RBC units counted after day 0)."),
        _("Patients followed < {need} days without response, or without any pre-treatment Hb and too few counted "
          "units for the transfusion route, were not evaluable and counted as non-responders (intention to treat)."),
        _("Peak Hb, early rise, the transient-spike flag and burden after day 0 follow the study definitions."),
    ))
