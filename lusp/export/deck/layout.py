"""Deck layout engine: slide specs (:class:`Slide`) and :func:`render_deck` (python-pptx).

16:9, one font (Arial — Liberation Sans, metric-compatible, where Arial is absent), the
app's outcome palette, and on every slide a footer stating the cohort, the criteria set and
the filters in force, plus a SYNTHETIC badge when the cohort is synthetic. Tables too long
for one slide are split across slides at a readable size. Layout only: no clinical value is
computed here (see :mod:`lusp.export.deck` for the slide families built on it).
"""
from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from lusp.export.images import png_size
from lusp.i18n import _, pgettext

_log = logging.getLogger("lusp.export")

SlideKind = Literal["title", "numbers", "image", "images", "table", "text"]

# --------------------------------------------------------------------------------------
# Geometry and type: one place, so every slide lines up with every other.
# --------------------------------------------------------------------------------------

SLIDE_WIDTH_IN = 13.333  # 16:9
SLIDE_HEIGHT_IN = 7.5
MARGIN_IN = 0.45
TITLE_TOP_IN = 0.25
TITLE_HEIGHT_IN = 0.8
CAPTION_HEIGHT_IN = 0.4
FOOTER_HEIGHT_IN = 0.42
BODY_TOP_IN = TITLE_TOP_IN + TITLE_HEIGHT_IN + 0.05
BODY_BOTTOM_IN = SLIDE_HEIGHT_IN - FOOTER_HEIGHT_IN - 0.12

#: Arial everywhere: present on every PowerPoint machine; LibreOffice substitutes the
#: metric-compatible Liberation Sans, so line breaks match between the two.
FONT = "Arial"
#: The east-asian typeface of every run and of the theme (``a:ea``): Chinese text is drawn in
#: Noto Sans CJK SC (Debian's fonts-noto-cjk), named explicitly so a machine without
#: Microsoft fonts never falls back to a font without CJK glyphs (tofu boxes).
EA_FONT = "Noto Sans CJK SC"
TITLE_PT = 28
CAPTION_PT = 14
FOOTER_PT = 10
TABLE_PT = 14  # readable from the back of a meeting room; never below TABLE_MIN_PT
TABLE_MIN_PT = 11
BODY_PT = 18

INK = "1F2933"  # near-black text
MUTED = "5F6B7A"  # captions and footer
ACCENT = "0072B2"  # the responder blue doubles as the deck's accent
RULE = "D5DBE3"
HEADER_FILL = "E8EEF5"
TILE_FILL = "F3F6FA"
SYNTHETIC = "D55E00"  # Okabe–Ito vermillion: a warning colour distinct from the outcomes

#: At most this many columns of a basket table on a slide (wider tables keep the first).
MAX_SLIDE_COLUMNS = 12
#: At most this many rows on one table slide (fewer when wrapped cells make rows taller:
#: pages are cut by estimated height).
TABLE_ROWS_PER_SLIDE = 14


# --------------------------------------------------------------------------------------
# Slide specs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One number tile: ``value`` large, ``label`` under it, ``detail`` small."""

    value: str
    label: str
    detail: str = ""


@dataclass(frozen=True, eq=False)
class Slide:
    """One slide to lay out. ``kind`` says which fields are used.

    - ``title``: ``title`` and ``bullets`` (subtitle lines).
    - ``numbers``: ``headlines`` as tiles.
    - ``image``: ``images[0]`` (PNG bytes) fitted under the title.
    - ``images``: several PNGs in a grid, each with its ``image_captions`` entry.
    - ``table``: ``table`` (strings), split across slides when long; ``cell_colours``
      maps a column name to a function from cell text to a hex colour (or None), drawn
      as a square swatch before the text.
    - ``text``: ``bullets``, fitted to the body (two columns when long).

    ``caption`` is the grey line under the title (for basket slides: the filters and
    parameters in force when the item was added). ``notes`` are the speaker notes.
    """

    kind: SlideKind
    title: str
    caption: str = ""
    images: tuple[bytes, ...] = ()
    image_captions: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    cell_colours: Mapping[str, Callable[[str], str | None]] = field(default_factory=dict)
    headlines: tuple[Headline, ...] = ()
    bullets: tuple[str, ...] = ()
    notes: str = ""
    alt_text: str = ""
    #: Set when a long table is split: every part keeps the whole table's column widths.
    table_layout: Any = None


