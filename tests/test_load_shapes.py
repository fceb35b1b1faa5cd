"""Every accepted file shape of SPEC §2 loads the same hand-built 3-patient cohort.

The cohort (worked out by hand; study day 0 = first dose):

    patients  P1 MDS 71 M prior ESA yes, first dose 2024-03-04
              P2 MF  65 F prior ESA no,  first dose 2024-04-01
              P3 MDS 80 F prior ESA yes, first dose 2024-05-06
    hb (g/L)  P1: day −10 62, day 7 80, day 70 75
              P2: day 0 58, day 21 95, day 60 101
              P3: day −3 70, day 30 90, day 84 88.5
    doses     P1: day 0 1.0, day 21 1.0;  P2: day 0 1.0, day 21 1.25;  P3: day 0 1.0
    RBC       P1: day −20 2 U, day 5 2 U

So 3 patients, 9 Hb rows, 5 doses, 2 transfusions, in every shape.
"""
from __future__ import annotations

import functools
import io
import zipfile

import pandas as pd
import pytest

from lusp.load import load_cohort
from lusp.validate import CohortLoadError

FIRST_DOSE = {"P1": "2024-03-04", "P2": "2024-04-01", "P3": "2024-05-06"}
PATIENTS = pd.DataFrame(
    {"patient_id": ["P1", "P2", "P3"], "diagnosis": ["MDS", "MF", "MDS"], "age": [71, 65, 80],
     "sex": ["M", "F", "F"], "prior_esa": ["yes", "no", "yes"]}
)
HB = pd.DataFrame(
    {"patient_id": ["P1"] * 3 + ["P2"] * 3 + ["P3"] * 3,
     "day": [-10, 7, 70, 0, 21, 60, -3, 30, 84],
     "hb_g_l": [62, 80, 75, 58, 95, 101, 70, 90, 88.5]}
)
DOSES = pd.DataFrame({"patient_id": ["P1", "P1", "P2", "P2", "P3"], "day": [0, 21, 0, 21, 0],
                      "dose_mg_kg": [1.0, 1.0, 1.0, 1.25, 1.0]})
TRANSFUSIONS = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [-20, 5], "units": [2, 2]})
TABLES = {"patients": PATIENTS, "hb": HB, "doses": DOSES, "transfusions": TRANSFUSIONS}

CHINESE_SHEETS = {"patients": "患者", "hb": "血红蛋白", "doses": "给药", "transfusions": "输血"}
CHINESE_COLUMNS = {"patient_id": "患者编号", "diagnosis": "诊断", "age": "年龄", "sex": "性别", "prior_esa": "既往ESA",
                   "day": "天数", "date": "日期", "hb_g_l": "血红蛋白", "hb_g_dl": "血红蛋白(g/dL)",
                   "dose_mg_kg": "剂量(mg/kg)", "units": "红细胞单位"}


def with_dates(table: pd.DataFrame) -> pd.DataFrame:
    """The same rows with a calendar ``date`` = first dose date + day instead of ``day``."""
    start = pd.to_datetime(table["patient_id"].map(FIRST_DOSE))
    return table.drop(columns="day").assign(date=start + pd.to_timedelta(table["day"], unit="D"))


def in_g_dl(hb: pd.DataFrame) -> pd.DataFrame:
    return hb.assign(hb_g_l=hb["hb_g_l"] / 10).rename(columns={"hb_g_l": "hb_g_dl"})


def tables(*, dates=False, g_dl=False, chinese=False) -> dict[str, pd.DataFrame]:
    out = {}
    for name, frame in TABLES.items():
        if dates and name != "patients":
            frame = with_dates(frame)
        if dates and name == "patients":
            frame = frame.assign(first_dose_date=pd.to_datetime(frame["patient_id"].map(FIRST_DOSE)))
        if g_dl and name == "hb":
            frame = in_g_dl(frame)
        if chinese:
            frame = frame.rename(columns=CHINESE_COLUMNS)
        out[CHINESE_SHEETS[name] if chinese else name] = frame
    return out


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame, *, sep=",", decimal=".", encoding="utf-8", date_format="%Y-%m-%d") -> bytes:
    return frame.to_csv(index=False, sep=sep, decimal=decimal, date_format=date_format).encode(encoding)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def visits_frame(*, dates=False, g_dl=False) -> pd.DataFrame:
    """One row per patient and day: Hb, RBC units and dose side by side, patient columns repeated."""
    hb = HB.set_index(["patient_id", "day"])["hb_g_l"]
    rbc = TRANSFUSIONS.set_index(["patient_id", "day"])["units"].rename("rbc_units")
    dose = DOSES.set_index(["patient_id", "day"])["dose_mg_kg"]
    visits = pd.concat([hb, rbc, dose], axis=1).reset_index().merge(PATIENTS, on="patient_id")
    visits = visits.sort_values(["patient_id", "day"]).reset_index(drop=True)
    if g_dl:
        visits = visits.assign(hb_g_l=visits["hb_g_l"] / 10).rename(columns={"hb_g_l": "hb_g_dl"})
    if dates:
        visits = with_dates(visits)
    return visits


