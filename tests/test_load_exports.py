"""Real exports (SPEC §2a): the hand-worked cohort written as a Chinese HIS workbook, English
LIS/EHR CSVs, SDTM (zip of CSV, .csv.gz, .xpt) and ADaM gives the template's per-patient
results — whatever the shape, Hb unit and row order — and every ambiguity stops the load
with its question.

Hand-worked results (tests/export_shapes.py has the cohort):
    P1 baseline Hb 62 (day −10), 2 RBC units in the baseline window (day −20) → TD;
       day 7 Hb 80 is transfusion-affected (RBC day 5 affects days 6–19) → peak 75 (day 70), rise 13
    P2 baseline 58 (day 0), peak 101 (day 60), rise 43, NTD
    P3 baseline 70 (day −3), peak 90 (day 30), rise 20, NTD
"""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lusp.analysis import analyze
from lusp.load import load_cohort, mapping_from_json, mapping_to_json
from lusp.validate import CohortLoadError
from tests import export_shapes as X

KEY_COLUMNS = ["baseline_hb_g_l", "peak_hb_g_l", "hb_rise_g_l", "units_baseline", "td_baseline", "responder",
               "evaluable", "n_doses", "max_dose_mg_kg", "longest_tf_days", "followup_days", "burden_before_u28"]


def results(cohort) -> pd.DataFrame:
    """The per-patient table with ids replaced by P1, P2 … in id order (SDTM ids differ)."""
    table = analyze(cohort).table.drop(columns=["patient_id", "reason", "protocol_findings"], errors="ignore")
    table.index = [f"P{i + 1}" for i in range(len(table))]
    return table


@pytest.fixture(scope="module")
def template_results():
    sources, options = X.template()
    return results(load_cohort(sources, **options))


def test_the_template_gives_the_hand_worked_results(template_results):
    got = template_results[["baseline_hb_g_l", "peak_hb_g_l", "hb_rise_g_l", "units_baseline", "td_baseline"]]
    assert got.astype(object).values.tolist() == [[62.0, 75.0, 13.0, 2.0, True], [58.0, 101.0, 43.0, 0.0, False],
                                                  [70.0, 90.0, 20.0, 0.0, False]]


def assert_same_results(got: pd.DataFrame, expected: pd.DataFrame, label: str) -> None:
    assert list(got.index) == list(expected.index), label
    for column in expected.columns:
        a, b = got[column], expected[column]
        if pd.api.types.is_float_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(a.astype("float64").to_numpy(), b.astype("float64").to_numpy(), rtol=1e-9,
                                       atol=1e-9, equal_nan=True, err_msg=f"{label}: {column}")
        else:
            assert a.astype(object).where(a.notna(), None).tolist() == b.astype(object).where(b.notna(), None).tolist(), \
                f"{label}: {column}"


CASES = [(shape, unit) for shape, (_, units) in X.SHAPES.items() for unit in units]


@pytest.mark.parametrize("shape, unit", CASES)
def test_every_export_shape_gives_the_template_results(shape, unit, template_results):
    build, _ = X.SHAPES[shape]
    sources, options = build(unit)
    cohort = load_cohort(sources, **options)
    assert cohort.n_patients == 3
    assert_same_results(results(cohort), template_results, f"{shape} in {unit}")
    assert cohort.source.read_as and cohort.source.read_notes
    assert any(n.startswith("Hb: ") and "→ g/L" in n for n in cohort.source.read_notes)


@given(case=st.sampled_from(CASES), seed=st.integers(0, 2**31 - 1))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_property_shape_unit_and_row_order_never_change_a_result(case, seed, template_results):
    shape, unit = case
    build, _ = X.SHAPES[shape]
    sources, options = build(unit, np.random.default_rng(seed))
    assert_same_results(results(load_cohort(sources, **options)), template_results, f"{shape} {unit} seed {seed}")


