"""Page widgets for the manuscript documents (issue 15): Table 1, the patient flow, the Word
report and the one-page patient summary. Layout only: every value and byte comes from
``lusp.table1``, ``lusp.flow``, ``lusp.figures.flow`` and ``lusp.export``.

The Overview calls :func:`report_download` (in its export expander), :func:`table1_section`
and :func:`flow_section`; the Patients page calls :func:`patient_summary_downloads`.
Downloads are deferred (a callable as ``data``): the report and the page render only when
their button is clicked, and the callables capture what they need (no session state).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

import app_state
from app_pages import _ui
from lusp.i18n import _, use_language
from app_pages._export_ui import PPTX_MIME, XLSX_MIME, current_caption

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Widget keys (documented so tests can find them).
TABLE1_BY_KEY = "w_table1_by"
TABLE1_P_KEY = "w_table1_p"
TABLE1_EXTRA_KEY = "w_table1_extra"


def _table1_options(results: Any) -> dict[str, Any]:
    """The Table 1 options as the widgets hold them (defaults: TD/NTD, no p-values)."""
    from lusp.table1 import candidate_covariates

    candidates = candidate_covariates(results)
    chosen = [c for c in st.session_state.get(TABLE1_EXTRA_KEY, []) if c in candidates]
    return {"by": st.session_state.get(TABLE1_BY_KEY, "td"), "pvalues": bool(st.session_state.get(TABLE1_P_KEY, False)),
            "extra": tuple(chosen)}


def _in(lang: str, build):
    """``build()`` in ``lang``: a deferred download runs outside the session's language."""
    with use_language(lang):
        return build()


def report_download(results: Any, *, key: str = "report_docx") -> None:
    """One click: the Word report of the view (filters, criteria, Hb unit, Table 1 options)."""
    from lusp.export.report_docx import build_report

    filters = app_state.describe_filters()
    hb_unit = app_state.hb_unit()
    options = _table1_options(results)

    lang = app_state.language()  # the build runs outside the session: it is told the language

    def build() -> bytes:
        with use_language(lang):
            return build_report(results, filters=filters, hb_unit=hb_unit, table1_by=options["by"],
                                table1_extra=options["extra"], table1_pvalues=options["pvalues"])

    st.download_button(
        _("Word report (.docx)"), data=build, file_name=f"luspatercept_report_{results.criteria}_{date.today().isoformat()}.docx",
        mime=DOCX_MIME, key=key, on_click="ignore", icon=":material/article:",
        help=_("Methods with every parameter, Table 1, patient flow, results with exact CIs, key figures at print "
               "resolution with numbered captions and the per-patient table — editable Word tables and headings"))


