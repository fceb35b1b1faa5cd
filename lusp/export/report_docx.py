"""The Word report (.docx, python-docx): from meeting to manuscript.

One editable document from the same analysis and display context as the pages: title
and cohort line, the SYNTHETIC badge when it applies (under the title and in every page
header), **Methods** (``lusp.narrative.methods_paragraph``: every definition and parameter
in force and the command that reproduces the numbers), **Results** — Table 1, the patient
flow, the results paragraph (``lusp.narrative.results_paragraph``) with a response-rate
table of exact 95 % CIs, the key figures at print resolution with numbered captions — and
the per-patient table (landscape pages), then any extra sections the caller passes.

Everything is a real Word object: headings use the built-in *Heading 1/2* styles (the
navigation pane and a table of contents see them), tables are Word tables (editable, the
header row repeats on every page), captions use the *Caption* style with ``SEQ`` fields
(Word renumbers them when a figure is added). Nothing is computed here: numbers come from
``lusp.analysis.summarize``, ``lusp.table1``, ``lusp.flow`` and the results table.

Extra sections (e.g. the trial comparison and the early-review tables, built elsewhere):
``extra_sections`` takes :class:`ReportSection` objects or plain ``(heading, DataFrame)``
pairs; each becomes a *Heading 1* with its text and a numbered Word table. ``hooks`` are
functions ``hook(document, context)`` called at the end for anything else.

Languages: :data:`REPORT_LANGUAGES` (English and simplified Chinese); the report is written
in ``lang`` (every heading, caption, header and wrapper sentence through :mod:`lusp.i18n`);
any other ``lang`` is refused with a plain :class:`ValueError`. Every style names its
east-asian font (``w:eastAsia`` = :data:`EA_FONT`, Noto Sans CJK SC), so Chinese text is drawn
in a CJK font on a machine without Microsoft fonts.
"""
from __future__ import annotations

import datetime as _dt
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lusp.i18n import N_, _, pgettext, use_language

_log = logging.getLogger("lusp.export")

#: Languages the report is written in (code → name).
REPORT_LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}

REPORT_TITLE = N_("Luspatercept outside its approved indications: cohort report")
#: Text width of a portrait A4 page with 2.2 cm margins (inches) and print resolution.
TEXT_WIDTH_IN = 6.5
PRINT_DPI = 300
BODY_PT = 10.5
TABLE_PT = 8.5
FONT = "Arial"
#: The east-asian font of every style (Debian's fonts-noto-cjk).
EA_FONT = "Noto Sans CJK SC"
SYNTHETIC_TEXT = N_("SYNTHETIC DATA — invented patients, not real patients")
_SYNTHETIC_FILL = "D55E00"
#: Tables longer than this repeat their header row on every page.
REPEAT_HEADER_MIN_ROWS = 12
_HEADER_FILL = "E8EEF5"


@dataclass(frozen=True)
class ReportSection:
    """An extra section: a *Heading 1*, optional paragraphs, an optional table (with its
    numbered caption) and optional figure PNG (with its numbered caption)."""

    heading: str
    table: pd.DataFrame | None = None
    text: str | Sequence[str] = ""
    caption: str = ""
    figure_png: bytes | None = None
    figure_caption: str = ""


@dataclass
class ReportContext:
    """What hooks receive: the analysis, its summary, and the caption counters."""

    results: Any
    summary: dict
    filters: str
    hb_unit: str
    tables: int = 0
    figures: int = 0
    figure_titles: list[str] = field(default_factory=list)
    table_titles: list[str] = field(default_factory=list)


def check_language(lang: str) -> str:
    """``lang`` if a report can be written in it, else ``ValueError`` naming those that can."""
    if lang not in REPORT_LANGUAGES:
        available = ", ".join(f"{code} ({name})" for code, name in REPORT_LANGUAGES.items())
        raise ValueError(_("the report is not available in {lang!r}; available: {available}").format(
            lang=lang, available=available))
    return lang


def build_report(results: Any, *, lang: str | None = None, **options: Any) -> bytes:
    """The Word report of ``results`` in ``lang`` (None: the language in force; see
    :func:`_build_report` for the options)."""
    from lusp.i18n import current_language

    lang = check_language(current_language() if lang is None else lang)
    with use_language(lang):
        return _build_report(results, **options)


