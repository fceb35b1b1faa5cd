"""One analysis for the app, the command line and the tests: ``analyze`` and ``summarize``.

:func:`analyze` runs a criteria set (:mod:`lusp.criteria`) and a dose-protocol review
(:mod:`lusp.protocol`) over a cohort and returns :class:`Results`: the per-patient table of
SPEC §4 plus extras, the tidy protocol findings and the Hb table with transfusion-affected
values flagged. :func:`summarize` turns Results into the cohort summary of SPEC §4 and
issue 3 as a JSON-serialisable dict.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from lusp import params as params_mod
from lusp.cohort import Cohort
from lusp.criteria import common, get_criteria
from lusp.endpoints import add_trial_endpoints
from lusp.i18n import _
from lusp.protocol import empty_findings, get_protocol
from lusp.protocol import review as review_protocol
from lusp.stats import clopper_pearson
from lusp.wording import clause_separator

#: SPEC §4 columns, in order; every criteria set's table starts with these.
SPEC_COLUMNS = (
    "patient_id", "diagnosis", "td_baseline", "baseline_hb_g_l", "peak_hb_g_l", "hb_rise_g_l",
    "early_rise", "units_baseline", "burden_before_u28", "burden_after_u28", "burden_reduction_pct",
    "longest_tf_days", "ti_achieved", "responder", "evaluable", "transient_spike",
    "spike_after_transfusion", "n_doses", "max_dose_mg_kg", "followup_days", "protocol_findings", "reason",
)
#: Extras documented in docs/ARCHITECTURE.md, after the SPEC columns.
EXTRA_COLUMNS = (
    "outcome", "not_evaluable_reason", "end_day", "post_hb_g_l", "peak_hb_day", "tf_start_day",
    "tf_end_day", "early_peak_hb_g_l", "early_peak_day", "spike_fall_day", "units_after",
    "baseline_hb_day", "n_protocol_findings",
)
#: Post-treatment Hb above this counts in ``n_post_hb_over_100`` (the study's figure).
POST_HB_REPORT_G_L = 100.0


class Results:
    """Everything one analysis produced; treat the frames as read-only (the object is frozen).

    The dose-protocol review is computed when ``findings`` or ``table`` (whose
    ``protocol_findings`` / ``n_protocol_findings`` columns come from it) is first read, once
    per object: :func:`analyze` itself does not run it, and whoever never looks at the
    review or the table (e.g. only ``hb``) never pays for it. Built eagerly (``table`` and
    ``findings`` given) it behaves as before.

    Attributes
    ----------
    criteria : str
        Name of the criteria set (``"study"``, ``"iwg2006"``, ``"iwg2018"``).
    params : dataclass
        The set's parameters in force.
    protocol : str or None
        Name of the dose protocol reviewed (None: no review).
    protocol_params : dataclass or None
    table : DataFrame
        One row per patient: :data:`SPEC_COLUMNS`, then :data:`EXTRA_COLUMNS`, then any
        columns the criteria set adds.
    findings : DataFrame
        ``patient_id, day, rule, kind, message`` (see :func:`lusp.protocol.review`).
    hb : DataFrame
        ``cohort.hb`` plus a boolean ``transfusion_affected`` column.
    cohort : Cohort
        The cohort analysed.
    """

    def __init__(self, criteria: str, params: Any, protocol: str | None, protocol_params: Any,
                 table: pd.DataFrame | None = None, findings: pd.DataFrame | None = None,
                 hb: pd.DataFrame | None = None, cohort: Cohort | None = None, *, pending: "_Pending | None" = None):
        if pending is None and (table is None or findings is None):
            raise TypeError("Results needs table and findings, or what computes them (pending)")
        for name, value in (("criteria", criteria), ("params", params), ("protocol", protocol),
                            ("protocol_params", protocol_params), ("hb", hb), ("cohort", cohort), ("_pending", pending)):
            object.__setattr__(self, name, value)
        # Given frames take the cached properties' places (``cached_property`` stores there).
        if table is not None:
            self.__dict__["table"] = table
        if findings is not None:
            self.__dict__["findings"] = findings

    def __setattr__(self, name, value):
        raise AttributeError(f"Results is read-only (cannot set {name!r})")

    def __repr__(self) -> str:
        return (f"Results(criteria={self.criteria!r}, protocol={self.protocol!r}, patients={len(self.cohort.patients)}, "
                f"review={'computed' if self.review_computed else 'not computed yet'})")

    @cached_property
    def findings(self) -> pd.DataFrame:
        """``patient_id, day, rule, kind, message``: the dose-protocol review (computed on first use)."""
        return self._pending.findings()

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per patient (SPEC §4 columns, extras, the set's columns); needs the review."""
        table = self._pending.table(self.findings)
        object.__setattr__(self, "_pending", None)  # both built: the inputs can go
        return table

    @property
    def review_computed(self) -> bool:
        """Whether the dose-protocol review has run for this object (``findings`` was built)."""
        return "findings" in self.__dict__

    def subset(self, patient_ids) -> "Results":
        """The results of the patients in ``patient_ids`` only (for the global filters).

        Every value is per patient, so this equals analysing the sub-cohort. The subset's
        review and table are cut from this object's when they are first read.
        """
        keep = set(map(str, patient_ids))

        def cut(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["patient_id"].astype("string").isin(keep)].reset_index(drop=True)

        return Results(
            criteria=self.criteria,
            params=self.params,
            protocol=self.protocol,
            protocol_params=self.protocol_params,
            hb=cut(self.hb),
            cohort=self.cohort.subset(keep),
            pending=_Cut(self, cut),
        )

    @property
    def criteria_label(self) -> str:
        return get_criteria(self.criteria).label

    @property
    def protocol_label(self) -> str:
        return get_protocol(self.protocol).label if self.protocol else _("no dose-protocol review")


