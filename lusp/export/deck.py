"""The meeting deck: python-pptx slides from results, figures and the user's basket.

Three layers, each usable alone:

- **Slide specs** (:class:`Slide`) and the **layout engine** (:func:`render_deck`): 16:9,
  one font (Arial — Liberation Sans, metric-compatible, where Arial is absent), the app's
  outcome palette, and on every slide a footer stating the cohort, the criteria set and
  the filters in force, plus a SYNTHETIC badge when the cohort is synthetic. Tables too
  long for one slide are split across slides at a readable size.
- **The basket** (:class:`DeckItem`, :class:`DeckBasket`): pure data for the app's "add to
  deck" button — each item a chart PNG or a table, captioned with the filters and
  parameters in force when it was added. Session-only; nothing is written to disk.
- **The standard deck** (:func:`standard_slides`, :func:`build_deck`): the slides a
  hematologist presents — title, headline numbers, response rates with CIs, transfusion
  burden, waterfall, swimmer, the transient-spike patients, subgroups, the per-patient
  table, safety, methods (every parameter; results paragraph in the speaker notes).

The deck never computes a clinical value: numbers come from ``lusp.analysis.summarize``,
sentences from ``lusp.narrative``, charts from ``lusp.figures``.
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from lusp.export.images import png_size
from lusp.figures.palette import OUTCOME_COLOURS

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

#: Rows of a table slide, header excluded, at TABLE_PT (0.4 in a row, body ≈ 5.5 in).
TABLE_ROWS_PER_SLIDE = 12


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
      maps a column name to a function from cell text to a hex colour for that text.
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


@dataclass(frozen=True)
class DeckContext:
    """What every slide's footer says: which cohort, which rules, which patients."""

    cohort_name: str
    criteria_label: str
    filters: str = "all patients"
    n_patients: int | None = None
    synthetic: bool = False
    date_range: str = ""

    def footer_text(self) -> str:
        n = f" (n = {self.n_patients})" if self.n_patients is not None else ""
        return f"{self.cohort_name} · criteria: {self.criteria_label} · filters: {self.filters}{n}"


# --------------------------------------------------------------------------------------
# The basket
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DeckItem:
    """A chart or table the user put in the deck basket, with its context.

    Exactly one of ``png`` (chart image) and ``table`` (display frame) is set.
    ``caption`` records the filters and parameters in force when it was added, because
    the sidebar may have changed by the time the deck is built.
    """

    title: str
    caption: str
    png: bytes | None = None
    table: pd.DataFrame | None = None
    notes: str = ""
    item_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    def __post_init__(self) -> None:
        if (self.png is None) == (self.table is None):
            raise ValueError("a deck item holds either a chart PNG or a table, not both or neither")

    @property
    def kind(self) -> str:
        return "chart" if self.png is not None else "table"

    def to_slide(self) -> Slide:
        if self.png is not None:
            return Slide("image", self.title, caption=self.caption, images=(self.png,), notes=self.notes, alt_text=self.title)
        return Slide("table", self.title, caption=self.caption, table=_as_text_frame(self.table), notes=self.notes)


