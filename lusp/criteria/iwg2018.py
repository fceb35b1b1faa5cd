"""Criteria set ``iwg2018``: IWG 2018 HI-E by transfusion-burden category.

Source: Platzbecker et al., Blood 2019;133:1020–1030 (revised IWG 2018 hematologic
response criteria for lower-risk MDS), made computable in CRITERIA.md. Patients are first
sorted by the RBC units they received in the 16 weeks before day 0:

- **NTD** (0 units): response = ≥ 2 consecutive transfusion-unaffected Hb values ≥
  pre-treatment Hb + 15 g/L spanning ≥ 8 weeks, with no transfusion in between;
- **LTB** (3–7 units in ≥ 2 episodes, ≤ 3 in any 8 weeks): response = transfusion
  independence, no RBC transfusion for ≥ 8 consecutive weeks;
- **HTB** (≥ 8 units, or ≥ 4 in some 8 weeks): *major* response = transfusion independence;
  *minor* = units in the first 16 weeks of treatment ≤ 50 % of the 16 baseline weeks;

all judged within an observation period of days 1 … 168. Patients whose baseline burden
falls outside the published categories (1–2 units, or 3–7 units in a single episode) are
classified LTB and flagged. Descriptive columns that do not depend on the criteria (peak
Hb, early rise, the transient spike, post-treatment Hb) are the study set's.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from lusp.cohort import Cohort
from lusp.criteria import common, study
from lusp.criteria.common import fmt_number
from lusp.timeline import RECORD_GAP_DAYS
from lusp.labels import criteria_label
from lusp.i18n import N_, _, ngettext
from lusp.params import param
from lusp.wording import clause_separator, join_sentences

NAME = "iwg2018"
LABEL = criteria_label(NAME)  # the label registry's words (lusp.labels)
DESCRIPTION = N_(
    "IWG 2018 hematologic improvement–erythroid (Platzbecker et al., Blood 2019) by baseline transfusion burden (NTD / LTB / "
    "HTB) over 16 weeks, judged within weeks 1–24."
)

BASELINE_HB_METHODS = ("mean", "lowest-two")
CATEGORIES = ("NTD", "LTB", "HTB")
#: The category of a patient whose pre-treatment record is too short to assign one (issue 12).
NOT_ASSIGNED = "not assigned"


@dataclass(frozen=True)
class Iwg2018Params:
    """Every threshold of the ``iwg2018`` set, with CRITERIA.md's defaults."""

    baseline_window_days: int = param(
        112, N_("Baseline window (days before day 0)"), "days", min=56, max=182, cli="--baseline-days",
        help=N_("Burden category and pre-treatment Hb come from days −N … 0 (IWG 2018: 16 weeks)."),
    )
    observation_days: int = param(
        168, N_("Observation period (days 1 … N)"), "days", min=112, max=168, cli="--observation-days",
        help=N_("Responses count only inside it (IWG 2018: 24 weeks)."),
    )
    min_followup_days: int = param(
        112, N_("Minimum follow-up to call a non-responder"), "days", min=56, max=168, cli="--min-followup",
        help=N_("Without a response and with less follow-up than this, a patient is not evaluable."),
    )
    ti_days: int = param(
        56, N_("Transfusion independence: transfusion-free run of"), "days", min=28, max=168, cli="--ti-days",
    )
    hb_rise_g_l: float = param(
        15.0, N_("NTD response: Hb rise over pre-treatment Hb"), "g/L", min=5, max=40, cli="--hb-rise",
    )
    hb_response_days: int = param(
        56, N_("NTD response: sustained for (first to last value)"), "days", min=28, max=168, cli="--hb-response-days",
    )
    iwg2018_baseline_hb: str = param(
        "mean", N_("Pre-treatment Hb (NTD)"), "", choices=BASELINE_HB_METHODS, cli="--iwg2018-baseline-hb",
        help=N_("mean = mean of transfusion-unaffected values in the baseline window; lowest-two = the "
        "lowest mean of two such values ≥ the spacing below apart (the paper is read both ways)."),
    )
    pretreatment_min_apart_days: int = param(
        7, N_("Pre-treatment Hb: two values at least this far apart"), "days", min=1, max=28,
        cli="--pretreatment-apart-days",
    )
    ltb_min_units: float = param(
        3.0, N_("LTB: at least this many units in the baseline window"), "units", min=1, max=7, cli="--ltb-min-units",
    )
    ltb_min_episodes: int = param(
        2, N_("LTB: in at least this many transfusion episodes"), "episodes", min=1, max=7, cli="--ltb-min-episodes",
    )
    htb_min_units: float = param(
        8.0, N_("HTB: at least this many units in the baseline window"), "units", min=4, max=30, cli="--htb-min-units",
    )
    htb_units_8_weeks: float = param(
        4.0, N_("HTB: or at least this many units in any 8 weeks"), "units", min=2, max=20, cli="--htb-units-8w",
    )
    minor_window_days: int = param(
        112, N_("HTB minor response: units counted in days 1 … N"), "days", min=56, max=168, cli="--minor-window",
    )
    minor_max_pct: float = param(
        50.0, N_("HTB minor response: at most this % of baseline units"), "%", min=10, max=90, cli="--minor-max-pct",
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


Params = Iwg2018Params

#: Width of the "any 8 weeks" windows of the category rules (CRITERIA.md).
EIGHT_WEEKS_DAYS = 56

EXTRA_COLUMNS = (
    "category", "category_note", "response_type", "baseline_episodes", "units_baseline_8w_max",
    "pretreatment_hb_g_l", "pretreatment_hb_n", "response_threshold_hb_g_l", "observation_end_day",
    "ti_obs_days", "ti_obs_start_day", "ti_obs_end_day", "units_minor_window",
    "hb_run_start_day", "hb_run_end_day", "hb_run_days",
)
COLUMNS = study.COLUMNS + EXTRA_COLUMNS


def evaluate(cohort: Cohort, params: Iwg2018Params | None = None) -> pd.DataFrame:
    """Classify every patient of ``cohort`` by IWG 2018 HI-E.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    params : Iwg2018Params, optional
        Thresholds; CRITERIA.md's defaults when omitted.

    Returns
    -------
    DataFrame
        One row per patient, the study set's columns (:func:`lusp.criteria.study.evaluate`)
        with IWG 2018's ``td_baseline`` (≥ 1 unit in the 16-week window), ``units_baseline``,
        ``burden_before_u28`` (units × 28 / 112) and ``burden_reduction_pct`` over that
        window, ``ti_achieved`` (transfusion-free run ≥ 56 days inside the observation
        period), ``responder``, ``evaluable``, ``not_evaluable_reason``, ``outcome``,
        ``reason``; ``baseline_hb_g_l`` stays the last Hb of days −56 … 0 as measured (the
        anchor of the spike flag). Plus:

        - ``category`` (``NTD``/``LTB``/``HTB``) and ``category_note`` (e.g. "category
          outside IWG 2018 (2 units)", empty otherwise).
        - ``response_type``: ``major`` / ``minor`` for HTB responders, else NA.
        - ``baseline_episodes`` (RBC-transfusion days), ``units_baseline_8w_max`` (most
          units in any 56 days of the baseline window).
        - ``pretreatment_hb_g_l``, ``pretreatment_hb_n``, ``response_threshold_hb_g_l``
          (pre-treatment + 15 g/L, by ``iwg2018_baseline_hb``).
        - ``observation_end_day`` (min(168, end of follow-up)), ``ti_obs_days``,
          ``ti_obs_start_day``, ``ti_obs_end_day``: the longest transfusion-free run in
          days 1 … observation end.
        - ``units_minor_window``: RBC units in days 1 … 112 (NA with shorter follow-up).
        - ``hb_run_start_day``, ``hb_run_end_day``, ``hb_run_days``: longest run of Hb ≥
          threshold within the observation period (≥ 2 values, no transfusion inside).
    """
    p = params or Iwg2018Params()
    base = study.evaluate(
        cohort,
        study.StudyParams(
            tx_exclusion_days=p.tx_exclusion_days, ti_days=p.ti_days, post_hb=p.post_hb,
            post_hb_from_day=p.post_hb_from_day,
        ),
    )
    timeline = common.build_timeline(cohort, p.tx_exclusion_days)
    n = timeline.n_patients
    codes = np.arange(n, dtype=np.int64)
    end = timeline.end_day
    followup = timeline.followup_days
    w = p.baseline_window_days

    # Baseline burden category over the 16-week window.
    units = timeline.units_between(codes, np.full(n, -w), np.zeros(n, np.int64))
    episodes = common.transfusion_days_between(timeline, -w, 0)
    most_8w, _most_start = common.extreme_units_in_window(timeline, -w, 0, EIGHT_WEEKS_DAYS, "max")
    most_8w = np.nan_to_num(most_8w, nan=0.0)
    # A record shorter than the 16-week window (issue 12) makes every count a lower bound:
    # HTB still holds when the recorded units alone reach it, every other category needs the
    # whole window (0 units in 52 recorded days is not "0 units in 16 weeks"), so it is not
    # assigned and the patient is not evaluable under IWG 2018.
    recorded, complete = common.window_coverage(common.first_record_day(cohort), w)
    htb_by_count = (units >= p.htb_min_units) | (most_8w >= p.htb_units_8_weeks)
    unassigned = ~complete & ~htb_by_count
    ntd = (units == 0) & ~unassigned
    htb = (units > 0) & htb_by_count
    ltb = ~ntd & ~htb & ~unassigned
    published_ltb = ltb & (units >= p.ltb_min_units) & (episodes >= p.ltb_min_episodes)
    outside = ltb & ~published_ltb
    category = np.select([ntd, htb, unassigned], ["NTD", "HTB", NOT_ASSIGNED], "LTB")
    note = np.full(n, "", dtype=object)
    for i in np.flatnonzero(outside):
        single = units[i] >= p.ltb_min_units and episodes[i] < p.ltb_min_episodes
        note[i] = (_("category outside IWG 2018 ({units} units in a single episode)") if single
                   else _("category outside IWG 2018 ({units} units)")).format(units=fmt_number(units[i]))

    # Everything after day 0 is judged inside the observation period.
    obs_end = np.minimum(end, p.observation_days)
    ti_len, ti_start, ti_stop = common.longest_transfusion_free_run(replace(timeline, end_day=obs_end))
    ti = ti_len >= p.ti_days

    pre = common.pretreatment_hb(
        timeline, -w, 0, min_apart_days=p.pretreatment_min_apart_days, how=p.iwg2018_baseline_hb
    )
    has_pre = ~np.isnan(pre.hb_g_l)
    threshold = common.round_g_l(pre.hb_g_l + p.hb_rise_g_l)
    run_span, run_start, run_stop, _stop_day = common.sustained_hb_runs(timeline, 1, obs_end, threshold)
    hb_response = ntd & (run_span >= p.hb_response_days)

    minor_assessable = followup >= p.minor_window_days
    units_minor = timeline.units_between(codes, np.ones(n, np.int64), np.full(n, p.minor_window_days))
    minor = htb & ~ti & minor_assessable & (units_minor <= common.round_g_l(units * p.minor_max_pct / 100.0))
    # With a partial baseline the true baseline count is ≥ the recorded one: a reduction to
    # ≤ 50 % of the recorded units is certain, a smaller one cannot be judged.
    minor_unjudgeable = htb & ~complete & ~ti & minor_assessable & ~minor
    responder = np.where(ntd, hb_response, ti | minor)

    obs_hb = timeline.hb_window(1, obs_end, unaffected_only=True)
    has_obs_hb = np.bincount(obs_hb["code"].to_numpy(), minlength=n) > 0
    reasons = np.full(n, "", dtype=object)
    # One reason per patient: a later entry overrides an earlier one.
    for mask, text in (
        (ntd & has_pre & ~has_obs_hb & ~responder,
         lambda i: _("no transfusion-unaffected Hb in days 1 to {end}").format(end=obs_end[i])),
        (~responder & (followup < p.min_followup_days),
         lambda i: _("follow-up {days} days < {need}").format(days=followup[i], need=p.min_followup_days)),
        (ntd & ~has_pre, lambda i: _("no transfusion-unaffected Hb in days −{w} to 0").format(w=w)),
        (minor_unjudgeable, lambda i: _(
            "minor response cannot be judged: the baseline count is ≥ {units} U in {recorded} recorded of {w} days"
        ).format(units=fmt_number(units[i]), recorded=recorded[i], w=w)),
        (unassigned, lambda i: _(
            "the pre-treatment record covers {recorded} of the {w} days IWG 2018 needs to assign a "
            "transfusion-burden category").format(recorded=recorded[i], w=w)),
    ):
        for i in np.flatnonzero(mask):
            reasons[i] = text(i)
    evaluable = reasons == ""
    responder = responder & evaluable
    response_type = np.where(htb & responder, np.where(ti, "major", "minor"), None)

    burden_before = study.baseline_burden_u28(units, recorded)
    burden_after = base["burden_after_u28"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        reduction = np.where(units > 0, (burden_before - burden_after) / burden_before * 100, np.nan)
    spike = base["transient_spike"].to_numpy(dtype=bool, na_value=False)
    no_run = run_span < 0
    table = base.copy()
    study.add_coverage(table, units, w, recorded, complete)
    table["td_baseline"] = common.nullable_bool(units > 0, np.zeros(n, bool))
    table["units_baseline"] = common.nullable_float(units)
    table["burden_before_u28"] = common.nullable_float(burden_before)
    table["burden_reduction_pct"] = common.nullable_float(reduction)
    table["ti_achieved"] = common.nullable_bool(ti, np.zeros(n, bool))
    table["responder"] = common.nullable_bool(responder, np.zeros(n, bool))
    table["evaluable"] = common.nullable_bool(evaluable, np.zeros(n, bool))
    table["not_evaluable_reason"] = pd.array(reasons.astype(str), dtype="string")
    table["outcome"] = pd.array(
        np.select([~evaluable, responder, spike], ["not evaluable", "responder", "transient spike"], "non-responder"),
        dtype="string",
    )
    table["category"] = pd.array(category.astype(str), dtype="string")
    table["category_note"] = pd.array(note.astype(str), dtype="string")
    table["response_type"] = pd.array(response_type, dtype="string")
    table["baseline_episodes"] = common.nullable_int(episodes, np.zeros(n, bool))
    table["units_baseline_8w_max"] = common.nullable_float(most_8w)
    table["pretreatment_hb_g_l"] = common.nullable_float(pre.hb_g_l)
    table["pretreatment_hb_n"] = common.nullable_int(pre.n_values, np.zeros(n, bool))
    table["response_threshold_hb_g_l"] = common.nullable_float(threshold)
    table["observation_end_day"] = common.nullable_int(obs_end, np.zeros(n, bool))
    table["ti_obs_days"] = common.nullable_int(ti_len, np.zeros(n, bool))
    table["ti_obs_start_day"] = common.nullable_int(ti_start, ti_len == 0)
    table["ti_obs_end_day"] = common.nullable_int(ti_stop, ti_len == 0)
    table["units_minor_window"] = common.nullable_float(np.where(minor_assessable, units_minor, np.nan))
    table["hb_run_start_day"] = common.nullable_int(run_start, no_run)
    table["hb_run_end_day"] = common.nullable_int(run_stop, no_run)
    table["hb_run_days"] = common.nullable_int(run_span, no_run)
    table["reason"] = pd.array(_reasons(table, pre, p), dtype="string")
    return table[list(COLUMNS)]


#: The columns the reason sentences read.
_REASON_COLUMNS = ("baseline_complete", "baseline_units_text", "baseline_episodes", "category", "category_note", "evaluable", "hb_run_days", "hb_run_end_day", "hb_run_start_day", "not_evaluable_reason", "observation_end_day", "outcome", "pretreatment_hb_g_l", "responder", "response_threshold_hb_g_l", "response_type", "ti_achieved", "ti_obs_days", "ti_obs_end_day", "ti_obs_start_day", "units_baseline", "units_baseline_8w_max", "units_minor_window")


def _reasons(table: pd.DataFrame, pre: common.PretreatmentHb, p: Iwg2018Params) -> list[str]:
    """One sentence per patient: category and its basis, the route of its category, the verdict."""
    fmt = lru_cache(maxsize=None)(fmt_number)  # a few hundred distinct values per cohort
    w_text = study.window_text(p.baseline_window_days)
    said = {  # each clause once in the language in force
        "unassigned": _("category not assigned ({units_text})"),
        "ntd": _("NTD (0 U in {window})"),
        "head": _("{category} ({units} U in {window}{details})"),
        "head_short": _("{category} ({units_text}{details})"),
        "episodes": ngettext(", {n} episode, at most {units} U in any 8 weeks",
                             ", {n} episodes, at most {units} U in any 8 weeks", 2),
        "episode": ngettext(", {n} episode, at most {units} U in any 8 weeks",
                            ", {n} episodes, at most {units} U in any 8 weeks", 1),
        "not_evaluable": _("{head}; {why} → not evaluable (counted as non-responder)."),
        "pre_mean": _("pre-treatment Hb {hb} g/L (mean)"),
        "pre_mean_caution": _("pre-treatment Hb {hb} g/L (mean, used with caution)"),
        "pre_two": _("pre-treatment Hb {hb} g/L (lowest mean of two)"),
        "pre_two_caution": _("pre-treatment Hb {hb} g/L (lowest mean of two, used with caution)"),
        "hb_run": _("Hb ≥ {threshold} g/L from day {start} to day {end} ({days} days ≥ {need}, no transfusion) "
                    "within days 1–{obs} → HI-E"),
        "hb_short": _("Hb ≥ {threshold} g/L only from day {start} to day {end} ({days} days < {need}) within days 1–{obs}"),
        "no_run": _("no 2 consecutive Hb values ≥ {threshold} g/L within days 1–{obs}"),
        "ntd_responder": _("{head}; {pre}; {body} → responder."),
        "ntd_non-responder": _("{head}; {pre}; {body} → non-responder."),
        "ti": _("no transfusion from day {start} to day {end} ({days} days ≥ {need}) within days 1–{obs} → "
                "transfusion independent"),
        "major": _(" → major response"),
        "tf_short": _("longest transfusion-free run day {start} to day {end} ({days} days < {need}) within days 1–{obs}"),
        "no_tf": _("no transfusion-free day within days 1–{obs}"),
        "minor_later": _("; minor response not assessable before day {day}").format(day=p.minor_window_days),
        "minor": _("; {units} U in days 1–{days} ≤ {limit} ({pct} % of baseline) → minor response"),
        "no_minor": _("; {units} U in days 1–{days} > {limit} ({pct} % of baseline)"),
        "responder": _("{head}; {body} → responder{spike}."),
        "non-responder": _("{head}; {body} → non-responder{spike}."),
        "spike": _("; transient early Hb spike"),
    }
    out = []
    for i, row in enumerate(common.plain_rows(table[list(_REASON_COLUMNS)])):
        obs = int(row.observation_end_day)
        if row.category == NOT_ASSIGNED:
            head = said["unassigned"].format(units_text=row.baseline_units_text)
        elif row.category == "NTD":
            head = said["ntd"].format(window=w_text)
        else:
            episodes = int(row.baseline_episodes)
            details = said["episode" if episodes == 1 else "episodes"].format(
                n=episodes, units=fmt(row.units_baseline_8w_max)) + (
                clause_separator() + row.category_note if row.category_note else "")
            head = (
                said["head"].format(category=row.category, units=fmt(row.units_baseline), window=w_text, details=details)
                if row.baseline_complete else
                said["head_short"].format(category=row.category, units_text=row.baseline_units_text, details=details)
            )
        if not row.evaluable:
            out.append(said["not_evaluable"].format(head=head, why=row.not_evaluable_reason))
            continue
        verdict = "responder" if row.responder else "non-responder"
        if row.category == "NTD":
            key = ("pre_mean" if p.iwg2018_baseline_hb == "mean" else "pre_two") + (
                "" if pre.well_spaced[i] else "_caution")
            pre_text = said[key].format(hb=fmt(row.pretreatment_hb_g_l))
            run = dict(threshold=fmt(row.response_threshold_hb_g_l), start=row.hb_run_start_day,
                       end=row.hb_run_end_day, days=row.hb_run_days, need=p.hb_response_days, obs=obs)
            if row.responder:
                body = said["hb_run"].format(**run)
            elif pd.notna(row.hb_run_days):
                body = said["hb_short"].format(**run)
            else:
                body = said["no_run"].format(**run)
            out.append(said["ntd_" + verdict].format(head=head, pre=pre_text, body=body))
            continue
        run = dict(start=row.ti_obs_start_day, end=row.ti_obs_end_day, days=row.ti_obs_days, need=p.ti_days, obs=obs)
        if row.ti_achieved:
            body = said["ti"].format(**run)
            if row.category == "HTB":
                body += said["major"]
        elif row.ti_obs_days > 0:
            body = said["tf_short"].format(**run)
        else:
            body = said["no_tf"].format(obs=obs)
        if row.category == "HTB" and not row.ti_achieved:
            limit = fmt(float(row.units_baseline) * p.minor_max_pct / 100.0)
            minor = dict(units=fmt(row.units_minor_window), days=p.minor_window_days, limit=limit,
                         pct=fmt(p.minor_max_pct))
            if pd.isna(row.units_minor_window):
                body += said["minor_later"]
            elif not pd.isna(row.response_type) and row.response_type == "minor":
                body += said["minor"].format(**minor)
            else:
                body += said["no_minor"].format(**minor)
        spike = said["spike"] if row.outcome == "transient spike" else ""
        out.append(said[verdict].format(head=head, body=body, spike=spike))
    return out


def category_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Patients per IWG 2018 category, with how many sit outside the published categories.

    Returns
    -------
    DataFrame
        ``category, n_patients, n_outside_published, n_responders`` for NTD, LTB, HTB and
        "not assigned" (a pre-treatment record too short for the 16-week window); the count
        of flagged patients is what CRITERIA.md asks to show on screen.
    """
    rows = []
    for name in CATEGORIES + (NOT_ASSIGNED,):
        part = table[table["category"] == name]
        rows.append(
            {
                "category": name,
                "n_patients": len(part),
                "n_outside_published": int((part["category_note"].fillna("") != "").sum()),
                "n_responders": int(part["responder"].fillna(False).astype(bool).sum()),
            }
        )
    return pd.DataFrame(rows)


def methods_text(params: Iwg2018Params | None = None) -> str:
    """The IWG 2018 definitions in force, as a methods paragraph."""
    p = params or Iwg2018Params()
    w = p.baseline_window_days
    obs = p.observation_days
    pre = (
        _("the mean of the transfusion-unaffected Hb values in the baseline window")
        if p.iwg2018_baseline_hb == "mean"
        else _("the lowest mean of two transfusion-unaffected Hb values ≥ {days} days apart in the baseline window "
               "(the mean of all values when no such pair exists)").format(days=p.pretreatment_min_apart_days)
    )
    values = dict(
        w=w, obs=obs, htb_min=fmt_number(p.htb_min_units), htb_8w=fmt_number(p.htb_units_8_weeks),
        eight_weeks=EIGHT_WEEKS_DAYS, ltb_min=fmt_number(p.ltb_min_units), ltb_max=fmt_number(p.htb_min_units - 1),
        episodes=p.ltb_min_episodes, gap=RECORD_GAP_DAYS, rise=fmt_number(p.hb_rise_g_l), hb_days=p.hb_response_days,
        pre=pre, tx_exclusion_days=p.tx_exclusion_days, ti_days=p.ti_days, minor_days=p.minor_window_days,
        minor_pct=fmt_number(p.minor_max_pct), min_followup=p.min_followup_days,
    )
    return join_sentences(text.format(**values) for text in (
        _("Response was judged by the IWG 2018 criteria for hematologic improvement–erythroid "
          "(Platzbecker et al., Blood 2019;133:1020–1030). Day 0 was the first luspatercept dose."),
        _("Patients were classified by RBC units in days −{w} to 0: NTD with 0 units; HTB with ≥ {htb_min} units or "
          "≥ {htb_8w} units in any {eight_weeks} days; LTB with {ltb_min}–{ltb_max} units in ≥ {episodes} "
          "transfusion episodes (transfusion days)."),
        _("Patients with fewer units, or with them in a single episode, fall outside the published categories; they "
          "were classified LTB and flagged."),
        _("The categories are defined over the whole 16-week window: when a patient's first pre-treatment record lay "
          "more than {gap} days after the window's start, the units recorded were a lower bound, the burden was the "
          "rate over the recorded days only, HTB was assigned when the recorded units alone reached it, and no other "
          "category was assigned (not evaluable); an HTB minor response was then claimed only when the units on "
          "treatment were ≤ the limit of the recorded baseline count."),
        _("Responses were sought within an observation period of days 1 to {obs}."),
        _("NTD: ≥ 2 consecutive transfusion-unaffected Hb values ≥ pre-treatment Hb + {rise} g/L spanning ≥ "
          "{hb_days} days with no RBC transfusion in between; the pre-treatment Hb was {pre} (Hb measured "
          "1–{tx_exclusion_days} days after a transfusion excluded)."),
        _("LTB: transfusion independence, no RBC transfusion for ≥ {ti_days} consecutive days."),
        _("HTB: major response = transfusion independence; minor response = RBC units in days 1–{minor_days} ≤ "
          "{minor_pct} % of the baseline-window units (assessed once follow-up reached day {minor_days})."),
        _("A patient without response followed < {min_followup} days, or an NTD patient without a pre-treatment Hb, "
          "was not evaluable and counted as a non-responder (intention to treat)."),
        _("Peak Hb, early rise, the transient-spike flag and burden after day 0 follow the study definitions."),
    ))
