"""One test per class of bad input (SPEC §2), each asserting the exact table, row and column.

Rows are numbered as the user sees them: CSV line (header = line 1, so the k-th data row
is line k + 1) or Excel row (header = row 1).
"""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from lusp.load import inspect_columns, load_cohort, mapping_from_json, mapping_to_json
from lusp.validate import CohortLoadError
from tests.test_load_shapes import TABLES, csv_bytes, workbook_bytes, zip_bytes


def files_with(**changes) -> list:
    """The reference cohort as CSV uploads, with some tables replaced (None drops one)."""
    out = []
    for name, frame in {**TABLES, **changes}.items():
        if frame is not None:
            out.append((f"{name}.csv", frame if isinstance(frame, bytes) else csv_bytes(frame)))
    return out


def problems_of(sources, **kwargs):
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(sources, **kwargs)
    return caught.value.report.errors


def where(problems, code):
    return [(p.table, p.row, p.column) for p in problems if p.code == code]


def set_cell(frame, row, column, value):
    out = frame.astype(object).copy()
    out.loc[row, column] = value
    return out


HB, DOSES, PATIENTS, TX = TABLES["hb"], TABLES["doses"], TABLES["patients"], TABLES["transfusions"]


@pytest.mark.parametrize("change, code, expected", [
    # hb data row index 1 → CSV line 3
    ({"hb": set_cell(HB, 1, "hb_g_l", "eighty")}, "bad_number", [("hb", 3, "hb_g_l")]),
    ({"doses": set_cell(DOSES, 2, "day", "2.5")}, "bad_day", [("doses", 4, "day")]),
    ({"hb": set_cell(HB, 4, "hb_g_l", 300)}, "hb_out_of_range", [("hb", 6, "hb_g_l")]),
    ({"transfusions": set_cell(TX, 0, "units", 12)}, "units_out_of_range", [("transfusions", 2, "units")]),
    ({"transfusions": set_cell(TX, 1, "units", 0)}, "units_out_of_range", [("transfusions", 3, "units")]),
    ({"doses": set_cell(DOSES, 3, "dose_mg_kg", 75)}, "dose_out_of_range", [("doses", 5, "dose_mg_kg")]),
    ({"hb": set_cell(HB, 8, "patient_id", "P9")}, "unknown_patient", [("hb", 10, "patient_id")]),
    ({"doses": DOSES[DOSES["patient_id"] != "P3"]}, "no_dose", [("patients", 4, "patient_id")]),
    ({"patients": pd.concat([PATIENTS, PATIENTS.iloc[[0]]])}, "duplicate_patient", [("patients", 5, "patient_id")]),
    ({"hb": HB.drop(columns="hb_g_l")}, "missing_column", [("hb", None, "hb_g_l")]),
    ({"doses": None}, "missing_table", [("doses", None, "")]),
    ({"hb": set_cell(HB, 0, "hb_g_l", "")}, "blank_value", [("hb", 2, "hb_g_l")]),
])
def test_each_bad_cell_is_reported_at_its_table_row_and_column(change, code, expected):
    assert where(problems_of(files_with(**change)), code) == expected


def test_bad_date_and_ambiguous_dates_name_the_column():
    hb = HB.drop(columns="day").assign(date=["2024-02-23", "2024-13-45", "2024-05-13", "2024-04-01", "2024-04-22",
                                             "2024-05-31", "2024-05-03", "2024-06-05", "2024-07-29"])
    patients = PATIENTS.assign(first_dose_date=["2024-03-04", "2024-04-01", "2024-05-06"])
    assert where(problems_of(files_with(hb=hb, patients=patients)), "bad_date") == [("hb", 3, "date")]
    ambiguous = hb.assign(date=["03/04/2024"] * 9)
    assert where(problems_of(files_with(hb=ambiguous, patients=patients.assign(
        first_dose_date=["03/04/2024"] * 3))), "ambiguous_date") == [("hb", None, "date"), ("patients", None, "first_dose_date")]


def test_one_unambiguous_day_first_date_settles_the_order_for_the_whole_file():
    patients = PATIENTS.assign(first_dose_date=["25/03/2024", "01/04/2024", "06/05/2024"])
    hb = HB.drop(columns="day").assign(date=["15/03/2024"] + ["02/04/2024"] * 8)
    cohort = load_cohort(files_with(hb=hb, patients=patients))
    # P1: 15 March − 25 March = −10; P2: 2 April − 1 April = 1
    assert cohort.hb.loc[cohort.hb["patient_id"] == "P1", "day"].tolist()[0] == -10


def test_excel_rows_are_numbered_as_in_excel():
    sheets = {**TABLES, "hb": set_cell(HB, 1, "hb_g_l", "x")}
    assert where(problems_of([("c.xlsx", workbook_bytes(sheets))]), "bad_number") == [("hb", 3, "hb_g_l")]


