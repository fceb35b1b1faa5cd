"""The hypothesis tests behind the results paragraph, against published worked examples.

Every expected value cites where it comes from: R's help-page examples, textbook tables,
or scipy computed independently in the test.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from lusp import stats as lstats

# Hollander & Wolfe (1973), p. 29: Hamilton depression scale before (x, first visit) and
# after (y, second visit) tranquilizer — the example of R's ?wilcox.test.
DEPRESSION_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]

# Freireich et al. (1963) 6-MP arm of the remission-duration trial, weeks; 0 = censored.
# Klein & Moeschberger, Survival Analysis (2003), Table 4.1A; also R survival::gehan.
SIX_MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


class TestWilcoxonPaired:
    def test_r_help_example(self):
        # R: wilcox.test(x, y, paired = TRUE) → V = 40, p-value = 0.03906 (two-sided; the
        # help page's one-sided "greater" gives 0.01953, half of it). Here after = x.
        result = lstats.wilcoxon_paired(DEPRESSION_Y, DEPRESSION_X, measure="HRSD")
        assert result.n_pairs == 9 and result.n_nonzero == 9
        assert result.statistic_v == 40
        assert result.p_value == pytest.approx(0.0390625, abs=1e-7)  # 20/512
        assert result.method == "exact"

    def test_mean_difference_ci_matches_paired_t(self):
        result = lstats.wilcoxon_paired(DEPRESSION_Y, DEPRESSION_X)
        ci = sps.ttest_rel(DEPRESSION_X, DEPRESSION_Y).confidence_interval(0.95)
        assert result.mean_diff == pytest.approx(np.mean(np.subtract(DEPRESSION_X, DEPRESSION_Y)))
        assert (result.mean_diff_ci_low, result.mean_diff_ci_high) == pytest.approx((ci.low, ci.high))

    def test_median_difference_and_exact_ci(self):
        # Sorted differences x − y: −0.147, −0.08, 0.01, 0.43, 0.49, 0.59, 0.62, 0.952, 1.022.
        # n = 9: P(Bin(9, ½) ≤ 1) = 10/512 = 0.0195 ≤ 0.025, P(≤ 2) = 46/512 > 0.025, so the
        # interval is (d(2), d(8)) = (−0.08, 0.952), coverage 1 − 20/512 = 0.9609.
        result = lstats.wilcoxon_paired(DEPRESSION_Y, DEPRESSION_X)
        assert result.median_diff == pytest.approx(0.49)
        assert result.median_diff_ci_low == pytest.approx(-0.08)
        assert result.median_diff_ci_high == pytest.approx(0.952)
        assert result.median_ci_coverage == pytest.approx(1 - 20 / 512)

    def test_ties_and_zeros_use_tie_corrected_normal_approximation(self):
        # Integer Hb in g/L ties all the time. Naive R-style computation written here:
        # drop zeros, mid-ranks, V = Σ positive ranks, σ² = n(n+1)(2n+1)/24 − Σ(t³−t)/48,
        # z = (V − n(n+1)/4 − ½·sign) / σ.
        before = [60, 62, 55, 70, 58, 64, 66, 59, 61, 57, 63, 65]
        after = [90, 62, 75, 80, 58, 84, 56, 79, 71, 67, 93, 95]
        d = np.subtract(after, before)
        nz = d[d != 0]
        n = len(nz)
        ranks = sps.rankdata(np.abs(nz))
        v = ranks[nz > 0].sum()
        _, counts = np.unique(np.abs(nz), return_counts=True)
        sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - ((counts**3 - counts).sum()) / 48)
        centred = v - n * (n + 1) / 4
        z = (centred - 0.5 * np.sign(centred)) / sigma
        expected_p = 2 * sps.norm.sf(abs(z))
        result = lstats.wilcoxon_paired(before, after)
        assert result.n_pairs == 12 and result.n_nonzero == 10
        assert result.statistic_v == v
        assert result.method == "normal approximation"
        assert result.p_value == pytest.approx(expected_p, rel=1e-9)

    def test_missing_pairs_are_dropped_and_counted(self):
        result = lstats.wilcoxon_paired([60, None, 70, 80], [70, 90, float("nan"), 95])
        assert result.n_pairs == 2
        assert result.mean_before == 70 and result.mean_after == 82.5

    def test_no_pairs_gives_no_test_and_says_so(self):
        result = lstats.wilcoxon_paired([], [], measure="Hb", unit="g/L")
        assert result.n_pairs == 0 and math.isnan(result.p_value)
        assert "no test" in result.sentence()

    def test_sentence_carries_n_and_p(self):
        sentence = lstats.wilcoxon_paired(DEPRESSION_Y, DEPRESSION_X, measure="Hb", unit="g/L").sentence()
        assert "n = 9 pairs" in sentence and "p = 0.039" in sentence and "Wilcoxon" in sentence


class TestMedianCiExact:
    def test_n10_uses_ranks_2_and_9(self):
        # Conover (1999) Table A3 / standard sign-test table: n = 10 → x(2), x(9), 97.85 %.
        low, high, coverage = lstats.median_ci_exact(range(1, 11))
        assert (low, high) == (2, 9)
        assert coverage == pytest.approx(1 - 2 * 11 / 1024)

    @pytest.mark.parametrize("n, expect_interval", [(5, False), (6, True)])
    def test_smallest_sample_with_an_interval(self, n, expect_interval):
        # P(Bin(5, ½) = 0) = 1/32 = 0.031 > 0.025: no 95 % interval; n = 6: 1/64 = 0.016.
        low, _, _ = lstats.median_ci_exact(range(n))
        assert (not math.isnan(low)) is expect_interval


class TestPairedBeforeAfter:
    def test_hb_all_patients_burden_td_only(self):
        table = pd.DataFrame(
            {
                "patient_id": ["a", "b", "c", "d"],
                "td_baseline": pd.array([True, True, False, True], dtype="boolean"),
                "baseline_hb_g_l": [60.0, 65.0, 80.0, None],
                "post_hb_g_l": [90.0, 70.0, 95.0, 100.0],
                "burden_before_u28": [4.0, 2.0, 0.0, 3.0],
                "burden_after_u28": [0.0, 2.0, 0.0, 1.0],
            }
        )
        frame = lstats.paired_before_after(table)
        by = frame.set_index("comparison")
        # Hb: d has no baseline → 3 pairs (a, b, c); burden: TD a, b, d → 3 pairs, one zero.
        assert by.loc["hb", "n_pairs"] == 3
        assert by.loc["burden", "n_pairs"] == 3 and by.loc["burden", "n_nonzero"] == 2
        assert by.loc["burden", "mean_diff"] == pytest.approx((-4 + 0 - 2) / 3)
        assert "n = 3 pairs" in by.loc["hb", "sentence"]


class TestFisher:
    def test_tea_tasting(self):
        # R: fisher.test(TeaTasting) (Agresti 1990, p. 61): p-value = 0.4857,
        # odds ratio (conditional MLE) 6.408309; two-sided 95 % CI lower bound 0.2117.
        result = lstats.fisher_exact_2x2(3, 4, 1, 4, label_a="milk first", label_b="tea first")
        assert result.p_value == pytest.approx(0.4857, abs=1e-4)
        assert result.odds_ratio == pytest.approx(6.408309, rel=1e-4)
        assert result.or_ci_low == pytest.approx(0.2117, abs=1e-3)
        assert "3/4" in result.sentence() and "1/4" in result.sentence()

    def test_p_matches_hypergeometric_sum(self):
        # Independent check: two-sided p = Σ P(table) over tables no more likely than the
        # observed one, margins fixed (Fisher 1935).
        a, n_a, b, n_b = 5, 7, 4, 15
        total_events, total = a + b, n_a + n_b
        dist = sps.hypergeom(total, total_events, n_a)
        support = range(max(0, total_events - n_b), min(n_a, total_events) + 1)
        observed = dist.pmf(a)
        expected = sum(dist.pmf(k) for k in support if dist.pmf(k) <= observed * (1 + 1e-7))
        assert lstats.fisher_exact_2x2(a, n_a, b, n_b).p_value == pytest.approx(expected)

    def test_empty_group_has_no_test(self):
        assert math.isnan(lstats.fisher_exact_2x2(0, 0, 3, 5).p_value)

    @pytest.mark.parametrize("counts", [(5, 4, 1, 2), (-1, 3, 1, 2), (1.5, 3, 1, 2)])
    def test_impossible_counts_raise(self, counts):
        with pytest.raises(ValueError):
            lstats.fisher_exact_2x2(*counts)

    def test_by_subgroup_counts_and_missing_covariate(self):
        table = pd.DataFrame(
            {
                "sex": ["F", "F", "M", "M", "M", None],
                "responder": pd.array([True, False, True, True, pd.NA, True], dtype="boolean"),
            }
        )
        frame = lstats.fisher_by_subgroup(table, "sex")
        # Unknown sex is left out; NA responder counts as non-responder (ITT):
        # F 1/2 vs others (M) 2/3.
        row = frame.set_index("level").loc["F"]
        assert (row["events_level"], row["n_level"], row["events_other"], row["n_other"]) == (1, 2, 2, 3)
        assert row["p_value"] == pytest.approx(sps.fisher_exact([[1, 1], [2, 1]]).pvalue)
        assert "1/2" in row["label"]
        table_before = table.copy()
        lstats.fisher_by_subgroup(table, "sex")
        pd.testing.assert_frame_equal(table, table_before)  # input not mutated

    def test_caption_says_exploratory(self):
        assert "xploratory" in lstats.SUBGROUP_CAPTION and "small n" in lstats.SUBGROUP_CAPTION


class TestKaplanMeier:
    def test_six_mp_published_estimates(self):
        # Klein & Moeschberger Table 4.1A (6-MP arm): S(t) and Greenwood SE.
        km = lstats.kaplan_meier(SIX_MP_WEEKS, SIX_MP_EVENT).set_index("time")
        published = {
            6: (0.8571, 0.0764),
            7: (0.8067, 0.0869),
            10: (0.7529, 0.0963),
            13: (0.6902, 0.1068),
            16: (0.6275, 0.1141),
            22: (0.5378, 0.1282),
            23: (0.4482, 0.1346),
        }
        for week, (survival, se) in published.items():
            assert km.loc[week, "survival"] == pytest.approx(survival, abs=1e-4)
            assert km.loc[week, "se"] == pytest.approx(se, abs=1e-4)
        assert km.loc[6, "n_at_risk"] == 21 and km.loc[6, "n_events"] == 3 and km.loc[6, "n_censored"] == 1
        assert lstats.km_median(lstats.kaplan_meier(SIX_MP_WEEKS, SIX_MP_EVENT)) == 23
        # R: survfit(Surv(time, event) ~ 1, conf.type = "log-log") at 6 weeks: 0.620–0.952.
        assert (km.loc[6, "ci_low"], km.loc[6, "ci_high"]) == pytest.approx((0.6197, 0.9516), abs=1e-4)

    def test_matches_naive_product_limit(self):
        rng = np.random.default_rng(7)
        times = rng.integers(1, 40, size=30).astype(float)
        events = rng.random(30) < 0.6
        km = lstats.kaplan_meier(times, events)
        for _, row in km.iterrows():
            # Naive: product over event times ≤ t of (1 − deaths / at risk).
            s = 1.0
            for u in sorted(set(times[events])):
                if u <= row["time"]:
                    s *= 1 - ((times == u) & events).sum() / (times >= u).sum()
            assert row["survival"] == pytest.approx(s)
        assert (km["cumulative_incidence"] == 1 - km["survival"]).all()

    def test_no_events_median_not_reached(self):
        km = lstats.kaplan_meier([10, 20, 30], [False, False, False])
        assert (km["survival"] == 1).all() and math.isnan(lstats.km_median(km))

    def test_negative_duration_rejected(self):
        with pytest.raises(ValueError):
            lstats.kaplan_meier([-1, 3], [True, True])


def test_km_unsupported_reason():
    frame = pd.DataFrame({"patient_id": list("abcde"), "time_days": [1.0] * 5, "event": [False] * 5})
    assert "no event" in lstats.km_unsupported_reason(frame)
    assert "only 2 patients" in lstats.km_unsupported_reason(frame.head(2))
    assert lstats.km_unsupported_reason(frame.assign(event=[True, False, False, False, False])) == ""


class TestTiTimeToEvent:
    TABLE = pd.DataFrame(
        {
            "patient_id": ["td-ti-ongoing", "td-ti-lost", "td-no-ti", "ntd"],
            "td_baseline": pd.array([True, True, True, False], dtype="boolean"),
            "ti_achieved": pd.array([True, True, False, True], dtype="boolean"),
            "tf_start_day": pd.array([23, 1, 30, 1], dtype="Int64"),
            "tf_end_day": pd.array([140, 70, 50, 200], dtype="Int64"),
            "end_day": pd.array([140, 150, 120, 200], dtype="Int64"),
        }
    )

    def test_time_to_ti_td_only_censored_at_end(self):
        frame = lstats.ti_time_to_event(self.TABLE, "time_to_ti").set_index("patient_id")
        # TI onset days 23 and 1 are events; td-no-ti censored at its end of follow-up, day 120.
        assert list(frame.index) == ["td-ti-ongoing", "td-ti-lost", "td-no-ti"]
        assert frame["time_days"].tolist() == [23.0, 1.0, 120.0]
        assert frame["event"].tolist() == [True, True, False]

    def test_duration_event_when_run_ends_before_follow_up(self):
        frame = lstats.ti_time_to_event(self.TABLE, "ti_duration").set_index("patient_id")
        # td-ti-ongoing: 23…140 = 118 days, still free at day 140 → censored.
        # td-ti-lost: 1…70 = 70 days, transfused on day 71 < 150 → event. The NTD patient is
        # not in the curve: never being transfused is not a TI response.
        assert frame.loc["td-ti-ongoing", "time_days"] == 118 and not frame.loc["td-ti-ongoing", "event"]
        assert frame.loc["td-ti-lost", "time_days"] == 70 and frame.loc["td-ti-lost", "event"]
        assert list(frame.index) == ["td-ti-ongoing", "td-ti-lost"]


def test_clopper_pearson_medalist_reference():
    # CRITERIA.md: 58 of 153 (MEDALIST primary endpoint) → 37.9 %, 95 % CI 30.2–46.1 %;
    # R binom.test(58, 153)$conf.int = 0.3017 0.4611.
    low, high = lstats.clopper_pearson(58, 153)
    assert (round(low * 100, 1), round(high * 100, 1)) == (30.2, 46.1)
