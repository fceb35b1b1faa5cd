"""One hand-worked cohort written in every real-export shape of SPEC §2a.

The cohort is tests/test_load_shapes.py's (worked out by hand; study day 0 = first dose):

    patients  P1 MDS 71 M 70 kg, first dose 2024-03-04
              P2 MF  65 F 60 kg, first dose 2024-04-01
              P3 MDS 80 F 50 kg, first dose 2024-05-06
    hb (g/L)  P1: day −10 62, day 7 80, day 70 75
              P2: day 0 58, day 21 95, day 60 101
              P3: day −3 70, day 30 90, day 84 88.5
    doses     P1: day 0 1.0, day 21 1.0;  P2: day 0 1.0, day 21 1.25;  P3: day 0 1.0  (mg/kg)
              = P1 70 mg, 70 mg; P2 60 mg, 75 mg; P3 50 mg
    RBC       P1: day −20 2 U, day 5 2 U  (= 2 × 200 mL in the Chinese log, 2 × 250 mL in the English one)

Every shape adds rows that must NOT count: other lab tests (WBC, HCT, HbA1c), plasma and
platelets, another drug and placebo, and (CDISC) a placebo-arm subject P4 and a screen
failure P5, who are left out.

Each builder returns ``(sources, options)`` for ``load_cohort(sources, **options)``.
"""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd

FIRST_DOSE = {"P1": "2024-03-04", "P2": "2024-04-01", "P3": "2024-05-06"}
PATIENTS = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "diagnosis": ["MDS", "MF", "MDS"], "age": [71, 65, 80],
                         "sex": ["M", "F", "F"], "weight_kg": [70.0, 60.0, 50.0]})
HB = pd.DataFrame({"patient_id": ["P1"] * 3 + ["P2"] * 3 + ["P3"] * 3,
                   "day": [-10, 7, 70, 0, 21, 60, -3, 30, 84],
                   "hb_g_l": [62, 80, 75, 58, 95, 101, 70, 90, 88.5]})
DOSES = pd.DataFrame({"patient_id": ["P1", "P1", "P2", "P2", "P3"], "day": [0, 21, 0, 21, 0],
                      "dose_mg_kg": [1.0, 1.0, 1.0, 1.25, 1.0]})
TRANSFUSIONS = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [-20, 5], "units": [2.0, 2.0]})
WEIGHT = PATIENTS.set_index("patient_id")["weight_kg"]
UNIT_FACTOR = {"g/L": 1.0, "g/dL": 10.0, "mmol/L": 16.114}