def test_visits_problems_point_at_the_visits_sheet():
    from tests.test_load_shapes import visits_frame

    visits = visits_frame().astype(object)
    visits.loc[2, "hb_g_l"] = 400
    errors = problems_of([("visits.csv", csv_bytes(visits))])
    assert where(errors, "hb_out_of_range") == [("visits", 4, "hb_g_l")]


@pytest.mark.parametrize("name, data, code", [
    ("cohort.xlsx", b"", "empty_file"),
    ("patients.csv", b"\n\n", "empty_file"),
    ("cohort.xlsx", b"patient_id,diagnosis\nP1,MDS\n", "wrong_content"),
    ("cohort.zip", b"not a zip", "wrong_content"),
    ("cohort.csv", zip_bytes({"a.csv": b"x"}), "wrong_content"),
    ("cohort.xls", b"\xd0\xcf\x11\xe0rest", "legacy_excel"),
    ("cohort.pdf", b"%PDF-1.4", "wrong_extension"),
    ("patients.csv", b"\x00\x01\x02binary\x00", "binary_file"),
    ("cohort.zip", zip_bytes({f"{n}.csv": csv_bytes(f) for n, f in TABLES.items()})[:150], "bad_zip"),
    ("cohort.xlsx", workbook_bytes(TABLES)[:300], "unreadable_workbook"),
])
def test_unreadable_files_get_a_clear_error_never_a_traceback(name, data, code):
    errors = problems_of([(name, data)])
    assert code in [p.code for p in errors]
    assert all(p.file == name for p in errors if p.code == code)


def test_file_over_the_limit_is_refused():
    errors = problems_of(files_with(), max_bytes=20)
    assert {p.code for p in errors} == {"file_too_large"}


def test_identifier_columns_are_dropped_with_a_warning():
    patients = PATIENTS.assign(Name=["Ann", "Bo", "Cy"], 电话=["1", "2", "3"], MRN=["1", "2", "3"])
    cohort = load_cohort(files_with(patients=patients))
    assert not {"Name", "电话", "MRN"} & set(cohort.patients.columns)
    assert cohort.source.dropped_identifier_columns == ("Name", "电话", "MRN")
    warning = [p for p in cohort.report.warnings if p.code == "identifier_dropped"]
    assert len(warning) == 1 and "Name" in warning[0].message and warning[0].table == "patients"


def test_mrn_as_the_only_id_is_an_error_asking_for_a_study_id():
    patients = PATIENTS.rename(columns={"patient_id": "MRN"})
    assert where(problems_of(files_with(patients=patients)), "mrn_only_id") == [("patients", None, "patient_id")]


def test_every_problem_is_reported_at_once():
    errors = problems_of(files_with(hb=set_cell(HB, 1, "hb_g_l", "x"), doses=set_cell(DOSES, 0, "dose_mg_kg", 9)))
    assert {"bad_number", "dose_out_of_range"} <= {p.code for p in errors}


def test_reports_are_capped_per_rule_with_a_count_of_the_rest():
    from lusp.load import MAX_PROBLEMS_PER_RULE

    n = MAX_PROBLEMS_PER_RULE + 50
    hb = pd.DataFrame({"patient_id": ["P1"] * n, "day": range(n), "hb_g_l": ["bad"] * n})
    errors = problems_of(files_with(hb=hb))
    bad = [p for p in errors if p.code == "bad_number"]
    assert len(bad) == MAX_PROBLEMS_PER_RULE + 1
    assert [p.message.startswith("… and 50 more") for p in bad if p.row is None] == [True]


def test_unmapped_column_is_reported_and_a_mapping_fixes_it():
    hb = HB.rename(columns={"hb_g_l": "Wert"})
    errors = problems_of(files_with(hb=hb))
    assert where(errors, "missing_column") == [("hb", None, "hb_g_l")]
    columns = {t.table: t for t in inspect_columns(files_with(hb=hb))}
    assert columns["hb"].proposed["Wert"] is None and columns["hb"].missing == ("hb_g_l|hb_g_dl|hb_mmol_l|hb_value",)
    assert columns["hb"].preview["Wert"] == ["62", "80", "75", "58", "95"]
    mapping = mapping_from_json(mapping_to_json({"hb": {"Wert": "hb_g_l"}}))
    assert load_cohort(files_with(hb=hb), mapping=mapping).hb["hb_g_l"].tolist()[:2] == [62, 80]


@pytest.mark.parametrize("text", ["{", "[]", '{"nope": {}}', '{"hb": {"x": "not_a_field"}}', '{"hb": 3}'])
def test_bad_mapping_json_gets_a_plain_message(text):
    with pytest.raises(ValueError) as caught:
        mapping_from_json(text)
    assert "mapping" in str(caught.value).lower() or "field" in str(caught.value).lower()


