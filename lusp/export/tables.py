"""Tables → CSV and XLSX bytes, the shape a clinician opens in Excel.

Every table the app shows can be downloaded: the per-patient result table, the cohort
summary, the subgroup table and the validation report. The rules are the ones SPEC §4
sets for the command line, so a CSV from the app and one from ``python -m lusp analyze``
read the same:

- booleans are written ``true`` / ``false`` in CSV (native TRUE/FALSE cells in XLSX, so
  Excel's filters work on them);
- a value that cannot be computed is left empty;
- column names carry their units (``baseline_hb_g_l``, ``burden_before_u28``,
  ``rate_pct``), so a sheet read out of context still says what its numbers mean.

The XLSX has a bold, wrapped header row that stays frozen while scrolling, an
autofilter, and column widths fitted to the content. It is for people: in a language other
than English its sheet names, the headers of the tables made here (:data:`XLSX_HEADERS`)
and their group words are translated; the CSV always keeps the machine names.
"""
from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lusp.i18n import N_, _, current_language, use_language

#: Excel's hard limit on sheet-name length.
_SHEET_NAME_MAX = 31
#: Widest column we size automatically (characters); longer text wraps in the cell.
_COLUMN_WIDTH_MAX = 60

#: XLSX headers of the tables made here, shown in a language other than English (the English
#: workbook keeps the machine names, as the CSV always does). A column named otherwise (one
#: already titled by :func:`lusp.labels.labelled`) is written as it comes.
XLSX_HEADERS: dict[str, str] = {
    "measure": N_("Measure"),
    "value": N_("Value"),
    "group": N_("Group"),
    "n_responders": N_("Responders (n)"),
    "n_patients": N_("Patients (n)"),
    "rate_pct": N_("Response rate (%)"),
    "ci_low_pct": N_("95 % CI lower limit (%)"),
    "ci_high_pct": N_("95 % CI upper limit (%)"),
}
#: Group values of :func:`response_rate_table` in words, for the same translated workbook.
XLSX_GROUPS: dict[str, str] = {"overall": N_("All patients"), "td": N_("TD at baseline"), "ntd": N_("NTD at baseline")}
#: Sheet names the app and the command line use, translated in the same way.
XLSX_SHEETS: dict[str, str] = {
    "table": N_("Table"),
    "patients": N_("Patients"),
    "summary": N_("Summary"),
    "response rates": N_("Response rates"),
    "validation report": N_("Validation report"),
    "Table 1": N_("Table 1"),
}


# --------------------------------------------------------------------------------------
# Tables made from results
# --------------------------------------------------------------------------------------


def patient_table(results: Any) -> pd.DataFrame:
    """The per-patient result table as exported: ``results.table``, untouched.

    The column names are already the SPEC §4 names, which carry their units. Kept as a
    function so the app, the deck and the tests name the same thing.
    """
    return results.table.copy()


def summary_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The cohort summary (``lusp.analysis.summarize``) flattened to one row per figure.

    Returns
    -------
    DataFrame
        ``measure`` — the summary key, nested keys joined with ``.``
        (``response_rate.td.ci_low``); ``value`` — the figure (number, text or empty).
        Key names carry their units as the summary defines them; rates are fractions.
    """
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            rows.append((prefix, "; ".join(map(str, value))))
        else:
            rows.append((prefix, _plain(value)))

    walk("", summary)
    return pd.DataFrame(rows, columns=["measure", "value"]).astype({"measure": "string"})


def response_rate_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Response rates overall / TD / NTD with exact 95 % CIs, in per cent.

    Returns
    -------
    DataFrame
        ``group`` (overall, td, ntd), ``n_responders``, ``n_patients``, ``rate_pct``,
        ``ci_low_pct``, ``ci_high_pct`` (Clopper–Pearson, as ``summarize`` computed them;
        empty when the group is empty).
    """
    counts = {
        "overall": (summary.get("n_responders"), summary.get("n_patients")),
        "td": (summary.get("n_td_responders"), summary.get("n_td")),
        "ntd": (summary.get("n_ntd_responders"), summary.get("n_ntd")),
    }
    rates = summary.get("response_rate", {}) or {}
    rows = []
    for group, (n_resp, n_all) in counts.items():
        rate = rates.get(group, {}) or {}
        rows.append(
            {
                "group": group,
                "n_responders": n_resp,
                "n_patients": n_all,
                "rate_pct": _pct(rate.get("rate")),
                "ci_low_pct": _pct(rate.get("ci_low")),
                "ci_high_pct": _pct(rate.get("ci_high")),
            }
        )
    frame = pd.DataFrame(rows)
    return frame.astype(
        {
            "group": "string",
            "n_responders": "Int64",
            "n_patients": "Int64",
            "rate_pct": "Float64",
            "ci_low_pct": "Float64",
            "ci_high_pct": "Float64",
        }
    )


def validation_table(report: Any) -> pd.DataFrame:
    """The validation report (``lusp.validate.ValidationReport``), one row per problem."""
    return report.to_frame()


