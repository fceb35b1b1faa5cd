"""The label registry: every name a clinician reads, in one place, keyed.

Machine names (``burden_before_u28``, ``sf3b1_mutated``, ``iwg2018``) stay in the CSV
export and the CLI's machine output, for re-analysis; pages, slides, Markdown and the XLSX
export show the labels below. Every English display string of the registry is one entry of
:data:`MESSAGES` ``["en"]``: a second language is a second catalogue with the same keys
(:func:`label` falls back to English for a key the catalogue lacks, never to the code
name).

Keys:

- ``column.<name>``: a result-table, concordance, subgroup or covariate column. A label may
  hold ``{hb}``, replaced by the Hb display unit ("Baseline Hb (g/dL)").
- ``criteria.<name>``: a criteria set ("IWG 2018 HI-E").
- ``outcome.<value>``, ``category.<value>``: cell values shown as words.
- ``unit.<unit>``: a parameter unit as ``(singular, plural)`` — "1 unit", "42 days",
  "50 %" (a fraction shown as a percent), never "1 units" or "0.5 fraction".
"""
from __future__ import annotations

from typing import Any

import pandas as pd

MESSAGES: dict[str, dict[str, Any]] = {
    "en": {
        # ---- criteria sets (named for what they are, never by a spec section) ----------
        "criteria.study": "Source-study definitions",
        "criteria.iwg2006": "IWG 2006 HI-E",
        "criteria.iwg2018": "IWG 2018 HI-E",
        "criteria.study.source": "the source study's own response rules",
        "criteria.iwg2006.source": "Cheson et al., Blood 2006",
        "criteria.iwg2018.source": "Platzbecker et al., Blood 2019",
        # ---- per-patient result columns ----------------------------------------------
        "column.patient_id": "Patient",
        "column.diagnosis": "Diagnosis",
        "column.td_baseline": "TD at baseline",
        "column.baseline_hb_g_l": "Baseline Hb ({hb})",
        "column.peak_hb_g_l": "Peak Hb ({hb})",
        "column.hb_rise_g_l": "Hb rise ({hb})",
        "column.early_rise": "Early rise (days 1–14)",
        "column.units_baseline": "RBC units, baseline window",
        "column.burden_before_u28": "RBC units/28 d before",
        "column.burden_after_u28": "RBC units/28 d after",
        "column.burden_reduction_pct": "Burden reduction (%)",
        "column.longest_tf_days": "Longest transfusion-free run (days)",
        "column.ti_achieved": "Transfusion independent",
        "column.responder": "Responder",
        "column.evaluable": "Evaluable",
        "column.transient_spike": "Transient spike",
        "column.spike_after_transfusion": "Spike after a transfusion",
        "column.n_doses": "Doses",
        "column.max_dose_mg_kg": "Highest dose (mg/kg)",
        "column.followup_days": "Follow-up (days)",
        "column.protocol_findings": "Dose-protocol findings",
        "column.reason": "Why",
        "column.outcome": "Outcome",
        "column.not_evaluable_reason": "Why not evaluable",
        "column.end_day": "End of follow-up (day)",
        "column.post_hb_g_l": "Post-treatment Hb ({hb})",
        "column.peak_hb_day": "Day of peak Hb",
        "column.tf_start_day": "Transfusion-free from (day)",
        "column.tf_end_day": "Transfusion-free to (day)",
        "column.early_peak_hb_g_l": "Early peak Hb ({hb})",
        "column.early_peak_day": "Day of early peak",
        "column.spike_fall_day": "Day the spike fell back",
        "column.units_after": "RBC units after day 0",
        "column.baseline_hb_day": "Day of baseline Hb",
        "column.n_protocol_findings": "Protocol deviations",
        "column.baseline_window_days": "Baseline window (days)",
        "column.baseline_recorded_days": "Recorded pre-treatment days",
        "column.baseline_complete": "Baseline window fully recorded",
        "column.baseline_units_text": "RBC units before (baseline window)",
        # IWG extras
        "column.pretreatment_hb_g_l": "Pre-treatment Hb, averaged ({hb})",
        "column.pretreatment_hb_n": "Pre-treatment Hb values",
        "column.response_threshold_hb_g_l": "Response threshold Hb ({hb})",
        "column.units_baseline_counted": "RBC units counted at baseline",
        "column.tx_without_same_day_hb": "Transfusions without a same-day Hb",
        "column.hb_run_start_day": "Sustained Hb from (day)",
        "column.hb_run_end_day": "Sustained Hb to (day)",
        "column.hb_run_days": "Sustained Hb span (days)",
        "column.fewest_units_window": "Fewest RBC units in 8 weeks",
        "column.fewest_units_window_start_day": "…from (day)",
        "column.hi_e_route": "HI-E by",
        "column.category": "Transfusion-burden category",
        "column.category_note": "Category note",
        "column.response_type": "Response type",
        "column.baseline_episodes": "Transfusion episodes at baseline",
        "column.units_baseline_8w_max": "Most RBC units in 8 baseline weeks",
        "column.observation_end_day": "Observation to (day)",
        "column.ti_obs_days": "Longest transfusion-free run in observation (days)",
        "column.ti_obs_start_day": "…from (day)",
        "column.ti_obs_end_day": "…to (day)",
        "column.units_minor_window": "RBC units, weeks 1–16",
        # trial endpoints
        "column.medalist_ti8": "MEDALIST RBC-TI ≥ 8 weeks",
        "column.medalist_ti12": "MEDALIST RBC-TI ≥ 12 weeks",
        "column.commands_response": "COMMANDS TI ≥ 12 weeks + Hb rise",
        "column.endpoint_tf_days": "Longest transfusion-free run, weeks 1–24 (days)",
        "column.endpoint_tf_start_day": "…from (day)",
        "column.endpoint_tf_end_day": "…to (day)",
        "column.endpoint_mean_hb_g_l": "Mean Hb in that run ({hb})",
        "column.endpoint_hb_rise_g_l": "Mean Hb rise in that run ({hb})",
        # covariates
        "column.age": "Age (years)",
        "column.sex": "Sex",
        "column.weight_kg": "Weight (kg)",
        "column.last_followup_day": "Last follow-up (day)",
        "column.disease_status": "Disease status",
        "column.concurrent_chemo": "Concurrent chemotherapy",
        "column.prior_esa": "Prior ESA",
        "column.baseline_epo_u_l": "Baseline EPO (U/L)",
        "column.ring_sideroblasts_pct": "Ring sideroblasts (%)",
        "column.sf3b1_mutated": "SF3B1 mutated",
        "column.first_dose_date": "First dose (date)",
        # concordance and subgroup tables
        "column.criteria": "Criteria set",
        "column.label": "Criteria set",
        "column.criteria_a": "Set A",
        "column.criteria_b": "Set B",
        "column.n": "Patients",
        "column.k": "Responders",
        "column.both": "Responder under both",
        "column.a_only": "Under A only",
        "column.b_only": "Under B only",
        "column.neither": "Under neither",
        "column.agreement": "Agreement",
        "column.kappa": "Cohen's kappa",
        "column.mcnemar_p": "McNemar exact p",
        "column.changed": "Changes between sets",
        "column.n_not_evaluable": "Not evaluable",
        "column.study": "Source-study definitions",
        "column.iwg2006": "IWG 2006 HI-E",
        "column.iwg2018": "IWG 2018 HI-E",
        "column.covariate": "Covariate",
        "column.level": "Subgroup",
        "column.responders": "Responders",
        "column.rate": "Response rate",
        "column.ci_low": "95 % CI, lower",
        "column.ci_high": "95 % CI, upper",
        "column.p_value": "Fisher p",
        "column.fisher": "Fisher's exact test (counts, p)",
        "column.day": "Day",
        "column.n_at_risk": "At risk",
        "column.n_events_so_far": "Events so far",
        "column.n_censored_so_far": "Censored so far",
        "column.rule": "Rule",
        "column.kind": "Kind",
        "column.message": "Finding",
        "column.units": "RBC units",
        "column.product": "Product",
        # ---- chart and table titles (download names, deck-basket slide titles) ------------
        "title.outcome_story": "Who responded",
        "title.response_rates": "Response rates with exact 95 % CIs",
        "title.forest_plot": "Response by subgroup",
        "title.subgroup_table": "Response by subgroup (table)",
        "title.waterfall": "Best Hb change from baseline",
        "title.swimmer": "Time on study",
        "title.km_time_to_ti": "Time to transfusion independence",
        "title.km_ti_duration": "Duration of transfusion independence",
        "title.km_at_risk_time_to_ti": "Time to transfusion independence: number at risk",
        "title.km_at_risk_ti_duration": "Duration of transfusion independence: number at risk",
        "title.concordance_rates": "Response rates by criteria set",
        "title.concordance_agreement": "Agreement between criteria sets",
        "title.concordance_patients": "Classification of each patient by criteria set",
        "title.trial_endpoints": "Trial endpoints (informational)",
        "title.burden_dumbbell": "Transfusion burden before and after",
        "title.td_nonresponders": "TD non-responders",
        "title.transfusion_table": "Transfusions per patient",
        "title.patient_grid": "All patients: Hb over the whole course",
        "title.patient_spike_grid": "All patients: the first 8 weeks",
        "title.ae_by_grade": "Adverse events by CTCAE grade",
        "title.ae_table": "Adverse events",
        "title.course": "Disease progression and transformation",
        "title.course_table": "Progression and transformation events",
        "title.blasts": "Blasts over time",
        "title.trajectory": "Hb trajectory of {patient}",
        # ---- short headers where a slide's width is tight (the caption spells them out) --
        "short.td_baseline": "TD / NTD",
        "short.burden_before_u28": "RBC U/28 d before",
        "short.burden_after_u28": "RBC U/28 d after",
        "short.longest_tf_days": "Longest TF run (days)",
        "short.transient_spike": "Transient spike",
        # ---- values shown as words -------------------------------------------------------
        "outcome.responder": "responder",
        "outcome.transient spike": "transient spike",
        "outcome.non-responder": "non-responder",
        "outcome.not evaluable": "not evaluable",
        "category.NTD": "NTD (0 units in 16 weeks)",
        "category.LTB": "LTB (3–7 units in 16 weeks)",
        "category.HTB": "HTB (≥ 8 units in 16 weeks or ≥ 4 in 8)",
        "category.not assigned": "not assigned (baseline record too short)",
        # ---- parameter choices shown as words --------------------------------------------
        "choice.peak": "peak",
        "choice.last": "last",
        "choice.mean_d29": "mean from day 29",
        "choice.mean": "mean of the baseline values",
        "choice.lowest-two": "lowest mean of two values",
        "choice.hb-threshold": "hb-threshold",  # the English shows the CLI's word; other languages name it
        "choice.all": "all",
        # ---- parameter units: (singular, plural) -----------------------------------------
        "unit.days": ("day", "days"),
        "unit.day": ("day", "days"),
        "unit.units": ("unit", "units"),
        "unit.unit": ("unit", "units"),
        "unit.doses": ("dose", "doses"),
        "unit.dose": ("dose", "doses"),
        "unit.weeks": ("week", "weeks"),
        "unit.g/L": ("g/L", "g/L"),
        "unit.mg/kg": ("mg/kg", "mg/kg"),
        "unit.%": ("%", "%"),
        "unit.fraction": ("%", "%"),  # a fraction is shown as a percent: 0.5 → 50 %
        # ---- words used by several writers ---------------------------------------------
        # a subgroup level the analysis names (lusp.stats: booleans and missing values)
        "level.yes": "yes",
        "level.no": "no",
        "level.missing": "missing",
        # what an early sign points to (lusp.early.SIGN_POINTS_TO)
        "sign.response": "response",
        "sign.failure": "failure",
        "word.yes": "yes",
        "word.no": "no",
        "word.missing": "—",
        "word.TD": "TD",
        "word.NTD": "NTD",
    },
}


