"""Auto-written results and methods paragraphs, from the numbers of one analysis.

Every figure in the text comes from :func:`lusp.analysis.summarize` or the results table,
so the paragraphs on the Overview page, in the slide deck and in exports can never
disagree with the tables beside them.
"""
from __future__ import annotations

import shlex
from typing import Any

from lusp.display import Display, as_display
from lusp.i18n import N_, _, ngettext
from lusp.labels import criteria_label, parameter_text
from lusp.params import changed, describe
from lusp.wording import full_stop, join_list, join_parameters, join_sentences


def percent(fraction: float) -> str:
    """0.5625 → '56.3' (half-up, as clinical papers round: 9 of 16 is 56.3 %, not 56.2 %);
    the display context's one rounding (:func:`lusp.display.percent_text`)."""
    from lusp.display import percent_text

    return percent_text(fraction)


def _pct(rate: dict[str, Any]) -> str:
    """'9 of 16 (56.3 %, 95 % CI 29.9–80.2 %)'; '0 of 0' without patients (Chinese:
    '9/16（56.3%，95% CI 29.9%～80.2%）')."""
    if not rate.get("n"):
        return _("0 of 0")
    return _("{k} of {n} ({rate} %, 95 % CI {low}–{high} %)").format(
        k=rate["k"], n=rate["n"], rate=percent(rate["rate"]), low=percent(rate["ci_low"]), high=percent(rate["ci_high"]))


def _hb(display: Display, value: float | None, digits: int = 2) -> str:
    """A mean Hb to the study's two decimals in the display unit ("60.61 g/L", "6.061 g/dL")."""
    return "—" if value is None else display.hb(value, g_l_decimals=digits)


