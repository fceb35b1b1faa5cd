"""What the dose protocol in force recommends on one study day: continue, escalate, hold or stop.

The dose reviews of :mod:`lusp.protocol.study` and :mod:`lusp.protocol.label_mds` look back at
the doses that were given. A clinician at the two-dose review asks the forward question: on
day D, with what is known by then, what does the protocol say to do with the dose due today?
This module answers it with the same rules and numbers (the protocol's ``Params``), judged
exactly as the reviews judge an escalation: over the days since the level in force began
(its first dose … the day before D), against the patient's baseline.

- The level in force is the dose of the last administration before day D; the doses at it
  are the consecutive administrations at that level up to then.
- The first review of a protocol (:func:`first_review_day`) is the day its escalation rule
  can first apply on schedule: ``doses_per_level`` doses every 21 days — day 42 for both the
  study protocol and the MDS label (2 doses, the third due on day 42).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lusp.cohort import Cohort
from lusp.criteria import common
from lusp.i18n import _, ngettext
from lusp.protocol import get_protocol
from lusp.protocol.common import DOSE_EPS, dose_steps, fmt_dose, fmt_value, max_unaffected_hb_between, pre_dose_hb

#: Both protocols dose every 3 weeks (the study: "every 21 days"; the label: "every 3 weeks").
PLANNED_INTERVAL_DAYS = 21

#: The recommendations, in the order a table lists them.
ACTIONS = ("escalate", "stop", "hold", "continue", "not judged", "off study")

#: Columns :func:`recommend` returns, in order.
DECISION_COLUMNS = (
    "patient_id", "review_day", "action", "level_mg_kg", "doses_at_level", "level_start_day",
    "recommended_dose_mg_kg", "judged", "rule", "given_day", "given_dose_mg_kg",
)


def first_review_day(protocol: str = "study", params=None) -> int:
    """The protocol's first escalation review: ``doses_per_level × 21`` days (42 by default)."""
    chosen = get_protocol(protocol)
    p = params if params is not None else chosen.Params()
    return int(p.doses_per_level) * PLANNED_INTERVAL_DAYS


@dataclass(frozen=True)
class _Rules:
    """The protocol's sentences, quoted beside each recommendation."""

    escalate: str
    hold: str
    stop: str = ""


def _rules(name: str, p) -> _Rules:
    steps = " → ".join(fmt_dose(v) for v in sorted(p.dose_levels_mg_kg) if v >= p.start_dose_mg_kg - DOSE_EPS)
    hold = _("hold the dose when the pre-dose Hb is ≥ {hold} g/L without a transfusion in the prior {days} days").format(
        hold=fmt_value(p.hold_hb_g_l), days=p.hold_tx_days)
    if name == "study":
        return _Rules(
            escalate=_("Study protocol: after ≥ {doses} doses at a level without response (TD: burden reduction < "
                       "{td_reduction} % since the level began; NTD: Hb rise < {ntd_rise} g/L over baseline) escalate "
                       "one step, {steps} mg/kg (maximum)").format(
                doses=p.doses_per_level, td_reduction=fmt_value(p.td_reduction_pct), ntd_rise=fmt_value(p.ntd_rise_g_l),
                steps=steps),
            hold=_("Study protocol (label safety rule): {hold}").format(hold=hold),
        )
    return _Rules(
        escalate=_("Label (MDS): if not RBC-transfusion-free after ≥ {doses} consecutive doses at a level, escalate "
                   "one step, {steps} mg/kg (maximum)").format(doses=p.doses_per_level, steps=steps),
        hold=_("Label (MDS): {hold}").format(hold=hold),
        stop=_("Label (MDS): discontinue if there is no reduction in transfusion burden after {doses} doses at the "
               "maximum level").format(doses=p.max_level_doses),
    )


