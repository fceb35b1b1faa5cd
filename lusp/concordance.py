"""Concordance of criteria sets: "and by IWG criteria?" answered patient by patient.

Every registered criteria set (:data:`lusp.criteria.CRITERIA`) classifies every patient;
this module lays the classifications side by side, picks out the patients whose
classification changes with the set (with each set's reason sentence, so the reader sees
*why*), and gives each set's response rate with its exact CI and the pairwise agreement.
No clinical definition lives here: each set's own ``evaluate`` decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats

from lusp.cohort import Cohort
from lusp.criteria import CRITERIA, get_criteria
from lusp.i18n import _, pgettext
from lusp.labels import criteria_label
from lusp.wording import join_parameters
from lusp.stats import clopper_pearson

#: The three classifications compared (the spike flag is the same under every set, so
#: "transient spike" counts as a non-responder here).
CLASSIFICATIONS = ("responder", "non-responder", "not evaluable")
#: Columns of :attr:`Concordance.long`.
LONG_COLUMNS = ("patient_id", "criteria", "classification", "responder", "evaluable", "detail", "reason")
#: Columns of :attr:`Concordance.rates`.
RATE_COLUMNS = ("criteria", "label", "k", "n", "rate", "ci_low", "ci_high", "n_not_evaluable")
#: Columns of :attr:`Concordance.agreement`.
AGREEMENT_COLUMNS = (
    "criteria_a", "criteria_b", "n", "both", "a_only", "b_only", "neither", "agreement", "kappa", "mcnemar_p",
)


@dataclass(frozen=True)
class Concordance:
    """Each patient classified under each criteria set.

    Attributes
    ----------
    criteria : tuple of str
        The sets compared, in display order.
    labels : tuple of str
        Their human labels.
    long : DataFrame
        Tidy, one row per patient and set: :data:`LONG_COLUMNS`. ``classification`` is one
        of :data:`CLASSIFICATIONS`; ``detail`` names the route where a set has one (IWG
        2006 Hb/transfusion, IWG 2018 category and major/minor).
    wide : DataFrame
        One row per patient: ``patient_id``, ``diagnosis``, ``<set>`` (classification) for
        each set, ``changed`` (classification differs between sets), then
        ``<set>_reason`` for each set.
    rates : DataFrame
        One row per set: :data:`RATE_COLUMNS` (intention to treat: all patients in the
        denominator; exact Clopper–Pearson 95 % CI).
    agreement : DataFrame
        One row per pair of sets: :data:`AGREEMENT_COLUMNS` — responder counts in the 2×2
        table, proportion agreeing, Cohen's kappa and the exact McNemar p-value.
    """

    criteria: tuple[str, ...]
    labels: tuple[str, ...]
    long: pd.DataFrame
    wide: pd.DataFrame
    rates: pd.DataFrame
    agreement: pd.DataFrame

    @property
    def changed(self) -> pd.DataFrame:
        """The rows of :attr:`wide` whose classification changes between sets."""
        return self.wide[self.wide["changed"]].reset_index(drop=True)

    def subset(self, patient_ids) -> "Concordance":
        """The concordance of these patients only (rates and agreement recomputed)."""
        keep = set(map(str, patient_ids))
        long = self.long[self.long["patient_id"].astype("string").isin(keep)].reset_index(drop=True)
        wide = self.wide[self.wide["patient_id"].astype("string").isin(keep)].reset_index(drop=True)
        return Concordance(self.criteria, self.labels, long, wide, _rates(long, self.criteria, self.labels),
                           _agreement(long, self.criteria))

    def text(self) -> str:
        """A plain-text report: rates, agreement, the side-by-side table, the changes."""
        from lusp.labels import has_label, label

        def outcome(value: str) -> str:
            return label(f"outcome.{value}") if has_label(f"outcome.{value}") else str(value)

        lines = [_("Concordance of response criteria — {n} patients").format(n=len(self.wide)), "",
                 _("Response rate (intention to treat; exact 95 % CI):")]
        width = max((len(c) for c in self.criteria), default=5)
        for row in self.rates.itertuples(index=False):
            ci = "" if np.isnan(row.ci_low) else _(" (95 % CI {low}–{high} %)").format(
                low=f"{row.ci_low * 100:.1f}", high=f"{row.ci_high * 100:.1f}")
            pct = "—" if np.isnan(row.rate) else _pct(row.rate)
            lines.append(_("  {name}  {k}/{n} = {rate}{ci}; not evaluable {n_not_evaluable}  [{label}]").format(
                name=f"{row.criteria:<{width}}", k=row.k, n=row.n, rate=pct, ci=ci, n_not_evaluable=row.n_not_evaluable,
                label=criteria_label(row.criteria) if row.criteria in CRITERIA else row.label))
        if len(self.agreement):
            lines += ["", _("Agreement on responder status:")]
            for row in self.agreement.itertuples(index=False):
                lines.append(_(
                    "  {a} vs {b}: {agree}/{n} agree ({agreement}); responder under {a} only {a_only}, under {b} only "
                    "{b_only}; kappa {kappa}; exact McNemar p {p}").format(
                    a=row.criteria_a, b=row.criteria_b, agree=row.both + row.neither, n=row.n,
                    agreement=_pct(row.agreement), a_only=row.a_only, b_only=row.b_only, kappa=_num(row.kappa, 2),
                    p=_num(row.mcnemar_p, 3)))
        short = {"responder": "R", "non-responder": "NR", "not evaluable": "NE"}
        patient_word = pgettext("concordance header", "patient")
        id_width = max([len(patient_word)] + [len(str(p)) for p in self.wide["patient_id"]])
        cols = [max(len(c), 2) for c in self.criteria]
        lines += ["", _("Per patient (R responder, NR non-responder, NE not evaluable; * = changes):"),
                  "  " + f"{patient_word:<{id_width}}  " + "  ".join(f"{c:<{w}}" for c, w in zip(self.criteria, cols))]
        for row in self.wide.itertuples(index=False):
            values = [short[getattr(row, _safe(c))] for c in self.criteria]
            mark = "  *" if row.changed else ""
            lines.append("  " + f"{row.patient_id:<{id_width}}  " + "  ".join(f"{v:<{w}}" for v, w in zip(values, cols)) + mark)
        changed = self.changed
        lines += ["", _("Patients whose classification changes: {n}").format(n=len(changed))]
        for row in changed.itertuples(index=False):
            path = join_parameters(f"{c}: {outcome(getattr(row, _safe(c)))}" for c in self.criteria)
            lines.append(f"- {row.patient_id} ({path})")
            for c in self.criteria:
                lines.append(f"    {c}: {getattr(row, _safe(c) + '_reason')}")
        return "\n".join(lines)


def _safe(name: str) -> str:
    """Column names are attribute-safe in itertuples only without '-'; sets use '_' anyway."""
    return name.replace("-", "_")


def _pct(value: float) -> str:
    return "—" if value is None or np.isnan(value) else _("{pct} %").format(pct=f"{value * 100:.1f}")


def _num(value: float, digits: int) -> str:
    return "—" if value is None or np.isnan(value) else f"{value:.{digits}f}"


def compare(cohort: Cohort, criteria: tuple[str, ...] | list[str] | None = None,
            params: dict[str, Any] | None = None) -> Concordance:
    """Classify every patient of ``cohort`` under each criteria set.

    Parameters
    ----------
    cohort : Cohort
        Canonical tables; not modified.
    criteria : sequence of str, optional
        Set names (keys of :data:`lusp.criteria.CRITERIA`); all registered sets by default.
    params : dict, optional
        ``{set name: params dataclass}`` for sets not at their defaults (e.g. the sidebar's
        values for the set in force).

    Returns
    -------
    Concordance
    """
    names = tuple(criteria) if criteria else tuple(CRITERIA)
    sets = [get_criteria(name) for name in names]
    params = params or {}
    frames = []
    for chosen in sets:
        table = chosen.evaluate(cohort, params.get(chosen.name) or chosen.default_params())
        frames.append(_long_rows(chosen.name, table))
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(LONG_COLUMNS))
    labels = tuple(s.label for s in sets)
    return Concordance(names, labels, long, _wide(long, names, cohort), _rates(long, names, labels),
                       _agreement(long, names))


def _long_rows(name: str, table: pd.DataFrame) -> pd.DataFrame:
    evaluable = table["evaluable"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    responder = table["responder"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    classification = np.select([~evaluable, responder], ["not evaluable", "responder"], "non-responder")
    return pd.DataFrame(
        {
            "patient_id": table["patient_id"].astype("string").to_numpy(),
            "criteria": name,
            "classification": classification,
            "responder": pd.array(responder & evaluable, dtype="boolean"),
            "evaluable": pd.array(evaluable, dtype="boolean"),
            "detail": _detail(table),
            "reason": table["reason"].astype("string").to_numpy(),
        }
    ).astype({"criteria": "string", "classification": "string", "detail": "string"})


def _detail(table: pd.DataFrame) -> np.ndarray:
    """The route of a response where the set reports one ('' otherwise)."""
    n = len(table)
    detail = np.full(n, "", dtype=object)
    if "category" in table.columns:
        category = table["category"].astype("string").fillna("").to_numpy(dtype=object)
        kind = table["response_type"].astype("string").fillna("").to_numpy(dtype=object) if "response_type" in table else detail
        detail = np.array([f"{c}, {k}" if k else c for c, k in zip(category, kind)], dtype=object)
    elif "hi_e_route" in table.columns:
        detail = table["hi_e_route"].astype("string").fillna("").to_numpy(dtype=object)
    return detail


def _wide(long: pd.DataFrame, names: tuple[str, ...], cohort: Cohort) -> pd.DataFrame:
    ids = cohort.patients["patient_id"].astype("string")
    wide = pd.DataFrame({"patient_id": ids.to_numpy()})
    diagnosis = cohort.patients["diagnosis"].astype("string") if "diagnosis" in cohort.patients else pd.Series(pd.NA, index=ids.index, dtype="string")
    wide["diagnosis"] = diagnosis.to_numpy()
    for name in names:
        part = long[long["criteria"] == name].set_index("patient_id")
        wide[_safe(name)] = part["classification"].reindex(ids).to_numpy()
    classes = wide[[_safe(n) for n in names]]
    wide["changed"] = classes.nunique(axis=1).to_numpy() > 1 if len(names) > 1 else False
    for name in names:
        part = long[long["criteria"] == name].set_index("patient_id")
        wide[_safe(name) + "_reason"] = part["reason"].reindex(ids).to_numpy()
    for column in wide.columns:
        if column != "changed":
            wide[column] = wide[column].astype("string")
    wide["changed"] = wide["changed"].astype(bool)
    return wide


def _rates(long: pd.DataFrame, names: tuple[str, ...], labels: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for name, label in zip(names, labels):
        part = long[long["criteria"] == name]
        k, n = int(part["responder"].fillna(False).sum()), len(part)
        low, high = clopper_pearson(k, n)
        rows.append({"criteria": name, "label": label, "k": k, "n": n, "rate": k / n if n else float("nan"),
                     "ci_low": low, "ci_high": high,
                     "n_not_evaluable": int((part["classification"] == "not evaluable").sum())})
    return pd.DataFrame(rows, columns=list(RATE_COLUMNS))


def _agreement(long: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """Pairwise agreement on responder status (2×2 counts, kappa, exact McNemar)."""
    by_set = {n: long[long["criteria"] == n].set_index("patient_id")["responder"].fillna(False).astype(bool) for n in names}
    rows = []
    for a, b in combinations(names, 2):
        ra, rb = by_set[a].align(by_set[b], join="inner")
        n = len(ra)
        both, a_only = int((ra & rb).sum()), int((ra & ~rb).sum())
        b_only, neither = int((~ra & rb).sum()), int((~ra & ~rb).sum())
        agreement = (both + neither) / n if n else float("nan")
        rows.append({"criteria_a": a, "criteria_b": b, "n": n, "both": both, "a_only": a_only, "b_only": b_only,
                     "neither": neither, "agreement": agreement, "kappa": cohen_kappa(both, a_only, b_only, neither),
                     "mcnemar_p": mcnemar_exact(a_only, b_only)})
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


def cohen_kappa(both: int, a_only: int, b_only: int, neither: int) -> float:
    """Cohen's kappa of a 2×2 agreement table (NaN when chance agreement is 1).

    ``κ = (p_o − p_e) / (1 − p_e)`` with ``p_e = p_a p_b + (1 − p_a)(1 − p_b)`` (Cohen,
    Educ Psychol Meas 1960;20:37–46).
    """
    n = both + a_only + b_only + neither
    if n == 0:
        return float("nan")
    p_o = (both + neither) / n
    p_a, p_b = (both + a_only) / n, (both + b_only) / n
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    return float("nan") if p_e == 1 else (p_o - p_e) / (1 - p_e)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Exact (binomial) two-sided McNemar p-value on the discordant pairs (1.0 with none).

    Same as R ``binom.test(min(b, c), b + c)$p.value`` (McNemar, Psychometrika 1947).
    """
    discordant = a_only + b_only
    if discordant == 0:
        return 1.0
    return float(_scipy_stats.binomtest(min(a_only, b_only), discordant, 0.5).pvalue)


#: A set leaving more than this share of the patients not evaluable gets a warning beside
#: its rate: its intention-to-treat rate then describes the records more than the drug.
NOT_EVALUABLE_WARNING_SHARE = 1 / 3


def evaluability_warnings(rates: pd.DataFrame) -> list[str]:
    """One sentence per criteria set (rows of :attr:`Concordance.rates`) that could not
    evaluate more than :data:`NOT_EVALUABLE_WARNING_SHARE` of the patients, e.g. IWG 2018 on
    pre-treatment records shorter than its 16-week window."""
    out = []
    for row in rates.itertuples(index=False):
        if row.n and row.n_not_evaluable / row.n > NOT_EVALUABLE_WARNING_SHARE:
            out.append(_("{label}: {n_not_evaluable} of {n} patients could not be evaluated and count as "
                         "non-responders, so its rate of {k}/{n} says more about what was recorded than about the drug "
                         "(the Patients page gives each reason).").format(
                label=criteria_label(row.criteria) if getattr(row, "criteria", None) in CRITERIA else row.label,
                n_not_evaluable=row.n_not_evaluable, n=row.n, k=row.k))
    return out