def test_inputs_are_never_modified(tmp_path):
    path = tmp_path / "cohort.xlsx"
    data = workbook_bytes(TABLES)
    path.write_bytes(data)
    upload = bytearray(csv_bytes(HB))
    before = bytes(upload)
    frames = {k: v.copy() for k, v in TABLES.items()}
    load_cohort(path)
    load_cohort(files_with(hb=bytes(upload)))
    assert path.read_bytes() == data and bytes(upload) == before
    for name, frame in TABLES.items():
        pd.testing.assert_frame_equal(frame, frames[name])


def test_semicolon_file_with_a_stray_separator_names_the_line():
    text = "patient_id;day;hb_g_l\nP1;-10;62\nP1;7;80;extra\n".encode()
    errors = problems_of(files_with(hb=text))
    assert [(p.file, p.code) for p in errors if p.code == "malformed_csv"] == [("hb.csv", "malformed_csv")]


def test_zip_members_are_named_in_the_report():
    files = {f"{n}.csv": csv_bytes(f) for n, f in {**TABLES, "hb": set_cell(HB, 1, "hb_g_l", "x")}.items()}
    errors = problems_of([("c.zip", zip_bytes(files))])
    assert [(p.file, p.row) for p in errors if p.code == "bad_number"] == [("c.zip/hb.csv", 3)]


def test_wrong_encoding_never_crashes():
    data = "patient_id,diagnosis\nP1,Myélodysplasie\n".encode("latin-1")
    try:
        load_cohort([("patients.csv", data)])
    except CohortLoadError as exc:
        assert exc.report.errors


def test_a_zip_that_would_expand_beyond_the_limit_is_refused_unread(monkeypatch):
    from lusp.io import readers

    monkeypatch.setattr(readers, "MAX_UNZIPPED_BYTES", 100)
    data = zip_bytes({f"{n}.csv": csv_bytes(f) for n, f in TABLES.items()})
    assert [p.code for p in problems_of([("c.zip", data)])] == ["zip_too_large"]


def test_identifiers_hidden_under_an_innocent_name_are_dropped_by_their_values():
    patients = PATIENTS.assign(contact_note=["13812345678", "13987654321", "13700000000"],
                               ref=["110101199003071234", "11010119900307123X", "110101199003075678"],
                               ipss=[1, 2, 3])
    cohort = load_cohort(files_with(patients=patients))
    assert {"contact_note", "ref"}.isdisjoint(cohort.patients.columns) and "ipss" in cohort.patients
    assert set(cohort.source.dropped_identifier_columns) == {"contact_note", "ref"}
    assert {p.column for p in cohort.report.warnings if p.code == "identifier_values_dropped"} == {"contact_note", "ref"}
    tc = {t.table: t for t in inspect_columns(files_with(patients=patients))}["patients"]
    assert "ref" not in tc.preview and "ref" in tc.dropped_identifiers


def test_an_oddly_named_file_is_read_as_the_one_table_its_columns_fit_with_a_warning():
    files = [(("export_3.csv" if n == "hb" else f"{n}.csv"), csv_bytes(f)) for n, f in TABLES.items()]
    cohort = load_cohort(files)
    assert len(cohort.hb) == 9
    assert [(p.table, p.value) for p in cohort.report.warnings if p.code == "table_guessed"] == [("hb", "export_3")]


def test_a_sheet_with_an_unknown_name_and_columns_can_be_assigned_by_hand():
    hb = HB.rename(columns={"hb_g_l": "Wert"})
    files = [(("export_3.csv" if n == "hb" else f"{n}.csv"), csv_bytes(hb if n == "hb" else f)) for n, f in TABLES.items()]
    assert where(problems_of(files), "missing_table") == [("hb", None, "")]
    cohort = load_cohort(files, mapping={"_tables": {"export_3": "hb"}, "hb": {"Wert": "hb_g_l"}})
    assert len(cohort.hb) == 9


def test_inspect_columns_of_a_visits_sheet_proposes_fields_and_lists_what_is_missing():
    from tests.test_load_shapes import visits_frame

    visits = visits_frame().rename(columns={"hb_g_l": "Hämoglobin", "diagnosis": "Dx"})
    (tc,) = inspect_columns([("clinic.csv", csv_bytes(visits))])
    assert tc.table == "visits"
    assert tc.proposed["Hämoglobin"] is None and tc.proposed["Dx"] == "diagnosis"
    assert tc.proposed["rbc_units"] == "rbc_units" and tc.missing == ()
    mapping = {"visits": {"Hämoglobin": "hb_g_l"}}
    assert len(load_cohort([("clinic.csv", csv_bytes(visits))], mapping=mapping).hb) == 9