def recommend(cohort: Cohort, results_table: pd.DataFrame, review_day: int, protocol: str = "study",
              params=None) -> pd.DataFrame:
    """The protocol's recommendation for the dose due on ``review_day``, per patient.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    results_table : DataFrame
        The criteria set's per-patient table (``patient_id``, ``td_baseline``,
        ``baseline_hb_g_l``, ``burden_before_u28``): the baselines the protocol judges against.
    review_day : int
        Study day of the review (≥ 1); what is known is every record before it (the dose due
        that day is the one being decided; its pre-dose Hb is the last Hb on or before it).
    protocol : str
        ``"study"`` or ``"label-mds"``.
    params : the protocol's Params, optional

    Returns
    -------
    DataFrame
        One row per patient of ``results_table`` (same order), columns :data:`DECISION_COLUMNS`:

        - ``action``: ``escalate`` / ``continue`` / ``hold`` / ``stop`` (a rule of the
          protocol applies), ``not judged`` (the criterion needs a baseline the patient lacks),
          ``off study`` (follow-up ended before the review day);
        - ``level_mg_kg``, ``doses_at_level``, ``level_start_day``: the level in force;
        - ``recommended_dose_mg_kg``: the dose the protocol gives today (NA for hold / stop);
        - ``judged``: the patient's numbers as the rule judged them, a sentence;
        - ``rule``: the protocol's rule, quoted;
        - ``given_day``, ``given_dose_mg_kg``: the first dose actually given on or after the
          review day (what was done; NA when none).
    """
    review_day = int(review_day)
    if review_day < 1:
        raise ValueError(f"the review day must be day 1 or later, not {review_day}")
    chosen = get_protocol(protocol)
    p = params if params is not None else chosen.Params()
    rules = _rules(chosen.name, p)
    levels = np.array(sorted(p.dose_levels_mg_kg), dtype=np.float64)
    max_dose = float(levels[-1])
    timeline = common.build_timeline(cohort)
    n = len(results_table)
    codes = common.patient_codes(results_table["patient_id"], cohort.patients)
    if (codes < 0).any():
        raise ValueError("the table has patients that are not in the cohort")

    steps = dose_steps(cohort)
    before = steps[steps["day"].to_numpy() < review_day]
    # The last dose before the review, per patient, and the first dose of its level run.
    last_pos = before.groupby("code", sort=False).tail(1)
    level = np.full(len(cohort.patients), np.nan)
    at_level = np.zeros(len(cohort.patients), dtype=np.int64)
    level_start = np.full(len(cohort.patients), -1, dtype=np.int64)
    if len(last_pos):
        c = last_pos["code"].to_numpy()
        level[c] = last_pos["dose_mg_kg"].to_numpy()
        at_level[c] = last_pos["run_length"].to_numpy()
        run_first = last_pos.index.to_numpy() - last_pos["run_length"].to_numpy() + 1
        level_start[c] = steps.loc[run_first, "day"].to_numpy()
    after = steps[steps["day"].to_numpy() >= review_day].groupby("code", sort=False).head(1)
    given_day = np.full(len(cohort.patients), -1, dtype=np.int64)
    given_dose = np.full(len(cohort.patients), np.nan)
    if len(after):
        given_day[after["code"].to_numpy()] = after["day"].to_numpy()
        given_dose[after["code"].to_numpy()] = after["dose_mg_kg"].to_numpy()
    level, at_level, level_start = level[codes], at_level[codes], level_start[codes]
    given_day, given_dose = given_day[codes], given_dose[codes]

    td = results_table["td_baseline"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    baseline_hb = results_table["baseline_hb_g_l"].to_numpy(dtype=np.float64, na_value=np.nan)
    burden_before = results_table["burden_before_u28"].to_numpy(dtype=np.float64, na_value=np.nan)
    day = np.full(n, review_day, dtype=np.int64)
    window_days = day - level_start
    units = timeline.units_between(codes, level_start, day - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        burden_now = units * common.BURDEN_PERIOD_DAYS / window_days
        reduction = (burden_before - burden_now) / burden_before * 100
    peak = max_unaffected_hb_between(timeline, codes, level_start, day - 1)
    rise = common.round_g_l(peak - baseline_hb)
    pre_hb, pre_day = pre_dose_hb(timeline, codes, day)
    recent_units = timeline.units_between(codes, day - p.hold_tx_days, day - 1)
    end_day = timeline.end_day[codes]
    next_step = levels[np.minimum(np.searchsorted(levels, np.nan_to_num(level) + DOSE_EPS, side="left"), len(levels) - 1)]

    said = {  # each sentence once in the language in force
        "td": _("TD: burden {before} → {now} U/28 d since day {start} ({units} U in {days} days), reduction {reduction} %"),
        "ntd": _("NTD: Hb peak {peak} g/L since day {start}, rise {rise} g/L over baseline {baseline} g/L"),
        "free": _("transfusion-free"), "not_free": _("not transfusion-free"),
        "no_rule": _("not transfused at baseline: the label gives no escalation rule"),
        "off": _("follow-up ended on day {day}, before the review day"),
        "no_dose": _("no dose recorded before day {day}").format(day=review_day),
        "hold": _("pre-dose Hb {hb} g/L (day {hb_day}) ≥ {hold} g/L, no transfusion in the prior {days} days"),
        "no_baseline": _("{dose} mg/kg × {n}; no baseline to judge the response criterion against"),
        "max_study": _("{rule}; the maximum is reached and the study protocol sets no stop rule"),
        "max_label": _("{rule}; maximum reached"),
    }
    rows = []
    for i in range(n):
        lvl = float(level[i])
        enough = at_level[i] >= p.doses_per_level
        at_max = lvl >= max_dose - DOSE_EPS
        if td[i]:
            numbers = said["td"].format(before=fmt_value(burden_before[i]), now=fmt_value(burden_now[i]),
                                        start=level_start[i], units=fmt_value(units[i]), days=window_days[i],
                                        reduction=fmt_value(reduction[i]))
            judgeable = burden_before[i] > 0
        else:
            numbers = said["ntd"].format(peak=fmt_value(peak[i]), start=level_start[i], rise=fmt_value(rise[i]),
                                         baseline=fmt_value(baseline_hb[i]))
            judgeable = not np.isnan(rise[i])
        if chosen.name == "study":
            met = (reduction[i] >= p.td_reduction_pct) if td[i] else (rise[i] >= p.ntd_rise_g_l)
            relation = f"{'≥' if met else '<'} {fmt_value(p.td_reduction_pct)} %" if td[i] else \
                f"{'≥' if met else '<'} {fmt_value(p.ntd_rise_g_l)} g/L"
        else:  # label-mds: the escalation criterion is "RBC-transfusion-free", for TD patients only
            met = units[i] <= 0 if td[i] else True
            judgeable = bool(td[i]) or judgeable
            relation = (said["free"] if met else said["not_free"]) if td[i] else said["no_rule"]
        judged = ngettext("{dose} mg/kg × {n} dose; {numbers} ({relation})",
                          "{dose} mg/kg × {n} doses; {numbers} ({relation})", int(at_level[i])).format(
            dose=fmt_dose(lvl), n=at_level[i], numbers=numbers, relation=relation)
        recommended = lvl
        rule = rules.escalate
        held = (common.round_g_l(np.array([pre_hb[i]]))[0] >= p.hold_hb_g_l) and recent_units[i] <= 0
        if end_day[i] < review_day:
            action, recommended, rule = "off study", np.nan, ""
            judged = said["off"].format(day=end_day[i])
        elif np.isnan(lvl):  # day 0 is the first dose, so only a cohort without doses gets here
            action, recommended, rule = "not judged", np.nan, ""
            judged = said["no_dose"]
        elif held:
            action, recommended, rule = "hold", np.nan, rules.hold
            judged = said["hold"].format(hb=fmt_value(pre_hb[i]), hb_day=pre_day[i], hold=fmt_value(p.hold_hb_g_l),
                                         days=p.hold_tx_days)
        elif not judgeable:
            action = "not judged"
            judged = said["no_baseline"].format(dose=fmt_dose(lvl), n=at_level[i])
        elif not enough:
            action = "continue"
            judged = ngettext("{dose} mg/kg × {n} dose (< {needed} at this level: too early to escalate)",
                              "{dose} mg/kg × {n} doses (< {needed} at this level: too early to escalate)",
                              int(at_level[i])).format(dose=fmt_dose(lvl), n=at_level[i], needed=p.doses_per_level)
        elif met:
            action = "continue"
        elif not at_max:
            action, recommended = "escalate", float(next_step[i])
        elif (chosen.name != "study" and td[i] and at_level[i] >= p.max_level_doses
              and not (burden_now[i] < burden_before[i])):
            action, recommended, rule = "stop", np.nan, rules.stop
        else:
            action = "continue"
            rule = said["max_study" if chosen.name == "study" else "max_label"].format(rule=rules.escalate)
        rows.append((action, recommended, judged, rule))

    action, recommended, judged, rule = (list(col) for col in zip(*rows)) if rows else ([], [], [], [])
    return pd.DataFrame({
        "patient_id": results_table["patient_id"].astype("string").to_numpy(),
        "review_day": pd.array(np.full(n, review_day), dtype="Int64"),
        "action": pd.array(action, dtype="string"),
        "level_mg_kg": common.nullable_float(level),
        "doses_at_level": pd.array(at_level, dtype="Int64"),
        "level_start_day": common.nullable_int(level_start, level_start < 0),
        "recommended_dose_mg_kg": common.nullable_float(np.array(recommended, dtype=np.float64)),
        "judged": pd.array(judged, dtype="string"),
        "rule": pd.array([r or None for r in rule], dtype="string"),
        "given_day": common.nullable_int(given_day, given_day < 0),
        "given_dose_mg_kg": common.nullable_float(given_dose),
    })


__all__ = ["ACTIONS", "DECISION_COLUMNS", "PLANNED_INTERVAL_DAYS", "first_review_day", "recommend"]
