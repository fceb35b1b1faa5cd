"""Auto-written results and methods paragraphs, from the numbers of one analysis.

Every figure in the text comes from :func:`lusp.analysis.summarize` or the results table,
so the paragraphs on the Overview page, in the slide deck and in exports can never
disagree with the tables beside them.
"""
from __future__ import annotations

import shlex
from typing import Any

from lusp.display import Display, as_display
from lusp.labels import criteria_label, parameter_text
from lusp.params import changed, describe


def percent(fraction: float) -> str:
    """0.5625 → '56.3' (half-up, as clinical papers round: 9 of 16 is 56.3 %, not 56.2 %);
    the display context's one rounding (:func:`lusp.display.percent_text`)."""
    from lusp.display import percent_text

    return percent_text(fraction)


def _pct(rate: dict[str, Any]) -> str:
    """'9 of 16 (56.3 %, 95 % CI 29.9–80.2 %)'; '0 of 0' without patients."""
    if not rate.get("n"):
        return "0 of 0"
    return (
        f"{rate['k']} of {rate['n']} ({percent(rate['rate'])} %, 95 % CI "
        f"{percent(rate['ci_low'])}–{percent(rate['ci_high'])} %)"
    )


def _hb(display: Display, value: float | None, digits: int = 2) -> str:
    """A mean Hb to the study's two decimals in the display unit ("60.61 g/L", "6.061 g/dL")."""
    return "—" if value is None else display.hb(value, g_l_decimals=digits)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 patient``, ``2 patients``: a count with its noun agreeing (pages use it too)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


POST_HB_WORDS = {
    "peak": "peak post-treatment Hb",
    "last": "last post-treatment Hb",
    "mean_d29": "mean Hb from day 29 on",
}


def results_paragraph(summary: dict[str, Any], results: Any, display: Display | str | None = None) -> str:
    """A plain-language results paragraph written from ``summary`` (and ``results``),
    every Hb figure in ``display``'s unit.

    States the mean-rise reconciliation honestly: the mean of the per-patient rises, the
    difference of the two means and the mean rise among early risers are three numbers,
    and the text says which is which and why they differ.
    """
    s = summary
    d = as_display(display)
    n = s["n_patients"]
    if n == 0:
        return "No patients match the current selection."
    parts = []
    if getattr(getattr(results.cohort, "source", None), "synthetic", False):
        parts.append("SYNTHETIC demo cohort (not real patients).")
    parts.append(
        f"Of {plural(n, 'patient')}, {s['n_td']} were transfusion-dependent (TD) and {s['n_ntd']} "
        f"non-transfusion-dependent (NTD) at baseline."
    )
    rr = s["response_rate"]
    criteria_words = "" if s.get("criteria") == "study" else f" under {criteria_label(results.criteria)}"
    parts.append(
        f"{_pct(rr['overall'])} responded{criteria_words}: {_pct(rr['td'])} TD patients by transfusion "
        f"independence and {_pct(rr['ntd'])} NTD patients by Hb rise."
        if s.get("criteria") == "study"
        else f"{_pct(rr['overall'])} responded{criteria_words} (TD {_pct(rr['td'])}; NTD {_pct(rr['ntd'])})."
    )
    if s.get("n_not_evaluable"):
        parts.append(
            f"{plural(s['n_not_evaluable'], 'patient')} could not be evaluated and "
            f"{'is' if s['n_not_evaluable'] == 1 else 'are'} counted as non-responders."
        )
    parts.append(f"Hb rose above baseline within days 1–14 in {plural(s['n_early_rise'], 'patient')}.")
    measure = POST_HB_WORDS.get(s.get("post_hb_measure"), "post-treatment Hb")
    parts.append(
        f"Mean Hb was {_hb(d, s['mean_baseline_hb_g_l'])} at baseline and {_hb(d, s['mean_post_hb_g_l'])} "
        f"after treatment ({measure}); {s['n_post_hb_over_100']} patients had a post-treatment Hb above {d.hb(100)}."
    )
    parts.append(_rise_reconciliation(s, results, d))
    # Every "rose" is backed by its paired test and the n of pairs (CRITERIA.md, Statistics).
    from lusp.stats import paired_before_after

    for comparison in paired_before_after(results.table).itertuples():
        if comparison.n_pairs:
            parts.append(d.text(comparison.sentence))
    if s["n_td_nonresponders"]:
        burden = ""
        if s["td_nonresponder_burden_before_u28"] is not None and s["td_nonresponder_burden_after_u28"] is not None:
            burden = (
                f"; their mean transfusion burden was {s['td_nonresponder_burden_before_u28']:.1f} units per 28 days "
                f"before and {s['td_nonresponder_burden_after_u28']:.1f} after treatment"
            )
        parts.append(
            f"Of the {plural(s['n_td_nonresponders'], 'TD non-responder')}, {s['n_spike_td_nonresponders']} had a "
            f"transient Hb spike in the first week that fell back{burden}."
        )
    if s.get("protocol"):
        parts.append(
            f"The dose review found {plural(s['n_protocol_findings'], 'deviation')} from the protocol in "
            f"{plural(s['n_patients_with_findings'], 'patient')}."
        )
    return " ".join(parts)


