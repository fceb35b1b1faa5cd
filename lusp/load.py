"""Files in, one canonical cohort out — or one report of every problem.

:func:`load_cohort` reads any accepted shape (SPEC §2: workbook, zip of CSVs, several
CSVs, a single visits sheet), drops direct identifiers before anything else touches the
data, maps columns (hand mapping first, then synonyms), parses every cell vectorised,
checks every rule of SPEC §2 at once, and returns a :class:`~lusp.cohort.Cohort` whose
report holds the warnings. Any error raises one :class:`~lusp.validate.CohortLoadError`
carrying all problems. Nothing is written to disk and no input is modified.

:func:`inspect_columns` serves the Data page's hand mapping; :func:`mapping_to_json` and
:func:`mapping_from_json` save and restore that mapping.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from lusp import codes as common  # patient codes handed to the analysis
from lusp.cohort import EVENT_CATEGORIES, TABLE_COLUMNS, TABLES, Cohort, SourceInfo, empty_table
from lusp.io import synonyms as syn
from lusp.io import vocab
from lusp.io.readers import RawTable, read_file
from lusp.io.shapes import LoadOptions, MappedTable, OPTION_KEYS, Recognised, options_from, recognise
from lusp.io.shapes.base import source_rows
from lusp.io.sources import read_sources
from lusp.io.visits import split_visits
from lusp.io.values import (
    COVARIATE_BOOLEAN_WORDS,
    DAY_FIRST,
    blank_of,
    identifier_values,
    normalise_sex,
    parse_booleans,
    parse_dates,
    parse_days,
    parse_numbers,
    resolve_dates,
    text_of,
)
from lusp.validate import CohortLoadError, Problem, ValidationReport

__all__ = [
    "load_cohort",
    "inspect_columns",
    "TableColumns",
    "mapping_to_json",
    "mapping_from_json",
    "propose_choices",
    "MAX_PROBLEMS_PER_RULE",
]

Mapping = dict[str, dict[str, str | None]]

#: Rows reported per rule, file and column before one "… and N more" line (a registry
#: with a systematic error must not produce a million-line report).
MAX_PROBLEMS_PER_RULE = 200

#: How a unit was declared, as a warning says it.
_BY = {"header": "the column header", "unit column": "the unit column", "your choice": "your choice"}
#: The Hb unit each header-declared field means (``hb_value`` declares none).
_HEADER_UNITS = {"hb_g_l": "g/L", "hb_g_dl": "g/dL", "hb_mmol_l": "mmol/L"}

# Plausibility limits of SPEC §2 (errors) and the warning thresholds.
HB_MIN_G_L, HB_MAX_G_L = 20.0, 250.0
HB_G_DL_IF_ALL_BELOW = 25.0
UNITS_MAX_PER_EPISODE = 10.0
DOSE_MIN_MG_KG, DOSE_MAX_MG_KG = 0.1, 5.0
# The study's baseline window (8 weeks before the first dose) and minimum follow-up: a
# patient outside them can still load, but the analysis will call them not evaluable.
BASELINE_WINDOW_DAYS = 56
MIN_FOLLOWUP_DAYS = 56
# The protocol gives doses every 21 days; < 18 days apart is a data-entry error or a deviation.
MIN_DOSE_INTERVAL_DAYS = 18

#: How each canonical field is parsed.
FIELD_KINDS: dict[str, str] = {
    "patient_id": "id", "diagnosis": "text", "age": "number", "sex": "sex", "weight_kg": "number",
    "first_dose_date": "date", "last_followup_day": "day", "last_followup_date": "date",
    "disease_status": "text", "concurrent_chemo": "bool", "prior_esa": "bool", "baseline_epo_u_l": "number",
    "ring_sideroblasts_pct": "number", "sf3b1_mutated": "bool", "day": "day", "date": "date",
    "hb_g_l": "number", "hb_g_dl": "number", "units": "number", "rbc_units": "number", "product": "text",
    "dose_mg_kg": "number", "dose_mg": "number", "category": "category", "term": "text", "grade": "grade",
    "related": "text", "test": "text", "value": "number", "unit": "text",
    "hb_mmol_l": "number", "hb_value": "number", "hb_unit": "text",
}
#: Fields whose cells may not be blank (the time column is checked separately).
REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "diagnosis"),
    "hb": ("patient_id", *syn.HB_FIELDS),
    "transfusions": ("patient_id", "units"),
    "doses": ("patient_id",),  # a dose in mg/kg or in mg: checked when converted
    "events": ("patient_id", "category", "term"),
    "labs": ("patient_id", "test", "value"),
    syn.VISITS: ("patient_id",),
}
# the patients-table fields that are calendar dates (a covariate named "date" is not one)
_PATIENT_DATE_FIELDS = ("first_dose_date", "last_followup_date")
_TEXT_KINDS = ("id", "text", "sex", "category")
#: Names of patient-id columns, read as text so that ids such as 001 keep their zeros.
_ID_NAMES = frozenset(
    syn.normalise_name(name)
    for fields_ in syn.COLUMN_SYNONYMS.values()
    for name in ("patient_id", *fields_.get("patient_id", ()))
)
_CATEGORY_WORDS = {
    **{syn.normalise_name(c): c for c in EVENT_CATEGORIES},
    **{syn.normalise_name(w): "adverse_event" for w in ("ae", "sae", "adverse event", "adverse", "toxicity", "不良事件", "不良反应")},
    **{syn.normalise_name(w): "progression" for w in ("pd", "progressive disease", "disease progression", "进展", "疾病进展")},
    **{syn.normalise_name(w): "transformation" for w in ("aml transformation", "transformed", "leukemic transformation", "转化", "白血病转化")},
    **{syn.normalise_name(w): "death" for w in ("died", "dead", "deceased", "死亡")},
    **{syn.normalise_name(w): "other" for w in ("其他",)},
}
# the red-cell vocabulary is lusp.io.vocab.RBC_PRODUCTS


@dataclass
class _Segment:
    """One raw table (or the part of a visits sheet feeding one table), columns canonical."""

    file: str
    table: str  # canonical table the rows go to
    label: str  # table name shown in problems ("visits" for a visits sheet)
    frame: pd.DataFrame  # canonical field → raw cells; covariates under their own names; _row
    columns: dict[str, str]  # canonical field (or covariate) → column name as in the file
    zero_means_none: bool = False  # visits: 0 units / 0 mg/kg means "nothing that day"


@dataclass(frozen=True)
class TableColumns:
    """What the hand-mapping page shows for one sheet or CSV file.

    ``proposed`` gives the synonym matcher's canonical field per column (``None`` when it
    does not know the column); ``missing`` the required fields still unmatched (each as
    ``"day|date"`` when alternatives exist); ``preview`` the first five values per column
    as text. Identifier columns are listed in ``dropped_identifiers`` and never previewed.
    """

    file: str
    sheet: str
    table: str | None  # canonical table, "visits", or None when the sheet is not recognised
    columns: tuple[str, ...]
    proposed: dict[str, str | None]
    missing: tuple[str, ...]
    preview: dict[str, list[str]]
    dropped_identifiers: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # every canonical field of ``table``


class _Reporter:
    """Collects problems, capping each (rule, file, table, column) at MAX_PROBLEMS_PER_RULE rows."""

    def __init__(self, cap: int = MAX_PROBLEMS_PER_RULE):
        self.cap = cap
        self.problems: list[Problem] = []
        self._shown: Counter = Counter()
        self._more: Counter = Counter()
        self._example: dict = {}

    def add(self, severity, code, file, table, row, column, value, message) -> None:
        key = (severity, code, file, table, column)
        if row is not None:
            if self._shown[key] >= self.cap:
                self._more[key] += 1
                return
            self._shown[key] += 1
            self._example.setdefault(key, message)
        self.problems.append(Problem(severity, file, table, row, column, _short(value), message, code))

    def rows(self, severity, code, seg: _Segment, rows, column, values, message) -> None:
        """Problems for many rows of one segment; ``message`` is a string or a callable of the value."""
        key = (severity, code, seg.file, seg.label, column)
        rows = list(rows)
        values = list(values)
        room = max(self.cap - self._shown[key], 0)
        for row, value in zip(rows[:room], values[:room]):
            text = message(value) if callable(message) else message
            self.add(severity, code, seg.file, seg.label, int(row), column, value, text)
        if len(rows) > room:
            self._more[key] += len(rows) - room

    def extend(self, problems) -> None:
        self.problems.extend(problems)

    def report(self) -> ValidationReport:
        extra = [
            Problem(key[0], key[2], key[3], None, key[4], "",
                    f"… and {n} more rows with the same problem ({self._example.get(key, key[1])})", key[1])
            for key, n in self._more.items()
        ]
        return ValidationReport.of(self.problems + extra)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems) or any(k[0] == "error" for k in self._more)


def _short(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _fmt(x) -> str:
    return "" if pd.isna(x) else (f"{x:g}" if isinstance(x, (float, np.floating)) else str(x))


# ----------------------------------------------------------------------------- public API


def _read_raw_tables(sources, mapping: Mapping | None, max_bytes: int | None):
    """The read stage shared by :func:`load_cohort` and :func:`inspect_columns`: check the
    hand mapping, read every source, and split each file into its sheets / CSV tables.

    Returns ``(reporter, mapping, files, raws)``; problems so far are in ``reporter``.
    """
    reporter = _Reporter()
    mapping = _check_mapping(mapping, reporter)
    files, source_problems = read_sources(sources, max_bytes)
    reporter.extend(source_problems)
    raws: list[RawTable] = []
    for file in files:
        tables, problems = read_file(file, _text_column_predicate(mapping))
        raws.extend(tables)
        reporter.extend(problems)
    return reporter, mapping, files, raws


def _recognise(raws: list[RawTable], mapping: Mapping, reporter: _Reporter, options: LoadOptions) -> Recognised:
    """The recognise and map stages: export shapes (SDTM, ADaM, LIS, blood bank, pharmacy)
    become mapped tables; template tables pass on unchanged."""
    recognised = recognise(raws, options, mapping)
    reporter.extend(recognised.problems)
    return recognised


def _options(mapping: Mapping, hb_unit, rbc_ml_per_unit, study_drugs, hb_tests, test_columns) -> LoadOptions:
    return options_from(mapping.get("_options"), hb_unit=hb_unit, rbc_ml_per_unit=rbc_ml_per_unit,
                        study_drugs=tuple(study_drugs or ()), hb_tests=tuple(hb_tests or ()),
                        test_columns=dict(test_columns or {}) or None)


def load_cohort(sources, *, mapping: Mapping | None = None, max_bytes: int | None = None,
                synthetic: bool = False, hb_unit: str | None = None, rbc_ml_per_unit: float | None = None,
                study_drugs=(), hb_tests=(), test_columns: dict | None = None,
                confirm_covariates: bool = False) -> Cohort:
    """Read cohort file(s) into a validated canonical :class:`~lusp.cohort.Cohort`.

    Parameters
    ----------
    sources
        A path (file or folder), or a list of paths and/or ``(file_name, bytes)`` uploads.
    mapping
        ``{table: {column_name_in_file: canonical_field}}`` applied before the synonyms
        (``None`` or ``""`` as the field ignores the column). ``table`` is a canonical
        table or ``"visits"``; the extra key ``"_tables"`` maps a sheet or file name to a
        table (``{"_tables": {"Sheet1": "hb"}}``).
    max_bytes
        Refuse any file larger than this (the upload limit).
    synthetic
        Mark the cohort as synthetic (the bundled demo) in its ``SourceInfo``.
    hb_unit, rbc_ml_per_unit, study_drugs, hb_tests, test_columns
        The user's answers for real exports (SPEC §2a; they override ``mapping["_options"]``):
        the unit of Hb values that declare none (``"g/L"``, ``"g/dL"``, ``"mmol/L"``), the mL
        of red cells in one unit, drug names counted as luspatercept, test names counted as
        Hb, and ``{sheet or file: column}`` naming a lab table's test column.
    confirm_covariates
        Hold back extra ``patients`` columns that are neither known fields nor clearly
        clinical (:func:`lusp.io.vocab.is_clinical_covariate`) until they are listed in
        ``mapping["_options"]["covariates"]`` (the Data page asks); they are named in
        ``source.held_covariates``. The command line keeps them (False).

    Returns
    -------
    Cohort
        The six canonical tables (see ``lusp.cohort.TABLE_COLUMNS``), sorted by
        ``patient_id`` and ``day``; ``report`` holds the warnings.

    Raises
    ------
    CohortLoadError
        With ``.report`` listing every problem, when there is at least one error.
    """
    reporter, mapping, files, raws = _read_raw_tables(sources, mapping, max_bytes)
    if reporter.has_errors or not raws:
        if not reporter.problems:
            reporter.add("error", "empty_file", ", ".join(f.name for f in files), "", None, "", "",
                         "No table could be read from the file(s).")
        raise CohortLoadError(reporter.report())
    # A workbook that declares itself synthetic on a documentation sheet (the bundled demo's
    # `about` sheet) is labelled so wherever it is shown, however it was opened.
    synthetic = synthetic or _declares_synthetic(raws)
    options = _options(mapping, hb_unit, rbc_ml_per_unit, study_drugs, hb_tests, test_columns)
    if options.hb_unit is not None and options.hb_unit not in vocab.HB_UNIT_FACTORS:
        reporter.add("error", "bad_option", "", "", None, "", options.hb_unit,
                     f"{options.hb_unit!r} is not an Hb unit; choose g/L, g/dL or mmol/L.")
        raise CohortLoadError(reporter.report())
    if options.rbc_ml_per_unit is not None and not (50 <= options.rbc_ml_per_unit <= 600):
        reporter.add("error", "bad_option", "", "", None, "", f"{options.rbc_ml_per_unit:g}",
                     f"{options.rbc_ml_per_unit:g} mL per red-cell unit is not plausible; give 100–400 (e.g. 200 in "
                     "China, 250–350 elsewhere).")
        raise CohortLoadError(reporter.report())
    recognised = _recognise(raws, mapping, reporter, options)
    loader = _Loader(reporter, mapping, options.hb_unit)
    loader.hold_covariates = confirm_covariates
    loader.confirmed_covariates = frozenset(options.covariates)
    cohort_tables, info = loader.run(recognised.raws)
    if loader.held:
        reporter.add("warning", "covariate_needs_confirmation", "", "patients", None, ", ".join(loader.held), "",
                     f"Patient column(s) {', '.join(repr(h) for h in loader.held)} are neither known fields nor clearly "
                     "clinical, so they were not kept: confirm on the Data page that they hold no identifier to keep "
                     "them as covariates.")
    report = reporter.report()
    if report.has_errors:
        raise CohortLoadError(report)
    source = SourceInfo(
        name=files[0].name if len(files) == 1 else f"{len(files)} files",
        files=tuple(f.name for f in files),
        shape=info["shape"],
        hb_unit_detected=info["hb_unit"],
        uses_dates=info["uses_dates"],
        date_range=info["date_range"],
        synthetic=synthetic,
        dropped_identifier_columns=tuple(info["dropped"]),
        unmapped_columns=tuple(info["unmapped"]),
        read_as=tuple(recognised.shapes) or (_template_shape(info["shape"]),),
        read_notes=tuple(recognised.notes) + tuple(info["hb_notes"]),
        held_covariates=tuple(loader.held),
    )
    return Cohort(**cohort_tables, report=report, source=source)


def _template_shape(shape: str) -> str:
    return {"visits": "visits sheet", "workbook": "template workbook", "zip": "template tables (zip of CSVs)",
            "csv-files": "template tables (CSV files)"}.get(shape, shape)


def _declares_synthetic(raws: list[RawTable]) -> bool:
    """True when a documentation sheet (``about``, ``readme`` …) says SYNTHETIC in capitals."""
    for raw in raws:
        if syn.normalise_name(raw.sheet) not in syn.IGNORED_SHEETS:
            continue
        cells = [*raw.header, *raw.body.head(5).to_numpy(dtype=object).ravel().tolist()]
        if any("SYNTHETIC" in str(cell) for cell in cells):
            return True
    return False


def inspect_columns(sources, *, mapping: Mapping | None = None, max_bytes: int | None = None) -> list[TableColumns]:
    """Per sheet/file: its columns, the proposed canonical field of each, the required
    fields still missing and a five-value preview (identifier columns never previewed).

    Raises :class:`CohortLoadError` when a file cannot be read at all.
    """
    reporter, mapping, files, raws = _read_raw_tables(sources, mapping, max_bytes)
    if reporter.has_errors:
        raise CohortLoadError(reporter.report())
    out = []
    # export shapes are mapped by their modules (their choices are propose_choices'); the
    # hand mapping is for the template tables and visits sheets that remain
    raws = recognise(raws, _options(mapping, None, None, (), (), None), mapping).raws
    assigned = _assign_tables(raws, mapping, _Reporter())
    for raw, table in assigned:
        dropped_names = [h for h in raw.header if syn.is_identifier(h)]
        claims: dict[int, str] = {}
        if table is not None:
            claims, _, _, dropped_names = _claim_columns(raw, table, mapping, _Reporter())
        dropped = tuple(dropped_names)
        kept = [(j, h) for j, h in enumerate(raw.header) if h not in dropped]
        proposed: dict[str, str | None] = {h: claims.get(j) for j, h in kept}
        found = set(v for v in proposed.values() if v)
        missing = tuple(
            "|".join(alts) for alts in syn.REQUIRED_FIELDS.get(table, ()) if not found.intersection(alts)
        ) if table else ()
        preview = {h: [_short(v) for v in text_of(raw.body[j].head(5)).fillna("").tolist()] for j, h in kept}
        out.append(TableColumns(raw.file, raw.sheet, table, tuple(h for _, h in kept), proposed, missing,
                                preview, dropped, syn.canonical_fields(table) if table else ()))
    return out


def propose_choices(sources, *, mapping: Mapping | None = None, max_bytes: int | None = None,
                    report_codes=()) -> "ExportChoices":
    """What the Data page proposes for a real export (test column, Hb tests, Hb unit, mL per
    RBC unit, study drugs): the read and recognise stages only. ``report_codes``: the codes
    of the last load's report (an ``hb_unit_ambiguous`` there means "no preselection").

    Raises :class:`CohortLoadError` when a file cannot be read at all."""
    from lusp.io.choices import choices_of

    reporter, mapping, files, raws = _read_raw_tables(sources, mapping, max_bytes)
    if reporter.has_errors:
        raise CohortLoadError(reporter.report())
    options = _options(mapping, None, None, (), (), None)
    recognised = recognise(raws, options, mapping)
    return choices_of(recognised, raws, options, set(report_codes))


def mapping_to_json(mapping: Mapping) -> str:
    """The hand mapping as a small, readable JSON document (validated first)."""
    return json.dumps(_validated_mapping(mapping), ensure_ascii=False, indent=2, sort_keys=True)


def mapping_from_json(text: str | bytes) -> Mapping:
    """A mapping from JSON text; :class:`ValueError` with a plain message when it is not one."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"The mapping file is not valid JSON ({exc}). Download it again from the Data page.") from None
    return _validated_mapping(data)


