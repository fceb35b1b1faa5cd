"""The single visits sheet (SPEC §2): one row per patient and date, split into tables.

Clinicians keep Hb, RBC units and the dose of each visit side by side, with the patient's
columns repeated on every row. The split keeps each row's sheet row number, so a problem
found later in, say, the Hb values still points at the visits row it came from.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lusp.io.values import blank_of, text_of

#: Columns of a visits sheet that are per visit; every other column is per patient.
VISIT_FIELDS = ("_row", "day", "date", "hb_g_l", "hb_g_dl", "hb_mmol_l", "hb_value", "hb_unit", "rbc_units",
                "dose_mg_kg", "dose_mg")


@dataclass(frozen=True)
class VisitsPart:
    """The rows of a visits sheet that feed one canonical table."""

    table: str
    frame: pd.DataFrame  # canonical field names (``rbc_units`` renamed ``units``) plus ``_row``
    renamed: dict[str, str]  # canonical field → visits field it came from
    zero_means_none: bool  # 0 RBC units / 0 mg/kg on a visit row means "none that day"


@dataclass(frozen=True)
class VaryingColumn:
    """A patient column whose value differs between a patient's rows (first value used)."""

    column: str
    first_row: int | None
    n_patients: int
    examples: tuple[str, ...]


def split_visits(frame: pd.DataFrame) -> tuple[list[VisitsPart], list[VaryingColumn]]:
    """Split a visits frame (canonical field names, ``_row``) into patients / hb /
    transfusions / doses rows. A patient's row in ``patients`` is their first visits row,
    with each patient column's first non-empty value."""
    parts: list[VisitsPart] = []
    varying: list[VaryingColumn] = []
    time_fields = [t for t in ("day", "date") if t in frame]
    patient_fields = [c for c in frame.columns if c not in VISIT_FIELDS]
    if "patient_id" in frame:
        ids = text_of(frame["patient_id"])
        first_rows = ids[ids.notna()].drop_duplicates().index
        patients = pd.DataFrame({"_row": frame.loc[first_rows, "_row"].to_numpy(),
                                 "patient_id": ids.loc[first_rows].to_numpy()})
        for col in patient_fields:
            if col == "patient_id":
                continue
            values = text_of(frame[col])
            per_patient = values.groupby(ids, sort=False).agg(["first", "nunique"])
            patients[col] = ids.loc[first_rows].map(per_patient["first"]).to_numpy()
            differs = per_patient.index[per_patient["nunique"] > 1]
            if len(differs):
                rows = frame.loc[ids.isin(differs) & values.notna(), "_row"]
                varying.append(VaryingColumn(col, int(rows.iloc[0]) if len(rows) else None, len(differs),
                                             tuple(map(str, differs[:5]))))
        parts.append(VisitsPart("patients", patients, {}, False))
    hb_field = next((c for c in ("hb_g_l", "hb_g_dl", "hb_mmol_l", "hb_value") if c in frame), None)
    if hb_field:
        rows = frame[~blank_of(frame[hb_field])]
        unit = [c for c in ("hb_unit",) if c in rows]
        parts.append(VisitsPart("hb", rows[["patient_id", *time_fields, hb_field, *unit, "_row"]].reset_index(drop=True),
                                {}, False))
    if "rbc_units" in frame:
        rows = frame[~blank_of(frame["rbc_units"])]
        extra = [c for c in ("product",) if c in rows]
        sub = rows[["patient_id", *time_fields, "rbc_units", *extra, "_row"]].rename(columns={"rbc_units": "units"})
        parts.append(VisitsPart("transfusions", sub.reset_index(drop=True), {"units": "rbc_units"}, True))
    dose_fields = [c for c in ("dose_mg_kg", "dose_mg") if c in frame]
    if dose_fields:
        rows = frame[~blank_of(frame[dose_fields[0]])]
        parts.append(VisitsPart("doses", rows[["patient_id", *time_fields, *dose_fields, "_row"]].reset_index(drop=True),
                                {}, True))
    return parts, varying
