"""Responses & subgroups: rates with exact 95 % CIs, a forest plot by any patient covariate,
the waterfall of best Hb change and the swimmer plot of time on study."""
from __future__ import annotations

import streamlit as st

import app_state
from lusp.markup import escape_markdown as md
from app_pages import _ui
from lusp.figures.cohort import (
    forest_plot,
    km_chart,
    response_rates_chart,
    response_rates_frame,
    swimmer,
    swimmer_marks,
    waterfall,
)
from lusp.i18n import _, N_, ngettext
from lusp.labels import covariate_label, criteria_label
from lusp.stats import (
    SUBGROUP_CAPTION,
    SUBGROUP_MIN_LEVEL_N,
    covariate_kind,
    kaplan_meier,
    km_median,
    km_unsupported_reason,
    number_at_risk,
    subgroup_table,
    ti_time_to_event,
)

SWIMMER_MAX_PATIENTS = 80  # one bar per patient stays readable up to about this many


results = app_state.results()
_ui.page_header(_("Responses & subgroups"), results)
table = results.table

if table.empty:
    _ui.empty(_("No patient passes the filters in force. Widen them in the sidebar to see responses."))
    st.stop()

s = app_state.summary()
st.subheader(_("Response rates"))
rates = response_rates_frame(s)
set_label = criteria_label(app_state.criteria_name())
spec = _ui.altair_spec("rates", lambda: response_rates_chart(rates, criteria_label=set_label))
_ui.show_chart(spec, key="response_rates")
st.caption(_("Exact (Clopper–Pearson) 95 % confidence intervals. Patients who cannot be evaluated count as "
             "non-responders (intention to treat)."))

st.subheader(_("Subgroups"))
patients = results.cohort.patients
covariates = [c for c in results.cohort.covariate_columns if patients[c].notna().any()]


@st.fragment
def _subgroups(covariates: list[str]) -> None:
    """The subgroup split: changing the covariate or its cut-off reruns only this part (issue 16)."""
    if not covariates:
        _ui.empty(_("This cohort has no patient covariate to split by."))
    else:
        pick_col, cut_col = st.columns([2, 3], vertical_alignment="bottom")
        from lusp.export.deck import SUBGROUP_PRIORITY  # the clinically first covariates lead the list

        covariates = sorted(covariates, key=lambda c: SUBGROUP_PRIORITY.index(c) if c in SUBGROUP_PRIORITY
                            else len(SUBGROUP_PRIORITY))
        covariate = pick_col.selectbox(_("Split response by"), covariates, key="w_forest_covariate", format_func=covariate_label)
        covariate_words = covariate_label(covariate)
        cutoff = None
        if covariate_kind(patients[covariate]) == "numeric":
            values = patients[covariate].astype("Float64").dropna()
            median = float(values.median())
            how = cut_col.radio(_("Split {covariate} at").format(covariate=md(covariate_words)), ["median", "a value"],
                                key="w_forest_split", horizontal=True,
                                format_func=lambda h: _("the median ({median})").format(median=f"{median:g}")
                                if h == "median" else _("a value"))
            if how == "a value":
                cutoff = st.number_input(_("{covariate} cut-off").format(covariate=md(covariate_words)), value=median,
                                         key="w_forest_cutoff")
        subgroups = app_state.cached("subgroups", lambda: subgroup_table(table, patients, covariate, cutoff=cutoff,
                                                                         min_level_n=SUBGROUP_MIN_LEVEL_N),
                                     covariate, cutoff)
        if len(subgroups) < 2:
            _ui.empty(_("All patients shown fall in one level of {covariate} ({level}); there is nothing to compare.").format(
                covariate=md(covariate_words), level=md(subgroups["level"].iloc[0])))
        overall = s["response_rate"]["overall"]["rate"]
        spec = _ui.altair_spec("forest", lambda: forest_plot(subgroups, overall_rate=overall, covariate_label=covariate_words),
                               covariate, cutoff)
        _ui.show_chart(spec, key="forest_plot")
        shown_subgroups = subgroups.assign(
            responders=[f"{k}/{n}" for k, n in zip(subgroups["responders"], subgroups["n"])],
            rate=[_ui.rate_text({"rate": r, "ci_low": lo, "ci_high": hi})
                  for r, lo, hi in zip(subgroups["rate"], subgroups["ci_low"], subgroups["ci_high"])],
        )[["level", "responders", "rate", "fisher"]].rename(
            columns={"level": covariate_words, "responders": _("Responders / n"), "rate": _("Rate (exact 95 % CI)"),
                     "fisher": _("Fisher's exact test (counts, p)")})
        _ui.show_table(shown_subgroups, key="subgroup_table")
        tested = subgroups[subgroups["fisher"] != ""]
        tested_text = (_(" Tested: each level against all other patients pooled.") if len(tested) > 2
                       else _(" Tested: one level against the other.") if len(tested) == 2
                       else _(" Fewer than two levels with patients: no test."))
        st.caption(_(SUBGROUP_CAPTION) + _(" Intervals are exact 95 % CIs.") + tested_text  # i18n: lookup
                   + (_(" Patients with the covariate missing are shown but not tested.") if
                      (subgroups["level"] == "missing").any() else "")
                   + (_(" Levels with fewer than {n} patients are pooled as “other”.").format(n=SUBGROUP_MIN_LEVEL_N)
                      if subgroups["level"].astype(str).str.startswith("other (").any() else ""))