def _display(display: Any):
    from lusp.display import as_display

    return as_display(display)


def has_label(key: str, lang: str = "en") -> bool:
    return key in MESSAGES["en"]


def label(key: str, *, display: Any = None, **kwargs: Any) -> str:
    """The label of ``key`` ("column.burden_before_u28" → "RBC units/28 d before").

    ``{hb}`` in a label becomes the display Hb unit. A ``column.`` key missing from the
    registry raises ``KeyError``: a new column must get a label before it reaches a screen
    (the tests walk every page and slide for code names).
    """
    from lusp.i18n import pgettext

    d = _display(display)
    text = MESSAGES["en"].get(key)
    if text is None:
        raise KeyError(f"no display label for {key!r}: add it to lusp.labels.MESSAGES")
    # The English label, said in the display's language (the key is the context).
    text = pgettext(key, text, lang=d.lang) if isinstance(text, str) else tuple(  # i18n: lookup
        pgettext(key, t, lang=d.lang) for t in text)  # i18n: lookup
    if isinstance(text, str):
        return text.format(hb=d.hb_unit, **kwargs) if ("{" in text) else text
    return text


def column_label(name: str, display: Any = None) -> str:
    """The label of a result/covariate column (``KeyError`` if it has none)."""
    return label(f"column.{name}", display=display)


