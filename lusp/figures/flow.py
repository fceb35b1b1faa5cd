"""The STROBE-style patient-flow diagram (Plotly) from :class:`lusp.flow.PatientFlow`.

Boxes are shapes named after their stage (``"stage: start"``, ``"stage: treated"``,
``"stage: evaluable"``, ``"stage: td"``, ``"stage: ntd"``, ``"stage: td responders"``,
``"stage: ntd responders"``, ``"exclusion: untreated"``, ``"exclusion: not evaluable"``)
and each box's text is one annotation with the same ``name``, so tests (and a reader of
the SVG) can find every count. Nothing is computed here.
"""
from __future__ import annotations

import html
import textwrap
from typing import Any

import plotly.graph_objects as go

from lusp.figures import palette
from lusp.figures.fonts import plotly_family
from lusp.i18n import _, current_language

_FONT = dict(family="Arial, Helvetica, sans-serif", size=17, color="#1F2933")
_BOX_LINE = "#5F6B7A"
_FILL = "#F3F6FA"
_EXCLUSION_FILL = "#FFFFFF"
#: At most this many exclusion reasons are listed; the rest are summed as "other reasons".
MAX_REASONS = 6
_WRAP = 50


def _pct(block: dict[str, Any]) -> str:
    from lusp.narrative import percent

    if not block or not block.get("n"):
        return ""
    return _("{rate} % (95 % CI {low}–{high} %)").format(
        rate=percent(block["rate"]), low=percent(block["ci_low"]), high=percent(block["ci_high"]))