def test_sdtm_says_what_came_from_where():
    sources, _ = X.sdtm_zip("mmol/L")
    cohort = load_cohort(sources)
    assert cohort.source.read_as == ("CDISC SDTM — ae, dm, ex, lb, mh, pr, vs",)
    notes = cohort.source.read_notes
    assert "Hb: 10 rows of lb where LBTESTCD = HGB, LBSTRESN in mmol/L → g/L" in notes
    assert "doses: 5 rows of ex where EXTRT = LUSPATERCEPT; 5 in mg ÷ weight → mg/kg" in notes
    codes = {p.code for p in cohort.report.warnings}
    assert {"subjects_not_treated", "placebo_ignored", "partial_date_imputed", "hb_mmol_l_converted",
            "dose_mg_converted"} <= codes
    # the partial AE onset 2024-05 is 2024-05-01 = P2's day 30; AETOXGR is the grade, AESEV never
    events = cohort.events.set_index("term")
    assert int(events.loc["Bone pain", "day"]) == 30 and int(events.loc["Fatigue", "grade"]) == 1
    assert cohort.patients["patient_id"].tolist() == ["LUSP-01-001", "LUSP-01-002", "LUSP-01-003"]
    assert "BRTHDTC" not in cohort.patients.columns and "ARM" in cohort.patients.columns
    # other tests stay labs; hematocrit and MCHC are not Hb
    assert sorted(cohort.labs["test"]) == ["HCT", "MCHC"]


def test_sdtm_day_has_no_day_0_when_only_dy_is_given():
    domains = X.sdtm_domains("g/L")
    domains["lb"] = domains["lb"].assign(LBDTC="")  # dates absent: LBDY 1 is the first dose day
    files = [(f"{n}.csv", X.csv_bytes(f)) for n, f in domains.items()]
    cohort = load_cohort(files)
    assert cohort.hb["day"].tolist() == [-10, 7, 70, 0, 21, 60, -3, 30, 84]


def test_chinese_his_drops_identifiers_and_other_products_and_drugs():
    sources, options = X.chinese_his_workbook("g/L")
    cohort = load_cohort(sources, **options)
    assert set(cohort.source.dropped_identifier_columns) >= {"姓名", "住院号", "联系电话"}
    assert cohort.transfusions["units"].tolist() == [2.0, 2.0]  # 400 mL ÷ 200 mL per unit
    codes = {p.code: p for p in cohort.report.warnings}
    assert "地西他滨" in codes["other_drug_ignored"].message
    assert "新鲜冰冻血浆" in codes["non_rbc_product_not_in_units"].message
    assert sorted(cohort.labs["test"]) == ["白细胞", "糖化血红蛋白", "红细胞压积"]


# ----------------------------------------------------------------------------- refusals


def errors_of(sources, **options):
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(sources, **options)
    return caught.value.report.errors


def lis(**changes):
    sources, options = X.english_lis("g/dL")
    files = dict(sources)
    for name, frame in changes.items():
        files[name] = X.csv_bytes(frame)
    return list(files.items()), options


def test_undeclared_hb_below_25_asks_g_dl_or_mmol_l_and_the_answer_loads():
    frame = pd.read_csv(__import__("io").BytesIO(dict(X.english_lis("g/dL")[0])["lab_results.csv"])).drop(columns="Units")
    sources, options = lis(**{"lab_results.csv": frame})
    (error,) = errors_of(sources, **options)
    assert (error.code, error.file, error.table, error.column) == ("hb_unit_ambiguous", "lab_results.csv", "lab_results",
                                                                  "Result")
    assert "g/dL" in error.message and "mmol/L" in error.message and "--hb-unit" in error.message
    assert load_cohort(sources, hb_unit="g/dL", **options).hb["hb_g_l"].round(9).tolist()[:3] == [62.0, 80.0, 75.0]


