"""Criteria set ``study``: the source study's own response definitions (SPEC §3).

TD patients respond by transfusion independence (a transfusion-free run of ≥ 56 days after
day 0); NTD patients by an Hb rise of ≥ 10 g/L over baseline, judged on Hb values not
raised by a recent transfusion. Beside response the set flags the pattern this tool exists
for: a transient Hb spike in the first week that falls back, often after a transfusion.

Every threshold is a field of :class:`StudyParams`; :func:`evaluate` computes one row per
patient for the whole cohort with array operations (see :mod:`lusp.criteria.common`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lusp.cohort import Cohort
from lusp.criteria import common
from lusp.labels import criteria_label
from lusp.i18n import N_, _, ngettext
from lusp.params import param
from lusp.wording import join_sentences

NAME = "study"
LABEL = criteria_label(NAME)  # the label registry's words (lusp.labels)
DESCRIPTION = N_(
    "The source study's rules: TD → transfusion independence ≥ 56 days; NTD → Hb rise "
    "≥ 10 g/L on transfusion-unaffected values."
)

POST_HB_MEASURES = ("peak", "last", "mean_d29")


@dataclass(frozen=True)
class StudyParams:
    """Every threshold of the ``study`` criteria set, with its default (SPEC §3)."""

    baseline_window_days: int = param(
        56, N_("Baseline window (days before day 0)"), "days", min=7, max=182, cli="--baseline-days",
        help=N_("Baseline = days −N … 0 inclusive; TD status, baseline burden and baseline Hb come from it."),
    )
    td_min_units: float = param(
        1.0, N_("RBC units in the baseline window that make a patient TD"), "units", min=0.5, max=20,
        cli="--td-min-units",
    )
    tx_exclusion_days: int = param(
        14, N_("Hb excluded after an RBC transfusion"), "days", min=0, max=42, cli="--tx-exclusion-days",
        help=N_("Hb measured 1 … N days after a transfusion is not used for response (it reflects the transfusion)."),
    )
    ti_days: int = param(
        56, N_("Transfusion-free run for transfusion independence"), "days", min=28, max=365, cli="--ti-days",
        help=N_("Also the minimum follow-up for judging a TD patient without TI."),
    )
    ntd_rise_g_l: float = param(
        10.0, N_("Hb rise for an NTD response"), "g/L", min=1, max=50, cli="--ntd-rise",
    )
    early_rise_days: int = param(
        14, N_("Early-rise window (days 1 … N)"), "days", min=1, max=56, cli="--early-rise-days",
    )
    spike_peak_days: int = param(
        7, N_("Spike: early-peak window (days 1 … N)"), "days", min=1, max=28, cli="--spike-peak-days",
    )
    spike_min_rise_g_l: float = param(
        10.0, N_("Spike: minimum early rise over baseline"), "g/L", min=1, max=50, cli="--spike-rise",
    )
    spike_fall_end_day: int = param(
        42, N_("Spike: the fall must happen by day"), "day", min=8, max=182, cli="--spike-fall-end-day",
        help=N_("The fall is looked for from the day after the early-peak window to this day."),
    )
    spike_fall_fraction: float = param(
        0.5, N_("Spike: fall back by at least this fraction of the rise"), "fraction", min=0.1, max=1.0,
        cli="--spike-fall-fraction",
    )
    spike_tx_lookback_days: int = param(
        7, N_("Spike after transfusion: transfusion within N days before the early peak"), "days",
        min=0, max=28, cli="--spike-tx-days",
    )
    post_hb: str = param(
        "peak", N_("Post-treatment Hb for cohort summaries"), "", choices=POST_HB_MEASURES, cli="--post-hb",
        help=N_("peak = highest transfusion-unaffected Hb after day 0; last = the last one; "
        "mean from day 29 = mean of those from the day below to the end of follow-up."),
    )
    post_hb_from_day: int = param(
        29, N_("Mean post-treatment Hb from day"), "day", min=1, max=365, cli="--post-hb-from-day",
    )


Params = StudyParams

#: Columns :func:`evaluate` returns, in order (documented in docs/ARCHITECTURE.md).
COLUMNS = (
    "patient_id", "td_baseline", "baseline_hb_g_l", "baseline_hb_day", "peak_hb_g_l", "peak_hb_day",
    "hb_rise_g_l", "early_rise", "units_baseline", "units_after", "burden_before_u28",
    "burden_after_u28", "burden_reduction_pct", "longest_tf_days", "tf_start_day", "tf_end_day",
    "ti_achieved", "responder", "evaluable", "not_evaluable_reason", "transient_spike",
    "spike_after_transfusion", "early_peak_hb_g_l", "early_peak_day", "spike_fall_day",
    "end_day", "followup_days", "post_hb_g_l", "outcome", "reason",
    "baseline_window_days", "baseline_recorded_days", "baseline_complete", "baseline_units_text",
)


def evaluate(cohort: Cohort, params: StudyParams | None = None) -> pd.DataFrame:
    """Classify every patient of ``cohort`` under the study definitions.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    params : StudyParams, optional
        Thresholds; the defaults of SPEC §3 when omitted.

    Returns
    -------
    DataFrame
        One row per patient in the order of ``cohort.patients``, columns :data:`COLUMNS`:

        - ``td_baseline``: ≥ ``td_min_units`` RBC units in days −N … 0.
        - ``baseline_hb_g_l`` / ``baseline_hb_day``: the last Hb in that window, as measured.
        - ``peak_hb_g_l`` / ``peak_hb_day``: highest transfusion-unaffected Hb in days
          1 … end (earliest day of it); ``hb_rise_g_l`` = peak − baseline.
        - ``early_rise``: any Hb (all values) in days 1 … 14 above baseline.
        - ``units_baseline``, ``units_after`` (days 1 … end), ``burden_before_u28``
          (= units_baseline × 28 / N), ``burden_after_u28`` (= units_after × 28 /
          follow-up days; NA with no follow-up), ``burden_reduction_pct`` (TD only).
        - ``longest_tf_days``, ``tf_start_day``, ``tf_end_day``: longest transfusion-free
          run in days 1 … end; ``ti_achieved`` = run ≥ ``ti_days``.
        - ``responder``, ``evaluable``, ``not_evaluable_reason``: SPEC §3; a patient who is
          not evaluable is a non-responder.
        - ``transient_spike``, ``spike_after_transfusion``, ``early_peak_hb_g_l``,
          ``early_peak_day``, ``spike_fall_day``: the first-week spike and its anchors.
        - ``end_day`` (end of follow-up), ``followup_days`` (= max(end_day, 0)).
        - ``post_hb_g_l``: the post-treatment Hb chosen by ``params.post_hb``.
        - ``outcome``: ``responder`` / ``transient spike`` / ``non-responder`` / ``not evaluable``.
        - ``reason``: one plain-language sentence.

    Notes
    -----
    Booleans are ``boolean`` and numbers ``Float64``/``Int64``, NA where a value cannot be
    computed (e.g. no baseline Hb). Records after the end of follow-up are ignored.
    """
    p = params or StudyParams()
    timeline = common.build_timeline(cohort, p.tx_exclusion_days)
    n = timeline.n_patients
    codes = np.arange(n, dtype=np.int64)
    end = timeline.end_day
    followup = timeline.followup_days
    window = p.baseline_window_days

    # Transfusion burden and TD status.
    units_baseline = timeline.units_between(codes, np.full(n, -window), np.zeros(n, np.int64))
    units_after = timeline.units_between(codes, np.ones(n, np.int64), end)
    td = units_baseline >= p.td_min_units
    # Units are never spread over days nobody recorded (issue 12): with a shorter record
    # the burden is the rate over the recorded days, and the table says the count is partial.
    recorded, complete = common.window_coverage(common.first_record_day(cohort), window)
    burden_before = baseline_burden_u28(units_baseline, recorded)
    burden_after = common.burden_u28(units_after, followup)
    with np.errstate(invalid="ignore", divide="ignore"):
        reduction = np.where(td & (burden_before > 0), (burden_before - burden_after) / burden_before * 100, np.nan)

    # Baseline Hb: as measured, transfusion-affected or not.
    baseline, baseline_day = common.last_value(timeline.hb_window(-window, 0), n)
    has_baseline = ~np.isnan(baseline)

    # Response Hb: transfusion-unaffected values in days 1 … end.
    response_hb = timeline.hb_window(1, "end", unaffected_only=True)
    peak, peak_day = common.max_value(response_hb, n)
    rise = common.round_g_l(peak - baseline)
    last_post, _last_day = common.last_value(response_hb, n)
    mean_late = common.mean_value(timeline.hb_window(p.post_hb_from_day, "end", unaffected_only=True), n)
    post_hb = {"peak": peak, "last": last_post, "mean_d29": mean_late}[p.post_hb]

    # Transfusion independence.
    tf_length, tf_start, tf_stop = common.longest_transfusion_free_run(timeline)
    ti = tf_length >= p.ti_days

    # Early rise: any Hb at all (a transfused value counts: the question is "did Hb go up").
    early_max, _early_day = common.max_value(timeline.hb_window(1, np.minimum(end, p.early_rise_days)), n)
    early_rise = early_max > baseline  # NaN compares False: "no Hb in days 1–14" → False

    # Transient spike on all values: early peak, then a fall by half the rise.
    early_peak, early_peak_day = common.max_value(timeline.hb_window(1, np.minimum(end, p.spike_peak_days)), n)
    early_gain = common.round_g_l(early_peak - baseline)
    candidate = early_gain >= p.spike_min_rise_g_l
    fall_threshold = common.round_g_l(early_peak - p.spike_fall_fraction * early_gain)
    fall_window = timeline.hb_window(p.spike_peak_days + 1, np.minimum(end, p.spike_fall_end_day))
    fall_codes = fall_window["code"].to_numpy()
    falls = candidate[fall_codes] & (common.round_g_l(fall_window["hb_g_l"].to_numpy()) <= fall_threshold[fall_codes])
    fall_day = common.first_day_where(fall_window, falls, n)
    spike = candidate & (fall_day >= 0)
    units_before_peak = timeline.units_between(codes, early_peak_day - p.spike_tx_lookback_days, early_peak_day)
    spike_after_tx = spike & (units_before_peak > 0)

    # Response and evaluability (not evaluable ⇒ non-responder in the ITT denominator).
    has_post = ~np.isnan(peak)
    td_short = td & ~ti & (followup < p.ti_days)
    ntd_unjudgeable = ~td & (~has_baseline | ~has_post)
    evaluable = ~(td_short | ntd_unjudgeable)
    responder = np.where(td, ti, evaluable & (rise >= p.ntd_rise_g_l))
    not_evaluable_reason = _not_evaluable_reasons(td, td_short, followup, has_baseline, has_post, p)

    outcome = np.select(
        [~evaluable, responder, spike],
        ["not evaluable", "responder", "transient spike"],
        default="non-responder",
    )
    no_spike = ~candidate | (fall_day < 0)
    table = pd.DataFrame(
        {
            "patient_id": cohort.patients["patient_id"].astype("string").to_numpy(),
            "td_baseline": common.nullable_bool(td, np.zeros(n, bool)),
            "baseline_hb_g_l": common.nullable_float(baseline),
            "baseline_hb_day": common.nullable_int(baseline_day, ~has_baseline),
            "peak_hb_g_l": common.nullable_float(peak),
            "peak_hb_day": common.nullable_int(peak_day, ~has_post),
            "hb_rise_g_l": common.nullable_float(rise),
            "early_rise": common.nullable_bool(early_rise, ~has_baseline),
            "units_baseline": common.nullable_float(units_baseline),
            "units_after": common.nullable_float(units_after),
            "burden_before_u28": common.nullable_float(burden_before),
            "burden_after_u28": common.nullable_float(burden_after),
            "burden_reduction_pct": common.nullable_float(reduction),
            "longest_tf_days": common.nullable_int(tf_length, np.zeros(n, bool)),
            "tf_start_day": common.nullable_int(tf_start, tf_length == 0),
            "tf_end_day": common.nullable_int(tf_stop, tf_length == 0),
            "ti_achieved": common.nullable_bool(ti, np.zeros(n, bool)),
            "responder": common.nullable_bool(responder, np.zeros(n, bool)),
            "evaluable": common.nullable_bool(evaluable, np.zeros(n, bool)),
            "not_evaluable_reason": pd.array(not_evaluable_reason, dtype="string"),
            "transient_spike": common.nullable_bool(spike, ~has_baseline),
            "spike_after_transfusion": common.nullable_bool(spike_after_tx, ~has_baseline | ~spike),
            "early_peak_hb_g_l": common.nullable_float(np.where(has_baseline, early_peak, np.nan)),
            "early_peak_day": common.nullable_int(early_peak_day, ~has_baseline | (early_peak_day < 0)),
            "spike_fall_day": common.nullable_int(fall_day, no_spike),
            "end_day": common.nullable_int(end, np.zeros(n, bool)),
            "followup_days": common.nullable_int(followup, np.zeros(n, bool)),
            "post_hb_g_l": common.nullable_float(post_hb),
            "outcome": pd.array(outcome, dtype="string"),
        }
    )
    add_coverage(table, units_baseline, window, recorded, complete)
    table["reason"] = pd.array(_reasons(table, p), dtype="string") if n else pd.array([], dtype="string")
    return table


def baseline_burden_u28(units: np.ndarray, recorded_days: np.ndarray) -> np.ndarray:
    """Baseline RBC units per 28 days over the recorded days of the window (NaN with none)."""
    recorded = np.asarray(recorded_days, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(recorded > 0, units * common.BURDEN_PERIOD_DAYS / np.where(recorded > 0, recorded, 1), np.nan)


def baseline_units_text(units: float, window_days: int, recorded_days: int, complete: bool) -> str:
    """"9 U in 56 days", or "≥ 9 U in 52 recorded of 112 days" when the record is shorter
    than the window (the count is then a lower bound)."""
    count = common.fmt_number(units)
    if complete:
        return _("{count} U in {window_days} days").format(count=count, window_days=window_days)
    return _("≥ {count} U in {recorded_days} recorded of {window_days} days").format(
        count=count, recorded_days=recorded_days, window_days=window_days)


def add_coverage(table: pd.DataFrame, units: np.ndarray, window: int, recorded: np.ndarray, complete: np.ndarray) -> None:
    """The baseline-window coverage columns (in place): ``baseline_window_days``,
    ``baseline_recorded_days`` (days before day 0 the record spans, capped at the window;
    the whole window when complete), ``baseline_complete`` (the first pre-treatment record
    lies within :data:`lusp.timeline.RECORD_GAP_DAYS` of the window's start) and
    ``baseline_units_text`` ("≥ 9 U in 52 recorded of 112 days")."""
    n = len(table)
    table["baseline_window_days"] = common.nullable_int(np.full(n, window), np.zeros(n, bool))
    table["baseline_recorded_days"] = common.nullable_int(recorded, np.zeros(n, bool))
    table["baseline_complete"] = common.nullable_bool(complete, np.zeros(n, bool))
    table["baseline_units_text"] = pd.array(_units_texts(units, window, recorded, complete), dtype="string")


def _units_texts(units, window: int, recorded, complete) -> pa.Array:
    """:func:`baseline_units_text` of every patient, the sentence made once per distinct
    (units, recorded days, complete) triple — a registry has a few hundred of them, not 10⁵ —
    and gathered with one Arrow ``take``."""
    n = len(units)
    if n == 0:
        return pa.array([], type=pa.string())
    keys = np.column_stack([np.asarray(units, dtype=np.float64), np.asarray(recorded, dtype=np.float64),
                            np.asarray(complete, dtype=np.float64)])
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    texts = [baseline_units_text(u, window, int(r), bool(c)) for u, r, c in unique.tolist()]
    return pa.array(texts, type=pa.string()).take(pa.array(inverse.ravel()))


def _not_evaluable_reasons(td, td_short, followup, has_baseline, has_post, p: StudyParams) -> np.ndarray:
    """Why a patient cannot be evaluated (None when they can)."""
    window = p.baseline_window_days
    reasons = np.full(len(td), None, dtype=object)
    no_followup = td_short & (followup <= 0)
    short = td_short & (followup > 0)
    reasons[no_followup] = _("no follow-up after day 0")
    short_text = _("follow-up {days} days < {ti_days} without transfusion independence")
    reasons[short] = [short_text.format(days=d, ti_days=p.ti_days) for d in followup[short]]
    ntd = ~td
    reasons[ntd & ~has_baseline & has_post] = _("no baseline Hb in days −{window} to 0").format(window=window)
    reasons[ntd & has_baseline & ~has_post] = _("no transfusion-unaffected Hb after day 0")
    reasons[ntd & ~has_baseline & ~has_post] = _(
        "no baseline Hb in days −{window} to 0 and no transfusion-unaffected Hb after day 0").format(window=window)
    return reasons


fmt_number = common.fmt_number


def window_text(days: int) -> str:
    """56 → '8 weeks', 60 → '60 days'."""
    if days % 7 == 0:
        return ngettext("{n} week", "{n} weeks", days // 7).format(n=days // 7)
    return ngettext("{n} day", "{n} days", days).format(n=days)


def _reasons(table: pd.DataFrame, p: StudyParams) -> pa.Array:
    """One plain-language sentence per patient (SPEC §3's example is the TD responder case).

    Built column-wise with Arrow string kernels (:func:`lusp.criteria.common.concat`): every
    variant is assembled for every patient, then the right one is selected — a few dozen
    whole-column operations instead of a Python string join per patient.
    """
    def col(name: str) -> np.ndarray:
        return table[name].to_numpy(dtype=np.float64, na_value=np.nan)

    def flag(name: str) -> np.ndarray:
        return table[name].to_numpy(dtype=bool, na_value=False)

    txt, fill, where = common.as_text, common.fill, common.text_where
    td, evaluable, responder = flag("td_baseline"), flag("evaluable"), flag("responder")
    tf_len = col("longest_tf_days")
    why_not = pa.array(table["not_evaluable_reason"].fillna("").array, type=pa.string())
    spike = flag("transient_spike") & ~responder
    # Formatted for every patient (NaN → "—") and blanked where there is no spike to report.
    spike_text = where(spike, fill(
        _("; transient Hb spike to {hb} g/L on day {day} fell back by day {fall_day}{after_transfusion}"),
        hb=txt(col("early_peak_hb_g_l")), day=txt(col("early_peak_day")), fall_day=txt(col("spike_fall_day")),
        after_transfusion=where(flag("spike_after_transfusion"), _(" (transfusion in the week before the peak)"), ""),
    ), "")
    # Each outcome is one whole sentence of the catalogue (word order is the language's).
    units = txt(col("units_baseline"))
    window = window_text(p.baseline_window_days)
    span = dict(start=txt(col("tf_start_day")), end=txt(col("tf_end_day")), days=txt(tf_len), ti_days=str(p.ti_days))
    td_text = common.text_select(
        [~evaluable, responder, tf_len > 0],
        [
            fill(_("TD at baseline ({units} U in {window}); {why} → not evaluable (counted as non-responder)."),
                 units=units, window=window, why=why_not),
            fill(_("TD at baseline ({units} U in {window}); no transfusion from day {start} to day {end} "
                   "({days} days ≥ {ti_days}) → transfusion independent → responder."),
                 units=units, window=window, **span),
            fill(_("TD at baseline ({units} U in {window}); longest transfusion-free interval day {start} to day "
                   "{end} ({days} days < {ti_days}) → not transfusion independent → non-responder{spike}."),
                 units=units, window=window, spike=spike_text, **span),
        ],
        fill(_("TD at baseline ({units} U in {window}); no transfusion-free day after day 0 → non-responder{spike}."),
             units=units, window=window, spike=spike_text),
    )
    hb = dict(baseline=txt(col("baseline_hb_g_l")), peak=txt(col("peak_hb_g_l")), day=txt(col("peak_hb_day")),
              rise=txt(col("hb_rise_g_l")), needed=fmt_number(p.ntd_rise_g_l), spike=spike_text)
    ntd_text = common.text_select(
        [~evaluable, responder],
        [
            fill(_("NTD at baseline; {why} → not evaluable (counted as non-responder)."), why=why_not),
            fill(_("NTD at baseline; Hb {baseline} g/L → peak {peak} g/L on day {day} (rise {rise} g/L ≥ {needed} g/L) "
                   "→ responder{spike}."), **hb),
        ],
        fill(_("NTD at baseline; Hb {baseline} g/L → peak {peak} g/L on day {day} (rise {rise} g/L < {needed} g/L) "
               "→ non-responder{spike}."), **hb),
    )
    return where(td, td_text, ntd_text)


def methods_text(params: StudyParams | None = None) -> str:
    """The definitions in force, as a methods paragraph (numbers from ``params``)."""
    p = params or StudyParams()
    w = p.baseline_window_days
    post = {
        "peak": _("the peak transfusion-unaffected Hb after day 0"),
        "last": _("the last transfusion-unaffected Hb after day 0"),
        "mean_d29": _("the mean of transfusion-unaffected Hb values from day {day} to the end of follow-up").format(
            day=p.post_hb_from_day),
    }[p.post_hb]
    values = dict(
        w=w, td_min_units=fmt_number(p.td_min_units), tx_exclusion_days=p.tx_exclusion_days, ti_days=p.ti_days,
        ntd_rise=fmt_number(p.ntd_rise_g_l), early_rise_days=p.early_rise_days, spike_peak_days=p.spike_peak_days,
        spike_rise=fmt_number(p.spike_min_rise_g_l), spike_fall_end_day=p.spike_fall_end_day,
        spike_fall=f"{p.spike_fall_fraction:.0%}", lookback=p.spike_tx_lookback_days, post=post,
    )
    return join_sentences(text.format(**values) for text in (
        _("Response was judged with the study's own definitions. Day 0 was the first luspatercept dose."),
        _("The baseline window was days −{w} to 0; baseline Hb was the last Hb in it, as measured."),
        _("Patients with ≥ {td_min_units} RBC unit(s) in the baseline window were transfusion-dependent (TD), "
          "the others non-transfusion-dependent (NTD)."),
        _("Transfusion burden was RBC units per 28 days: before = baseline-window units × 28 / {w}; after = units "
          "from day 1 to the end of follow-up × 28 / days of follow-up."),
        _("The end of follow-up was the last follow-up day when recorded, else the last day of any record."),
        _("Hb measured 1–{tx_exclusion_days} days after an RBC transfusion was excluded from response values "
          "(an Hb on the transfusion day itself was kept as the pre-transfusion value)."),
        _("TD patients responded by transfusion independence: a run of ≥ {ti_days} consecutive days without RBC "
          "transfusion within day 1 to the end of follow-up; a TD patient followed < {ti_days} days without it was "
          "not evaluable."),
        _("NTD patients responded by a rise of the peak transfusion-unaffected Hb after day 0 of ≥ {ntd_rise} g/L "
          "over baseline; an NTD patient without a baseline Hb or without a usable Hb after day 0 was not evaluable."),
        _("Patients who could not be evaluated counted as non-responders (intention to treat)."),
        _("An early rise was any Hb in days 1–{early_rise_days} above baseline."),
        _("A transient spike was an Hb peak in days 1–{spike_peak_days} ≥ {spike_rise} g/L above baseline followed, "
          "by day {spike_fall_end_day}, by a fall of at least {spike_fall} of that rise; a spike with an RBC "
          "transfusion in the {lookback} days before its peak was flagged as possibly transfusion-driven."),
        _("Post-treatment Hb in cohort summaries was {post}."),
    ))
