"""Trial endpoints shown beside any criteria set (CRITERIA.md, informational columns).

Readers compare a real-world cohort with the registration trials, so every per-patient
table carries the trials' own endpoints, whatever criteria set decides "responder":

- ``medalist_ti8`` — RBC transfusion independence ≥ 8 weeks during weeks 1–24 (MEDALIST
  primary endpoint; Fenaux et al., N Engl J Med 2020;382:140–151): the longest
  transfusion-free run within days 1 … 168 is ≥ 56 days;
- ``medalist_ti12`` — the same run ≥ 84 days (MEDALIST key secondary endpoint);
- ``commands_response`` — RBC-TI ≥ 12 weeks with a concurrent mean Hb rise ≥ 15 g/L within
  weeks 1–24 (COMMANDS primary endpoint; Platzbecker et al., Lancet 2023;402:373–385).

They concern transfusion-dependent patients: for a patient the table calls NTD each is NA
("not applicable"), not false. Follow-up shorter than 24 weeks is judged on what exists and
a patient without the run counts as not achieving it, as in the trials' intention-to-treat
analyses.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lusp.cohort import Cohort
from lusp.criteria import common
from lusp.i18n import N_, _
from lusp.params import param

#: Columns :func:`trial_endpoints` returns (after ``patient_id``), in order.
ENDPOINT_COLUMNS = (
    "medalist_ti8", "medalist_ti12", "commands_response", "endpoint_tf_days", "endpoint_tf_start_day",
    "endpoint_tf_end_day", "endpoint_mean_hb_g_l", "endpoint_hb_rise_g_l",
)


@dataclass(frozen=True)
class EndpointParams:
    """The trials' numbers, named so the methods paragraph and the sidebar can show them."""

    window_days: int = param(168, N_("Endpoint window (days 1 … N)"), "days", min=56, max=365, cli="--endpoint-window")
    ti_short_days: int = param(56, N_("MEDALIST RBC-TI (primary)"), "days", min=28, max=168, cli="--endpoint-ti-short")
    ti_long_days: int = param(84, N_("MEDALIST RBC-TI (key secondary) and COMMANDS"), "days", min=28, max=168,
                              cli="--endpoint-ti-long")
    commands_rise_g_l: float = param(15.0, N_("COMMANDS: concurrent mean Hb rise"), "g/L", min=5, max=40,
                                     cli="--endpoint-commands-rise")
    baseline_window_days: int = param(56, N_("Baseline Hb for COMMANDS: mean of days −N … 0"), "days", min=7, max=112,
                                      cli="--endpoint-baseline-days")


