"""The Kaplan–Meier number-at-risk table and the subgroup grouping (issue 12), by hand."""
from __future__ import annotations

import pandas as pd

from lusp.stats import SUBGROUP_MIN_LEVEL_N, number_at_risk, subgroup_table


def test_number_at_risk_by_hand():
    # times 10 (event), 60 (censored), 60 (event), 130 (censored), 200 (event)
    durations = pd.DataFrame({"time_days": [10, 60, 60, 130, 200], "event": [True, False, True, False, True]})
    table = number_at_risk(durations)
    # day 0: all 5; day 56: 10 gone (event) → 4; day 112: both 60s gone → 2 (1 more event,
    # 1 censored); day 168: 130 censored → 1. The longest time is 200, so no day 224.
    assert table.to_dict("list") == {
        "day": [0, 56, 112, 168],
        "n_at_risk": [5, 4, 2, 1],
        "n_events_so_far": [0, 1, 2, 2],
        "n_censored_so_far": [0, 0, 1, 2],
    }
    # a time exactly on the day asked is still at risk on it: 60, 60, 130, 200
    assert number_at_risk(durations, [60])["n_at_risk"].tolist() == [4]


def test_rare_levels_are_pooled_and_levels_sorted_as_a_reader_sorts():
    ids = [f"P{i}" for i in range(9)]
    # 4 × "MDS-RS", 3 × "mds-ib1", then 2 single diagnoses → pooled (2 levels < 3 patients)
    diagnosis = ["MDS-RS"] * 4 + ["mds-ib1"] * 3 + ["CMML", "AML"]
    table = pd.DataFrame({"patient_id": ids, "responder": pd.array([True, True, True, False, True, False, False,
                                                                     True, False], dtype="boolean")})
    patients = pd.DataFrame({"patient_id": ids, "diagnosis": diagnosis})
    out = subgroup_table(table, patients, "diagnosis", min_level_n=SUBGROUP_MIN_LEVEL_N)
    assert out["level"].tolist() == ["mds-ib1", "MDS-RS", "other (2 levels, each < 3 patients)"]
    assert out[["responders", "n"]].values.tolist() == [[1, 3], [3, 4], [1, 2]]
    # without grouping every level stays, still case-insensitive: AML, CMML, mds-ib1, MDS-RS
    plain = subgroup_table(table, patients, "diagnosis")
    assert plain["level"].tolist() == ["AML", "CMML", "mds-ib1", "MDS-RS"]
