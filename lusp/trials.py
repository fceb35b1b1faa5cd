"""The cohort beside the pivotal trials: each registration trial's published rate, and the same
endpoint computed on this cohort's eligible patients.

The published figures are data (:data:`PUBLISHED`), each with its citation, the analysis the
numbers come from and the k/N of both arms; ``tests/test_trials.py`` checks every one against
the publication's numbers. The cohort endpoints (:func:`cohort_endpoints`) reuse
:mod:`lusp.endpoints` for MEDALIST and COMMANDS and add BELIEVE and BEYOND here.

An off-label retrospective cohort and a randomised trial differ in who was treated (diagnoses,
prior therapy, transfusion burden, follow-up, how often Hb was measured) and in how the endpoint
was observed; the comparison is context for a department meeting, not a test of equivalence.
That sentence (:data:`DIFFERENT_POPULATIONS`) goes with every view of this table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lusp.criteria import common
from lusp.endpoints import EndpointParams, trial_endpoints
from lusp.i18n import N_, _
from lusp.stats import clopper_pearson

DIFFERENT_POPULATIONS = N_(
    "An off-label retrospective cohort and a randomised trial differ in who was treated: the trials enrolled "
    "selected patients (MDS with ring sideroblasts, ESA-naive lower-risk MDS, β-thalassaemia) under a protocol, "
    "with scheduled Hb and transfusion records; this cohort is everyone treated outside the label here, with "
    "other diagnoses and the records of routine care. Put the rates side by side for context, not as a test."
)

#: Weeks 13–24 of treatment in study days (week 1 = days 1–7).
WEEK13_DAY, WEEK24_DAY = 85, 168


@dataclass(frozen=True)
class TrialFigure:
    """One trial's primary endpoint as published."""

    trial: str
    population: str  # who the trial enrolled
    eligible: str  # "TD" or "NTD": the cohort patients the endpoint is computed on
    endpoint: str  # the endpoint name used in the JSON and tables
    endpoint_label: str
    citation: str  # authors, journal, year; volume:pages
    analysis: str  # which analysis and data cut the numbers come from
    luspatercept_k: int
    luspatercept_n: int
    control_arm: str
    control_k: int
    control_n: int


#: The registration trials' primary endpoints, as published.
PUBLISHED: tuple[TrialFigure, ...] = (
    TrialFigure(
        trial="MEDALIST", population=N_("lower-risk MDS with ring sideroblasts, RBC-transfusion-dependent, ESA-refractory"),
        eligible="TD", endpoint="rbc_ti_8w_wk1_24", endpoint_label=N_("RBC-TI ≥ 8 weeks, weeks 1–24"),
        citation="Fenaux P, et al. N Engl J Med 2020;382:140–151",
        analysis=N_("primary analysis, intention to treat, data cut-off 8 May 2018"),
        luspatercept_k=58, luspatercept_n=153, control_arm="placebo", control_k=10, control_n=76,
    ),
    TrialFigure(
        trial="COMMANDS", population=N_("ESA-naive lower-risk MDS, RBC-transfusion-dependent"),
        eligible="TD", endpoint="rbc_ti_12w_hb_rise_1_5_wk1_24",
        endpoint_label=N_("RBC-TI ≥ 12 weeks with a concurrent mean Hb rise ≥ 1.5 g/dL, weeks 1–24"),
        citation="Platzbecker U, et al. Lancet 2023;402:373–385",
        analysis=N_("prespecified interim analysis (first 301 randomised patients with ≥ 24 weeks of treatment or "
                 "earlier discontinuation), data cut-off 31 March 2022"),
        luspatercept_k=86, luspatercept_n=147, control_arm="epoetin alfa", control_k=48, control_n=154,
    ),
    TrialFigure(
        trial="BELIEVE", population=N_("transfusion-dependent β-thalassaemia"),
        eligible="TD", endpoint="burden_reduction_33_wk13_24",
        endpoint_label=N_("≥ 33 % reduction in transfusion burden (and ≥ 2 units) in weeks 13–24 vs baseline"),
        citation="Cappellini MD, et al. N Engl J Med 2020;382:1219–1231",
        analysis=N_("primary analysis, intention to treat, data cut-off 11 May 2018"),
        luspatercept_k=48, luspatercept_n=224, control_arm="placebo", control_k=5, control_n=112,
    ),
    TrialFigure(
        trial="BEYOND", population=N_("non-transfusion-dependent β-thalassaemia"),
        eligible="NTD", endpoint="mean_hb_rise_1_0_wk13_24",
        endpoint_label=N_("Mean Hb rise ≥ 1.0 g/dL over weeks 13–24 without transfusions"),
        citation="Taher AT, et al. Lancet Haematol 2022;9:e733–e744",
        analysis=N_("primary analysis of the phase 2 trial, intention to treat (blinded 48-week period)"),
        luspatercept_k=74, luspatercept_n=96, control_arm="placebo", control_k=0, control_n=49,
    ),
)

