"""Dose protocol ``label-mds``: the Reblozyl (luspatercept) label's dosing rules for MDS.

Encodes the MDS dosing section of the US prescribing information as it reads in the
editions up to 2025 (CRITERIA.md): start 1.0 mg/kg every 3 weeks; if the patient is not
RBC-transfusion-free after ≥ 2 consecutive doses at a level, escalate 1.0 → 1.33 → 1.75
mg/kg (maximum), never more often than every 2 doses; discontinue when transfusion burden
has not fallen after 3 doses at the maximum; hold when the pre-dose Hb is ≥ 115 g/L without
a transfusion in the prior 21 days and resume at ≤ 110 g/L; reduce one level (1.75 → 1.33 →
1.0 → 0.8 → 0.6 mg/kg, then stop) after an Hb rise > 20 g/L within 21 days not caused by a
transfusion; a delayed dose keeps ≥ 21 days to the next. A later label revision is a new
protocol module, not an edit of this one, so past reviews stay reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lusp.cohort import Cohort
from lusp.criteria import common
from lusp.i18n import N_, _, ngettext
from lusp.params import param
from lusp.wording import join_list_of_doses
from lusp.protocol.common import (
    dose_steps,
    findings_frame,
    first_hb_above,
    fmt_dose,
    fmt_value,
    pre_dose_hb,
)

NAME = "label-mds"
#: The label text this module encodes; shown wherever the protocol is named.
LABEL_EDITION = N_("Reblozyl US prescribing information, MDS dosing, editions up to 2025")
LABEL = N_("Label, MDS (1.0 → 1.33 → 1.75 mg/kg every 21 days; Reblozyl US prescribing information, MDS dosing, "
           "editions up to 2025)")
DESCRIPTION = N_(
    "The product label's MDS rules: escalate when not transfusion-free after 2 doses, at most "
    "every 2 doses; hold at Hb ≥ 115 g/L, resume ≤ 110; reduce one level after a rise > 20 g/L; "
    "discontinue after 3 doses at 1.75 mg/kg without burden reduction."
)

#: Rules in the order findings of one dose are listed.
RULES = (
    "first_dose",
    "short_interval",
    "above_max",
    "off_level",
    "skipped_step",
    "early_escalation",
    "escalation_criterion_met",
    "no_escalation",
    "discontinue_rule",
    "hold_rule",
    "resume_rule",
    "dose_reduction_rule",
)

#: Doses within this of a label level are that level (1.333 is 1.33).
LEVEL_TOLERANCE_MG_KG = 0.01


@dataclass(frozen=True)
class LabelMdsParams:
    """Every number of the label's MDS dosing rules."""

    start_dose_mg_kg: float = param(1.0, N_("Starting dose"), "mg/kg", min=0.1, max=5, cli="--protocol-start-dose")
    dose_levels_mg_kg: tuple[float, ...] = param(
        (0.6, 0.8, 1.0, 1.33, 1.75), N_("Dose levels (reductions below the start)"), "mg/kg",
        cli="--protocol-dose-levels",
        help=N_("Comma-separated, ascending; escalation goes up from the start, reduction down; the last is the maximum."),
    )
    min_interval_days: int = param(
        21, N_("Shortest interval between doses (also after a delayed dose)"), "days", min=14, max=28,
        cli="--protocol-min-interval",
    )
    doses_per_level: int = param(
        2, N_("Consecutive doses at a level before escalation"), "doses", min=1, max=6, cli="--protocol-doses-per-level",
    )
    max_level_doses: int = param(
        3, N_("Discontinue after this many doses at the maximum without burden reduction"), "doses", min=1, max=6,
        cli="--protocol-max-level-doses",
    )
    hold_hb_g_l: float = param(115.0, N_("Hold the dose when pre-dose Hb ≥"), "g/L", min=90, max=160, cli="--protocol-hold-hb")
    resume_hb_g_l: float = param(110.0, N_("Resume after a hold at Hb ≤"), "g/L", min=80, max=150, cli="--protocol-resume-hb")
    hold_tx_days: int = param(
        21, N_("Hold rule applies without transfusion in the prior"), "days", min=0, max=56, cli="--protocol-hold-tx-days",
    )
    reduce_rise_g_l: float = param(
        20.0, N_("Reduce one level after an Hb rise >"), "g/L", min=5, max=50, cli="--protocol-reduce-rise",
    )
    reduce_window_days: int = param(
        21, N_("… within this many days after a dose"), "days", min=7, max=42, cli="--protocol-reduce-days",
    )