@dataclass(frozen=True)
class DeckContext:
    """What every slide's footer says: which cohort, which rules, which patients."""

    cohort_name: str
    criteria_label: str
    filters: str = ""
    n_patients: int | None = None
    synthetic: bool = False
    date_range: str = ""

    def footer_text(self) -> str:
        filters = self.filters or _("all patients")
        if self.n_patients is None:
            return _("{cohort} · criteria: {criteria} · filters: {filters}").format(
                cohort=self.cohort_name, criteria=self.criteria_label, filters=filters)
        return _("{cohort} · criteria: {criteria} · filters: {filters} (n = {n})").format(
            cohort=self.cohort_name, criteria=self.criteria_label, filters=filters, n=self.n_patients)


# --------------------------------------------------------------------------------------
# Layout engine
# --------------------------------------------------------------------------------------


def render_deck(slides: Sequence[Slide], context: DeckContext) -> bytes:
    """Lay ``slides`` out as a 16:9 PPTX and return its bytes.

    Table slides taller than the body (or longer than :data:`TABLE_ROWS_PER_SLIDE` rows)
    become several slides titled "… (1 of 2)", rows split as evenly as heights allow. Every slide gets the footer of ``context`` and its
    number; a synthetic cohort gets a SYNTHETIC DATA badge on every slide.
    """
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width = Inches(SLIDE_WIDTH_IN)
    prs.slide_height = Inches(SLIDE_HEIGHT_IN)
    _theme_east_asian_font(prs)
    prs.core_properties.title = _("Luspatercept cohort review — {cohort}").format(cohort=context.cohort_name)
    prs.core_properties.subject = context.footer_text()
    prs.core_properties.author = "Luspatercept Cohort Explorer"

    expanded: list[Slide] = []
    for slide in slides:
        expanded.extend(_split_table(slide) if slide.kind == "table" else [slide])

    for number, spec in enumerate(expanded, start=1):
        layout = prs.slide_layouts[0 if spec.kind == "title" else 5]
        slide = prs.slides.add_slide(layout)
        if spec.kind == "title":
            _draw_title_slide(slide, spec, context)
        else:
            _draw_title(slide, spec.title)
            top = BODY_TOP_IN
            if spec.caption:
                _text(slide, spec.caption, MARGIN_IN, top - 0.05, SLIDE_WIDTH_IN - 2 * MARGIN_IN, CAPTION_HEIGHT_IN, CAPTION_PT, colour=MUTED)
                top += CAPTION_HEIGHT_IN
            drawer = _DRAWERS[spec.kind]
            drawer(slide, spec, top)
        _draw_footer(slide, context, number, len(expanded))
        if spec.notes:
            _set_notes(slide, spec.notes)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _draw_title_slide(slide: Any, spec: Slide, context: DeckContext) -> None:
    from pptx.util import Inches

    title = slide.shapes.title
    title.left, title.top = Inches(MARGIN_IN + 0.3), Inches(1.5)
    title.width, title.height = Inches(SLIDE_WIDTH_IN - 2 * MARGIN_IN - 0.6), Inches(1.6)
    _style_text_frame(title.text_frame, spec.title, 40, bold=True, colour=INK)
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top = Inches(MARGIN_IN + 0.3), Inches(3.25)
    subtitle.width, subtitle.height = Inches(SLIDE_WIDTH_IN - 2 * MARGIN_IN - 0.6), Inches(2.6)
    frame = subtitle.text_frame
    frame.clear()
    for index, line in enumerate(spec.bullets):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        _run(paragraph, line, 22 if index == 0 else 18, colour=ACCENT if index == 0 else MUTED, bold=index == 0)
        _align_left(paragraph)
    # An accent bar: the one decoration, so the title slide is recognisably ours.
    _rect(slide, MARGIN_IN + 0.3, 1.3, 1.4, 0.08, fill=ACCENT)
    if context.synthetic:
        badge = _rect(slide, SLIDE_WIDTH_IN - MARGIN_IN - 5.6, 0.45, 5.6, 0.7, fill=SYNTHETIC)
        _style_text_frame(badge.text_frame, _("SYNTHETIC DATA — not real patients"), 18, bold=True, colour="FFFFFF", center=True)


def _draw_image(slide: Any, spec: Slide, top_in: float) -> None:
    _place_picture(slide, spec.images[0], MARGIN_IN, top_in, SLIDE_WIDTH_IN - 2 * MARGIN_IN, BODY_BOTTOM_IN - top_in, spec.alt_text or spec.title)


def _draw_images(slide: Any, spec: Slide, top_in: float) -> None:
    count = len(spec.images)
    if count == 0:
        return
    columns = 1 if count == 1 else 2 if count <= 4 else 3
    rows = math.ceil(count / columns)
    gap = 0.2
    cell_w = (SLIDE_WIDTH_IN - 2 * MARGIN_IN - gap * (columns - 1)) / columns
    cell_h = (BODY_BOTTOM_IN - top_in - gap * (rows - 1)) / rows
    label_h = 0.32
    for index, png in enumerate(spec.images):
        row, column = divmod(index, columns)
        left = MARGIN_IN + column * (cell_w + gap)
        top = top_in + row * (cell_h + gap)
        caption = spec.image_captions[index] if index < len(spec.image_captions) else ""
        if caption:
            _text(slide, caption, left, top, cell_w, label_h, 12, bold=True, colour=INK)
        _place_picture(slide, png, left, top + (label_h if caption else 0), cell_w, cell_h - (label_h if caption else 0), caption or spec.title)


def _draw_numbers(slide: Any, spec: Slide, top_in: float) -> None:
    tiles = spec.headlines
    if not tiles:
        return
    columns = min(4, len(tiles)) if len(tiles) != 6 else 3
    rows = math.ceil(len(tiles) / columns)
    gap = 0.25
    tile_w = (SLIDE_WIDTH_IN - 2 * MARGIN_IN - gap * (columns - 1)) / columns
    tile_h = min(1.95, (BODY_BOTTOM_IN - top_in - 0.1 - gap * (rows - 1)) / rows)
    value_pt = 36 if columns <= 3 else 32
    for index, tile in enumerate(tiles):
        row, column = divmod(index, columns)
        left = MARGIN_IN + column * (tile_w + gap)
        top = top_in + 0.1 + row * (tile_h + gap)
        box = _rect(slide, left, top, tile_w, tile_h, fill=TILE_FILL, line=RULE)
        frame = box.text_frame
        frame.clear()
        frame.word_wrap = True
        _margins(frame, 0.12)
        _run(frame.paragraphs[0], tile.value, value_pt, bold=True, colour=ACCENT)
        _align_left(frame.paragraphs[0])
        label = frame.add_paragraph()
        _run(label, tile.label, 16, bold=True, colour=INK)
        _align_left(label)
        if tile.detail:
            detail = frame.add_paragraph()
            _run(detail, tile.detail, 14, colour=MUTED)
            _align_left(detail)
        from pptx.enum.text import MSO_ANCHOR

        frame.vertical_anchor = MSO_ANCHOR.TOP


