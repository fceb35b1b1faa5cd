"""Shared building blocks of every criteria set: one timeline, vectorised windows.

All sets (``study``, ``iwg2006``, ``iwg2018``) ask the same questions of a patient's
record — what was the last Hb in a window, how many RBC units fell in it, which Hb values
were raised by a recent transfusion, how long was the longest transfusion-free run — with
different windows and thresholds. This module answers them for the whole cohort at once.

The design: every row of the ``hb`` and RBC-``transfusions`` tables gets an integer
patient code (the patient's position in ``patients``) and is sorted by one ``int64`` key
``code · 2³² + day``. A window ``[lo, hi]`` of one patient is then a contiguous slice
found with :func:`numpy.searchsorted`, so sums are differences of a cumulative sum and
"last transfusion before this Hb" is one binary search — no Python loop per patient or
per day. Registries of 10⁵ patients (≈ 6·10⁶ Hb rows) take well under a second.

Conventions used throughout (SPEC §3):

- Windows are inclusive study days; day 0 is the first dose.
- Only RBC transfusions count (``product`` empty or ``"RBC"``, as normalised by the
  loader); several episodes on one day are one transfusion day with their units summed.
- An Hb measured on a transfusion day is the pre-transfusion value: it is kept, and a
  transfusion on day ``t`` affects Hb on days ``t + 1 … t + exclusion_days``.
- Records after the end of follow-up are outside every post-treatment window.
- Several Hb values on one day: "the last Hb" of a window takes the *lowest* value of its
  last day (the pre-transfusion draw, and the conservative choice), so results never depend
  on the order of rows in the file; peaks take the highest value and its earliest day.
"""
from __future__ import annotations

from dataclasses import dataclass



import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


# The timeline model lives in lusp.timeline (below criteria and protocol); re-exported here
# so ``common.build_timeline``, ``common.is_rbc`` etc. keep working.
from lusp.timeline import (  # noqa: F401
    _CODES,
    _TIMELINES,
    BURDEN_PERIOD_DAYS,
    DEFAULT_TX_EXCLUSION_DAYS,
    RECORD_GAP_DAYS,
    Timeline,
    build_timeline,
    day_key,
    end_of_followup,
    first_record_day,
    is_rbc,
    patient_codes,
    remember_codes,
    transfusion_affected,
    transfusion_affected_mask,
    window_coverage,
)


# ----------------------------------------------------------------------------------------
# Per-patient reductions over a window: each returns arrays of length n_patients.
# ----------------------------------------------------------------------------------------


def last_value(window: pd.DataFrame, n_patients: int) -> tuple[np.ndarray, np.ndarray]:
    """Last Hb per patient in ``window`` (lowest value of the last day) and its day.

    Returns ``(hb_g_l, day)``; NaN / −1 for a patient with no row. Relies on the timeline
    order (patient, day, descending value): the last row of a patient is the answer.
    """
    value = np.full(n_patients, np.nan)
    day = np.full(n_patients, -1, dtype=np.int64)
    if len(window):
        codes = window["code"].to_numpy()
        last = np.flatnonzero(np.r_[codes[1:] != codes[:-1], True])
        value[codes[last]] = window["hb_g_l"].to_numpy()[last]
        day[codes[last]] = window["day"].to_numpy()[last]
    return value, day


def max_value(window: pd.DataFrame, n_patients: int) -> tuple[np.ndarray, np.ndarray]:
    """Highest Hb per patient in ``window`` and the earliest day it was reached.

    Returns ``(hb_g_l, day)``; NaN / −1 for a patient with no row.
    """
    value = np.full(n_patients, np.nan)
    if len(window):
        codes = window["code"].to_numpy()
        hb = window["hb_g_l"].to_numpy()
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        value[codes[starts]] = np.maximum.reduceat(hb, starts)
        # Rows are in (patient, day) order: the first row equal to the maximum is the earliest.
        return value, first_day_where(window, hb == value[codes], n_patients)
    return value, np.full(n_patients, -1, dtype=np.int64)


def mean_value(window: pd.DataFrame, n_patients: int) -> np.ndarray:
    """Mean Hb per patient in ``window`` (NaN for a patient with no row)."""
    codes = window["code"].to_numpy()
    total = np.bincount(codes, weights=window["hb_g_l"].to_numpy(), minlength=n_patients)
    count = np.bincount(codes, minlength=n_patients)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def first_day_where(window: pd.DataFrame, mask: np.ndarray, n_patients: int) -> np.ndarray:
    """First day per patient on which ``mask`` holds in ``window`` (−1 when never)."""
    day = np.full(n_patients, -1, dtype=np.int64)
    codes = window["code"].to_numpy()[mask]
    days = window["day"].to_numpy()[mask]
    if len(codes):
        # Rows are in (patient, day) order, so the first row of each patient is earliest.
        first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        day[codes[first]] = days[first]
    return day