@pytest.mark.parametrize("unit, code", [("mg/dL", "unknown_hb_unit"), ("g/l", None)])
def test_an_unknown_hb_unit_is_an_error(unit, code):
    raw = pd.read_csv(__import__("io").BytesIO(dict(X.english_lis("g/L")[0])["lab_results.csv"]))
    raw.loc[raw["Test Name"] == "Hemoglobin", "Units"] = unit
    sources, options = lis(**{"lab_results.csv": raw})
    if code is None:
        assert load_cohort(sources, **options).hb["hb_g_l"].tolist()[:3] == [62.0, 80.0, 75.0]
    else:
        errors = errors_of(sources, **options)
        assert {e.code for e in errors} == {code} and errors[0].column == "Units" and errors[0].row == 2


def test_a_declared_g_l_column_holding_4_3_is_an_error_not_multiplied():
    sources, _ = X.template()
    hb = X.HB.assign(hb_g_l=X.HB["hb_g_l"] / 10)
    tables = {"patients": X.PATIENTS, "hb": hb, "doses": X.DOSES}
    errors = errors_of([("c.xlsx", X.xlsx_bytes(tables))])
    assert {e.code for e in errors} == {"hb_out_of_range"} and len(errors) == 9
    assert errors[0].column == "hb_g_l" and "6.2 g/L" in errors[0].message


def test_unit_column_and_header_disagreeing_is_an_error():
    hb = X.HB.rename(columns={"hb_g_l": "Hb (mmol/L)"}).assign(unit="g/L")
    errors = errors_of([("c.xlsx", X.xlsx_bytes({"patients": X.PATIENTS, "hb": hb, "doses": X.DOSES}))])
    assert {e.code for e in errors} == {"hb_unit_conflict"}


def test_hb_in_mmol_l_by_header_is_converted():
    hb = X.HB.assign(hb_g_l=X.hb_in("mmol/L")).rename(columns={"hb_g_l": "Hb (mmol/L)"})
    cohort = load_cohort([("c.xlsx", X.xlsx_bytes({"patients": X.PATIENTS, "hb": hb, "doses": X.DOSES}))])
    np.testing.assert_allclose(cohort.hb["hb_g_l"], X.HB["hb_g_l"], rtol=1e-12)
    assert cohort.source.hb_unit_detected == "mmol/L"


def test_red_cells_in_ml_need_the_ml_per_unit():
    sources, _ = X.chinese_his_workbook()
    (error,) = errors_of(sources)
    assert (error.code, error.table, error.column) == ("rbc_ml_per_unit_needed", "输血记录", "数量")
    assert "--rbc-ml-per-unit" in error.message


def test_a_dose_in_mg_without_a_weight_names_the_patient():
    sheets = X.chinese_his()
    sheets["患者信息"] = sheets["患者信息"].drop(columns="体重(kg)")
    errors = errors_of([("his.xlsx", X.xlsx_bytes(sheets))], rbc_ml_per_unit=200)
    assert {e.code for e in errors} == {"dose_mg_no_weight"} and len(errors) == 5
    assert "patient P1" in errors[0].value + errors[0].message or "P1" in errors[0].value


def test_unknown_and_missing_dose_units_are_errors():
    sheets = X.chinese_his()
    sheets["用药记录"] = sheets["用药记录"].assign(剂量单位="支")
    errors = errors_of([("his.xlsx", X.xlsx_bytes(sheets))], rbc_ml_per_unit=200)
    assert {e.code for e in errors} == {"unknown_dose_unit"} and errors[0].column == "剂量单位"
    sheets["用药记录"] = sheets["用药记录"].drop(columns="剂量单位")
    errors = errors_of([("his.xlsx", X.xlsx_bytes(sheets))], rbc_ml_per_unit=200)
    assert {e.code for e in errors} == {"dose_unit_missing"}