def _draw_table(slide: Any, spec: Slide, top_in: float) -> None:
    from pptx.util import Inches

    table_frame = spec.table if spec.table is not None else pd.DataFrame()
    layout = spec.table_layout or _table_layout(table_frame, tuple(spec.cell_colours or ()))
    n_rows, n_cols = len(table_frame) + 1, max(len(table_frame.columns), 1)
    heights = [layout.header_h_in] + [layout.row_h_in(row) for row in table_frame.itertuples(index=False, name=None)]
    shape = slide.shapes.add_table(
        n_rows, n_cols, Inches(MARGIN_IN), Inches(top_in + 0.05), Inches(sum(layout.widths_in)), Inches(sum(heights))
    )
    table = shape.table
    # Our own plain banding instead of the theme's blue table style, which clashes with
    # the outcome colours.
    table.first_row = True
    table.horz_banding = False
    for index, width in enumerate(layout.widths_in):
        table.columns[index].width = Inches(width)
    for index, height in enumerate(heights):
        table.rows[index].height = Inches(height)
    for col, name in enumerate(table_frame.columns):
        _cell(table.cell(0, col), _header_text(name), layout.font_pt, bold=True, fill=HEADER_FILL, colour=INK)
    colours = spec.cell_colours or {}
    for row_index, row in enumerate(table_frame.itertuples(index=False, name=None), start=1):
        fill = "FFFFFF" if row_index % 2 else "F7F9FB"
        for col, value in enumerate(row):
            text = "" if value is None else str(value)
            colour_of = colours.get(table_frame.columns[col])
            marker = colour_of(text) if colour_of else None
            _cell(table.cell(row_index, col), text, layout.font_pt, bold=False, fill=fill, colour=INK, marker=marker)


def _draw_text(slide: Any, spec: Slide, top_in: float) -> None:
    lines = [line for line in spec.bullets if line]
    if not lines:
        return
    width_in = SLIDE_WIDTH_IN - 2 * MARGIN_IN
    height_in = BODY_BOTTOM_IN - top_in - 0.1
    font_pt = _fit_font_pt(lines, width_in, height_in, BODY_PT, 12)
    if font_pt < 14 and len(lines) > 6:
        # Two columns read better than small type: split the list in half.
        half = math.ceil(len(lines) / 2)
        column_w = (width_in - 0.3) / 2
        font_pt = min(_fit_font_pt(lines[:half], column_w, height_in, BODY_PT, 11), _fit_font_pt(lines[half:], column_w, height_in, BODY_PT, 11))
        groups = [lines[:half], lines[half:]]
    else:
        column_w = width_in
        groups = [lines]
    for index, group in enumerate(groups):
        left = MARGIN_IN + index * (column_w + 0.3)
        box = _text(slide, "", left, top_in + 0.05, column_w, height_in, font_pt)
        frame = box.text_frame
        frame.clear()
        for line_index, line in enumerate(group):
            paragraph = frame.paragraphs[0] if line_index == 0 else frame.add_paragraph()
            head, sep, tail = line.partition(": ")
            if "：" in head or not sep:  # a Chinese line: its label ends at the full-width colon
                head, sep, tail = line.partition("：") if "：" in line else (head, sep, tail)
            if sep and len(head) < 80:
                _run(paragraph, head + sep, font_pt, bold=True, colour=INK)
                _run(paragraph, tail, font_pt, colour=INK)
            else:
                _run(paragraph, line, font_pt, colour=INK)
            paragraph.space_after = _pt(font_pt * 0.35)


_DRAWERS: dict[str, Callable[[Any, Slide, float], None]] = {
    "image": _draw_image,
    "images": _draw_images,
    "numbers": _draw_numbers,
    "table": _draw_table,
    "text": _draw_text,
}


def _draw_title(slide: Any, text: str) -> None:
    from pptx.util import Inches

    title = slide.shapes.title
    title.left, title.top = Inches(MARGIN_IN), Inches(TITLE_TOP_IN)
    title.width, title.height = Inches(SLIDE_WIDTH_IN - 2 * MARGIN_IN), Inches(TITLE_HEIGHT_IN)
    size = TITLE_PT if len(text) <= 60 else 24
    _style_text_frame(title.text_frame, text, size, bold=True, colour=INK)
    from pptx.enum.text import MSO_ANCHOR

    title.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE


def _draw_footer(slide: Any, context: DeckContext, number: int, total: int) -> None:
    top = SLIDE_HEIGHT_IN - FOOTER_HEIGHT_IN
    _rect(slide, MARGIN_IN, top - 0.04, SLIDE_WIDTH_IN - 2 * MARGIN_IN, 0.015, fill=RULE)
    left = MARGIN_IN
    if context.synthetic:
        badge = _rect(slide, left, top + 0.06, 1.35, 0.27, fill=SYNTHETIC)
        _style_text_frame(badge.text_frame, _("SYNTHETIC DATA"), 9, bold=True, colour="FFFFFF", center=True)
        _margins(badge.text_frame, 0.02)
        left += 1.45
    _text(slide, context.footer_text(), left, top + 0.02, SLIDE_WIDTH_IN - MARGIN_IN - left - 0.9, FOOTER_HEIGHT_IN - 0.04, FOOTER_PT, colour=MUTED)
    _text(slide, f"{number} / {total}", SLIDE_WIDTH_IN - MARGIN_IN - 0.9, top + 0.02, 0.9, FOOTER_HEIGHT_IN - 0.04, FOOTER_PT, colour=MUTED, right=True)


# --------------------------------------------------------------------------------------
# Low-level helpers (python-pptx)
# --------------------------------------------------------------------------------------


def _pt(size: float):
    from pptx.util import Pt

    return Pt(size)


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _run(paragraph: Any, text: str, size_pt: float, *, bold: bool = False, colour: str = INK) -> Any:
    run = paragraph.add_run()
    run.text = text
    font = run.font
    font.name = FONT
    font.size = _pt(size_pt)
    font.bold = bold
    font.color.rgb = _rgb(colour)
    _east_asian(font, text)
    return run


def _has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f" for ch in text)


def _east_asian(font: Any, text: str = "") -> None:
    """Name :data:`EA_FONT` as the run's east-asian typeface (``a:ea``, after ``a:latin``);
    a run holding Chinese is marked ``lang="zh-CN"``, so the renderer picks the simplified
    Chinese glyph forms of the CJK font (not its Japanese ones)."""
    from pptx.oxml.ns import qn

    r_pr = font._rPr
    if _has_cjk(text):
        r_pr.set("lang", "zh-CN")
    ea = r_pr.find(qn("a:ea"))
    if ea is None:
        ea = r_pr.makeelement(qn("a:ea"), {})
        latin = r_pr.find(qn("a:latin"))
        if latin is not None:
            latin.addnext(ea)
        else:
            r_pr.append(ea)
    ea.set("typeface", EA_FONT)


def _set_notes(slide: Any, notes: str) -> None:
    """The speaker notes, every run in the deck's latin and east-asian typefaces."""
    frame = slide.notes_slide.notes_text_frame
    frame.text = notes
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.name = FONT
            _east_asian(run.font, run.text)


def _theme_east_asian_font(prs: Any) -> None:
    """The theme's major and minor fonts: latin :data:`FONT`, east-asian :data:`EA_FONT`
    (text without its own typeface — a placeholder, the notes page — falls back to these)."""
    import re

    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    for master in prs.slide_masters:
        theme = master.part.part_related_by(RT.THEME)
        xml = theme.blob.decode("utf-8")
        xml = re.sub(r'<a:ea typeface="[^"]*"', f'<a:ea typeface="{EA_FONT}"', xml)
        xml = re.sub(r'<a:latin typeface="[^"]*"', f'<a:latin typeface="{FONT}"', xml)
        theme._blob = xml.encode("utf-8")


def _align_left(paragraph: Any) -> None:
    from pptx.enum.text import PP_ALIGN

    paragraph.alignment = PP_ALIGN.LEFT


