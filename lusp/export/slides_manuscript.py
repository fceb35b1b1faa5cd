"""Slides of the manuscript documents: Table 1, the patient flow, a patient's case summary.

Each builder returns :class:`lusp.export.deck.Slide` specs, laid out by the deck's own
engine (:func:`lusp.export.deck.render_deck`), so they share the deck's look — title,
caption line, footer with cohort / criteria / filters, SYNTHETIC badge — without a line
of deck.py changed. To put them in the meeting deck, append them to
``standard_slides(...)`` before ``render_deck``; :func:`manuscript_deck` renders them
alone (the Overview's "Table 1 slide" download and the tests use it).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lusp.export.deck import Slide, deck_context, render_deck
from lusp.i18n import N_, _

#: English here (marked with N_); the slides show them in the language in force.
TABLE1_TITLE = N_("Baseline characteristics (Table 1)")
FLOW_TITLE = N_("Patient flow")


def table1_slides(results: Any, *, by: str | None = "td", extra: Sequence[str] = (), pvalues: bool = False,
                  hb_unit: str = "g/L") -> list[Slide]:
    """Table 1 as a table slide (split by the deck engine when long); its rules in the notes."""
    from lusp.table1 import table_one

    table1 = table_one(results, by=by, extra=extra, pvalues=pvalues, hb_unit=hb_unit)
    frame = table1.frame.copy()
    frame["Characteristic"] = frame["Characteristic"].str.replace("    ", "\u2003", regex=False)
    caption = (_("median (IQR) or mean (SD) by distribution; n (%) of recorded values; p-values unadjusted, tests named")
               if table1.pvalues else _("median (IQR) or mean (SD) by distribution; n (%) of recorded values"))
    return [Slide("table", _(TABLE1_TITLE), caption=caption, table=frame, notes=table1.caption())]  # i18n: lookup


def flow_slide(results: Any, *, filters: str = "all patients") -> Slide:
    """The patient-flow diagram as an image slide (counts in the notes)."""
    from lusp.export.images import ImageExportError, plotly_to_image
    from lusp.figures.flow import flow_figure
    from lusp.flow import patient_flow

    flow = patient_flow(results, filters=filters)
    notes = "\n".join(flow.lines())
    try:
        # Laid out 1067 × 600 and rendered at 1.5×: the same 1600 × 900 image with type half as
        # large again, readable from the back of the room (at 1600 px the boxes' words were
        # about 9 pt on the projected slide).
        png = plotly_to_image(flow_figure(flow, height=600, wrap=30), "png", width_px=1067, height_px=600, scale=1.5)
    except ImageExportError as error:
        return Slide("text", _(FLOW_TITLE), bullets=(*flow.lines(), _("(The diagram could not be drawn: {error})").format(error=error)),  # i18n: lookup
                     notes=notes)
    return Slide("image", _(FLOW_TITLE), caption=_("STROBE-style: each exclusion with its count and reason; response "  # i18n: lookup
                 "counts intention to treat"), images=(png,), notes=notes, alt_text=notes)


def patient_slide(results: Any, patient_id: str, *, hb_unit: str = "g/L") -> Slide:
    """A patient's case summary as an image slide (the page's content laid out 16:9 by
    :func:`lusp.export.patient_summary.summary_slide_figure`); the reason, the whole dose
    course and every finding in the speaker notes."""
    from lusp.export.images import ImageExportError, figure_to_image
    from lusp.export.patient_summary import SLIDE_HEIGHT_PX, SLIDE_WIDTH_PX, patient_summary, summary_slide_figure

    content = patient_summary(results, patient_id, hb_unit=hb_unit)
    why = _("Why: {reason}").format(reason=content.reason)
    notes = "\n".join([why, *content.dose_course, *content.findings])
    title = _("Patient {patient}: {outcome}").format(patient=content.patient_id, outcome=content.outcome_label)
    try:
        png = figure_to_image(summary_slide_figure(results, patient_id, hb_unit=hb_unit), "png",
                              width_px=SLIDE_WIDTH_PX, height_px=SLIDE_HEIGHT_PX)
    except ImageExportError as error:
        bullets = (why, *(_("{label}: {value}").format(label=k, value=v) for k, v in content.facts),
                   _("(Chart not drawn: {error})").format(error=error))
        return Slide("text", title, bullets=bullets, notes=notes)
    return Slide("image", title, images=(png,), notes=notes,
                 alt_text=_("Case summary of patient {patient}").format(patient=content.patient_id))


def manuscript_slides(results: Any, *, filters: str = "all patients", hb_unit: str = "g/L",
                      table1_by: str | None = "td", table1_extra: Sequence[str] = (),
                      table1_pvalues: bool = False, patient_ids: Sequence[str] = ()) -> list[Slide]:
    """Table 1, the flow and (optionally) patients' case summaries, in that order."""
    slides = [*table1_slides(results, by=table1_by, extra=table1_extra, pvalues=table1_pvalues, hb_unit=hb_unit),
              flow_slide(results, filters=filters)]
    slides += [patient_slide(results, pid, hb_unit=hb_unit) for pid in patient_ids]
    return slides


def manuscript_deck(slides: Sequence[Slide], results: Any, *, filters: str = "all patients") -> bytes:
    """``slides`` rendered alone as PPTX bytes, with the deck's footer context."""
    return render_deck(list(slides), deck_context(results, filters=filters))