# --------------------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------------------


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``, or
    starting with tab / CR) gets a leading apostrophe, which Excel, LibreOffice and Sheets
    show as text; anything else, numbers and number-like text (``-5``, ``+1.5e3``) included,
    is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise_cell` applied to every text cell and to
    the column names (numeric, boolean and date columns are not touched)."""
    out = frame.copy()
    for position, column in enumerate(out.columns):
        series = out.iloc[:, position]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out.isetitem(position, series.map(neutralise_cell, na_action="ignore"))
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, **to_csv: Any) -> str:
    """The one CSV writer of the product: ``frame.to_csv(index=False, **to_csv)`` after
    :func:`neutralise_formulas`. Every CSV the app and the command line write goes through
    here, so no cell of a user's file becomes a formula in the spreadsheet that opens it."""
    return neutralise_formulas(frame).to_csv(index=False, **to_csv)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV: booleans ``true``/``false``, missing values empty, no index, formula
    cells neutralised (:func:`write_csv`).

    Written with a byte-order mark so Excel opens non-ASCII text (CJK diagnoses, ``≥``)
    correctly when the file is double-clicked; pandas, calamine and R all skip it.
    """
    text = write_csv(_csv_ready(frame), lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx_bytes(
    tables: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    sheet_name: str = "table",
    notes: Mapping[str, str] | None = None,
    lang: str | None = None,
) -> bytes:
    """An XLSX workbook with one formatted sheet per table.

    Parameters
    ----------
    tables
        One frame (written to ``sheet_name``) or ``{sheet name: frame}``.
    notes
        Optional ``{sheet name: text}``: one line written under the table (e.g. the
        criteria set and filters in force), separated by an empty row.
    lang
        The language of the sheet names and headers (default: the language in force; pass
        it when the workbook is built outside the reader's session, e.g. a deferred
        download). English keeps the machine names.

    Notes
    -----
    Header: bold, wrapped, bottom border, frozen (``freeze_panes(1, 0)``) with an
    autofilter. Missing values are empty cells; booleans are Excel booleans; numbers
    stay numbers so they can be summed.
    """
    if isinstance(tables, pd.DataFrame):
        tables = {sheet_name: tables}
    notes = notes or {}
    with use_language(lang):
        translate = current_language() != "en"
        return _xlsx_bytes(tables, notes, translate)


def _people_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the headers of :data:`XLSX_HEADERS` and the response-rate groups in
    the language in force."""
    out = frame.copy()
    if "group" in out.columns and "n_responders" in out.columns:
        out["group"] = out["group"].map(lambda g: _(XLSX_GROUPS[g]) if g in XLSX_GROUPS else g)  # i18n: lookup
    out.columns = [_(XLSX_HEADERS[c]) if c in XLSX_HEADERS else c for c in out.columns]  # i18n: lookup
    return out


def _xlsx_bytes(tables: Mapping[str, pd.DataFrame], notes: Mapping[str, str], translate: bool) -> bytes:
    buffer = io.BytesIO()
    # Import here: XlsxWriter is only needed when someone downloads a workbook.
    import xlsxwriter

    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False})
    header_format = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#EEF2F7"}
    )
    wrap_format = workbook.add_format({"text_wrap": True, "valign": "top"})
    note_format = workbook.add_format({"italic": True, "font_color": "#555555"})
    used_names: set[str] = set()
    for name, frame in tables.items():
        shown = _(XLSX_SHEETS[name]) if translate and name in XLSX_SHEETS else name  # i18n: lookup
        if translate:
            frame = _people_frame(frame)
        sheet = workbook.add_worksheet(_sheet_name(shown, used_names))
        columns = [str(c) for c in frame.columns]
        for col_idx, column in enumerate(columns):
            sheet.write_string(0, col_idx, column, header_format)
        for row_idx, row in enumerate(frame.itertuples(index=False, name=None), start=1):
            for col_idx, value in enumerate(row):
                _write_cell(sheet, row_idx, col_idx, value, wrap_format)
        for col_idx, column in enumerate(columns):
            width = _column_width(column, frame.iloc[:, col_idx])
            sheet.set_column(col_idx, col_idx, width)
        sheet.freeze_panes(1, 0)
        if columns:
            sheet.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
        if name in notes and notes[name]:
            sheet.write_string(len(frame) + 2, 0, notes[name], note_format)
    workbook.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where boolean columns read ``true``/``false`` and NA is empty."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series.dtype) or _is_boolean_objects(series):
            out[column] = series.map(lambda v: "" if _is_missing(v) else ("true" if v else "false")).astype("object")
    return out


def _is_boolean_objects(series: pd.Series) -> bool:
    if series.dtype != object:
        return False
    values = [v for v in series if not _is_missing(v)]
    return bool(values) and all(isinstance(v, (bool, np.bool_)) for v in values)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _plain(value: Any) -> Any:
    """NumPy / pandas scalars → Python scalars; NA → None."""
    if _is_missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _pct(fraction: Any) -> float | None:
    fraction = _plain(fraction)
    return None if fraction is None else float(fraction) * 100.0


def _write_cell(sheet: Any, row: int, col: int, value: Any, wrap_format: Any) -> None:
    value = _plain(value)
    if value is None:
        return  # an empty cell: SPEC §4 "a value that cannot be computed is left empty"
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and math.isinf(value):
            sheet.write_string(row, col, "inf" if value > 0 else "-inf")
        else:
            sheet.write_number(row, col, value)
    elif isinstance(value, pd.Timestamp):
        sheet.write_string(row, col, value.date().isoformat() if value == value.normalize() else value.isoformat())
    else:
        text = str(value)
        sheet.write_string(row, col, text, wrap_format if len(text) > _COLUMN_WIDTH_MAX else None)


def _column_width(header: str, series: pd.Series) -> float:
    lengths = [len(header) + 2]
    for value in series.head(500):
        if not _is_missing(value):
            lengths.append(len(str(_plain(value))) + 1)
    return float(min(max(lengths + [6]), _COLUMN_WIDTH_MAX))


def _sheet_name(name: str, used: set[str]) -> str:
    # Excel forbids []:*?/\ in sheet names and caps them at 31 characters.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name)).strip() or "sheet"
    clean = clean[:_SHEET_NAME_MAX]
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = clean[: _SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate
