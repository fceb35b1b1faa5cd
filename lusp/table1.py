"""Table 1: baseline characteristics, overall and by group, built with ``tableone``.

One row block per characteristic — age, sex, diagnosis group (the file's ``diagnosis`` as
recorded: no grouping is guessed), baseline Hb, pre-treatment RBC burden, serum EPO, ring
sideroblasts, SF3B1, prior ESA, concurrent chemotherapy, then any patient covariate the
user picks — with the overall column, one column per group, the missing count and, only
when asked, a p-value with its test named.

Rules (stated in :attr:`Table1.notes` and therefore under every exported copy):

- **Continuous: mean (SD) or median (IQR), decided per characteristic from its
  distribution.** Shapiro–Wilk on all non-missing values of the characteristic (every
  group together, so one row uses one statistic): at least
  :data:`MIN_N_FOR_NORMALITY` values and p ≥ :data:`NORMALITY_ALPHA` → mean (SD);
  otherwise (skewed, too few values or all equal) → median (IQR). The caller may force
  either with ``summaries={column: "mean" | "median"}``. The IQR is the 25th–75th
  percentile by linear interpolation (NumPy's default, R's type 7), printed
  ``median (Q1–Q3)``; SD with n − 1.
- **Categorical: n (%)**, percentages of the patients with a recorded value (missing
  values are counted in the *Missing* column, never in a denominator). Yes/no
  characteristics show the "yes" row only.
- **p-values only when asked** (``pvalues=True``), comparing the groups (the overall
  column is not tested), unadjusted: continuous mean (SD) rows by Welch's t-test (two
  groups) or one-way ANOVA; median (IQR) rows by the Mann–Whitney U test (two groups;
  SciPy's exact distribution for small samples without ties) or Kruskal–Wallis;
  categorical rows by Fisher's exact test for a 2 × 2 table with any expected count < 5,
  otherwise the chi-squared test (Yates-corrected for 2 × 2). Each row names its test.

``tableone`` 0.9.6 works with pandas 3.1; it triggers one ``Pandas4Warning`` (a
MultiIndex row set with a short key, deprecated for pandas 4), silenced here around the
call only. If a later pandas makes it fail, :func:`table_one` raises a plain error.
"""
from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from lusp.i18n import N_, _

GroupBy = Literal["td", "responder", "outcome"] | None

#: Shapiro–Wilk decision level and the fewest values it is run on.
NORMALITY_ALPHA = 0.05
MIN_N_FOR_NORMALITY = 3
#: Categorical user covariates with more levels than this are left out (a note says so).
MAX_LEVELS = 12


@dataclass(frozen=True)
class Variable:
    """One characteristic: its column, its label (``{hb}`` = display Hb unit), its kind
    (``continuous`` / ``categorical`` / ``binary``) and where it is read from
    (``patients`` = the cohort's patients table, ``results`` = the per-patient results)."""

    column: str
    label: str
    kind: Literal["continuous", "categorical", "binary"]
    source: Literal["patients", "results"] = "patients"
    decimals: int = 1


#: The standard characteristics, in Table 1 order.
VARIABLES: tuple[Variable, ...] = (
    Variable("age", N_("Age, years"), "continuous"),
    Variable("sex", N_("Sex"), "categorical"),
    Variable("diagnosis", N_("Diagnosis group"), "categorical"),
    Variable("baseline_hb_g_l", N_("Baseline Hb, {hb}"), "continuous", source="results"),
    Variable("burden_before_u28", N_("Pre-treatment RBC burden, units/28 days"), "continuous", source="results"),
    Variable("baseline_epo_u_l", N_("Serum EPO, U/L"), "continuous"),
    Variable("ring_sideroblasts_pct", N_("Ring sideroblasts, %"), "continuous"),
    Variable("sf3b1_mutated", N_("SF3B1 mutated"), "binary"),
    Variable("prior_esa", N_("Prior ESA"), "binary"),
    Variable("concurrent_chemo", N_("Concurrent chemotherapy"), "binary"),
)
STANDARD_COLUMNS: tuple[str, ...] = tuple(v.column for v in VARIABLES)

#: Group labels and their order per ``by``.
GROUP_LABELS: dict[str, dict[str, str]] = {
    "td": {"TD": "TD", "NTD": "NTD"},
    "responder": {"responder": "Responder", "non-responder": "Non-responder"},
    "outcome": {"responder": "Responder", "transient spike": "Transient spike",
                "non-responder": "Non-responder", "not evaluable": "Not evaluable"},
}
BY_CHOICES: dict[str | None, str] = {
    "td": N_("TD / NTD at baseline"),
    "responder": N_("Responder / non-responder (ITT)"),
    "outcome": N_("Outcome class"),
    None: N_("Overall only"),
}
#: The summary statistics as printed in a row's label (the key stays the machine value).
STAT_WORDS = {"mean (SD)": N_("mean (SD)"), "median (IQR)": N_("median (IQR)"), "n (%)": N_("n (%)")}

TEST_NAMES = {
    "mann_whitney_u": N_("Mann–Whitney U"),
    "Kruskal-Wallis": N_("Kruskal–Wallis"),
    "Welch’s T-test": N_("Welch's t-test"),
    "One-way ANOVA": N_("One-way ANOVA"),
    "Chi-squared": N_("Chi-squared"),
    "Chi-squared (warning: expected count < 5)": N_("Chi-squared (expected count < 5)"),
    "Fisher's exact": N_("Fisher's exact"),
    "Not tested": N_("not tested"),
}


@dataclass(frozen=True)
class Table1:
    """A built Table 1.

    ``frame``: the display table (strings), columns ``Characteristic``, ``Overall (n = N)``,
    one ``<group> (n = k)`` per group, ``Missing`` and, with p-values, ``p-value`` and
    ``Test``; the first row gives n. ``statistics``: ``{column: "mean (SD)" | "median
    (IQR)" | "n (%)"}`` per characteristic shown. ``groups``: ``{label: n}``.
    ``notes``: the rules and everything left out, as sentences.
    """

    frame: pd.DataFrame
    statistics: dict[str, str]
    groups: dict[str, int]
    by: str | None
    pvalues: bool
    notes: tuple[str, ...] = field(default=())

    def caption(self) -> str:
        return " ".join(self.notes)


def candidate_covariates(results: Any) -> list[str]:
    """Patient columns a user may add (everything except the ID, the date of first dose and
    the standard characteristics), in file order."""
    skip = {"patient_id", "first_dose_date", *STANDARD_COLUMNS}
    return [c for c in results.cohort.patients.columns if c not in skip]


