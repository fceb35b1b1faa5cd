"""The slide deck: layout engine, basket, and the standard deck from the demo cohort."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
from tests.offline_support import needs_network_namespace, run_offline


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
    [(True, "yes"), (False, "no"), (pd.NA, "–"), (None, "–"), (float("nan"), "–"), (96.0, "96"), (4.15, "4.15"),
     (0.63636, "0.636"), (96.21, "96.2"), (4.10, "4.1"), ("MDS", "MDS")],
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


# --------------------------------------------------------------------------------------
# The standard deck from the bundled SYNTHETIC demo cohort, built through the CLI
# --------------------------------------------------------------------------------------

from pathlib import Path  # noqa: E402

from lusp.export.deck import STANDARD_TITLES, deck_patient_table  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"


@pytest.fixture(scope="module")
def demo_results():
    from lusp.analysis import analyze
    from lusp.load import load_cohort

    return analyze(load_cohort(DEMO, synthetic=True))


@pytest.fixture(scope="module")
def demo_deck(tmp_path_factory) -> Presentation:
    from lusp.cli import main

    out = tmp_path_factory.mktemp("deck") / "deck.pptx"
    assert main(["deck", str(DEMO), "--out", str(out)]) == 0
    return Presentation(str(out))


def test_demo_deck_slide_titles_in_order(demo_deck):
    titles = [_title(s) for s in demo_deck.slides]
    expected = [
        "Luspatercept outside its approved indications: cohort results",
        "Headline numbers",
        "Patient flow",
        "Response rates with exact 95 % CIs",
        "Transfusion burden before and after luspatercept",
        "Best Hb change from baseline",
        "Time on study, transfusion independence and events",
        "Transient early Hb spikes",
        # issue 14: the two-dose review (22 patients: split), the early signs, Hb by outcome, the trials
        *[t for t in titles if t.startswith("The two-dose review")],
        "Could we have known? Early signs against failure",
        "Early signs: the 2 × 2 counts",
        "Hb over time by outcome",
        "Beside the pivotal trials",
        "Beside the pivotal trials: the numbers",
        "Response by subgroup",
        # 22 patients with wrapped diagnoses: three slides of readable rows
        *[t for t in titles if t.startswith("Per-patient results")],
        "Safety: adverse events",
        "Safety: disease course",
        "Methods and parameters",
    ]
    assert titles == expected
    assert 2 <= sum(t.startswith("Per-patient results") for t in titles) <= 3
    assert 1 <= sum(t.startswith("The two-dose review") for t in titles) <= 3
    assert set(STANDARD_TITLES) - {"Safety"} <= {t.split(" (")[0] for t in titles}


def test_demo_deck_says_synthetic_and_criteria_on_every_slide(demo_deck):
    title_text = _all_text(demo_deck.slides[0])
    assert "SYNTHETIC DATA — not real patients" in title_text
    assert "demo_cohort.xlsx" in title_text and "Response criteria:" in title_text
    for slide in demo_deck.slides:
        text = _all_text(slide)
        assert "SYNTHETIC DATA" in text and "criteria: " in text and "filters: all patients (n = 22)" in text


def test_demo_deck_charts_are_embedded_pngs_of_sensible_size(demo_deck):
    charts = 0
    for slide in demo_deck.slides:
        for shape in slide.shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                charts += 1
                assert shape.image.content_type == "image/png"
                width_px, height_px = png_size(shape.image.blob)
                assert width_px >= 1600 and 200 <= height_px <= 4000
                assert shape.left + shape.width <= demo_deck.slide_width
                assert shape.top + shape.height <= demo_deck.slide_height
                assert shape.width >= demo_deck.slide_width // 3  # big enough to read
    # flow, rates, burden, waterfall, swimmer, spike grid, early signs, Hb by outcome, trials forest,
    # subgroup forest, adverse events, disease course
    assert charts == 12


def test_demo_deck_headline_numbers_are_the_studys(demo_deck):
    text = _all_text(demo_deck.slides[1])
    # SPEC §1: 22 patients, 14/22 overall, 9/16 TD, 5/6 NTD, 20 early risers, 9 > 100 g/L, 6 of 7 spikes
    for figure in ("22", "14 / 22", "9 / 16", "5 / 6", "20 / 22", "9 / 22", "6 / 7", "63.6 %", "56.3 %", "83.3 %"):
        assert figure in text, figure


def test_demo_deck_table_equals_analyze(demo_deck, demo_results):
    rows = []
    header = None
    for slide in demo_deck.slides:
        if not _title(slide).startswith("Per-patient results"):
            continue
        (graphic,) = [s for s in slide.shapes if s.has_table]
        body = graphic.table
        header = [c.text for c in body.rows[0].cells]
        outcome_col = header.index("Outcome")
        # the outcome carries a palette-coloured swatch "■ " before the word
        assert all(row.cells[outcome_col].text.startswith("■ ") for row in list(body.rows)[1:])
        rows += [[c.text.removeprefix("■ ") for c in row.cells] for row in list(body.rows)[1:]]
        for row in body.rows:
            for cell in row.cells:
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        assert run.font.size.pt >= TABLE_MIN_PT
    table = demo_results.table
    assert [r[0] for r in rows] == table["patient_id"].astype(str).tolist()
    expected = deck_patient_table(table)
    assert header == list(expected.columns)
    assert rows == expected.values.tolist()
    # …and the slide text is the analysis' numbers, checked independently of the formatter
    by_id = {r[0]: r for r in rows}
    for record in table.itertuples(index=False):
        row = by_id[str(record.patient_id)]
        # Half-up, once, from the analysis' value (60.5 g/L → "61", where f"{60.5:.0f}" gives "60").
        half_up = Decimal(repr(float(record.baseline_hb_g_l))).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        assert row[header.index("Baseline Hb (g/L)")] == str(half_up)
        assert row[header.index("RBC U/28 d after")] == f"{record.burden_after_u28:.1f}"
        assert row[header.index("Outcome")] == record.outcome
        assert row[header.index("TD / NTD")] == ("TD" if record.td_baseline else "NTD")


def test_demo_deck_methods_slide_lists_every_parameter_and_has_the_results_as_notes(demo_deck, demo_results):
    from lusp.params import describe

    methods = demo_deck.slides[-1]
    text = _all_text(methods)
    for item in describe(demo_results.params):
        assert item["label"] in text, item["label"]
    notes = methods.notes_slide.notes_text_frame.text
    assert notes.startswith("RESULTS\n") and "METHODS" in notes


def test_deck_with_basket_appends_captioned_slides(demo_results, png):
    from lusp.export.deck import build_deck

    # a TD responder and an NTD responder, both escalated once (1.0 → 1.25 mg/kg)
    subset = demo_results.subset(["DEMO-04", "DEMO-20"])
    basket = DeckBasket().add(DeckItem("My waterfall", "criteria: study · filters: TD at baseline", png=png))
    prs = _open(build_deck(subset, filters="two patients", basket=basket))
    assert _title(prs.slides[-1]) == "My waterfall"
    assert "filters: TD at baseline" in _all_text(prs.slides[-1])
    assert "filters: two patients (n = 2)" in _all_text(prs.slides[-1])
    # no transient spike among these two: that slide is left out, not shown empty
    assert not any(_title(s).startswith("Transient") for s in prs.slides)


@needs_network_namespace
def test_deck_and_markdown_build_with_the_network_off():
    import textwrap

    # A fresh interpreter in a network namespace: any CDN or remote fetch would fail.
    script = textwrap.dedent(
        f"""
        import io
        from pptx import Presentation
        from lusp.analysis import analyze
        from lusp.export.deck import build_deck
        from lusp.export.markdown import results_markdown
        from lusp.load import load_cohort
        results = analyze(load_cohort({str(DEMO)!r}, synthetic=True)).subset(["DEMO-04", "DEMO-20"])
        prs = Presentation(io.BytesIO(build_deck(results, filters="two patients")))
        assert len(prs.slides) >= 8
        assert "## Methods" in results_markdown(results)
        print("offline-deck-ok")
        """
    )
    done = run_offline(script, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "offline-deck-ok" in done.stdout


def test_a_chart_that_cannot_be_drawn_costs_one_slide_not_the_deck(demo_results, monkeypatch):
    from lusp import figures
    from lusp.export.deck import build_deck

    def broken(*args, **kwargs):
        raise ValueError("no bars to draw")

    monkeypatch.setattr(figures, "swimmer", broken)
    prs = _open(build_deck(demo_results.subset(["DEMO-04", "DEMO-20"])))
    swimmer = next(s for s in prs.slides if _title(s).startswith("Time on study"))
    assert "could not be drawn" in _all_text(swimmer) and "no bars to draw" in _all_text(swimmer)
    assert _title(prs.slides[-1]) == "Methods and parameters"


def test_wide_basket_table_keeps_the_first_columns_and_says_so(demo_results):
    from lusp.export.deck import MAX_SLIDE_COLUMNS

    wide = demo_results.table.head(5)  # every result column: far more than a slide holds
    prs = _open(render_deck([DeckItem("All columns", "filters: all patients", table=wide).to_slide()], CONTEXT))
    (graphic,) = [s for s in prs.slides[0].shapes if s.has_table]
    assert len(graphic.table.columns) == MAX_SLIDE_COLUMNS
    assert f"first {MAX_SLIDE_COLUMNS} of {len(wide.columns)} columns" in _all_text(prs.slides[0])


def test_deck_command_bad_input_exits_2_without_traceback(tmp_path, capsys):
    from lusp.cli import main

    assert main(["deck", str(DEMO), "--out", str(tmp_path / "deck.txt")]) == 2
    assert main(["deck", str(tmp_path / "missing.xlsx"), "--out", str(tmp_path / "deck.pptx")]) == 2
    err = capsys.readouterr().err
    assert "give a name ending in .pptx" in err and "Traceback" not in err
    assert not (tmp_path / "deck.pptx").exists()


def test_demo_deck_speaker_notes_carry_the_results(demo_deck, demo_results):
    from lusp.analysis import summarize
    from lusp.narrative import results_paragraph

    headline = demo_deck.slides[1]
    assert headline.notes_slide.notes_text_frame.text == results_paragraph(summarize(demo_results), demo_results)
    rates_slide = next(s for s in demo_deck.slides if _title(s).startswith("Response rates"))
    rates = rates_slide.notes_slide.notes_text_frame.text
    assert "14 / 22" in rates and "95 % CI" in rates