def _margins(frame: Any, inches: float) -> None:
    from pptx.util import Inches

    frame.margin_left = frame.margin_right = Inches(inches)
    frame.margin_top = frame.margin_bottom = Inches(inches * 0.6)


def _style_text_frame(frame: Any, text: str, size_pt: float, *, bold: bool = False, colour: str = INK, center: bool = False, right: bool = False) -> None:
    from pptx.enum.text import PP_ALIGN

    frame.clear()
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    _run(paragraph, text, size_pt, bold=bold, colour=colour)
    paragraph.alignment = PP_ALIGN.CENTER if center else PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT


def _text(slide: Any, text: str, left: float, top: float, width: float, height: float, size_pt: float, *, bold: bool = False, colour: str = INK, right: bool = False) -> Any:
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    _margins(box.text_frame, 0.04)
    _style_text_frame(box.text_frame, text, size_pt, bold=bold, colour=colour, right=right)
    return box


def _rect(slide: Any, left: float, top: float, width: float, height: float, *, fill: str, line: str | None = None) -> Any:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(top), Inches(width), Inches(height))
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(fill)
    if line:
        shape.line.color.rgb = _rgb(line)
        shape.line.width = Pt(0.75)
    else:
        shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _cell(cell: Any, text: str, size_pt: float, *, bold: bool, fill: str, colour: str, marker: str | None = None) -> None:
    """One table cell. ``marker``: a colour for a square before the text — the outcome
    palette's orange on white is too faint for text, but reads well as a swatch."""
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Inches

    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(fill)
    cell.margin_left = cell.margin_right = Inches(0.06)
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame = cell.text_frame
    frame.clear()
    frame.word_wrap = True
    if marker:
        _run(frame.paragraphs[0], "■ ", size_pt, bold=True, colour=marker.lstrip("#"))
    _run(frame.paragraphs[0], text, size_pt, bold=bold, colour=colour)


def _place_picture(slide: Any, png: bytes, left: float, top: float, width: float, height: float, alt_text: str) -> Any:
    """Fit ``png`` inside the box keeping its aspect ratio, centred."""
    from pptx.util import Inches

    px_w, px_h = png_size(png)
    scale = min(width / px_w, height / px_h)
    pic_w, pic_h = px_w * scale, px_h * scale
    picture = slide.shapes.add_picture(
        io.BytesIO(png), Inches(left + (width - pic_w) / 2), Inches(top + (height - pic_h) / 2), Inches(pic_w), Inches(pic_h)
    )
    # Alt text for screen readers and PowerPoint's accessibility checker.
    picture._element.nvPicPr.cNvPr.set("descr", alt_text)
    return picture


def _avg_char_in(size_pt: float) -> float:
    # Arial's average glyph is about half an em wide for mixed text.
    return size_pt * 0.5 / 72


#: Approximate Arial advance widths in em, by character class (enough to lay tables out
#: without font files: uppercase and digits are wider than the average lowercase).
_EM_UPPER, _EM_LOWER, _EM_DIGIT, _EM_NARROW, _EM_OTHER = 0.68, 0.52, 0.56, 0.29, 0.60


def _text_width_in(text: str, size_pt: float) -> float:
    """Estimated width of ``text`` in Arial at ``size_pt``."""
    em = 0.0
    for ch in str(text):
        if ch.isupper():
            em += _EM_UPPER
        elif ch.isdigit():
            em += _EM_DIGIT
        elif ch in " .,:;|!'iljtfr-()[]/":
            em += _EM_NARROW
        elif ch.islower():
            em += _EM_LOWER
        else:
            em += _EM_OTHER if ord(ch) < 0x2E80 else 1.0  # CJK glyphs are a full em
    # 4 % margin: calibrated on LibreOffice's rendering of the demo deck (Liberation Sans)
    return em * size_pt / 72 * 1.04