def _validated_mapping(data) -> Mapping:
    if not isinstance(data, dict):
        raise ValueError("A mapping is an object {table: {column in your file: canonical field}}.")
    out: Mapping = {}
    for table, columns in data.items():
        if table == "_options":
            if not isinstance(columns, dict) or any(k not in OPTION_KEYS for k in columns):
                raise ValueError("'_options' holds only: " + ", ".join(OPTION_KEYS) + ".")
            unit = columns.get("hb_unit")
            if unit not in (None, "") and unit not in vocab.HB_UNIT_FACTORS:
                raise ValueError(f"_options: hb_unit {unit!r} is not g/L, g/dL or mmol/L.")
            ml = columns.get("rbc_ml_per_unit")
            if ml not in (None, "") and (not isinstance(ml, (int, float)) or isinstance(ml, bool) or ml <= 0):
                raise ValueError("_options: rbc_ml_per_unit must be a number of mL (e.g. 200).")
            for key in ("study_drugs", "hb_tests", "covariates"):
                if not isinstance(columns.get(key, []), list) or not all(isinstance(v, str) for v in columns.get(key, [])):
                    raise ValueError(f"_options: {key} must be a list of names.")
            if not isinstance(columns.get("test_columns", {}), dict):
                raise ValueError("_options: test_columns maps a sheet or file name to its test column.")
            out[table] = dict(columns)
            continue
        if table == "_tables":
            if not isinstance(columns, dict) or not all(isinstance(k, str) and v in (*TABLES, syn.VISITS, None) for k, v in columns.items()):
                raise ValueError("'_tables' maps sheet or file names to one of: " + ", ".join((*TABLES, syn.VISITS)) + ".")
            out[table] = dict(columns)
            continue
        if table not in syn.COLUMN_SYNONYMS:
            raise ValueError(f"Unknown table {table!r} in the mapping; use one of: {', '.join(syn.COLUMN_SYNONYMS)}.")
        if not isinstance(columns, dict):
            raise ValueError(f"The mapping for {table!r} must be an object {{column in your file: canonical field}}.")
        allowed = syn.canonical_fields(table)
        for column, target in columns.items():
            if not isinstance(column, str):
                raise ValueError(f"Column names in the mapping for {table!r} must be text.")
            if target not in (None, "") and target not in allowed:
                raise ValueError(f"{table}: {column!r} is mapped to {target!r}, which is not a field of {table}; "
                                 f"use one of: {', '.join(allowed)} (or null to ignore the column).")
        out[table] = {str(k): (v or None) for k, v in columns.items()}
    return out