_subgroups(covariates)

st.subheader(_("Waterfall of best Hb change"))
with_rise = int(table["hb_rise_g_l"].notna().sum())
if with_rise == 0:
    _ui.empty(_("No patient shown has both a baseline Hb and a transfusion-unaffected Hb after day 0, so no Hb change "
                "can be drawn."))
else:
    threshold = getattr(results.params, "ntd_rise_g_l", None)
    spec = _ui.altair_spec("waterfall", lambda: waterfall(table, hb_unit=app_state.hb_unit(), threshold_g_l=threshold))
    _ui.show_chart(spec, key="waterfall")
    missing = len(table) - with_rise
    if missing:
        st.caption(_("{n} patient(s) without a computable Hb change (no baseline or no usable Hb after day 0) are not "
                     "drawn.").format(n=missing))

st.subheader(_("Time on study"))
shown = table.sort_values("end_day", ascending=False).head(SWIMMER_MAX_PATIENTS)
marks = app_state.cached("swimmer_marks",
                         lambda: swimmer_marks(results.cohort.doses, results.cohort.events, shown["patient_id"]))
spec = _ui.altair_spec("swimmer", lambda: swimmer(shown, marks))
_ui.show_chart(spec, key="swimmer")
if len(table) > SWIMMER_MAX_PATIENTS:
    st.caption(_("The {shown} longest follow-ups of {n} patients are drawn; narrow the filters to see others.").format(
        shown=SWIMMER_MAX_PATIENTS, n=len(table)))

st.subheader(_("Transfusion independence over time (Kaplan–Meier)"))
KM_VIEWS = (
    ("time_to_ti", N_("Time to transfusion independence"), N_("Reached TI (%)"), True, N_("TD patients"),
     N_("Time to transfusion independence among TD patients: the first day of the transfusion-free run that made "
        "them independent; patients who never reached TI are censored at the end of follow-up.")),
    ("ti_duration", N_("Duration of transfusion independence"), N_("Still transfusion independent (%)"), False,
     N_("patients with TI"),
     N_("Duration of TI: length of the transfusion-free run; a run still going at the end of follow-up is censored.")),
)
for kind, km_title, y_title, rising, n_label, explain in KM_VIEWS:
    km_title, y_title, n_label, explain = _(km_title), _(y_title), _(n_label), _(explain)  # i18n: lookup
    durations = app_state.cached("km_" + kind, lambda kind=kind: ti_time_to_event(table, kind))
    reason = km_unsupported_reason(durations)
    if reason:
        _ui.empty(_("{title}: no Kaplan–Meier curve, {reason}.").format(title=km_title, reason=reason))
        continue
    km = app_state.cached("km_fit_" + kind, lambda durations=durations: kaplan_meier(
        durations["time_days"], durations["event"]))
    spec = _ui.altair_spec("km_chart_" + kind, lambda km=km, km_title=km_title, y_title=y_title, rising=rising,
                           n_label=n_label: km_chart(km, title=km_title, y_title=y_title, rising=rising,
                                                     n_label=n_label, median_days=km_median(km)), kind, km_title)
    _ui.show_chart(spec, key="km_" + kind)
    at_risk = number_at_risk(durations)
    _ui.show_table(at_risk.set_index("day").T.reset_index(names="")
                   .rename(columns=lambda c: _("day {day}").format(day=c) if c != "" else c)
                   .replace({"n_at_risk": _("At risk"), "n_events_so_far": _("Events so far"),
                             "n_censored_so_far": _("Censored so far")}), key="km_at_risk_" + kind)
    st.caption(explain + _(" Number at risk: patients still followed (and not yet at the event) on that day."))

# --- Concordance of criteria sets and trial endpoints (issue 7) -------------------------
from lusp.concordance import compare as _compare_sets  # noqa: E402
from lusp.concordance import evaluability_warnings as _evaluability_warnings  # noqa: E402
from lusp.criteria import CRITERIA as _CRITERIA  # noqa: E402
from lusp.criteria.iwg2018 import category_counts as _iwg2018_categories  # noqa: E402
from lusp.endpoints import endpoint_rates as _endpoint_rates  # noqa: E402
from lusp.endpoints import trial_endpoints as _trial_endpoints  # noqa: E402

CHANGED_SHOWN_MAX = 40  # reason sentences listed one expander each, up to this many


def _outcome_words(code) -> str:
    """An outcome code ("non-responder") in the words of the language in force."""
    from lusp.labels import has_label, label

    return label(f"outcome.{code}") if has_label(f"outcome.{code}") else str(code)


