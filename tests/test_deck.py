"""The slide deck: layout engine, basket, and the standard deck from the demo cohort."""
from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from lusp.export.deck import (
    TABLE_MIN_PT,
    TABLE_ROWS_PER_SLIDE,
    DeckBasket,
    DeckContext,
    DeckItem,
    Headline,
    Slide,
    format_cell,
    render_deck,
)
from lusp.export.images import figure_to_image, png_size


def _png() -> bytes:
    frame = pd.DataFrame({"group": ["overall", "TD", "NTD"], "rate_pct": [63.6, 56.3, 83.3]})
    return figure_to_image(alt.Chart(frame).mark_bar().encode(x="group:N", y="rate_pct:Q"), "png")


@pytest.fixture(scope="module")
def png() -> bytes:
    return _png()


CONTEXT = DeckContext("demo_cohort.xlsx", "study", "diagnosis: MDS", 22, synthetic=True, date_range="2024-03-01 – 2025-02-28")


def _open(data: bytes) -> Presentation:
    return Presentation(io.BytesIO(data))


def _title(slide) -> str:
    return slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""


def _all_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_deck_is_16_9_with_titles_in_order_and_footer_everywhere(png):
    slides = [
        Slide("title", "Cohort review", bullets=("demo", "criteria: study")),
        Slide("numbers", "Headline numbers", headlines=(Headline("14/22", "responders", "63.6 %"),)),
        Slide("image", "Response rates", images=(png,)),
        Slide("text", "Methods", bullets=("TI: ≥ 56 days",), notes="Results paragraph here."),
    ]
    prs = _open(render_deck(slides, CONTEXT))
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    assert [_title(s) for s in prs.slides] == ["Cohort review", "Headline numbers", "Response rates", "Methods"]
    for number, slide in enumerate(prs.slides, start=1):
        text = _all_text(slide)
        assert "criteria: study" in text and "filters: diagnosis: MDS (n = 22)" in text
        assert "SYNTHETIC DATA" in text
        assert f"{number} / 4" in text
    assert prs.slides[3].notes_slide.notes_text_frame.text == "Results paragraph here."


def test_real_cohort_has_no_synthetic_badge(png):
    context = DeckContext("my.xlsx", "iwg2018", synthetic=False)
    prs = _open(render_deck([Slide("image", "Chart", images=(png,))], context))
    assert "SYNTHETIC" not in _all_text(prs.slides[0])


def test_image_is_embedded_png_fitted_inside_the_slide(png):
    prs = _open(render_deck([Slide("image", "Chart", images=(png,))], CONTEXT))
    pictures = [s for s in prs.slides[0].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1
    picture = pictures[0]
    assert picture.image.content_type == "image/png"
    assert png_size(picture.image.blob)[0] >= 1600
    assert picture.left >= 0 and picture.left + picture.width <= prs.slide_width
    assert picture.top + picture.height <= prs.slide_height
    # aspect ratio kept
    px_w, px_h = png_size(png)
    assert abs(picture.width / picture.height - px_w / px_h) < 0.01


def test_long_table_is_split_evenly_at_a_readable_size():
    rows = 2 * TABLE_ROWS_PER_SLIDE - 2  # e.g. 22 patients → 11 + 11
    table = pd.DataFrame({"Patient": [f"P{i:02d}" for i in range(rows)], "Outcome": ["responder"] * rows})
    prs = _open(render_deck([Slide("table", "Per-patient results", table=table)], CONTEXT))
    assert [_title(s) for s in prs.slides] == ["Per-patient results (1 of 2)", "Per-patient results (2 of 2)"]
    cells = []
    for slide in prs.slides:
        (graphic,) = [s for s in slide.shapes if s.has_table]
        body = graphic.table
        assert [c.text for c in body.rows[0].cells] == ["Patient", "Outcome"]
        assert len(body.rows) - 1 == rows // 2
        cells += [body.cell(r, 0).text for r in range(1, len(body.rows))]
        sizes = {run.font.size.pt for row in body.rows for c in row.cells for p in c.text_frame.paragraphs for run in p.runs}
        assert min(sizes) >= TABLE_MIN_PT
    assert cells == table["Patient"].tolist()


def test_basket_add_move_remove_and_slides(png):
    chart = DeckItem("Waterfall", "filters: TD only · criteria: study", png=png)
    table = DeckItem("Subgroups", "filters: all patients", table=pd.DataFrame({"level": ["MDS"], "rate": [0.5], "td": [True]}))
    basket = DeckBasket().add(chart).add(table)
    assert [i.title for i in basket] == ["Waterfall", "Subgroups"]
    assert [i.title for i in basket.move(table.item_id, -1)] == ["Subgroups", "Waterfall"]
    assert [i.title for i in basket.move(table.item_id, +5)] == ["Waterfall", "Subgroups"]  # clamped
    assert basket.move("no-such-id", 1) is basket
    assert [i.title for i in basket.remove(chart.item_id)] == ["Subgroups"]
    assert len(basket.clear()) == 0
    prs = _open(render_deck(basket.slides(), CONTEXT))
    assert [_title(s) for s in prs.slides] == ["Waterfall", "Subgroups"]
    assert "filters: TD only · criteria: study" in _all_text(prs.slides[0])
    (graphic,) = [s for s in prs.slides[1].shapes if s.has_table]
    assert [c.text for c in graphic.table.rows[1].cells] == ["MDS", "0.5", "yes"]


def test_deck_item_needs_exactly_one_payload(png):
    with pytest.raises(ValueError):
        DeckItem("x", "y")
    with pytest.raises(ValueError):
        DeckItem("x", "y", png=png, table=pd.DataFrame())


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "yes"), (False, "no"), (pd.NA, "–"), (None, "–"), (float("nan"), "–"), (96.0, "96"), (4.15, "4.2"), ("MDS", "MDS")],
)
def test_format_cell(value, text):
    assert format_cell(value) == text


def test_long_methods_list_stays_inside_the_slide():
    bullets = tuple(f"Parameter number {i} with a long human label: {i} days (default {i})" for i in range(30))
    prs = _open(render_deck([Slide("text", "Methods", bullets=bullets)], CONTEXT))
    slide = prs.slides[0]
    boxes = [s for s in slide.shapes if s.has_text_frame and "Parameter number" in s.text_frame.text]
    assert len(boxes) == 2  # two columns rather than tiny type
    for box in boxes:
        assert box.top + box.height <= prs.slide_height
        sizes = {r.font.size.pt for p in box.text_frame.paragraphs for r in p.runs}
        assert min(sizes) >= 11
    assert sum(box.text_frame.text.count("Parameter number") for box in boxes) == 30
