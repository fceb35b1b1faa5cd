"""The Data page with real exports (AppTest): a Chinese HIS workbook whose Hb has no unit and
whose red cells are in mL stops with both questions; the export settings answer them (no Hb
unit preselected), the cohort loads with the template's numbers, and the saved mapping JSON
keeps every answer so the same export loads in one step in a new session."""
from __future__ import annotations

import numpy as np

from lusp.load import mapping_from_json
from tests import export_shapes as X
from tests.test_app_data import DATA_PAGE, overview_counts, start, texts, upload


def his_without_hb_unit() -> list[tuple[str, bytes]]:
    sheets = X.chinese_his("g/dL")
    sheets["检验结果"] = sheets["检验结果"].drop(columns="单位")
    return [("HIS导出.xlsx", X.xlsx_bytes(sheets))]


def test_export_settings_answer_the_questions_and_round_trip_as_json():
    at = start()
    upload(at, his_without_hb_unit())
    assert "not loaded" in at.error[0].value
    shown = texts(at)
    assert "g/dL and mmol/L alike" in shown and "--rbc-ml-per-unit" in shown
    unit = next(r for r in at.radio if r.label == "Unit of Hb values that declare none")
    assert unit.value is None  # ambiguous: nothing preselected
    assert next(s for s in at.selectbox if s.label == "Test column of lab table 1").value == "检验项目"
    assert next(m for m in at.multiselect if m.label == "Tests that are Hb in lab table 1").value == ["血红蛋白(HGB)"]
    drugs = next(m for m in at.multiselect if m.label == "Drug names that count as luspatercept")
    assert drugs.value == ["注射用罗特西普"] and "地西他滨" in drugs.options
    unit.set_value("g/dL")
    next(n for n in at.number_input if n.label == "mL of red cells in one unit").set_value(200.0)
    next(b for b in at.button if b.label == "Apply these settings").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    cohort = at.session_state["_upload"].cohort
    np.testing.assert_allclose(cohort.hb["hb_g_l"], X.HB["hb_g_l"], rtol=1e-12)
    assert cohort.transfusions["units"].tolist() == [2.0, 2.0]
    assert overview_counts(at) == ("3", "1 TD · 2 NTD")

    at.switch_page(DATA_PAGE).run()
    saved = next(c.value for c in at.code if "_options" in c.value)
    assert mapping_from_json(saved) == {"_options": {"hb_unit": "g/dL", "rbc_ml_per_unit": 200.0}}
    later = start()
    later.file_uploader(key="w_mapping_json").set_value(("m.json", saved.encode(), "application/json")).run()
    upload(later, his_without_hb_unit())
    assert not later.error and overview_counts(later) == ("3", "1 TD · 2 NTD")


def test_an_sdtm_zip_says_what_was_read_and_the_drug_choice_counts_a_trial_code():
    domains = X.sdtm_domains("mmol/L")
    domains["ex"] = domains["ex"].replace({"EXTRT": {"LUSPATERCEPT": "ACE-X"}})
    files = {f"study/{n}.csv": X.csv_bytes(f) for n, f in domains.items()}
    at = start()
    upload(at, [("study.zip", X.zip_bytes(files))])
    assert "not loaded" in at.error[0].value
    drugs = next(m for m in at.multiselect if m.label == "Drug names that count as luspatercept")
    assert drugs.value == [] and set(drugs.options) == {"ACE-X", "PLACEBO"}
    drugs.set_value(["ACE-X"])
    next(b for b in at.button if b.label == "Apply these settings").click().run()
    assert not at.error, [e.value for e in at.error]
    facts = next(d.value for d in at.dataframe if "value" in d.value.columns and "" in d.value.columns)
    values = facts["value"].tolist()
    assert "CDISC SDTM — ae, dm, ex, lb, mh, pr, vs" in values
    assert "Hb: 10 rows of lb where LBTESTCD = HGB, LBSTRESN in mmol/L → g/L" in values


def test_an_unclear_patient_column_is_held_until_confirmed():
    patients = X.PATIENTS.assign(ipss_r=["low", "high", "low"], ref_code=["K-17", "K-22", "K-90"])
    sources = [("c.xlsx", X.xlsx_bytes({"patients": patients, "hb": X.HB, "doses": X.DOSES}))]
    at = start()
    upload(at, sources)
    cohort = at.session_state["_upload"].cohort
    assert "ipss_r" in cohort.patients.columns and "ref_code" not in cohort.patients.columns
    assert cohort.source.held_covariates == ("ref_code",)
    keep = next(m for m in at.multiselect if m.label == "Keep as covariates")
    assert keep.value == [] and keep.options == ["ref_code"]
    keep.set_value(["ref_code"]).run()
    next(b for b in at.button if b.label == "Confirm these columns").click().run()
    assert not at.exception
    cohort = at.session_state["_upload"].cohort
    assert "ref_code" in cohort.patients.columns and not cohort.source.held_covariates
