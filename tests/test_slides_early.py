"""Deck slides of the early review and the trials (lusp.export.slides_early), on the demo cohort.

The slides were also rendered with scripts/render_deck.sh and looked at
(test-artifacts/deck_early/slide-*.png)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Inches

from lusp.analysis import analyze
from lusp.export.deck import SLIDE_HEIGHT_IN, SLIDE_WIDTH_IN
from lusp.export.slides_early import EARLY_TITLES, add_early_slides, build_early_deck, early_slides
from lusp.load import load_cohort

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"


@pytest.fixture(scope="module")
def results():
    return analyze(load_cohort(DEMO, synthetic=True))


@pytest.fixture(scope="module")
def deck(results):
    return Presentation(io.BytesIO(build_early_deck(results)))


def _texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return out


def _table(slide) -> list[list[str]]:
    (shape,) = [s for s in slide.shapes if s.has_table]
    return [[cell.text for cell in row.cells] for row in shape.table.rows]


def test_titles_in_order_with_the_review_split_over_slides(deck):
    titles = [s.shapes.title.text_frame.text for s in deck.slides]
    review = [t for t in titles if t.startswith(EARLY_TITLES[0])]
    assert review == [f"{EARLY_TITLES[0]} ({i} of {len(review)})" for i in range(1, len(review) + 1)]
    assert titles[len(review):] == list(EARLY_TITLES[1:])


def test_review_table_starts_with_the_misled(deck):
    rows = _table(deck.slides[0])
    assert rows[0][:2] == ["Patient", "TD"] and rows[0][-1] == "Misled?"
    assert [r[0] for r in rows[1:7]] == ["DEMO-10", "DEMO-11", "DEMO-12", "DEMO-13", "DEMO-14", "DEMO-15"]
    assert rows[1][-1] == "looked like a response"
    assert any("10 of 22 misled" in t for t in _texts(deck.slides[0]))


def test_counts_slide_has_the_spike_table(deck):
    (slide,) = [s for s in deck.slides if s.shapes.title.text_frame.text == EARLY_TITLES[2]]
    rows = _table(slide)
    header = rows[0]
    spike = rows[1]
    assert spike[header.index("TP")] == "6" and spike[header.index("FP")] == "0"
    assert spike[header.index("FN")] == "1" and spike[header.index("TN")] == "9"
    assert spike[header.index("sensitivity")] == "6/7 · 85.7 % (42.1–99.6)"


def test_chart_slides_have_pictures_and_the_trials_slides_say_the_populations_differ(deck):
    by_title = {s.shapes.title.text_frame.text: s for s in deck.slides}
    for title in (EARLY_TITLES[1], EARLY_TITLES[3], EARLY_TITLES[4]):
        assert any(shape.shape_type == 13 for shape in by_title[title].shapes), title  # 13 = picture
    for title in (EARLY_TITLES[4], EARLY_TITLES[5]):
        assert any("differ in who was treated" in t for t in _texts(by_title[title])), title
    rows = _table(by_title[EARLY_TITLES[5]])
    assert rows[1][0] == "MEDALIST: RBC-TI ≥ 8 wk (wk 1–24)"
    assert rows[1][1] == "58/153 · 37.9 % (30.2–46.1)"
    assert "SYNTHETIC DATA" in _texts(deck.slides[0])


def test_add_early_slides_to_an_existing_presentation(results):
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_WIDTH_IN), Inches(SLIDE_HEIGHT_IN)
    prs.slides.add_slide(prs.slide_layouts[5])
    added = add_early_slides(prs, results)
    assert added == len(prs.slides) - 1 >= len(EARLY_TITLES)
    assert any(t == f"2 / {added + 1}" for t in _texts(prs.slides[1]))


def test_no_slides_without_patients(results):
    assert early_slides(results.subset([])) == []