@dataclass(frozen=True)
class DeckBasket:
    """The session's basket: an ordered, immutable list of :class:`DeckItem`.

    Every operation returns a new basket (the app keeps it in ``st.session_state``).
    Out-of-range indices and unknown ids leave the basket unchanged rather than raising:
    a double click must not break the page.
    """

    items: tuple[DeckItem, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def add(self, item: DeckItem) -> "DeckBasket":
        return DeckBasket(self.items + (item,))

    def remove(self, item_id: str) -> "DeckBasket":
        return DeckBasket(tuple(i for i in self.items if i.item_id != item_id))

    def move(self, item_id: str, offset: int) -> "DeckBasket":
        """Move an item ``offset`` places (−1 = up, +1 = down), clamped to the ends."""
        ids = [i.item_id for i in self.items]
        if item_id not in ids:
            return self
        old = ids.index(item_id)
        new = min(max(old + offset, 0), len(ids) - 1)
        items = list(self.items)
        items.insert(new, items.pop(old))
        return DeckBasket(tuple(items))

    def clear(self) -> "DeckBasket":
        return DeckBasket()

    def slides(self) -> list[Slide]:
        return [item.to_slide() for item in self.items]


# --------------------------------------------------------------------------------------
# Layout engine
# --------------------------------------------------------------------------------------


def render_deck(slides: Sequence[Slide], context: DeckContext) -> bytes:
    """Lay ``slides`` out as a 16:9 PPTX and return its bytes.

    Table slides longer than :data:`TABLE_ROWS_PER_SLIDE` become several slides titled
    "… (1 of 2)", rows split evenly. Every slide gets the footer of ``context`` and its
    number; a synthetic cohort gets a SYNTHETIC DATA badge on every slide.
    """
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width = Inches(SLIDE_WIDTH_IN)
    prs.slide_height = Inches(SLIDE_HEIGHT_IN)
    prs.core_properties.title = f"Luspatercept cohort review — {context.cohort_name}"
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
            slide.notes_slide.notes_text_frame.text = spec.notes
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
        _style_text_frame(badge.text_frame, "SYNTHETIC DATA — not real patients", 18, bold=True, colour="FFFFFF", center=True)


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
    tile_h = min(2.6, (BODY_BOTTOM_IN - top_in - 0.1 - gap * (rows - 1)) / rows)
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
        _run(label, tile.label, 15, bold=True, colour=INK)
        _align_left(label)
        if tile.detail:
            detail = frame.add_paragraph()
            _run(detail, tile.detail, 12, colour=MUTED)
            _align_left(detail)
        from pptx.enum.text import MSO_ANCHOR

        frame.vertical_anchor = MSO_ANCHOR.TOP


def _draw_table(slide: Any, spec: Slide, top_in: float) -> None:
    from pptx.util import Inches

    table_frame = spec.table if spec.table is not None else pd.DataFrame()
    n_rows, n_cols = len(table_frame) + 1, max(len(table_frame.columns), 1)
    width_in = SLIDE_WIDTH_IN - 2 * MARGIN_IN
    font_pt = _table_font_pt(table_frame, width_in)
    row_h = 0.4 * font_pt / TABLE_PT
    shape = slide.shapes.add_table(n_rows, n_cols, Inches(MARGIN_IN), Inches(top_in + 0.05), Inches(width_in), Inches(row_h * n_rows))
    table = shape.table
    # Plain banding of our own instead of the theme's blue style, which clashes with the
    # outcome colours.
    table.first_row = True
    table.horz_banding = False
    widths = _column_widths_in(table_frame, width_in, font_pt)
    for index, width in enumerate(widths):
        table.columns[index].width = Inches(width)
    for index in range(n_rows):
        table.rows[index].height = Inches(row_h)
    for col, name in enumerate(table_frame.columns):
        _cell(table.cell(0, col), str(name), font_pt, bold=True, fill=HEADER_FILL, colour=INK)
    colours = spec.cell_colours or {}
    for row_index, row in enumerate(table_frame.itertuples(index=False, name=None), start=1):
        fill = "FFFFFF" if row_index % 2 else "F7F9FB"
        for col, value in enumerate(row):
            text = "" if value is None else str(value)
            colour_of = colours.get(table_frame.columns[col])
            colour = colour_of(text) if colour_of else None
            _cell(table.cell(row_index, col), text, font_pt, bold=colour is not None, fill=fill, colour=(colour or INK).lstrip("#"))


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
            if sep and len(head) < 48:
                _run(paragraph, head + ": ", font_pt, bold=True, colour=INK)
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
        _style_text_frame(badge.text_frame, "SYNTHETIC DATA", 9, bold=True, colour="FFFFFF", center=True)
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
    return run


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


def _cell(cell: Any, text: str, size_pt: float, *, bold: bool, fill: str, colour: str) -> None:
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


def _fit_font_pt(lines: Sequence[str], width_in: float, height_in: float, max_pt: float, min_pt: float) -> float:
    """The largest size ≤ ``max_pt`` at which ``lines`` (wrapped) fit the box."""
    size = max_pt
    while size > min_pt:
        per_line = max(int(width_in / _avg_char_in(size)), 1)
        wrapped = sum(max(math.ceil(len(line) / per_line), 1) for line in lines)
        if wrapped * size * 1.55 / 72 <= height_in:  # 1.2 line height + paragraph spacing
            return size
        size -= 1
    return min_pt


def _table_font_pt(frame: pd.DataFrame, width_in: float) -> float:
    """TABLE_PT unless the natural column widths overflow the slide; never < TABLE_MIN_PT."""
    size = TABLE_PT
    while size > TABLE_MIN_PT and sum(_natural_widths_in(frame, size)) > width_in * 1.15:
        size -= 1
    return size


def _natural_widths_in(frame: pd.DataFrame, size_pt: float) -> list[float]:
    widths = []
    for column in frame.columns:
        # Headers may wrap onto two lines at spaces; values should not wrap.
        header_words = str(column).split()
        header_len = max(len(" ".join(header_words[: math.ceil(len(header_words) / 2)])), max((len(w) for w in header_words), default=1))
        value_len = max((len(str(v)) for v in frame[column].head(200)), default=0)
        widths.append(max(header_len, value_len, 3) * _avg_char_in(size_pt) * 1.1 + 0.14)
    return widths


def _column_widths_in(frame: pd.DataFrame, width_in: float, size_pt: float) -> list[float]:
    natural = _natural_widths_in(frame, size_pt) or [width_in]
    total = sum(natural)
    return [width_in * w / total for w in natural]


def _split_table(slide: Slide) -> list[Slide]:
    frame = slide.table if slide.table is not None else pd.DataFrame()
    if len(frame) <= TABLE_ROWS_PER_SLIDE:
        return [slide]
    parts = math.ceil(len(frame) / TABLE_ROWS_PER_SLIDE)
    per_part = math.ceil(len(frame) / parts)  # even split: 22 rows → 11 + 11, not 14 + 8
    out = []
    for index in range(parts):
        chunk = frame.iloc[index * per_part : (index + 1) * per_part].reset_index(drop=True)
        out.append(replace(slide, title=f"{slide.title} ({index + 1} of {parts})", table=chunk))
    return out


def _as_text_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Any frame → strings for a slide: booleans yes/no, NA as an en dash, floats trimmed."""
    if frame is None:
        return pd.DataFrame()
    out = {}
    for column in frame.columns:
        out[str(column)] = [format_cell(v) for v in frame[column]]
    return pd.DataFrame(out, dtype=object)


def format_cell(value: Any, decimals: int = 1) -> str:
    """One value as slide text: ``yes``/``no`` for booleans, ``–`` for missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        value = float(value)
        return f"{value:.0f}" if value.is_integer() else f"{value:.{decimals}f}"
    return str(value)
