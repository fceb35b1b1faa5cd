"""Dose protocol ``study``: the source study's dosing rules, reviewed dose by dose (SPEC §3).

Start at 1.0 mg/kg every 21 days; after ≥ 2 doses at a level without response (TD: burden
reduction < 33 % since the level began; NTD: Hb rise < 10 g/L over baseline), escalate one
step 1.0 → 1.25 → 1.5 → 1.75 mg/kg (maximum). The study also followed the label's safety
rules: hold a dose when the pre-dose Hb is ≥ 115 g/L without a transfusion in the prior
21 days, and reduce after an Hb rise > 20 g/L within 21 days not caused by a transfusion.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lusp.cohort import Cohort
from lusp.criteria import common
from lusp.criteria.common import concat
from lusp.criteria.common import text_where as where
from lusp.i18n import N_, _, ngettext
from lusp.params import param
from lusp.wording import join_list_of_doses
from lusp.protocol.common import (
    DOSE_EPS,
    dose_steps,
    findings_frame,
    first_hb_above,
    fmt_dose,
    fmt_value,
    max_unaffected_hb_between,
    pre_dose_hb,
)

NAME = "study"
LABEL = N_("Study protocol (1.0 → 1.25 → 1.5 → 1.75 mg/kg every 21 days)")
DESCRIPTION = N_(
    "The source study's escalation protocol with the label's hold (Hb ≥ 115 g/L) and "
    "dose-reduction (rise > 20 g/L in 21 days) safety rules."
)

#: Rules in the order findings of one dose are listed.
RULES = (
    "first_dose",
    "short_interval",
    "above_max",
    "skipped_step",
    "early_escalation",
    "escalation_criterion_met",
    "no_escalation",
    "hold_rule",
    "dose_reduction_rule",
)


@dataclass(frozen=True)
class StudyProtocolParams:
    """Every number of the study's dosing protocol."""

    start_dose_mg_kg: float = param(1.0, N_("Starting dose"), "mg/kg", min=0.1, max=5, cli="--protocol-start-dose")
    dose_levels_mg_kg: tuple[float, ...] = param(
        (1.0, 1.25, 1.5, 1.75), N_("Escalation steps"), "mg/kg", cli="--protocol-dose-levels",
        help=N_("Comma-separated, ascending; the last is the maximum."),
    )
    min_interval_days: int = param(
        18, N_("Shortest acceptable interval between doses"), "days", min=1, max=42, cli="--protocol-min-interval",
        help=N_("Planned every 21 days; a few days early is tolerated."),
    )
    doses_per_level: int = param(
        2, N_("Doses at a level before escalation"), "doses", min=1, max=6, cli="--protocol-doses-per-level",
    )
    td_reduction_pct: float = param(
        33.0, N_("TD: escalate when burden reduction is below"), "%", min=1, max=100, cli="--protocol-td-reduction",
    )
    ntd_rise_g_l: float = param(
        10.0, N_("NTD: escalate when Hb rise is below"), "g/L", min=1, max=50, cli="--protocol-ntd-rise",
    )
    hold_hb_g_l: float = param(115.0, N_("Hold the dose when pre-dose Hb ≥"), "g/L", min=90, max=160, cli="--protocol-hold-hb")
    hold_tx_days: int = param(
        21, N_("Hold rule applies without transfusion in the prior"), "days", min=0, max=56, cli="--protocol-hold-tx-days",
    )
    reduce_rise_g_l: float = param(
        20.0, N_("Reduce the dose after an Hb rise >"), "g/L", min=5, max=50, cli="--protocol-reduce-rise",
    )
    reduce_window_days: int = param(
        21, N_("… within this many days after a dose"), "days", min=7, max=42, cli="--protocol-reduce-days",
    )


Params = StudyProtocolParams


def review(cohort: Cohort, results_table: pd.DataFrame, params: StudyProtocolParams | None = None) -> pd.DataFrame:
    """Every protocol finding of every patient, one row per dose and rule.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    results_table : DataFrame
        The criteria set's per-patient table; ``td_baseline``, ``baseline_hb_g_l`` and
        ``burden_before_u28`` are the baselines the escalation criterion is judged against.
    params : StudyProtocolParams, optional

    Returns
    -------
    DataFrame
        ``patient_id, day, rule, kind, message`` (see :data:`RULES`); ``kind`` is
        ``"finding"`` for a deviation from the protocol and ``"info"`` for something worth
        knowing that is not a deviation (no escalation after 2 doses without response; an
        Hb rise that was followed by a reduced dose). ``message`` is a dated sentence.
    """
    p = params or StudyProtocolParams()
    levels = np.array(sorted(p.dose_levels_mg_kg), dtype=np.float64)
    max_dose = float(levels[-1])
    timeline = common.build_timeline(cohort)
    steps = dose_steps(cohort)
    if steps.empty:
        return findings_frame([], cohort.patients["patient_id"], RULES)

    # The baselines the escalation criterion is judged against, looked up by patient code.
    per_code = common.patient_codes(results_table["patient_id"], cohort.patients)
    code = steps["code"].to_numpy()

    def per_dose(column: str, dtype, missing) -> np.ndarray:
        values = np.full(len(cohort.patients), missing, dtype=dtype)
        ok = per_code >= 0
        values[per_code[ok]] = results_table[column].to_numpy(dtype=dtype, na_value=missing)[ok]
        return values[code]

    td = per_dose("td_baseline", bool, False)
    baseline_hb = per_dose("baseline_hb_g_l", np.float64, np.nan)
    burden_before = per_dose("burden_before_u28", np.float64, np.nan)

    day = steps["day"].to_numpy()
    dose = steps["dose_mg_kg"].to_numpy()
    prev = steps["prev_dose_mg_kg"].to_numpy()
    later = steps["index"].to_numpy() > 0
    at_level = steps["level_doses_before"].to_numpy()
    level_start = steps["level_start_day"].to_numpy()
    parts: list[pd.DataFrame] = []

    def add(rule: str, mask: np.ndarray, build, kind="finding") -> None:
        """Append the findings of ``rule`` at ``mask``; ``build(mask)`` makes their messages."""
        if mask.any():
            kinds = kind[mask] if isinstance(kind, np.ndarray) else kind
            n_found = int(mask.sum())
            # The message stays an Arrow string column (built by Arrow kernels, see
            # common.concat) all the way into findings_frame: no Python str per finding.
            parts.append(pd.DataFrame({"code": code[mask], "day": day[mask],
                                       "rule": pd.Series(rule, index=range(n_found), dtype=object),
                                       "kind": pd.Series(kinds, index=range(n_found), dtype=object),
                                       "message": pd.array(build(mask), dtype="string")}))

    # Messages are built column-wise: Arrow string columns of formatted values, concatenated.
    def t(values: np.ndarray, m: np.ndarray, fmt=fmt_value) -> pa.Array:
        return common.as_text(values[m], fmt)

    # Each finding is one whole sentence of the catalogue, filled column-wise (common.fill).
    fill = common.fill

    # First dose and interval.
    m = ~later & (np.abs(dose - p.start_dose_mg_kg) > DOSE_EPS)
    add("first_dose", m, lambda m: fill(_("day {day}: first dose {dose} mg/kg (protocol: start at {start})"),
                                        day=t(day, m, str), dose=t(dose, m, fmt_dose), start=fmt_dose(p.start_dose_mg_kg)))
    gap = day - steps["prev_day"].to_numpy()
    m = later & (gap < p.min_interval_days)
    add("short_interval", m, lambda m: fill(
        _("day {day}: dose given {gap} days after the previous one (protocol: every 21 days, ≥ {min_interval})"),
        day=t(day, m, str), gap=t(gap, m, str), min_interval=str(p.min_interval_days)))
    m = dose > max_dose + DOSE_EPS
    add("above_max", m, lambda m: fill(_("day {day}: {dose} mg/kg is above the protocol maximum {max_dose} mg/kg"),
                                       day=t(day, m, str), dose=t(dose, m, fmt_dose), max_dose=fmt_dose(max_dose)))

    # Escalations: one step at a time, after enough doses, only without response.
    escalated = later & (dose > prev + DOSE_EPS)
    next_step = levels[np.minimum(np.searchsorted(levels, prev + DOSE_EPS, side="left"), len(levels) - 1)]
    next_step = np.where(np.isnan(prev), np.nan, next_step)
    levels_skipped = np.searchsorted(levels, dose - DOSE_EPS, side="left") - np.searchsorted(
        levels, np.nan_to_num(prev, nan=np.inf) + DOSE_EPS, side="right")

    def skipped(pair) -> str:
        a, b = pair
        return join_list_of_doses(fmt_dose(v) for v in levels[(levels > a + DOSE_EPS) & (levels < b - DOSE_EPS)])

    m = escalated & (levels_skipped > 0)
    add("skipped_step", m, lambda m: fill(
        _("day {day}: escalated from {previous} to {dose} mg/kg, skipping {skipped} (protocol: one step at a time)"),
        day=t(day, m, str), previous=t(prev, m, fmt_dose), dose=t(dose, m, fmt_dose),
        skipped=np.array([skipped(pair) for pair in zip(prev[m].tolist(), dose[m].tolist())], dtype=object)))
    m = escalated & (at_level < p.doses_per_level)
    add("early_escalation", m, lambda m: where(
        at_level[m] == 1,
        fill(_("day {day}: escalated to {dose} mg/kg after {n} dose at {previous} (protocol: ≥ {needed})"),
             day=t(day, m, str), dose=t(dose, m, fmt_dose), n=t(at_level, m, str), previous=t(prev, m, fmt_dose),
             needed=str(p.doses_per_level)),
        fill(_("day {day}: escalated to {dose} mg/kg after {n} doses at {previous} (protocol: ≥ {needed})"),
             day=t(day, m, str), dose=t(dose, m, fmt_dose), n=t(at_level, m, str), previous=t(prev, m, fmt_dose),
             needed=str(p.doses_per_level))))

    # The escalation criterion, judged over the level's days so far (level start … day − 1).
    window_days = day - level_start
    judgeable_window = later & (window_days > 0)
    units = timeline.units_between(code, level_start, day - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        burden_now = units * common.BURDEN_PERIOD_DAYS / window_days
        reduction = (burden_before - burden_now) / burden_before * 100
    level_peak = max_unaffected_hb_between(timeline, code, level_start, day - 1)
    rise = common.round_g_l(level_peak - baseline_hb)
    td_judgeable = judgeable_window & td & (burden_before > 0)
    ntd_judgeable = judgeable_window & ~td & ~np.isnan(rise)
    met = np.where(td, reduction >= p.td_reduction_pct, rise >= p.ntd_rise_g_l)
    judgeable = td_judgeable | ntd_judgeable

    def criterion(m: np.ndarray, relation: str) -> pa.Array:
        # Both wordings for every finding at ``m`` (the unused one formats NaN as "nan"), then
        # the TD or NTD one per row: two column operations instead of a scatter by mask.
        return where(
            td[m],
            fill(_("transfusion burden {before} → {now} U/28 d since day {start}, reduction {reduction} % "
                   "{relation} {needed} %"),
                 before=t(burden_before, m), now=t(burden_now, m), start=t(level_start, m, str),
                 reduction=t(reduction, m), relation=relation, needed=fmt_value(p.td_reduction_pct)),
            fill(_("Hb peak {peak} g/L since day {start}, rise {rise} g/L {relation} {needed} g/L"),
                 peak=t(level_peak, m), start=t(level_start, m, str), rise=t(rise, m), relation=relation,
                 needed=fmt_value(p.ntd_rise_g_l)),
        )

    m = escalated & judgeable & met
    add("escalation_criterion_met", m, lambda m: fill(
        _("day {day}: escalated to {dose} mg/kg although the response criterion was met ({criterion}; protocol: "
          "escalate only below it)"),
        day=t(day, m, str), dose=t(dose, m, fmt_dose), criterion=criterion(m, "≥")))
    stayed = later & (np.abs(dose - prev) <= DOSE_EPS)
    due = stayed & (at_level >= p.doses_per_level) & (prev < max_dose - DOSE_EPS) & judgeable & ~met
    # One note per missed escalation, not one per dose for as long as the level is kept: the
    # doses after the first are the same decision (the message says how many doses it has been).
    same_run = np.r_[False, steps["run_length"].to_numpy()[1:] > 1]
    m = due & ~(np.r_[False, due[:-1]] & same_run)
    add("no_escalation", m, lambda m: fill(
        _("day {day}: kept at {dose} mg/kg after {n} doses at that level without response ({criterion}; protocol: "
          "escalate to {next_dose})"),
        day=t(day, m, str), dose=t(dose, m, fmt_dose), n=t(at_level, m, str), criterion=criterion(m, "<"),
        next_dose=t(next_step, m, fmt_dose)), kind="info")

    # Hold rule: a dose given on a high Hb that no recent transfusion explains.
    pre_hb, pre_day = pre_dose_hb(timeline, code, day)
    recent_units = timeline.units_between(code, day - p.hold_tx_days, day - 1)
    m = (common.round_g_l(pre_hb) >= p.hold_hb_g_l) & (recent_units <= 0)
    add("hold_rule", m, lambda m: fill(
        _("day {day}: dose given with pre-dose Hb {hb} g/L (day {hb_day}) ≥ {hold} and no transfusion in the prior "
          "{tx_days} days (protocol: hold the dose)"),
        day=t(day, m, str), hb=t(pre_hb, m), hb_day=t(pre_day, m, str), hold=fmt_value(p.hold_hb_g_l),
        tx_days=str(p.hold_tx_days)))

    # Dose-reduction rule: Hb > pre-dose + 20 within 21 days, no transfusion in between. An Hb
    # on a transfusion day precedes it, so a transfusion on day t can only raise Hb after t.
    has_pre = ~np.isnan(pre_hb)
    first_tx = timeline.first_tx_on_or_after(code, np.where(has_pre, pre_day, day))
    hi = np.minimum(day + p.reduce_window_days, first_tx)
    rise_hb, rise_day = first_hb_above(timeline, code, day + 1, np.where(has_pre, hi, day),
                                       np.where(has_pre, pre_hb + p.reduce_rise_g_l, np.inf))
    m = has_pre & (rise_day >= 0)
    next_dose = steps["next_dose_mg_kg"].to_numpy()
    reduced = next_dose < dose - DOSE_EPS
    no_next = np.isnan(next_dose)
    kind = np.where(reduced | no_next, "info", "finding")
    add("dose_reduction_rule", m, lambda m: fill(
        _("day {day}: Hb rose to {hb} g/L on day {hb_day}, {rise} g/L above the pre-dose {pre_hb} g/L within "
          "{window} days without a transfusion (protocol: reduce the next dose when the rise is > {limit} g/L; "
          "{what_next})"),
        day=t(day, m, str), hb=t(rise_hb, m), hb_day=t(rise_day, m, str), rise=t(rise_hb - pre_hb, m),
        pre_hb=t(pre_hb, m), window=str(p.reduce_window_days), limit=fmt_value(p.reduce_rise_g_l),
        what_next=common.text_select([reduced[m], no_next[m]], [_("it was reduced"), _("no later dose")],
                                     fill(_("next dose {dose} mg/kg"), dose=t(next_dose, m, fmt_dose)))), kind=kind)

    return findings_frame(parts, cohort.patients["patient_id"], RULES)


def methods_text(params: StudyProtocolParams | None = None) -> str:
    """The protocol in force, as a sentence for the methods paragraph."""
    p = params or StudyProtocolParams()
    steps = " → ".join(fmt_dose(v) for v in sorted(p.dose_levels_mg_kg))
    return _(
        "Dosing was reviewed against the study protocol: start at {start} mg/kg every 21 days (intervals < "
        "{min_interval} days flagged); after ≥ {doses_per_level} doses at a level without response (TD: burden "
        "reduction < {td_reduction} % since the level began; NTD: Hb rise < {ntd_rise} g/L over baseline) escalate "
        "one step, {steps} mg/kg (maximum); hold when the pre-dose Hb is ≥ {hold} g/L without a transfusion in the "
        "prior {hold_days} days; reduce after an Hb rise > {reduce_rise} g/L within {reduce_days} days of a dose "
        "without a transfusion in between."
    ).format(start=fmt_dose(p.start_dose_mg_kg), min_interval=p.min_interval_days, doses_per_level=p.doses_per_level,
             td_reduction=fmt_value(p.td_reduction_pct), ntd_rise=fmt_value(p.ntd_rise_g_l), steps=steps,
             hold=fmt_value(p.hold_hb_g_l), hold_days=p.hold_tx_days, reduce_rise=fmt_value(p.reduce_rise_g_l),
             reduce_days=p.reduce_window_days
    )
