"""The one-page patient summary for a case discussion (PNG or PDF, A4 landscape).

One Plotly "page": the trajectory chart of :func:`lusp.figures.patient.patient_trajectory`
(rendered, then placed as a picture), the outcome and the reason sentence, the burden
before / after and the other per-patient facts, the dose course (runs of doses at one
level) and the protocol findings, and the patient's covariates — the same values as the
Patients page, from ``Results``; nothing is computed here beyond grouping doses by level.

The calendar date of the first dose is left off: the page is meant to be printed and
passed round, and study days carry the course without a date that helps identify anyone.
Text from the file (diagnosis, covariates, findings) is HTML-escaped before Plotly reads it.
"""
from __future__ import annotations

import base64
import html
import textwrap
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lusp.i18n import N_, _, current_language, ngettext

#: A4 landscape at 150 dpi (the PNG), also the PDF page size in CSS pixels × scale.
PAGE_WIDTH_PX = 1754
PAGE_HEIGHT_PX = 1240
_FONT_FAMILIES = {"en": "Arial, Helvetica, sans-serif", "zh": "Noto Sans CJK SC, Noto Sans, sans-serif"}


def _font() -> dict:
    """The page's font in the language in force: Chinese names Debian's Noto Sans CJK SC."""
    return dict(family=_FONT_FAMILIES.get(current_language(), _FONT_FAMILIES["en"]), size=15, color="#1F2933")


_MUTED = "#5F6B7A"
_HEADER_FILL = "#E8EEF5"
_SYNTHETIC = "#D55E00"
TRAJECTORY_PX = (1025, 635)
#: Covariate names as the page prints them (others: the column name in words).
COVARIATE_LABELS = {
    "age": N_("Age (years)"), "sex": N_("Sex"), "weight_kg": N_("Weight (kg)"),
    "last_followup_day": N_("Last follow-up (study day)"), "disease_status": N_("Disease status"),
    "concurrent_chemo": N_("Concurrent chemotherapy"), "prior_esa": N_("Prior ESA"),
    "baseline_epo_u_l": N_("Serum EPO (U/L)"), "ring_sideroblasts_pct": N_("Ring sideroblasts (%)"),
    "sf3b1_mutated": N_("SF3B1 mutated"),
}
#: Columns never printed on the page (see the module docstring).
HIDDEN_COVARIATES = ("patient_id", "first_dose_date")


@dataclass(frozen=True)
class PatientSummary:
    """The page's content as plain values (tests and the slide read these)."""

    patient_id: str
    outcome: str
    outcome_label: str
    reason: str
    facts: tuple[tuple[str, str], ...]
    dose_course: tuple[str, ...]
    findings: tuple[str, ...]
    covariates: tuple[tuple[str, str], ...]
    context: str
    synthetic: bool


