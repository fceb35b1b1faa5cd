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
from lusp.labels import criteria_label, unit_words


def results_markdown(results: Any, *, filters: str = "all patients", today: _dt.date | None = None,
                     display: Display | str | None = None) -> str:
    """The results and methods of ``results`` (already filtered) as Markdown.

    Sections: a header naming cohort, criteria set and filters (and SYNTHETIC when the
    cohort is), Results (paragraph and a response-rate table with exact 95 % CIs),
    Methods (paragraph and a table of every parameter in force, changed ones marked).
    """
    from lusp.analysis import summarize
    from lusp.params import describe

    d = as_display(display)
    summary = summarize(results)
    source = results.cohort.source
    today = today or _dt.date.today()
    results_text, methods_text = narrative_paragraphs(results, d)

    lines = ["# Luspatercept cohort results", ""]
    if source.synthetic:
        lines += ["> **SYNTHETIC DATA** — invented patients calibrated to the source study; not real patients.", ""]
    lines += [
        f"- **Cohort:** {_md(source.name)}" + (f" (first doses {source.date_range[0]} – {source.date_range[1]})" if source.date_range else ""),
        f"- **Patients:** {summary['n_patients']} ({summary['n_td']} TD, {summary['n_ntd']} NTD at baseline)",
        f"- **Filters:** {_md(filters or 'all patients')}",
        f"- **Response criteria:** {_md(criteria_label(results.criteria))}",
        f"- **Dose-protocol review:** {_md(results.protocol_label)}",
        f"- **Prepared:** {today.isoformat()} with the Luspatercept Cohort Explorer",
        "",
        "## Results",
        "",
        results_text,
        "",
        "| Group | Responders | Patients | Rate (%) | 95 % CI (%) |",
        "|---|---:|---:|---:|---|",
    ]
    names = {"overall": "All patients", "td": "TD at baseline", "ntd": "NTD at baseline"}
    for row in response_rate_table(summary).itertuples(index=False):
        if not row.n_patients:
            continue
        lines.append(
            f"| {names[row.group]} | {row.n_responders} | {row.n_patients} | {_pct(row.rate_pct)} | "
            f"{_pct(row.ci_low_pct)}–{_pct(row.ci_high_pct)} |"
        )
    lines += ["", "Exact (Clopper–Pearson) intervals; patients who cannot be evaluated count as non-responders.", ""]
    lines += ["## Methods", "", methods_text, "", "### Parameters in force", "", "| Parameter | Value | Default |", "|---|---|---|"]
    for group, params in (("", results.params), ("Protocol — ", results.protocol_params)):
        if params is None:
            continue
        for item in describe(params):
            changed = item["value"] != item["default"]
            value = _with_unit(item["value"], item["unit"], d)
            value = f"**{value}**" if changed else value
            lines.append(f"| {group}{_md(item['label'])} | {value} | {_with_unit(item['default'], item['unit'], d)} |")
    lines += ["", "Values changed from their defaults are in bold.", ""]
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
