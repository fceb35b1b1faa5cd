"""Identifier columns (issue 17 item 2, SPEC §2a): 55 common identifier names in English,
Chinese and European forms are dropped; dates, study ids and clinical names are not."""
from __future__ import annotations

import pandas as pd
import pytest

from lusp.io.values import identifier_values
from lusp.io.vocab import is_identifier_name
from lusp.load import load_cohort
from tests import export_shapes as X

IDENTIFIER_NAMES = [
    "Name (full)", "Medical Record #", "Med Rec No", "Chart #", "Mobile No", "Telefon", "Social Security", "NHS No",
    "医保号", "Geburtsdatum", "Next of kin", "Father's name",
    "Name", "Patient Name", "First name", "Last name", "Surname", "Initials", "Nachname", "Vorname", "Prénom",
    "Cognome", "Apellido", "MRN", "Hospital number", "住院号", "病历号", "门诊号", "Phone", "Cell phone", "Tel",
    "Telephone number", "Handy", "Email", "E-mail address", "Address", "Street", "Postcode", "ZIP code", "PLZ",
    "Adresse", "SSN", "Social security number", "Sozialversicherungsnummer", "NHS number", "Insurance number",
    "医保卡号", "身份证号", "DOB", "Date of birth", "出生日期", "Mother's name", "Parent's name", "家属姓名", "联系电话",
]
NOT_IDENTIFIERS = ["Test Name", "Drug name", "Product name", "检验项目", "药品名称", "diagnosis", "ipss_r", "karyotype",
                   "ferritin", "ring_sideroblasts_pct", "ARM", "SITEID", "study id", "Skin toxicity", "kinase_mut",
                   "Hotel", "telomere_length", "Chartreuse score"]


def test_the_list_has_55_names():
    assert len(IDENTIFIER_NAMES) == 55 == len(set(IDENTIFIER_NAMES))


@pytest.mark.parametrize("name", IDENTIFIER_NAMES)
def test_identifier_names_are_recognised(name):
    assert is_identifier_name(name)


@pytest.mark.parametrize("name", NOT_IDENTIFIERS)
def test_clinical_and_study_names_are_not_identifiers(name):
    assert not is_identifier_name(name)


def test_all_55_are_dropped_from_a_loaded_cohort():
    patients = X.PATIENTS.copy()
    for k, name in enumerate(IDENTIFIER_NAMES):
        patients[name] = [f"x{k}a", f"x{k}b", f"x{k}c"]
    cohort = load_cohort([("c.xlsx", X.xlsx_bytes({"patients": patients, "hb": X.HB, "doses": X.DOSES}))])
    assert set(cohort.source.dropped_identifier_columns) == set(IDENTIFIER_NAMES)
    assert not set(IDENTIFIER_NAMES) & set(cohort.patients.columns)


@pytest.mark.parametrize("values", [["2014-01-02", "2013-12-26", "2012-08-05"], ["01-701-1015", "01-701-1023", "01-701-1028"],
                                    ["2014-01-02T11:45", "2014-02-03T08:00", "2014-03-04T09:10"], ["20140102", "20131226", "20120805"]])
def test_dates_and_study_ids_are_not_phone_numbers(values):
    assert identifier_values(pd.Series(values)) is None


@pytest.mark.parametrize("values, kind", [(["13800138000", "13900139000", "+44 20 7946 0958"], "phone numbers"),
                                          (["110101199003074518", "110101199003071234", "11010119900307123X"],
                                           "national ID numbers")])
def test_phone_and_id_card_values_are_still_dropped(values, kind):
    assert identifier_values(pd.Series(values)) == kind


def test_a_date_column_and_a_study_id_column_survive_a_load():
    patients = X.PATIENTS.assign(diagnosis_date=["2014-01-02", "2013-12-26", "2012-08-05"],
                                 screening_no=["01-701-1015", "01-701-1023", "01-701-1028"])
    cohort = load_cohort([("c.xlsx", X.xlsx_bytes({"patients": patients, "hb": X.HB, "doses": X.DOSES}))])
    assert {"diagnosis_date", "screening_no"} <= set(cohort.patients.columns)
    assert not cohort.source.dropped_identifier_columns


def test_an_unclear_patients_column_is_held_for_confirmation_then_kept():
    patients = X.PATIENTS.assign(ipss_r=["low", "high", "low"], sf3b1_vaf=[0.3, 0.0, 0.4], ref_code=["K-17", "K-22", "K-90"])
    sources = [("c.xlsx", X.xlsx_bytes({"patients": patients, "hb": X.HB, "doses": X.DOSES}))]
    held = load_cohort(sources, confirm_covariates=True)
    assert held.source.held_covariates == ("ref_code",)
    assert {"ipss_r", "sf3b1_vaf"} <= set(held.patients.columns) and "ref_code" not in held.patients.columns
    assert "covariate_needs_confirmation" in {p.code for p in held.report.warnings}
    kept = load_cohort(sources, confirm_covariates=True, mapping={"_options": {"covariates": ["ref_code"]}})
    assert "ref_code" in kept.patients.columns and not kept.source.held_covariates
    # the command line (no confirmation step) keeps it, as before
    assert "ref_code" in load_cohort(sources).patients.columns