class _Pending:
    """What an analysis still owes its Results: the dose-protocol review and the table that
    joins its findings (both run at most once, by the Results' cached properties)."""

    def __init__(self, cohort: Cohort, per_patient: pd.DataFrame, with_endpoints: pd.DataFrame,
                 protocol: str | None, protocol_params: Any):
        self.cohort, self.per_patient, self.with_endpoints = cohort, per_patient, with_endpoints
        self.protocol, self.protocol_params = protocol, protocol_params

    def findings(self) -> pd.DataFrame:
        if self.protocol is None:
            return empty_findings()
        # The review judges escalations against the criteria set's own baselines (the table
        # before the trial endpoints were added, as when it ran inside analyze).
        return review_protocol(self.cohort, self.per_patient, self.protocol, self.protocol_params)

    def table(self, findings: pd.DataFrame) -> pd.DataFrame:
        return _assemble(self.cohort, self.with_endpoints, findings)


class _Cut:
    """A subset's review and table: the full results' ones, cut to the subset's patients."""

    def __init__(self, full: Results, cut):
        self.full, self.cut = full, cut

    def findings(self) -> pd.DataFrame:
        return self.cut(self.full.findings)

    def table(self, findings: pd.DataFrame) -> pd.DataFrame:
        return self.cut(self.full.table)


def resolve_params(kind_params: type, given: Any) -> Any:
    """``given`` as a params dataclass: None → defaults, a dict → defaults with those values."""
    if given is None:
        return kind_params()
    if isinstance(given, dict):
        return params_mod.with_values(kind_params(), **given)
    return given


def analyze(cohort: Cohort, criteria: str = "study", params: Any = None, protocol: str | None = "study",
            protocol_params: Any = None) -> Results:
    """Analyse every patient of ``cohort``.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables (not modified).
    criteria : str
        A key of :data:`lusp.criteria.CRITERIA`.
    params : dataclass or dict, optional
        The set's parameters (a dict overrides the defaults by name; each value is
        range-checked). Defaults when omitted.
    protocol : str or None
        A key of :data:`lusp.protocol.PROTOCOLS`, or None for no dose review.
    protocol_params : dataclass or dict, optional

    Returns
    -------
    Results
    """
    criteria_set = get_criteria(criteria)
    params = resolve_params(criteria_set.Params, params)
    per_patient = criteria_set.evaluate(cohort, params)

    if protocol in (None, "none"):
        protocol, protocol_params = None, None
    else:
        # Resolved (and range-checked) now; the review itself runs when first asked for.
        protocol_params = resolve_params(get_protocol(protocol).Params, protocol_params)

    exclusion = getattr(params, "tx_exclusion_days", common.DEFAULT_TX_EXCLUSION_DAYS)
    # The MEDALIST / COMMANDS endpoints are informational columns under every criteria set
    # (CRITERIA.md "Trial endpoints"), so they are added here once, not by each set.
    with_endpoints = add_trial_endpoints(cohort, per_patient, tx_exclusion_days=exclusion)
    hb = cohort.hb.assign(
        transfusion_affected=pd.array(common.transfusion_affected_mask(cohort, exclusion), dtype="boolean")
    )
    pending = _Pending(cohort, per_patient, with_endpoints, protocol, protocol_params)
    return Results(criteria, params, protocol, protocol_params, hb=hb, cohort=cohort, pending=pending)