#: Endpoints in a few words, for slides and narrow tables.
ENDPOINT_SHORT = {
    "MEDALIST": N_("RBC-TI ≥ 8 wk (wk 1–24)"),
    "COMMANDS": N_("RBC-TI ≥ 12 wk + mean Hb ≥ +1.5 g/dL (wk 1–24)"),
    "BELIEVE": N_("burden ≥ 33 % and ≥ 2 U lower (wk 13–24)"),
    "BEYOND": N_("mean Hb ≥ +1.0 g/dL, untransfused (wk 13–24)"),
}
#: Control arms as words (the arm value itself stays: "placebo", "epoetin alfa").
_ARM_WORDS = {"placebo": N_("placebo"), "epoetin alfa": N_("epoetin alfa")}

#: Columns of :func:`trials_table`, in order; the CLI prints the first seven for every row.
TABLE_COLUMNS = (
    "trial", "endpoint", "cohort_k", "cohort_n", "published_k", "published_n", "arm",
    "published_rate", "published_ci_low", "published_ci_high", "cohort_rate", "cohort_ci_low", "cohort_ci_high",
    "endpoint_label", "eligible", "population", "citation", "analysis",
)


@dataclass(frozen=True)
class TrialEndpointParams:
    """The numbers of the BELIEVE and BEYOND endpoints as computed on the cohort."""

    believe_reduction_pct: float = 33.0
    believe_min_units_per_12_weeks: float = 2.0
    beyond_rise_g_l: float = 10.0
    beyond_baseline_days: int = 28  # BEYOND: mean of ≥ 2 Hb ≥ 1 week apart in the 4 weeks before dose 1


