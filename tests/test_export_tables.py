"""Table exports: CSV and XLSX bytes parse back to the table on screen."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from lusp.export.tables import (
    response_rate_table,
    summary_table,
    to_csv_bytes,
    to_xlsx_bytes,
    validation_table,
)
from lusp.validate import Problem, ValidationReport


@pytest.fixture
def patient_like() -> pd.DataFrame:
    # Three patients shaped like Results.table: nullable booleans, Float64 with NA,
    # a CJK diagnosis (Excel must keep it) and a long reason sentence.
    return pd.DataFrame(
        {
            "patient_id": pd.array(["P01", "P02", "P03"], dtype="string"),
            "diagnosis": pd.array(["MDS", "骨髓纤维化", "AML"], dtype="string"),
            "td_baseline": pd.array([True, False, pd.NA], dtype="boolean"),
            "baseline_hb_g_l": pd.array([61.0, 74.5, pd.NA], dtype="Float64"),
            "n_doses": pd.array([4, 2, pd.NA], dtype="Int64"),
            "reason": pd.array(["TD at baseline (4 U in 8 weeks); no transfusion " * 3, "", pd.NA], dtype="string"),
        }
    )


def _read_xlsx(data: bytes, sheet: int = 0) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(sheet).to_python(skip_empty_area=False)


def test_csv_writes_booleans_true_false_and_na_empty(patient_like):
    text = to_csv_bytes(patient_like).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "patient_id,diagnosis,td_baseline,baseline_hb_g_l,n_doses,reason"
    assert lines[1].startswith("P01,MDS,true,61.0,4,")
    assert lines[2].startswith("P02,骨髓纤维化,false,74.5,2,")
    assert lines[3] == "P03,AML,,,,"


def test_csv_round_trips_through_pandas(patient_like):
    back = pd.read_csv(io.BytesIO(to_csv_bytes(patient_like)), encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == list(patient_like.columns)
    assert back["td_baseline"].astype(str).tolist() == ["true", "false", ""]


def test_xlsx_reads_back_equal_to_the_table(patient_like):
    rows = _read_xlsx(to_xlsx_bytes(patient_like))
    assert rows[0] == list(patient_like.columns)
    body = rows[1:4]
    assert [r[0] for r in body] == ["P01", "P02", "P03"]
    assert [r[1] for r in body] == ["MDS", "骨髓纤维化", "AML"]
    assert [r[2] for r in body] == [True, False, ""]  # Excel booleans; NA is an empty cell
    assert [r[3] for r in body] == [61.0, 74.5, ""]
    assert [r[4] for r in body] == [4, 2, ""]
    assert body[0][5] == patient_like["reason"][0]


def test_xlsx_header_is_bold_and_frozen(patient_like):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(patient_like, sheet_name="patients")))
    sheet = book["patients"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.auto_filter.ref is not None


def test_xlsx_several_sheets_and_a_note(patient_like):
    data = to_xlsx_bytes(
        {"patients": patient_like, "validation/report?": validation_table(ValidationReport())},
        notes={"patients": "criteria: study; filters: none"},
    )
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert workbook.sheet_names == ["patients", "validation_report_"]
    rows = _read_xlsx(data)
    assert rows[-1][0] == "criteria: study; filters: none"


def test_export_does_not_mutate_the_input(patient_like):
    before = patient_like.copy()
    to_csv_bytes(patient_like)
    to_xlsx_bytes(patient_like)
    pd.testing.assert_frame_equal(patient_like, before)


SUMMARY = {
    "n_patients": 22,
    "n_td": 16,
    "n_ntd": 6,
    "n_responders": 14,
    "n_td_responders": 9,
    "n_ntd_responders": 5,
    "response_rate": {
        "overall": {"rate": 14 / 22, "ci_low": 0.407, "ci_high": 0.828},
        "td": {"rate": 9 / 16, "ci_low": 0.299, "ci_high": 0.802},
        "ntd": {"rate": 5 / 6, "ci_low": 0.359, "ci_high": 0.996},
    },
    "mean_baseline_hb_g_l": 60.61,
    "post_hb_measure": "peak",
}


def test_summary_table_flattens_nested_keys():
    table = summary_table(SUMMARY)
    by_measure = dict(zip(table["measure"], table["value"]))
    assert by_measure["n_patients"] == 22
    assert by_measure["response_rate.td.rate"] == pytest.approx(0.5625)
    assert by_measure["post_hb_measure"] == "peak"


def test_response_rate_table_in_percent():
    table = response_rate_table(SUMMARY)
    assert table["group"].tolist() == ["overall", "td", "ntd"]
    assert table["n_responders"].tolist() == [14, 9, 5]
    assert table["n_patients"].tolist() == [22, 16, 6]
    # 14/22 = 63.6 %, 9/16 = 56.25 %, 5/6 = 83.3 % (SPEC §1)
    assert table["rate_pct"].round(1).tolist() == [63.6, 56.2, 83.3]


def test_validation_report_exports_every_problem():
    report = ValidationReport.of(
        [
            Problem("warning", "f.xlsx", "hb", 3, "hb_g_l", "9.8", "Hb converted from g/dL"),
            Problem("error", "f.xlsx", "doses", None, "dose_mg_kg", "", "missing column"),
        ]
    )
    rows = _read_xlsx(to_xlsx_bytes(validation_table(report)))
    assert rows[0][:3] == ["severity", "file", "table"]
    assert [r[0] for r in rows[1:3]] == ["error", "warning"]
    assert rows[1][3] == ""  # a whole-column problem has no row