def _build_report(
    results: Any,
    *,
    filters: str = "all patients",
    hb_unit: str = "g/L",
    table1_by: str | None = "td",
    table1_extra: Sequence[str] = (),
    table1_pvalues: bool = False,
    extra_sections: Iterable[ReportSection | tuple[str, pd.DataFrame]] = (),
    hooks: Iterable[Callable[[Any, ReportContext], None]] = (),
    figures: bool = True,
    today: _dt.date | None = None,
    trials_and_review: bool = True,
) -> bytes:
    """The Word report of ``results`` (already restricted to the filters) as .docx bytes.

    ``figures=False`` leaves the charts out (text and tables only; no browser needed).
    ``trials_and_review=True`` adds, after ``extra_sections``, the trial comparison and the review-day
    tables where the cohort supports them (:func:`lusp.export.report_sections.context_sections`).
    """
    from docx import Document
    from docx.shared import Inches, Pt

    from lusp.analysis import summarize
    from lusp.export.deck import deck_patient_table
    from lusp.export.tables import response_rate_table
    from lusp.flow import patient_flow
    from lusp.narrative import methods_paragraph, percent, reproduce_command, results_paragraph
    from lusp.table1 import table_one

    summary = summarize(results)
    source = results.cohort.source
    synthetic = bool(getattr(source, "synthetic", False))
    today = today or _dt.date.today()
    # context.filters stays the caller's value ("all patients" is compared against by
    # lusp.flow); the document shows it in the language in force.
    context = ReportContext(results=results, summary=summary, filters=filters or "all patients", hb_unit=hb_unit)
    shown_filters = _("all patients") if context.filters == "all patients" else context.filters

    doc = Document()
    _base_styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.27), Inches(11.69)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches((8.27 - TEXT_WIDTH_IN) / 2))
    section.top_margin = section.bottom_margin = Inches(0.9)
    _header_footer(section, source, results, shown_filters, synthetic)
    title = _(REPORT_TITLE)  # i18n: lookup
    doc.core_properties.title = title
    doc.core_properties.subject = f"{source.name} · {results.criteria_label} · {shown_filters}"
    doc.core_properties.author = "Luspatercept Cohort Explorer"

    doc.add_heading(title, level=0)
    if synthetic:
        _badge(doc.add_paragraph(), _(SYNTHETIC_TEXT))  # i18n: lookup
    cohort = (_("{name} (calendar dates {first} – {last})").format(
        name=source.name, first=source.date_range[0], last=source.date_range[1]) if source.date_range else source.name)
    facts = [
        (_("Cohort"), cohort),
        (_("Patients"), _("{n} ({td} TD, {ntd} NTD at baseline)").format(
            n=summary["n_patients"], td=summary["n_td"], ntd=summary["n_ntd"])),
        (_("Filters"), shown_filters),
        (_("Response criteria"), results.criteria_label),
        (_("Dose-protocol review"), results.protocol_label),
        (_("Prepared"), _("{date} with the Luspatercept Cohort Explorer").format(date=today.isoformat())),
    ]
    for label, value in facts:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(1)
        paragraph.add_run(_("{label}: ").format(label=label)).bold = True
        paragraph.add_run(value)

    doc.add_heading(_("Methods"), level=1)
    for part in _methods_parts(methods_paragraph(results)):
        paragraph = doc.add_paragraph()
        head, sep, tail = part.partition(": ")
        if part.startswith(("Parameters in force: ", "Protocol parameters: ", "Reproduce with: ")):
            paragraph.add_run(head + sep).bold = True
            run = paragraph.add_run(tail)
            if part.startswith("Reproduce with: "):
                run.font.name = "Courier New"
        else:
            paragraph.add_run(part)

    table1 = table_one(results, by=table1_by, extra=table1_extra, pvalues=table1_pvalues, hb_unit=hb_unit)
    table1_caption = {
        "td": _("Baseline characteristics by transfusion dependence at baseline."),
        "responder": _("Baseline characteristics by response (intention to treat)."),
        "outcome": _("Baseline characteristics by outcome class."),
        None: _("Baseline characteristics."),
    }[table1_by]
    wide = len(table1.frame.columns) > 5  # p-values or more than two groups: a landscape page
    if wide:
        _new_section(doc, landscape=True)
    doc.add_heading(_("Results"), level=1)
    doc.add_heading(_("Baseline characteristics"), level=2)
    _caption(doc, "Table", context, table1_caption)
    # The rules sit between the caption and the table, so a table that fills its page never
    # leaves them alone on the next one.
    _note(doc, table1.caption(), keep_with_next=True)
    _word_table(doc, table1.frame, font_pt=TABLE_PT, first_col_in=3.0 if wide else 2.4)
    if wide:
        _new_section(doc, landscape=False)

    doc.add_heading(_("Patient flow"), level=2)
    flow = patient_flow(results, filters=context.filters)
    doc.add_paragraph(_("{flow}.").format(flow=_("; ").join(line.strip() for line in flow.lines())))
    if figures:
        from lusp.figures.flow import flow_figure

        _figure(doc, context, lambda: _plotly_print_png(flow_figure(flow, font_size=14, wrap=35, height=780), 1000, 780),
                _("Patient flow: patients in the file, treated, evaluable (each exclusion with its reason), TD / NTD "
                  "at baseline and responders (intention to treat)."), alt="\n".join(flow.lines()))

    doc.add_heading(_("Response"), level=2)
    doc.add_paragraph(results_paragraph(summary, results))
    names = {"overall": _("All patients"), "td": _("TD at baseline"), "ntd": _("NTD at baseline")}
    rows = []
    for row in response_rate_table(summary).itertuples(index=False):
        block = summary["response_rate"][row.group] or {}
        has = bool(block.get("n"))
        rows.append({
            _("Group"): names[row.group],
            pgettext("count of patients", "Responders"): str(row.n_responders),
            pgettext("count of patients", "Patients"): str(row.n_patients),
            _("Rate, %"): percent(block["rate"]) if has else "–",
            _("95 % CI, %"): f"{percent(block['ci_low'])}–{percent(block['ci_high'])}" if has else "–",
        })
    _caption(doc, "Table", context, _("Response rates with exact (Clopper–Pearson) 95 % confidence intervals, "
             "{criteria}; patients who cannot be evaluated count as non-responders.").format(criteria=results.criteria_label))
    _word_table(doc, pd.DataFrame(rows), font_pt=BODY_PT - 1, first_col_in=2.0)

    if figures and len(results.table):
        doc.add_heading(_("Figures"), level=2)
        for build, caption in _key_figures(results, summary, hb_unit):
            _figure(doc, context, build, caption)

    _new_section(doc, landscape=True)
    doc.add_heading(_("Per-patient results"), level=1)
    _caption(doc, "Table", context, _("Per-patient results (TF = transfusion-free; RBC U/28 d = red-cell units per "
             "28 days; – = cannot be computed)."))
    patient_frame = deck_patient_table(results.table, hb_unit=hb_unit)
    if "reason" in results.table.columns and len(results.table):
        patient_frame[_("Reason")] = results.table["reason"].astype(str).to_list()
    _word_table(doc, patient_frame, font_pt=7.5, first_col_in=0.8, last_col_in=2.3)

    if trials_and_review:
        from lusp.export.report_sections import context_sections

        extra_sections = [*extra_sections, *context_sections(results, hb_unit=hb_unit)]
    for extra in extra_sections:
        item = extra if isinstance(extra, ReportSection) else ReportSection(heading=str(extra[0]), table=extra[1])
        doc.add_heading(item.heading, level=1)
        texts = [item.text] if isinstance(item.text, str) else list(item.text)
        for text in texts:
            if text:
                doc.add_paragraph(text)
        if item.table is not None:
            _caption(doc, "Table", context, item.caption or _("{heading}.").format(heading=item.heading))
            _word_table(doc, _as_text(item.table), font_pt=TABLE_PT)
        if item.figure_png is not None:
            _figure(doc, context, lambda png=item.figure_png: png, item.figure_caption or _("{heading}.").format(heading=item.heading))
    for hook in hooks:
        hook(doc, context)
    # A closing line: the document ends on text, never on a table (LibreOffice pushes a
    # table that ends a document onto a page of its own).
    _note(doc, _("End of report. Prepared {date} with the Luspatercept Cohort Explorer; "
                 "the numbers are reproduced by: {command}").format(date=today.isoformat(), command=reproduce_command(results)))
    _drop_final_spacer(doc)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _methods_parts(text: str) -> list[str]:
    """The methods paragraph cut before its parameter lists and the reproduce command, so
    each reads as its own paragraph (the words are the narrative's, unchanged)."""
    parts = [text]
    for marker in ("Parameters in force: ", "Protocol parameters: ", "Reproduce with: "):
        last = parts[-1]
        at = last.find(marker)
        if at > 0:
            parts[-1:] = [last[:at].rstrip(), last[at:]]
    return [p for p in parts if p]


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _key_figures(results: Any, summary: dict, hb_unit: str) -> list[tuple[Callable[[], bytes], str]]:
    """(PNG builder, caption) of each key figure that has something to show."""
    from lusp import figures

    table = results.table
    out: list[tuple[Callable[[], bytes], str]] = []
    rates = figures.response_rates_frame(summary)
    out.append((lambda: _altair_print_png(figures.response_rates_chart(rates, criteria_label=results.criteria_label)),
                _("Response rates overall, TD and NTD with exact 95 % confidence intervals.")))
    if table["td_baseline"].astype("boolean").fillna(False).astype(bool).any():
        out.append((lambda: _altair_print_png(figures.burden_dumbbell(table)),
                    _("RBC transfusion burden (units per 28 days) in the baseline window and during follow-up, TD patients.")))
    if table["hb_rise_g_l"].notna().any():
        threshold = getattr(results.params, "ntd_rise_g_l", None)
        out.append((lambda: _altair_print_png(figures.waterfall(table, hb_unit=hb_unit, threshold_g_l=threshold)),
                    _("Best Hb change from baseline (peak transfusion-unaffected Hb after day 0 minus baseline), one bar "
                      "per patient; the dashed line is the NTD response threshold.")))
    out.append((lambda: _altair_print_png(figures.swimmer(
        table, figures.swimmer_marks(results.cohort.doses, results.cohort.events, table["patient_id"]))),
        _("Time on study per patient, coloured by outcome, with the longest transfusion-free run, dose escalations "
          "and events.")))
    return out


