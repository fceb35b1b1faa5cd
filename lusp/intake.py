"""One attempt to load an upload, as the Data page shows it: cohort or report, plus mapping aid.

The Data page needs more than :func:`lusp.load.load_cohort` gives: whether the attempt is the
one already shown (so a rerun does not reload the same files), the column inspection for the
hand-mapping form when a column or sheet could not be matched, a tidy "what was read" table,
and a way to merge the user's hand choices into the mapping kept for the session. None of
it touches Streamlit or the disk; an attempt keeps no file bytes, only the cohort (whose
identifier columns the loader already dropped), the report and identifier-free previews.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from lusp.cohort import TABLES, Cohort
from lusp.load import Mapping, TableColumns
from lusp.sandbox import inspect_columns, load_cohort, propose_choices  # in a limited child process: a hostile file costs one attempt
from lusp.validate import CohortLoadError, ValidationReport

if TYPE_CHECKING:
    from lusp.io.choices import ExportChoices

__all__ = [
    "LoadAttempt",
    "MAPPING_CODES",
    "attempt_load",
    "fingerprint",
    "merge_mapping",
    "problems_frame",
    "choices_to_mapping",
    "what_was_read",
]

#: Problem codes a hand mapping can fix: a required column or sheet the synonyms did not
#: recognise, a column that fits no field, two columns claiming one field.
MAPPING_CODES = frozenset({"missing_column", "missing_table", "unknown_table", "unmapped_column",
                           "duplicate_column", "mrn_only_id"})


@dataclass(frozen=True)
class LoadAttempt:
    """The outcome of loading one set of uploaded files with one mapping.

    ``cohort`` is ``None`` when the report has errors (the cohort in force stays). ``columns``
    holds the per-sheet inspection for the mapping form, filled only when the report has a
    problem a mapping can fix (:data:`MAPPING_CODES`).
    """

    files: tuple[str, ...]
    fingerprint: str
    report: ValidationReport
    cohort: Cohort | None = None
    columns: tuple[TableColumns, ...] = ()
    choices: "ExportChoices | None" = None  # real-export settings to propose (None: nothing to ask)

    @property
    def loaded(self) -> bool:
        return self.cohort is not None

    @property
    def needs_mapping(self) -> bool:
        """True when an error could be fixed by mapping columns or sheets by hand."""
        return any(p.severity == "error" and p.code in MAPPING_CODES for p in self.report) or (
            not self.loaded and any(p.code in MAPPING_CODES for p in self.report))

    @property
    def can_map(self) -> bool:
        """True when the mapping form has something to offer (also for warnings)."""
        return bool(self.columns)


def fingerprint(files: Iterable[tuple[str, bytes]], mapping: Mapping | None) -> str:
    """A digest of the files' names and bytes and the mapping: equal ⇔ same attempt."""
    digest = hashlib.sha256()
    for name, data in sorted(files, key=lambda f: f[0]):
        digest.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
    digest.update(json.dumps(mapping or {}, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def attempt_load(files: list[tuple[str, bytes]], mapping: Mapping | None = None, *,
                 max_bytes: int | None = None, confirm_covariates: bool = False) -> LoadAttempt:
    """Load ``files`` (``(name, bytes)`` uploads) with ``mapping``; never raises on bad input.

    Returns
    -------
    LoadAttempt
        With the cohort and its warnings, or the full error report; plus the column
        inspection when a mapping could help.
    """
    names = tuple(name for name, _ in files)
    key = fingerprint(files, mapping)
    try:
        cohort = load_cohort(files, mapping=mapping, max_bytes=max_bytes, confirm_covariates=confirm_covariates)
    except CohortLoadError as exc:
        return LoadAttempt(names, key, exc.report, None, _columns_if_useful(files, mapping, exc.report, max_bytes),
                           _choices_if_useful(files, mapping, exc.report, max_bytes))
    return LoadAttempt(names, key, cohort.report, cohort, _columns_if_useful(files, mapping, cohort.report, max_bytes),
                       _choices_if_useful(files, mapping, cohort.report, max_bytes))


def _choices_if_useful(files, mapping, report: ValidationReport, max_bytes):
    """The real-export settings (test column, Hb test and unit, mL per unit, drugs) when the
    files are an export shape or the report asks one of their questions."""
    from lusp.io.choices import QUESTION_CODES

    codes = {p.code for p in report}
    try:
        choices = propose_choices(files, mapping=mapping, max_bytes=max_bytes, report_codes=codes)
    except CohortLoadError:
        return None
    return choices if (choices.offers_anything or codes & QUESTION_CODES) and choices.read_as else None


def _columns_if_useful(files, mapping, report: ValidationReport, max_bytes) -> tuple[TableColumns, ...]:
    if not any(p.code in MAPPING_CODES for p in report):
        return ()
    try:
        return tuple(inspect_columns(files, mapping=mapping, max_bytes=max_bytes))
    except CohortLoadError:  # the file cannot be read at all: nothing to map
        return ()


def choices_to_mapping(columns: TableColumns, chosen: dict[str, str | None]) -> Mapping:
    """The hand choices for one sheet as a mapping: only what differs from the matcher.

    ``chosen`` maps each column of the sheet to a canonical field or ``None`` ("not a
    field": kept as a covariate in ``patients`` and visits sheets, ignored elsewhere).
    A column the matcher had proposed and the user set to ``None`` is mapped to ``None``
    so the loader ignores it.
    """
    table = columns.table
    if table is None:
        return {}
    changed = {col: field for col, field in chosen.items() if field != columns.proposed.get(col)}
    return {table: changed} if changed else {}


def merge_mapping(old: Mapping | None, new: Mapping) -> Mapping:
    """``old`` with ``new``'s entries added or replaced, table by table (inputs unchanged)."""
    merged: Mapping = {table: dict(cols) for table, cols in (old or {}).items()}
    for table, cols in new.items():
        if table == "_options":  # the real-export answers: each key replaced as a whole
            merged.setdefault(table, {}).update({k: v for k, v in cols.items()})
            continue
        merged.setdefault(table, {}).update(cols)
    return {table: cols for table, cols in merged.items() if cols}


def what_was_read(cohort: Cohort) -> pd.DataFrame:
    """One row per canonical table: rows and patients read, and the study-day span.

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``rows``, ``patients``, ``first_day``, ``last_day`` (study
        days, empty for ``patients`` and for empty tables).
    """
    rows = []
    for name in TABLES:
        frame = cohort.table(name)
        has_days = "day" in frame.columns and len(frame)
        rows.append({
            "table": name,
            "rows": len(frame),
            "patients": frame["patient_id"].astype(str).nunique() if len(frame) else 0,
            "first_day": int(frame["day"].min()) if has_days else None,
            "last_day": int(frame["day"].max()) if has_days else None,
        })
    out = pd.DataFrame(rows)
    out["first_day"] = out["first_day"].astype("Int64")
    out["last_day"] = out["last_day"].astype("Int64")
    return out


def problems_frame(report: ValidationReport) -> pd.DataFrame:
    """The report as the Data page's table: severity, file, table, row, column, value, message."""
    frame = report.to_frame()
    return frame.drop(columns=["code"])