def table1_section(results: Any) -> None:
    """Table 1 with its options, the XLSX and the slide downloads."""
    from lusp.export.slides_manuscript import manuscript_deck, table1_slides
    from lusp.table1 import BY_CHOICES, candidate_covariates, table1_xlsx, table_one

    st.subheader(_("Table 1: baseline characteristics"))
    by_col, p_col, extra_col = st.columns([2, 1, 3], vertical_alignment="bottom")
    by_col.selectbox(_("Columns"), list(BY_CHOICES), format_func=lambda b: _(BY_CHOICES.get(b, b)),  # i18n: lookup
                     key=TABLE1_BY_KEY)
    p_col.checkbox(_("p-values"), key=TABLE1_P_KEY, help=_("Unadjusted; each row names its test"))
    candidates = candidate_covariates(results)
    extra_col.multiselect(_("Add covariates"), candidates, key=TABLE1_EXTRA_KEY,
                          format_func=_ui.labels.covariate_label, disabled=not candidates,
                          placeholder=_("other patient columns") if candidates else _("no other patient columns"))
    options = _table1_options(results)
    hb_unit = app_state.hb_unit()
    try:
        table1 = app_state.cached("table1", lambda: table_one(results, hb_unit=hb_unit, **options),
                                  options["by"], options["pvalues"], options["extra"], hb_unit)
    except ValueError as error:
        _ui.empty(_("Table 1 could not be built: {error}").format(error=error))
        return
    st.dataframe(table1.frame, hide_index=True, width="stretch", key="table1_frame",
                 height=min(35 * (len(table1.frame) + 1) + 3, 640))
    st.caption(table1.caption())
    caption = current_caption()
    filters = app_state.describe_filters()
    lang = app_state.language()
    x_col, s_col, _rest = st.columns([1, 1, 3])
    x_col.download_button(_("Table 1 (.xlsx)"), data=lambda: _in(lang, lambda: table1_xlsx(table1, caption=caption)), file_name="table1.xlsx",
                          mime=XLSX_MIME, key="table1_xlsx", on_click="ignore", icon=":material/grid_on:")
    s_col.download_button(
        _("Table 1 slide (.pptx)"),
        data=lambda: _in(lang, lambda: manuscript_deck(table1_slides(results, hb_unit=hb_unit, **options), results,
                                                        filters=filters)),
        file_name="table1.pptx", mime=PPTX_MIME, key="table1_pptx", on_click="ignore", icon=":material/slideshow:")


def flow_section(results: Any) -> None:
    """The STROBE-style patient flow (PNG / SVG / add to deck beside it) and its slide."""
    from lusp.export.slides_manuscript import flow_slide, manuscript_deck
    from lusp.figures.flow import flow_figure
    from lusp.flow import patient_flow

    st.subheader(_("Patient flow"))
    filters = app_state.describe_filters()
    flow = patient_flow(results, filters=filters)
    fig = app_state.cached("flow_figure", lambda: flow_figure(flow), filters)
    lang = app_state.language()
    _ui.show_chart(fig, key="patient_flow")
    st.download_button(_("Flow slide (.pptx)"), data=lambda: _in(lang, lambda: manuscript_deck(
                           [flow_slide(results, filters=filters)], results, filters=filters)),
                       file_name="patient_flow.pptx", mime=PPTX_MIME, key="flow_pptx", on_click="ignore",
                       icon=":material/slideshow:")


def patient_summary_downloads(results: Any, patient_id: str) -> None:
    """One click: the patient's one-page case summary as PNG, PDF or a slide."""
    from lusp.export.patient_summary import patient_summary_image
    from lusp.export.slides_manuscript import manuscript_deck, patient_slide

    hb_unit = app_state.hb_unit()
    filters = app_state.describe_filters()
    lang = app_state.language()
    png_col, pdf_col, ppt_col = st.columns(3)
    png_col.download_button(_("Case summary (PNG)"),
                            data=lambda: _in(lang, lambda: patient_summary_image(results, patient_id, "png", hb_unit=hb_unit)),
                            file_name=f"patient_{patient_id}.png", mime="image/png", key="patient_summary_png",
                            on_click="ignore", icon=":material/summarize:", width="stretch",
                            help=_("One A4 page for a case discussion: trajectory, reason, burden, doses, findings, "
                                   "covariates"))
    pdf_col.download_button("PDF", data=lambda: _in(lang, lambda: patient_summary_image(results, patient_id, "pdf",
                                                                                        hb_unit=hb_unit)),
                            file_name=f"patient_{patient_id}.pdf", mime="application/pdf", key="patient_summary_pdf",
                            on_click="ignore", icon=":material/picture_as_pdf:", width="stretch")
    ppt_col.download_button(_("Slide"), data=lambda: _in(lang, lambda: manuscript_deck(
                                [patient_slide(results, patient_id, hb_unit=hb_unit)], results, filters=filters)),
                            file_name=f"patient_{patient_id}.pptx", mime=PPTX_MIME, key="patient_summary_pptx",
                            on_click="ignore", icon=":material/slideshow:", width="stretch")