def longest_transfusion_free_run(timeline: Timeline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longest run of consecutive days in ``1 … end`` with no RBC transfusion, per patient.

    A transfusion on day ``t`` breaks the run on day ``t``: runs lie strictly between
    consecutive transfusion days, with day 0 and day ``end + 1`` as the outer fences. On a
    tie the earliest run is reported.

    Returns
    -------
    length_days, start_day, end_day : ndarray of int64
        Run length (0 when there is no transfusion-free day, e.g. no follow-up), and its
        first and last day (−1 when the length is 0).
    """
    n = timeline.n_patients
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    end = timeline.followup_days  # never negative: a run cannot start before day 1
    inside = (timeline.tx_day >= 1) & (timeline.tx_day <= end[timeline.tx_code])
    codes = np.concatenate([np.arange(n), timeline.tx_code[inside], np.arange(n)])
    fences = np.concatenate([np.zeros(n, np.int64), timeline.tx_day[inside], end + 1])
    # A stable sort by patient keeps 0, the (sorted) transfusion days, then end + 1.
    order = np.argsort(codes, kind="stable")
    codes, fences = codes[order], fences[order]
    same = codes[1:] == codes[:-1]
    run_code = codes[:-1][same]
    run_start = fences[:-1][same] + 1
    run_stop = fences[1:][same] - 1
    run_length = np.maximum(run_stop - run_start + 1, 0)
    # Every patient has ≥ 1 run, in day order; the first run of maximal length wins.
    starts = np.flatnonzero(np.r_[True, run_code[1:] != run_code[:-1]])
    length = np.zeros(n, dtype=np.int64)
    length[run_code[starts]] = np.maximum.reduceat(run_length, starts)
    best = run_length == length[run_code]
    # First best run per patient: a best run whose patient has no earlier best run.
    best_idx = np.flatnonzero(best)
    keep = np.r_[True, run_code[best_idx][1:] != run_code[best_idx][:-1]] if len(best_idx) else np.zeros(0, bool)
    chosen = best_idx[keep]
    start = np.full(n, -1, dtype=np.int64)
    stop = np.full(n, -1, dtype=np.int64)
    has = run_length[chosen] > 0
    start[run_code[chosen][has]] = run_start[chosen][has]
    stop[run_code[chosen][has]] = run_stop[chosen][has]
    return length, start, stop


def burden_u28(units: np.ndarray, days: np.ndarray) -> np.ndarray:
    """RBC units per 28 days; NaN when the window has no days."""
    days = np.asarray(days, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(days > 0, np.asarray(units, dtype=np.float64) * BURDEN_PERIOD_DAYS / days, np.nan)


# ----------------------------------------------------------------------------------------
# Output helpers: numpy arrays with sentinels → pandas nullable columns.
# ----------------------------------------------------------------------------------------


def nullable_float(values: np.ndarray) -> pd.array:
    """``Float64`` with NA where ``values`` is NaN."""
    values = np.asarray(values, dtype=np.float64)
    return pd.arrays.FloatingArray(values, np.isnan(values))


def nullable_int(values: np.ndarray, missing: np.ndarray) -> pd.array:
    """``Int64`` with NA where ``missing``."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(missing, dtype=bool))


def nullable_bool(values: np.ndarray, missing: np.ndarray) -> pd.array:
    """``boolean`` with NA where ``missing``."""
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(missing, dtype=bool))