def date_of(pid: pd.Series, day: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    return (pd.to_datetime(pid.map(FIRST_DOSE)) + pd.to_timedelta(day, unit="D")).dt.strftime(fmt)


def hb_in(unit: str) -> pd.Series:
    """Hb in ``unit`` at full precision (the conversion back is exact to 1e-12)."""
    return HB["hb_g_l"] / UNIT_FACTOR[unit]


def csv_bytes(frame: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return frame.to_csv(index=False).encode(encoding)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def shuffled(frame: pd.DataFrame, rng: np.random.Generator | None) -> pd.DataFrame:
    return frame if rng is None else frame.sample(frac=1.0, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)


# ----------------------------------------------------------------------------- Chinese HIS


def chinese_his(unit: str = "g/L", rng=None) -> dict[str, pd.DataFrame]:
    flags = {"g/L": lambda v: f"{v:g}↓" if v < 90 else f"{v:g}"}
    values = hb_in(unit)
    result = [flags[unit](v) if unit in flags else repr(float(v)) for v in values]
    labs = pd.DataFrame({"研究编号": HB["patient_id"], "检验项目": "血红蛋白(HGB)", "结果": result, "单位": unit,
                         "采样时间": date_of(HB["patient_id"], HB["day"], "%Y-%m-%d 08:15:00")})
    others = pd.DataFrame({"研究编号": ["P1", "P2", "P3", "P1"], "检验项目": ["白细胞", "红细胞压积", "糖化血红蛋白", "尿蛋白"],
                           "结果": ["3.2↓", "0.21", "5.6", "阴性"], "单位": ["10^9/L", "L/L", "%", ""],
                           "采样时间": ["2024-03-01 08:00:00", "2024-04-01 08:00:00", "2024-05-06 08:00:00",
                                    "2024-03-01 08:00:00"]})
    tx = pd.DataFrame({"研究编号": ["P1", "P1", "P2"], "血液成分": ["去白细胞悬浮红细胞", "悬浮红细胞", "新鲜冰冻血浆"],
                       "数量": [400, 400, 200], "单位": ["ml", "ml", "ml"],
                       "输血时间": ["2024-02-13 10:00:00", "2024-03-09 14:30:00", "2024-04-05 09:00:00"]})
    meds = pd.DataFrame({"研究编号": DOSES["patient_id"], "药品名称": "注射用罗特西普",
                         "剂量": (DOSES["dose_mg_kg"] * DOSES["patient_id"].map(WEIGHT)).to_numpy(), "剂量单位": "mg",
                         "给药途径": "皮下注射", "给药时间": date_of(DOSES["patient_id"], DOSES["day"], "%Y-%m-%d 09:00:00")})
    meds = pd.concat([meds, pd.DataFrame({"研究编号": ["P1"], "药品名称": ["地西他滨"], "剂量": [20.0], "剂量单位": ["mg"],
                                          "给药途径": ["静脉滴注"], "给药时间": ["2024-03-05 09:00:00"]})], ignore_index=True)
    patients = pd.DataFrame({"研究编号": PATIENTS["patient_id"], "姓名": ["张三", "李四", "王五"],
                             "性别": ["男", "女", "女"], "年龄": PATIENTS["age"], "诊断": PATIENTS["diagnosis"],
                             "体重(kg)": PATIENTS["weight_kg"], "住院号": ["ZY001", "ZY002", "ZY003"],
                             "联系电话": ["13800138000", "13900139000", "13700137000"]})
    return {"患者信息": patients, "检验结果": shuffled(pd.concat([labs, others], ignore_index=True), rng),
            "输血记录": shuffled(tx, rng), "用药记录": shuffled(meds, rng)}


def chinese_his_workbook(unit: str = "g/L", rng=None):
    return [("HIS导出.xlsx", xlsx_bytes(chinese_his(unit, rng)))], {"rbc_ml_per_unit": 200}


# ----------------------------------------------------------------------------- English LIS / EHR


def english_lis(unit: str = "g/dL", rng=None):
    patients = pd.DataFrame({"Patient ID": PATIENTS["patient_id"], "Primary diagnosis": PATIENTS["diagnosis"],
                             "Age": PATIENTS["age"], "Sex": ["Male", "Female", "Female"],
                             "Weight (kg)": PATIENTS["weight_kg"], "MRN": ["A1", "A2", "A3"]})
    values = hb_in(unit)
    labs = pd.DataFrame({"Patient ID": HB["patient_id"], "Test Name": "Hemoglobin",
                         "Result": [repr(float(v)) + (" L" if unit == "g/dL" and v < 9 else "") for v in values],
                         "Units": unit, "Collected": date_of(HB["patient_id"], HB["day"], "%Y-%m-%dT07:30")})
    labs = pd.concat([labs, pd.DataFrame({"Patient ID": ["P1", "P2"], "Test Name": ["Hematocrit", "MCHC"],
                                          "Result": ["21", "33"], "Units": ["%", "g/dL"],
                                          "Collected": ["2024-03-01T07:30", "2024-04-01T07:30"]})], ignore_index=True)
    bank = pd.DataFrame({"Patient ID": ["P1", "P1", "P3"], "Product": ["Packed Red Blood Cells", "PRBC, leukoreduced",
                                                                       "Platelets, apheresis"],
                         "Quantity": [500, 500, 1], "Unit": ["mL", "mL", "bag"],
                         "Issued": ["2024-02-13 10:00", "2024-03-09 14:30", "2024-05-20 09:00"]})
    meds = pd.DataFrame({"Patient ID": DOSES["patient_id"], "Medication": "REBLOZYL (luspatercept-aamt) 75 mg vial",
                         "Dose": DOSES["dose_mg_kg"], "Dose Unit": "mg/kg", "Route": "SC",
                         "Administered": date_of(DOSES["patient_id"], DOSES["day"], "%Y-%m-%d 11:00")})
    meds = pd.concat([meds, pd.DataFrame({"Patient ID": ["P2"], "Medication": ["Deferasirox"], "Dose": [20.0],
                                          "Dose Unit": ["mg/kg"], "Route": ["PO"],
                                          "Administered": ["2024-04-02 08:00"]})], ignore_index=True)
    files = {"patients.csv": patients, "lab_results.csv": shuffled(labs, rng), "blood_bank.csv": shuffled(bank, rng),
             "drug_administration.csv": shuffled(meds, rng)}
    return [(name, csv_bytes(frame)) for name, frame in files.items()], {"rbc_ml_per_unit": 250}


# ----------------------------------------------------------------------------- CDISC SDTM


def sdtm_domains(unit: str = "mmol/L", rng=None) -> dict[str, pd.DataFrame]:
    ids = {p: f"LUSP-01-{i:03d}" for i, p in enumerate(["P1", "P2", "P3", "P4", "P5"], start=1)}
    def usubjid(pid):
        return pid.map(ids)

    def dy(day):
        return np.where(day >= 0, day + 1, day)  # SDTM: no day 0

    dm = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "DM", "USUBJID": list(ids.values()),
                       "SUBJID": ["001", "002", "003", "004", "005"],
                       "RFXSTDTC": [FIRST_DOSE["P1"], FIRST_DOSE["P2"], FIRST_DOSE["P3"], "2024-03-10", ""],
                       "BRTHDTC": ["1953", "1959", "1944", "1950", "1960"],
                       "AGE": [71, 65, 80, 70, 64], "SEX": ["M", "F", "F", "M", "F"],
                       "ARM": ["Luspatercept", "Luspatercept", "Luspatercept", "Placebo", "Screen Failure"]})
    mh = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "MH", "USUBJID": list(ids.values())[:4] + [ids["P1"]],
                       "MHTERM": ["MYELODYSPLASTIC SYNDROME", "MYELOFIBROSIS", "MYELODYSPLASTIC SYNDROME",
                                  "MYELODYSPLASTIC SYNDROME", "HYPERTENSION"],
                       "MHDECOD": ["MDS", "MF", "MDS", "MDS", "Hypertension"],
                       "MHCAT": ["PRIMARY DIAGNOSIS"] * 4 + ["SIGNIFICANT PRE-EXISTING CONDITION"]})
    vs = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "VS", "USUBJID": [ids["P1"], ids["P2"], ids["P3"], ids["P4"]],
                       "VSTESTCD": "WEIGHT", "VSSTRESN": [70.0, 60.0, 50.0, 80.0], "VSSTRESU": "kg",
                       "VSDTC": ["2024-02-26", "2024-03-25", "2024-04-29", "2024-03-03"]})
    lb = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "LB", "USUBJID": usubjid(HB["patient_id"]), "LBTESTCD": "HGB",
                       "LBTEST": "Hemoglobin", "LBSTRESN": hb_in(unit), "LBSTRESU": unit,
                       "LBDTC": date_of(HB["patient_id"], HB["day"], "%Y-%m-%dT08:00"), "LBDY": dy(HB["day"])})
    lb = pd.concat([lb, pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "LB", "USUBJID": [ids["P1"], ids["P2"], ids["P4"]],
                                      "LBTESTCD": ["HCT", "MCHC", "HGB"], "LBTEST": ["Hematocrit", "MCHC", "Hemoglobin"],
                                      "LBSTRESN": [0.21, 20.5, 5.0], "LBSTRESU": ["L/L", "mmol/L", "mmol/L"],
                                      "LBDTC": ["2024-03-01", "2024-04-01", "2024-03-09"], "LBDY": [-2, 1, -1]})],
                   ignore_index=True)
    ex = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "EX", "USUBJID": usubjid(DOSES["patient_id"]),
                       "EXTRT": "LUSPATERCEPT", "EXDOSE": (DOSES["dose_mg_kg"] * DOSES["patient_id"].map(WEIGHT)).to_numpy(),
                       "EXDOSU": "mg", "EXSTDTC": date_of(DOSES["patient_id"], DOSES["day"]), "EXSTDY": dy(DOSES["day"])})
    ex = pd.concat([ex, pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "EX", "USUBJID": [ids["P4"]], "EXTRT": ["PLACEBO"],
                                      "EXDOSE": [0.0], "EXDOSU": ["mg"], "EXSTDTC": ["2024-03-10"], "EXSTDY": [1]})],
                   ignore_index=True)
    pr = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "PR", "USUBJID": [ids["P1"], ids["P1"], ids["P2"]],
                       "PRTRT": ["PACKED RED BLOOD CELLS", "PACKED RED BLOOD CELLS", "PLATELETS"],
                       "PRDOSE": [2.0, 2.0, 1.0], "PRDOSU": ["UNIT", "UNIT", "UNIT"],
                       "PRSTDTC": ["2024-02-13", "2024-03-09", "2024-04-05"], "PRSTDY": [-20, 6, 5]})
    ae = pd.DataFrame({"STUDYID": "LUSP-01", "DOMAIN": "AE", "USUBJID": [ids["P1"], ids["P2"]],
                       "AETERM": ["tiredness", "bone pain"], "AEDECOD": ["Fatigue", "Bone pain"],
                       "AESEV": ["MILD", "MODERATE"], "AETOXGR": [1, 2], "AEREL": ["POSSIBLE", "NOT RELATED"],
                       "AESTDTC": ["2024-03-12", "2024-05"], "AESTDY": [9, np.nan]})
    return {"dm": dm, "mh": mh, "vs": vs, "lb": shuffled(lb, rng), "ex": shuffled(ex, rng), "pr": pr, "ae": ae}