def trial_endpoints(cohort: Cohort, table: pd.DataFrame, params: EndpointParams | None = None,
                    tx_exclusion_days: int = common.DEFAULT_TX_EXCLUSION_DAYS) -> pd.DataFrame:
    """The trial endpoints of every patient.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    table : DataFrame
        The criteria set's per-patient table (``patient_id``, ``td_baseline``); the
        endpoints apply to the patients it calls TD.
    params : EndpointParams, optional
    tx_exclusion_days : int
        Hb measured 1 … N days after a transfusion is left out of the concurrent mean.

    Returns
    -------
    DataFrame
        ``patient_id`` then :data:`ENDPOINT_COLUMNS`, one row per patient in the order of
        ``table``:

        - ``medalist_ti8``, ``medalist_ti12``, ``commands_response``: boolean, NA for NTD;
        - ``endpoint_tf_days``, ``endpoint_tf_start_day``, ``endpoint_tf_end_day``: the
          longest transfusion-free run within days 1 … min(168, end of follow-up);
        - ``endpoint_mean_hb_g_l``: mean transfusion-unaffected Hb inside that run;
        - ``endpoint_hb_rise_g_l``: that mean minus the pre-treatment Hb (mean of the
          transfusion-unaffected values in days −56 … 0).

    Notes
    -----
    COMMANDS measures the Hb rise over its 12-week TI window; here the mean is taken over
    the whole longest run inside weeks 1–24 (at least 12 weeks when the TI part holds), a
    reading that never credits an Hb from outside the transfusion-free period.
    """
    p = params or EndpointParams()
    timeline = common.build_timeline(cohort, tx_exclusion_days)
    n = timeline.n_patients
    window_end = np.minimum(timeline.end_day, p.window_days)
    length, start, stop = common.longest_transfusion_free_run(replace(timeline, end_day=window_end))
    has_run = length > 0
    inside = timeline.hb_window(np.where(has_run, start, 1), np.where(has_run, stop, 0), unaffected_only=True)
    mean_hb = common.round_g_l(common.mean_value(inside, n))
    pre = common.pretreatment_hb(timeline, -p.baseline_window_days, 0)
    rise = common.round_g_l(mean_hb - pre.hb_g_l)

    codes = common.patient_codes(table["patient_id"], cohort.patients)
    if (codes < 0).any():
        raise ValueError("the table has patients that are not in the cohort")
    td = table["td_baseline"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    ntd = ~td
    length, start, stop = length[codes], start[codes], stop[codes]
    mean_hb, rise = mean_hb[codes], rise[codes]
    ti8 = length >= p.ti_short_days
    ti12 = length >= p.ti_long_days
    commands = ti12 & (rise >= p.commands_rise_g_l)  # NaN rise (no Hb) → False
    return pd.DataFrame(
        {
            "patient_id": table["patient_id"].astype("string").to_numpy(),
            "medalist_ti8": common.nullable_bool(ti8, ntd),
            "medalist_ti12": common.nullable_bool(ti12, ntd),
            "commands_response": common.nullable_bool(commands, ntd),
            "endpoint_tf_days": common.nullable_int(length, np.zeros(len(codes), bool)),
            "endpoint_tf_start_day": common.nullable_int(start, length == 0),
            "endpoint_tf_end_day": common.nullable_int(stop, length == 0),
            "endpoint_mean_hb_g_l": common.nullable_float(mean_hb),
            "endpoint_hb_rise_g_l": common.nullable_float(rise),
        }
    )


def add_trial_endpoints(cohort: Cohort, table: pd.DataFrame, params: EndpointParams | None = None,
                        tx_exclusion_days: int = common.DEFAULT_TX_EXCLUSION_DAYS) -> pd.DataFrame:
    """``table`` with the endpoint columns appended (replaced if already there); a copy."""
    endpoints = trial_endpoints(cohort, table, params, tx_exclusion_days)
    out = table.drop(columns=[c for c in ENDPOINT_COLUMNS if c in table.columns]).reset_index(drop=True)
    for column in ENDPOINT_COLUMNS:
        out[column] = endpoints[column].to_numpy()
        out[column] = out[column].astype(endpoints[column].dtype)
    return out


def endpoint_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Each endpoint among the TD patients with exact 95 % CIs (rows: endpoint, k, n, …).

    Returns
    -------
    DataFrame
        ``endpoint, label, k, n, rate, ci_low, ci_high``; ``n`` = patients for whom the
        endpoint applies (TD).
    """
    from lusp.stats import clopper_pearson

    labels = {
        "medalist_ti8": _("RBC-TI ≥ 8 weeks, weeks 1–24 (MEDALIST primary)"),
        "medalist_ti12": _("RBC-TI ≥ 12 weeks, weeks 1–24 (MEDALIST key secondary)"),
        "commands_response": _("RBC-TI ≥ 12 weeks with mean Hb rise ≥ 15 g/L, weeks 1–24 (COMMANDS primary)"),
    }
    rows = []
    for column, label in labels.items():
        values = table[column].astype("boolean") if column in table.columns else pd.Series([], dtype="boolean")
        k, n = int(values.fillna(False).sum()), int(values.notna().sum())
        low, high = clopper_pearson(k, n)
        rows.append({"endpoint": column, "label": label, "k": k, "n": n,
                     "rate": k / n if n else float("nan"), "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def methods_text(params: EndpointParams | None = None) -> str:
    """The endpoint definitions, as a sentence for the methods paragraph."""
    p = params or EndpointParams()
    return _(
        "Trial endpoints are shown for transfusion-dependent patients, for comparison only: RBC transfusion "
        "independence ≥ {short_weeks} and ≥ {long_weeks} weeks (the longest transfusion-free run within days "
        "1–{window}; MEDALIST primary and key secondary endpoints) and the COMMANDS primary endpoint (that run ≥ "
        "{long_weeks} weeks with a mean transfusion-unaffected Hb inside it ≥ {rise} g/L above the mean pre-treatment "
        "Hb of days −{baseline} to 0)."
    ).format(short_weeks=p.ti_short_days // 7, long_weeks=p.ti_long_days // 7, window=p.window_days,
             rise=common.fmt_number(p.commands_rise_g_l), baseline=p.baseline_window_days)