def short_label(name: str, display: Any = None) -> str:
    """A column's short header for a tight slide table (its full label when it has none)."""
    key = f"short.{name}"
    return label(key, display=display) if has_label(key) else column_label(name, display)


def title_label(key: str, display: Any = None) -> str | None:
    """The title of a chart or table key ("km_time_to_ti" → "Time to transfusion
    independence"; "trajectory_DEMO-10" → "Hb trajectory of DEMO-10"); None when unknown."""
    if has_label(f"title.{key}"):
        return label(f"title.{key}", display=display)
    if str(key).startswith("trajectory_"):
        return label("title.trajectory", display=display, patient=str(key)[len("trajectory_"):])
    return None


def choice_label(value: Any, display: Any = None) -> str:
    """A parameter choice as words ("mean_d29" → "mean from day 29")."""
    key = f"choice.{value}"
    return label(key, display=display) if has_label(key) else str(value)


def covariate_label(name: str, display: Any = None) -> str:
    """A patient covariate's label; an uploaded column the registry does not know is shown
    as the user named it (it is the user's word, not a code name of ours), first letter up."""
    key = f"column.{name}"
    if has_label(key):
        return label(key, display=display)
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def criteria_label(name: str, display: Any = None) -> str:
    """"Source-study definitions", "IWG 2006 HI-E", "IWG 2018 HI-E"."""
    key = f"criteria.{name}"
    return label(key, display=display) if has_label(key) else str(name)