#: Counted nouns :func:`plural` knows in every language (the catalogue's one entry each).
_COUNTED = {
    "patient": (N_("{n} patient"), N_("{n} patients")),
    "dose": (N_("{n} dose"), N_("{n} doses")),
    "deviation": (N_("{n} deviation"), N_("{n} deviations")),
    "TD non-responder": (N_("{n} TD non-responder"), N_("{n} TD non-responders")),
    "day": (N_("{n} day"), N_("{n} days")),
    "unit": (N_("{n} unit"), N_("{n} units")),
    "finding": (N_("{n} finding"), N_("{n} findings")),
    "transfusion": (N_("{n} transfusion"), N_("{n} transfusions")),
}


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 patient``, ``2 patients``: a count with its noun agreeing, in the language in
    force for the nouns of :data:`_COUNTED` ("22 例患者", "3 次给药"); another noun is English."""
    if one in _COUNTED and many is None:
        singular, plural_form = _COUNTED[one]
        return ngettext(singular, plural_form, n).format(n=n)  # i18n: lookup
    return f"{n} {one if n == 1 else (many or one + 's')}"


POST_HB_WORDS = {
    "peak": N_("peak post-treatment Hb"),
    "last": N_("last post-treatment Hb"),
    "mean_d29": N_("mean Hb from day 29 on"),
}


def _post_hb_words(measure: Any, fallback: str) -> str:
    return _(POST_HB_WORDS[measure]) if measure in POST_HB_WORDS else fallback  # i18n: lookup


def results_paragraph(summary: dict[str, Any], results: Any, display: Display | str | None = None) -> str:
    """A plain-language results paragraph written from ``summary`` (and ``results``),
    every Hb figure in ``display``'s unit, in the language in force (each sentence one
    catalogue message; sentences joined as the language joins them).

    States the mean-rise reconciliation honestly: the mean of the per-patient rises, the
    difference of the two means and the mean rise among early risers are three numbers,
    and the text says which is which and why they differ.
    """
    s = summary
    d = as_display(display)
    n = s["n_patients"]
    if n == 0:
        return _("No patients match the current selection.")
    parts = []
    if getattr(getattr(results.cohort, "source", None), "synthetic", False):
        parts.append(_("SYNTHETIC demo cohort (not real patients)."))
    parts.append(ngettext(
        "Of {n} patient, {n_td} were transfusion-dependent (TD) and {n_ntd} non-transfusion-dependent (NTD) at baseline.",
        "Of {n} patients, {n_td} were transfusion-dependent (TD) and {n_ntd} non-transfusion-dependent (NTD) at baseline.",
        n).format(n=n, n_td=s["n_td"], n_ntd=s["n_ntd"]))
    rr = s["response_rate"]
    rates = dict(overall=_pct(rr["overall"]), td=_pct(rr["td"]), ntd=_pct(rr["ntd"]))
    if s.get("criteria") == "study":
        parts.append(_("{overall} responded: {td} TD patients by transfusion independence and {ntd} NTD patients by "
                       "Hb rise.").format(**rates))
    else:
        parts.append(_("{overall} responded under {criteria} (TD {td}; NTD {ntd}).").format(
            criteria=criteria_label(results.criteria, d), **rates))
    if s.get("n_not_evaluable"):
        parts.append(ngettext("{n} patient could not be evaluated and is counted as non-responder.",
                              "{n} patients could not be evaluated and are counted as non-responders.",
                              s["n_not_evaluable"]).format(n=s["n_not_evaluable"]))
    parts.append(ngettext("Hb rose above baseline within days 1–14 in {n} patient.",
                          "Hb rose above baseline within days 1–14 in {n} patients.",
                          s["n_early_rise"]).format(n=s["n_early_rise"]))
    measure = _post_hb_words(s.get("post_hb_measure"), _("post-treatment Hb"))
    parts.append(_("Mean Hb was {baseline} at baseline and {post} after treatment ({measure}); {n_over} patients had a "
                   "post-treatment Hb above {limit}.").format(
        baseline=_hb(d, s["mean_baseline_hb_g_l"]), post=_hb(d, s["mean_post_hb_g_l"]), measure=measure,
        n_over=s["n_post_hb_over_100"], limit=d.hb(100)))
    parts.append(_rise_reconciliation(s, results, d))
    # Every "rose" is backed by its paired test and the n of pairs (CRITERIA.md, Statistics).
    from lusp.stats import paired_before_after

    for comparison in paired_before_after(results.table).itertuples():
        if comparison.n_pairs:
            parts.append(d.text(comparison.sentence))
    if s["n_td_nonresponders"]:
        values = dict(n=s["n_td_nonresponders"], n_spike=s["n_spike_td_nonresponders"])
        if s["td_nonresponder_burden_before_u28"] is not None and s["td_nonresponder_burden_after_u28"] is not None:
            parts.append(ngettext(
                "Of the {n} TD non-responder, {n_spike} had a transient Hb spike in the first week that fell back; "
                "their mean transfusion burden was {before} units per 28 days before and {after} after treatment.",
                "Of the {n} TD non-responders, {n_spike} had a transient Hb spike in the first week that fell back; "
                "their mean transfusion burden was {before} units per 28 days before and {after} after treatment.",
                s["n_td_nonresponders"]).format(before=f"{s['td_nonresponder_burden_before_u28']:.1f}",
                                                after=f"{s['td_nonresponder_burden_after_u28']:.1f}", **values))
        else:
            parts.append(ngettext(
                "Of the {n} TD non-responder, {n_spike} had a transient Hb spike in the first week that fell back.",
                "Of the {n} TD non-responders, {n_spike} had a transient Hb spike in the first week that fell back.",
                s["n_td_nonresponders"]).format(**values))
    if s.get("protocol"):
        parts.append(_("The dose review found {deviations} from the protocol in {patients}.").format(
            deviations=plural(s["n_protocol_findings"], "deviation"),
            patients=plural(s["n_patients_with_findings"], "patient")))
    return join_sentences(parts)


def _reconciliation_parts(s: dict[str, Any], results: Any, d: Display) -> tuple[str, str, str] | None:
    """(the mean-rise statement, "equal" / "differ" / "", the why) — None without a rise."""
    mean_rise = s.get("mean_hb_rise_g_l")
    difference = s.get("difference_of_mean_hb_g_l")
    early = s.get("mean_hb_rise_early_risers_g_l")
    if mean_rise is None:
        return None
    t = results.table
    n_rise = int(t["hb_rise_g_l"].notna().sum())
    if early is not None:
        text = _("The mean of the individual Hb rises (peak − baseline, {n} patients) was {rise} ({early} among the "
                 "{n_early} patients with an early rise)").format(
            n=n_rise, rise=_hb(d, mean_rise), early=_hb(d, early), n_early=s["n_early_rise"])
    else:
        text = _("The mean of the individual Hb rises (peak − baseline, {n} patients) was {rise}").format(
            n=n_rise, rise=_hb(d, mean_rise))
    if difference is None:
        return text, "", ""
    if abs(difference - mean_rise) < 0.005:
        return text, "equal", _hb(d, difference)
    reasons = []
    n_base = int(t["baseline_hb_g_l"].notna().sum())
    n_post = int(t["post_hb_g_l"].notna().sum())
    if not (n_base == n_post == n_rise):
        reasons.append(_("the means cover different patients ({n_base} with a baseline Hb, {n_post} with a "
                         "post-treatment Hb, {n_rise} with both)").format(n_base=n_base, n_post=n_post, n_rise=n_rise))
    if s.get("post_hb_measure") != "peak":
        reasons.append(_("the post-treatment Hb is the {measure}, not the peak").format(
            measure=_post_hb_words(s.get("post_hb_measure"), _("chosen value"))))
    why = join_list(reasons) or _("of rounding")
    return text, "differ", why


def _rise_reconciliation(s: dict[str, Any], results: Any, d: Display) -> str:
    """Mean of the rises vs difference of the means vs mean rise of early risers."""
    parts = _reconciliation_parts(s, results, d)
    if parts is None:
        return _("No patient has both a baseline and a post-treatment Hb, so no Hb rise can be given.")
    text, verdict, detail = parts
    if verdict == "":
        return text + full_stop()
    if verdict == "equal":
        return _("{statement}; it equals the difference of the two means ({difference}) because both means cover the "
                 "same patients and the post-treatment Hb is the peak.").format(statement=text, difference=detail)
    return _("{statement}; this differs from the difference of the two means ({difference}) because {why}.").format(
        statement=text, difference=_hb(d, s.get("difference_of_mean_hb_g_l")), why=detail)


def rise_reconciliation_why(s: dict[str, Any], results: Any, display: Display | str | None = None) -> str:
    """One sentence on whether the mean of the individual rises equals the difference of the
    two means, and why (the same reasons :func:`results_paragraph` gives): "They are equal
    because …" or "They differ because …"; empty when either is missing."""
    d = as_display(display)
    mean_rise, difference = s.get("mean_hb_rise_g_l"), s.get("difference_of_mean_hb_g_l")
    if mean_rise is None or difference is None:
        return ""
    parts = _reconciliation_parts(s, results, d)
    if parts[1] == "equal":
        return _("The two are equal because both means cover the same patients and the post-treatment Hb is the peak.")
    return _("The two differ because {why}.").format(why=parts[2])