def baseline_frame(results: Any, extra: Sequence[str] = ()) -> pd.DataFrame:
    """One row per patient of ``results.table`` with every characteristic and the grouping
    columns ``_td``, ``_responder``, ``_outcome`` (values as in :data:`GROUP_LABELS`)."""
    table = results.table
    ids = table["patient_id"].astype(str)
    patients = results.cohort.patients.copy()
    patients.index = patients["patient_id"].astype(str)
    out = pd.DataFrame(index=ids.to_numpy())
    for name in [*STANDARD_COLUMNS, *extra]:
        if name in ("baseline_hb_g_l", "burden_before_u28"):
            out[name] = table[name].to_numpy()
        elif name in patients.columns:
            out[name] = patients[name].reindex(ids).to_numpy()
    td = table["td_baseline"].astype("boolean")
    out["_td"] = np.where(td.isna(), "unknown", np.where(td.fillna(False), "TD", "NTD"))
    responder = table["responder"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    out["_responder"] = np.where(responder, "responder", "non-responder")
    out["_outcome"] = table["outcome"].astype(str).to_numpy()
    return out.reset_index(drop=True)


def table_one(
    results: Any,
    *,
    by: GroupBy = "td",
    extra: Sequence[str] = (),
    pvalues: bool = False,
    hb_unit: str = "g/L",
    summaries: Mapping[str, str] | None = None,
) -> Table1:
    """Table 1 of ``results`` (already restricted to the filters in force).

    ``by``: ``"td"`` (TD / NTD at baseline), ``"responder"`` (responder / non-responder,
    ITT), ``"outcome"`` (the four outcome classes present) or None (overall only).
    ``extra``: user-picked patient covariates (see :func:`candidate_covariates`).
    ``summaries``: force ``"mean"`` or ``"median"`` for a continuous column.
    Raises ``ValueError`` with a plain message for an unknown ``by``, covariate or summary.
    """
    from lusp.figures.hb_unit import hb_factor

    if by not in BY_CHOICES:
        raise ValueError(f"Table 1 can be split by {', '.join(repr(b) for b in BY_CHOICES if b)} or None, not {by!r}")
    summaries = dict(summaries or {})
    for column, choice in summaries.items():
        if choice not in ("mean", "median"):
            raise ValueError(f"summary for {column!r} must be 'mean' or 'median', not {choice!r}")
    known = set(results.cohort.patients.columns)
    unknown = [c for c in extra if c not in known]
    if unknown:
        raise ValueError(f"not a patient column of this cohort: {', '.join(unknown)}")
    extra = [c for c in dict.fromkeys(extra) if c not in STANDARD_COLUMNS and c != "patient_id"]

    data = baseline_frame(results, extra)
    notes: list[str] = []
    variables: list[Variable] = []
    for variable in [*VARIABLES, *(_user_variable(data, c) for c in extra)]:
        if variable.column not in data.columns:
            notes.append(_("{label}: not in the file.").format(label=_label(variable, hb_unit)))
            continue
        values = data[variable.column]
        if values.isna().all():
            notes.append(_("{label}: not recorded for any patient.").format(label=_label(variable, hb_unit)))
            continue
        if variable.column in extra and variable.kind == "categorical" and values.dropna().nunique() > MAX_LEVELS:
            notes.append(_("{label}: left out ({n} different values; at most {most} fit a table).").format(
                label=_label(variable, hb_unit), n=values.dropna().nunique(), most=MAX_LEVELS))
            continue
        variables.append(variable)

    prepared = pd.DataFrame(index=data.index)
    statistics: dict[str, str] = {}
    nonnormal: list[str] = []
    for variable in variables:
        values = data[variable.column]
        if variable.kind == "continuous":
            numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
            if variable.column == "baseline_hb_g_l":
                numbers = numbers * hb_factor(hb_unit)
            prepared[variable.column] = numbers.astype(float)
            choice = summaries.get(variable.column) or distribution_choice(prepared[variable.column])
            statistics[variable.column] = "mean (SD)" if choice == "mean" else "median (IQR)"
            if choice == "median":
                nonnormal.append(variable.column)
        elif variable.kind == "binary":
            flags = values.astype("boolean")
            prepared[variable.column] = pd.Categorical(
                np.where(flags.isna(), None, np.where(flags.fillna(False), "yes", "no")), categories=["yes", "no"])
            statistics[variable.column] = "n (%)"
        else:
            text = values.astype("string")
            text = text.where(text.str.strip() != "", pd.NA)
            levels = sorted(text.dropna().unique().tolist(), key=_natural_key)
            prepared[variable.column] = pd.Categorical(text.astype(object).where(text.notna(), None), categories=levels)
            statistics[variable.column] = "n (%)"

    group_key = {"td": "_td", "responder": "_responder", "outcome": "_outcome"}.get(by)
    group_order: list[str] = []
    if group_key:
        present = list(dict.fromkeys(data[group_key]))
        group_order = [g for g in GROUP_LABELS[by] if g in present] + [g for g in present if g not in GROUP_LABELS[by]]
        prepared["_group"] = data[group_key].map(lambda g: GROUP_LABELS[by].get(g, g)).to_numpy()
    groups = ({GROUP_LABELS[by].get(g, g): int((data[group_key] == g).sum()) for g in group_order}
              if group_key else {})

    n = len(data)
    with_p = bool(pvalues and group_key and len(groups) >= 2)
    if pvalues and not with_p:
        notes.append("p-values need at least two groups; none shown.")
    if n == 0 or not variables:
        frame = pd.DataFrame({"Characteristic": ["n"], _overall(n): [str(n)]})
        return Table1(frame, statistics, groups, by, with_p, tuple(_rule_notes(statistics, with_p) + notes))

    frame = _run_tableone(prepared, variables, nonnormal, group_order, by, groups, with_p, hb_unit, statistics)
    return Table1(frame, statistics, groups, by, with_p, tuple(_rule_notes(statistics, with_p) + notes))


def distribution_choice(values: pd.Series) -> Literal["mean", "median"]:
    """``"mean"`` when Shapiro–Wilk does not reject normality (p ≥ 0.05, n ≥ 3, values not
    all equal), else ``"median"``."""
    from scipy import stats

    clean = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if len(clean) < MIN_N_FOR_NORMALITY or np.ptp(clean) == 0:
        return "median"
    return "mean" if stats.shapiro(clean).pvalue >= NORMALITY_ALPHA else "median"


def mann_whitney_u(*groups: np.ndarray) -> float:
    """Two-sided Mann–Whitney U p-value (SciPy chooses the exact distribution for small
    samples without ties); the name is what the Test column shows."""
    from scipy import stats

    a, b = (np.asarray(g, dtype=float) for g in groups)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


def _user_variable(data: pd.DataFrame, column: str) -> Variable:
    label = column.replace("_", " ")
    label = label[:1].upper() + label[1:]
    values = data[column] if column in data.columns else pd.Series(dtype=object)
    if pd.api.types.is_bool_dtype(values.dtype):
        return Variable(column, label, "binary")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return Variable(column, label, "continuous")
    return Variable(column, label, "categorical")


def _label(variable: Variable, hb_unit: str) -> str:
    """The row label in the language in force (a user's column keeps the user's word)."""
    return _(variable.label).format(hb=hb_unit)  # i18n: lookup


def _overall(n: int) -> str:
    return f"Overall (n = {n})"


def _natural_key(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", str(text)))


def _run_tableone(prepared, variables, nonnormal, group_order, by, groups, with_p, hb_unit, statistics) -> pd.DataFrame:
    """Run ``tableone`` and lay its raw statistics out as display text.

    The numbers are tableone's (``cont_describe``/``cat_describe`` and their ``_all``
    overall versions, ``htest_table``); only the printing is ours, rounded half-up as the
    rest of the product (9 of 16 is 56.3 %, not tableone's float-rounded 56.2 %).
    """
    from tableone import TableOne

    columns = [v.column for v in variables]
    categorical = [v.column for v in variables if v.kind != "continuous"]
    kwargs: dict[str, Any] = dict(
        columns=columns, categorical=categorical, nonnormal=nonnormal, missing=True, include_null=False,
        label_suffix=False, overall=True, order={c: list(prepared[c].cat.categories) for c in categorical},
    )
    grouped = "_group" in prepared.columns
    if grouped:
        kwargs["groupby"] = "_group"
        if with_p:
            kwargs.update(pval=True, htest_name=True)
            if len(groups) == 2:
                kwargs["htest"] = {c: mann_whitney_u for c in nonnormal}
    with warnings.catch_warnings():
        # tableone's Pandas4Warning (see the module docstring) and its low-count warnings,
        # which the Test column restates.
        warnings.simplefilter("ignore")
        try:
            built = TableOne(prepared, **kwargs)
        except Exception as error:  # noqa: BLE001 — a library failure becomes a sentence
            raise ValueError(f"Table 1 could not be built by the tableone package: {error}") from error

    group_names = [GROUP_LABELS.get(by or "", {}).get(g, g) for g in group_order]
    header = {"Characteristic": "n", _overall(len(prepared)): str(len(prepared))}
    for name in group_names:
        header[f"{name} (n = {groups[name]})"] = str(groups[name])
    header["Missing"] = ""
    if with_p:
        header.update({"p-value": "", "Test": ""})
    out_columns = list(header)[1 : 2 + len(group_names)]
    sources = [("Overall", True), *((name, False) for name in group_names)]

    def cont(column: str, stat: str, source: str, overall: bool) -> float:
        frame = built.cont_describe_all if overall and grouped else built.cont_describe
        return float(frame.loc[column, (stat, source)])

    def cat(column: str, level: str, stat: str, source: str, overall: bool) -> float:
        frame = built.cat_describe_all if overall and grouped else built.cat_describe
        key = (column, level)
        if key not in frame.index:
            return float("nan")
        return float(frame.loc[key, (stat, source)])

    def cat_n(column: str, source: str, overall: bool) -> int:
        """Patients with a recorded value in ``source`` (the denominator of every %)."""
        values = prepared[column] if overall else prepared.loc[prepared["_group"] == source, column]
        return int(values.notna().sum())

    rows: list[dict[str, str]] = [header]
    for variable in variables:
        column = variable.column
        label = _label(variable, hb_unit)
        stat = statistics[column]
        missing = str(int(prepared[column].isna().sum()))
        p_text, test = ("", "")
        if with_p:
            p_value = float(built.htest_table.loc[column, "P-Value"])
            p_text = p_value_text(p_value)
            raw_test = str(built.htest_table.loc[column, "Test"]).strip()
            test = _(TEST_NAMES[raw_test]) if raw_test in TEST_NAMES else raw_test  # i18n: lookup
            if math.isnan(p_value):
                test = _("not tested (a group has no value)")
        decimals = 2 if column == "baseline_hb_g_l" and hb_unit == "g/dL" else variable.decimals
        if variable.kind == "continuous":
            row = {"Characteristic": _("{label}, {statistic}").format(label=label, statistic=_(STAT_WORDS[stat]))}  # i18n: lookup
            for out_name, (source, overall) in zip(out_columns, sources):
                count = cont(column, "count", source, overall)
                if not count:
                    row[out_name] = "–"
                elif stat == "mean (SD)":
                    # SD needs two values (n − 1); tableone gives 0 for a one-row group.
                    sd = cont(column, "std", source, overall) if count >= 2 else float("nan")
                    row[out_name] = (f"{half_up(cont(column, 'mean', source, overall), decimals)} "
                                     f"({'–' if math.isnan(sd) else half_up(sd, decimals)})")
                else:
                    row[out_name] = (f"{half_up(cont(column, 'median', source, overall), decimals)} "
                                     f"({half_up(cont(column, 'q25', source, overall), decimals)}–"
                                     f"{half_up(cont(column, 'q75', source, overall), decimals)})")
            rows.append(_finish(row, missing, p_text, test, with_p))
            continue
        levels = ["yes"] if variable.kind == "binary" else list(prepared[column].cat.categories)
        if variable.kind != "binary":
            rows.append(_finish({"Characteristic": _("{label}, n (%)").format(label=label), **{c: "" for c in out_columns}},
                                missing, p_text, test, with_p))
        for level in levels:
            row = {"Characteristic": _("{label}, n (%)").format(label=label) if variable.kind == "binary" else f"    {level}"}
            for out_name, (source, overall) in zip(out_columns, sources):
                denominator = cat_n(column, source, overall)
                freq = cat(column, level, "freq", source, overall)
                freq = 0 if math.isnan(freq) else int(freq)
                row[out_name] = "–" if denominator == 0 else f"{freq} ({half_up(100 * freq / denominator, 1)})"
            if variable.kind == "binary":
                rows.append(_finish(row, missing, p_text, test, with_p))
            else:
                rows.append(_finish(row, "", "", "", with_p))
    frame = pd.DataFrame(rows, columns=list(header)).fillna("")
    return frame.astype(object)


def half_up(value: float, decimals: int) -> str:
    """``47.25`` → ``47.3`` at one decimal: half-up, as clinical papers and the rest of the
    product round (Python's ``format`` rounds the binary float, giving 47.2)."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def p_value_text(p: float) -> str:
    """``<0.001`` below 0.001, else three decimals half-up; ``–`` when not computed."""
    if p is None or math.isnan(p):
        return "–"
    return "<0.001" if p < 0.001 else half_up(p, 3)


def _finish(row: dict, missing: str, p_text: str, test: str, with_p: bool) -> dict:
    row["Missing"] = missing
    if with_p:
        row["p-value"], row["Test"] = p_text, test
    return row


def _rule_notes(statistics: Mapping[str, str], with_p: bool) -> list[str]:
    notes = []
    if any(s != "n (%)" for s in statistics.values()):
        notes.append(_(
            "Continuous characteristics: mean (SD) when Shapiro–Wilk on all recorded values does not reject "
            "normality (p ≥ {alpha}, at least {n} values), otherwise median (IQR, 25th–75th percentile, linear "
            "interpolation).").format(alpha=f"{NORMALITY_ALPHA:g}", n=MIN_N_FOR_NORMALITY))
    notes.append(_("Categorical characteristics: n (%) of the patients with a recorded value; Missing = patients "
                   "with no value."))
    if with_p:
        notes.append(_("p-values compare the groups (not the overall column), unadjusted for multiple comparisons: "
                       "Welch's t-test or one-way ANOVA for mean (SD); Mann–Whitney U (two groups) or Kruskal–Wallis "
                       "for median (IQR); Fisher's exact test for a 2 × 2 table with any expected count < 5, otherwise "
                       "chi-squared; each row names its test."))
    return notes


def table1_xlsx(table1: Table1, *, caption: str = "") -> bytes:
    """Table 1 as an XLSX workbook: the table on sheet "Table 1", the rules under it."""
    from lusp.export.tables import to_xlsx_bytes

    note = " ".join(filter(None, [caption, table1.caption()]))
    return to_xlsx_bytes({"Table 1": table1.frame}, notes={"Table 1": note})