def _altair_print_png(chart: Any) -> bytes:
    from lusp.export.images import figure_to_image

    return figure_to_image(chart, "png", width_px=int(TEXT_WIDTH_IN * PRINT_DPI))


def _plotly_print_png(fig: Any, width_px: int, height_px: int, scale: float = 2.0) -> bytes:
    """A Plotly figure laid out ``width_px`` wide and rendered at ``scale`` (print
    resolution with readable type), through lusp.export.images' shared renderer."""
    from lusp.export.images import plotly_to_image

    return plotly_to_image(fig, "png", width_px=width_px, height_px=height_px, scale=scale)


def _figure(doc: Any, context: ReportContext, build: Callable[[], bytes], caption: str, *, alt: str = "") -> None:
    """The picture at text width, then its numbered caption; a figure that cannot be drawn
    becomes one sentence (the report still completes) and keeps no number."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches

    from lusp.export.images import ImageExportError, png_size

    try:
        png = build()
    except (ImageExportError, ValueError, TypeError, KeyError) as error:
        _log.warning("report figure %r could not be drawn: %s", caption, error)
        doc.add_paragraph(_("This figure could not be drawn for the patients selected ({error}).").format(error=error))
        return
    width, height = png_size(png)
    max_h = 8.0
    width_in = min(TEXT_WIDTH_IN, max_h * width / max(height, 1))
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True
    picture = paragraph.add_run().add_picture(io.BytesIO(png), width=Inches(width_in))
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", (alt or caption)[:1000])
    _caption(doc, "Figure", context, caption)


# --------------------------------------------------------------------------------------
# Word building blocks
# --------------------------------------------------------------------------------------


def _drop_final_spacer(doc: Any) -> None:
    """Remove the empty spacer paragraph after a table that ends the document: LibreOffice
    otherwise starts a blank last page for it (Word supplies its own final paragraph)."""
    from docx.oxml.ns import qn

    body = doc.element.body
    blocks = [el for el in body if el.tag in (qn("w:p"), qn("w:tbl"))]
    if len(blocks) >= 2 and blocks[-2].tag == qn("w:tbl") and blocks[-1].tag == qn("w:p") \
            and not "".join(blocks[-1].itertext()).strip() and blocks[-1].find(qn("w:pPr") + "/" + qn("w:sectPr")) is None:
        body.remove(blocks[-1])


def _new_section(doc: Any, *, landscape: bool) -> Any:
    """A new page in A4 landscape (0.7-inch margins) or portrait (the first page's margins)."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Inches

    section = doc.add_section()
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Inches(11.69), Inches(8.27)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Inches(0.7))
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Inches(8.27), Inches(11.69)
        section.left_margin = section.right_margin = Inches((8.27 - TEXT_WIDTH_IN) / 2)
        section.top_margin = section.bottom_margin = Inches(0.9)
    return section