def test_only_other_drugs_means_no_dose_and_the_drug_choice_counts_it():
    sheets = X.chinese_his()
    sheets["用药记录"] = sheets["用药记录"].assign(药品名称=lambda f: f["药品名称"].replace("注射用罗特西普", "试验药A"))
    errors = errors_of([("his.xlsx", X.xlsx_bytes(sheets))], rbc_ml_per_unit=200)
    assert ("missing_table", "doses") in {(e.code, e.table) for e in errors}  # no luspatercept dose at all
    cohort = load_cohort([("his.xlsx", X.xlsx_bytes(sheets))], rbc_ml_per_unit=200, study_drugs=["试验药A"])
    assert cohort.doses["dose_mg_kg"].tolist() == [1.0, 1.0, 1.0, 1.25, 1.0]


def test_sdtm_without_a_primary_diagnosis_asks_for_it():
    domains = X.sdtm_domains()
    del domains["mh"]
    errors = errors_of([(f"{n}.csv", X.csv_bytes(f)) for n, f in domains.items()])
    assert "diagnosis_missing" in {e.code for e in errors}


def test_sdtm_without_dm_is_an_error():
    domains = X.sdtm_domains()
    del domains["dm"]
    errors = errors_of([(f"{n}.csv", X.csv_bytes(f)) for n, f in domains.items()])
    assert any(e.code == "missing_table" and "no DM" in e.message for e in errors)


def test_options_are_checked():
    sources, _ = X.template()
    assert errors_of(sources, hb_unit="mg/dL")[0].code == "bad_option"
    assert errors_of(sources, rbc_ml_per_unit=5)[0].code == "bad_option"


def test_the_mapping_json_keeps_every_choice_and_loads_in_one_step():
    sheets = X.chinese_his("g/dL")
    sheets["检验结果"] = sheets["检验结果"].drop(columns="单位").rename(columns={"检验项目": "项目代码"}).assign(
        项目代码=lambda f: f["项目代码"].replace("血红蛋白(HGB)", "HB-01"))
    sheets["用药记录"] = sheets["用药记录"].assign(药品名称="研究药物")
    files = [("his.xlsx", X.xlsx_bytes(sheets))]
    mapping = {"_options": {"hb_unit": "g/dL", "rbc_ml_per_unit": 200, "study_drugs": ["研究药物"],
                            "hb_tests": ["HB-01"], "test_columns": {"检验结果": "项目代码"}}}
    restored = mapping_from_json(mapping_to_json(mapping))
    assert restored == mapping
    cohort = load_cohort(files, mapping=restored)
    np.testing.assert_allclose(cohort.hb["hb_g_l"], X.HB["hb_g_l"], rtol=1e-12)
    with pytest.raises(ValueError):
        mapping_from_json('{"_options": {"hb_unit": "mg"}}')


# ----------------------------------------------------------------------------- readers


def test_csv_gz_reads_as_its_csv():
    sources, _ = X.sdtm_csv_gz()
    assert all(name.endswith(".csv.gz") for name, _ in sources)
    assert load_cohort(sources).n_patients == 3


def test_a_broken_gz_and_a_false_xpt_are_named():
    errors = errors_of([("lb.csv.gz", gzip.compress(b"a,b\n1,2\n")[:-6])])
    assert errors[0].code in ("bad_zip",)
    errors = errors_of([("dm.xpt", b"STUDYID,USUBJID\n1,2\n")])
    assert errors[0].code == "wrong_content" and "SAS transport" in errors[0].message


def test_a_utf16_csv_without_bom_is_read():
    sources, _ = X.template()
    tables = {"patients": X.PATIENTS, "hb": X.HB, "doses": X.DOSES}
    files = [(f"{n}.csv", f.to_csv(index=False).encode("utf-16-le")) for n, f in tables.items()]
    assert load_cohort(files).n_patients == 3


