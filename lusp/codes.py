"""Patient codes shared by the loader and the analysis (no clinical rule here).

A patient code is a row's position in ``cohort.patients``. The loader computes them while
validating and records them with :func:`remember_codes`; the analysis looks them up
(``lusp.criteria.common.patient_codes``) instead of hashing millions of ids again.
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

#: Recently computed patient codes: (weak ref to the rows' Arrow id array, weak ref to the
#: patients' Arrow id array, codes). Arrow arrays are immutable, so the same pair of array
#: objects always has the same codes; entries die with the arrays (a cohort's tables).
_CODES: list[tuple[weakref.ref, weakref.ref, np.ndarray]] = []
_CODES_CACHE_SIZE = 16


def _arrow_ids(ids: pd.Series):
    """The Arrow array behind a string ``patient_id`` column (None for any other storage).

    ``_pa_array`` is pandas' own attribute for it: ``frame["patient_id"]`` is a new Series
    each time, but the Arrow data behind it is the same object while the frame lives.
    """
    return getattr(ids.array, "_pa_array", None) if isinstance(ids.array, pd.arrays.ArrowStringArray) else None


def remember_codes(patient_ids: pd.Series, patients: pd.DataFrame, codes: np.ndarray) -> None:
    """Record ``codes`` (as :func:`patient_codes` would compute them) for later look-ups.

    The loader calls this with the codes it computed while validating, so the analysis of a
    freshly loaded cohort never hashes its millions of ids again.
    """
    ids, id_set = _arrow_ids(patient_ids), _arrow_ids(patients["patient_id"])
    if ids is None or id_set is None or len(codes) != len(ids):
        return
    codes = np.asarray(codes, dtype=np.int64)
    codes.flags.writeable = False  # shared between callers
    _CODES[:] = [e for e in _CODES if e[0]() is not None and e[1]() is not None][-(_CODES_CACHE_SIZE - 1):]
    _CODES.append((weakref.ref(ids), weakref.ref(id_set), codes))


