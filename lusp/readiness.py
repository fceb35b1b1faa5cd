"""What a cohort can feed: one line per page and analysis, with what is missing.

A clinician's file rarely has everything: no ``events`` sheet, Hb recorded only from the
month before the first dose, no covariates besides the diagnosis. The cohort still loads
(those are not errors), but some pages will be empty and some criteria sets will judge
patients on a shorter history than they assume. :func:`readiness` says so up front, in the
words of the page or criteria set concerned, so nobody mistakes an empty chart for "no
adverse events" or an IWG 2018 category computed from four weeks for one from sixteen.
"""
from __future__ import annotations

from lusp.i18n import N_, _, ngettext
from lusp.labels import covariate_label
from lusp.wording import full_stop, join_clauses, join_list_of_doses, join_sentences

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

__all__ = ["readiness", "READINESS_COLUMNS", "STATUSES", "HistoryShortfall", "history_shortfall", "HISTORY_SLACK_DAYS"]

#: Column order of :func:`readiness`.
READINESS_COLUMNS = ["area", "status", "detail"]
#: ``ready``: the page or analysis has what it needs; ``partial``: it runs, but on less
#: than it assumes (some patients or some parts); ``missing``: it cannot show anything.
STATUSES = ("ready", "partial", "missing")

# Defaults used when a criteria set's parameters are not given (they mirror the sets'
# own defaults: SPEC §3 and CRITERIA.md).
_DEFAULT_WINDOW_DAYS = {"study": 56, "iwg2006": 56, "iwg2018": 112}
_DEFAULT_MIN_FOLLOWUP_DAYS = {"study": 56, "iwg2006": 56, "iwg2018": 112}
_SET_LABELS = {"study": N_("Study criteria"), "iwg2006": "IWG 2006", "iwg2018": "IWG 2018"}
#: Lab test names that mean bone-marrow or peripheral blasts (the Safety page plots them).
_BLAST_WORDS = ("blast", "原始细胞", "原始")
#: The pre-treatment Hb of the IWG sets averages ≥ 2 values this many days apart (CRITERIA.md).
_PRETREATMENT_APART_DAYS = 7
_IDS_SHOWN = 5
#: Hb is measured at visits, not daily: a first record up to this many days after the start
#: of the window still counts as a full history (one 21-day dosing cycle between visits).
HISTORY_SLACK_DAYS = 21


@dataclass(frozen=True)
class HistoryShortfall:
    """Patients whose records before the first dose do not reach back a whole window.

    ``covered_days`` maps each such patient to the days of the window their earliest
    Hb or transfusion record covers (0 when they have none before day 0).
    """

    window_days: int
    covered_days: dict[str, int]

    @property
    def n_patients(self) -> int:
        return len(self.covered_days)


def history_shortfall(cohort: Any, window_days: int) -> HistoryShortfall:
    """Per patient, how many of the ``window_days`` before day 0 their records cover.

    Coverage runs from the earliest Hb or RBC-transfusion record in days −window … 0 up to
    day 0: a patient first seen on day −30 has 30 days of history, whatever happened
    before. Patients within :data:`HISTORY_SLACK_DAYS` of the whole window are not listed. A transfusion-burden category (IWG 2018: 16 weeks) computed from 30 days
    can only understate the burden, which is why this is reported.
    """
    days = pd.concat([cohort.hb[["patient_id", "day"]], cohort.transfusions[["patient_id", "day"]]],
                     ignore_index=True)
    before = days[(days["day"] <= 0) & (days["day"] >= -window_days)]
    earliest = before.groupby(before["patient_id"].astype(str))["day"].min()
    ids = cohort.patients["patient_id"].astype(str)
    covered = (-ids.map(earliest)).fillna(0).astype(int).clip(upper=window_days)
    short = {pid: int(days_) for pid, days_ in zip(ids, covered) if days_ < window_days - HISTORY_SLACK_DAYS}
    return HistoryShortfall(window_days, short)


