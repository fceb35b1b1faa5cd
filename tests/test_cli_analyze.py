"""``python -m lusp analyze`` and ``summary`` on a cohort written to CSV files."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from lusp.cli import main
from tests.test_definitions_study import three_patients

COLUMNS = {
    "patients": ["patient_id", "diagnosis", "last_followup_day"],
    "hb": ["patient_id", "day", "hb_g_l"],
    "transfusions": ["patient_id", "day", "units", "product"],
    "doses": ["patient_id", "day", "dose_mg_kg"],
}


def write_three_patients(folder: Path) -> list[str]:
    cohort = three_patients()
    paths = []
    for name, columns in COLUMNS.items():
        path = folder / f"{name}.csv"
        cohort.table(name)[columns].to_csv(path, index=False)
        paths.append(str(path))
    return paths


def test_analyze_writes_the_spec_table(tmp_path, capsys):
    assert main(["analyze", *write_three_patients(tmp_path)]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert table.columns[:5].tolist() == ["patient_id", "diagnosis", "td_baseline", "baseline_hb_g_l", "peak_hb_g_l"]
    p1, p2, p3 = (table.iloc[i].to_dict() for i in range(3))
    assert (p1["td_baseline"], p1["responder"], p1["ti_achieved"], p1["burden_after_u28"]) == ("true", "true", "true", "0.28")
    assert p1["spike_after_transfusion"] == "" and p1["protocol_findings"] == ""  # NA → empty
    assert (p2["transient_spike"], p2["spike_after_transfusion"], p2["longest_tf_days"]) == ("true", "true", "29")
    assert p3["burden_reduction_pct"] == ""
    assert p3["protocol_findings"].startswith("day 14: dose given 14 days after the previous one")
    assert "; day 35: escalated from 1.0 to 1.5 mg/kg" in p3["protocol_findings"]
    assert p1["reason"].startswith("TD at baseline (4 U in 8 weeks); no transfusion from day 31 to day 100")


def test_analyze_out_file_and_parameter_option(tmp_path, capsys):
    out = tmp_path / "result.csv"
    assert main(["analyze", *write_three_patients(tmp_path), "--ti-days", "84", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    # TI ≥ 84: P1's 70-day run is not enough (follow-up 100 ≥ 84, so a non-responder).
    assert table.loc[0, "responder"] == "false" and table.loc[0, "evaluable"] == "true"


def test_summary_prints_json(tmp_path, capsys):
    assert main(["summary", *write_three_patients(tmp_path), "--post-hb", "last"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["n_patients"], summary["n_td"], summary["n_responders"]) == (3, 2, 2)
    assert summary["post_hb_measure"] == "last" and summary["params"]["post_hb"] == "last"
    assert summary["response_rate"]["overall"]["ci_low"] == pytest.approx(0.09429932, abs=1e-7)


@pytest.mark.parametrize(
    "options, message",
    [
        (["--ti-days", "9"], "analyze:::Transfusion-free run for transfusion independence: 9 is outside 28–365"),
        (["--ti-days", "many"], "analyze:::--ti-days: 'many' is not a valid value"),
        (["--post-hb", "median"], "analyze:::Post-treatment Hb for cohort summaries: 'median' is not one of peak, last, mean_d29"),
        (["--eligibility-hb", "100"], "analyze:::--eligibility-hb does not apply to criteria set 'study' or protocol 'study'"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, options, message):
    assert main(["analyze", *write_three_patients(tmp_path), *options]) == 2
    err = capsys.readouterr().err
    assert err.strip() == message and "Traceback" not in err


def test_bad_file_exits_2_without_traceback(tmp_path, capsys):
    paths = write_three_patients(tmp_path)
    Path(paths[1]).write_text("patient_id,day,hb_g_l\nP1,-3,65\nP1,x,70\n")
    assert main(["analyze", *paths]) == 2
    err = capsys.readouterr().err
    assert "hb:3:day:" in err and "Traceback" not in err


def test_protocol_none_and_criteria_choice(tmp_path, capsys):
    assert main(["analyze", *write_three_patients(tmp_path), "--protocol", "none"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert (table["protocol_findings"] == "").all()