def _base_styles(doc: Any) -> None:
    from docx.shared import Pt, RGBColor

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 12.5), ("Caption", 9)):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x29, 0x33)
        _east_asian_font(style)
    _east_asian_font(normal)


def _east_asian_font(style: Any) -> None:
    """Set the theme-independent font on every script (rFonts), so Word and LibreOffice agree."""
    from docx.oxml.ns import qn

    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), FONT)
    fonts.set(qn("w:eastAsia"), EA_FONT)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attribute), None)


def _header_footer(section: Any, source: Any, results: Any, filters: str, synthetic: bool) -> None:
    from docx.shared import Pt

    header = section.header.paragraphs[0]
    if synthetic:
        _badge(header, _(SYNTHETIC_TEXT), size_pt=8)  # i18n: lookup
    footer = section.footer.paragraphs[0]
    # One sentence around the page number (Chinese puts words after it: "第 3 页").
    before, _page, after = _("{cohort} · criteria: {criteria} · filters: {filters} · page {page}").partition("{page}")
    words = dict(cohort=source.name, criteria=results.criteria_label, filters=filters)
    run = footer.add_run(before.format(**words))
    run.font.size = Pt(8)
    _field(footer, "PAGE", "1", size_pt=8)
    if after:
        footer.add_run(after.format(**words)).font.size = Pt(8)