def cohort_endpoints(results, params: TrialEndpointParams | None = None) -> pd.DataFrame:
    """Each trial's endpoint per patient of ``results`` (NA where the trial would not have enrolled them).

    Returns
    -------
    DataFrame
        ``patient_id, td_baseline`` then one boolean column per trial endpoint
        (:attr:`TrialFigure.endpoint`), NA for patients outside the trial's TD/NTD group:

        - MEDALIST, COMMANDS: :func:`lusp.endpoints.trial_endpoints` (``medalist_ti8``,
          ``commands_response``; weeks 1–24 = days 1 … 168);
        - BELIEVE: burden in days 85 … 168 (the part inside follow-up; RBC units × 28 / days)
          at least 33 % below the baseline burden and at least 2 units fewer per 12 weeks; no
          follow-up into week 13 → not achieved (intention to treat);
        - BEYOND: the mean transfusion-unaffected Hb of days 85 … 168 at least 10 g/L above the
          mean transfusion-unaffected Hb of days −28 … 0, with no RBC transfusion in days
          85 … 168; no Hb in the window or no baseline → not achieved.
    """
    p = params or TrialEndpointParams()
    table = results.table
    cohort = results.cohort
    exclusion = int(getattr(results.params, "tx_exclusion_days", common.DEFAULT_TX_EXCLUSION_DAYS))
    timeline = common.build_timeline(cohort, exclusion)
    codes = common.patient_codes(table["patient_id"], cohort.patients)
    n = len(table)
    td = table["td_baseline"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    ntd = ~td

    if all(c in table.columns for c in ("medalist_ti8", "commands_response")):
        trials_ep = table[["medalist_ti8", "commands_response"]]
    else:
        trials_ep = trial_endpoints(cohort, table, EndpointParams(), exclusion)
    medalist = trials_ep["medalist_ti8"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    commands = trials_ep["commands_response"].astype("boolean").fillna(False).to_numpy(dtype=bool)

    end = timeline.end_day[codes]
    stop = np.minimum(end, WEEK24_DAY)
    days = stop - WEEK13_DAY + 1
    units = timeline.units_between(codes, np.full(n, WEEK13_DAY), stop)
    before = table["burden_before_u28"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        during = np.where(days > 0, units * common.BURDEN_PERIOD_DAYS / days, np.nan)
        reduction = (before - during) / before * 100
        fewer_per_12w = (before - during) * 84 / common.BURDEN_PERIOD_DAYS
    believe = (days > 0) & (before > 0) & (reduction >= p.believe_reduction_pct) & (
        fewer_per_12w >= p.believe_min_units_per_12_weeks - 1e-9)

    window = timeline.hb_window(WEEK13_DAY, WEEK24_DAY, unaffected_only=True)
    window = window[window["day"].to_numpy() <= timeline.end_day[window["code"].to_numpy()]]
    mean_hb = common.mean_value(window, timeline.n_patients)[codes]
    pre = common.pretreatment_hb(timeline, -p.beyond_baseline_days, 0).hb_g_l[codes]
    rise = common.round_g_l(mean_hb - pre)
    untransfused = timeline.units_between(codes, np.full(n, WEEK13_DAY), np.full(n, WEEK24_DAY)) <= 0
    beyond = untransfused & (rise >= p.beyond_rise_g_l)

    values = {"MEDALIST": (medalist, ntd), "COMMANDS": (commands, ntd), "BELIEVE": (believe, ntd),
              "BEYOND": (beyond, td)}
    out = pd.DataFrame({"patient_id": table["patient_id"].astype("string").to_numpy(),
                        "td_baseline": table["td_baseline"].astype("boolean").to_numpy()})
    for figure in PUBLISHED:
        achieved, outside = values[figure.trial]
        out[figure.endpoint] = common.nullable_bool(achieved, outside)
    out["believe_burden_wk13_24_u28"] = common.nullable_float(np.where(td, during, np.nan))
    out["beyond_mean_hb_wk13_24_g_l"] = common.nullable_float(np.where(ntd, mean_hb, np.nan))
    out["beyond_baseline_hb_g_l"] = common.nullable_float(np.where(ntd, pre, np.nan))
    return out


def trials_table(results, params: TrialEndpointParams | None = None) -> pd.DataFrame:
    """One row per trial and arm: the published k/N and rate with its exact CI, beside the cohort's.

    The cohort columns repeat on both arms of a trial (the cohort has one arm). Columns
    :data:`TABLE_COLUMNS`; rates are fractions; ``arm`` is ``luspatercept`` or the control.
    """
    endpoints = cohort_endpoints(results, params)
    rows = []
    for figure in PUBLISHED:
        values = endpoints[figure.endpoint].astype("boolean")
        k, n = int(values.fillna(False).sum()), int(values.notna().sum())
        c_lo, c_hi = clopper_pearson(k, n) if n else (float("nan"), float("nan"))
        for arm, pk, pn in (("luspatercept", figure.luspatercept_k, figure.luspatercept_n),
                            (figure.control_arm, figure.control_k, figure.control_n)):
            lo, hi = clopper_pearson(pk, pn)
            rows.append({
                "trial": figure.trial, "endpoint": figure.endpoint, "cohort_k": k, "cohort_n": n,
                "published_k": pk, "published_n": pn, "arm": arm,
                "published_rate": pk / pn, "published_ci_low": float(lo), "published_ci_high": float(hi),
                "cohort_rate": k / n if n else float("nan"),
                "cohort_ci_low": float(c_lo), "cohort_ci_high": float(c_hi),
                "endpoint_label": figure.endpoint_label, "eligible": figure.eligible,
                "population": figure.population, "citation": figure.citation, "analysis": figure.analysis,
            })
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def trials_json(results) -> list[dict]:
    """The CLI's JSON: every row of :func:`trials_table`, NaN written as null."""
    table = trials_table(results)
    records = []
    for row in table.to_dict(orient="records"):
        records.append({key: (None if isinstance(value, float) and np.isnan(value) else value)
                        for key, value in row.items()})
    return records


def display_table(table: pd.DataFrame, *, short: bool = False) -> pd.DataFrame:
    """The page's and slide's table: one row per trial, both arms and the cohort in words
    (``short``: the endpoint in a few words, :data:`ENDPOINT_SHORT`, and the cohort's TD/NTD
    group left to the caption)."""
    from lusp.narrative import percent

    def rate(k, n, lo, hi) -> str:
        k, n = int(k), int(n)
        return "–" if not n else _("{k}/{n} · {rate} % ({low}–{high})").format(
            k=k, n=n, rate=percent(k / n), low=percent(float(lo)), high=percent(float(hi)))

    rows = []
    for trial, group in table.groupby("trial", sort=False):
        lusp_row = group[group["arm"] == "luspatercept"].iloc[0]
        control = group[group["arm"] != "luspatercept"].iloc[0]
        rows.append({
            "trial": trial,
            "endpoint": _(ENDPOINT_SHORT.get(trial, lusp_row["endpoint_label"]) if short  # i18n: lookup
                          else lusp_row["endpoint_label"]),  # i18n: lookup
            "luspatercept (published)": rate(lusp_row["published_k"], lusp_row["published_n"],
                                             lusp_row["published_ci_low"], lusp_row["published_ci_high"]),
            "control (published)": _("{arm}: {rate}").format(
                arm=_(_ARM_WORDS[control["arm"]]) if control["arm"] in _ARM_WORDS else control["arm"],  # i18n: lookup
                rate=rate(control["published_k"], control["published_n"], control["published_ci_low"],
                          control["published_ci_high"])),
            "this cohort": rate(lusp_row["cohort_k"], lusp_row["cohort_n"], lusp_row["cohort_ci_low"],
                                lusp_row["cohort_ci_high"]) + ("" if short else _(" ({group} patients)").format(
                                    group=lusp_row["eligible"])),
            "source": _("{citation}; {analysis}").format(citation=lusp_row["citation"],
                                                         analysis=_(lusp_row["analysis"])),  # i18n: lookup
        })
    return pd.DataFrame(rows)


#: The English headers of :func:`display_table`, said where shown (lusp.labels.header_label).
DISPLAY_HEADERS = (N_("trial"), N_("endpoint"), N_("luspatercept (published)"), N_("control (published)"),
                   N_("this cohort"), N_("source"))

__all__ = ["DIFFERENT_POPULATIONS", "ENDPOINT_SHORT", "PUBLISHED", "TABLE_COLUMNS", "TrialEndpointParams", "TrialFigure",
           "cohort_endpoints", "display_table", "trials_json", "trials_table"]