def unit_words(unit: str, value: Any, display: Any = None) -> tuple[Any, str]:
    """``(value as shown, unit word agreeing with it)``: (1, "unit"), (42, "days"),
    (50, "%") for a fraction of 0.5, ("", "") for a unitless value."""
    if not unit:
        return value, ""
    key = f"unit.{unit}"
    if not has_label(key):
        return value, unit
    one, many = label(key, display=display)
    if unit == "fraction" and isinstance(value, (int, float)):
        from lusp.display import number_text

        return number_text(value * 100, 0), one
    return value, one if value == 1 else many


def parameter_text(description: dict[str, Any], display: Any = None, *, show_default: bool = True) -> str:
    """One parameter as a clinician reads it: "Transfusion-free run for TI: 56 days
    (default 84 days)". Never "1 units", "42 day", "0.5 fraction" or "(days) (days)"."""
    d = _display(display)

    def shown(value: Any) -> str:
        if isinstance(value, (tuple, list)):
            return " → ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + (
                f" {description['unit']}" if description.get("unit") else "")
        if isinstance(value, str):
            return choice_label(value, d)
        number, word = unit_words(description.get("unit") or "", value, d)
        if isinstance(number, float):
            number = f"{number:g}"
        if word == "g/L" and isinstance(value, (int, float)):
            return d.text(f"{number} g/L")
        if word == "%":
            return f"{number}%" if d.lang == "zh" else f"{number} %"
        if d.lang == "zh" and description.get("unit") == "day":  # a day number: "第42天"
            return f"第{number}天"
        if word and d.lang == "zh" and not word.isascii():  # "56天", "2次" as Chinese journals print them
            return f"{number}{word}"
        return f"{number} {word}".strip() if word else f"{number}"

    from lusp.i18n import _

    said = dict(label=description["label"], value=shown(description["value"]))
    if show_default and description["value"] != description.get("default") and description.get("default") is not None:
        return _("{label}: {value} (default {default})").format(default=shown(description["default"]), **said)
    return _("{label}: {value}").format(**said)