@functools.cache
def shapes() -> dict[str, list]:
    """name → sources for load_cohort, one per accepted shape and variant."""
    plain = tables()
    out = {
        "workbook days g/L": [("cohort.xlsx", workbook_bytes(plain))],
        "workbook dates g/dL chinese": [("队列.xlsx", workbook_bytes(tables(dates=True, g_dl=True, chinese=True)))],
        "zip of csv": [("cohort.zip", zip_bytes({f"{n}.csv": csv_bytes(f) for n, f in plain.items()}))],
        "csv files": [(f"{n}.csv", csv_bytes(f)) for n, f in plain.items()],
        "csv files with dates": [(f"{n}.csv", csv_bytes(f)) for n, f in tables(dates=True).items()],
        "csv semicolon decimal comma g/dL": [
            (f"{n}.csv", csv_bytes(f, sep=";", decimal=",")) for n, f in tables(g_dl=True).items()],
        "csv gb18030 chinese headers": [
            (f"{n}.csv", csv_bytes(f, encoding="gb18030")) for n, f in tables(chinese=True).items()],
        "csv utf-8 bom day-first dates": [
            (f"{n}.csv", b"\xef\xbb\xbf" + csv_bytes(f, date_format="%d/%m/%Y")) for n, f in tables(dates=True).items()],
        "visits csv": [("visits.csv", csv_bytes(visits_frame()))],
        "visits xlsx dates g/dL": [("my sheet.xlsx", workbook_bytes({"Sheet1": visits_frame(dates=True, g_dl=True)}))],
    }
    return out


def canonical_view(cohort) -> dict[str, pd.DataFrame]:
    """The parts every shape must agree on (dates exist only when the file gave them)."""
    patients = cohort.patients[["patient_id", "diagnosis", "age", "sex", "prior_esa"]]
    return {
        "patients": patients,
        "hb": cohort.hb[["patient_id", "day", "hb_g_l"]],
        "doses": cohort.doses[["patient_id", "day", "dose_mg_kg"]],
        "transfusions": cohort.transfusions[["patient_id", "day", "units", "product"]],
    }


@pytest.fixture(scope="module")
def reference():
    return canonical_view(load_cohort(shapes()["workbook days g/L"]))