def _check_mapping(mapping, reporter: _Reporter) -> Mapping:
    if mapping is None:
        return {}
    try:
        return _validated_mapping(mapping)
    except ValueError as exc:
        reporter.add("error", "bad_mapping", "mapping", "", None, "", "", str(exc))
        raise CohortLoadError(reporter.report()) from None


def _text_column_predicate(mapping: Mapping) -> Callable[[str], bool]:
    """Which CSV columns to keep as text: patient ids (by synonym or by hand mapping)."""
    mapped_ids = {
        syn.normalise_name(col)
        for table, cols in mapping.items() if table not in ("_tables", "_options")
        for col, target in cols.items() if target == "patient_id"
    }

    def keep_as_text(name: str) -> bool:
        norm = syn.normalise_name(name)
        return norm in _ID_NAMES or norm in mapped_ids

    return keep_as_text


# ----------------------------------------------------------------------------- tables & columns


def _assign_tables(raws: list[RawTable], mapping: Mapping, reporter: _Reporter) -> list[tuple[RawTable, str | None]]:
    """Which table each sheet / CSV is: by hand mapping, by name, else a visits sheet."""
    by_hand = {syn.normalise_name(k): v for k, v in mapping.get("_tables", {}).items()}
    data_raws = [r for r in raws if syn.normalise_name(r.sheet) not in syn.IGNORED_SHEETS and (r.header or len(raws) == 1)]
    out: list[tuple[RawTable, str | None]] = []
    for raw in data_raws:
        if isinstance(raw, MappedTable):
            out.append((raw, raw.table))
            continue
        key = syn.normalise_name(raw.sheet)
        table = by_hand.get(key) or by_hand.get(syn.normalise_name(raw.file)) or syn.match_table(raw.sheet)
        if table is None and len(data_raws) == 1:
            table = syn.VISITS  # a lone unnamed sheet / CSV is the clinician's visits table
        if table is None:
            # an oddly named file: the one table whose required columns it has
            fits = [t for t in TABLES if _has_required_columns(raw, t, mapping)]
            if len(fits) == 1:
                table = fits[0]
                reporter.add("warning", "table_guessed", raw.file, table, None, "", raw.sheet,
                             f"The sheet or file {raw.sheet!r} was read as the {table} table because of its "
                             f"columns. Name it {table!r} to be sure.")
            elif any(syn.match_column(syn.VISITS, h) in ("hb_g_l", "hb_g_dl", "rbc_units", "dose_mg_kg")
                     for h in raw.header) and not any(syn.match_table(r.sheet) == "patients" for r in data_raws):
                table = syn.VISITS
        if table is None:
            reporter.add("warning", "unknown_table", raw.file, raw.sheet, None, "", raw.sheet,
                         f"The sheet or file {raw.sheet!r} is not one of the tables (patients, hb, transfusions, "
                         "doses, events, labs) and was not read. Rename it after its table, or choose its "
                         "table on the Data page.")
        out.append((raw, table))
    return out


def _has_required_columns(raw: RawTable, table: str, mapping: Mapping) -> bool:
    by_hand = {syn.normalise_name(k): v for k, v in mapping.get(table, {}).items()}
    found = {by_hand.get(syn.normalise_name(h)) or syn.match_column(table, h) for h in raw.header}
    return all(found.intersection(alternatives) for alternatives in syn.REQUIRED_FIELDS[table])


