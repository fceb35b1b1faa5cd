"""Concordance of the three criteria sets on a cohort that mixes their fence posts.

Every patient's last record is an Hb on day 170. Classification under each set, by hand:

| patient    | study                         | iwg2006                              | iwg2018                           |
|------------|-------------------------------|--------------------------------------|-----------------------------------|
| agree-r    | NTD, 80 → 110 (+30) R         | pre 80, ≥ 95 days 20–140 (120) R     | NTD, ≥ 95 days 20–140 R           |
| ntd-rise12 | NTD, 80 → 92 (+12 ≥ 10) R     | 92 < 95 NR                           | NTD, 92 < 95 NR                   |
| td-2u      | TD 2 U, no tx after → TI R    | 2 counted U < 4; Hb 80 < 95 NR       | 2 U → LTB (flagged), TI R         |
| htb-minor  | TD 5 U; longest run 49 NR     | 5 counted U; a 56-day window with 1 U| 8 U → HTB; 4 U in days 1–112 ≤ 4  |
|            |                               | (e.g. days 81–136) ≤ 5 − 4 R         | → minor R                         |
| agree-nr   | TD 4 U; tx every 28 days NR   | every 56-day window has 4 U NR       | HTB (4 U in 8 weeks); 8 U > 2 NR  |

Rates: study 3/5, iwg2006 2/5, iwg2018 3/5. Changes: ntd-rise12, td-2u, htb-minor.
"""
from __future__ import annotations

import pandas as pd
import pytest

from lusp import concordance
from lusp.criteria import iwg2018
from lusp.params import with_values
from tests.cohort_factory import make_cohort

COHORT = make_cohort(
    patients=["agree-r", "ntd-rise12", "td-2u", "htb-minor", "agree-nr"],
    hb=[
        ("agree-r", -100, 80.0), ("agree-r", -30, 80.0), ("agree-r", 20, 110.0), ("agree-r", 80, 110.0),
        ("agree-r", 140, 110.0), ("agree-r", 170, 85.0),
        ("ntd-rise12", -100, 80.0), ("ntd-rise12", -30, 80.0), ("ntd-rise12", 20, 92.0), ("ntd-rise12", 80, 92.0),
        ("ntd-rise12", 170, 85.0),
        ("td-2u", -100, 80.0), ("td-2u", -30, 80.0), ("td-2u", 20, 80.0), ("td-2u", 170, 80.0),
        ("htb-minor", -100, 80.0), ("htb-minor", -30, 80.0), ("htb-minor", 170, 80.0),
        ("agree-nr", -100, 80.0), ("agree-nr", -45, 80.0), ("agree-nr", 170, 80.0),
    ],
    transfusions=[
        ("td-2u", -20, 2),
        ("htb-minor", -112, 3), ("htb-minor", -56, 3), ("htb-minor", 0, 2),
        ("htb-minor", 30, 2), ("htb-minor", 80, 2), ("htb-minor", 130, 1),
        ("agree-nr", -40, 2), ("agree-nr", -10, 2),
        *[("agree-nr", d, 2) for d in (20, 48, 76, 104, 132, 160)],
    ],
)

EXPECTED = {
    "agree-r": ("responder", "responder", "responder"),
    "ntd-rise12": ("responder", "non-responder", "non-responder"),
    "td-2u": ("responder", "non-responder", "responder"),
    "htb-minor": ("non-responder", "responder", "responder"),
    "agree-nr": ("non-responder", "non-responder", "non-responder"),
}


@pytest.fixture(scope="module")
def result() -> concordance.Concordance:
    return concordance.compare(COHORT)


def test_side_by_side(result):
    assert result.criteria == ("study", "iwg2006", "iwg2018")
    wide = result.wide.set_index("patient_id")
    for pid, expected in EXPECTED.items():
        assert tuple(wide.loc[pid, list(result.criteria)]) == expected, pid
    assert set(result.changed["patient_id"]) == {"ntd-rise12", "td-2u", "htb-minor"}


def test_changed_rows_carry_every_reason(result):
    row = result.changed.set_index("patient_id").loc["htb-minor"]
    assert "longest transfusion-free interval" in row["study_reason"]
    assert "→ HI-E (transfusion)" in row["iwg2006_reason"]
    assert "minor response" in row["iwg2018_reason"]