def _assemble(cohort: Cohort, per_patient: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """SPEC §4 column order: criteria columns plus diagnosis, dosing and findings."""
    patients = cohort.patients
    ids = patients["patient_id"].astype("string")
    codes = common.patient_codes(cohort.doses["patient_id"], patients)
    keep = codes >= 0
    n = len(patients)
    n_doses = np.bincount(codes[keep], minlength=n)
    max_dose = np.full(n, -np.inf)
    np.maximum.at(max_dose, codes[keep], cohort.doses["dose_mg_kg"].to_numpy(dtype=np.float64)[keep])
    max_dose[n_doses == 0] = np.nan

    joined = np.full(n, None, dtype=object)
    count = np.zeros(n, dtype=np.int64)
    if len(findings):
        # Findings are sorted by patient: join each patient's run of messages with "; "
        # by one object-array reduction instead of a groupby of Python lambdas.
        fcode = common.patient_codes(findings["patient_id"], patients)
        is_finding = (findings["kind"] == "finding").to_numpy(dtype=bool)
        text = np.where(is_finding, "", _("info: ")).astype(object) + findings["message"].to_numpy(dtype=object)
        starts = np.flatnonzero(np.r_[True, fcode[1:] != fcode[:-1]])
        ends = np.r_[starts[1:], len(fcode)] - 1
        text[:-1] = text[:-1] + np.where(np.isin(np.arange(len(text) - 1), ends), "", clause_separator()).astype(object)
        joined[fcode[starts]] = np.add.reduceat(text, starts)
        np.add.at(count, fcode, is_finding.astype(np.int64))

    extra = pd.DataFrame(
        {
            "diagnosis": patients["diagnosis"].astype("string").to_numpy() if "diagnosis" in patients else pd.NA,
            "n_doses": pd.array(n_doses, dtype="Int64"),
            "max_dose_mg_kg": common.nullable_float(max_dose),
            "protocol_findings": pd.array(joined, dtype="string"),
            "n_protocol_findings": pd.array(count, dtype="Int64"),
        }
    )
    extra["diagnosis"] = extra["diagnosis"].astype("string")
    extra["protocol_findings"] = extra["protocol_findings"].astype("string")
    table = pd.concat([per_patient.reset_index(drop=True), extra], axis=1)
    first = [c for c in SPEC_COLUMNS + EXTRA_COLUMNS if c in table.columns]
    rest = [c for c in table.columns if c not in first]
    return table[first + rest]


# ----------------------------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------------------------


def _mean(values: pd.Series) -> float | None:
    values = values.astype("Float64").dropna()
    return float(values.mean()) if len(values) else None


def _rate(k: int, n: int) -> dict[str, Any]:
    low, high = clopper_pearson(k, n)
    nan_free = lambda x: None if x is None or np.isnan(x) else float(x)  # noqa: E731
    return {
        "rate": nan_free(k / n) if n else None,
        "ci_low": nan_free(low),
        "ci_high": nan_free(high),
        "k": int(k),
        "n": int(n),
    }


def summarize(results: Results) -> dict[str, Any]:
    """The cohort summary (SPEC §4 and issue 3), JSON-serialisable (NaN → None).

    Returns
    -------
    dict
        - ``n_patients, n_td, n_ntd, n_responders, n_td_responders, n_ntd_responders``,
          ``n_evaluable``, ``n_not_evaluable``, ``n_ti`` (TD patients achieving TI);
        - ``response_rate`` → ``overall`` / ``td`` / ``ntd`` → ``{rate, ci_low, ci_high, k, n}``
          (exact Clopper–Pearson 95 %; rates as fractions; ITT: not evaluable = non-responder);
        - ``mean_baseline_hb_g_l`` (patients with a baseline Hb), ``mean_post_hb_g_l``
          (patients with a post-treatment Hb by ``post_hb_measure``), ``post_hb_measure``,
          ``n_post_hb_over_100``;
        - ``mean_hb_rise_g_l`` (mean of the per-patient rises, patients with both values),
          ``mean_hb_rise_early_risers_g_l`` (the same among patients with an early rise),
          ``difference_of_mean_hb_g_l`` (mean post − mean baseline: not the same number
          when the two means cover different patients or post ≠ peak);
        - ``n_early_rise``, ``n_transient_spike``;
        - ``n_td_nonresponders``, ``n_spike_td_nonresponders``,
          ``td_nonresponder_burden_before_u28``, ``td_nonresponder_burden_after_u28``
          (means over TD non-responders with a value);
        - ``td_units_baseline``, ``td_units_after`` (RBC units of the TD patients in the
          baseline window and after day 0), ``td_burden_before_u28``, ``td_burden_after_u28``
          (means over TD patients with a value);
        - ``n_protocol_findings`` (deviations), ``n_patients_with_findings``;
        - ``criteria``, ``protocol``, ``params``, ``protocol_params`` ({name: value}).
    """
    t = results.table
    td = t["td_baseline"].fillna(False).to_numpy(dtype=bool)
    responder = t["responder"].fillna(False).to_numpy(dtype=bool)
    evaluable = t["evaluable"].fillna(False).to_numpy(dtype=bool)
    early = t["early_rise"].fillna(False).to_numpy(dtype=bool)
    spike = t["transient_spike"].fillna(False).to_numpy(dtype=bool)
    ti = t["ti_achieved"].fillna(False).to_numpy(dtype=bool)
    n, n_td = len(t), int(td.sum())
    td_nonresponders = td & ~responder
    post = t["post_hb_g_l"].astype("Float64")
    findings = results.findings
    deviations = findings[findings["kind"] == "finding"]
    mean_baseline = _mean(t["baseline_hb_g_l"])
    mean_post = _mean(post)
    return {
        "criteria": results.criteria,
        "protocol": results.protocol,
        "n_patients": n,
        "n_td": n_td,
        "n_ntd": n - n_td,
        "n_responders": int(responder.sum()),
        "n_td_responders": int((responder & td).sum()),
        "n_ntd_responders": int((responder & ~td).sum()),
        "n_evaluable": int(evaluable.sum()),
        "n_not_evaluable": int((~evaluable).sum()),
        "n_ti": int((ti & td).sum()),
        "response_rate": {
            "overall": _rate(int(responder.sum()), n),
            "td": _rate(int((responder & td).sum()), n_td),
            "ntd": _rate(int((responder & ~td).sum()), n - n_td),
        },
        "mean_baseline_hb_g_l": mean_baseline,
        "mean_post_hb_g_l": mean_post,
        "post_hb_measure": getattr(results.params, "post_hb", "peak"),
        "n_post_hb_over_100": int((post > POST_HB_REPORT_G_L).fillna(False).sum()),
        "mean_hb_rise_g_l": _mean(t["hb_rise_g_l"]),
        "mean_hb_rise_early_risers_g_l": _mean(t["hb_rise_g_l"][early]),
        "difference_of_mean_hb_g_l": None if mean_baseline is None or mean_post is None else mean_post - mean_baseline,
        "n_early_rise": int(early.sum()),
        "n_transient_spike": int(spike.sum()),
        "n_td_nonresponders": int(td_nonresponders.sum()),
        "n_spike_td_nonresponders": int((td_nonresponders & spike).sum()),
        "td_nonresponder_burden_before_u28": _mean(t["burden_before_u28"][td_nonresponders]),
        "td_nonresponder_burden_after_u28": _mean(t["burden_after_u28"][td_nonresponders]),
        "td_units_baseline": float(t["units_baseline"].astype("Float64")[td].sum()),
        "td_units_after": float(t["units_after"].astype("Float64")[td].sum()),
        "td_burden_before_u28": _mean(t["burden_before_u28"][td]),
        "td_burden_after_u28": _mean(t["burden_after_u28"][td]),
        "n_protocol_findings": int(len(deviations)),
        # Issue 12: patients whose baseline window is longer than their pre-treatment record.
        "baseline_window_days": int(t["baseline_window_days"].iloc[0]) if len(t) and "baseline_window_days" in t else None,
        "n_baseline_incomplete": int((~t["baseline_complete"].astype("boolean").fillna(True)).sum())
        if "baseline_complete" in t else 0,
        "n_td_baseline_incomplete": int((~t["baseline_complete"].astype("boolean").fillna(True) & td).sum())
        if "baseline_complete" in t else 0,
        # IWG 2018: patients whose short pre-treatment record allows no burden category.
        "n_category_not_assigned": int((t["category"] == "not assigned").fillna(False).sum()) if "category" in t else 0,
        "n_patients_with_findings": int(deviations["patient_id"].nunique()),
        "params": _param_values(results.params),
        "protocol_params": _param_values(results.protocol_params) if results.protocol_params is not None else None,
    }


def _param_values(params: Any) -> dict[str, Any]:
    """{name: value} with tuples as lists, so the dict is JSON-serialisable."""
    out = {}
    for d in params_mod.describe(params):
        value = d["value"]
        out[d["name"]] = list(value) if isinstance(value, tuple) else value
    return out
