"""``python -m lusp validate`` and ``template``: exit codes, problem lines, no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lusp.cli import build_parser, main
from tests.test_load_shapes import TABLES, csv_bytes, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]


def write_cohort(folder: Path, **changes) -> list[str]:
    paths = []
    for name, frame in {**TABLES, **changes}.items():
        path = folder / f"{name}.csv"
        path.write_bytes(frame if isinstance(frame, bytes) else csv_bytes(frame))
        paths.append(str(path))
    return paths


def test_valid_file_exits_0_and_describes_what_was_read(tmp_path, capsys):
    path = tmp_path / "cohort.xlsx"
    path.write_bytes(workbook_bytes(TABLES))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr()
    assert "Read cohort.xlsx (workbook)" in out.out
    assert "patients" in out.out and "3 rows" in out.out
    assert "Traceback" not in out.err


def test_errors_exit_2_with_table_row_column_lines_on_stderr(tmp_path, capsys):
    hb = TABLES["hb"].astype(object).copy()
    hb.loc[1, "hb_g_l"] = "eighty"
    assert main(["validate", *write_cohort(tmp_path, hb=hb)]) == 2
    err = capsys.readouterr().err
    assert "hb:3:hb_g_l: 'eighty' is not a number" in err
    assert "Traceback" not in err


def test_warnings_only_exit_0_and_are_printed(tmp_path, capsys):
    patients = TABLES["patients"].assign(Name=["a", "b", "c"])
    assert main(["validate", *write_cohort(tmp_path, patients=patients)]) == 0
    assert "patients::Name: warning:" in capsys.readouterr().err


def test_missing_file_is_a_problem_line_not_a_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.xlsx")]) == 2
    assert "There is no file" in capsys.readouterr().err


def test_bad_mapping_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "m.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["validate", *write_cohort(tmp_path), "--mapping", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [[], ["--visits"]])
def test_template_writes_a_file_that_validates(tmp_path, capsys, extra):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(out), *extra]) == 0
    assert main(["validate", str(out)]) == 0


def test_template_refuses_a_non_excel_name(tmp_path, capsys):
    assert main(["template", "--out", str(tmp_path / "t.pdf")]) == 2


def test_help_names_every_command_for_a_clinician():
    text = build_parser().format_help()
    assert "validate" in text and "template" in text and "exit status" in text


def test_python_dash_m_lusp_runs_as_a_program(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02\x03")
    done = subprocess.run([sys.executable, "-m", "lusp", "validate", str(junk)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "not a text (CSV) file" in done.stderr and "Traceback" not in done.stderr