def fmt_number(value) -> str:
    """80.0 → '80', 80.25 → '80.3', NaN/NA → '—' (Hb and units are shown to 0.1)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{float(value):.1f}".removesuffix(".0")


# Sentences for 10⁵ patients (and 10⁵ protocol findings) are built with Arrow's string
# kernels, which work on whole columns in C++: a Python ``"".join`` per row cost ~3 s at
# 10⁵ patients, these cost tens of milliseconds. Text columns are ``pyarrow`` string arrays;
# constant pieces are plain ``str`` (Arrow broadcasts them).


def as_text(values, fmt=fmt_number) -> pa.Array:
    """``fmt`` applied to every value, as an Arrow string array for :func:`concat`.

    Each distinct value is formatted once in Python (Hb has a few thousand distinct values in
    a registry of millions of rows) and the strings are gathered with one ``take``.
    """
    values = np.asarray(values)
    if len(values) == 0:
        return pa.array([], type=pa.string())
    unique, inverse = np.unique(values, return_inverse=True)
    return pa.array([fmt(u) for u in unique.tolist()], type=pa.string()).take(inverse.ravel())


def _text_column(piece):
    """A ``str`` stays a scalar; arrays (Arrow or NumPy object/str) become Arrow strings."""
    if isinstance(piece, (str, pa.Array, pa.ChunkedArray)):
        return piece
    return pa.array(np.asarray(piece, dtype=object), type=pa.string())


def concat(*pieces) -> pa.Array:
    """Row-wise concatenation of text columns and constant strings (Arrow string array).

    ``pieces`` are Arrow string arrays (e.g. from :func:`as_text`), NumPy arrays of ``str``
    or plain ``str`` constants repeated on every row; all arrays have the same length.
    """
    columns = [_text_column(p) for p in pieces]
    if not any(isinstance(c, (pa.Array, pa.ChunkedArray)) for c in columns):
        return pa.array(["".join(columns)], type=pa.string())
    return pc.binary_join_element_wise(*columns, "")


def fill(template: str, **pieces) -> pa.Array:
    """A whole translated sentence with its ``{name}`` placeholders filled row-wise.

    ``template`` is one catalogue message (``_("Hb {hb} g/L on day {day}")``), said in the
    language in force, so each language keeps its own word order; ``pieces`` are text columns
    (:func:`as_text`) or ``str`` constants. The template is split once in Python and the
    pieces are joined with :func:`concat` (Arrow), as fast as the English assembly was.
    """
    from string import Formatter

    parts: list = []
    for literal, name, _spec, _conversion in Formatter().parse(template):
        if literal:
            parts.append(literal.replace("{{", "{").replace("}}", "}"))
        if name is not None:
            parts.append(pieces[name])
    return concat(*parts) if parts else concat("")


def text_where(condition, if_true, if_false) -> pa.Array:
    """``if_true`` where ``condition`` (a NumPy bool array), else ``if_false`` (text columns or ``str``)."""
    return pc.if_else(pa.array(np.asarray(condition, dtype=bool)), _text_column(if_true), _text_column(if_false))


def text_select(conditions, choices, default) -> pa.Array:
    """Like :func:`numpy.select` for text: the choice of the first condition that holds."""
    out = _text_column(default)
    for condition, choice in reversed(list(zip(conditions, choices))):
        out = text_where(condition, choice, out)
    return out


def round_g_l(values: np.ndarray) -> np.ndarray:
    """Round derived Hb quantities to 10⁻⁶ g/L so 70.3 − 60.3 compares as exactly 10."""
    return np.round(np.asarray(values, dtype=np.float64), 6)


# ----------------------------------------------------------------------------------------
# Blocks the IWG sets share (CRITERIA.md, "Common to all sets"): averaged pre-treatment Hb,
# sustained Hb runs, and extreme RBC units over sliding windows. Added for issue 7.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PretreatmentHb:
    """Pre-treatment Hb per patient (arrays of length ``n_patients``).

    Attributes
    ----------
    hb_g_l : ndarray of float
        The value in force (NaN when the window has no transfusion-unaffected Hb).
    n_values : ndarray of int
        Transfusion-unaffected Hb values in the window.
    span_days : ndarray of int
        Days between the first and last of them (−1 with none).
    well_spaced : ndarray of bool
        At least 2 values ≥ ``min_apart_days`` apart, as CRITERIA.md requires; where this
        is false but a value exists, the set uses it and warns.
    """

    hb_g_l: np.ndarray
    n_values: np.ndarray
    span_days: np.ndarray
    well_spaced: np.ndarray


def pretreatment_hb(
    timeline: Timeline, lo_day: int, hi_day: int = 0, *, min_apart_days: int = 7, how: str = "mean"
) -> PretreatmentHb:
    """Pre-treatment Hb (averaged) over transfusion-unaffected values in ``lo_day … hi_day``.

    Parameters
    ----------
    timeline : Timeline
    lo_day, hi_day : int
        The baseline window, inclusive (e.g. −56 … 0).
    min_apart_days : int
        The two values the rule requires must be at least this many days apart.
    how : {"mean", "lowest-two"}
        ``mean``: the mean of all values (CRITERIA.md common rule). ``lowest-two``: the
        lowest mean of two values ≥ ``min_apart_days`` apart (one reading of IWG 2018 for
        NTD patients); a patient without such a pair falls back to ``mean``.

    Returns
    -------
    PretreatmentHb
    """
    n = timeline.n_patients
    window = timeline.hb_window(lo_day, hi_day, unaffected_only=True)
    codes = window["code"].to_numpy()
    days = window["day"].to_numpy()
    count = np.bincount(codes, minlength=n)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, codes, days)
    np.maximum.at(last, codes, days)
    span = np.where(count > 0, last - first, -1)
    value = mean_value(window, n)
    if how == "lowest-two" and len(window):
        pair = _lowest_pair_mean(window, min_apart_days, n)
        value = np.where(np.isnan(pair), value, pair)
    elif how not in ("mean", "lowest-two"):
        raise ValueError(f"how must be 'mean' or 'lowest-two', not {how!r}")
    return PretreatmentHb(
        hb_g_l=round_g_l(value),
        n_values=count.astype(np.int64),
        span_days=span.astype(np.int64),
        well_spaced=(count >= 2) & (span >= min_apart_days),
    )


def _lowest_pair_mean(window: pd.DataFrame, min_apart_days: int, n_patients: int) -> np.ndarray:
    """Lowest ``(a + b) / 2`` over pairs of one patient's values ≥ ``min_apart_days`` apart.

    For each value b, the best partner is the lowest value on a day ≤ day(b) − gap: a
    running minimum per patient, found with one binary search.
    """
    codes = window["code"].to_numpy()
    days = window["day"].to_numpy()
    hb = window["hb_g_l"].to_numpy()
    order = np.lexsort((days, codes))
    codes, days, hb = codes[order], days[order], hb[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    running_min = pd.Series(hb).groupby(codes).cummin().to_numpy()
    keys = day_key(codes, days)
    partner = np.searchsorted(keys, day_key(codes, days - min_apart_days), side="right") - 1
    valid = partner >= group_start
    out = np.full(n_patients, np.inf)
    candidates = (running_min[np.maximum(partner, 0)] + hb) / 2.0
    np.minimum.at(out, codes[valid], candidates[valid])
    out[np.isinf(out)] = np.nan
    return out


def sustained_hb_runs(
    timeline: Timeline, lo_day, hi_day, threshold_g_l: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Longest run of consecutive transfusion-unaffected Hb values ≥ a per-patient threshold.

    A run is a maximal sequence of a patient's transfusion-unaffected Hb values in
    ``lo_day … hi_day`` (scalars, per-patient arrays, or ``"end"`` for ``hi_day``), all
    ≥ ``threshold_g_l[patient]``, with no RBC transfusion on any day from its first to its
    last value (inclusive: a transfusion given after an Hb draw on the run's first or last
    day still means the patient needed blood during the run). Its span is the number of
    days from the first to the last value (``last − first``).

    Returns
    -------
    span_days, start_day, end_day, n_values : ndarray of int64
        The run with the longest span (earliest on a tie) among runs of ≥ 2 values;
        span −1, days −1 and count 0 when a patient has none. NaN thresholds never match.
    """
    n = timeline.n_patients
    window = timeline.hb_window(lo_day, hi_day, unaffected_only=True)
    span = np.full(n, -1, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    stop = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    if window.empty:
        return span, start, stop, count
    codes = window["code"].to_numpy()
    days = window["day"].to_numpy()
    threshold = np.asarray(threshold_g_l, dtype=np.float64)[codes]
    ok = round_g_l(window["hb_g_l"].to_numpy()) >= round_g_l(threshold)  # NaN threshold → False
    prev_day = np.r_[days[0], days[:-1]]
    tx_between = np.r_[False, timeline.units_between(codes[1:], prev_day[1:], days[1:]) > 0]
    new_patient = np.r_[True, codes[1:] != codes[:-1]]
    breaks = new_patient | ~ok | np.r_[True, ~ok[:-1]] | tx_between
    run_first = np.flatnonzero(breaks)
    run_last = np.r_[run_first[1:] - 1, len(codes) - 1]
    run_ok = ok[run_first]
    run_code = codes[run_first]
    run_span = days[run_last] - days[run_first]
    run_count = run_last - run_first + 1
    keep = run_ok & (run_count >= 2)
    if not keep.any():
        return span, start, stop, count
    r_code, r_span = run_code[keep], run_span[keep]
    r_start, r_stop, r_count = days[run_first][keep], days[run_last][keep], run_count[keep]
    pick = np.lexsort((r_start, -r_span, r_code))
    first = pick[np.flatnonzero(np.r_[True, r_code[pick][1:] != r_code[pick][:-1]])]
    span[r_code[first]] = r_span[first]
    start[r_code[first]] = r_start[first]
    stop[r_code[first]] = r_stop[first]
    count[r_code[first]] = r_count[first]
    return span, start, stop, count


def extreme_units_in_window(
    timeline: Timeline, lo_day, hi_day, width_days: int, how: str
) -> tuple[np.ndarray, np.ndarray]:
    """Fewest (``how="min"``) or most (``"max"``) RBC units in any ``width_days`` window.

    Windows are ``[s, s + width_days − 1]`` lying inside ``lo_day … hi_day`` (scalars or
    per-patient arrays). Units are a step function of ``s`` that changes only where a
    window edge crosses a transfusion day, so the extremes are among the windows that
    start at ``lo``, end at ``hi``, start on or just after a transfusion day, or end on or
    just before one — a handful of candidates per transfusion, each one window sum.

    Returns
    -------
    units, start_day : ndarray
        Per patient; NaN / −1 when ``lo … hi`` is shorter than ``width_days``. On a tie the
        earliest window.
    """
    if how not in ("min", "max"):
        raise ValueError("how must be 'min' or 'max'")
    n = timeline.n_patients
    if n == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    lo = np.broadcast_to(np.asarray(lo_day, dtype=np.int64), (n,))
    hi = np.broadcast_to(np.asarray(hi_day, dtype=np.int64), (n,))
    last_start = hi - width_days + 1
    fits = last_start >= lo
    tx_codes, tx_days = timeline.tx_code, timeline.tx_day
    cand_code = np.concatenate([np.arange(n), np.arange(n)] + [tx_codes] * 4)
    cand_start = np.concatenate(
        [lo, last_start, tx_days, tx_days + 1, tx_days - width_days + 1, tx_days - width_days]
    )
    cand_start = np.clip(cand_start, lo[cand_code], np.maximum(last_start[cand_code], lo[cand_code]))
    units = timeline.units_between(cand_code, cand_start, cand_start + width_days - 1)
    sign = 1.0 if how == "min" else -1.0
    order = np.lexsort((cand_start, sign * units, cand_code))
    first = order[np.flatnonzero(np.r_[True, cand_code[order][1:] != cand_code[order][:-1]])]
    best_units = np.full(n, np.nan)
    best_start = np.full(n, -1, dtype=np.int64)
    best_units[cand_code[first]] = units[first]
    best_start[cand_code[first]] = cand_start[first]
    best_units[~fits] = np.nan
    best_start[~fits] = -1
    return best_units, best_start


def transfusion_days_between(timeline: Timeline, lo_day, hi_day) -> np.ndarray:
    """Number of RBC-transfusion days (episodes) per patient in ``lo_day … hi_day``."""
    n = timeline.n_patients
    codes = np.arange(n, dtype=np.int64)
    lo = np.searchsorted(timeline.tx_key, day_key(codes, np.broadcast_to(lo_day, (n,))), side="left")
    hi = np.searchsorted(timeline.tx_key, day_key(codes, np.broadcast_to(hi_day, (n,))), side="right")
    return np.maximum(hi - lo, 0).astype(np.int64)


def same_day_hb(timeline: Timeline) -> np.ndarray:
    """For each RBC-transfusion day of the timeline, the lowest Hb measured that day (NaN if none).

    An Hb on a transfusion day is the pre-transfusion value (SPEC §3), i.e. the Hb the
    transfusion was given for.
    """
    if len(timeline.tx_key) == 0 or len(timeline.hb_key) == 0:
        return np.full(len(timeline.tx_key), np.nan)
    # Timeline Hb rows of a day are in descending value: the last row of the day is the lowest.
    pos = np.searchsorted(timeline.hb_key, timeline.tx_key, side="right") - 1
    safe = np.maximum(pos, 0)
    found = (pos >= 0) & (timeline.hb_key[safe] == timeline.tx_key)
    return np.where(found, timeline.hb_g_l[safe], np.nan)


def plain_rows(table: pd.DataFrame) -> list:
    """The rows of ``table`` as named tuples of plain Python values (None for NA).

    Reason sentences are string formatting per patient; iterating pandas' nullable arrays
    row by row costs more than the formatting itself, so the columns are converted once.
    """
    from collections import namedtuple

    Row = namedtuple("Row", [str(c) for c in table.columns], rename=True)
    columns = [table[c].to_numpy(dtype=object, na_value=None).tolist() for c in table.columns]
    return [Row._make(values) for values in zip(*columns)] if len(table) else []