def _claim_columns(raw: RawTable, table: str, mapping: Mapping, reporter: _Reporter):
    """Position → canonical field, with the hand mapping winning over synonyms.

    Returns ``(claims, covariates, unmapped, dropped)``; reports identifier columns,
    duplicates and unrecognised columns.
    """
    if isinstance(raw, MappedTable):
        return _claim_mapped(raw, table, reporter)
    by_hand_exact = mapping.get(table, {})
    by_hand = {syn.normalise_name(k): v for k, v in by_hand_exact.items()}
    claims: dict[int, str] = {}
    hand_claimed: set[str] = set()
    synonym_claims: list[tuple[int, str]] = []
    ignored: set[int] = set()
    dropped: list[str] = []
    for j, name in enumerate(raw.header):
        if syn.is_identifier(name):
            dropped.append(name)
            continue
        if name in by_hand_exact or syn.normalise_name(name) in by_hand:
            target = by_hand_exact.get(name, by_hand.get(syn.normalise_name(name)))
            if target:
                if target in hand_claimed:
                    reporter.add("error", "duplicate_column", raw.file, table, None, name, "",
                                 f"The mapping sends two columns to {target}; map only one of them.")
                    continue
                claims[j] = target
                hand_claimed.add(target)
            else:
                ignored.add(j)
            continue
        target = syn.match_column(table, name)
        if target == "patient_id" and name.strip() == "STUDYID":
            ignored.add(j)  # CDISC's STUDYID names the study, never a patient (SPEC §2a)
            continue
        if target:
            synonym_claims.append((j, target))
    taken: dict[str, int] = {t: j for j, t in claims.items()}
    unmapped: list[int] = []
    for j, target in synonym_claims:
        if target in hand_claimed:
            unmapped.append(j)
            continue
        if target in taken:
            first = raw.header[taken[target]]
            reporter.add("error", "duplicate_column", raw.file, table, None, raw.header[j], raw.header[j],
                         f"Columns {first!r} and {raw.header[j]!r} both hold {target}. Delete one of them, or "
                         "map one to another field on the Data page.")
            continue
        taken[target] = j
        claims[j] = target
    for j in range(len(raw.header)):
        if j not in claims and j not in ignored and not syn.is_identifier(raw.header[j]) and j not in unmapped:
            unmapped.append(j)
    # two Hb columns in different units cannot both be right
    hb_fields = [t for t in ("hb_g_l", "hb_g_dl") if t in taken]
    if len(hb_fields) == 2:
        reporter.add("error", "duplicate_column", raw.file, table, None, raw.header[taken["hb_g_dl"]], "",
                     f"Both {raw.header[taken['hb_g_l']]!r} (g/L) and {raw.header[taken['hb_g_dl']]!r} (g/dL) hold "
                     "Hb. Keep one Hb column.")
    if "hb_g_l" in taken and "hb_g_dl" in taken:
        del claims[taken["hb_g_dl"]]
    covariates: dict[int, str] = {}
    ignored_names: list[str] = []
    if table in ("patients", syn.VISITS):
        seen: set[str] = set(claims.values())
        for j in sorted(unmapped):
            name = raw.header[j]
            looks_like = identifier_values(raw.body[j])
            if looks_like:
                dropped.append(name)
                reporter.add("warning", "identifier_values_dropped", raw.file, table, None, name, "",
                             f"Column {name!r} holds what look like {looks_like}; it was dropped as a direct "
                             "identifier. Rename it and remove the identifiers if it is something else.")
                continue
            if name in seen:
                reporter.add("warning", "duplicate_column", raw.file, table, None, name, "",
                             f"A second column named {name!r} was ignored; give it a distinct name to keep it.")
                continue
            seen.add(name)
            covariates[j] = name
    else:
        for j in sorted(unmapped):
            ignored_names.append(raw.header[j])
            reporter.add("warning", "unmapped_column", raw.file, table, None, raw.header[j], "",
                         f"Column {raw.header[j]!r} is not one of the {table} fields "
                         f"({', '.join(syn.canonical_fields(table))}) and was ignored. Rename it, or map it "
                         "on the Data page if it holds one of them.")
    return claims, covariates, ignored_names, dropped


def _claim_mapped(raw: MappedTable, table: str, reporter: _Reporter):
    """A shape module's table: its claims stand; unclaimed ``patients`` columns are
    covariates (identifier names and values still dropped)."""
    claims = dict(raw.claims)
    covariates: dict[int, str] = {}
    dropped: list[str] = []
    if table == "patients":
        seen = set(claims.values())
        for j, name in enumerate(raw.header):
            if j in claims:
                continue
            if syn.is_identifier(name) or identifier_values(raw.body[j]):
                dropped.append(name)
                continue
            if name not in seen:
                seen.add(name)
                covariates[j] = name
    return claims, covariates, [], dropped


# ----------------------------------------------------------------------------- the loader