def test_rates_with_exact_ci(result):
    rates = result.rates.set_index("criteria")
    assert list(rates["k"]) == [3, 2, 3] and list(rates["n"]) == [5, 5, 5]
    # Clopper–Pearson 3/5: 14.7 %–94.7 % (R binom.test(3, 5)).
    assert rates.loc["study", "ci_low"] == pytest.approx(0.1466, abs=1e-4)
    assert rates.loc["study", "ci_high"] == pytest.approx(0.9473, abs=1e-4)


def test_agreement_study_vs_iwg2006(result):
    # Both R: agree-r; study only: ntd-rise12, td-2u; iwg2006 only: htb-minor; neither: agree-nr.
    # Agreement 2/5; kappa: p_a = .6, p_b = .4, p_e = .48 → (.4 − .48)/.52 = −0.1538;
    # McNemar exact on 2 vs 1 discordant: 2 × P(Bin(3, ½) ≤ 1) = 2 × 4/8 = 1.0.
    row = result.agreement.set_index(["criteria_a", "criteria_b"]).loc[("study", "iwg2006")]
    assert (row["both"], row["a_only"], row["b_only"], row["neither"]) == (1, 2, 1, 1)
    assert row["agreement"] == pytest.approx(0.4)
    assert row["kappa"] == pytest.approx(-0.08 / 0.52)
    assert row["mcnemar_p"] == pytest.approx(1.0)


def test_details_and_long_form(result):
    long = result.long.set_index(["patient_id", "criteria"])
    assert long.loc[("htb-minor", "iwg2018"), "detail"] == "HTB, minor"
    assert long.loc[("htb-minor", "iwg2006"), "detail"] == "transfusion"
    assert list(result.long.columns) == list(concordance.LONG_COLUMNS)
    assert len(result.long) == 15


def test_text_report(result):
    text = result.text()
    assert "  study    3/5 = 60.0 % (95 % CI 14.7–94.7 %)" in text
    assert "Patients whose classification changes: 3" in text
    assert "- td-2u (study: responder; iwg2006: non-responder; iwg2018: responder)" in text
    assert "td-2u" in text and "*" in text


def test_params_for_one_set_and_subset():
    # With lowest-two baseline nothing changes here, but the params reach the set.
    params = {"iwg2018": with_values(iwg2018.Params(), observation_days=112)}
    narrow = concordance.compare(COHORT, ["study", "iwg2018"], params)
    assert narrow.criteria == ("study", "iwg2018") and len(narrow.agreement) == 1
    part = narrow.subset(["agree-r", "agree-nr"])
    assert list(part.rates["k"]) == [1, 1] and len(part.changed) == 0


def test_cohen_kappa_and_mcnemar_references():
    # Perfect agreement → κ = 1; Cohen's own style example: 20/5/10/15 → p_o = .7,
    # p_a = .5, p_b = .6, p_e = .5 → κ = 0.4. McNemar: 0 vs 6 discordant → 2/64 = 0.03125.
    assert concordance.cohen_kappa(3, 0, 0, 2) == pytest.approx(1.0)
    assert concordance.cohen_kappa(20, 5, 10, 15) == pytest.approx(0.4)
    assert concordance.mcnemar_exact(0, 6) == pytest.approx(0.03125)
    assert concordance.mcnemar_exact(0, 0) == 1.0


def test_unknown_set_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown criteria set"):
        concordance.compare(COHORT, ["study", "who2030"])


def test_input_not_mutated():
    before = COHORT.transfusions.copy()
    concordance.compare(COHORT)
    pd.testing.assert_frame_equal(COHORT.transfusions, before)


# ---------------------------------------------------------------------------------------
# python -m lusp compare PATH
# ---------------------------------------------------------------------------------------

DEMO = "data/demo_cohort.xlsx"


def test_cli_compare_csv_on_the_demo_cohort(capsys):
    from lusp.cli import main

    assert main(["compare", DEMO, "--format", "csv", "--criteria", "study,iwg2018"]) == 0
    out = capsys.readouterr().out
    header, first = out.splitlines()[:2]
    assert header == "patient_id,diagnosis,study,iwg2018,changed,study_reason,iwg2018_reason"
    assert first.startswith("DEMO-01,") and (",true," in out or ",false," in out)