def patient_summary(results: Any, patient_id: str, *, hb_unit: str = "g/L") -> PatientSummary:
    """The content of ``patient_id``'s page; ``KeyError`` with a plain message if unknown."""
    from lusp.figures.hb_unit import hb_text
    from lusp.figures.patient import dose_text

    table = results.table
    ids = table["patient_id"].astype(str)
    if str(patient_id) not in set(ids):
        raise KeyError(_("patient {patient!r} is not in this cohort (or not among the patients selected)").format(
            patient=patient_id))
    row = table[ids == str(patient_id)].iloc[0]

    def present(value: Any) -> bool:
        return value is not None and not (pd.api.types.is_scalar(value) and pd.isna(value))

    def hb(value: Any, signed: bool = False) -> str:
        if not present(value):
            return "—"
        text = hb_text(float(value), hb_unit)
        return ("+" + text) if signed and float(value) > 0 else text

    def flag(value: Any) -> str:
        return "—" if not present(value) else (_yes() if bool(value) else _no())

    def burden(value: Any) -> str:
        return "—" if not present(value) else _("{units} U/28 d").format(units=f"{float(value):.1f}")

    def on_day(text: str, day: Any) -> str:
        return _("{value} (day {day})").format(value=text, day=int(day)) if present(day) else text

    td = row["td_baseline"]
    td_text = flag(td)
    if present(row.get("units_baseline")):
        td_text = _("{answer} ({units} U in the baseline window)").format(answer=td_text, units=f"{float(row['units_baseline']):g}")
    burden_text = _("{before} → {after}").format(before=burden(row["burden_before_u28"]), after=burden(row["burden_after_u28"]))
    if present(row.get("burden_reduction_pct")):
        burden_text += _change_text(float(row["burden_reduction_pct"]))
    if not present(row["longest_tf_days"]):
        tf_text = "—"
    elif present(row.get("tf_start_day")) and present(row.get("tf_end_day")):
        tf_text = ngettext("{n} day (days {first}–{last})", "{n} days (days {first}–{last})", int(row["longest_tf_days"])).format(
            n=int(row["longest_tf_days"]), first=int(row["tf_start_day"]), last=int(row["tf_end_day"]))
    else:
        tf_text = ngettext("{n} day", "{n} days", int(row["longest_tf_days"])).format(n=int(row["longest_tf_days"]))
    spike_text = flag(row["transient_spike"])
    if present(row["spike_after_transfusion"]) and bool(row["spike_after_transfusion"]):
        spike_text = _("{answer} (after a transfusion)").format(answer=spike_text)
    followup = "—" if not present(row["followup_days"]) else ngettext("{n} day", "{n} days", int(row["followup_days"])).format(
        n=int(row["followup_days"]))
    facts = [
        (_("Diagnosis"), str(row["diagnosis"])),
        (_("TD at baseline"), td_text),
        (_("RBC burden before → after"), burden_text),
        (_("Baseline Hb"), on_day(hb(row["baseline_hb_g_l"]), row.get("baseline_hb_day"))),
        (_("Peak Hb"), on_day(hb(row["peak_hb_g_l"]), row.get("peak_hb_day"))),
        (_("Hb rise"), hb(row["hb_rise_g_l"], signed=True)),
        (_("Longest transfusion-free run"), tf_text),
        (_("Transfusion independence"), flag(row["ti_achieved"])),
        (_("Transient spike"), spike_text),
        (_("Follow-up"), followup),
    ]
    doses = results.cohort.doses
    doses = doses[doses["patient_id"].astype(str) == str(patient_id)].sort_values("day")
    course: list[str] = []
    if len(doses):
        course.append(ngettext("{n} dose from day {first} to day {last}", "{n} doses from day {first} to day {last}",
                               len(doses)).format(n=len(doses), first=int(doses["day"].iloc[0]), last=int(doses["day"].iloc[-1])))
        level_run = (doses["dose_mg_kg"] != doses["dose_mg_kg"].shift()).cumsum()
        for _level, run in doses.groupby(level_run, sort=True):
            first, last = int(run["day"].iloc[0]), int(run["day"].iloc[-1])
            days = _("day {day}").format(day=first) if first == last else _("days {first}–{last}").format(first=first, last=last)
            course.append(_("{dose} mg/kg × {n} ({days})").format(dose=dose_text(float(run["dose_mg_kg"].iloc[0])), n=len(run), days=days))
    else:
        course.append(_("No dose recorded."))
    findings_frame = results.findings[results.findings["patient_id"].astype(str) == str(patient_id)]
    findings = tuple(
        str(f.message) if f.kind == "finding" else _("info: {message}").format(message=f.message)
        for f in findings_frame.itertuples()
    ) or (_("No protocol findings."),) if results.protocol else (_("Doses were not reviewed against a protocol."),)
    patients = results.cohort.patients
    record = patients[patients["patient_id"].astype(str) == str(patient_id)]
    covariates: list[tuple[str, str]] = []
    if len(record):
        for column, value in record.iloc[0].items():
            if column in HIDDEN_COVARIATES or column == "diagnosis":
                continue
            known = COVARIATE_LABELS.get(str(column))
            label = _(known) if known else str(column).replace("_", " ").capitalize()  # i18n: lookup
            covariates.append((label, _value_text(value)))
    source = results.cohort.source
    outcome = str(row["outcome"])
    context = _("{cohort} · criteria: {criteria} · dose review: {protocol}").format(
        cohort=source.name, criteria=results.criteria_label, protocol=results.protocol_label)
    return PatientSummary(
        patient_id=str(patient_id), outcome=outcome, outcome_label=_outcome_label(outcome),
        reason=str(row["reason"]), facts=tuple(facts), dose_course=tuple(course), findings=tuple(findings),
        covariates=tuple(covariates), context=context, synthetic=bool(getattr(source, "synthetic", False)),
    )


