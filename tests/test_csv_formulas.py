"""Issue 17 item 3: no CSV the product writes holds a cell a spreadsheet would run.

The OWASP rule: a text cell starting with ``=`` ``+`` ``-`` ``@`` tab or CR gets a leading
apostrophe; numbers (and number-like text such as ``-5``) are untouched. One function
(:func:`lusp.export.tables.write_csv`) writes every CSV: the CLI's ``analyze --out`` and
``compare --format csv``, the app's patient table, AE list and validation report
(:func:`to_csv_bytes`), the visits template.
"""
from __future__ import annotations

import io

import pandas as pd
import pytest

from lusp.cli import main
from lusp.export.tables import neutralise_cell, neutralise_formulas, to_csv_bytes, write_csv
from lusp.validate import Problem, ValidationReport
from tests.test_cli_analyze import COLUMNS
from tests.test_definitions_study import three_patients

HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_each_trigger_gets_an_apostrophe(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["P1", "MDS-RS", "a=b", " =1", "", "'=already", "-5", "+1.5e3", "-.5", "3",
                                   -5, 1.5, True, None])
def test_safe_cells_and_numbers_are_untouched(value):
    assert neutralise_cell(value) == value if value == value else True


def test_a_frame_keeps_its_numbers_and_dates():
    frame = pd.DataFrame({"id": ["=1+1", "P2"], "n": [-1, 2], "x": [-0.5, None],
                          "d": pd.to_datetime(["2024-01-01", None]), "s": pd.Series(["@a", pd.NA], dtype="string")})
    out = neutralise_formulas(frame)
    assert out["id"].tolist() == ["'=1+1", "P2"]
    assert out["n"].tolist() == [-1, 2] and out["n"].dtype == frame["n"].dtype
    assert out["x"].iloc[0] == -0.5 and pd.isna(out["x"].iloc[1])
    assert out["d"].dtype == frame["d"].dtype
    assert out["s"].iloc[0] == "'@a" and pd.isna(out["s"].iloc[1])
    assert frame["id"].iloc[0] == "=1+1"  # the input is not changed
    assert write_csv(pd.DataFrame({"=cmd": [1]}), lineterminator="\n") == "'=cmd\n1\n"  # header too


def test_validation_report_csv_is_neutralised():
    report = ValidationReport((Problem("error", "=HYPERLINK(\"http://x\")", "patients", 2, "@col", "+cmd|' /C calc'!A0",
                                       "bad value", "bad_value"),))
    text = to_csv_bytes(report.to_frame()).decode("utf-8-sig")
    row = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).iloc[0]
    assert row["file"] == "'=HYPERLINK(\"http://x\")" and row["column"] == "'@col"
    assert row["value"] == "'+cmd|' /C calc'!A0" and row["row"] == "2"


def _hostile_files(folder):
    cohort = three_patients()
    patients = cohort.table("patients")[COLUMNS["patients"]].copy()
    patients["diagnosis"] = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
    paths = []
    for name, columns in COLUMNS.items():
        frame = patients if name == "patients" else cohort.table(name)[columns]
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(str(path))
    return paths


def test_cli_analyze_out_neutralises_hostile_diagnoses(tmp_path):
    out = tmp_path / "results.csv"
    assert main(["analyze", *_hostile_files(tmp_path), "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table["diagnosis"].tolist() == ["'=HYPERLINK(\"http://x\",\"click\")", "'+cmd|' /C calc'!A0", "'@SUM(1+1)"]
    # numbers are written as before (p1's burden after, a negative Hb change stays a number)
    assert table["burden_after_u28"].iloc[0] == "0.28"
    raw = out.read_text(encoding="utf-8")
    assert not any(line.split(",")[1].startswith(("=", "+", "@")) for line in raw.splitlines()[1:])


def test_cli_compare_csv_neutralises(tmp_path, capsys):
    assert main(["compare", *_hostile_files(tmp_path), "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