Params = LabelMdsParams


def review(cohort: Cohort, results_table: pd.DataFrame, params: LabelMdsParams | None = None) -> pd.DataFrame:
    """Every label finding of every patient, one row per dose and rule.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    results_table : DataFrame
        The criteria set's per-patient table: ``td_baseline`` (the label's escalation and
        discontinuation rules concern transfusion-dependent patients) and
        ``burden_before_u28`` (the burden a reduction is judged against).
    params : LabelMdsParams, optional

    Returns
    -------
    DataFrame
        ``patient_id, day, rule, kind, message`` (rules :data:`RULES`): ``finding`` for a
        deviation from the label, ``info`` for a rule that applied and was followed or that
        is worth knowing (a reduction that was made; no escalation although allowed).

    Notes
    -----
    Judgement calls (listed in the issue note): the escalation criterion "not RBC-
    transfusion-free" is judged over the days since the level began (its first dose … the
    day before this dose) and only for TD patients — the label gives no escalation rule for
    patients who were not transfused; a hold is recognised as a gap > interval + 7 days
    containing an Hb ≥ the hold threshold not explained by a transfusion, and the dose that
    ends it must have a pre-dose Hb ≤ 110 g/L; "no reduction in transfusion burden" after 3
    doses at the maximum is a burden over those doses (units × 28 / days) not below baseline.
    """
    p = params or LabelMdsParams()
    levels = np.array(sorted(p.dose_levels_mg_kg), dtype=np.float64)
    max_dose = float(levels[-1])
    timeline = common.build_timeline(cohort)
    steps = dose_steps(cohort)
    if steps.empty:
        return findings_frame([], cohort.patients["patient_id"], RULES)

    # The baselines the rules are judged against, looked up by patient code.
    per_code = common.patient_codes(results_table["patient_id"], cohort.patients)
    code = steps["code"].to_numpy()

    def per_dose(column: str, dtype, missing) -> np.ndarray:
        values = np.full(len(cohort.patients), missing, dtype=dtype)
        ok = per_code >= 0
        values[per_code[ok]] = results_table[column].to_numpy(dtype=dtype, na_value=missing)[ok]
        return values[code]

    td = per_dose("td_baseline", bool, False)
    burden_before = per_dose("burden_before_u28", np.float64, np.nan)

    day = steps["day"].to_numpy()
    dose = steps["dose_mg_kg"].to_numpy()
    prev = steps["prev_dose_mg_kg"].to_numpy()
    prev_day = steps["prev_day"].to_numpy()
    later = steps["index"].to_numpy() > 0
    at_level = steps["level_doses_before"].to_numpy()
    level_start = steps["level_start_day"].to_numpy()
    tol = LEVEL_TOLERANCE_MG_KG
    level_index = _level_index(levels, dose)
    prev_index = _level_index(levels, np.nan_to_num(prev, nan=-1.0))
    parts: list[pd.DataFrame] = []

    def add(rule: str, mask: np.ndarray, messages, kind="finding") -> None:
        if mask.any():
            kinds = kind[mask] if isinstance(kind, np.ndarray) else kind
            parts.append(pd.DataFrame({"code": code[mask], "day": day[mask], "rule": rule,
                                       "kind": kinds, "message": messages}))

    # Start, interval and allowed levels. Each finding is one whole sentence of the catalogue.
    m = ~later & (np.abs(dose - p.start_dose_mg_kg) > tol)
    said = _("day {day}: first dose {dose} mg/kg (label: start at {start})")
    add("first_dose", m, [said.format(day=d, dose=fmt_dose(x), start=fmt_dose(p.start_dose_mg_kg))
                          for d, x in zip(day[m], dose[m])])
    gap = day - prev_day
    prev_gap = np.r_[-1, gap[:-1]]
    prev_delayed = later & np.r_[False, later[:-1]] & (prev_gap > p.min_interval_days)
    m = later & (gap < p.min_interval_days)
    after_delayed = _("day {day}: dose given {gap} days after the delayed dose of day {previous} (label: at least "
                      "{min_interval} days between doses, also after a delayed dose)")
    after_previous = _("day {day}: dose given {gap} days after the previous one (label: at least {min_interval} days "
                       "between doses)")
    add("short_interval", m, [
        (after_delayed if prev_delayed[i] else after_previous).format(
            day=day[i], gap=gap[i], previous=prev_day[i], min_interval=p.min_interval_days)
        for i in np.flatnonzero(m)
    ])
    m = dose > max_dose + tol
    said = _("day {day}: {dose} mg/kg is above the label maximum {max_dose} mg/kg")
    add("above_max", m, [said.format(day=d, dose=fmt_dose(x), max_dose=fmt_dose(max_dose))
                         for d, x in zip(day[m], dose[m])])
    # An off-label level is one deviation however long it is kept: flagged at the first dose
    # of each run at that level, with the run's length.
    run_length = steps["run_length"].to_numpy()
    run_id = np.cumsum(run_length == 1)
    run_size = np.bincount(run_id, minlength=run_id.max() + 1 if len(run_id) else 1)[run_id]
    off = (level_index < 0) & (dose <= max_dose + tol) & (run_length == 1)
    allowed = join_list_of_doses(fmt_dose(v) for v in levels)
    said = _("day {day}: {dose} mg/kg is not a label dose level ({allowed} mg/kg)")
    in_a_row = _("; given {n} times in a row")
    add("off_level", off, [
        said.format(day=day[i], dose=fmt_dose(dose[i]), allowed=allowed)
        + (in_a_row.format(n=run_size[i]) if run_size[i] > 1 else "")
        for i in np.flatnonzero(off)
    ])

    # Escalations: one level at a time, at most every `doses_per_level` doses.
    escalated = later & (dose > prev + tol)
    m = escalated & (level_index >= 0) & (prev_index >= 0) & (level_index - prev_index > 1)
    said = _("day {day}: escalated from {previous} to {dose} mg/kg, skipping {skipped} (label: one level at a time)")
    add("skipped_step", m, [
        said.format(day=day[i], previous=fmt_dose(prev[i]), dose=fmt_dose(dose[i]),
                    skipped=join_list_of_doses(fmt_dose(v) for v in levels[prev_index[i] + 1 : level_index[i]]))
        for i in np.flatnonzero(m)
    ])
    m = escalated & (at_level < p.doses_per_level)
    add("early_escalation", m, [
        ngettext("day {day}: escalated to {dose} mg/kg after {n} dose at {previous} (label: not more often than every "
                 "{needed} doses)",
                 "day {day}: escalated to {dose} mg/kg after {n} doses at {previous} (label: not more often than every "
                 "{needed} doses)", int(k)).format(day=d, dose=fmt_dose(b), n=k, previous=fmt_dose(a),
                                                   needed=p.doses_per_level)
        for d, a, b, k in zip(day[m], prev[m], dose[m], at_level[m])
    ])

    # "Not RBC-transfusion-free" since the level began (level start … day − 1), TD patients.
    window_days = day - level_start
    units_level = timeline.units_between(code, level_start, day - 1)
    judgeable = later & td & (window_days > 0)
    free = units_level <= 0
    m = escalated & judgeable & free
    said = _("day {day}: escalated to {dose} mg/kg although no RBC transfusion was given since the level began on "
             "day {start} (label: escalate only if not transfusion-free)")
    add("escalation_criterion_met", m, [
        said.format(day=day[i], dose=fmt_dose(dose[i]), start=level_start[i])
        for i in np.flatnonzero(m)
    ])
    stayed = later & (np.abs(dose - prev) <= tol)
    next_up = np.where(prev_index >= 0, levels[np.minimum(prev_index + 1, len(levels) - 1)], np.nan)
    m = stayed & (at_level >= p.doses_per_level) & (prev < max_dose - tol) & (prev >= p.start_dose_mg_kg - tol) & judgeable & ~free
    said = _("day {day}: kept at {dose} mg/kg after {n} doses at that level with {units} RBC U since day {start} "
             "(label: may escalate to {next_dose})")
    add("no_escalation", m, [
        said.format(day=day[i], dose=fmt_dose(dose[i]), n=at_level[i], units=fmt_value(units_level[i]),
                    start=level_start[i], next_dose=fmt_dose(next_up[i]))
        for i in np.flatnonzero(m)
    ], kind="info")

    # Discontinuation: the dose after `max_level_doses` at the maximum, burden not reduced.
    with np.errstate(invalid="ignore", divide="ignore"):
        burden_level = units_level * common.BURDEN_PERIOD_DAYS / window_days
    at_max = (np.abs(prev - max_dose) <= tol) & later
    m = at_max & (at_level == p.max_level_doses) & judgeable & (burden_before > 0) & (burden_level >= burden_before)
    said = _("day {day}: dose given after {n} doses at {max_dose} mg/kg without a reduction in transfusion burden "
             "({before} → {now} U/28 d since day {start}) (label: discontinue)")
    add("discontinue_rule", m, [
        said.format(day=day[i], n=at_level[i], max_dose=fmt_dose(max_dose), before=fmt_value(burden_before[i]),
                    now=fmt_value(burden_level[i]), start=level_start[i])
        for i in np.flatnonzero(m)
    ])

    # Hold: a dose given on a high Hb no recent transfusion explains.
    pre_hb, pre_day = pre_dose_hb(timeline, code, day)
    recent_units = timeline.units_between(code, day - p.hold_tx_days, day - 1)
    high = (common.round_g_l(pre_hb) >= p.hold_hb_g_l) & (recent_units <= 0)
    said = _("day {day}: dose given with pre-dose Hb {hb} g/L (day {hb_day}) ≥ {hold} and no transfusion in the "
             "prior {tx_days} days (label: hold the dose)")
    add("hold_rule", high, [
        said.format(day=d, hb=fmt_value(h), hb_day=hd, hold=fmt_value(p.hold_hb_g_l), tx_days=p.hold_tx_days)
        for d, h, hd in zip(day[high], pre_hb[high], pre_day[high])
    ])
    # Resume: after a hold (a long gap holding an Hb ≥ hold threshold without a transfusion
    # in the 21 days before it), the next dose needs a pre-dose Hb ≤ the resume threshold.
    long_gap = later & (gap > p.min_interval_days + 7)
    gap_peak = _max_hold_hb_between(timeline, code, prev_day + 1, day - 1, p.hold_tx_days)
    held = long_gap & (common.round_g_l(gap_peak) >= p.hold_hb_g_l)
    m = held & ~high & (common.round_g_l(pre_hb) > p.resume_hb_g_l)
    said = _("day {day}: resumed after a {gap}-day pause (Hb {peak} g/L in between) with pre-dose Hb {hb} g/L > "
             "{resume} (label: resume at ≤ {resume} g/L)")
    add("resume_rule", m, [
        said.format(day=day[i], gap=gap[i], peak=fmt_value(gap_peak[i]), hb=fmt_value(pre_hb[i]),
                    resume=fmt_value(p.resume_hb_g_l))
        for i in np.flatnonzero(m)
    ])

    # Reduction: Hb > pre-dose + 20 within 21 days, no transfusion in between → next dose one
    # level lower (at the lowest level: stop).
    has_pre = ~np.isnan(pre_hb)
    first_tx = timeline.first_tx_on_or_after(code, np.where(has_pre, pre_day, day))
    hi = np.minimum(day + p.reduce_window_days, first_tx)
    rise_hb, rise_day = first_hb_above(timeline, code, day + 1, np.where(has_pre, hi, day),
                                       np.where(has_pre, pre_hb + p.reduce_rise_g_l, np.inf))
    triggered = has_pre & (rise_day >= 0)
    next_dose = steps["next_dose_mg_kg"].to_numpy()
    no_next = np.isnan(next_dose)
    lower = np.where(level_index > 0, levels[np.maximum(level_index - 1, 0)], np.nan)
    lowest = level_index == 0
    followed = no_next | (next_dose < dose - tol)
    kind = np.where(followed, "info", "finding")

    words = {"stop": _("stop treatment"), "reduce_to": _("reduce to {dose} mg/kg"), "reduce": _("reduce one level"),
             "no_next": _("no later dose"), "next": _("next dose {dose} mg/kg")}

    def expected(i: int) -> str:
        if lowest[i]:
            return words["stop"]
        return words["reduce_to"].format(dose=fmt_dose(lower[i])) if not np.isnan(lower[i]) else words["reduce"]

    def what_happened(i: int) -> str:
        if no_next[i]:
            return words["no_next"]
        return words["next"].format(dose=fmt_dose(next_dose[i]))

    said = _("day {day}: Hb rose to {hb} g/L on day {hb_day}, {rise} g/L above the pre-dose {pre_hb} g/L within "
             "{window} days without a transfusion (label: {expected}; {what_happened})")
    add("dose_reduction_rule", triggered, [
        said.format(day=day[i], hb=fmt_value(rise_hb[i]), hb_day=rise_day[i], rise=fmt_value(rise_hb[i] - pre_hb[i]),
                    pre_hb=fmt_value(pre_hb[i]), window=p.reduce_window_days, expected=expected(i),
                    what_happened=what_happened(i))
        for i in np.flatnonzero(triggered)
    ], kind=kind)

    return findings_frame(parts, cohort.patients["patient_id"], RULES)


def _level_index(levels: np.ndarray, dose: np.ndarray) -> np.ndarray:
    """Index of each dose in ``levels`` (within the tolerance), −1 when it is not a level."""
    pos = np.clip(np.searchsorted(levels, dose), 0, len(levels) - 1)
    below = np.clip(pos - 1, 0, len(levels) - 1)
    near = np.where(np.abs(levels[pos] - dose) <= np.abs(levels[below] - dose), pos, below)
    return np.where(np.abs(levels[near] - dose) <= LEVEL_TOLERANCE_MG_KG, near, -1)


def _max_hold_hb_between(timeline: common.Timeline, code: np.ndarray, lo_day: np.ndarray, hi_day: np.ndarray,
                         tx_days: int) -> np.ndarray:
    """Highest Hb in ``lo … hi`` with no RBC transfusion in the ``tx_days`` before it (NaN if none).

    The label's hold concerns an Hb "not influenced by transfusion": here, none in the 21
    days before the measurement (the same look-back as the hold rule at a dose).
    """
    lo = np.searchsorted(timeline.hb_key, common.day_key(code, lo_day), side="left")
    hi = np.searchsorted(timeline.hb_key, common.day_key(code, hi_day), side="right")
    counts = np.maximum(hi - lo, 0)
    out = np.full(len(code), np.nan)
    total = int(counts.sum())
    if total == 0:
        return out
    owner = np.repeat(np.arange(len(code)), counts)
    rows = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    hb_code, hb_day = timeline.hb_code[rows], timeline.hb_day[rows]
    clean = timeline.units_between(hb_code, hb_day - tx_days, hb_day - 1) <= 0
    values = np.where(clean, timeline.hb_g_l[rows], -np.inf)
    best = np.full(len(code), -np.inf)
    np.maximum.at(best, owner, values)
    out[np.isfinite(best)] = best[np.isfinite(best)]
    return out