#: Cell values shown as words when a whole column holds them (outcome classes, IWG 2018
#: burden categories): the machine value stays in the CSV, the reader sees the label.
_VALUE_PREFIXES = ("outcome.", "category.", "sign.")


def _value_words(series: pd.Series, display: Any) -> pd.Series | None:
    """``series`` with each value as its registry word, when every value has one; a
    subgroup column's "yes" / "no" / "missing" levels as words beside its data values."""
    values = {v for v in series.dropna().unique().tolist() if isinstance(v, str)}
    if not values or len(values) != series.dropna().nunique():
        return None
    for prefix in _VALUE_PREFIXES:
        if all(has_label(prefix + v) for v in values):
            words = {v: label(prefix + v, display=display) for v in values}
            return series.map(lambda v: words.get(v, v) if isinstance(v, str) else v).astype(object)
    levels = {v: label("level." + v, display=display) for v in values if has_label("level." + v)}
    if levels and _display(display).lang != "en":
        return series.map(lambda v: levels.get(v, display.text(v) if isinstance(v, str) else v)
                          if isinstance(v, str) else v).astype(object)
    return None


def header_label(text: Any, display: Any = None) -> str:
    """A display table's own header in the reader's language: the catalogue's word for it
    (display tables of :mod:`lusp.early` and :mod:`lusp.trials` keep English headers as
    keys, marked for the catalogue there), a header carrying the Hb unit looked up with
    ``{hb}`` in its place ("Week-1 rise (g/dL)" → "Week-1 rise ({hb})"); anything else
    unchanged. Chinese passes through (a header already said)."""
    from lusp.i18n import gettext

    d = _display(display)
    text = str(text)
    said = gettext(text, lang=d.lang)  # i18n: lookup
    if said != text:
        return d.text(said)
    for unit in ("g/dL", "g/L"):
        if unit in text:
            template = text.replace(unit, "{hb}")
            said = gettext(template, lang=d.lang)  # i18n: lookup
            if said != template:
                return said.replace("{hb}", d.hb_unit)
            break
    return d.text(text)


def labelled(frame: pd.DataFrame, display: Any = None, *, values: bool = True, unknown: str = "humanise") -> pd.DataFrame:
    """A copy of ``frame`` for a reader: Hb columns in the display unit (rounded once,
    half-up), text columns through :meth:`Display.text`, booleans as yes/no and every
    column titled by the registry (covariates the registry does not know keep the user's
    name; ``unknown="keep"`` leaves a header the registry does not know as it is — a page's
    own words). CSV exports do not use this: they keep machine names."""
    d = _display(display)
    out = d.hb_frame(frame) if values else frame.copy()
    if values:
        yes, no = label("word.yes", display=d), label("word.no", display=d)
        for column in out.columns:
            series = out[column]
            if pd.api.types.is_bool_dtype(series.dtype):
                out[column] = series.map(lambda v: "—" if v is None or v is pd.NA else (yes if v else no)).astype(object)
            elif pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
                words = _value_words(series, d)
                out[column] = d.texts(series) if words is None else words
    out.columns = [column_label(c, d) if has_label(f"column.{c}")
                   else (header_label(c, d) if unknown == "keep" else covariate_label(c, d)) for c in out.columns]
    return out
