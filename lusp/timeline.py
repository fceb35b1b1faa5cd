"""The shared patient timeline: every Hb and RBC-transfusion record as sorted arrays.

Below both the criteria sets (:mod:`lusp.criteria`) and the dose-protocol review
(:mod:`lusp.protocol`): both ask of the same timeline which Hb values a transfusion
raised, how many units fell in a window and where follow-up ends. Moved here from
``lusp/criteria/common.py`` (issue 12), which re-exports every name, so older imports keep
working.

The design: every row of the ``hb`` and RBC-``transfusions`` tables gets an integer
patient code (the patient's position in ``patients``) and is sorted by one ``int64`` key
``code · 2³² + day``. A window ``[lo, hi]`` of one patient is then a contiguous slice
found with :func:`numpy.searchsorted`, so sums are differences of a cumulative sum and
"last transfusion before this Hb" is one binary search — no Python loop per patient or
per day.

Conventions: windows are inclusive study days (day 0 = first dose); only RBC transfusions
count; several episodes on one day are one transfusion day with their units summed; an Hb
on a transfusion day is the pre-transfusion value, and a transfusion on day ``t`` affects Hb
on days ``t + 1 … t + exclusion_days``.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lusp.codes import _CODES, _arrow_ids, remember_codes  # noqa: F401 — the loader fills this cache
from lusp.cohort import Cohort
from lusp.io.vocab import is_rbc  # noqa: F401 — the red-cell vocabulary is data of lusp.io

#: Days after an RBC transfusion whose Hb is "transfusion-affected" (SPEC §3).
DEFAULT_TX_EXCLUSION_DAYS = 14
#: Burden is expressed in RBC units per this many days ("per month" in the study).
BURDEN_PERIOD_DAYS = 28

_DAY_OFFSET = np.int64(2**31)
_CODE_SHIFT = np.int64(2**32)
_DAY_MIN, _DAY_MAX = -(2**31) + 1, 2**31 - 2


def day_key(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The sort key ``code · 2³² + (day + 2³¹)`` (days clipped to the int32 range)."""
    day = np.asarray(day, dtype=np.int64)
    if day.size and (day.min() < _DAY_MIN or day.max() > _DAY_MAX):
        day = np.clip(day, _DAY_MIN, _DAY_MAX)  # only when a day is out of range: no copy otherwise
    key = np.asarray(code, dtype=np.int64) * _CODE_SHIFT
    if isinstance(key, np.ndarray) and key.shape == np.broadcast_shapes(key.shape, day.shape):
        key += day  # one new array for the key, the sums in place
        key += _DAY_OFFSET
        return key
    return key + day + _DAY_OFFSET


def patient_codes(patient_ids: pd.Series, patients: pd.DataFrame) -> np.ndarray:
    """Position of each ``patient_id`` in ``patients`` (−1 when absent).

    Arrow's hash lookup: pandas' string ``get_indexer`` converts 10⁶ rows to Python objects.
    One analysis asks for the codes of the same column several times (timeline, end of
    follow-up, dose steps, the results table) and the loader already knows them, so the
    answer is remembered per pair of (immutable) Arrow id arrays: see :func:`remember_codes`.
    """
    key = _arrow_ids(patient_ids), _arrow_ids(patients["patient_id"])
    if key[0] is not None and key[1] is not None:
        for ids_ref, set_ref, codes in _CODES:
            if ids_ref() is key[0] and set_ref() is key[1]:
                return codes
    values = pa.array(patient_ids.astype("string").array)
    value_set = pa.array(patients["patient_id"].astype("string").array)
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    found = pc.index_in(values, value_set=value_set, skip_nulls=True)
    codes = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    remember_codes(patient_ids, patients, codes)
    return codes


def end_of_followup(cohort: Cohort) -> np.ndarray:
    """End of follow-up per patient (study day), in the order of ``cohort.patients``.

    ``last_followup_day`` when given, else the last day of any record of the patient
    (Hb, transfusion of any product, dose, event, lab). A patient with no record at all
    gets day 0 (the first dose, which every valid cohort has).
    """
    patients = cohort.patients
    n = len(patients)
    last_record = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    for name in ("hb", "transfusions", "doses", "events", "labs"):
        frame = cohort.table(name)
        if frame.empty:
            continue
        codes = patient_codes(frame["patient_id"], patients)
        days = frame["day"].to_numpy(dtype=np.int64)
        keep = codes >= 0
        if keep.all():  # a loaded cohort: every row's patient is known, no filtered copies
            np.maximum.at(last_record, codes, days)
        else:
            np.maximum.at(last_record, codes[keep], days[keep])
    last_record[last_record == np.iinfo(np.int64).min] = 0
    if "last_followup_day" in patients.columns:
        given = pd.to_numeric(patients["last_followup_day"], errors="coerce").astype("Float64")
        has = given.notna().to_numpy()
        end = last_record.copy()
        end[has] = given[has].to_numpy(dtype=np.float64).astype(np.int64)
        return end
    return last_record


