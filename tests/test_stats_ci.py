"""Exact Clopper–Pearson intervals against published and closed-form values."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from lusp.stats import RATE_COLUMNS, clopper_pearson, rate_table


def test_medalist_primary_endpoint():
    # CRITERIA.md: 58 of 153 → 37.9 %, 95 % CI 30.2–46.1 % (MEDALIST, Fenaux et al. NEJM 2020).
    low, high = clopper_pearson(58, 153)
    assert round(58 / 153 * 100, 1) == 37.9
    assert (round(low * 100, 1), round(high * 100, 1)) == (30.2, 46.1)


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        # k = 0: low = 0, high = 1 − (α/2)^(1/n) = 1 − 0.025^(1/10) = 0.308497
        (0, 10, 0.0, 1 - 0.025 ** (1 / 10)),
        # k = n: low = (α/2)^(1/n) = 0.025^(1/10) = 0.691503, high = 1
        (10, 10, 0.025 ** (1 / 10), 1.0),
        # n = 1, k = 1: low = 0.025
        (1, 1, 0.025, 1.0),
        # same as R: binom.test(2, 3)$conf.int → 0.09429932 0.99159624
        (2, 3, 0.09429932, 0.99159624),
        # same as R: binom.test(1, 2)$conf.int → 0.01257912 0.98742088
        (1, 2, 0.01257912, 0.98742088),
    ],
)
def test_known_intervals(k, n, low, high):
    got_low, got_high = clopper_pearson(k, n)
    assert got_low == pytest.approx(low, abs=1e-7)
    assert got_high == pytest.approx(high, abs=1e-7)


def test_no_patients_gives_nan():
    low, high = clopper_pearson(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_level_is_a_parameter():
    # 90 % interval is narrower than the 95 % one and both contain k/n.
    low90, high90 = clopper_pearson(14, 22, level=0.90)
    low95, high95 = clopper_pearson(14, 22)
    assert low95 < low90 < 14 / 22 < high90 < high95


def test_rate_table_counts_na_as_failure_and_groups_sorted():
    frame = pd.DataFrame(
        {
            "responder": pd.array([True, False, pd.NA, True, True], dtype="boolean"),
            "sex": pd.array(["M", "F", "M", None, "F"], dtype="string"),
        }
    )
    table = rate_table(frame, "responder", by="sex")
    assert tuple(table.columns) == RATE_COLUMNS
    # F: 1 of 2; M: 1 of 2 (NA counts as not responding); missing sex: 1 of 1.
    assert table["group"].tolist() == ["(missing)", "F", "M"]
    assert table["k"].tolist() == [1, 1, 1] and table["n"].tolist() == [1, 2, 2]
    assert table["ci_low"].tolist()[1] == pytest.approx(0.01257912, abs=1e-7)
    overall = rate_table(frame, "responder")
    assert overall.loc[0, ["group", "k", "n"]].tolist() == ["all", 3, 5]
    assert overall.loc[0, "rate"] == pytest.approx(0.6)