def test_an_encrypted_workbook_is_called_password_protected():
    # the two stream names an encrypted OOXML package has in its OLE directory
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 \
        + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 400
    (error,) = errors_of([("locked.xlsx", ole)])
    assert error.code == "encrypted_workbook" and "password" in error.message and "old-style" not in error.message
    (error,) = errors_of([("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)])
    assert error.code == "legacy_excel"


# ----------------------------------------------------------------------------- the three silent misreads of issue 11


def test_the_demo_in_mmol_l_with_a_unit_column_gives_the_demo_results():
    from pathlib import Path

    from lusp.analysis import summarize

    demo = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"
    sheets = pd.read_excel(demo, sheet_name=None)
    reference = summarize(analyze(load_cohort(str(demo))))
    hb = sheets["hb"]
    sheets["hb"] = hb.assign(hb_g_l=hb["hb_g_l"] / 16.114, unit="mmol/L").rename(columns={"hb_g_l": "Hb"})
    cohort = load_cohort([("demo_mmol.xlsx", X.xlsx_bytes(sheets))])
    got = summarize(analyze(cohort))
    assert got["mean_baseline_hb_g_l"] == pytest.approx(reference["mean_baseline_hb_g_l"], rel=1e-9)
    assert got["n_post_hb_over_100"] == reference["n_post_hb_over_100"]
    assert got["n_responders"] == reference["n_responders"]
    # without the unit column the same values stop the load instead of being read as g/dL
    sheets["hb"] = sheets["hb"].drop(columns="unit")
    with pytest.raises(CohortLoadError) as caught:
        load_cohort([("demo_mmol.xlsx", X.xlsx_bytes(sheets))])
    assert {p.code for p in caught.value.report.errors} == {"hb_unit_ambiguous"}


def test_hb_given_as_labs_rows_with_test_hgb_feeds_hb():
    labs = X.HB.rename(columns={"hb_g_l": "value"}).assign(test="HGB", unit="g/L")
    tables = {"patients": X.PATIENTS, "labs": labs, "doses": X.DOSES, "transfusions": X.TRANSFUSIONS}
    cohort = load_cohort([("c.xlsx", X.xlsx_bytes(tables))])
    assert cohort.hb["hb_g_l"].tolist() == X.HB["hb_g_l"].tolist() and cohort.labs.empty


def test_studyid_is_never_the_patient_id():
    patients = X.PATIENTS.rename(columns={"patient_id": "USUBJID"}).assign(STUDYID="LUSP-01")
    hb = X.HB.rename(columns={"patient_id": "USUBJID"}).assign(STUDYID="LUSP-01")
    doses = X.DOSES.rename(columns={"patient_id": "USUBJID"}).assign(STUDYID="LUSP-01")
    cohort = load_cohort([("c.xlsx", X.xlsx_bytes({"patients": patients, "hb": hb, "doses": doses}))])
    assert cohort.patients["patient_id"].tolist() == ["P1", "P2", "P3"] and "STUDYID" not in cohort.patients


def test_a_birth_date_in_a_lab_sheet_is_never_taken_for_the_collection_date():
    sheets = X.chinese_his("g/L")
    labs = sheets["检验结果"].rename(columns={"采样时间": "时刻"}).assign(出生日期="1953-02-01")
    sheets["检验结果"] = labs
    cohort = load_cohort([("his.xlsx", X.xlsx_bytes(sheets))], rbc_ml_per_unit=200)
    assert cohort.hb["day"].tolist() == [-10, 7, 70, 0, 21, 60, -3, 30, 84]  # from 时刻, the only date column left
    assert any("the only column of dates" in n for n in cohort.source.read_notes)


def test_the_template_transfusions_sheet_with_a_product_stays_a_template_table():
    tx = X.TRANSFUSIONS.rename(columns={"units": "输血量"}).assign(成分=["红细胞", "悬浮红细胞"])
    cohort = load_cohort([("c.xlsx", X.xlsx_bytes({"patients": X.PATIENTS, "hb": X.HB, "doses": X.DOSES,
                                                   "transfusions": tx}))])
    assert cohort.transfusions["units"].tolist() == [2.0, 2.0] and cohort.source.read_as == ("template workbook",)


def test_adam_adae_gives_events_with_atoxgr_as_the_grade():
    sources, _ = X.adam("g/dL")
    cohort = load_cohort(sources)
    events = cohort.events.set_index("term")
    # P1 Fatigue 2024-03-12 = day 8; P3 Headache 2024-05-08 = day 2; ATOXGR 1 / 2 (AESEV SEVERE is not grade 3)
    assert events.loc["Fatigue", ["day", "grade"]].tolist() == [8, 1]
    assert events.loc["Headache", ["day", "grade"]].tolist() == [2, 2]
    assert set(events["category"]) == {"adverse_event"}


def test_sdtm_red_cells_in_cm_and_doses_in_ec_read_like_pr_and_ex(template_results):
    domains = X.sdtm_domains("g/L")
    pr = domains.pop("pr")
    domains["cm"] = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "CM", "USUBJID": pr["USUBJID"].tolist() + [pr["USUBJID"][0]],
                                  "CMTRT": ["Red blood cells, leukoreduced", "RBC", "PLATELETS", "ASPIRIN"],
                                  "CMDOSE": [2.0, 2.0, 1.0, 100.0], "CMDOSU": ["UNIT", "U", "UNIT", "mg"],
                                  "CMSTDTC": ["2024-02-13", "2024-03-09", "2024-04-05", "2024-03-01"]})
    ex = domains.pop("ex")
    domains["ec"] = ex.rename(columns={c: "EC" + c[2:] for c in ex.columns if c.startswith("EX")}).assign(DOMAIN="EC")
    cohort = load_cohort([(f"{n}.csv", X.csv_bytes(f)) for n, f in domains.items()])
    assert_same_results(results(cohort), template_results, "cm + ec")
    assert cohort.transfusions["units"].tolist() == [2.0, 2.0]  # platelets and aspirin are not red cells


def test_our_own_labs_table_still_refuses_a_result_that_is_not_a_number():
    labs = pd.DataFrame({"patient_id": ["P1", "P2"], "day": [0, 0], "test": ["blasts", "blasts"], "value": ["4", "abc"]})
    tables = {"patients": X.PATIENTS, "hb": X.HB, "doses": X.DOSES, "labs": labs}
    errors = errors_of([("c.xlsx", X.xlsx_bytes(tables))])
    assert [(e.code, e.table, e.row, e.column) for e in errors] == [("bad_number", "labs", 3, "value")]


def test_an_impossible_study_day_is_reported_not_raised():
    """Found by the fuzzer: ADY 999999999999 overflowed the date arithmetic."""
    domains = X.sdtm_domains("g/L")
    lb = domains["lb"].astype(object)
    lb.loc[0, "LBDY"], lb.loc[0, "LBDTC"] = 999999999999, ""
    domains["lb"] = lb
    errors = errors_of([(f"{n}.csv", X.csv_bytes(f)) for n, f in domains.items()])
    assert [(e.code, e.table, e.row, e.column) for e in errors] == [("blank_value", "lb", 2, "LBDTC")]


def test_a_date_in_the_year_7024_is_a_bad_date_not_an_overflow():
    """Found by the fuzzer (a flipped byte in an ADaM file): year 7024 overflowed the parser."""
    hb = X.HB.drop(columns="day").assign(date=X.date_of(X.HB["patient_id"], X.HB["day"]))
    hb.loc[0, "date"] = "7024-03-04"
    patients = X.PATIENTS.assign(first_dose_date=X.PATIENTS["patient_id"].map(X.FIRST_DOSE))
    errors = errors_of([("c.xlsx", X.xlsx_bytes({"patients": patients, "hb": hb, "doses": X.DOSES}))])
    assert [(e.code, e.table, e.row, e.column) for e in errors] == [("bad_date", "hb", 2, "date")]