def _fit_font_pt(lines: Sequence[str], width_in: float, height_in: float, max_pt: float, min_pt: float) -> float:
    """The largest size ≤ ``max_pt`` at which ``lines`` (wrapped) fit the box."""
    size = max_pt
    while size > min_pt:
        per_line = max(int(width_in / _avg_char_in(size)), 1)
        wrapped = sum(max(math.ceil(_char_count(line) / per_line), 1) for line in lines)
        if wrapped * size * 1.55 / 72 <= height_in:  # 1.2 line height + paragraph spacing
            return size
        size -= 1
    return min_pt


def _char_count(line: str) -> int:
    """``len(line)`` in average-glyph units: a CJK glyph is a full em, two average glyphs."""
    return len(line) + sum(1 for ch in line if ord(ch) >= 0x2E80)


@dataclass(frozen=True)
class _TableLayout:
    """Column widths and type size of a table slide, and the row heights they imply."""

    widths_in: tuple[float, ...]
    font_pt: float
    header_h_in: float = 0.0

    @property
    def line_in(self) -> float:
        return self.font_pt * 1.22 / 72

    def lines(self, text: str, col: int) -> int:
        """Lines ``text`` takes in column ``col``, wrapping at spaces as PowerPoint does."""
        usable = max(self.widths_in[col] - 2 * _CELL_PAD_IN, 0.2)
        space = _text_width_in(" ", self.font_pt)
        lines, used = 1, 0.0
        for word in str(text).replace("\u200b", " ").split():
            width = _text_width_in(word, self.font_pt)
            if used and used + space + width <= usable:
                used += space + width
                continue
            if used:
                lines, used = lines + 1, 0.0
            # A word wider than the column breaks across lines.
            extra = int(width // usable) if width > usable else 0
            lines, used = lines + extra, width - extra * usable
        return lines

    def row_h_in(self, row: Sequence[Any]) -> float:
        lines = max((self.lines("" if v is None else str(v), i) for i, v in enumerate(row)), default=1)
        # Renderers add paragraph spacing above the cell margins: measured on LibreOffice's
        # PDF, a one-line 14 pt row is about 0.36 in.
        return lines * self.line_in + 2 * _CELL_PAD_TOP_IN + 0.1


_CELL_PAD_IN = 0.06
_CELL_PAD_TOP_IN = 0.03


def _table_layout(frame: pd.DataFrame, marked: Sequence[str] = (), width_in: float = SLIDE_WIDTH_IN - 2 * MARGIN_IN) -> _TableLayout:
    """Widths that keep short columns on one line and let long text columns wrap.

    Tries TABLE_PT, then smaller sizes down to TABLE_MIN_PT, until the short columns fit
    at their natural width and each long-text column keeps at least 1.6 in.
    """
    if not len(frame.columns):
        return _TableLayout((width_in,), TABLE_PT, TABLE_PT * 1.2 / 72)
    size = TABLE_PT
    while True:
        natural = _natural_widths_in(frame, size)
        # room for the outcome swatch ("■ ") in marked columns
        # (the square renders wider than its estimate and bold words need room: add margin)
        natural = [w + (_text_width_in("■ ", size) + 0.15 if c in marked else 0.0) for w, c in zip(natural, frame.columns)]
        total = sum(natural)
        if total <= width_in:
            widths = [w * width_in / total for w in natural]
            break
        # Long free text (diagnoses, reasons) wraps; short labels such as the outcome words
        # keep their natural width, however wide the swatch makes them.
        flexible = [i for i, (w, c) in enumerate(zip(natural, frame.columns)) if w > 1.8 and c not in marked]
        fixed = sum(w for i, w in enumerate(natural) if i not in flexible)
        room = width_in - fixed
        if flexible and room >= 1.6 * len(flexible):
            flex_total = sum(natural[i] for i in flexible)
            widths = [room * natural[i] / flex_total if i in flexible else natural[i] for i in range(len(natural))]
            break
        if size <= TABLE_MIN_PT:
            widths = [w * width_in / total for w in natural]
            break
        size -= 1
    layout = _TableLayout(tuple(widths), size)
    # the header as drawn: in the reader's language (lusp.labels.header_label)
    return replace(layout, header_h_in=layout.row_h_in([_header_text(c) for c in frame.columns]))


def _header_text(column: Any) -> str:
    from lusp.labels import header_label

    return header_label(column)


def _natural_widths_in(frame: pd.DataFrame, size_pt: float) -> list[float]:
    widths = []
    for column in frame.columns:
        # Headers wrap at spaces (one word a line at worst, never inside a word) so short
        # numeric columns stay narrow and the room goes to long text; values should not
        # wrap at all when the slide has room. Headers are bold: about 8 % wider.
        words = _header_text(column).replace("\u200b", " ").split() or [""]
        header = 1.08 * max(_text_width_in(w, size_pt) for w in words)
        value = max((_text_width_in(str(v), size_pt) for v in frame[column].head(200)), default=0.0)
        widths.append(max(header, value, 0.3) + 2 * _CELL_PAD_IN + 0.04)
    return widths


def _split_table(slide: Slide) -> list[Slide]:
    """One slide per page of rows that fits the body, pages as even as the heights allow."""
    frame = slide.table if slide.table is not None else pd.DataFrame()
    layout = _table_layout(frame, tuple(slide.cell_colours or ()))
    top = BODY_TOP_IN + (CAPTION_HEIGHT_IN if slide.caption else 0.0) + 0.05
    room = BODY_BOTTOM_IN - top - layout.header_h_in - 0.1  # keep clear of the footer rule
    heights = [layout.row_h_in(row) for row in frame.itertuples(index=False, name=None)]
    pages = _paginate(heights, room, TABLE_ROWS_PER_SLIDE)
    if len(pages) <= 1:
        return [replace(slide, table_layout=layout)]
    out = []
    for index, (first, last) in enumerate(pages):
        chunk = frame.iloc[first:last].reset_index(drop=True)
        title = _("{title} ({part} of {parts})").format(title=slide.title, part=index + 1, parts=len(pages))
        out.append(replace(slide, title=title, table=chunk, table_layout=layout))
    return out


def _paginate(heights: Sequence[float], room: float, max_rows: int) -> list[tuple[int, int]]:
    """Row ranges per page: greedy page count, then rows spread evenly (22 → 11 + 11,
    not 14 + 8) when the even split still fits."""
    def greedy() -> list[tuple[int, int]]:
        pages, first, used = [], 0, 0.0
        for index, height in enumerate(heights):
            if index > first and (used + height > room or index - first >= max_rows):
                pages.append((first, index))
                first, used = index, 0.0
            used += height
        pages.append((first, len(heights)))
        return pages

    pages = greedy()
    count = len(pages)
    per = math.ceil(len(heights) / count) if count else 0
    even = [(i * per, min((i + 1) * per, len(heights))) for i in range(count)]
    if all(sum(heights[a:b]) <= room and b - a <= max_rows for a, b in even if b > a):
        return [(a, b) for a, b in even if b > a]
    return pages


def _as_text_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Any frame → strings for a slide: booleans yes/no, NA as an en dash, floats trimmed."""
    if frame is None:
        return pd.DataFrame()
    out = {}
    for column in frame.columns:
        # A zero-width space after each underscore lets "burden_before_u28" wrap between
        # its words instead of inside one.
        out[str(column).replace("_", "_\u200b")] = [format_cell(v) for v in frame[column]]
    return pd.DataFrame(out, dtype=object)


def format_cell(value: Any) -> str:
    """One value as slide text: ``yes``/``no`` for booleans, ``–`` for missing, numbers
    with the decimals their size needs (0.636, 4.15, 96.2, 252)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return pgettext("table cell", "yes") if value else pgettext("table cell", "no")
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value.is_integer():
            return f"{value:.0f}"
        decimals = 3 if abs(value) < 1 else 2 if abs(value) < 10 else 1
        return f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return str(value)




def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _fixed(value: Any, decimals: int) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):.{decimals}f}"