def summary_page_figure(results: Any, patient_id: str, *, hb_unit: str = "g/L", trajectory_png: bytes | None = None) -> go.Figure:
    """The page as one Plotly figure (``PAGE_WIDTH_PX`` × ``PAGE_HEIGHT_PX``)."""
    from lusp.figures import palette

    content = patient_summary(results, patient_id, hb_unit=hb_unit)
    if trajectory_png is None:
        trajectory_png = _trajectory_png(results, patient_id, hb_unit)
    fig = go.Figure()
    esc = _esc
    # Title band.
    annotations = [
        dict(x=0.0, y=1.0, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False, align="left",
             text="<b>" + esc(_("Patient {patient} — case summary").format(patient=content.patient_id)) + "</b>", font={**_font(), "size": 30}),
        dict(x=0.0, y=0.955, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False, align="left",
             text=esc(content.context), font={**_font(), "size": 14, "color": _MUTED}),
        dict(x=1.0, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="top", showarrow=False,
             text=f"<b>{esc(content.outcome_label)}</b>", font={**_font(), "size": 22, "color": "white"},
             bgcolor=palette.outcome_colour(content.outcome), borderpad=8),
    ]
    if content.synthetic:
        annotations.append(dict(x=1.0, y=0.945, xref="paper", yref="paper", xanchor="right", yanchor="top", showarrow=False,
                                text="<b>" + esc(_("SYNTHETIC DATA — not a real patient")) + "</b>", font={**_font(), "size": 14, "color": "white"},
                                bgcolor=_SYNTHETIC, borderpad=5))
    reason = "<br>".join(esc(line) for line in _wrap(content.reason, 150))
    annotations.append(dict(x=0.0, y=0.905, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                            align="left", text=_why(reason), font={**_font(), "size": 16}))
    fig.update_layout(annotations=annotations)
    # The trajectory: left 62 %, upper part.
    uri = "data:image/png;base64," + base64.b64encode(trajectory_png).decode("ascii")
    fig.add_layout_image(dict(source=uri, xref="paper", yref="paper", x=0.0, y=0.85, sizex=0.62, sizey=0.55,
                              xanchor="left", yanchor="top", sizing="contain", layer="above"))
    # Facts (right, upper), dose course + findings (left, lower), covariates (right, lower).
    fig.add_trace(_table([_("Per-patient result"), _("value")], content.facts, domain=dict(x=[0.64, 1.0], y=[0.40, 0.845]),
                         widths=[0.45, 0.55]))
    course_rows = [(_("Dose course"), line) for line in content.dose_course[:1]] + [("", line) for line in content.dose_course[1:8]]
    if len(content.dose_course) > 8:
        course_rows.append(("", _("… and {n} more runs of doses").format(n=len(content.dose_course) - 8)))
    findings = list(content.findings[:8])
    if len(content.findings) > 8:
        findings.append(_("… and {n} more findings (see the Patients page)").format(n=len(content.findings) - 8))
    rows = course_rows + [(_("Protocol findings") if i == 0 else "", text) for i, text in enumerate(findings)]
    fig.add_trace(_table([_("Doses and protocol review"), ""], rows, domain=dict(x=[0.0, 0.62], y=[0.0, 0.285]),
                         widths=[0.22, 0.78]))
    covariates = list(content.covariates[:12]) or [("—", _("no covariates recorded"))]
    fig.add_trace(_table([_("Covariate"), _("value")], covariates, domain=dict(x=[0.64, 1.0], y=[0.0, 0.37]), widths=[0.5, 0.5]))
    fig.update_layout(width=PAGE_WIDTH_PX, height=PAGE_HEIGHT_PX, paper_bgcolor="white", plot_bgcolor="white",
                      margin=dict(l=50, r=50, t=45, b=40), font=_font(), showlegend=False,
                      xaxis=dict(visible=False), yaxis=dict(visible=False))
    return fig


