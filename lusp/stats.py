"""Statistics for cohort summaries: exact intervals and tidy rate tables.

Rates carry their counts everywhere (``k`` of ``n``): in a 22-patient cohort a percentage
without its denominator misleads.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats

from lusp.i18n import N_, _, ngettext

#: Columns of :func:`rate_table`.
RATE_COLUMNS = ("group", "k", "n", "rate", "ci_low", "ci_high")


def clopper_pearson(k, n, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for a binomial proportion ``k / n``.

    Parameters
    ----------
    k, n : int
        Successes and trials (0 ≤ k ≤ n). Arrays are accepted and broadcast.
    level : float
        Confidence level (0.95 for a 95 % interval).

    Returns
    -------
    (low, high) : tuple of float (or arrays)
        NaN when ``n`` is 0.

    Notes
    -----
    ``low = B(α/2; k, n − k + 1)`` and ``high = B(1 − α/2; k + 1, n − k)`` where ``B`` is the
    beta quantile, with ``low = 0`` at ``k = 0`` and ``high = 1`` at ``k = n``.

    References
    ----------
    Clopper CJ, Pearson ES. Biometrika 1934;26:404–413. Check (CRITERIA.md): 58 of 153
    (MEDALIST primary endpoint) → 37.9 %, 95 % CI 30.2–46.1 %; same as R's
    ``binom.test(58, 153)$conf.int``.
    """
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, _scipy_stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, _scipy_stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    empty = n <= 0
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def rate_table(frame: pd.DataFrame, outcome: str, by: str | None = None, level: float = 0.95,
               overall_label: str = "all") -> pd.DataFrame:
    """Proportion of rows where ``outcome`` is true, overall or per group, with exact CIs.

    Parameters
    ----------
    frame : DataFrame
        One row per patient (e.g. ``Results.table``); not modified.
    outcome : str
        A boolean column; NA counts as false (intention to treat: a patient who cannot be
        evaluated is not a responder).
    by : str, optional
        Grouping column; rows with a missing group form a group labelled ``"(missing)"``.
    level : float
        Confidence level of the Clopper–Pearson interval.
    overall_label : str
        The ``group`` label when ``by`` is None.

    Returns
    -------
    DataFrame
        One row per group with :data:`RATE_COLUMNS`: ``group`` (string), ``k`` (successes),
        ``n`` (patients), ``rate`` (k / n as a fraction, NaN when n = 0), ``ci_low``,
        ``ci_high``. Groups in sorted order.
    """
    success = frame[outcome].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if by is None:
        groups = pd.Series([overall_label] * len(frame), dtype="string")
    else:
        groups = frame[by].astype("string").fillna("(missing)").reset_index(drop=True)
    counts = (
        pd.DataFrame({"group": groups, "success": success})
        .groupby("group", sort=True)["success"]
        .agg(k="sum", n="size")
        .reset_index()
    )
    k = counts["k"].to_numpy(dtype=np.int64)
    n = counts["n"].to_numpy(dtype=np.int64)
    low, high = clopper_pearson(k, n, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return pd.DataFrame(
        {
            "group": counts["group"].astype("string"),
            "k": k,
            "n": n,
            "rate": rate,
            "ci_low": np.atleast_1d(low),
            "ci_high": np.atleast_1d(high),
        }
    )


# ---------------------------------------------------------------------------------------
# Hypothesis tests behind every "significantly" (issue 7).
#
# The source study reports before/after means and rates without tests; reviewers ask for
# them. Each function returns the test together with the counts it rests on, so no p-value
# is ever shown without its n. Exact methods where the sample allows them, because the
# cohorts this tool sees have tens of patients, not hundreds.
# ---------------------------------------------------------------------------------------

from dataclasses import asdict, dataclass  # noqa: E402  (this section's own needs)

#: The caption every subgroup p-value carries (CRITERIA.md, Statistics).
SUBGROUP_CAPTION = N_(
    "Exploratory, small n: subgroups of a small cohort, Fisher's exact test (two-sided), "
    "no adjustment for multiple comparisons."
)

#: Fewest patients for which a Kaplan–Meier curve is drawn; below it a table says more.
KM_MIN_PATIENTS = 5


def _fmt_p(p: float) -> str:
    """A p-value as clinicians read it: 'p = 0.032', 'p < 0.001', 'p = 1.00'."""
    if p != p:  # NaN
        return _("p not computable")
    if p < 0.001:
        return _("p < 0.001")
    return _("p = {p}").format(p=f"{p:.3f}" if p < 0.1 else f"{p:.2f}")


def median_ci_exact(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Distribution-free confidence interval for a median from order statistics.

    Parameters
    ----------
    values : array-like of float
        The sample (NaN dropped).
    confidence : float
        Nominal two-sided coverage.

    Returns
    -------
    (low, high, achieved) : tuple of float
        ``x(k)`` and ``x(n-k+1)`` of the sorted sample, with ``k`` the largest rank such
        that ``P(Binomial(n, 1/2) <= k-1) <= (1-confidence)/2``, and the exact coverage
        ``1 - 2 P(Binomial(n, 1/2) <= k-1)`` (≥ ``confidence``). ``(nan, nan, nan)`` when
        n is too small for any interval (n < 6 at 95 %).

    Notes
    -----
    Inverts the sign test, so it needs no symmetry assumption (Conover, *Practical
    Nonparametric Statistics*, 3rd ed., 1999, §3.2; e.g. n = 10 gives ranks 2 and 9 with
    coverage 97.9 %).
    """
    x = np.sort(np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float))
    n = len(x)
    alpha_half = (1.0 - confidence) / 2.0
    # cdf[j] = P(X <= j); the lower rank k satisfies cdf[k-1] <= alpha/2.
    cdf = _scipy_stats.binom.cdf(np.arange(n + 1), n, 0.5) if n else np.array([1.0])
    ok = np.flatnonzero(cdf <= alpha_half)
    if n == 0 or len(ok) == 0:
        return (float("nan"), float("nan"), float("nan"))
    k = int(ok[-1]) + 1  # 1-based rank
    return (float(x[k - 1]), float(x[n - k]), float(1.0 - 2.0 * cdf[k - 1]))


@dataclass(frozen=True)
class PairedComparison:
    """A before/after comparison on the same patients (Wilcoxon signed-rank).

    Differences are ``after - before``, so a positive ``mean_diff`` is a rise.
    ``statistic_v`` is the sum of the ranks of the positive differences (R's ``V``).
    ``method`` says how the p-value was found: ``exact`` (no ties, no zero differences,
    n ≤ 50) or ``normal approximation`` (tie-corrected variance, continuity correction, as
    R's ``wilcox.test`` does with ties). Zero differences are dropped from the ranking
    (Wilcoxon's convention, R's default); ``n_pairs`` still counts them.
    """

    measure: str
    unit: str
    n_pairs: int
    n_nonzero: int
    mean_before: float
    mean_after: float
    mean_diff: float
    mean_diff_ci_low: float
    mean_diff_ci_high: float
    median_before: float
    median_after: float
    median_diff: float
    median_diff_ci_low: float
    median_diff_ci_high: float
    median_ci_coverage: float
    statistic_v: float
    p_value: float
    method: str

    def sentence(self) -> str:
        """'Hb rose from a mean of 60.6 to 96.2 g/L (mean difference +35.6 g/L, 95 % CI …;
        Wilcoxon signed-rank, n = 22 pairs, p < 0.001).'"""
        measure = _(self.measure) if self.measure else ""  # i18n: lookup
        if self.n_pairs == 0:
            return _("{measure}: no patient has both a before and an after value; no test.").format(measure=measure)
        unit = _(self.unit) if self.unit else ""  # i18n: lookup
        u = f" {unit}" if unit else ""
        ci = (
            _(", 95 % CI {low} to {high}{unit}").format(
                low=f"{self.mean_diff_ci_low:+.1f}", high=f"{self.mean_diff_ci_high:+.1f}", unit=u)
            if self.mean_diff_ci_low == self.mean_diff_ci_low
            else ""
        )
        test = (
            _("Wilcoxon signed-rank, n = {n} pairs, {p}").format(n=self.n_pairs, p=_fmt_p(self.p_value))
            if self.p_value == self.p_value
            else _("n = {n} pairs, too few non-zero differences for a test").format(n=self.n_pairs)
        )
        return _("{measure}: mean {before} → {after}{unit} (mean difference {difference}{unit}{ci}; median "
                 "difference {median}{unit}; {test}).").format(
            measure=measure, before=f"{self.mean_before:.1f}", after=f"{self.mean_after:.1f}", unit=u,
            difference=f"{self.mean_diff:+.1f}", ci=ci, median=f"{self.median_diff:+.1f}", test=test)


def wilcoxon_paired(before, after, *, measure: str = "", unit: str = "") -> PairedComparison:
    """Wilcoxon signed-rank test of ``after`` against ``before``, with effect sizes.

    Parameters
    ----------
    before, after : array-like of float, same length
        Paired values; a pair with either value missing is dropped.
    measure, unit : str
        Names for the sentence (e.g. ``"Hb"``, ``"g/L"``).

    Returns
    -------
    PairedComparison
        n of complete pairs and of non-zero differences; means and medians before/after;
        mean difference with a t-based 95 % CI; median of the paired differences with the
        exact order-statistic 95 % CI (:func:`median_ci_exact`, coverage reported); the
        signed-rank statistic ``V`` and its two-sided p-value.

    Notes
    -----
    Same as R ``wilcox.test(after, before, paired = TRUE)`` (``exact`` when there are no
    ties or zeros and n ≤ 50, otherwise ``correct = TRUE`` normal approximation). The mean
    CI is ``mean ± t(0.975, n-1) · sd / √n``.
    """
    frame = pd.DataFrame(
        {
            "before": pd.to_numeric(pd.Series(list(before), dtype="object"), errors="coerce"),
            "after": pd.to_numeric(pd.Series(list(after), dtype="object"), errors="coerce"),
        }
    ).dropna()
    b = frame["before"].to_numpy(dtype=float)
    a = frame["after"].to_numpy(dtype=float)
    # Round so that values equal on paper are tied in the ranking (scipy's own warning).
    d = np.round(a - b, 9)
    n = len(d)
    nan = float("nan")
    if n == 0:
        return PairedComparison(measure, unit, 0, 0, *([nan] * 13), "none")
    nonzero = d[d != 0]
    m = len(nonzero)
    mean_diff = float(d.mean())
    if n >= 2:
        half = _scipy_stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
        mean_lo, mean_hi = mean_diff - half, mean_diff + half
    else:
        mean_lo = mean_hi = nan
    med_lo, med_hi, coverage = median_ci_exact(d)
    if m == 0:
        v, p, method = 0.0, 1.0, "all differences zero"
    else:
        ranks = _scipy_stats.rankdata(np.abs(nonzero))
        v = float(ranks[nonzero > 0].sum())
        has_ties = len(np.unique(np.abs(nonzero))) < m
        if m <= 50 and not has_ties and m == n:
            res = _scipy_stats.wilcoxon(d, method="exact")
            method = "exact"
        else:
            res = _scipy_stats.wilcoxon(d, zero_method="wilcox", correction=True, method="asymptotic")
            method = "normal approximation"
        p = float(res.pvalue)
    return PairedComparison(
        measure=measure,
        unit=unit,
        n_pairs=n,
        n_nonzero=m,
        mean_before=float(b.mean()),
        mean_after=float(a.mean()),
        mean_diff=mean_diff,
        mean_diff_ci_low=float(mean_lo),
        mean_diff_ci_high=float(mean_hi),
        median_before=float(np.median(b)),
        median_after=float(np.median(a)),
        median_diff=float(np.median(d)),
        median_diff_ci_low=med_lo,
        median_diff_ci_high=med_hi,
        median_ci_coverage=coverage,
        statistic_v=v,
        p_value=p,
        method=method,
    )


def paired_before_after(table: pd.DataFrame) -> pd.DataFrame:
    """The two paired comparisons the results paragraph cites, as a tidy frame.

    Parameters
    ----------
    table : DataFrame
        A per-patient results table (``Results.table``) with ``baseline_hb_g_l``,
        ``post_hb_g_l`` (falls back to ``peak_hb_g_l``), ``td_baseline``,
        ``burden_before_u28`` and ``burden_after_u28``.

    Returns
    -------
    DataFrame
        One row per comparison — ``comparison`` (``hb``: all patients with both Hb values;
        ``burden``: TD patients, RBC units per 28 days) — and the fields of
        :class:`PairedComparison`, plus ``sentence``.
    """
    post_col = "post_hb_g_l" if "post_hb_g_l" in table.columns else "peak_hb_g_l"
    hb = wilcoxon_paired(table["baseline_hb_g_l"], table[post_col], measure="Hb", unit="g/L")
    # The names are said where the sentence is made (PairedComparison.sentence).
    td = table[table["td_baseline"].fillna(False).astype(bool)] if len(table) else table
    burden = wilcoxon_paired(
        td["burden_before_u28"], td["burden_after_u28"], measure=N_("RBC burden (TD)"), unit=N_("U/28 d")
    )
    rows = []
    for key, result in (("hb", hb), ("burden", burden)):
        row = {"comparison": key, **asdict(result), "sentence": result.sentence()}
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class FisherResult:
    """Fisher's exact test of a 2×2 table ``[[a, n_a - a], [b, n_b - b]]``.

    ``odds_ratio`` is the conditional maximum-likelihood estimate with its exact 95 % CI
    (R's ``fisher.test``); ``p_value`` is two-sided.
    """

    label_a: str
    events_a: int
    n_a: int
    label_b: str
    events_b: int
    n_b: int
    odds_ratio: float
    or_ci_low: float
    or_ci_high: float
    p_value: float

    def sentence(self) -> str:
        """'MDS-RS 5/7 vs other 4/15 (Fisher's exact, p = 0.06)': counts beside the p."""
        return _("{label_a} {events_a}/{n_a} vs {label_b} {events_b}/{n_b} (Fisher's exact, {p})").format(
            label_a=self.label_a, events_a=self.events_a, n_a=self.n_a, label_b=self.label_b,
            events_b=self.events_b, n_b=self.n_b, p=_fmt_p(self.p_value))


def fisher_exact_2x2(
    events_a: int, n_a: int, events_b: int, n_b: int, *, label_a: str = "group A", label_b: str = "group B"
) -> FisherResult:
    """Fisher's exact test comparing ``events_a / n_a`` with ``events_b / n_b``.

    Parameters
    ----------
    events_a, n_a, events_b, n_b : int
        Responders and patients in each group (0 ≤ events ≤ n).
    label_a, label_b : str
        Group names for the sentence.

    Returns
    -------
    FisherResult
        Counts, conditional-MLE odds ratio with exact 95 % CI, two-sided p-value. With an
        empty group the test is undefined: odds ratio and p are NaN.

    Notes
    -----
    Same as R ``fisher.test(matrix(c(a, b, n_a - a, n_b - b), 2))``; e.g. Fisher's
    tea-tasting table [[3, 1], [1, 3]] gives p = 0.4857, OR 6.41 (0.31–308.6).
    """
    values = (events_a, n_a, events_b, n_b)
    if any(int(v) != v or v < 0 for v in values) or events_a > n_a or events_b > n_b:
        raise ValueError(f"counts must be whole numbers with 0 ≤ events ≤ n, got {values}")
    nan = float("nan")
    if n_a == 0 or n_b == 0:
        return FisherResult(label_a, int(events_a), int(n_a), label_b, int(events_b), int(n_b), nan, nan, nan, nan)
    table_2x2 = np.array([[events_a, n_a - events_a], [events_b, n_b - events_b]], dtype=int)
    p = float(_scipy_stats.fisher_exact(table_2x2).pvalue)
    odds = _scipy_stats.contingency.odds_ratio(table_2x2, kind="conditional")
    ci = odds.confidence_interval(confidence_level=0.95)
    return FisherResult(
        label_a,
        int(events_a),
        int(n_a),
        label_b,
        int(events_b),
        int(n_b),
        float(odds.statistic),
        float(ci.low),
        float(ci.high),
        p,
    )


def fisher_by_subgroup(table: pd.DataFrame, covariate: str, outcome: str = "responder") -> pd.DataFrame:
    """Each level of ``covariate`` against all other patients, by Fisher's exact test.

    Parameters
    ----------
    table : DataFrame
        One row per patient with ``covariate`` (categorical or boolean; bin numeric
        covariates first) and boolean ``outcome`` (missing counts as not responding, the
        intention-to-treat rule).
    covariate, outcome : str
        Column names.

    Returns
    -------
    DataFrame
        One row per level, in order of appearance: ``covariate, level, events_level,
        n_level, rate_level, events_other, n_other, rate_other, odds_ratio, or_ci_low,
        or_ci_high, p_value, label`` (``label`` is the counts-with-p sentence). Patients
        with a missing covariate are left out of both groups. With fewer than two levels
        the frame has the rows but NaN tests.

    Notes
    -----
    Exploratory: see :data:`SUBGROUP_CAPTION`.
    """
    if covariate not in table.columns or outcome not in table.columns:
        missing = [c for c in (covariate, outcome) if c not in table.columns]
        raise ValueError(f"column(s) {', '.join(missing)} not in the table")
    known = table[table[covariate].notna()]
    responded = known[outcome].fillna(False).astype(bool).to_numpy()
    levels = known[covariate].astype(str).to_numpy()
    rows = []
    for level in pd.unique(levels):
        inside = levels == level
        result = fisher_exact_2x2(
            int(responded[inside].sum()),
            int(inside.sum()),
            int(responded[~inside].sum()),
            int((~inside).sum()),
            label_a=f"{covariate} = {level}",
            label_b="others",
        )
        rows.append(
            {
                "covariate": covariate,
                "level": level,
                "events_level": result.events_a,
                "n_level": result.n_a,
                "rate_level": result.events_a / result.n_a if result.n_a else float("nan"),
                "events_other": result.events_b,
                "n_other": result.n_b,
                "rate_other": result.events_b / result.n_b if result.n_b else float("nan"),
                "odds_ratio": result.odds_ratio,
                "or_ci_low": result.or_ci_low,
                "or_ci_high": result.or_ci_high,
                "p_value": result.p_value,
                "label": result.sentence(),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "covariate", "level", "events_level", "n_level", "rate_level", "events_other", "n_other",
            "rate_other", "odds_ratio", "or_ci_low", "or_ci_high", "p_value", "label",
        ],
    )


def kaplan_meier(durations, events, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier estimate with Greenwood standard errors and log(−log) CIs.

    Parameters
    ----------
    durations : array-like of float
        Time from origin to event or censoring (days), ≥ 0.
    events : array-like of bool
        True where the event was observed, False where censored.
    confidence : float
        Two-sided level of the pointwise interval.

    Returns
    -------
    DataFrame
        One row for time 0 and one per distinct observed time: ``time, n_at_risk,
        n_events, n_censored, survival, se, ci_low, ci_high, cumulative_incidence``
        (``1 - survival``: for "time to TI" the share who have reached TI). Censoring at a
        time with events is taken to happen just after the events (the usual convention).

    Notes
    -----
    ``S(t) = Π (1 - d_i / n_i)``; Greenwood ``Var S = S² Σ d_i / (n_i (n_i - d_i))``;
    the interval is ``S^exp(± z σ / log S)`` with ``σ² = Σ d_i/(n_i(n_i-d_i)) / (log S)²``
    (Kalbfleisch & Prentice; lifelines' default, R ``conf.type = "log-log"``).
    References: Kaplan & Meier, JASA 1958; Klein & Moeschberger, *Survival Analysis*, 2nd
    ed., 2003, §4.2 (the 6-MP leukaemia data used in the tests).
    """
    t = np.asarray(pd.to_numeric(pd.Series(list(durations), dtype="object"), errors="coerce"), dtype=float)
    e = np.asarray(pd.Series(list(events), dtype="object").fillna(False).astype(bool), dtype=bool)
    if len(t) != len(e):
        raise ValueError("durations and events must have the same length")
    keep = ~np.isnan(t)
    t, e = t[keep], e[keep]
    if (t < 0).any():
        raise ValueError("durations must be ≥ 0")
    z = _scipy_stats.norm.ppf(0.5 + confidence / 2.0)
    rows = [
        {"time": 0.0, "n_at_risk": len(t), "n_events": 0, "n_censored": 0, "survival": 1.0, "se": 0.0,
         "ci_low": 1.0, "ci_high": 1.0}
    ]
    survival, greenwood_sum = 1.0, 0.0
    for time in np.unique(t):
        at_risk = int((t >= time).sum())
        d = int(((t == time) & e).sum())
        c = int(((t == time) & ~e).sum())
        if d:
            survival *= 1.0 - d / at_risk
            greenwood_sum += d / (at_risk * (at_risk - d)) if at_risk > d else float("inf")
        se = survival * np.sqrt(greenwood_sum) if np.isfinite(greenwood_sum) else float("nan")
        if 0.0 < survival < 1.0 and np.isfinite(greenwood_sum):
            sigma = np.sqrt(greenwood_sum) / abs(np.log(survival))
            lo, hi = survival ** np.exp(z * sigma), survival ** np.exp(-z * sigma)
        elif survival == 1.0:
            lo = hi = 1.0
        else:
            lo = hi = float("nan") if survival != 0.0 else 0.0
        if time == 0.0:
            rows[0].update(n_events=d, n_censored=c)
            if d:
                rows[0].update(survival=survival, se=se, ci_low=lo, ci_high=hi)
            continue
        rows.append({"time": float(time), "n_at_risk": at_risk, "n_events": d, "n_censored": c,
                     "survival": survival, "se": se, "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows)
    out["cumulative_incidence"] = 1.0 - out["survival"]
    return out


def km_median(km: pd.DataFrame) -> float:
    """Median time: the first time the survival estimate is ≤ 0.5 (NaN if never)."""
    reached = km[km["survival"] <= 0.5]
    return float(reached["time"].iloc[0]) if len(reached) else float("nan")


def ti_time_to_event(table: pd.DataFrame, kind: str = "time_to_ti") -> pd.DataFrame:
    """Per-patient durations for the two transfusion-independence Kaplan–Meier curves.

    Parameters
    ----------
    table : DataFrame
        A per-patient results table with ``patient_id, td_baseline, ti_achieved,
        tf_start_day, tf_end_day, end_day``.
    kind : {"time_to_ti", "ti_duration"}
        ``time_to_ti``: TD patients; time = first day of the transfusion-free run that
        made them independent (``tf_start_day``), event = TI achieved; otherwise censored
        at the end of follow-up (``end_day``). ``ti_duration``: patients with TI; time =
        length of that run in days; event = the run ended with a transfusion before the
        end of follow-up (``tf_end_day < end_day``); otherwise censored (still
        independent when last seen).

    Returns
    -------
    DataFrame
        ``patient_id, time_days, event``, one row per patient who qualifies and has the
        days needed.
    """
    if kind not in ("time_to_ti", "ti_duration"):
        raise ValueError("kind must be 'time_to_ti' or 'ti_duration'")
    td = table["td_baseline"].fillna(False).astype(bool)
    ti = table["ti_achieved"].fillna(False).astype(bool)
    start = pd.to_numeric(table["tf_start_day"], errors="coerce").astype("Float64")
    stop = pd.to_numeric(table["tf_end_day"], errors="coerce").astype("Float64")
    end = pd.to_numeric(table["end_day"], errors="coerce").astype("Float64")
    if kind == "time_to_ti":
        frame = pd.DataFrame(
            {"patient_id": table["patient_id"], "time_days": start.where(ti, end), "event": ti}
        )[td.to_numpy()]
    else:
        frame = pd.DataFrame(
            {"patient_id": table["patient_id"], "time_days": stop - start + 1, "event": (stop < end).fillna(False)}
        )[(td & ti).to_numpy()]
    frame = frame[frame["time_days"].notna()].reset_index(drop=True)
    frame["time_days"] = frame["time_days"].astype(float)
    frame["event"] = frame["event"].astype(bool)
    return frame


def km_unsupported_reason(frame: pd.DataFrame) -> str:
    """Why a Kaplan–Meier curve of ``frame`` (from :func:`ti_time_to_event`) would mislead,
    or ``""`` when it can be drawn.

    A curve needs at least :data:`KM_MIN_PATIENTS` patients and at least one observed event;
    below that a table of the patients says more than a step function.
    """
    n = len(frame)
    if n < KM_MIN_PATIENTS:
        return ngettext("only {n} patient (a curve needs at least {least})",
                        "only {n} patients (a curve needs at least {least})", n).format(n=n, least=KM_MIN_PATIENTS)
    if not frame["event"].astype(bool).any():
        return _("no event observed yet (every patient censored)")
    return ""


# ---------------------------------------------------------------------------------------
# Subgroup response rates with Fisher's exact test (the forest plot's numbers, issue 7).
# They live here, not in lusp.figures: figure builders draw results, they do not compute them.
# ---------------------------------------------------------------------------------------

#: Columns of :func:`subgroup_table`.
SUBGROUP_COLUMNS = (
    "covariate", "level", "responders", "n", "rate", "ci_low", "ci_high", "cutoff",
    "compared_with", "responders_other", "n_other", "p_value", "fisher",
)


def covariate_kind(values: pd.Series) -> str:
    """``"numeric"`` (split at a cut-off) or ``"categorical"`` (levels as they are)."""
    if pd.api.types.is_bool_dtype(values) or values.dtype == "boolean":
        return "categorical"
    if pd.api.types.is_numeric_dtype(values) and values.dropna().nunique() > 2:
        return "numeric"
    return "categorical"


#: Fewest patients a categorical subgroup level keeps on its own on screen and slide; rarer
#: levels are pooled into one "other" level (16 diagnoses of one patient each are not 16
#: subgroups anyone can compare).
SUBGROUP_MIN_LEVEL_N = 3


def subgroup_table(
    table: pd.DataFrame, patients: pd.DataFrame, covariate: str, *, cutoff: float | None = None,
    min_level_n: int | None = None,
) -> pd.DataFrame:
    """Response rate with exact 95 % CI in each level of a patient covariate, and Fisher's
    exact test of each level against the other patients.

    Categorical (and boolean) covariates are taken as they are (booleans read "yes"/"no");
    a numeric covariate is split into ``< cutoff`` and ``≥ cutoff``, the cut-off defaulting
    to the median of the patients shown. Missing values form their own "missing" level,
    which is shown but left out of every test (it is not a subgroup anyone chose).

    Returns
    -------
    DataFrame
        One row per level, levels in natural order, "missing" last:

        - ``covariate, level, responders, n, rate, ci_low, ci_high`` — the level's rate
          (missing responder counts as not responding, intention to treat);
        - ``cutoff`` — the numeric split used, else None;
        - ``compared_with`` — the other level's name for a two-level split, "all other
          levels" for more than two, "" for the missing level or a single level;
        - ``responders_other, n_other, p_value`` — the comparison group's counts and the
          two-sided Fisher p (NaN where no test is possible);
        - ``fisher`` — the counts-with-p sentence (no p-value is ever shown without them).

    Notes
    -----
    Exploratory: see :data:`SUBGROUP_CAPTION`. With two levels both rows carry the same
    test (level vs the other); with more, each level is tested against the rest pooled.
    ``min_level_n`` pools categorical levels with fewer patients into one "other" level
    (pages and slides pass :data:`SUBGROUP_MIN_LEVEL_N`). Levels sort case-insensitively.
    """
    merged = table[["patient_id", "responder"]].merge(
        patients[["patient_id", covariate]], on="patient_id", how="left"
    )
    values = merged[covariate]
    if covariate_kind(values) == "numeric":
        numeric = pd.to_numeric(values, errors="coerce").astype("Float64")
        if cutoff is None:
            cutoff = float(numeric.median()) if numeric.notna().any() else 0.0
        # a missing value compares as NA, which np.where cannot read; it is set apart below
        below = (numeric < cutoff).fillna(False).to_numpy(dtype=bool)
        level = pd.Series(np.where(below, f"< {cutoff:g}", f"≥ {cutoff:g}"), index=merged.index, dtype="string")
        level[numeric.isna().to_numpy(dtype=bool)] = pd.NA
        order = [f"< {cutoff:g}", f"≥ {cutoff:g}"]
    else:
        cutoff = None
        if pd.api.types.is_bool_dtype(values) or values.dtype == "boolean":
            level = values.astype("boolean").map({True: "yes", False: "no"}).astype("string")
            order = ["yes", "no"]
        else:
            level = values.astype("string").str.strip()
            if min_level_n:
                sizes = level.value_counts()
                rare = sizes[sizes < min_level_n].index
                if len(rare) >= 2:  # pooling a single level would only rename it
                    level = level.where(~level.isin(rare), f"other ({len(rare)} levels, each < {min_level_n} patients)")
            # case-insensitive, as a reader sorts ("del(5q)" beside "Del(5q)", not after "Z")
            order = sorted(level.dropna().unique().tolist(), key=lambda v: (v.startswith("other ("), v.casefold(), v))
    merged["level"] = level.fillna("missing")
    if (merged["level"] == "missing").any():
        order = order + ["missing"]
    merged["is_responder"] = merged["responder"].astype("boolean").fillna(False).astype(bool)
    counts = merged.groupby("level", sort=False)["is_responder"].agg(["sum", "size"])
    present = [name for name in order if name in counts.index]
    tested = [name for name in present if name != "missing"]
    known = merged[merged["level"] != "missing"].rename(columns={"level": "_level"})
    fisher = (fisher_by_subgroup(known, "_level", outcome="is_responder").set_index("level")
              if len(tested) >= 2 else None)
    rows = []
    for name in present:
        k, n = int(counts.loc[name, "sum"]), int(counts.loc[name, "size"])
        low, high = clopper_pearson(k, n)
        row = {"covariate": covariate, "level": name, "responders": k, "n": n, "rate": k / n,
               "ci_low": float(low), "ci_high": float(high), "cutoff": cutoff, "compared_with": "",
               "responders_other": pd.NA, "n_other": pd.NA, "p_value": float("nan"), "fisher": ""}
        if fisher is not None and name in fisher.index:
            test = fisher.loc[name]
            other = [t for t in tested if t != name]
            row["compared_with"] = other[0] if len(other) == 1 else "all other levels"
            row["responders_other"] = int(test["events_other"])
            row["n_other"] = int(test["n_other"])
            row["p_value"] = float(test["p_value"])
            compared = _("all other levels") if row["compared_with"] == "all other levels" else row["compared_with"]
            row["fisher"] = _("{k}/{n} vs {other} {k_other}/{n_other} (Fisher's exact, {p})").format(
                k=k, n=n, other=compared, k_other=row["responders_other"], n_other=row["n_other"],
                p=_fmt_p(row["p_value"]))
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(SUBGROUP_COLUMNS))
    out["responders_other"] = out["responders_other"].astype("Int64")
    out["n_other"] = out["n_other"].astype("Int64")
    return out


def number_at_risk(durations: pd.DataFrame, times: list[int] | None = None, *, step_days: int = 56) -> pd.DataFrame:
    """The number-at-risk table under a Kaplan–Meier plot: patients still followed (time ≥
    t) at each of ``times`` (default every ``step_days`` from 0 to the longest time), and
    the events and censorings up to t.

    ``durations``: :func:`ti_time_to_event`'s frame (``time_days``, ``event``). Returns
    ``day, n_at_risk, n_events_so_far, n_censored_so_far``.
    """
    time = pd.to_numeric(durations["time_days"], errors="coerce").astype("float64")
    event = durations["event"].astype("boolean").fillna(False).astype(bool)
    if times is None:
        longest = int(time.max()) if len(time) and time.notna().any() else 0
        times = list(range(0, longest + 1, step_days))
    rows = [{"day": int(t), "n_at_risk": int((time >= t).sum()),
             "n_events_so_far": int(((time < t) & event).sum()) if t else 0,
             "n_censored_so_far": int(((time < t) & ~event).sum()) if t else 0} for t in times]
    return pd.DataFrame(rows, columns=["day", "n_at_risk", "n_events_so_far", "n_censored_so_far"])