def flow_figure(flow: Any, *, title: str | None = None, font_size: int = 17, wrap: int = _WRAP,
                height: int = 760) -> go.Figure:
    """The flow diagram: a main column of stages with the exclusions to the right.

    ``font_size`` / ``wrap`` (characters per line of the exclusion box) / ``height``: the
    defaults suit a 1600-px-wide screen or slide; the Word report draws it 1000 px wide at
    font 14 and 35 characters, rendered at twice the scale for print.
    """
    font = {**_FONT, "size": font_size, "family": plotly_family()}
    if current_language() == "zh":
        # A Chinese character is about two Latin ones wide: wrap the exclusion box's lines
        # at the same drawn width.
        wrap = max(12, wrap * 11 // 20)
    fig = go.Figure()
    main_x, main_w = 33.0, 42.0
    # Exclusions right of the TD / NTD boxes (which end at x = 69), so a long list never
    # covers them.
    side_x, side_w = 85.0, 29.0
    shapes: list[dict] = []
    annotations: list[dict] = []

    def box(name: str, cx: float, cy: float, w: float, h: float, lines: list[str], *, fill: str = _FILL,
            bold_first: bool = True, border: str = _BOX_LINE, align: str = "center") -> None:
        shapes.append(dict(type="rect", name=name, xref="x", yref="y", x0=cx - w / 2, x1=cx + w / 2,
                           y0=cy - h / 2, y1=cy + h / 2, line=dict(color=border, width=2), fillcolor=fill, layer="below"))
        # Plotly reads annotation text as HTML: every line is escaped ("< 56 days", file text).
        safe = [html.escape(line, quote=False) for line in lines]
        text = "<br>".join((f"<b>{line}</b>" if i == 0 and bold_first else line) for i, line in enumerate(safe))
        annotations.append(dict(name=name, x=cx if align == "center" else cx - w / 2 + 1.2, y=cy, xref="x", yref="y",
                                text=text, showarrow=False, align=align, xanchor="center" if align == "center" else "left",
                                font=font))

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        annotations.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                                showarrow=True, arrowhead=2, arrowsize=1.3, arrowwidth=2, arrowcolor=_BOX_LINE))

    def line(x0: float, y0: float, x1: float, y1: float) -> None:
        shapes.append(dict(type="line", xref="x", yref="y", x0=x0, y0=y0, x1=x1, y1=y1,
                           line=dict(color=_BOX_LINE, width=2)))

    y_start, y_treated, y_eval, y_split, y_resp = 93.0, 73.0, 52.0, 31.0, 9.5
    h = 9.0
    filtered = flow.filters not in ("", "all patients", _("all patients"))
    start_lines = [flow.start_label, f"n = {flow.n_start}"]
    if filtered:
        start_lines.append(_short(flow.filters, _WRAP))
    box("stage: start", main_x, y_start, main_w, h + (3 if filtered else 0), start_lines)
    box("stage: treated", main_x, y_treated, main_w, h, [_("Treated (≥ 1 luspatercept dose)"), f"n = {flow.n_treated}"])
    box("stage: evaluable", main_x, y_eval, main_w, h, [_("Evaluable for response"), f"n = {flow.n_evaluable}"])
    arrow(main_x, y_start - h / 2 - (1.5 if filtered else 0), main_x, y_treated + h / 2)
    arrow(main_x, y_treated - h / 2, main_x, y_eval + h / 2)

    # Exclusions: to the right, joined to the main column between the two stages.
    y_ex1 = (y_start + y_treated) / 2
    box("exclusion: untreated", side_x, y_ex1, side_w, 7.0,
        [_("Excluded: no dose recorded (n = {n})").format(n=flow.n_untreated)], fill=_EXCLUSION_FILL, bold_first=False)
    arrow(main_x, y_ex1, side_x - side_w / 2, y_ex1)
    reasons = list(flow.exclusions)
    if len(reasons) > MAX_REASONS:
        rest = sum(c for _, c in reasons[MAX_REASONS - 1:])
        reasons = reasons[: MAX_REASONS - 1] + [(_("other reasons"), rest)]
    reason_lines: list[str] = []
    for reason, count in reasons:
        # "(n = 3)" never breaks across lines: its spaces are non-breaking for textwrap.
        wrapped = textwrap.wrap(f"• {reason} (n\u00a0=\u00a0{count})", wrap, subsequent_indent="   ")
        reason_lines.extend(wrapped)
    y_ex2 = (y_treated + y_eval) / 2
    ex_lines = [_("Not evaluable, counted as non-responders (n = {n})").format(n=flow.n_not_evaluable).replace(
        "n = ", "n\u00a0=\u00a0"), *reason_lines]
    ex_lines[0:1] = textwrap.wrap(ex_lines[0], wrap)
    ex_h = max(7.0, 2.9 * len(ex_lines) * font_size / 17 + 2.5)
    box("exclusion: not evaluable", side_x, y_ex2 - (ex_h - 7.0) / 2, side_w, ex_h, ex_lines,
        fill=_EXCLUSION_FILL, bold_first=False, align="left" if reason_lines else "center")
    arrow(main_x, y_ex2, side_x - side_w / 2, y_ex2)

    # Split of the evaluable patients: TD and NTD. Response rates are intention to treat,
    # so each responder box also gives the rate over every treated TD / NTD patient.
    td_x, ntd_x, split_w = 16.0, 52.0, 32.0
    line(main_x, y_eval - h / 2, main_x, (y_eval + y_split) / 2)
    line(td_x, (y_eval + y_split) / 2, ntd_x, (y_eval + y_split) / 2)
    for x in (td_x, ntd_x):
        arrow(x, (y_eval + y_split) / 2, x, y_split + h / 2 + 1)
    groups = (("td", td_x, _("Transfusion-dependent (TD)"), flow.n_td_evaluable, flow.n_td, flow.n_td_responders,
               _("by transfusion independence")),
              ("ntd", ntd_x, _("Not transfusion-dependent (NTD)"), flow.n_ntd_evaluable, flow.n_ntd,
               flow.n_ntd_responders, _("by Hb rise")))
    responder_colour = palette.outcome_colour("responder")
    for key, x, label, n_eval, n_all, k, how in groups:
        extra = n_all - n_eval
        box(f"stage: {key}", x, y_split, split_w, h + 2,
            [label, f"n = {n_eval}",
             _("+ {extra} not evaluable (ITT n = {n})").format(extra=extra, n=n_all) if extra else _("all evaluable")])
        arrow(x, y_split - h / 2 - 1, x, y_resp + (h + 3) / 2)
        detail = _pct(flow.rates.get(key, {}))
        box(f"stage: {key} responders", x, y_resp, split_w + 2, h + 3,
            [_("Responders: n = {k}").format(k=k), how,
             _("ITT {k} of {n} = {rate}").format(k=k, n=n_all, rate=detail) if detail
             else _("ITT {k} of {n}").format(k=k, n=n_all)],
            border=responder_colour)
    if flow.n_td_unknown:
        box("stage: td unknown", side_x, y_split, side_w, 7.0,
            [_("TD status cannot be computed (n = {n})").format(n=flow.n_td_unknown)], fill=_EXCLUSION_FILL, bold_first=False)

    fig.update_layout(
        shapes=shapes, annotations=annotations, font=font, paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=10, r=10, t=60 if title else 10, b=10), showlegend=False, height=height,
        title=dict(text=title, x=0.01, font=dict(size=22)) if title else None,
        xaxis=dict(range=[-3, 100], visible=False, fixedrange=True),
        yaxis=dict(range=[-2, 100], visible=False, fixedrange=True),
    )
    fig.add_trace(go.Scatter(x=[None], y=[None], hoverinfo="skip", showlegend=False))
    if flow.criteria_label:
        fig.add_annotation(x=-1, y=-1.5, xref="x", yref="y", xanchor="left", yanchor="bottom", showarrow=False,
                           text=_("Response as defined by {criteria}; intention to treat.").format(
                               criteria=flow.criteria_label),
                           font=dict(family=font["family"], size=max(font_size - 4, 10), color="#5F6B7A"))
    return fig


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