def methods_text(params: LabelMdsParams | None = None) -> str:
    """The protocol in force, as a sentence for the methods paragraph (names the edition)."""
    p = params or LabelMdsParams()
    levels = sorted(p.dose_levels_mg_kg)
    up = " → ".join(fmt_dose(v) for v in levels if v >= p.start_dose_mg_kg - LEVEL_TOLERANCE_MG_KG)
    down = " → ".join(fmt_dose(v) for v in reversed(levels))
    return _(
        "Dosing was reviewed against the product label ({edition}): start at {start} mg/kg with at least "
        "{min_interval} days between doses, also after a delayed dose; a TD patient not RBC-transfusion-free after "
        "≥ {doses_per_level} consecutive doses at a level escalates one level, {up} mg/kg (maximum), not more often "
        "than every {doses_per_level} doses; treatment stops when transfusion burden has not fallen after "
        "{max_level_doses} doses at the maximum; a dose is held at a pre-dose Hb ≥ {hold} g/L without a transfusion "
        "in the prior {hold_days} days and resumed at ≤ {resume} g/L; after an Hb rise > {reduce_rise} g/L within "
        "{reduce_days} days of a dose without a transfusion the dose is reduced one level ({down} mg/kg, then stop)."
    ).format(edition=_(LABEL_EDITION), start=fmt_dose(p.start_dose_mg_kg), min_interval=p.min_interval_days,  # i18n: lookup
             doses_per_level=p.doses_per_level, up=up, max_level_doses=p.max_level_doses,
             hold=fmt_value(p.hold_hb_g_l), hold_days=p.hold_tx_days, resume=fmt_value(p.resume_hb_g_l),
             reduce_rise=fmt_value(p.reduce_rise_g_l), reduce_days=p.reduce_window_days, down=down
    )
