"""Shared building blocks of the dose-protocol reviews (SPEC §3, CRITERIA.md).

A review looks at each dose in the light of the doses before it (level in force, how many
doses at that level, since when) and of the Hb and transfusions around it (pre-dose Hb, Hb
rise within 21 days, burden since the level began). :func:`dose_steps` lays that context
out as one row per dose for the whole cohort; the other functions answer window questions
for many doses at once with the sorted-key timeline of :mod:`lusp.criteria.common`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lusp.cohort import Cohort
from lusp.criteria import common

#: Columns of every findings frame, in order.
FINDING_COLUMNS = ("patient_id", "day", "rule", "kind", "message")
#: Dose comparisons tolerate float noise (1.25 read from a file as 1.2500000001).
DOSE_EPS = 1e-6


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows and the documented dtypes."""
    return pd.DataFrame(
        {
            "patient_id": pd.Series(dtype="string"),
            "day": pd.Series(dtype="Int64"),
            "rule": pd.Series(dtype="string"),
            "kind": pd.Series(dtype="string"),
            "message": pd.Series(dtype="string"),
        }
    )


def findings_frame(parts: list[pd.DataFrame], patient_ids: pd.Series, rule_order: tuple[str, ...]) -> pd.DataFrame:
    """Concatenate per-rule findings into the tidy findings frame.

    Each part has ``code`` (patient position in ``patient_ids``), ``day``, ``rule``, ``kind``
    and ``message``. Rows are sorted by patient (cohort order), day, then ``rule_order``.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    frame = pd.concat(parts, ignore_index=True)
    code = frame["code"].to_numpy(dtype=np.int64)
    rank_rule = pd.Index(rule_order).get_indexer(frame["rule"])
    order = np.lexsort((rank_rule, frame["day"].to_numpy(dtype=np.int64), code))
    # ``take`` on the column's own array: an Arrow string column is reordered in Arrow, never
    # round-tripped through 10⁵ Python str objects.
    ids = patient_ids.astype("string").array
    return pd.DataFrame(
        {
            "patient_id": pd.array(ids.take(code[order]), dtype="string"),
            "day": pd.array(frame["day"].to_numpy(dtype=np.int64)[order], dtype="Int64"),
            "rule": pd.array(frame["rule"].array.take(order), dtype="string"),
            "kind": pd.array(frame["kind"].array.take(order), dtype="string"),
            "message": pd.array(frame["message"].array.take(order), dtype="string"),
        }
    )


def dose_steps(cohort: Cohort) -> pd.DataFrame:
    """One row per dose with the context a protocol rule needs.

    Returns
    -------
    DataFrame
        Sorted by patient (cohort order) and day, with columns

        - ``code`` (patient position in ``cohort.patients``), ``day``, ``dose_mg_kg``;
        - ``index``: 0 for the patient's first dose, 1 for the second, …;
        - ``prev_dose_mg_kg``, ``prev_day``: the previous dose (NaN / −1 for the first);
        - ``next_dose_mg_kg``: the following dose (NaN for the last);
        - ``run_length``: doses at this dose's level so far, this one included;
        - ``level_doses_before``: doses at the level in force (the previous dose's level)
          given before this dose, consecutively (0 for the first dose);
        - ``level_start_day``: first day of the level in force (−1 for the first dose).
    """
    doses = cohort.doses
    codes = common.patient_codes(doses["patient_id"], cohort.patients)
    day = doses["day"].to_numpy(dtype=np.int64)
    dose = doses["dose_mg_kg"].to_numpy(dtype=np.float64)
    keep = codes >= 0
    codes, day, dose = codes[keep], day[keep], dose[keep]
    # A loaded cohort is already sorted by patient and day: an O(n) check saves the lexsort.
    same_code = codes[1:] == codes[:-1]
    same_day = same_code & (day[1:] == day[:-1])
    in_order = bool(((codes[1:] > codes[:-1]) | (same_code & (day[1:] > day[:-1]))
                     | (same_day & (dose[1:] >= dose[:-1]))).all())
    if not in_order:
        order = np.lexsort((dose, day, codes))
        codes, day, dose = codes[order], day[order], dose[order]
    n = len(codes)
    first = np.r_[True, codes[1:] != codes[:-1]] if n else np.zeros(0, bool)
    last = np.r_[codes[1:] != codes[:-1], True] if n else np.zeros(0, bool)
    prev_dose = np.where(first, np.nan, np.r_[np.nan, dose[:-1]]) if n else np.zeros(0)
    prev_day = np.where(first, -1, np.r_[-1, day[:-1]]) if n else np.zeros(0, np.int64)
    next_dose = np.where(last, np.nan, np.r_[dose[1:], np.nan]) if n else np.zeros(0)
    new_level = first | ~(np.abs(dose - prev_dose) <= DOSE_EPS)
    # Position of the start of each dose's level run, carried forward.
    run_start = np.maximum.accumulate(np.where(new_level, np.arange(n), 0)) if n else np.zeros(0, np.int64)
    run_length = np.arange(n) - run_start + 1
    patient_start = np.maximum.accumulate(np.where(first, np.arange(n), 0)) if n else np.zeros(0, np.int64)
    index = np.arange(n) - patient_start
    level_doses_before = np.where(first, 0, np.r_[0, run_length[:-1]]) if n else np.zeros(0, np.int64)
    run_start_day = day[run_start] if n else np.zeros(0, np.int64)
    level_start_day = np.where(first, -1, np.r_[-1, run_start_day[:-1]]) if n else np.zeros(0, np.int64)
    return pd.DataFrame(
        {
            "code": codes,
            "day": day,
            "dose_mg_kg": dose,
            "index": index,
            "prev_dose_mg_kg": prev_dose,
            "prev_day": prev_day,
            "next_dose_mg_kg": next_dose,
            "run_length": run_length,
            "level_doses_before": level_doses_before,
            "level_start_day": level_start_day,
        }
    )


def pre_dose_hb(timeline: common.Timeline, code: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last Hb on or before ``day`` (all values; lowest of that day) and its day.

    Returns ``(hb_g_l, hb_day)`` with NaN / −1 when the patient has no Hb by then.
    """
    pos = np.searchsorted(timeline.hb_key, common.day_key(code, day), side="right") - 1
    safe = np.maximum(pos, 0)
    found = (pos >= 0) & (timeline.hb_code[safe] == code) if len(timeline.hb_key) else np.zeros(len(code), bool)
    if not len(timeline.hb_key):
        return np.full(len(code), np.nan), np.full(len(code), -1, np.int64)
    return np.where(found, timeline.hb_g_l[safe], np.nan), np.where(found, timeline.hb_day[safe], -1)


def max_unaffected_hb_between(timeline: common.Timeline, code: np.ndarray, lo_day: np.ndarray, hi_day: np.ndarray) -> np.ndarray:
    """Highest transfusion-unaffected Hb of each patient in ``lo_day … hi_day`` (NaN if none).

    Each window is a contiguous slice ``lo:hi`` of the timeline's Hb rows, and
    ``np.maximum.reduceat`` over the interleaved bounds ``[lo₀, hi₀, lo₁, hi₁, …]`` takes the
    maximum of every slice in one pass in C. (Dose-level windows overlap and can hold dozens
    of Hb rows each; expanding them into (window, row) pairs cost ~0.8 s at 10⁵ patients.)
    The odd results (from ``hiᵢ`` to ``loᵢ₊₁``) are discarded; where a bound pair is
    decreasing, ``reduceat`` returns one element, also discarded.
    """
    lo = np.searchsorted(timeline.hb_key, common.day_key(code, lo_day), side="left")
    hi = np.searchsorted(timeline.hb_key, common.day_key(code, hi_day), side="right")
    out = np.full(len(code), np.nan)
    nonempty = hi > lo
    if not nonempty.any():
        return out
    # Affected values never win; a trailing −inf keeps every bound (≤ len) a valid index.
    # Filled in place: one array of the Hb rows' size, not a masked copy and then its append.
    values = np.empty(len(timeline.hb_g_l) + 1)
    values[:-1] = timeline.hb_g_l
    values[:-1][timeline.hb_affected] = -np.inf
    values[-1] = -np.inf
    bounds = np.empty(2 * len(code), dtype=np.int64)
    bounds[0::2], bounds[1::2] = lo, hi
    best = np.where(nonempty, np.maximum.reduceat(values, bounds)[0::2], -np.inf)
    out[np.isfinite(best)] = best[np.isfinite(best)]
    return out


#: Windows up to this many Hb rows are searched row by row (see :func:`first_hb_above`).
_STEPWISE_MAX_ROWS = 64


def first_hb_above(timeline: common.Timeline, code: np.ndarray, lo_day: np.ndarray, hi_day: np.ndarray,
                   threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First Hb (all values) strictly above ``threshold`` in ``lo_day … hi_day`` per window.

    Returns ``(hb_g_l, day)`` of the earliest such Hb (highest of its day); NaN / −1 if none.
    """
    lo = np.searchsorted(timeline.hb_key, common.day_key(code, lo_day), side="left")
    hi = np.searchsorted(timeline.hb_key, common.day_key(code, hi_day), side="right")
    counts = np.maximum(hi - lo, 0)
    value = np.full(len(code), np.nan)
    day = np.full(len(code), -1, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return value, day
    if counts.max() <= _STEPWISE_MAX_ROWS:
        # Row k of every window still without a hit, k = 0, 1, …: as many passes as the
        # longest window has rows (a few dozen at most), each over the windows still open —
        # instead of expanding every window into (window, row) pairs (millions of them).
        limit = np.broadcast_to(common.round_g_l(threshold), counts.shape)
        open_ = np.flatnonzero(counts > 0)
        k = 0
        while len(open_):
            rows = lo[open_] + k
            hit = common.round_g_l(timeline.hb_g_l[rows]) > limit[open_]
            done = open_[hit]
            value[done] = timeline.hb_g_l[rows[hit]]
            day[done] = timeline.hb_day[rows[hit]]
            k += 1
            open_ = open_[~hit & (counts[open_] > k)]
        return value, day
    owner = np.repeat(np.arange(len(code)), counts)
    rows = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    hit = common.round_g_l(timeline.hb_g_l[rows]) > common.round_g_l(threshold[owner])
    owner, rows = owner[hit], rows[hit]
    # Rows are in (day, descending Hb) order within a window: the first hit per window wins.
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else np.zeros(0, np.int64)
    value[owner[first]] = timeline.hb_g_l[rows[first]]
    day[owner[first]] = timeline.hb_day[rows[first]]
    return value, day


def fmt_dose(value: float) -> str:
    """1.0 → '1.0', 1.25 → '1.25', 1.333 → '1.33' (mg/kg as prescribed)."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def fmt_value(value: float) -> str:
    """An Hb, unit count or percentage to 0.1, without a trailing '.0'."""
    return f"{value:.1f}".removesuffix(".0")