@dataclass(frozen=True)
class Timeline:
    """The cohort's Hb and RBC-transfusion records as sorted arrays, one key per row.

    Attributes
    ----------
    n_patients : int
        Number of patients; codes are ``0 … n_patients − 1`` in ``cohort.patients`` order.
    end_day : ndarray of int64
        End of follow-up per patient (:func:`end_of_followup`).
    hb_code, hb_day, hb_g_l, hb_affected, hb_key : ndarray
        Hb rows sorted by patient, day and *descending* value (so the last row of a day is
        its lowest value); ``hb_affected`` marks transfusion-affected values.
    hb_row : ndarray of int64
        Position of each sorted Hb row in ``cohort.hb`` (to map flags back).
    tx_code, tx_day, tx_units, tx_key : ndarray
        One row per patient and RBC-transfusion day, units summed, sorted by key.
    tx_cum_units : ndarray of float64
        ``[0, cumsum(tx_units)]`` (length ``len(tx_units) + 1``) for window sums.
    """

    n_patients: int
    end_day: np.ndarray
    hb_code: np.ndarray
    hb_day: np.ndarray
    hb_g_l: np.ndarray
    hb_affected: np.ndarray
    hb_key: np.ndarray
    hb_row: np.ndarray
    tx_code: np.ndarray
    tx_day: np.ndarray
    tx_units: np.ndarray
    tx_key: np.ndarray
    tx_cum_units: np.ndarray

    @property
    def followup_days(self) -> np.ndarray:
        """Days of follow-up after day 0 (never negative)."""
        return np.maximum(self.end_day, 0)

    def units_between(self, code: np.ndarray, lo_day: np.ndarray, hi_day: np.ndarray) -> np.ndarray:
        """RBC units of patient ``code`` in days ``lo_day … hi_day`` inclusive (0 if empty)."""
        lo = np.searchsorted(self.tx_key, day_key(code, lo_day), side="left")
        hi = np.searchsorted(self.tx_key, day_key(code, hi_day), side="right")
        return np.where(hi > lo, self.tx_cum_units[hi] - self.tx_cum_units[lo], 0.0)

    def first_tx_on_or_after(self, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Day of the patient's first RBC transfusion on or after ``day`` (int64 max if none)."""
        never = np.full(len(code), np.iinfo(np.int64).max, dtype=np.int64)
        if len(self.tx_key) == 0:
            return never
        pos = np.searchsorted(self.tx_key, day_key(code, day), side="left")
        safe = np.minimum(pos, len(self.tx_key) - 1)
        found = (pos < len(self.tx_key)) & (self.tx_code[safe] == code)
        return np.where(found, self.tx_day[safe], never)

    def hb_window(self, lo_day, hi_day, *, unaffected_only: bool = False) -> pd.DataFrame:
        """Hb rows with ``lo_day ≤ day ≤ hi_day`` (scalars or per-patient arrays).

        Returns a frame with ``code, day, hb_g_l`` in timeline order (patient, day,
        descending value). ``hi_day`` may be ``"end"`` for each patient's end of follow-up.
        """
        lo = _per_row(lo_day, self.hb_code)
        hi = self.end_day[self.hb_code] if isinstance(hi_day, str) else _per_row(hi_day, self.hb_code)
        keep = self.hb_day >= lo
        keep &= self.hb_day <= hi
        if unaffected_only:
            keep &= ~self.hb_affected
        rows = np.flatnonzero(keep)
        # copy=False: the columns are fresh arrays; pandas would otherwise copy them into one
        # 2-D block (0.1 s per call on 6·10⁶ Hb rows, and every criteria set makes several).
        return pd.DataFrame({"code": self.hb_code[rows], "day": self.hb_day[rows], "hb_g_l": self.hb_g_l[rows]},
                            copy=False)


def _per_row(bound, codes: np.ndarray):
    """A scalar bound as it is (NumPy broadcasts it), or a per-patient array of bounds looked
    up for each row's patient."""
    if np.ndim(bound) == 0:
        return np.int64(bound)
    return np.asarray(bound, dtype=np.int64)[codes]


#: Recently built timelines: a criteria set, the protocol review and the Hb flags of one
#: analysis all need the same one. Entries die with their cohort (weak references).
_TIMELINES: list[tuple[weakref.ref, int, Timeline]] = []
_TIMELINE_CACHE_SIZE = 4


def build_timeline(cohort: Cohort, exclusion_days: int = DEFAULT_TX_EXCLUSION_DAYS) -> Timeline:
    """Sorted Hb and RBC-transfusion arrays for ``cohort`` (see :class:`Timeline`).

    The result is cached per cohort object and exclusion window (cohorts are read-only).
    """
    for ref, days, timeline in _TIMELINES:
        if ref() is cohort and days == exclusion_days:
            return timeline
    timeline = _build_timeline(cohort, exclusion_days)
    _TIMELINES[:] = [e for e in _TIMELINES if e[0]() is not None][-(_TIMELINE_CACHE_SIZE - 1):]
    _TIMELINES.append((weakref.ref(cohort), exclusion_days, timeline))
    return timeline


def _build_timeline(cohort: Cohort, exclusion_days: int) -> Timeline:
    patients = cohort.patients
    tx = cohort.transfusions
    tx_code = patient_codes(tx["patient_id"], patients) if len(tx) else np.zeros(0, np.int64)
    keep = (tx_code >= 0) & (is_rbc(tx["product"]) if "product" in tx.columns and len(tx) else True)
    per_day = (
        pd.DataFrame(
            {
                "code": tx_code[keep],
                "day": tx["day"].to_numpy(dtype=np.int64)[keep] if len(tx) else np.zeros(0, np.int64),
                "units": tx["units"].to_numpy(dtype=np.float64)[keep] if len(tx) else np.zeros(0),
            }
        )
        .groupby(["code", "day"], sort=True, as_index=False)["units"]
        .sum()
    )
    tx_code = per_day["code"].to_numpy(dtype=np.int64)
    tx_day = per_day["day"].to_numpy(dtype=np.int64)
    tx_units = per_day["units"].to_numpy(dtype=np.float64)
    tx_key = day_key(tx_code, tx_day)

    hb = cohort.hb
    hb_code = patient_codes(hb["patient_id"], patients) if len(hb) else np.zeros(0, np.int64)
    hb_day = hb["day"].to_numpy(dtype=np.int64)
    hb_g_l = hb["hb_g_l"].to_numpy(dtype=np.float64)
    usable = (hb_code >= 0) & np.isfinite(hb_g_l)
    rows = None  # every row usable: positions are the identity, never materialised twice
    if not usable.all():
        rows = np.flatnonzero(usable)
        hb_code, hb_day, hb_g_l = hb_code[rows], hb_day[rows], hb_g_l[rows]
    hb_key = day_key(hb_code, hb_day)
    sub = _sort_by_key_then_descending(hb_key, hb_g_l)
    # A loaded cohort is usually in timeline order already (sub is None); then the four
    # 6·10⁶-row gathers are skipped (the arrays are read-only views, never written to).
    if sub is not None:
        hb_code, hb_day, hb_g_l, hb_key = hb_code[sub], hb_day[sub], hb_g_l[sub], hb_key[sub]
    if rows is None:
        order = np.arange(len(hb_key), dtype=np.int64) if sub is None else sub
    else:
        order = rows if sub is None else rows[sub]

    affected = transfusion_affected(hb_key, hb_code, hb_day, tx_key, tx_code, tx_day, exclusion_days)
    return Timeline(
        n_patients=len(patients),
        end_day=end_of_followup(cohort),
        hb_code=hb_code,
        hb_day=hb_day,
        hb_g_l=hb_g_l,
        hb_affected=affected,
        hb_key=hb_key,
        hb_row=np.asarray(order, dtype=np.int64),
        tx_code=tx_code,
        tx_day=tx_day,
        tx_units=tx_units,
        tx_key=tx_key,
        tx_cum_units=np.concatenate([[0.0], np.cumsum(tx_units)]),
    )


def _sort_by_key_then_descending(key: np.ndarray, value: np.ndarray) -> np.ndarray | None:
    """Order by ``key``, ties by descending ``value``; ``None`` when that is the order given.

    Loaded tables are already sorted by patient and day: one O(n) comparison finds that and
    no sort or position array is made; otherwise a stable sort of the key (nearly linear on
    nearly sorted keys). Only the (rare) rows sharing a patient-day are sorted again by value.
    """
    in_order = len(key) < 2 or bool((key[1:] >= key[:-1]).all())
    order = None if in_order else np.argsort(key, kind="stable")
    sorted_key = key if order is None else key[order]
    tie = sorted_key[1:] == sorted_key[:-1]
    if tie.any():
        tie = np.r_[False, tie]
        in_group = tie | np.r_[tie[1:], False]
        positions = np.flatnonzero(in_group)
        if order is None:
            members = positions
            regrouped = members[np.lexsort((-value[members], key[members]))]
            if np.array_equal(regrouped, members):
                return None  # ties already by descending value
            order = np.arange(len(key))
        else:
            members = order[positions]
            regrouped = members[np.lexsort((-value[members], key[members]))]
        order[positions] = regrouped
    return order


def transfusion_affected(hb_key, hb_code, hb_day, tx_key, tx_code, tx_day, exclusion_days: int) -> np.ndarray:
    """True for an Hb measured 1 … ``exclusion_days`` days after an RBC transfusion.

    The last transfusion strictly before the Hb's day decides: a transfusion on the Hb's
    own day does not count (that Hb is the pre-transfusion value), and any earlier one is
    further away than the last.
    """
    if len(tx_key) == 0 or len(hb_key) == 0:
        return np.zeros(len(hb_key), dtype=bool)
    # In place where possible: each step over 6·10⁶ Hb rows would otherwise be a new array.
    prev = np.searchsorted(tx_key, hb_key, side="left")
    prev -= 1
    found = prev >= 0
    np.maximum(prev, 0, out=prev)
    found &= tx_code[prev] == hb_code
    gap = tx_day[prev]
    np.subtract(hb_day, gap, out=gap)
    found &= gap <= exclusion_days
    return found


def transfusion_affected_mask(cohort: Cohort, exclusion_days: int = DEFAULT_TX_EXCLUSION_DAYS) -> np.ndarray:
    """:func:`transfusion_affected` aligned with the rows of ``cohort.hb`` (for charts)."""
    timeline = build_timeline(cohort, exclusion_days)
    out = np.zeros(len(cohort.hb), dtype=bool)
    out[timeline.hb_row] = timeline.hb_affected
    return out


#: A baseline window counts as fully recorded when the patient's first pre-treatment record
#: lies within this many days of the window's start. The data cannot show what happened
#: before the first record; a gap shorter than one monthly visit interval is what a complete
#: record of a transfusion-dependent MDS patient looks like (visits and transfusions every
#: 2–4 weeks), a longer one is unrecorded time (issue 12: IWG 2018's 16-week window over
#: 7–8 weeks of records). See docs/CRITERIA_DECISIONS.md.
RECORD_GAP_DAYS = 28


def first_record_day(cohort: Cohort) -> np.ndarray:
    """Day of each patient's first record on or before day 0 (Hb, transfusion of any
    product, dose, event, lab), in ``cohort.patients`` order; 0 when nothing is recorded
    before the first dose (day 0 itself is always recorded: the first dose)."""
    patients = cohort.patients
    first = np.zeros(len(patients), dtype=np.int64)
    for name in ("hb", "transfusions", "doses", "events", "labs"):
        frame = cohort.table(name)
        if frame.empty:
            continue
        codes = patient_codes(frame["patient_id"], patients)
        days = frame["day"].to_numpy(dtype=np.int64)
        keep = (codes >= 0) & (days <= 0)
        np.minimum.at(first, codes[keep], days[keep])
    return first


def window_coverage(first_day: np.ndarray, window_days: int, gap_days: int = RECORD_GAP_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """``(recorded_days, complete)`` of the baseline window days −``window_days`` … 0.

    ``recorded_days`` = days before day 0 that the record spans, capped at the window
    (a first record on day −52 gives 52 of a 112-day window); ``complete`` when the first
    record lies within ``gap_days`` of the window's start (then the whole window counts as
    recorded, ``recorded_days`` = ``window_days``).
    """
    span = np.minimum(-np.asarray(first_day, dtype=np.int64), window_days)
    complete = span >= window_days - gap_days
    return np.where(complete, window_days, span), complete