#: The slide version's canvas: the deck's picture area (16:9 slide minus title and footer).
SLIDE_WIDTH_PX = 1600
SLIDE_HEIGHT_PX = 760
_SLIDE_TRAJECTORY_PX = (940, 480)


def summary_slide_figure(results: Any, patient_id: str, *, hb_unit: str = "g/L",
                         trajectory_png: bytes | None = None) -> go.Figure:
    """The same content laid out for a slide (``SLIDE_WIDTH_PX`` × ``SLIDE_HEIGHT_PX``): the
    slide's title names the patient and the outcome, so the figure starts with the reason."""
    content = patient_summary(results, patient_id, hb_unit=hb_unit)
    if trajectory_png is None:
        from lusp.export.images import figure_to_image
        from lusp.figures.patient import patient_trajectory

        trajectory_png = figure_to_image(patient_trajectory(results, patient_id, hb_unit=hb_unit), "png",
                                         width_px=_SLIDE_TRAJECTORY_PX[0], height_px=_SLIDE_TRAJECTORY_PX[1])
    fig = go.Figure()
    reason = "<br>".join(_esc(line) for line in _wrap(content.reason, 160))
    fig.add_annotation(x=0.0, y=1.0, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       align="left", text=_why(reason), font={**_font(), "size": 17})
    uri = "data:image/png;base64," + base64.b64encode(trajectory_png).decode("ascii")
    fig.add_layout_image(dict(source=uri, xref="paper", yref="paper", x=0.0, y=0.90, sizex=0.60, sizey=0.64,
                              xanchor="left", yanchor="top", sizing="contain", layer="above"))
    fig.add_trace(_table([_("Per-patient result"), _("value")], content.facts, domain=dict(x=[0.62, 1.0], y=[0.47, 0.90]),
                         widths=[0.45, 0.55], cell_height=24))
    rows = [(_("Dose course"), content.dose_course[0])] + [("", line) for line in content.dose_course[1:4]]
    if len(content.dose_course) > 4:
        rows.append(("", _("… and {n} more runs of doses").format(n=len(content.dose_course) - 4)))
    rows += [(_("Protocol findings") if i == 0 else "", text) for i, text in enumerate(content.findings[:2])]
    if len(content.findings) > 2:
        rows.append(("", _("… and {n} more findings (on the one-page summary)").format(n=len(content.findings) - 2)))
    fig.add_trace(_table([_("Doses and protocol review"), ""], rows, domain=dict(x=[0.0, 0.60], y=[0.0, 0.25]),
                         widths=[0.24, 0.76], cell_height=24))
    covariates = list(content.covariates[:10]) or [("—", _("no covariates recorded"))]
    fig.add_trace(_table([_("Covariate"), _("value")], covariates, domain=dict(x=[0.62, 1.0], y=[0.0, 0.44]),
                         widths=[0.5, 0.5], cell_height=24))
    fig.update_layout(width=SLIDE_WIDTH_PX, height=SLIDE_HEIGHT_PX, paper_bgcolor="white", plot_bgcolor="white",
                      margin=dict(l=10, r=10, t=10, b=10), font=_font(), showlegend=False,
                      xaxis=dict(visible=False), yaxis=dict(visible=False))
    return fig


