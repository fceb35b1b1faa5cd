"""The canonical cohort: six tables in canonical units, one frozen dataclass.

Every reader (workbook, zip of CSVs, several CSVs, visits sheet) ends here, and every
analysis starts here. Canonical units: Hb in g/L, RBC transfusions in units, dose in
mg/kg, time in integer study days with day 0 = the patient's first luspatercept dose.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lusp.validate import ValidationReport

#: Canonical columns of each table, in order, with their pandas dtypes. ``patients`` may
#: carry any further covariate column after these (kept for subgroups).
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "patients": {
        "patient_id": "string",
        "diagnosis": "string",
        "age": "Float64",
        "sex": "string",
        "weight_kg": "Float64",
        "first_dose_date": "datetime64[ns]",
        "last_followup_day": "Int64",
        "disease_status": "string",
        "concurrent_chemo": "boolean",
        "prior_esa": "boolean",
        "baseline_epo_u_l": "Float64",
        "ring_sideroblasts_pct": "Float64",
        "sf3b1_mutated": "boolean",
    },
    "hb": {"patient_id": "string", "day": "int64", "date": "datetime64[ns]", "hb_g_l": "float64"},
    "transfusions": {
        "patient_id": "string",
        "day": "int64",
        "date": "datetime64[ns]",
        "units": "float64",
        "product": "string",
    },
    "doses": {
        "patient_id": "string",
        "day": "int64",
        "date": "datetime64[ns]",
        "dose_mg_kg": "float64",
        "dose_mg": "Float64",
    },
    "events": {
        "patient_id": "string",
        "day": "int64",
        "date": "datetime64[ns]",
        "category": "string",
        "term": "string",
        "grade": "Int64",
        "related": "string",
    },
    "labs": {
        "patient_id": "string",
        "day": "int64",
        "date": "datetime64[ns]",
        "test": "string",
        "value": "float64",
        "unit": "string",
    },
}

TABLES: tuple[str, ...] = tuple(TABLE_COLUMNS)
REQUIRED_TABLES: tuple[str, ...] = ("patients", "hb", "doses")
#: Tables that may be absent: an absent one is an empty frame with the canonical columns.
OPTIONAL_TABLES: tuple[str, ...] = ("transfusions", "events", "labs")
EVENT_CATEGORIES: tuple[str, ...] = ("adverse_event", "progression", "transformation", "death", "other")


def empty_table(name: str) -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes of table ``name``."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TABLE_COLUMNS[name].items()})


@dataclass(frozen=True)
class SourceInfo:
    """Where a cohort came from, for the sidebar, the Data page and every export."""

    name: str  # e.g. "demo_cohort.xlsx" or "3 CSV files"
    files: tuple[str, ...] = ()
    shape: str = ""  # "workbook" | "zip" | "csv-files" | "visits"
    hb_unit_detected: str = "g/L"  # unit(s) found in the file: "g/L", "g/dL", "mmol/L" or e.g. "g/dL + mmol/L"
    uses_dates: bool = False  # True when the file gave calendar dates instead of study days
    date_range: tuple[str, str] | None = None  # ISO first and last calendar date, if dates
    synthetic: bool = False
    dropped_identifier_columns: tuple[str, ...] = ()
    unmapped_columns: tuple[str, ...] = ()  # "table.column" kept as covariate or ignored
    read_as: tuple[str, ...] = ()  # the shapes read, e.g. ("CDISC SDTM — ae, dm, ex, lb, mh",)
    read_notes: tuple[str, ...] = ()  # what came from where, e.g. "Hb: 1 809 rows of lb where LBTESTCD = HGB, …"
    held_covariates: tuple[str, ...] = ()  # extra patient columns held until the user confirms them (Data page)


@dataclass(frozen=True)
class Cohort:
    """Six canonical tables plus the validation report (warnings only) and the source.

    Tables are sorted by ``patient_id`` then ``day``; ``patient_id`` is a string. A table
    absent from the file is an empty frame with the canonical columns. ``date`` columns
    are ``NaT`` when the file gave study days. Treat the frames as read-only.
    """

    patients: pd.DataFrame
    hb: pd.DataFrame
    transfusions: pd.DataFrame
    doses: pd.DataFrame
    events: pd.DataFrame
    labs: pd.DataFrame
    report: ValidationReport = field(default_factory=ValidationReport)
    source: SourceInfo = field(default_factory=lambda: SourceInfo(name="(in memory)"))

    @property
    def n_patients(self) -> int:
        return len(self.patients)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @property
    def covariate_columns(self) -> list[str]:
        """Patient columns usable for subgroups (everything but the id)."""
        return [c for c in self.patients.columns if c not in ("patient_id", "first_dose_date")]

    def subset(self, patient_ids) -> "Cohort":
        """The same cohort restricted to ``patient_ids`` (used by the global filters)."""
        keep = set(map(str, patient_ids))

        def cut(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["patient_id"].isin(keep)].reset_index(drop=True)

        return Cohort(
            patients=cut(self.patients),
            hb=cut(self.hb),
            transfusions=cut(self.transfusions),
            doses=cut(self.doses),
            events=cut(self.events),
            labs=cut(self.labs),
            report=self.report,
            source=self.source,
        )