def test_cli_compare_text_and_bad_options(capsys, tmp_path):
    from lusp.cli import main

    out_file = tmp_path / "compare.txt"
    assert main(["compare", DEMO, "--out", str(out_file), "--set", "iwg2018.iwg2018_baseline_hb=lowest-two"]) == 0
    assert "Response rate (intention to treat; exact 95 % CI):" in out_file.read_text(encoding="utf-8")
    assert main(["compare", DEMO, "--set", "iwg2018.observation_days=200"]) == 2
    assert "outside 112–168" in capsys.readouterr().err
    assert main(["compare", DEMO, "--criteria", "study,who2030"]) == 2
    assert main(["compare", DEMO, "--set", "observation_days"]) == 2
    err = capsys.readouterr().err
    assert "unknown criteria set" in err and "SET.PARAMETER=VALUE" in err and "Traceback" not in err


def test_invariants_of_every_set_on_random_cohorts():
    # Whatever the records: a responder is evaluable, a not-evaluable patient has a reason
    # and is no responder, every patient has a sentence, outcomes use the palette's four
    # words, IWG 2018 types only HTB responders — under every registered set.
    import numpy as np

    from lusp.criteria import CRITERIA

    rng = np.random.default_rng(7)
    patients, hb, tx = [], [], []
    for k in range(60):
        pid = f"R{k}"
        patients.append(pid)
        end = int(rng.integers(20, 260))
        for day in rng.choice(np.arange(-120, end + 1), size=int(rng.integers(1, 14)), replace=False):
            hb.append((pid, int(day), float(rng.integers(55, 135))))
        for day in rng.choice(np.arange(-120, end + 1), size=int(rng.integers(0, 10)), replace=False):
            tx.append((pid, int(day), int(rng.integers(1, 4))))
    cohort = make_cohort(patients=patients, hb=hb, transfusions=tx)
    for name, chosen in CRITERIA.items():
        table = chosen.evaluate(cohort, chosen.default_params())
        responder = table["responder"].to_numpy(dtype=bool)
        evaluable = table["evaluable"].to_numpy(dtype=bool)
        assert not (responder & ~evaluable).any(), name
        assert (table.loc[~evaluable, "not_evaluable_reason"].str.len() > 0).all(), name
        assert (table.loc[evaluable, "not_evaluable_reason"] == "").all(), name
        assert (table["reason"].str.len() > 20).all(), name
        assert set(table["outcome"]) <= {"responder", "transient spike", "non-responder", "not evaluable"}, name
        assert ((table["outcome"] == "responder") == responder).all(), name
        if name == "iwg2018":
            typed = table["response_type"].notna().to_numpy()
            assert (typed == (responder & (table["category"] == "HTB").to_numpy())).all()
            assert set(table["category"]) <= {"NTD", "LTB", "HTB", "not assigned"}


def test_a_set_that_cannot_evaluate_a_third_of_the_patients_is_flagged_beside_its_rate():
    """Demo cohort: IWG 2018's 16-week window is longer than the 7–8 weeks recorded before the
    first dose, so 13 of 22 patients are not evaluable; the study set and IWG 2006 evaluate all."""
    from pathlib import Path

    import pandas as pd

    from lusp.concordance import compare, evaluability_warnings
    from lusp.load import load_cohort

    demo = load_cohort(Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx", synthetic=True)
    warnings = evaluability_warnings(compare(demo).rates)
    assert warnings == ["IWG 2018 HI-E: 13 of 22 patients could not be evaluated and count as non-responders, so its "
                        "rate of 9/22 says more about what was recorded than about the drug (the Patients page gives "
                        "each reason)."]
    # Fence post: exactly a third not evaluable is not flagged; one more is.
    rates = pd.DataFrame({"label": ["A", "B"], "k": [1, 1], "n": [9, 9], "n_not_evaluable": [3, 4]})
    assert [w.split(":")[0] for w in evaluability_warnings(rates)] == ["B"]