def patient_summary_image(results: Any, patient_id: str, fmt: Literal["png", "pdf"] = "png", *,
                          hb_unit: str = "g/L") -> bytes:
    """The one-page summary as PNG (A4 landscape at 150 dpi) or a one-page PDF."""
    if fmt not in ("png", "pdf"):
        raise ValueError(_("the patient summary is a PNG or a PDF, not {fmt!r}").format(fmt=fmt))
    fig = summary_page_figure(results, patient_id, hb_unit=hb_unit)
    return _render(fig, fmt)


def _render(fig: go.Figure, fmt: str) -> bytes:
    """PNG or PDF through lusp.export.images' shared kaleido renderer."""
    from lusp.export.images import plotly_to_image

    return plotly_to_image(fig, fmt, width_px=PAGE_WIDTH_PX, height_px=PAGE_HEIGHT_PX)


def _trajectory_png(results: Any, patient_id: str, hb_unit: str) -> bytes:
    from lusp.export.images import figure_to_image
    from lusp.figures.patient import patient_trajectory

    fig = patient_trajectory(results, patient_id, hb_unit=hb_unit)
    # Drawn at the size it is shown (about 1025 × 635 px of the page), so its type stays
    # as large as on screen.
    return figure_to_image(fig, "png", width_px=TRAJECTORY_PX[0], height_px=TRAJECTORY_PX[1])


def _table(header: list[str], rows, *, domain: dict, widths: list[float], cell_height: int = 26) -> go.Table:
    rows = list(rows)
    columns = [[_esc(r[i]) for r in rows] for i in range(2)]
    return go.Table(
        domain=domain, columnwidth=widths,
        header=dict(values=[f"<b>{_esc(h)}</b>" for h in header], fill_color=_HEADER_FILL, align="left",
                    font={**_font(), "size": 15}, height=30, line_color="#D5DBE3"),
        cells=dict(values=columns, align="left", font={**_font(), "size": 14}, height=cell_height, fill_color="white",
                   line_color="#D5DBE3"),
    )


def _change_text(reduction_pct: float) -> str:
    """A burden reduction in words: a negative reduction is an increase."""
    if reduction_pct >= 0:
        return _(" ({pct} % reduction)").format(pct=f"{reduction_pct:.0f}")
    return _(" ({pct} % increase)").format(pct=f"{-reduction_pct:.0f}")


def _yes() -> str:
    from lusp.i18n import pgettext

    return pgettext("table cell", "yes")


def _no() -> str:
    from lusp.i18n import pgettext

    return pgettext("table cell", "no")


def _why(reason_html: str) -> str:
    """"<b>Why:</b> reason" (the reason already escaped and wrapped)."""
    return "<b>" + _esc(_("Why:")) + "</b> " + reason_html


def _wrap(text: str, width: int) -> list[str]:
    """Lines of ``text`` at most ``width`` characters; Chinese (no spaces, glyphs a full em
    wide) is cut every ``width // 2`` characters instead."""
    if any(ord(ch) >= 0x2E80 for ch in text):
        step = max(width // 2, 1)
        return [text[i:i + step] for i in range(0, len(text), step)] or [""]
    return textwrap.wrap(text, width)


def _outcome_label(outcome: str) -> str:
    """The outcome's legend word (:data:`lusp.figures.palette.OUTCOME_LABELS`) in the language in force."""
    from lusp.figures import palette

    word = palette.OUTCOME_LABELS.get(outcome, outcome)
    return _(word) if word in _OUTCOME_WORDS else word  # i18n: lookup


#: The palette's legend words, marked here for the patient page's outcome badge.
_OUTCOME_WORDS = (N_("Responder"), N_("Non-responder"), N_("Transient spike (non-responder)"), N_("Not evaluable"))


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


def _value_text(value: Any) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return _yes() if value else _no()
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)