class _Loader:
    """One load: segments → typed tables → cross-table checks → canonical frames."""

    def __init__(self, reporter: _Reporter, mapping: Mapping, hb_unit: str | None = None):
        self.r = reporter
        self.mapping = mapping
        self.segments: list[_Segment] = []
        self.dropped: list[str] = []
        self.unmapped: list[str] = []
        self.hb_unit_option = hb_unit  # the user's unit for undeclared Hb (Data page, --hb-unit)
        self.hb_units_seen: set[str] = set()
        self.hb_unit_question = False
        self.hb_value_fields: dict[int, str] = {}
        self.hb_notes: list[str] = []
        self.hold_covariates = False
        self.confirmed_covariates: frozenset[str] = frozenset()
        self.held: list[str] = []
        self.hb_seg_factor: dict[int, float] = {}  # segment index → its Hb unit's factor (NaN: per row)
        self._segment_index: dict[int, int] = {}
        self.uses_dates = False
        self.dates_seen: list[pd.Series] = []
        self.resolved_dates: dict[tuple[int, str], pd.Series] = {}

    # -- columns -------------------------------------------------------------------------
    def _segments_from(self, raws: list[RawTable]) -> list[str]:
        kinds = []
        for raw, table in _assign_tables(raws, self.mapping, self.r):
            if table is None:
                continue
            kinds.append("visits" if table == syn.VISITS else raw.kind)
            claims, covariates, ignored, dropped = _claim_columns(raw, table, self.mapping, self.r)
            if dropped:
                self.dropped.extend(d for d in dropped if d not in self.dropped)
            by_name = [d for d in dropped if syn.is_identifier(d)]  # the value-detected ones warned already
            if by_name:
                self.r.add("warning", "identifier_dropped", raw.file, table, None, ", ".join(by_name), "",
                           f"Column(s) {', '.join(repr(d) for d in by_name)} look like direct identifiers (name, "
                           "contact details, national ID, medical record number, birth date) and were dropped "
                           "before anything else was read. They are not kept, shown, cached or exported.")
            self.unmapped.extend(f"{table}.{name}" for name in ignored)
            if self.hold_covariates and table in ("patients", syn.VISITS):
                for j, name in list(covariates.items()):
                    if not vocab.is_clinical_covariate(name) and name not in self.confirmed_covariates:
                        del covariates[j]  # held until the user confirms it is not an identifier
                        if name not in self.held:
                            self.held.append(name)
            self.unmapped.extend(f"{table}.{name}" for name in covariates.values())
            present = set(claims.values())
            missing = False
            for alternatives in syn.REQUIRED_FIELDS[table]:
                if not present.intersection(alternatives):
                    missing = True
                    self._missing_column(raw, table, alternatives, dropped, covariates, ignored)
            body = raw.body
            # a row with nothing in it is spacing, not data
            keep_pos = [j for j in (*claims, *covariates)]
            frame = body[keep_pos] if keep_pos else pd.DataFrame(index=body.index)
            frame.columns = [claims.get(j) or covariates[j] for j in keep_pos]
            row_numbers = pd.Series(source_rows(raw), index=body.index)
            filled = frame.notna().any(axis=1) if keep_pos else pd.Series(False, index=body.index)
            frame = frame.assign(_row=row_numbers)
            if not filled.all():  # copying a registry-size table only when there is a gap
                frame = frame[filled].reset_index(drop=True)
            columns = {**{t: raw.header[j] for j, t in claims.items()}, **{n: n for n in covariates.values()}}
            if missing:
                continue
            seg = _Segment(raw.file, table, raw.label if isinstance(raw, MappedTable) else table, frame, columns)
            if table == syn.VISITS:
                parts, varying = split_visits(frame)
                for part in parts:
                    names = {**columns, **{to: columns.get(src, src) for to, src in part.renamed.items()}}
                    self.segments.append(_Segment(raw.file, part.table, table, part.frame, names, part.zero_means_none))
                for v in varying:
                    name = columns.get(v.column, v.column)
                    self.r.add("warning", "visits_value_varies", raw.file, table, v.first_row, name, "",
                               f"{name!r} should be the same on every row of a patient but differs for "
                               f"{v.n_patients} patient(s) ({', '.join(v.examples)}); the first value was used.")
            else:
                self.segments.append(seg)
        return kinds

    def _missing_column(self, raw, table, alternatives, dropped, covariates, ignored) -> None:
        names = " or ".join(alternatives)
        hints = [n for n in (*covariates.values(), *ignored)]
        hint = f" Columns found that were not recognised: {', '.join(repr(h) for h in hints)} — rename the right one or map it on the Data page." if hints else ""
        if alternatives == ("patient_id",) and any(syn.normalise_name(d) in syn.MRN_NAMES for d in dropped):
            self.r.add("error", "mrn_only_id", raw.file, table, None, "patient_id", "",
                       "The only patient identifier is a medical record number, which is a direct identifier and "
                       "was dropped. Add a pseudonymous study id column 'patient_id' (e.g. P01, P02…) and keep "
                       "the key linking it to the record number outside this file.")
            return
        self.r.add("error", "missing_column", raw.file, table, None, names.split(" or ")[0], "",
                   f"The {table} table needs a column {names}." + hint)

    # -- values --------------------------------------------------------------------------
    def _parse_segment(self, seg: _Segment, date_parses: list) -> pd.DataFrame:
        """Typed columns of one segment; date columns are parsed in two phases."""
        frame = seg.frame
        out = pd.DataFrame({"_row": frame["_row"].to_numpy()})
        required = REQUIRED_VALUES.get(seg.table, ())
        if seg.table == "doses":  # one of the two dose fields must be filled in
            required = (*required, *[f for f in ("dose_mg_kg", "dose_mg") if f in frame][:1])
            if "dose_mg_kg" in frame and "dose_mg" in frame:
                required = REQUIRED_VALUES["doses"]
        for col in frame.columns:
            if col == "_row":
                continue
            kind = FIELD_KINDS.get(col) if col in syn.canonical_fields(seg.table) else None
            raw = frame[col]
            name = seg.columns.get(col, col)
            if kind is None:  # a patient covariate
                out[col] = _covariate(raw)
                continue
            if kind in ("id", "text", "sex", "category"):
                # long tables' ids are trimmed per distinct value in _patient_codes
                values = text_of(raw, strip=kind != "id" or seg.table == "patients")
                blank = values.isna()
                if kind == "sex":
                    values = normalise_sex(values)
                if kind == "category":
                    norm = values.map(syn.normalise_name, na_action="ignore")
                    mapped = norm.map(_CATEGORY_WORDS, na_action="ignore")
                    bad = values.notna() & mapped.isna()
                    if bad.any():
                        self.r.rows("error", "bad_category", seg, frame.loc[bad, "_row"], name, values[bad],
                                    lambda v: f"{v!r} is not an event category; use one of: {', '.join(EVENT_CATEGORIES)}.")
                    values = mapped.astype("string")
                out[col] = values.astype("string")
            elif kind in ("number", "grade"):
                values, blank, bad = parse_numbers(raw)
                if bad.any():
                    self.r.rows("error", "bad_number", seg, frame.loc[bad, "_row"], name, text_of(raw)[bad],
                                lambda v: f"{v!r} is not a number. Write only the number (e.g. 95 or 9.5), without units or words.")
                if kind == "grade":
                    wrong = values.notna() & ~values.isin([1, 2, 3, 4, 5])
                    if wrong.any():
                        self.r.rows("error", "bad_grade", seg, frame.loc[wrong, "_row"], name, values[wrong].map(_fmt),
                                    lambda v: f"Grade {v} is not a CTCAE grade; use a whole number from 1 to 5.")
                    values = values.where(~wrong).round().astype("Int64")
                out[col] = values
            elif kind == "day":
                values, blank, bad = parse_days(raw)
                if bad.any():
                    self.r.rows("error", "bad_day", seg, frame.loc[bad, "_row"], name, text_of(raw)[bad],
                                lambda v: f"{v!r} is not a study day. Write a whole number of days from the first dose "
                                          "(day 0; negative before it), or use a date column instead.")
                out[col] = values
            elif kind == "bool":
                values, blank, bad = parse_booleans(raw)
                if bad.any():
                    self.r.rows("error", "bad_boolean", seg, frame.loc[bad, "_row"], name, text_of(raw)[bad],
                                lambda v: f"{v!r} is not yes/no. Write yes or no (or true/false, 1/0).")
                out[col] = values
            elif kind == "date":
                parse = parse_dates(raw)
                date_parses.append((seg, col, name, parse, frame["_row"]))
                blank = parse.blank
                out[col] = parse.values
            else:  # pragma: no cover — every field has a kind
                continue
            time_field = "day" if "day" in frame else "date"
            if col in required or (col == time_field and seg.table != "patients"):
                empty = blank
                if empty.any():
                    self.r.rows("error", "blank_value", seg, frame.loc[empty, "_row"], name, [""] * int(empty.sum()),
                                f"{name!r} is empty. Fill it in, or delete the row.")
        return out

    def _resolve_date_order(self, date_parses) -> None:
        """Decide day-first / month-first once, from the evidence of every date column."""
        evidence = set()
        for _, _, _, parse, _ in date_parses:
            if len(parse.evidence) == 1:
                evidence |= parse.evidence
        global_order = evidence.pop() if len(evidence) == 1 else None
        for seg, col, name, parse, rows in date_parses:
            if len(parse.evidence) == 2:
                order = None
                self.r.add("error", "mixed_date_order", seg.file, seg.label, None, name, "",
                           f"Column {name!r} mixes day-first dates (e.g. 25/03/2024) and month-first dates "
                           "(e.g. 03/25/2024). Write every date as YYYY-MM-DD.")
            elif len(parse.evidence) == 1:
                order = next(iter(parse.evidence))
            elif parse.ambiguous:
                order = global_order
                if order is None:
                    self.r.add("error", "ambiguous_date", seg.file, seg.label, None, name, "",
                               f"The dates in {name!r} can be read day-first or month-first (e.g. 03/04/2024 is "
                               "3 April or 4 March). Write them as YYYY-MM-DD, or format the column as dates in Excel.")
                    order = DAY_FIRST  # only to finish checking; the load fails
            else:
                order = DAY_FIRST  # every pending date reads the same either way
            values, bad = resolve_dates(parse, order)
            if bad.any():
                raw_text = text_of(seg.frame[col])
                self.r.rows("error", "bad_date", seg, rows[bad.to_numpy()], name, raw_text[bad.to_numpy()],
                            lambda v: f"{v!r} is not a date this program can read. Write it as YYYY-MM-DD "
                                      "(e.g. 2024-03-05) or format the cell as a date in Excel.")
            self.resolved_dates[(id(seg), col)] = values.reset_index(drop=True)

    # -- run -----------------------------------------------------------------------------
    def run(self, raws: list[RawTable]):
        kinds = self._segments_from(raws)
        shape = "visits" if "visits" in kinds else "workbook" if "excel" in kinds else (
            "zip" if any("/" in r.file for r in raws) and len({r.file.split("/")[0] for r in raws}) == 1 else "csv-files")
        date_parses: list = []
        parsed: dict[str, list[tuple[_Segment, pd.DataFrame]]] = {t: [] for t in TABLES}
        for seg in self.segments:
            parsed[seg.table].append((seg, self._parse_segment(seg, date_parses)))
        self._resolve_date_order(date_parses)
        for table, items in parsed.items():
            for seg, frame in items:
                for col in ("date", *_PATIENT_DATE_FIELDS):
                    if (id(seg), col) in self.resolved_dates:
                        frame[col] = self.resolved_dates[(id(seg), col)].to_numpy()
        present = {t for t, items in parsed.items() if items}
        for table in ("patients", "hb", "doses"):
            if table not in present and not any(t == table for t in self._tables_with_missing_columns()):
                self.r.add("error", "missing_table", "", table, None, "", "",
                           f"There is no {table} table. Add a sheet (or CSV file) named {table!r}"
                           + (" with one row per patient." if table == "patients" else "."))
        tables = self._combine(parsed)
        canonical = self._checks(tables)
        seen = [pd.to_datetime(s, errors="coerce").dropna() for s in self.dates_seen if s.notna().any()]
        dates = pd.concat(seen, ignore_index=True) if seen else pd.Series(dtype="datetime64[ns]")
        date_range = (dates.min().date().isoformat(), dates.max().date().isoformat()) if len(dates) else None
        seen = sorted(self.hb_units_seen)
        hb_unit = seen[0] if len(seen) == 1 else (" + ".join(seen) if seen else "g/L")
        info = {"shape": shape, "hb_unit": hb_unit, "hb_notes": self.hb_notes, "uses_dates": self.uses_dates, "date_range": date_range,
                "dropped": self.dropped, "unmapped": self.unmapped}
        return canonical, info

    def _tables_with_missing_columns(self) -> set[str]:
        return {p.table for p in self.r.problems if p.code in ("missing_column", "mrn_only_id")} | (
            {"patients", "hb", "doses", "transfusions"} if any(
                p.code in ("missing_column", "mrn_only_id") and p.table == syn.VISITS for p in self.r.problems) else set())

    def _combine(self, parsed) -> dict[str, pd.DataFrame]:
        """One frame per table with ``_seg`` (index into self.segments) and ``_row``."""
        index_of = {id(s): i for i, s in enumerate(self.segments)}
        self._segment_index = index_of
        tables: dict[str, pd.DataFrame] = {}
        for table, items in parsed.items():
            frames = []
            for seg, frame in items:
                frame = frame.assign(_seg=index_of[id(seg)])
                if table == "hb":
                    frame = self._hb_to_g_l(seg, frame)
                if table != "patients" and "date" in frame and frame["date"].notna().any():
                    self.dates_seen.append(frame["date"].dropna())
                frames.append(frame)
            if len(frames) > 1:
                tables[table] = pd.concat(frames, ignore_index=True)
            else:
                tables[table] = frames[0] if frames else None
        return tables

    def _hb_to_g_l(self, seg: _Segment, frame: pd.DataFrame) -> pd.DataFrame:
        """Hb in g/L, converted only from a declared unit (SPEC §2a): the header (``hb_g_dl``,
        ``Hb (mmol/L)``), a unit column (per row), or the user's ``hb_unit``. Undeclared
        values all below 25 fit g/dL and mmol/L alike: an error asking which.

        Without a unit column the whole segment has one unit (a scalar: a registry's 6 M Hb
        rows cost one multiplication, or none for g/L)."""
        field = next((f for f in syn.HB_FIELDS if f in frame), None)
        if field is None:
            return frame
        name = seg.columns.get(field, field)
        seg.columns.setdefault("hb_g_l", name)
        header_unit = _HEADER_UNITS.get(field)
        values = frame[field]
        seg_index = self._segment_index[id(seg)]
        if "hb_unit" not in frame:
            unit, how = header_unit, "header"
            if unit is None and self.hb_unit_option:
                unit, how = self.hb_unit_option, "your choice"
            if unit is None:
                present = values.dropna()
                if len(present) and bool((present < vocab.HB_AMBIGUOUS_BELOW).all()):
                    self._ask_hb_unit(seg, name, present.iloc[0])
                unit, how = "g/L", "values of 25 or more, possible only in g/L"
            self.hb_seg_factor[seg_index] = vocab.HB_UNIT_FACTORS[unit]
            self.hb_units_seen.add(unit)
            self.hb_notes.append(f"Hb unit of {seg.label}.{name}: {unit} ({how})")
            out = frame.drop(columns=[field]) if field != "hb_g_l" else frame
            if unit != "g/L":
                self._converted(seg, name, unit, int(values.notna().sum()), [how])
                return out.assign(hb_g_l=values.astype("float64") * vocab.HB_UNIT_FACTORS[unit])
            return out if field == "hb_g_l" else out.assign(hb_g_l=values)
        # a unit column: per row
        unit_name = seg.columns.get("hb_unit", "hb_unit")
        unit, unknown = vocab.hb_units_of(frame["hb_unit"])
        if unknown.any():
            self.r.rows("error", "unknown_hb_unit", seg, frame.loc[unknown, "_row"], unit_name, frame.loc[unknown, "hb_unit"],
                        lambda v: f"{v!r} is not an Hb unit this program converts. Use g/L, g/dL or mmol/L.")
        if header_unit is not None:
            clash = unit.notna() & (unit != header_unit)
            if clash.any():
                self.r.rows("error", "hb_unit_conflict", seg, frame.loc[clash, "_row"], unit_name, unit[clash],
                            lambda v: f"The unit column says {v} but the column {name!r} says {header_unit}. "
                                      "Correct one of them.")
        by_column = unit.notna()
        fallback = header_unit or self.hb_unit_option
        open_rows = (unit.isna() & values.notna() & ~unknown).to_numpy()
        if open_rows.any() and fallback is None:
            undeclared = values[open_rows]
            if bool((undeclared < vocab.HB_AMBIGUOUS_BELOW).all()):
                self._ask_hb_unit(seg, name, undeclared.iloc[0])
        unit = unit.fillna(fallback or "g/L")
        factor = unit.map(vocab.HB_UNIT_FACTORS).astype("float64").fillna(1.0).to_numpy()
        self.hb_seg_factor[seg_index] = np.nan
        for u in sorted(set(unit.dropna().unique())):
            self.hb_units_seen.add(u)
            rows = (unit == u).to_numpy()
            how = (["unit column"] if by_column[rows].any() else []) + (
                ["header" if header_unit else "your choice"] if (~by_column[rows]).any() and fallback else [])
            self.hb_notes.append(f"Hb unit of {seg.label}.{name}: {u} ({' and '.join(how) or 'values of 25 or more'})")
            if u != "g/L":
                self._converted(seg, name, u, int(rows.sum()), how or ["unit column"])
        out = frame.drop(columns=[c for c in (field, "hb_unit") if c in frame and c != "hb_g_l"])
        return out.assign(hb_g_l=values.astype("float64").to_numpy() * factor, _hb_factor=factor)

    def _ask_hb_unit(self, seg: _Segment, name: str, example) -> None:
        self.r.add("error", "hb_unit_ambiguous", seg.file, seg.label, None, name, _fmt(example),
                   f"The Hb values in {name!r} have no unit and are all below {vocab.HB_AMBIGUOUS_BELOW:g}, so they "
                   "fit g/dL and mmol/L alike: declare which (choose the Hb unit on the Data page or with --hb-unit "
                   "g/dL|mmol/L, add a unit column, or name the column hb_g_dl or 'Hb (mmol/L)').")
        self.hb_unit_question = True

    def _converted(self, seg: _Segment, name: str, unit: str, rows: int, how: list[str]) -> None:
        example = "9.5 g/dL = 95 g/L" if unit == "g/dL" else "6.2 mmol/L = 99.9 g/L"
        self.r.add("warning", "hb_g_dl_converted" if unit == "g/dL" else "hb_mmol_l_converted", seg.file, seg.label,
                   None, name, "",
                   f"{rows} Hb value(s) in {name!r} are in {unit} (declared by {' and '.join(_BY.get(h, h) for h in how)}); they were "
                   f"converted to g/L (× {vocab.HB_UNIT_FACTORS[unit]:g}, e.g. {example}).")

    # -- cross-table checks ----------------------------------------------------------------
    def _rows(self, severity, code, table_frame, mask, field, message, values=None) -> None:
        """Report ``mask`` rows of a combined table, grouped by the segment they came from."""
        if not mask.any():
            return
        hit = table_frame.loc[mask, ["_seg", "_row"]]
        shown = values[mask] if values is not None else (table_frame.loc[mask, field] if field in table_frame else pd.Series([""] * len(hit), index=hit.index))
        for seg_id, group in hit.groupby("_seg", sort=True):
            seg = self.segments[int(seg_id)]
            name = seg.columns.get(field, field)
            self.r.rows(severity, code, seg, group["_row"], name, shown.loc[group.index].map(_fmt), message)

    def _checks(self, tables: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
        """Cross-table rules. Patients become integer codes (their rank by ``patient_id``) so
        that every per-patient rule is a NumPy operation, not a string group-by."""
        patients = tables.get("patients")
        if patients is None:
            patients = pd.DataFrame({"patient_id": pd.Series(dtype="string"), "_seg": [], "_row": []})
        if "patient_id" not in patients:
            patients = patients.assign(patient_id=pd.Series(pd.NA, index=patients.index, dtype="string"))
        patients = patients[patients["patient_id"].notna()]
        dup = patients["patient_id"].duplicated(keep="first")
        if dup.any():
            first_row = patients.drop_duplicates("patient_id").set_index("patient_id")["_row"]
            self._rows("error", "duplicate_patient", patients, dup, "patient_id",
                       lambda v: f"patient_id {v} appears on more than one row (first on row {int(first_row[v])}); "
                                 "each patient needs exactly one row.")
        patients = patients[~dup].sort_values("patient_id", kind="stable").reset_index(drop=True)
        ids = pd.Index(patients["patient_id"].astype("string"))
        n = len(ids)

        out: dict[str, pd.DataFrame | None] = {}
        for table in TABLES:
            if table == "patients":
                continue
            frame = tables.get(table)
            if frame is None or "patient_id" not in frame:
                out[table] = None
                continue
            has_id = frame["patient_id"].notna()
            if not has_id.all():
                frame = frame[has_id]
            codes, clean = _patient_codes(frame["patient_id"], ids)
            frame = frame.assign(_pid=codes)
            frame.attrs["ids_clean"] = clean
            if tables.get("patients") is not None:
                self._rows("error", "unknown_patient", frame, pd.Series(codes < 0, index=frame.index), "patient_id",
                           lambda v: f"patient_id {v} is not in the patients table. Add the patient there, or "
                                     "correct the id.")
            out[table] = frame

        # first dose date: patients.first_dose_date, else the earliest dated dose
        fdd = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        if "first_dose_date" in patients:
            fdd = patients["first_dose_date"].to_numpy(dtype="datetime64[ns]").copy()
        doses = out.get("doses")
        if doses is not None and "date" in doses and doses["date"].notna().any():
            dated = doses[doses["date"].notna() & (doses["_pid"] >= 0)]
            earliest = dated.groupby("_pid")["date"].min()
            earliest_arr = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            earliest_arr[earliest.index.to_numpy()] = earliest.to_numpy(dtype="datetime64[ns]")
            differs = ~np.isnat(fdd) & ~np.isnat(earliest_arr) & (fdd != earliest_arr)
            if differs.any():
                self._rows("warning", "first_dose_date_mismatch", patients, pd.Series(differs, index=patients.index),
                           "first_dose_date",
                           lambda v: f"first_dose_date {v} differs from the earliest dose date; study days count "
                                     "from first_dose_date.",
                           values=patients["first_dose_date"].dt.strftime("%Y-%m-%d"))
            fdd = np.where(np.isnat(fdd), earliest_arr, fdd)
        for table, frame in out.items():
            if frame is not None:
                out[table] = self._study_days(frame, fdd)

        if "last_followup_date" in patients:
            self.uses_dates = True
            self.dates_seen.append(patients["last_followup_date"].dropna())
            from_date = pd.Series((patients["last_followup_date"].to_numpy(dtype="datetime64[ns]") - fdd)
                                  / np.timedelta64(1, "D"), index=patients.index)
            day = patients["last_followup_day"] if "last_followup_day" in patients else pd.Series(np.nan, index=patients.index)
            patients = patients.assign(last_followup_day=day.astype("float64").fillna(from_date.round()))
        if "first_dose_date" in patients:
            self.dates_seen.append(patients["first_dose_date"].dropna())

        self._doses_in_mg(out, patients)
        self._range_checks(out)
        self._patient_checks(patients, out)
        return self._canonical(patients, out)

    def _doses_in_mg(self, out, patients: pd.DataFrame) -> None:
        """A dose in mg becomes mg/kg with the weight on the dose row (e.g. the last SDTM VS
        WEIGHT on or before it), else the patients table's ``weight_kg`` (SPEC §2a)."""
        doses = out.get("doses")
        if doses is None or "dose_mg" not in doses:
            return
        mg = doses["dose_mg"].astype("float64")
        mg_kg = doses["dose_mg_kg"].astype("float64") if "dose_mg_kg" in doses else pd.Series(np.nan, index=doses.index)
        need = (mg_kg.isna() & mg.notna()).to_numpy()
        if not need.any():
            return
        weight = doses["weight_kg"].astype("float64") if "weight_kg" in doses else pd.Series(np.nan, index=doses.index)
        if "weight_kg" in patients:
            per_patient = patients["weight_kg"].to_numpy(dtype="float64", na_value=np.nan)
            codes = doses["_pid"].to_numpy(dtype="int64")
            known = codes >= 0
            fallback = np.full(len(doses), np.nan)
            fallback[known] = per_patient[codes[known]]
            weight = weight.fillna(pd.Series(fallback, index=doses.index))
        bad_weight = weight.notna() & (weight <= 0)
        no_weight = pd.Series(need, index=doses.index) & (weight.isna() | bad_weight)
        pid = doses["patient_id"].astype("string")
        self._rows("error", "dose_mg_no_weight", doses, no_weight, "dose_mg",
                   lambda v: f"A dose of {v} needs the patient's weight to become mg/kg, and none is known: add "
                             "weight_kg to the patients table (or the weight to the dose rows / SDTM VS WEIGHT).",
                   values=mg.map(_fmt) + " mg for patient " + pid.fillna(""))
        converted = mg / weight
        doses = doses.assign(dose_mg_kg=mg_kg.where(~pd.Series(need, index=doses.index), converted))
        first = int(np.flatnonzero(need)[0])
        seg = self.segments[int(doses["_seg"].iloc[first])]
        self.r.add("warning", "dose_mg_converted", seg.file, seg.label, None, seg.columns.get("dose_mg", "dose_mg"), "",
                   f"{int(need.sum())} dose(s) given in mg were divided by the patient's weight to give mg/kg "
                   f"(e.g. {mg.iloc[first]:g} mg / {weight.iloc[first]:g} kg = {converted.iloc[first]:.2f} mg/kg).")
        out["doses"] = doses

    def _study_days(self, frame: pd.DataFrame, fdd: np.ndarray) -> pd.DataFrame:
        """``day`` for rows that gave a date: date − the patient's first dose date."""
        has_day = "day" in frame
        if "date" not in frame:
            return frame if has_day else frame.assign(day=np.nan)
        self.uses_dates = self.uses_dates or bool(frame["date"].notna().any())
        day = frame["day"].to_numpy(dtype="float64", copy=True) if has_day else np.full(len(frame), np.nan)
        dates = frame["date"].to_numpy(dtype="datetime64[ns]")
        codes = frame["_pid"].to_numpy()
        needs = ~np.isnat(dates) & np.isnan(day) & (codes >= 0)
        if needs.any():
            ref = fdd[codes[needs]]
            day[needs] = (dates[needs] - ref) / np.timedelta64(1, "D")
            no_ref = np.zeros(len(frame), dtype=bool)
            no_ref[needs] = np.isnat(ref)
            self._rows("error", "no_first_dose_date", frame, pd.Series(no_ref, index=frame.index), "date",
                       "This date cannot become a study day: the patient's first dose date is unknown. Add "
                       "first_dose_date to the patients table, or give the doses as dates.",
                       values=frame["date"].dt.strftime("%Y-%m-%d"))
        return frame.assign(day=day)

    def _zero_means_none(self, frame: pd.DataFrame) -> np.ndarray:
        flags = np.array([s.zero_means_none for s in self.segments], dtype=bool)
        return flags[frame["_seg"].to_numpy(dtype="int64")]

    def _range_checks(self, out: dict[str, pd.DataFrame | None]) -> None:
        hb = out.get("hb")
        if hb is not None and "hb_g_l" in hb and not self.hb_unit_question:
            wrong = hb["hb_g_l"].notna() & ~hb["hb_g_l"].between(HB_MIN_G_L, HB_MAX_G_L)
            if wrong.any():
                factors = np.array([self.hb_seg_factor.get(i, 1.0) for i in range(len(self.segments))])
                factor = pd.Series(factors[hb["_seg"].to_numpy(dtype="int64")], index=hb.index)
                if "_hb_factor" in hb:
                    factor = factor.where(factor.notna(), hb["_hb_factor"])
                factor = factor.where(wrong, 1.0).fillna(1.0)
                names = factor.map({f: u for u, f in vocab.HB_UNIT_FACTORS.items()}).fillna("g/L")
                given = (hb["hb_g_l"] / factor).round(4).map(_fmt) + " " + names.astype(str)
                shown = given.where(names == "g/L", given + " = " + hb["hb_g_l"].round(1).map(_fmt) + " g/L")
                self._rows("error", "hb_out_of_range", hb, wrong, "hb_g_l",
                           lambda v: f"Hb {v} is outside {HB_MIN_G_L:g}–{HB_MAX_G_L:g} g/L. Check the value and its "
                                     "declared unit (g/L, e.g. 95; g/dL, e.g. 9.5; mmol/L, e.g. 5.9).",
                           values=shown)
        tx = out.get("transfusions")
        if tx is not None and "units" in tx:
            zero_rows = self._zero_means_none(tx) & (tx["units"] == 0).to_numpy()
            if zero_rows.any():
                tx = tx[~zero_rows].reset_index(drop=True)
            wrong = tx["units"].notna() & ((tx["units"] <= 0) | (tx["units"] > UNITS_MAX_PER_EPISODE))
            self._rows("error", "units_out_of_range", tx, wrong, "units",
                       lambda v: f"{v} units in one transfusion episode is not plausible; give the RBC units of one "
                                 f"episode (more than 0, at most {UNITS_MAX_PER_EPISODE:g}).")
            if "product" in tx:
                # normalise the few distinct spellings, not millions of rows
                is_rbc = vocab.is_rbc(tx["product"])
                tx = tx.assign(product=tx["product"].where(~is_rbc, "RBC"))
                other = ~is_rbc
                if other.any():
                    first = int(np.flatnonzero(other)[0])
                    seg = self.segments[int(tx["_seg"].iloc[first])]
                    self.r.add("warning", "non_rbc_product", seg.file, seg.label, None, seg.columns.get("product", "product"),
                               "", f"{int(other.sum())} transfusion row(s) are not red cells "
                                   f"(e.g. {tx['product'].iloc[first]!r}); they are kept but not counted in "
                                   "the transfusion burden.")
            out["transfusions"] = tx
        doses = out.get("doses")
        if doses is not None and "dose_mg_kg" in doses:
            zero_rows = self._zero_means_none(doses) & (doses["dose_mg_kg"] == 0).to_numpy()
            if zero_rows.any():
                doses = doses[~zero_rows].reset_index(drop=True)
            out["doses"] = doses
            wrong = doses["dose_mg_kg"].notna() & ~doses["dose_mg_kg"].between(DOSE_MIN_MG_KG, DOSE_MAX_MG_KG)
            self._rows("error", "dose_out_of_range", doses, wrong, "dose_mg_kg",
                       lambda v: f"A dose of {v} mg/kg is outside {DOSE_MIN_MG_KG:g}–{DOSE_MAX_MG_KG:g} mg/kg. Give "
                                 "the dose in mg/kg (e.g. 1.0), not in mg.")

    def _fields_of(self, table: str) -> set[str]:
        return {f for s in self.segments if s.table == table for f in s.columns}

    def _patient_checks(self, patients: pd.DataFrame, out) -> None:
        n = len(patients)
        if not n:
            if any(s.table == "patients" for s in self.segments):
                seg = next(s for s in self.segments if s.table == "patients")
                self.r.add("error", "no_patients", seg.file, seg.label, None, "", "",
                           "The patients table has no rows. Add one row per patient.")
            return

        def known(frame):
            ok = frame["_pid"].to_numpy() >= 0
            return frame if ok.all() else frame.loc[ok]

        def per_patient(mask_codes) -> pd.Series:
            return pd.Series(mask_codes, index=patients.index)

        doses = out.get("doses")
        n_doses = np.zeros(n, dtype="int64")
        if doses is not None:
            n_doses = np.bincount(known(doses)["_pid"].to_numpy(dtype="int64"), minlength=n)
        no_dose = n_doses == 0
        if doses is not None or any(s.table == "doses" for s in self.segments) or not self._tables_with_missing_columns():
            self._rows("error", "no_dose", patients, per_patient(no_dose), "patient_id",
                       lambda v: f"Patient {v} has no luspatercept dose. Add the doses (doses table), or remove the patient.")
        hb = out.get("hb")
        if hb is not None:
            rows = known(hb)
            in_window = rows["day"].between(-BASELINE_WINDOW_DAYS, 0).to_numpy()
            has_baseline = np.bincount(rows["_pid"].to_numpy(dtype="int64")[in_window], minlength=n) > 0
            self._rows("warning", "no_baseline_hb", patients, per_patient(~has_baseline), "patient_id",
                       lambda v: f"Patient {v} has no Hb in the {BASELINE_WINDOW_DAYS} days before the first dose "
                                 "(days −56 to 0), so their Hb response cannot be judged.")
        # follow-up: last_followup_day, else the last day of any record
        end = np.full(n, -np.inf)
        for frame in out.values():
            if frame is not None and "day" in frame and len(frame):
                rows = known(frame)
                days = rows["day"].to_numpy(dtype="float64")
                ok = ~np.isnan(days)
                np.maximum.at(end, rows["_pid"].to_numpy(dtype="int64")[ok], days[ok])
        if "last_followup_day" in patients:
            given = patients["last_followup_day"].to_numpy(dtype="float64", na_value=np.nan)
            end = np.where(np.isnan(given), end, given)
        short = (end < MIN_FOLLOWUP_DAYS) & ~no_dose
        self._rows("warning", "short_followup", patients, per_patient(short), "patient_id",
                   lambda v: f"Patient {v} is followed for fewer than {MIN_FOLLOWUP_DAYS} days after the first dose; "
                             "transfusion independence (≥ 56 days) cannot be judged yet.")
        if doses is not None and len(doses):
            rows = known(doses)
            pid = rows["_pid"].to_numpy(dtype="int64")
            day = rows["day"].to_numpy(dtype="float64")
            order = np.lexsort((day, pid))
            pid_sorted, day_sorted = pid[order], day[order]
            short_gap = np.zeros(len(rows), dtype=bool)
            short_gap[1:] = (pid_sorted[1:] == pid_sorted[:-1]) & (np.diff(day_sorted) < MIN_DOSE_INTERVAL_DAYS)
            flagged = np.zeros(len(rows), dtype=bool)
            flagged[order] = short_gap
            self._rows("warning", "short_dose_interval", rows, pd.Series(flagged, index=rows.index), "day",
                       f"This dose comes fewer than {MIN_DOSE_INTERVAL_DAYS} days after the previous one (protocol: "
                       "every 21 days). Check the day or date.", values=rows["day"])
            first_day = np.full(n, np.inf)
            np.minimum.at(first_day, pid, np.where(np.isnan(day), np.inf, day))
            off = np.isfinite(first_day) & (first_day != 0)
            if off.any() and not self.uses_dates:
                self._rows("warning", "first_dose_not_day0", patients, per_patient(off), "patient_id",
                           lambda v: f"Patient {v}'s first dose is not on day 0; study days should count from the "
                                     "first dose.")

    # -- canonical frames ---------------------------------------------------------------
    def _canonical(self, patients: pd.DataFrame, out) -> dict[str, pd.DataFrame]:
        if not self.r.has_errors:
            # every earlier rule should have caught a row without a study day; never crash on one
            for table, frame in out.items():
                if frame is not None and "day" in frame:
                    self._rows("error", "no_study_day", frame, frame["day"].isna(), "day",
                               "No study day could be worked out for this row. Give a day or a date.")
        if self.r.has_errors:
            return {}  # the load fails; building empty tables would only cost time
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
                    cols[col] = series.round().astype(dtype) if col == "day" else series.astype(dtype)
                else:
                    cols[col] = _missing_column(dtype, frame.index)
            codes = frame["_pid"].to_numpy(dtype="int64")
            if not frame.attrs.get("ids_clean", False):
                # the canonical (trimmed) id of each row, taken from the patients table
                cols["patient_id"] = pd.Series(patients["patient_id"].astype("string").array.take(codes), index=frame.index)
            if table == "transfusions":
                cols["product"] = cols["product"].fillna("RBC")
            result[table] = _sorted(pd.DataFrame(cols), codes)
            # Hand the codes to the analysis (it would otherwise hash these ids again). The
            # sorted table is ordered by code first, so its codes are the sorted codes.
            common.remember_codes(result[table]["patient_id"], result["patients"], np.sort(codes, kind="stable"))
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

        arrow = values._pa_array.combine_chunks() if isinstance(values._pa_array, pa.ChunkedArray) else values._pa_array
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


def _sorted(frame: pd.DataFrame, codes: np.ndarray) -> pd.DataFrame:
    """Sorted by patient (codes are ranks by ``patient_id``) then day; rows tied on both are
    ordered by every other column, so the file's row order never matters."""
    if not len(frame):
        return frame.reset_index(drop=True)
    day = frame["day"].to_numpy()
    same = codes[1:] == codes[:-1]
    already = bool(((codes[1:] > codes[:-1]) | (same & (day[1:] > day[:-1]))).all())
    if already:  # registries are usually written sorted: an O(n) check saves the sort
        return frame.reset_index(drop=True)
    order = np.lexsort((day, codes))
    c, d = codes[order], day[order]
    ties = (c[1:] == c[:-1]) & (d[1:] == d[:-1])
    if ties.any():
        keys = ["patient_id", "day"] + [col for col in frame.columns if col not in ("patient_id", "day")]
        return frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)
    if (np.diff(order) == 1).all():
        return frame.reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


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
