"""The canonical stage of a load: the checked frames become the six tables of a Cohort.

Columns in the contract's dtypes (``lusp.cohort.TABLE_COLUMNS``), rows sorted by patient
and day, the patient codes handed to the analysis (``lusp.codes``); also the typing of a
patients column the contract does not name (a covariate).
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

from lusp import codes as common  # patient codes handed to the analysis
from lusp.cohort import TABLE_COLUMNS, TABLES, empty_table
from lusp.io.values import COVARIATE_BOOLEAN_WORDS, parse_booleans, parse_numbers, text_of


def canonical_tables(patients: pd.DataFrame, out) -> dict[str, pd.DataFrame]:
    """The six canonical frames from the checked ``patients`` and per-table frames."""
    result: dict[str, pd.DataFrame] = {}
    spec = TABLE_COLUMNS["patients"]
    frame = patients.drop(columns=[c for c in ("_seg", "_row", "last_followup_date") if c in patients])
    canon = {}
    for col, dtype in spec.items():
        canon[col] = frame[col].astype(dtype) if col in frame else pd.Series(index=frame.index, dtype=dtype)
    covariates = [c for c in frame.columns if c not in spec]
    result["patients"] = pd.concat([pd.DataFrame(canon), frame[covariates]], axis=1)  # already sorted by id
    for table in TABLES:
        if table == "patients":
            continue
        frame = out.get(table)
        if frame is None:
            result[table] = _empty_table(table)
            continue
        cols = {}
        for col, dtype in TABLE_COLUMNS[table].items():
            if col in frame:
                series = frame[col]
                if col == "day" and not is_integer_dtype(series.dtype):
                    series = series.round()  # days read as whole numbers need no rounding
                cols[col] = series.astype(dtype)
            else:
                cols[col] = _missing_column(dtype, frame.index)
        codes = frame["_pid"].to_numpy(dtype="int64")
        if not frame.attrs.get("ids_clean", False):
            # the canonical (trimmed) id of each row, taken from the patients table
            cols["patient_id"] = pd.Series(patients["patient_id"].astype("string").array.take(codes), index=frame.index)
        if table == "transfusions":
            cols["product"] = cols["product"].fillna("RBC")
        # copy=False: the columns go in as they are, each its own block (pandas would
        # otherwise stack same-dtype columns into one new 2-D block, copying all of them).
        result[table], sorted_codes = _sorted(pd.DataFrame(cols, copy=False), codes)
        # Hand the codes to the analysis (it would otherwise hash these ids again). The
        # sorted table is ordered by code first, so its codes are the sorted codes.
        common.remember_codes(result[table]["patient_id"], result["patients"], sorted_codes)
    return result


@functools.cache
def _empty_table_template(name: str) -> pd.DataFrame:
    return empty_table(name)


def _empty_table(name: str) -> pd.DataFrame:
    """``lusp.cohort.empty_table(name)``, copied from one built per process (building the
    dtypes anew costs tens of milliseconds per table, per load)."""
    return _empty_table_template(name).copy()


def _missing_column(dtype: str, index: pd.Index) -> pd.Series:
    """An all-missing column of ``dtype`` (built from an Arrow null array for text: building
    millions of ``NA`` objects one by one is the slow way)."""
    if dtype == "string":
        import pyarrow as pa

        array = pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(len(index), pa.large_string())]))
        return pd.Series(array, index=index)
    return pd.Series(index=index, dtype=dtype)


def _patient_codes(patient_id: pd.Series, ids: pd.Index) -> tuple[np.ndarray, bool]:
    """Each row's position in ``ids`` (−1 when unknown), and whether every id was already
    trimmed (so the column can be kept as it is).

    Distinct values are looked up once: a registry written patient by patient is read as
    runs of equal ids (one comparison per row), anything else is factorised.
    """
    n = len(patient_id)
    if n == 0:
        return np.zeros(0, dtype="int64"), True
    values = patient_id.astype("string").array
    starts = None
    if isinstance(values, pd.arrays.ArrowStringArray) and n > 1:
        import pyarrow as pa
        import pyarrow.compute as pc

        arrow = values._pa_array  # chunked as read: Arrow's kernels need no combined copy
        changes = pc.fill_null(pc.not_equal(arrow.slice(1), arrow.slice(0, n - 1)), True)
        boundaries = np.flatnonzero(changes.to_numpy(zero_copy_only=False)) + 1
        if len(boundaries) < n // 4:  # grouped by patient
            starts = np.concatenate(([0], boundaries))
            uniques = pd.Index(pd.arrays.ArrowStringArray(arrow.take(pa.array(starts))))
            lengths = np.diff(np.concatenate((starts, [n])))
    if starts is None:
        codes, uniques = pd.factorize(patient_id)
        uniques = pd.Index(uniques).astype(ids.dtype)
    trimmed = uniques.str.strip()
    clean = bool((trimmed == uniques).all())
    lookup = ids.get_indexer(trimmed.astype(ids.dtype))
    if starts is not None:
        return np.repeat(lookup, lengths), clean
    out = np.full(n, -1, dtype="int64")
    ok = codes >= 0
    out[ok] = lookup[codes[ok]]
    return out, clean


def _sorted(frame: pd.DataFrame, codes: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Sorted by patient (codes are ranks by ``patient_id``) then day; rows tied on both are
    ordered by every other column, so the file's row order never matters. Returns the
    sorted frame and its rows' codes (the codes sorted)."""
    if not len(frame):
        return frame.reset_index(drop=True), codes
    day = frame["day"].to_numpy()
    same = codes[1:] == codes[:-1]
    already = bool(((codes[1:] > codes[:-1]) | (same & (day[1:] > day[:-1]))).all())
    if already:  # registries are usually written sorted: an O(n) check saves the sort
        return frame.reset_index(drop=True), codes
    order = np.lexsort((day, codes))
    c, d = codes[order], day[order]
    ties = (c[1:] == c[:-1]) & (d[1:] == d[:-1])
    if ties.any():
        keys = ["patient_id", "day"] + [col for col in frame.columns if col not in ("patient_id", "day")]
        return frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True), c
    if (np.diff(order) == 1).all():
        return frame.reset_index(drop=True), codes
    return frame.take(order).reset_index(drop=True), c


def _covariate(raw: pd.Series) -> pd.Series:
    """A patients column the contract does not name: boolean, numeric or text, as it reads."""
    if is_numeric_dtype(raw) and not is_bool_dtype(raw):
        numbers = raw.astype("float64")
        present = numbers.dropna()
        if len(present) and present.isin([0.0, 1.0]).all():
            return numbers.astype("boolean")
        return numbers.astype("Float64")
    text = text_of(raw)
    present = text.dropna()
    if len(present) and present.str.casefold().isin(COVARIATE_BOOLEAN_WORDS).all():
        return parse_booleans(raw)[0]
    numbers, blank, bad = parse_numbers(raw)
    if len(present) and not bad.any():
        return numbers.astype("Float64")
    return text.astype("string")
