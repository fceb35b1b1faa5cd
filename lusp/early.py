"""Decide early: the picture at the protocol's review day, and whether early signs predict failure.

The source study's warning is that a single early Hb value looks like a response and often is
not: 6 of its 7 transfusion-dependent failures had a transient rise in week 1 that fell away.
Clinicians decide at the two-dose review (day 42 under the study protocol) whether to escalate,
continue or stop. This module lays out, per patient, what was known on that day beside what
happened later (:func:`review_picture`), tests each early sign against the eventual outcome as a
diagnostic 2 × 2 table with exact intervals (:func:`early_signs`), and describes Hb over time by
outcome group (:func:`weekly_hb`, :func:`post_week2_slopes`, exploratory).

Definitions (SPEC §3 and CRITERIA.md; every number is the criteria set's or the protocol's):

- What is known at review day D is every record on days ≤ D.
- Review-day Hb: the last transfusion-unaffected Hb in days 1 … D (the criteria set's exclusion
  window); its change is that value minus the baseline Hb (the last Hb of the baseline window).
- Burden so far: RBC units in days 1 … D × 28 / D (the SPEC's burden-after, cut at D; D is
  replaced by the end of follow-up when that comes first); reduction against the baseline burden.
- The spike had appeared by day D when the criteria set flags a transient spike and its fall
  (the first Hb back at or below baseline + rise/2) happened on or before D.
- Outcome positive = failure = an evaluable patient who is not a responder. Not-evaluable
  patients have no outcome and are left out of every 2 × 2 table (and counted, not hidden).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lusp.criteria import common
from lusp.i18n import N_, _, pgettext
from lusp.labels import has_label, label
from lusp.protocol.common import fmt_dose
from lusp.protocol.decision import first_review_day, recommend
from lusp.stats import clopper_pearson
from lusp.wording import join_clauses

#: Burden reduction that counts as an early sign of benefit when the protocol names none.
DEFAULT_TD_REDUCTION_PCT = 33.0
#: Outcome groups of the Hb-over-time views, in display order (``Results.table["outcome"]``).
TIME_GROUPS = ("responder", "non-responder", "transient spike")
#: The post-week-2 window of the mixed model starts after this day.
SLOPE_FROM_DAY = 14
#: Fewer patients than this in a group: no mixed model (a random slope needs several courses).
SLOPE_MIN_PATIENTS = 3

#: Said once wherever the 2 × 2 tables are shown.
SMALL_N_CAVEAT = N_(
    "Small numbers: every rate is shown with its counts and an exact (Clopper–Pearson) 95 % interval, which in a "
    "cohort this size is wide. These tables describe this cohort; they are not a validated prediction rule."
)
SLOPE_CAVEAT = N_(
    "Exploratory: a linear mixed model per group (random intercept and slope per patient) of transfusion-unaffected "
    "Hb after week 2; groups are defined by the outcome, which is itself partly an Hb result."
)

#: The early signs, in display order: name → (group, label).
SIGNS: dict[str, tuple[str, str]] = {
    "spike_vs_failure": ("TD", N_("Transient first-week spike (had appeared by the review day)")),
    "early_rise_vs_failure": ("all", N_("Hb rise ≥ the criteria's threshold at the review day")),
    "burden_reduction_vs_failure": ("TD", N_("Transfusion-burden reduction ≥ 33 % at the review day")),
    "criteria_early_rise_vs_failure": ("all", N_("Early rise (criteria set: any Hb in days 1–14 above baseline)")),
}
#: What each sign points to when present. Every 2 × 2 is against failure (the issue's
#: orientation, kept in the JSON); a sign of *response* therefore has low sensitivity for
#: failure when it works, and the table says so instead of leaving 0/8 to be misread.
SIGN_POINTS_TO: dict[str, str] = {
    "spike_vs_failure": "failure",
    "early_rise_vs_failure": "response",
    "burden_reduction_vs_failure": "response",
    "criteria_early_rise_vs_failure": "response",
}
#: Said once under the signs table.
DIRECTION_NOTE = N_("Every table is against failure. A sign of response works when it is rare among the failures "
                  "(low sensitivity, low PPV for failure): read those rows the other way round.")
GROUP_LABELS = {"TD": N_("evaluable TD patients"), "NTD": N_("evaluable NTD patients"), "all": N_("all evaluable patients")}
#: The day-42 decision's actions as words (the action value itself stays English).
ACTION_WORDS = {"escalate": N_("escalate"), "stop": N_("stop"), "hold": N_("hold"), "continue": N_("continue"),
                "not judged": N_("not judged"), "off study": N_("off study")}


def action_words(action: str) -> str:
    """A decision's action in the language in force ("escalate" → "加量（剂量递增）")."""
    return _(ACTION_WORDS[action]) if action in ACTION_WORDS else str(action)  # i18n: lookup