def _category_words(category) -> str:
    """An IWG 2018 burden category: the abbreviations stay, "not assigned" is said."""
    return _("not assigned") if str(category) == "not assigned" else str(category)

st.subheader(_("Concordance of criteria sets"))
every_set_params = {name: app_state.params(name) for name in _CRITERIA}
concord = app_state.cached(  # keyed on every set's parameters, not only the set in force
    "concordance", lambda: _compare_sets(results.cohort, params=every_set_params), tuple(every_set_params.values()),
)
st.caption(_("Every patient shown, classified under each criteria set. The set in force, **{criteria}**, drives the "
             "rest of the app; each set uses its parameters from the sidebar. Exact 95 % CIs; not evaluable counts as "
             "non-responder.").format(criteria=set_label))
_ui.show_table(
    concord.rates.assign(
        responders=[f"{k}/{n}" for k, n in zip(concord.rates["k"], concord.rates["n"])],
        rate=[_ui.rate_text({"rate": r, "ci_low": lo, "ci_high": hi})
              for r, lo, hi in zip(concord.rates["rate"], concord.rates["ci_low"], concord.rates["ci_high"])],
    )[["label", "responders", "rate", "n_not_evaluable"]].rename(columns={"responders": _("Responders / n"),
                                                                          "rate": _("Rate (exact 95 % CI)")}),
    key="concordance_rates",
)
for warning in _evaluability_warnings(concord.rates):
    st.warning(md(warning))
if len(concord.agreement):
    agreement = _ui.rounded(concord.agreement, 3)
    for column in ("criteria_a", "criteria_b"):
        agreement[column] = agreement[column].map(criteria_label)
    _ui.show_table(agreement, key="concordance_agreement")
    st.caption(_("Agreement on responder status between each pair of sets: counts of the 2×2 table, Cohen's kappa "
                 "and the exact McNemar test (exploratory, small n)."))
changed = concord.changed
side_by_side = concord.wide.drop(columns=[c for c in concord.wide.columns if c.endswith("_reason")])
_ui.show_table(side_by_side.sort_values("changed", ascending=False, kind="stable"), key="concordance_patients",
               column_config={"changed": st.column_config.CheckboxColumn(_("changes between sets"))})
st.markdown(_("**{n} patient(s) change classification between sets**").format(n=len(changed))
            if len(changed) else _("Every patient shown has the same classification under every set."))
for row in changed.head(CHANGED_SHOWN_MAX).to_dict("records"):
    path = " · ".join(f"{criteria_label(name)}: {_outcome_words(row[name])}" for name in concord.criteria)
    with st.expander(f"{md(row['patient_id'])} — {md(path)}"):
        for name, label in zip(concord.criteria, concord.labels):
            st.markdown(f"**{criteria_label(name)}** — {md(_ui.text(row[name + '_reason']))}")
if len(changed) > CHANGED_SHOWN_MAX:
    st.caption(_("The first {shown} of {n} are listed; the table above (CSV) has every reason.").format(
        shown=CHANGED_SHOWN_MAX, n=len(changed)))
if results.criteria == "iwg2018":
    counts = _iwg2018_categories(table)
    by = counts.set_index("category")
    st.caption(_("IWG 2018 categories: {counts}; {n} patient(s) outside the published categories (1–2 units, or 3–7 "
                 "units in one episode), classified LTB and flagged.").format(
                     counts=", ".join(f"{_category_words(c)} {by.loc[c, 'n_patients']}" for c in by.index),
                     n=int(by["n_outside_published"].sum()))
               + (_(" {n} not assigned: their pre-treatment record is shorter than the 16-week window and the recorded "
                    "units do not reach HTB, so IWG 2018 gives them no category (not evaluable).").format(
                        n=by.loc["not assigned", "n_patients"])
                  if "not assigned" in by.index and by.loc["not assigned", "n_patients"] else ""))

st.subheader(_("Trial endpoints (informational)"))
endpoint_table = app_state.cached("trial_endpoints", lambda: _endpoint_rates(_trial_endpoints(results.cohort, table)))
_ui.show_table(
    endpoint_table.assign(
        responders=[f"{k}/{n}" for k, n in zip(endpoint_table["k"], endpoint_table["n"])],
        rate=[_ui.rate_text({"rate": r, "ci_low": lo, "ci_high": hi})
              for r, lo, hi in zip(endpoint_table["rate"], endpoint_table["ci_low"], endpoint_table["ci_high"])],
    )[["label", "responders", "rate"]].rename(columns={"label": _("Endpoint (TD patients)"),
                                                      "responders": _("Responders / n"),
                                                      "rate": _("Rate (exact 95 % CI)")}),
    key="trial_endpoints",
)
st.caption(_ui.text(_("The registration trials' endpoints among the patients the set in force calls TD, for "
                      "comparison only: MEDALIST RBC-TI ≥ 8 and ≥ 12 weeks within weeks 1–24, and the COMMANDS "
                      "composite (TI ≥ 12 weeks with a mean Hb rise ≥ 15 g/L).")))