def methods_paragraph(results: Any, display: Display | str | None = None) -> str:
    """The definitions and every parameter in force, and the command that reproduces them
    (Hb figures in ``display``'s unit; the command keeps the CLI's g/L values)."""
    from lusp.criteria import get_criteria
    from lusp.protocol import get_protocol

    d = as_display(display)
    criteria_set = get_criteria(results.criteria)
    parts = [_("Criteria set: {criteria}.").format(criteria=criteria_label(results.criteria, d)),
             criteria_set.methods_text(results.params)]
    if results.protocol:
        protocol = get_protocol(results.protocol)
        parts.append(protocol.methods_text(results.protocol_params))
    else:
        parts.append(_("Doses were not reviewed against a protocol."))
    parts.append(_(
        "Response rates are given with exact Clopper–Pearson 95 % confidence intervals; patients who could "
        "not be evaluated count as non-responders (intention to treat). The mean Hb rise is the mean of the "
        "per-patient rises, which equals the difference of the mean Hb values only when both cover the same "
        "patients and the post-treatment Hb is the peak."
    ))
    parts.append(_("Parameters in force: {parameters}.").format(
        parameters=join_parameters(parameter_text(p, d) for p in describe(results.params))))
    if results.protocol_params is not None:
        parts.append(_("Protocol parameters: {parameters}.").format(
            parameters=join_parameters(parameter_text(p, d) for p in describe(results.protocol_params))))
    text = d.text(join_sentences(parts))
    # The command is for the command line, whose thresholds are g/L: never converted.
    return join_sentences([text, _("Reproduce with: {command}").format(command=reproduce_command(results))])


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