def default_review_day(results) -> int:
    """The first escalation review of the protocol in force (day 42 under the study protocol)."""
    return first_review_day(results.protocol or "study", results.protocol_params)


def rise_threshold_g_l(params) -> float:
    """The criteria set's Hb-rise threshold (study: NTD response ≥ 10 g/L; IWG: ≥ 15 g/L)."""
    for name in ("ntd_rise_g_l", "hb_rise_g_l"):
        if hasattr(params, name):
            return float(getattr(params, name))
    return 10.0


def reduction_threshold_pct(protocol_params) -> float:
    """The protocol's TD escalation threshold (study: burden reduction < 33 % escalates)."""
    return float(getattr(protocol_params, "td_reduction_pct", DEFAULT_TD_REDUCTION_PCT))


def _flag(series: pd.Series) -> np.ndarray:
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def review_picture(results, review_day: int | None = None, *, hb_unit: str = "g/L") -> pd.DataFrame:
    """What was known at the review day, beside what happened later; misled patients first.

    Parameters
    ----------
    results : lusp.analysis.Results
    review_day : int, optional
        Study day of the review; default :func:`default_review_day`.
    hb_unit : str
        Unit of the Hb values written in ``misled_how`` (the numbers stay in g/L).

    Returns
    -------
    DataFrame
        One row per patient, sorted so the patients whose early picture misled come first
        (failures that looked like responses, then responders that looked like failures, then
        the rest, then not evaluable). Columns:

        - ``patient_id, diagnosis, td_baseline, baseline_hb_g_l``;
        - ``review_day``; ``review_hb_g_l``, ``review_hb_day``: last transfusion-unaffected
          Hb in days 1 … D; ``hb_change_g_l`` = that − baseline;
        - ``first_week_rise_g_l``: early peak (highest Hb, all values, of the spike window)
          − baseline — the single early value the study warns about;
        - ``units_so_far``, ``burden_so_far_u28``, ``burden_before_u28``,
          ``burden_reduction_so_far_pct`` (TD only);
        - ``spike_seen``: the spike-then-fall pattern had appeared by D (NA without baseline);
        - ``action, recommended_dose_mg_kg, judged, rule, given_dose_mg_kg``: the protocol's
          recommendation (:func:`lusp.protocol.decision.recommend`) and the dose given;
        - ``outcome, responder, evaluable, reason``: what happened;
        - ``misled`` (bool) and ``misled_how`` (sentence, NA when not misled).
    """
    day = int(default_review_day(results) if review_day is None else review_day)
    if day < 1:
        raise ValueError(f"the review day must be day 1 or later, not {day}")
    table = results.table
    cohort = results.cohort
    n = len(table)
    timeline = common.build_timeline(cohort, int(getattr(results.params, "tx_exclusion_days",
                                                         common.DEFAULT_TX_EXCLUSION_DAYS)))
    codes = common.patient_codes(table["patient_id"], cohort.patients)
    window = timeline.hb_window(1, day, unaffected_only=True)
    last_hb, last_day = common.last_value(window, timeline.n_patients)
    last_hb, last_day = last_hb[codes], last_day[codes]
    baseline = table["baseline_hb_g_l"].to_numpy(dtype=np.float64, na_value=np.nan)
    change = common.round_g_l(last_hb - baseline)
    early_peak = table["early_peak_hb_g_l"].to_numpy(dtype=np.float64, na_value=np.nan)
    first_week = common.round_g_l(early_peak - baseline)
    end = timeline.end_day[codes]
    days_so_far = np.minimum(day, end)
    units = timeline.units_between(codes, np.ones(n, np.int64), np.full(n, day, np.int64))
    td = _flag(table["td_baseline"])
    before = table["burden_before_u28"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        burden = np.where(days_so_far > 0, units * common.BURDEN_PERIOD_DAYS / days_so_far, np.nan)
        reduction = np.where(td & (before > 0), (before - burden) / before * 100, np.nan)
    spike = table["transient_spike"].astype("boolean")
    fall_day = table["spike_fall_day"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    seen = spike.fillna(False).to_numpy(dtype=bool) & (fall_day <= day)
    spike_seen = pd.array(np.where(spike.isna().to_numpy(), None, seen), dtype="boolean")

    decision = recommend(cohort, table, day, results.protocol or "study", results.protocol_params)
    rise_thr = rise_threshold_g_l(results.params)
    red_thr = reduction_threshold_pct(results.protocol_params)
    responder = _flag(table["responder"])
    evaluable = _flag(table["evaluable"])
    failure = evaluable & ~responder

    from lusp.figures.hb_unit import hb_factor

    factor = hb_factor(hb_unit)

    def hb_words(value_g_l: float) -> str:
        return f"{common.fmt_number(value_g_l)} g/L" if hb_unit == "g/L" else f"{value_g_l * factor:.2f}".rstrip(
            "0").rstrip(".") + f" {hb_unit}"

    said = {  # each clause once in the language in force
        "rose": _("Hb rose {hb} in week 1"), "rose_fell": _("Hb rose {hb} in week 1 and fell back by day {day}"),
        "above": _("Hb was {hb} above baseline on day {day}"), "down": _("burden was down {pct} % by day {day}"),
        "down_only": _("burden was down only {pct} % by day {day} (< {needed} %)"),
        "up": _("burden was up {pct} % by day {day}"), "only": _("Hb was only {hb} above baseline on day {day}"),
        "response": _("Looked like a response ({signs}; protocol: {action}) but failed."),
        "failure": _("Looked like a failure ({signs}; protocol: {action}) but responded."),
    }
    how: list[str | None] = []
    rank = np.zeros(n, dtype=np.int64)
    for i in range(n):
        looked_good, looked_bad = [], []
        if not np.isnan(first_week[i]) and first_week[i] >= rise_thr:
            looked_good.append(said["rose_fell"].format(hb=hb_words(first_week[i]), day=int(fall_day[i])) if seen[i]
                               else said["rose"].format(hb=hb_words(first_week[i])))
        if not np.isnan(change[i]) and change[i] >= rise_thr:
            looked_good.append(said["above"].format(hb=hb_words(change[i]), day=last_day[i]))
        if td[i] and not np.isnan(reduction[i]):
            pct = common.fmt_number(round(abs(reduction[i]), 1))
            if reduction[i] >= red_thr:
                looked_good.append(said["down"].format(pct=pct, day=day))
            elif reduction[i] >= 0:
                looked_bad.append(said["down_only"].format(pct=pct, day=day, needed=common.fmt_number(red_thr)))
            else:
                looked_bad.append(said["up"].format(pct=pct, day=day))
        if not td[i] and not np.isnan(change[i]) and change[i] < rise_thr:
            looked_bad.append(said["only"].format(hb=hb_words(change[i]), day=last_day[i]))
        action = decision["action"].iloc[i]
        if failure[i] and looked_good:
            how.append(said["response"].format(signs=join_clauses(looked_good), action=action_words(action)))
            rank[i] = 0
        elif responder[i] and action in ("escalate", "stop") and looked_bad:
            how.append(said["failure"].format(signs=join_clauses(looked_bad), action=action_words(action)))
            rank[i] = 1
        else:
            how.append(None)
            rank[i] = 2 if evaluable[i] else 3

    picture = pd.DataFrame({
        "patient_id": table["patient_id"].astype("string").to_numpy(),
        "diagnosis": table["diagnosis"].astype("string").to_numpy(),
        "td_baseline": table["td_baseline"].astype("boolean").to_numpy(),
        "baseline_hb_g_l": common.nullable_float(baseline),
        "review_day": pd.array(np.full(n, day), dtype="Int64"),
        "review_hb_g_l": common.nullable_float(last_hb),
        "review_hb_day": common.nullable_int(last_day, last_day < 0),
        "hb_change_g_l": common.nullable_float(change),
        "first_week_rise_g_l": common.nullable_float(first_week),
        "units_so_far": common.nullable_float(units),
        "burden_so_far_u28": common.nullable_float(np.round(burden, 2)),
        "burden_before_u28": common.nullable_float(before),
        "burden_reduction_so_far_pct": common.nullable_float(np.round(reduction, 1)),
        "spike_seen": spike_seen,
        "action": decision["action"].to_numpy(),
        "recommended_dose_mg_kg": decision["recommended_dose_mg_kg"].to_numpy(),
        "judged": decision["judged"].to_numpy(),
        "rule": decision["rule"].to_numpy(),
        "given_dose_mg_kg": decision["given_dose_mg_kg"].to_numpy(),
        "outcome": table["outcome"].astype("string").to_numpy(),
        "responder": table["responder"].astype("boolean").to_numpy(),
        "evaluable": table["evaluable"].astype("boolean").to_numpy(),
        "reason": table["reason"].astype("string").to_numpy(),
        "misled": pd.array(rank < 2, dtype="boolean"),
        "misled_how": pd.array(how, dtype="string"),
    })
    for column in ("action", "judged", "rule"):
        picture[column] = picture[column].astype("string")
    for column in ("recommended_dose_mg_kg", "given_dose_mg_kg"):
        picture[column] = picture[column].astype("Float64")
    order = np.lexsort((np.arange(n), rank))  # stable: cohort order within a rank
    return picture.iloc[order].reset_index(drop=True)


@dataclass(frozen=True)
class SignTable:
    """One early sign's 2 × 2 table against failure (positive = sign present / failure)."""

    name: str
    label: str
    group: str
    tp: int
    fp: int
    fn: int
    tn: int
    n_excluded: int  # evaluable patients of the group whose sign could not be computed
    n_not_evaluable: int  # patients of the group without an outcome

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def rates(self) -> dict[str, dict[str, Any]]:
        """``sensitivity, specificity, ppv, npv`` → ``{est, lo, hi, k, n}`` (None when n = 0)."""
        parts = {
            "sensitivity": (self.tp, self.tp + self.fn),
            "specificity": (self.tn, self.tn + self.fp),
            "ppv": (self.tp, self.tp + self.fp),
            "npv": (self.tn, self.tn + self.fn),
        }
        out = {}
        for key, (k, n) in parts.items():
            if n == 0:
                out[key] = {"est": None, "lo": None, "hi": None, "k": 0, "n": 0}
            else:
                lo, hi = clopper_pearson(k, n)
                out[key] = {"est": k / n, "lo": float(lo), "hi": float(hi), "k": int(k), "n": int(n)}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "label": self.label, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "tn": self.tn, "n": self.n, "n_excluded": self.n_excluded, "n_not_evaluable": self.n_not_evaluable,
                **self.rates()}


def early_signs(results, review_day: int | None = None, picture: pd.DataFrame | None = None) -> dict[str, SignTable]:
    """Each early sign of :data:`SIGNS` as a 2 × 2 table against failure, keyed by name.

    The table of a sign holds the evaluable patients of its group (TD, or all) whose sign can
    be computed; ``n_excluded`` counts the evaluable ones whose sign cannot be (no baseline, no
    transfusion-unaffected Hb by the review day) and ``n_not_evaluable`` the group's patients
    without an outcome.
    """
    picture = review_picture(results, review_day) if picture is None else picture
    crit = results.table.set_index(results.table["patient_id"].astype("string"))["early_rise"].astype("boolean")
    rise_thr = rise_threshold_g_l(results.params)
    red_thr = reduction_threshold_pct(results.protocol_params)
    td = _flag(picture["td_baseline"])
    evaluable = _flag(picture["evaluable"])
    failure = ~_flag(picture["responder"])
    change = picture["hb_change_g_l"].to_numpy(dtype=np.float64, na_value=np.nan)
    reduction = picture["burden_reduction_so_far_pct"].to_numpy(dtype=np.float64, na_value=np.nan)
    spike = picture["spike_seen"]
    criteria_rise = crit.reindex(picture["patient_id"]).reset_index(drop=True)

    values = {
        "spike_vs_failure": (spike.fillna(False).to_numpy(dtype=bool), spike.notna().to_numpy()),
        "early_rise_vs_failure": (change >= rise_thr, ~np.isnan(change)),
        "burden_reduction_vs_failure": (reduction >= red_thr, ~np.isnan(reduction)),
        "criteria_early_rise_vs_failure": (criteria_rise.fillna(False).to_numpy(dtype=bool),
                                           criteria_rise.notna().to_numpy()),
    }
    out = {}
    for name, (group, label) in SIGNS.items():
        label = _(label)  # i18n: lookup
        if name == "early_rise_vs_failure":
            label = _("Hb rise ≥ {threshold} g/L at the review day (transfusion-unaffected)").format(
                threshold=common.fmt_number(rise_thr))
        if name == "burden_reduction_vs_failure":
            label = _("Transfusion-burden reduction ≥ {threshold} % at the review day").format(
                threshold=common.fmt_number(red_thr))
        sign, known = values[name]
        member = td if group == "TD" else (~td if group == "NTD" else np.ones(len(picture), bool))
        used = member & evaluable & known
        out[name] = SignTable(
            name=name, label=label, group=group,
            tp=int((used & sign & failure).sum()), fp=int((used & sign & ~failure).sum()),
            fn=int((used & ~sign & failure).sum()), tn=int((used & ~sign & ~failure).sum()),
            n_excluded=int((member & evaluable & ~known).sum()), n_not_evaluable=int((member & ~evaluable).sum()),
        )
    return out


def early_signs_json(results, review_day: int | None = None) -> dict[str, Any]:
    """The CLI's JSON: ``review_day``, ``criteria``, ``protocol``, ``caveat`` and one object per sign."""
    day = int(default_review_day(results) if review_day is None else review_day)
    signs = early_signs(results, day)
    return {"review_day": day, "criteria": results.criteria, "protocol": results.protocol,
            "caveat": SMALL_N_CAVEAT, **{name: sign.to_dict() for name, sign in signs.items()}}


#: The English headers of this module's display tables (:func:`review_display`,
#: :func:`slopes_display`, :func:`signs_frame`), kept as their keys (slides and tests read
#: them by name) and said in the reader's language where shown
#: (:func:`lusp.labels.header_label`); "{hb}" stands for the Hb unit.
DISPLAY_HEADERS = (
    N_("Patient"), N_("Hb change at review ({hb})"), N_("Week-1 rise ({hb})"), N_("Burden U/28 d: before → so far"),
    N_("Spike seen"), N_("Protocol says"), N_("Outcome"), N_("Early picture misled?"), N_("Protocol judged"),
    N_("Reason (outcome)"), N_("Group"), N_("Slope, {hb} per week (95 % CI)"), N_("Patients"), N_("Hb values"),
    N_("Note"), N_("sign"), N_("sign of"), N_("patients"), N_("sensitivity"), N_("specificity"),
)


def signs_frame(signs: dict[str, SignTable], *, hb_unit: str = "g/L") -> pd.DataFrame:
    """The signs as a display table: counts, then each rate as ``k/n · est (lo–hi)``; a
    threshold in a sign's label reads in ``hb_unit``."""
    from lusp.display import as_display
    from lusp.narrative import percent

    display = as_display(hb_unit)
    rows = []
    for sign in signs.values():
        row = {"sign": display.text(sign.label), "sign of": label("sign." + SIGN_POINTS_TO.get(sign.name, "failure")),
               "patients": _(GROUP_LABELS[sign.group]), "n": sign.n,  # i18n: lookup
               "TP": sign.tp, "FP": sign.fp, "FN": sign.fn, "TN": sign.tn}
        for key, rate in sign.rates().items():
            title = {"sensitivity": "sensitivity", "specificity": "specificity", "ppv": "PPV", "npv": "NPV"}[key]
            row[title] = ("–" if rate["est"] is None else
                          _("{k}/{n} · {rate} % ({low}–{high})").format(
                              k=rate["k"], n=rate["n"], rate=percent(rate["est"]), low=percent(rate["lo"]),
                              high=percent(rate["hi"])))
        rows.append(row)
    return pd.DataFrame(rows)


def review_display(picture: pd.DataFrame, *, hb_unit: str = "g/L", compact: bool = False) -> pd.DataFrame:
    """The review table as shown on the page and the slide: words, units, one row per patient.

    ``compact`` drops the long columns (rule judged, reason) for a slide.
    """
    from lusp.display import as_display

    display = as_display(hb_unit)

    def hb(value, signed=False) -> str:
        # The display's one half-up rounding: DEMO-12's 18.5 g/L rise reads "+19" here as on
        # its chart, never "+18" from Python's round-half-even.
        return "–" if value is None or pd.isna(value) else display.hb_number(value, signed=signed)

    def flag(value) -> str:
        return "–" if value is None or pd.isna(value) else (
            pgettext("word.yes", "yes") if bool(value) else pgettext("word.no", "no"))  # i18n: lookup

    def burden(row) -> str:
        if not bool(row["td_baseline"]) or pd.isna(row["burden_so_far_u28"]):
            return "NTD"
        red = row["burden_reduction_so_far_pct"]
        return (f"{common.fmt_number(row['burden_before_u28'])} → {common.fmt_number(round(row['burden_so_far_u28'], 1))}"
                + ("" if pd.isna(red) else " (0 %)" if round(red) == 0
                   else f" ({'+' if red < 0 else '−'}{common.fmt_number(abs(round(red)))} %)"))

    def protocol(row) -> str:
        dose = row["recommended_dose_mg_kg"]
        if pd.isna(dose):
            return action_words(str(row["action"]))
        return _("{action} at {dose} mg/kg").format(action=action_words(str(row["action"])), dose=fmt_dose(float(dose)))

    frame = pd.DataFrame({
        "Patient": picture["patient_id"].astype(str),
        "TD": [("TD" if bool(v) else "NTD") for v in picture["td_baseline"].fillna(False)],
        f"Hb change at review ({hb_unit})": [hb(v, True) for v in picture["hb_change_g_l"]],
        f"Week-1 rise ({hb_unit})": [hb(v, True) for v in picture["first_week_rise_g_l"]],
        "Burden U/28 d: before → so far": [burden(r) for _i, r in picture.iterrows()],
        "Spike seen": [flag(v) for v in picture["spike_seen"]],
        "Protocol says": [protocol(r) for _i, r in picture.iterrows()],
        "Outcome": [label(f"outcome.{o}") if has_label(f"outcome.{o}") else str(o) for o in picture["outcome"]],
        "Early picture misled?": [("–" if pd.isna(t) else str(t)) for t in picture["misled_how"]],
    })
    if not compact:
        frame["Protocol judged"] = picture["judged"].astype(str).to_numpy()
        frame["Reason (outcome)"] = picture["reason"].astype(str).to_numpy()
    return frame


# --------------------------------------------------------------------------------------
# Hb over time by outcome group
# --------------------------------------------------------------------------------------


def hb_courses(results) -> pd.DataFrame:
    """Transfusion-unaffected Hb of every patient in an outcome group, with its week.

    Returns ``patient_id, group, day, week, hb_g_l``; ``week`` = ⌊day / 7⌋ (week 0 = days
    0–6, negative weeks before the first dose); only days from the baseline window to the end of
    follow-up; patients not evaluable are left out (they have no outcome group).
    """
    table = results.table
    hb = results.hb
    hb = hb[~hb["transfusion_affected"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    info = pd.DataFrame({"patient_id": table["patient_id"].astype("string"),
                         "group": table["outcome"].astype("string"),
                         "end_day": table["end_day"].astype("Int64")})
    info = info[info["group"].isin(TIME_GROUPS)]
    merged = hb.assign(patient_id=hb["patient_id"].astype("string")).merge(info, on="patient_id", how="inner")
    lo = -int(getattr(results.params, "baseline_window_days", 56))
    merged = merged[(merged["day"] >= lo) & (merged["day"] <= merged["end_day"])]
    days = merged["day"].to_numpy(dtype=np.int64)
    return pd.DataFrame({
        "patient_id": merged["patient_id"].to_numpy(),
        "group": merged["group"].to_numpy(),
        "day": days,
        "week": np.floor_divide(days, 7),
        "hb_g_l": merged["hb_g_l"].to_numpy(dtype=np.float64),
    }).reset_index(drop=True)


def weekly_hb(results, courses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean Hb with a 95 % CI per outcome group and week since the first dose.

    Each patient counts once per week (the mean of their values that week), so a patient
    measured often does not outweigh one measured weekly. The interval is the t interval of
    the mean of those patient-week values (NaN with fewer than 2 patients).

    Returns
    -------
    DataFrame
        ``group, week, n_patients, mean_hb_g_l, ci_low, ci_high`` in group then week order.
    """
    from scipy import stats

    courses = hb_courses(results) if courses is None else courses
    per_patient = courses.groupby(["group", "week", "patient_id"], as_index=False)["hb_g_l"].mean()
    rows = []
    for (group, week), values in per_patient.groupby(["group", "week"], sort=False):
        v = values["hb_g_l"].to_numpy()
        mean = float(v.mean())
        if len(v) >= 2:
            half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
            low, high = mean - half, mean + half
        else:
            low = high = float("nan")
        rows.append({"group": group, "week": int(week), "n_patients": len(v), "mean_hb_g_l": mean,
                     "ci_low": low, "ci_high": high})
    frame = pd.DataFrame(rows, columns=["group", "week", "n_patients", "mean_hb_g_l", "ci_low", "ci_high"])
    if frame.empty:
        return frame
    frame["order"] = frame["group"].map({g: i for i, g in enumerate(TIME_GROUPS)})
    return frame.sort_values(["order", "week"]).drop(columns="order").reset_index(drop=True)


def fit_slope(data: pd.DataFrame) -> dict[str, Any]:
    """Mixed-model slope of ``hb_g_l`` on ``day`` (per week) with a random intercept and slope per patient.

    ``data``: ``patient_id, day, hb_g_l``. Returns ``slope_g_l_per_week, ci_low, ci_high,
    n_patients, n_values, converged, note``. Time is centred before fitting (the slope does not
    change; the intercept–slope correlation and the optimiser's job do).
    """
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    n_patients = int(data["patient_id"].nunique())
    out = {"slope_g_l_per_week": None, "ci_low": None, "ci_high": None, "n_patients": n_patients,
           "n_values": int(len(data)), "converged": None, "note": ""}
    if n_patients < SLOPE_MIN_PATIENTS:
        out["note"] = _("fewer than {n} patients: no model").format(n=SLOPE_MIN_PATIENTS)
        return out
    frame = pd.DataFrame({"patient": data["patient_id"].astype(str).to_numpy(),
                          "hb": data["hb_g_l"].to_numpy(dtype=np.float64),
                          "weeks": data["day"].to_numpy(dtype=np.float64) / 7.0})
    frame["weeks"] -= frame["weeks"].mean()
    model = smf.mixedlm("hb ~ weeks", frame, groups=frame["patient"], re_formula="~weeks")
    fit, used, caught = None, "", []
    # L-BFGS first (statsmodels' default); Powell and Nelder–Mead when it fails, as its own
    # warning suggests. Only the warnings of the fit that is kept are reported.
    for method in ("lbfgs", "powell", "nm"):
        with warnings.catch_warnings(record=True) as attempt:
            warnings.simplefilter("always")
            try:
                candidate = model.fit(reml=True, method=method)
            except (np.linalg.LinAlgError, ValueError):
                continue
        fit, used, caught = candidate, method, attempt
        if candidate.converged:
            break
    if fit is None:
        out["note"] = _("the model could not be fitted")
        return out
    low, high = fit.conf_int().loc["weeks"].tolist()
    out.update(slope_g_l_per_week=float(fit.params["weeks"]), ci_low=float(low), ci_high=float(high),
               converged=bool(fit.converged))
    # The optimiser's name means nothing at a meeting; that the default fit failed does.
    notes = [] if used == "lbfgs" else [_("the standard fit failed and a fallback fit was used")]
    messages = " ".join(str(w.message) for w in caught if issubclass(w.category, (ConvergenceWarning, RuntimeWarning)))
    if "Hessian" in messages or "boundary" in messages:
        notes.append(_("the patients' slopes barely differ from one another, so the interval is unreliable: read "
                       "with caution"))
    if not fit.converged:
        notes.append(_("the model fit did not settle: read with caution"))
    out["note"] = join_clauses(notes)
    return out


def post_week2_slopes(results, courses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The post-week-2 Hb slope of each outcome group (exploratory; :data:`SLOPE_CAVEAT`).

    Transfusion-unaffected Hb after day :data:`SLOPE_FROM_DAY` to the end of follow-up, one
    linear mixed model per group (statsmodels ``MixedLM``, REML): ``Hb ~ weeks`` with a random
    intercept and a random slope per patient.

    Returns
    -------
    DataFrame
        ``group, slope_g_l_per_week, ci_low, ci_high, n_patients, n_values, converged, note``
        (one row per group of :data:`TIME_GROUPS` with patients).
    """
    courses = hb_courses(results) if courses is None else courses
    after = courses[courses["day"] > SLOPE_FROM_DAY]
    rows = []
    for group in TIME_GROUPS:
        data = after[after["group"] == group]
        if data.empty:
            continue
        rows.append({"group": group, **fit_slope(data)})
    return pd.DataFrame(rows, columns=["group", "slope_g_l_per_week", "ci_low", "ci_high", "n_patients", "n_values",
                                       "converged", "note"])


def slopes_display(slopes: pd.DataFrame, *, hb_unit: str = "g/L") -> pd.DataFrame:
    """The slopes table in words: group, slope per week with its 95 % CI in the unit, n, note."""
    from lusp.figures.hb_unit import hb_factor

    factor = hb_factor(hb_unit)
    digits = 2 if hb_unit == "g/L" else 3

    def slope(row) -> str:
        if row["slope_g_l_per_week"] is None or pd.isna(row["slope_g_l_per_week"]):
            return "–"
        est, lo, hi = (float(row[c]) * factor for c in ("slope_g_l_per_week", "ci_low", "ci_high"))
        return _("{estimate} ({low} to {high})").format(
            estimate=f"{est:+.{digits}f}", low=f"{lo:+.{digits}f}", high=f"{hi:+.{digits}f}").replace("-", "−")

    names = {"responder": _("Responders"), "non-responder": _("Non-responders (no spike)"),
             "transient spike": _("Transient spike")}
    return pd.DataFrame({
        "Group": [names.get(g, g) for g in slopes["group"]],
        f"Slope, {hb_unit} per week (95 % CI)": [slope(r) for _i, r in slopes.iterrows()],
        "Patients": slopes["n_patients"].astype(int).to_numpy(),
        "Hb values": slopes["n_values"].astype(int).to_numpy(),
        "Note": slopes["note"].fillna("").astype(str).to_numpy(),
    })


__all__ = [
    "SIGNS", "SLOPE_CAVEAT", "SMALL_N_CAVEAT", "SignTable", "TIME_GROUPS", "default_review_day", "early_signs",
    "early_signs_json", "fit_slope", "hb_courses", "post_week2_slopes", "review_display", "review_picture",
    "signs_frame", "slopes_display", "weekly_hb",
]