def readiness(cohort: Any, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """For each page and analysis: can this cohort feed it, and what is missing.

    Parameters
    ----------
    cohort
        A :class:`lusp.cohort.Cohort` (only its six tables are read).
    params
        ``{criteria set name: Params dataclass}`` in force; missing sets use their
        defaults (baseline window and minimum follow-up are read from them).

    Returns
    -------
    pandas.DataFrame
        One row per page or analysis, in the app's page order, with columns

        - ``area``: the page or analysis as named on screen (e.g. ``"Safety"``, ``"IWG 2018"``)
        - ``status``: ``ready`` / ``partial`` / ``missing`` (see :data:`STATUSES`)
        - ``detail``: one sentence; for ``partial`` and ``missing`` it says what to add.
    """
    params = dict(params or {})
    rows: list[tuple[str, str, str]] = []
    patients = cohort.patients
    n = len(patients)
    ids = patients["patient_id"].astype(str)

    # The default set (SPEC §3) drives the Overview and Patients pages.
    rows.append(_criteria_row(cohort, "study", params.get("study"), area=_("Overview & Patients (study criteria)")))

    if cohort.transfusions.empty:
        rows.append((_("Transfusions"), "missing",
                     _("No 'transfusions' table: every patient counts as NTD (no RBC units at baseline) and burden "
                       "before/after is 0. Add one (patient_id, day or date, units) to see transfusion burden and "
                       "transfusion independence.")))
    else:
        with_tx = cohort.transfusions["patient_id"].astype(str).nunique()
        rows.append((_("Transfusions"), "ready",
                     _("{episodes} transfusion episodes for {with_tx} of {n} patients.").format(
                         episodes=len(cohort.transfusions), with_tx=with_tx, n=n)))

    covariates = [c for c in patients.columns if c not in ("patient_id", "first_dose_date")
                  and patients[c].notna().any()]
    if covariates == ["diagnosis"] or not covariates:
        rows.append((_("Responses & subgroups"), "partial",
                     _("Only the diagnosis is available for subgroups. Add patient columns (age, sex, SF3B1, prior "
                       "ESA, any other) to the 'patients' table to compare subgroups.")))
    else:
        rows.append((_("Responses & subgroups"), "ready",
                     _("{n} patient columns usable for subgroups: {columns}.").format(
                         n=len(covariates), columns=_list([covariate_label(c) for c in covariates]))))

    events = cohort.events
    if events.empty:
        rows.append((_("Safety"), "missing",
                     _("No 'events' table: add one (patient_id, day or date, category, term, grade) to see adverse "
                       "events, progression and transformation. The swimmer plot shows no events either.")))
    else:
        no_grade = events["category"].astype(str).eq("adverse_event") & events["grade"].isna()
        # Split by kind, as the Safety page counts them: "37 events" beside its "35 adverse
        # events" read as two answers to one question.
        n_ae = int(events["category"].astype(str).eq("adverse_event").sum())
        others = len(events) - n_ae
        split = _(" ({adverse_events}, {other_events})").format(
            adverse_events=ngettext("{n} adverse event", "{n} adverse events", n_ae).format(n=n_ae),
            other_events=ngettext("{n} disease or other event", "{n} disease or other events", others).format(n=others),
        ) if others else ""
        detail = _("{n_events} events{split} for {with_events} of {n} patients.").format(
            n_events=len(events), split=split, with_events=events["patient_id"].astype(str).nunique(), n=n)
        if no_grade.any():
            rows.append((_("Safety"), "partial", join_sentences([detail, _(
                "{n} adverse events have no CTCAE grade and are shown as 'grade unknown'; add 'grade' (1–5) to count "
                "them by grade.").format(n=int(no_grade.sum()))])))
        else:
            rows.append((_("Safety"), "ready", detail))

    labs = cohort.labs
    if labs.empty:
        rows.append((_("Blasts over time (Safety)"), "missing",
                     _("No 'labs' table: add one (patient_id, day or date, test, value) with a blasts test to see "
                       "blasts over time.")))
    else:
        tests = labs["test"].astype(str).str.lower()
        blasts = labs[tests.apply(lambda t: any(w in t for w in _BLAST_WORDS))]
        if blasts.empty:
            rows.append((_("Blasts over time (Safety)"), "partial",
                         _("The 'labs' table has no blasts test (tests: {tests}); name the test 'blasts' to see blasts "
                           "over time.").format(tests=_list(sorted(set(labs["test"].astype(str)))))))
        else:
            rows.append((_("Blasts over time (Safety)"), "ready",
                         _("{n} blast values for {n_patients} patients.").format(
                             n=len(blasts), n_patients=blasts["patient_id"].astype(str).nunique())))

    for name in ("iwg2006", "iwg2018"):
        rows.append(_criteria_row(cohort, name, params.get(name)))

    single_dose = cohort.doses.groupby(cohort.doses["patient_id"].astype(str)).size()
    one = [pid for pid in ids if single_dose.get(pid, 0) == 1]
    if one:
        rows.append((_("Dose-protocol review"), "partial",
                     _("{k} of {n} patients have a single dose ({ids}): escalation rules cannot be judged for them.").format(
                         k=len(one), n=n, ids=_ids(one))))
    else:
        rows.append((_("Dose-protocol review"), "ready",
                     _("{n_doses} doses for {n} patients.").format(n_doses=len(cohort.doses), n=n)))
    return pd.DataFrame(rows, columns=READINESS_COLUMNS)


def _criteria_row(cohort: Any, name: str, params: Any, *, area: str | None = None) -> tuple[str, str, str]:
    """Baseline Hb, history length and follow-up against one criteria set's windows."""
    window = int(getattr(params, "baseline_window_days", _DEFAULT_WINDOW_DAYS[name]))
    min_followup = int(getattr(params, "min_followup_days", _DEFAULT_MIN_FOLLOWUP_DAYS[name]))
    area = area or _(_SET_LABELS[name])  # i18n: lookup
    ids = cohort.patients["patient_id"].astype(str)
    n = len(ids)
    notes: list[str] = []

    hb = cohort.hb
    in_window = hb[(hb["day"] <= 0) & (hb["day"] >= -window)]
    by_patient = in_window.groupby(in_window["patient_id"].astype(str))["day"]
    no_baseline = [pid for pid in ids if pid not in by_patient.groups]
    if no_baseline:
        notes.append(_("{k} of {n} patients have no Hb in days −{window} … 0 ({ids}): without a baseline Hb their Hb "
                       "response cannot be judged").format(k=len(no_baseline), n=n, window=window, ids=_ids(no_baseline)))
    if name != "study":
        spread = by_patient.max() - by_patient.min()
        one_value = [pid for pid in ids if pid in spread.index and spread[pid] < _PRETREATMENT_APART_DAYS]
        if one_value:
            notes.append(_("{k} patients have no two baseline Hb values ≥ {days} days apart ({ids}): their "
                           "pre-treatment Hb rests on one value").format(
                k=len(one_value), days=_PRETREATMENT_APART_DAYS, ids=_ids(one_value)))
    short = history_shortfall(cohort, window)
    if short.n_patients:
        lo, hi = min(short.covered_days.values()), max(short.covered_days.values())
        span = f"{hi}" if lo == hi else f"{lo}–{hi}"
        notes.append(_("Hb and transfusion history covers only {span} of the {window} baseline days for {k} patients "
                       "({ids}): their baseline transfusion burden may be understated").format(
            span=span, window=window, k=short.n_patients, ids=_ids(list(short.covered_days))))

    end = _end_of_followup(cohort)
    short_followup = [pid for pid in ids if end.get(pid, 0) < min_followup]
    if short_followup:
        notes.append(_("{k} patients have less than {days} days of follow-up ({ids}): without a response they are "
                       "marked not evaluable").format(k=len(short_followup), days=min_followup, ids=_ids(short_followup)))
    if not notes:
        return (area, "ready", _("All {n} patients have a baseline Hb and at least {days} days of follow-up.").format(
            n=n, days=min_followup))
    return (area, "partial", join_clauses(notes) + full_stop())


def _end_of_followup(cohort: Any) -> dict[str, int]:
    """Last study day of any record, or ``last_followup_day`` when given (SPEC §3)."""
    frames = [cohort.table(t)[["patient_id", "day"]] for t in ("hb", "transfusions", "doses", "events", "labs")]
    days = pd.concat(frames, ignore_index=True)
    last = days.groupby(days["patient_id"].astype(str))["day"].max().to_dict()
    patients = cohort.patients
    if "last_followup_day" in patients.columns:
        for pid, day in zip(patients["patient_id"].astype(str), patients["last_followup_day"]):
            if pd.notna(day):
                last[pid] = int(day)
    return {pid: int(day) for pid, day in last.items()}


def _ids(ids: list[str]) -> str:
    shown = join_list_of_doses(ids[:_IDS_SHOWN])
    return shown + (_(" and {n} more").format(n=len(ids) - _IDS_SHOWN) if len(ids) > _IDS_SHOWN else "")


def _list(names: list[str]) -> str:
    return join_list_of_doses(names[:8]) + (_(" and {n} more").format(n=len(names) - 8) if len(names) > 8 else "")