def sdtm_zip(unit: str = "mmol/L", rng=None):
    files = {f"lusp01/{name}.csv": csv_bytes(frame) for name, frame in sdtm_domains(unit, rng).items()}
    return [("lusp01_sdtm.zip", zip_bytes(files))], {}


def sdtm_csv_gz(unit: str = "mmol/L", rng=None):
    import gzip

    return [(f"{n}.csv.gz", gzip.compress(csv_bytes(f))) for n, f in sdtm_domains(unit, rng).items()], {}


def xpt_bytes(frame: pd.DataFrame, name: str) -> bytes:
    import os
    import tempfile

    import pyreadstat

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{name}.xpt")
        pyreadstat.write_xport(frame, path, table_name=name.upper(), file_format_version=5)
        with open(path, "rb") as handle:
            return handle.read()


def sdtm_xpt(unit: str = "mmol/L", rng=None):
    return [(f"{n}.xpt", xpt_bytes(f.fillna({c: "" for c in f.columns if f[c].dtype == object}), n))
            for n, f in sdtm_domains(unit, rng).items()], {}


# ----------------------------------------------------------------------------- ADaM


def adam(unit: str = "g/dL", rng=None):
    sd = sdtm_domains("g/L", rng)
    ids = dict(zip(["P1", "P2", "P3", "P4", "P5"], sd["dm"]["USUBJID"]))
    adsl = pd.DataFrame({"STUDYID": "LUSP-01", "USUBJID": list(ids.values())[:4],
                         "TRTSDT": [FIRST_DOSE["P1"], FIRST_DOSE["P2"], FIRST_DOSE["P3"], "2024-03-10"],
                         "AGE": [71, 65, 80, 70], "SEX": ["M", "F", "F", "M"],
                         "ARM": ["Luspatercept", "Luspatercept", "Luspatercept", "Placebo"],
                         "WEIGHTBL": [70.0, 60.0, 50.0, 80.0]})
    day = HB["day"]
    adlb = pd.DataFrame({"STUDYID": "LUSP-01", "USUBJID": HB["patient_id"].map(ids), "PARAMCD": "HGB",
                         "PARAM": f"Hemoglobin ({unit})", "AVAL": hb_in(unit),
                         "ADT": date_of(HB["patient_id"], day), "ADY": np.where(day >= 0, day + 1, day)})
    adlb = pd.concat([adlb, pd.DataFrame({"STUDYID": "LUSP-01", "USUBJID": [ids["P1"]], "PARAMCD": ["HCT"],
                                          "PARAM": ["Hematocrit (%)"], "AVAL": [21.0], "ADT": ["2024-03-01"],
                                          "ADY": [-3]})], ignore_index=True)
    adex = pd.DataFrame({"STUDYID": "LUSP-01", "USUBJID": DOSES["patient_id"].map(ids), "EXTRT": "LUSPATERCEPT",
                         "EXDOSE": DOSES["dose_mg_kg"], "EXDOSU": "mg/kg", "ASTDT": date_of(DOSES["patient_id"], DOSES["day"])})
    adex = pd.concat([adex, pd.DataFrame({"STUDYID": "LUSP-01", "USUBJID": [ids["P4"]], "EXTRT": ["PLACEBO"],
                                          "EXDOSE": [0.0], "EXDOSU": ["mg/kg"], "ASTDT": ["2024-03-10"]})], ignore_index=True)
    adae = pd.DataFrame({"STUDYID": "LUSP-01", "USUBJID": [ids["P1"], ids["P3"]], "AETERM": ["tiredness", "headache"],
                         "AEDECOD": ["Fatigue", "Headache"], "ASTDT": ["2024-03-12", "2024-05-08"], "ATOXGR": ["1", "2"],
                         "AESEV": ["MILD", "SEVERE"], "AEREL": ["POSSIBLE", "NOT RELATED"]})
    files = {"adsl.csv": adsl, "adlbh.csv": shuffled(adlb, rng), "adex.csv": adex, "adae.csv": adae,
             "mh.csv": sd["mh"], "pr.csv": sd["pr"]}
    return [(name, csv_bytes(frame)) for name, frame in files.items()], {}


# ----------------------------------------------------------------------------- the template


def template():
    tables = {"patients": PATIENTS, "hb": HB, "doses": DOSES, "transfusions": TRANSFUSIONS}
    return [("cohort.xlsx", xlsx_bytes(tables))], {}


#: shape → (builder, the Hb units it is written in)
SHAPES = {
    "Chinese HIS workbook": (chinese_his_workbook, ("g/L", "g/dL", "mmol/L")),
    "English LIS/EHR CSVs": (english_lis, ("g/L", "g/dL", "mmol/L")),
    "SDTM zip of CSV": (sdtm_zip, ("g/L", "g/dL", "mmol/L")),
    "SDTM .csv.gz": (sdtm_csv_gz, ("mmol/L",)),
    "SDTM .xpt": (sdtm_xpt, ("g/L", "g/dL", "mmol/L")),
    "ADaM": (adam, ("g/L", "g/dL", "mmol/L")),
}