def test_reference_cohort_matches_the_hand_worked_values(reference):
    assert reference["patients"]["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert reference["patients"]["prior_esa"].tolist() == [True, False, True]
    assert len(reference["hb"]) == 9 and len(reference["doses"]) == 5 and len(reference["transfusions"]) == 2
    assert reference["hb"]["hb_g_l"].tolist() == [62, 80, 75, 58, 95, 101, 70, 90, 88.5]
    assert reference["hb"]["day"].tolist() == [-10, 7, 70, 0, 21, 60, -3, 30, 84]
    assert reference["transfusions"]["product"].tolist() == ["RBC", "RBC"]
    assert str(reference["hb"]["day"].dtype) == "int64"
    assert str(reference["patients"]["patient_id"].dtype) == "string"


@pytest.mark.parametrize("shape", list(shapes()))
def test_every_shape_loads_the_same_canonical_tables(shape, reference):
    cohort = load_cohort(shapes()[shape])
    got = canonical_view(cohort)
    for name, expected in reference.items():
        pd.testing.assert_frame_equal(got[name], expected, check_dtype=True, obj=f"{shape}: {name}")
    assert not cohort.report.has_errors


@pytest.mark.parametrize("shape, expected", [
    ("workbook days g/L", ("workbook", False, "g/L")),
    ("workbook dates g/dL chinese", ("workbook", True, "g/dL")),
    ("zip of csv", ("zip", False, "g/L")),
    ("csv files", ("csv-files", False, "g/L")),
    ("csv semicolon decimal comma g/dL", ("csv-files", False, "g/dL")),
    ("visits csv", ("visits", False, "g/L")),
    ("visits xlsx dates g/dL", ("visits", True, "g/dL")),
])
def test_source_info_describes_what_was_read(shape, expected):
    source = load_cohort(shapes()[shape]).source
    assert (source.shape, source.uses_dates, source.hb_unit_detected) == expected


def test_dates_give_study_days_from_first_dose_and_a_date_range():
    cohort = load_cohort(shapes()["workbook dates g/dL chinese"])
    # earliest: P1's transfusion on day −20 = 2024-03-04 − 20 = 2024-02-13;
    # latest: P3's Hb on day 84 = 2024-05-06 + 84 = 2024-07-29
    assert cohort.source.date_range == ("2024-02-13", "2024-07-29")
    assert cohort.hb["date"].iloc[0] == pd.Timestamp("2024-02-23")


def test_g_dl_conversion_is_a_warning_naming_the_column():
    cohort = load_cohort(shapes()["csv semicolon decimal comma g/dL"])
    warnings = [p for p in cohort.report.warnings if p.code == "hb_g_dl_converted"]
    assert len(warnings) == 1 and warnings[0].table == "hb" and warnings[0].column == "hb_g_dl"


def test_unit_less_hb_below_25_stops_and_asks_g_dl_or_mmol_l():
    # SPEC §2a supersedes "all values < 25 means g/dL": they fit mmol/L as well.
    hb = HB.assign(hb_g_l=HB["hb_g_l"] / 10).rename(columns={"hb_g_l": "Hb"})
    files = [(f"{n}.csv", csv_bytes(f)) for n, f in {**TABLES, "hb": hb}.items()]
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(files)
    (problem,) = [p for p in caught.value.report.errors]
    assert (problem.code, problem.file, problem.table, problem.column) == ("hb_unit_ambiguous", "hb.csv", "hb", "Hb")
    assert "g/dL" in problem.message and "mmol/L" in problem.message
    # the user's answer loads it, and nothing else is converted
    cohort = load_cohort(files, hb_unit="g/dL")
    assert cohort.hb["hb_g_l"].round(6).tolist() == [62, 80, 75, 58, 95, 101, 70, 90, 88.5]
    assert [p.column for p in cohort.report.warnings if p.code == "hb_g_dl_converted"] == ["Hb"]


def test_patient_covariates_are_typed():
    patients = PATIENTS.assign(ipss_score=[2, 3.5, None], transfused_before=["yes", "no", "yes"], centre=["A", "B", "A"])
    files = [(f"{n}.csv", csv_bytes(f)) for n, f in {**TABLES, "patients": patients}.items()]
    got = load_cohort(files).patients
    assert str(got["ipss_score"].dtype) == "Float64"
    assert str(got["transfused_before"].dtype) == "boolean"
    assert str(got["centre"].dtype) == "string"


def test_product_synonyms_normalise_to_rbc_and_default_is_rbc():
    tx = TRANSFUSIONS.assign(product=["红细胞", None])
    cohort = load_cohort([(f"{n}.csv", csv_bytes(f)) for n, f in {**TABLES, "transfusions": tx}.items()])
    assert cohort.transfusions["product"].tolist() == ["RBC", "RBC"]


def test_leading_zero_patient_ids_stay_text():
    recode = {"P1": "001", "P2": "002", "P3": "010"}
    files = [(f"{n}.csv", csv_bytes(f.assign(patient_id=f["patient_id"].map(recode)))) for n, f in TABLES.items()]
    assert load_cohort(files).patients["patient_id"].tolist() == ["001", "002", "010"]


def test_a_folder_path_loads_its_csv_files(tmp_path):
    for name, frame in TABLES.items():
        (tmp_path / f"{name}.csv").write_bytes(csv_bytes(frame))
    assert load_cohort(tmp_path).n_patients == 3


def test_templates_load_back_cleanly():
    from lusp.template import template_bytes, visits_template_bytes, visits_template_csv

    for name, data in (("template.xlsx", template_bytes()), ("visits.xlsx", visits_template_bytes()),
                       ("visits.csv", visits_template_csv())):
        cohort = load_cohort([(name, data)])
        assert cohort.patients["patient_id"].tolist() == ["P01"]
        assert len(cohort.doses) >= 1


def test_template_workbook_has_every_sheet_and_bilingual_instructions():
    from lusp.template import template_bytes

    sheets = pd.read_excel(io.BytesIO(template_bytes()), sheet_name=None, engine="calamine", header=None)
    assert list(sheets) == ["instructions", "patients", "hb", "transfusions", "doses", "events", "labs"]
    text = " ".join(map(str, sheets["instructions"].stack()))
    assert "patient_id" in text and "填写说明" in text


def test_visits_patient_column_that_varies_is_a_warning_with_the_first_value_used():
    visits = visits_frame().astype(object)
    visits.loc[1, "age"] = 72  # P1 is 71 on their first row (CSV line 2), 72 on line 3
    cohort = load_cohort([("visits.csv", csv_bytes(visits))])
    assert cohort.patients["age"].tolist() == [71, 65, 80]
    assert [(p.table, p.row, p.column) for p in cohort.report.warnings if p.code == "visits_value_varies"] == [
        ("visits", 2, "age")]


def test_visits_zero_units_and_zero_dose_mean_nothing_that_day():
    visits = visits_frame().astype(object)
    visits["rbc_units"] = visits["rbc_units"].fillna(0)
    cohort = load_cohort([("visits.csv", csv_bytes(visits))])
    assert len(cohort.transfusions) == 2 and len(cohort.doses) == 5