def _badge(paragraph: Any, text: str, *, size_pt: float = 11) -> None:
    """White bold text on the vermillion warning colour (the deck's SYNTHETIC badge)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(f" {text} ")
    run.bold = True
    run.font.size = Pt(size_pt)
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    r_pr = run._r.get_or_add_rPr()
    shading = r_pr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): _SYNTHETIC_FILL})
    r_pr.append(shading)


def _field(paragraph: Any, instruction: str, shown: str, *, size_pt: float | None = None, bold: bool = False) -> None:
    """A simple Word field (``PAGE``, ``SEQ Table``) with ``shown`` as its current value."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    field_el = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): f" {instruction} "})
    run = paragraph.add_run(shown)
    run.bold = bold or None
    if size_pt:
        run.font.size = Pt(size_pt)
    run._r.getparent().remove(run._r)
    field_el.append(run._r)
    paragraph._p.append(field_el)


def _caption(doc: Any, kind: str, context: ReportContext, text: str) -> None:
    """"Table 2. …" / "Figure 1. …" in the Caption style, the number a SEQ field."""
    if kind == "Table":
        context.tables += 1
        number = context.tables
        context.table_titles.append(text)
    else:
        context.figures += 1
        number = context.figures
        context.figure_titles.append(text)
    paragraph = doc.add_paragraph(style="Caption")
    paragraph.paragraph_format.keep_with_next = kind == "Table"
    # "Table 2. " / "表2  ": the word before the SEQ field and the mark after it, in the language in force.
    paragraph.add_run(_("Table ") if kind == "Table" else _("Figure ")).bold = True
    _field(paragraph, f"SEQ {kind} \\* ARABIC", str(number), bold=True)
    tail = paragraph.add_run(_(". "))
    tail.bold = True
    paragraph.add_run(text)


