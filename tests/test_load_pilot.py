"""The public CDISC pilot (cdiscpilot01) subset in tests/data: real SDTM dm/mh/ex/ae and ADaM adsl
(.xpt), with a synthetic lb.csv (see tests/data/README.md). Xanomeline is declared the study
drug through the options; by default it is another drug and the load stops."""
from __future__ import annotations

from pathlib import Path

import pytest

from lusp.load import load_cohort
from lusp.validate import CohortLoadError

DATA = Path(__file__).parent / "data" / "cdiscpilot01"
FILES = sorted(str(p) for p in DATA.iterdir() if p.suffix in (".xpt", ".csv"))


def test_other_drugs_are_not_luspatercept_by_default():
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(FILES)
    codes = {p.code for p in caught.value.report.problems}
    assert "other_drug_ignored" in codes and "placebo_ignored" in codes


def test_the_pilot_loads_with_xanomeline_declared_the_study_drug():
    cohort = load_cohort(FILES, study_drugs=["XANOMELINE"])
    # two placebo subjects are left out; the three xanomeline subjects remain
    assert cohort.patients["patient_id"].tolist() == ["01-701-1028", "01-701-1033", "01-701-1034"]
    assert cohort.patients["diagnosis"].tolist() == ["ALZHEIMER'S DISEASE"] * 3
    assert "STUDYID" not in cohort.patients.columns
    # first dose 2013-07-19 (RFXSTDTC); Hb 2013-07-11 is day −8: 5.5 mmol/L × 16.114 = 88.627 g/L
    first = cohort.hb[cohort.hb["patient_id"] == "01-701-1028"]
    assert first["day"].tolist() == [-8, 28]
    assert first["hb_g_l"].round(3).tolist() == [88.627, 107.964]
    # 54 mg / 99.3 kg (ADSL WEIGHTBL) = 0.5438 mg/kg; EXSTDTC 2013-08-02 is day 14
    doses = cohort.doses[cohort.doses["patient_id"] == "01-701-1028"]
    assert doses["day"].tolist() == [0, 14, 172]
    assert doses["dose_mg_kg"].round(4).tolist() == [round(54 / 99.3, 4), round(81 / 99.3, 4), round(54 / 99.3, 4)]
    # the LBSTRESN of the last HGB row of 1034 is used although LBORRES is empty; MCHC is not Hb
    assert sorted(cohort.labs["test"]) == ["HCT", "MCHC"]
    # AE: AESEV (severity) is never taken as the CTCAE grade; the pilot has no AETOXGR
    assert len(cohort.events) > 0 and cohort.events["grade"].isna().all()
    assert cohort.source.read_as == ("CDISC SDTM + ADaM — adsl, ae, dm, ex, lb, mh",)
    assert any(n.startswith("Hb: 6 rows of lb where LBTESTCD = HGB, LBSTRESN in mmol/L") for n in cohort.source.read_notes)



def test_cli_validate_takes_the_same_choices(capsys):
    from lusp.cli import main

    assert main(["validate", *FILES]) == 2
    assert "ignored: XANOMELINE" in capsys.readouterr().err
    assert main(["validate", *FILES, "--drug", "XANOMELINE"]) == 0
    out = capsys.readouterr().out
    assert "Read as: CDISC SDTM + ADaM — adsl, ae, dm, ex, lb, mh" in out
    assert "Hb: 6 rows of lb where LBTESTCD = HGB, LBSTRESN in mmol/L → g/L" in out


def test_cli_hb_unit_and_ml_per_unit(tmp_path, capsys):
    from lusp.cli import main
    from tests import export_shapes as X

    (tmp_path / "his.xlsx").write_bytes(X.xlsx_bytes(X.chinese_his("g/L")))
    assert main(["validate", str(tmp_path / "his.xlsx")]) == 2
    assert "--rbc-ml-per-unit" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "his.xlsx"), "--rbc-ml-per-unit", "200"]) == 0
    sheets = X.chinese_his("g/dL")
    sheets["检验结果"] = sheets["检验结果"].drop(columns="单位")
    (tmp_path / "his2.xlsx").write_bytes(X.xlsx_bytes(sheets))
    assert main(["validate", str(tmp_path / "his2.xlsx"), "--rbc-ml-per-unit", "200"]) == 2
    assert "g/dL and mmol/L alike" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "his2.xlsx"), "--rbc-ml-per-unit", "200", "--hb-unit", "g/dL"]) == 0
