"""Build canonical :class:`~lusp.cohort.Cohort` objects in memory for tests (no files).

Rows are plain tuples so a test reads like the record it describes:

    make_cohort(
        patients=["P1", ("P2", {"last_followup_day": 120})],
        hb=[("P1", -7, 60.0), ("P1", 21, 75.0)],
        transfusions=[("P1", -20, 2)],            # (patient, day, units[, product])
        doses=[("P1", 0, 1.0), ("P1", 21, 1.0)],  # every patient gets a day-0 dose if none given
    )
"""
from __future__ import annotations

import pandas as pd

from lusp.cohort import TABLE_COLUMNS, Cohort, SourceInfo, empty_table


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    frame = empty_table(name)
    if rows:
        data = pd.DataFrame(rows)
        frame = pd.concat([frame, data], ignore_index=True) if len(frame) else data
        for column, dtype in TABLE_COLUMNS[name].items():
            if column not in frame.columns:
                frame[column] = pd.Series([None] * len(frame), dtype=dtype)
            frame[column] = frame[column].astype(dtype)
    if "day" in frame.columns and len(frame):
        frame = frame.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    return frame


def make_cohort(patients, hb=(), transfusions=(), doses=None, events=(), labs=(), *, sort: bool = True) -> Cohort:
    """A cohort from tuples; ``patients`` items are ids or ``(id, {column: value})``."""
    patient_rows = []
    for item in patients:
        pid, extra = (item, {}) if isinstance(item, str) else item
        patient_rows.append({"patient_id": pid, "diagnosis": extra.pop("diagnosis", "MDS"), **extra})
    hb_rows = [{"patient_id": p, "day": d, "hb_g_l": float(v)} for p, d, v in hb]
    tx_rows = [
        {"patient_id": t[0], "day": t[1], "units": float(t[2]), "product": t[3] if len(t) > 3 else "RBC"}
        for t in transfusions
    ]
    if doses is None:
        doses = [(r["patient_id"], 0, 1.0) for r in patient_rows]
    dose_rows = [{"patient_id": p, "day": d, "dose_mg_kg": float(v)} for p, d, v in doses]
    event_rows = [{"patient_id": p, "day": d, "category": c, "term": t} for p, d, c, t in events]
    lab_rows = [{"patient_id": p, "day": d, "test": t, "value": float(v)} for p, d, t, v in labs]
    tables = {
        "patients": _frame("patients", patient_rows),
        "hb": _frame("hb", hb_rows),
        "transfusions": _frame("transfusions", tx_rows),
        "doses": _frame("doses", dose_rows),
        "events": _frame("events", event_rows),
        "labs": _frame("labs", lab_rows),
    }
    if not sort:  # keep the given row order (for row-order invariance tests)
        tables["hb"] = _unsorted("hb", hb_rows)
        tables["transfusions"] = _unsorted("transfusions", tx_rows)
        tables["doses"] = _unsorted("doses", dose_rows)
    return Cohort(**tables, source=SourceInfo(name="test cohort"))


def _unsorted(name: str, rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_table(name)
    frame = pd.DataFrame(rows)
    for column, dtype in TABLE_COLUMNS[name].items():
        if column not in frame.columns:
            frame[column] = pd.Series([None] * len(frame), dtype=dtype)
        frame[column] = frame[column].astype(dtype)
    return frame[list(TABLE_COLUMNS[name])]