def _note(doc: Any, text: str, *, keep_with_next: bool = False) -> None:
    from docx.shared import Pt, RGBColor

    if not text:
        return
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.keep_with_next = keep_with_next
    paragraph.paragraph_format.space_after = Pt(3)
    run = paragraph.add_run(text)
    run.italic = True
    run.font.size = Pt(8.5)
    run.font.color.rgb = RGBColor(0x5F, 0x6B, 0x7A)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    from lusp.export.deck import format_cell

    return pd.DataFrame({str(c): [format_cell(v) for v in frame[c]] for c in frame.columns}, dtype=object)


def _word_table(doc: Any, frame: pd.DataFrame, *, font_pt: float, first_col_in: float | None = None,
                last_col_in: float | None = None) -> Any:
    """``frame`` (strings) as an editable Word table: bold shaded header repeated on every
    page, thin grid, cells in ``font_pt``."""
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    frame = frame.fillna("")
    n_cols = max(len(frame.columns), 1)
    table = doc.add_table(rows=1, cols=n_cols)
    table.style = doc.styles["Table Grid"]
    header = table.rows[0]
    if len(frame) > REPEAT_HEADER_MIN_ROWS:
        # Only tables that can run over a page repeat their header: LibreOffice pushes a
        # short repeating-header table that ends the document onto a page of its own.
        tr_pr = header._tr.get_or_add_trPr()
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for index, name in enumerate(frame.columns):
        cell = header.cells[index]
        _cell_text(cell, str(name), font_pt, bold=True)
        _shade(cell, _HEADER_FILL)
    for values in frame.itertuples(index=False, name=None):
        cells = table.add_row().cells
        for index, value in enumerate(values):
            text = str(value)
            _cell_text(cells[index], text.lstrip(" "), font_pt, indent=len(text) - len(text.lstrip(" ")) > 0)
    _set_widths(doc, table, list(frame.columns), first_col_in=first_col_in, last_col_in=last_col_in)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return table


#: Narrow columns of any table (inches): counts and short codes.
_NARROW_IN = {"Missing": 0.6, "p-value": 0.65, "Test": 1.25, "Responders": 1.0, "Diagnosis": 1.25, "Outcome": 0.95, "Patients": 0.8, "Rate, %": 0.8}


def _set_widths(doc: Any, table: Any, columns: list[str], *, first_col_in: float | None,
                last_col_in: float | None) -> None:
    """Column widths on the grid (LibreOffice reads ``w:gridCol``) and on every cell (Word
    reads ``w:tcW``), filling the text width of the current section."""
    from docx.shared import Inches

    section = doc.sections[-1]
    usable = (section.page_width - section.left_margin - section.right_margin) / 914400
    from lusp.labels import column_label

    narrow = {**_NARROW_IN, pgettext("count of patients", "Responders"): 1.0,
              pgettext("count of patients", "Patients"): 0.8, _("Rate, %"): 0.8,
              column_label("diagnosis"): 1.25, column_label("outcome"): 0.95}
    widths: list[float | None] = [narrow.get(str(c)) for c in columns]
    if first_col_in and columns:
        widths[0] = first_col_in
    if last_col_in and len(columns) > 1:
        widths[-1] = last_col_in
    fixed = sum(w for w in widths if w)
    free = [i for i, w in enumerate(widths) if not w]
    share = max((usable - fixed) / len(free), 0.45) if free else 0
    final = [w or share for w in widths]
    if sum(final) > usable:  # never wider than the page: scale everything down
        final = [w * usable / sum(final) for w in final]
    table.autofit = False
    for index, width in enumerate(final):
        table.columns[index].width = Inches(width)
        for cell in table.columns[index].cells:
            cell.width = Inches(width)


def _cell_text(cell: Any, text: str, font_pt: float, *, bold: bool = False, indent: bool = False) -> None:
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if indent:
        paragraph.paragraph_format.left_indent = Pt(8)
    run = paragraph.add_run(text)
    run.font.size = Pt(font_pt)
    run.bold = bold


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(tc_pr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}))
