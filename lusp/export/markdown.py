"""Results and methods as a Markdown document (for a report, an e-mail or a wiki page).

The text is the app's own: the results and methods paragraphs of :mod:`lusp.narrative`,
the headline numbers of :func:`lusp.analysis.summarize` and every parameter in force from
:func:`lusp.params.describe`. Nothing is recomputed here.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from lusp.display import Display, as_display
from lusp.export.tables import response_rate_table
from lusp.i18n import _, use_language
from lusp.labels import criteria_label, unit_words


def results_markdown(results: Any, *, filters: str = "all patients", today: _dt.date | None = None,
                     display: Display | str | None = None) -> str:
    """The results and methods of ``results`` (already filtered) as Markdown.

    Sections: a header naming cohort, criteria set and filters (and SYNTHETIC when the
    cohort is), Results (paragraph and a response-rate table with exact 95 % CIs),
    Methods (paragraph and a table of every parameter in force, changed ones marked).
    Written in the display's language (the paragraphs too).
    """
    d = as_display(display)
    with use_language(d.lang):
        return _results_markdown(results, filters=filters, today=today, d=d)


def _results_markdown(results: Any, *, filters: str, today: _dt.date | None, d: Display) -> str:
    from lusp.analysis import summarize
    from lusp.params import describe

    summary = summarize(results)
    source = results.cohort.source
    today = today or _dt.date.today()
    results_text, methods_text = narrative_paragraphs(results, d)

    lines = ["# " + _("Luspatercept cohort results"), ""]
    if source.synthetic:
        lines += ["> " + _("**SYNTHETIC DATA** — invented patients calibrated to the source study; not real patients."), ""]
    cohort = (_("- **Cohort:** {name} (first doses {start} – {end})").format(
        name=_md(source.name), start=source.date_range[0], end=source.date_range[1]) if source.date_range
        else _("- **Cohort:** {name}").format(name=_md(source.name)))
    if not filters or filters == "all patients":
        filters = _("all patients")
    lines += [
        cohort,
        _("- **Patients:** {n} ({td} TD, {ntd} NTD at baseline)").format(
            n=summary["n_patients"], td=summary["n_td"], ntd=summary["n_ntd"]),
        _("- **Filters:** {filters}").format(filters=_md(filters)),
        _("- **Response criteria:** {criteria}").format(criteria=_md(criteria_label(results.criteria))),
        _("- **Dose-protocol review:** {protocol}").format(protocol=_md(results.protocol_label)),
        _("- **Prepared:** {date} with the Luspatercept Cohort Explorer").format(date=today.isoformat()),
        "",
        "## " + _("Results"),
        "",
        results_text,
        "",
        _("| Group | Responders | Patients | Rate (%) | 95 % CI (%) |"),
        "|---|---:|---:|---:|---|",
    ]
    names = {"overall": _("All patients"), "td": _("TD at baseline"), "ntd": _("NTD at baseline")}
    for row in response_rate_table(summary).itertuples(index=False):
        if not row.n_patients:
            continue
        lines.append(
            f"| {names[row.group]} | {row.n_responders} | {row.n_patients} | {_pct(row.rate_pct)} | "
            + _("{low}–{high}").format(low=_pct(row.ci_low_pct), high=_pct(row.ci_high_pct)) + " |"
        )
    lines += ["", _("Exact (Clopper–Pearson) intervals; patients who cannot be evaluated count as non-responders."), ""]
    lines += ["## " + _("Methods"), "", methods_text, "", "### " + _("Parameters in force"), "",
              _("| Parameter | Value | Default |"), "|---|---|---|"]
    for protocol, params in ((False, results.params), (True, results.protocol_params)):
        if params is None:
            continue
        for item in describe(params):
            changed = item["value"] != item["default"]
            value = _with_unit(item["value"], item["unit"], d)
            value = f"**{value}**" if changed else value
            name = _md(item["label"])
            if protocol:
                name = _("Protocol — {parameter}").format(parameter=name)
            lines.append(f"| {name} | {value} | {_with_unit(item['default'], item['unit'], d)} |")
    lines += ["", _("Values changed from their defaults are in bold."), ""]
    return d.text("\n".join(lines))


def _with_unit(value: Any, unit: str, d: Display) -> str:
    """"56 days", "1 unit", "50 %" (a fraction), "10 g/L" (the display rewrites it)."""
    if isinstance(value, (list, tuple)):
        return _value(value) + (f" {unit}" if unit else "")
    shown, word = unit_words(unit or "", value, d)
    if isinstance(shown, float):
        shown = f"{shown:g}"
    return f"{shown} {word}".strip() if word else str(shown)


def narrative_paragraphs(results: Any, display: Display | str | None = None) -> tuple[str, str]:
    """``(results paragraph, methods paragraph)`` from :mod:`lusp.narrative`, in ``display``."""
    from lusp.analysis import summarize
    from lusp.narrative import methods_paragraph, results_paragraph

    d = as_display(display)
    return results_paragraph(summarize(results), results, d), methods_paragraph(results, d)


def _pct(value_pct: float) -> str:
    from lusp.narrative import percent

    return percent(float(value_pct) / 100)  # half-up, as in the paragraphs: 56.25 → 56.3


def _value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _md(text: Any) -> str:
    """Escape the characters that would break a Markdown table cell or emphasis."""
    return str(text).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
