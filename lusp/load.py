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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lusp.cohort import Cohort, SourceInfo
from lusp.i18n import N_, Text
from lusp.io import synonyms as syn
from lusp.io import vocab
from lusp.io.check import (  # the constants: re-exported, public names of lusp.load
    BASELINE_WINDOW_DAYS,
    DOSE_MAX_MG_KG,
    DOSE_MIN_MG_KG,
    FIELD_KINDS,
    HB_G_DL_IF_ALL_BELOW,
    HB_MAX_G_L,
    HB_MIN_G_L,
    MIN_DOSE_INTERVAL_DAYS,
    MIN_FOLLOWUP_DAYS,
    REQUIRED_VALUES,
    UNITS_MAX_PER_EPISODE,
    _Loader,
)
from lusp.io.mapping import (
    Mapping,
    _assign_tables,
    _check_mapping,
    _claim_columns,
    _text_column_predicate,
    mapping_from_json,
    mapping_to_json,
)
from lusp.io.problems import MAX_PROBLEMS_PER_RULE, _Reporter, _short
from lusp.io.readers import RawTable, read_file
from lusp.io.shapes import LoadOptions, Recognised, options_from, recognise
from lusp.io.sources import read_sources
from lusp.io.values import text_of
from lusp.validate import CohortLoadError

if TYPE_CHECKING:
    from lusp.io.choices import ExportChoices

__all__ = [
    "load_cohort",
    "inspect_columns",
    "TableColumns",
    "mapping_to_json",
    "mapping_from_json",
    "propose_choices",
    "MAX_PROBLEMS_PER_RULE",
]


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
                         Text("No table could be read from the file(s)."))
        raise CohortLoadError(reporter.report())
    # A workbook that declares itself synthetic on a documentation sheet (the bundled demo's
    # `about` sheet) is labelled so wherever it is shown, however it was opened.
    synthetic = synthetic or _declares_synthetic(raws)
    options = _options(mapping, hb_unit, rbc_ml_per_unit, study_drugs, hb_tests, test_columns)
    if options.hb_unit is not None and options.hb_unit not in vocab.HB_UNIT_FACTORS:
        reporter.add("error", "bad_option", "", "", None, "", options.hb_unit,
                     Text("{unit!r} is not an Hb unit; choose g/L, g/dL or mmol/L.", unit=options.hb_unit))
        raise CohortLoadError(reporter.report())
    if options.rbc_ml_per_unit is not None and not (50 <= options.rbc_ml_per_unit <= 600):
        reporter.add("error", "bad_option", "", "", None, "", f"{options.rbc_ml_per_unit:g}",
                     Text("{ml:g} mL per red-cell unit is not plausible; give 100–400 (e.g. 200 in "
                          "China, 250–350 elsewhere).", ml=options.rbc_ml_per_unit))
        raise CohortLoadError(reporter.report())
    recognised = _recognise(raws, mapping, reporter, options)
    loader = _Loader(reporter, mapping, options.hb_unit)
    loader.hold_covariates = confirm_covariates
    loader.confirmed_covariates = frozenset(options.covariates)
    cohort_tables, info = loader.run(recognised.raws)
    if loader.held:
        reporter.add("warning", "covariate_needs_confirmation", "", "patients", None, ", ".join(loader.held), "",
                     Text("Patient column(s) {columns} are neither known fields nor clearly "
                          "clinical, so they were not kept: confirm on the Data page that they hold no identifier to keep "
                          "them as covariates.", columns=", ".join(repr(h) for h in loader.held)))
    report = reporter.report()
    if report.has_errors:
        raise CohortLoadError(report)
    source = SourceInfo(
        name=files[0].name if len(files) == 1 else Text("{n} files", n=len(files)),
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
    names = {"visits": N_("visits sheet"), "workbook": N_("template workbook"), "zip": N_("template tables (zip of CSVs)"),
             "csv-files": N_("template tables (CSV files)")}
    return Text(names[shape]) if shape in names else shape  # i18n: lookup


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