def _rise_reconciliation(s: dict[str, Any], results: Any, d: Display) -> str:
    """Mean of the rises vs difference of the means vs mean rise of early risers."""
    mean_rise = s.get("mean_hb_rise_g_l")
    difference = s.get("difference_of_mean_hb_g_l")
    early = s.get("mean_hb_rise_early_risers_g_l")
    if mean_rise is None:
        return "No patient has both a baseline and a post-treatment Hb, so no Hb rise can be given."
    t = results.table
    n_rise = int(t["hb_rise_g_l"].notna().sum())
    text = f"The mean of the individual Hb rises (peak − baseline, {n_rise} patients) was {_hb(d, mean_rise)}"
    if early is not None:
        text += f" ({_hb(d, early)} among the {s['n_early_rise']} patients with an early rise)"
    if difference is None:
        return text + "."
    if abs(difference - mean_rise) < 0.005:
        return text + (
            f"; it equals the difference of the two means ({_hb(d, difference)}) because both means cover "
            f"the same patients and the post-treatment Hb is the peak."
        )
    reasons = []
    n_base = int(t["baseline_hb_g_l"].notna().sum())
    n_post = int(t["post_hb_g_l"].notna().sum())
    if not (n_base == n_post == n_rise):
        reasons.append(
            f"the means cover different patients ({n_base} with a baseline Hb, {n_post} with a post-treatment Hb, "
            f"{n_rise} with both)"
        )
    if s.get("post_hb_measure") != "peak":
        reasons.append(f"the post-treatment Hb is the {POST_HB_WORDS.get(s.get('post_hb_measure'), 'chosen value')}, not the peak")
    why = " and ".join(reasons) or "of rounding"
    return text + f"; this differs from the difference of the two means ({_hb(d, difference)}) because {why}."


def rise_reconciliation_why(s: dict[str, Any], results: Any, display: Display | str | None = None) -> str:
    """One sentence on whether the mean of the individual rises equals the difference of the
    two means, and why (the same reasons :func:`results_paragraph` gives): "They are equal
    because …" or "They differ because …"; empty when either is missing."""
    d = as_display(display)
    mean_rise, difference = s.get("mean_hb_rise_g_l"), s.get("difference_of_mean_hb_g_l")
    if mean_rise is None or difference is None:
        return ""
    sentence = _rise_reconciliation(s, results, d)
    if abs(difference - mean_rise) < 0.005:
        return "The two are equal because both means cover the same patients and the post-treatment Hb is the peak."
    return "The two differ because " + sentence.split(" because ", 1)[1]


def methods_paragraph(results: Any, display: Display | str | None = None) -> str:
    """The definitions and every parameter in force, and the command that reproduces them
    (Hb figures in ``display``'s unit; the command keeps the CLI's g/L values)."""
    from lusp.criteria import get_criteria
    from lusp.protocol import get_protocol

    d = as_display(display)
    criteria_set = get_criteria(results.criteria)
    parts = [f"Criteria set: {criteria_label(results.criteria)}.", criteria_set.methods_text(results.params)]
    if results.protocol:
        protocol = get_protocol(results.protocol)
        parts.append(protocol.methods_text(results.protocol_params))
    else:
        parts.append("Doses were not reviewed against a protocol.")
    parts.append(
        "Response rates are given with exact Clopper–Pearson 95 % confidence intervals; patients who could "
        "not be evaluated count as non-responders (intention to treat). The mean Hb rise is the mean of the "
        "per-patient rises, which equals the difference of the mean Hb values only when both cover the same "
        "patients and the post-treatment Hb is the peak."
    )
    parts.append("Parameters in force: " + "; ".join(parameter_text(p) for p in describe(results.params)) + ".")
    if results.protocol_params is not None:
        parts.append("Protocol parameters: " + "; ".join(parameter_text(p) for p in describe(results.protocol_params)) + ".")
    text = d.text(" ".join(parts))
    # The command is for the command line, whose thresholds are g/L: never converted.
    return f"{text} Reproduce with: {reproduce_command(results)}"


def reproduce_command(results: Any) -> str:
    """``python -m lusp analyze FILE --criteria … --<changed parameter> …``."""
    source = getattr(results.cohort, "source", None)
    files = list(getattr(source, "files", ()) or ()) or [getattr(source, "name", "COHORT_FILE")]
    words = ["python", "-m", "lusp", "analyze", *files, "--criteria", results.criteria,
             "--protocol", results.protocol or "none"]
    for kind_params in (results.params, results.protocol_params):
        if kind_params is None:
            continue
        by_name = {d["name"]: d for d in describe(kind_params)}
        for name, value in changed(kind_params).items():
            text = ",".join(f"{v:g}" for v in value) if isinstance(value, tuple) else (
                f"{value:g}" if isinstance(value, float) else str(value))
            words += [by_name[name]["cli"], text]
    return " ".join(shlex.quote(w) for w in words)
