"""The deck's chart workers (``lusp.render_pool``, issue 16): a chart rendered by a worker
process is the PNG the app renders in place, at projector width; a chart that cannot be
rendered becomes its one-sentence slide; the deck reports its progress with and without workers."""
from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from lusp import render_pool
from lusp.export.deck.charts import _chart_slide, resolve_images
from lusp.export.images import png_size

CHART = alt.Chart(pd.DataFrame({"x": ["a", "b"], "y": [1, 3]})).mark_bar().encode(x="x:N", y="y:Q")


def test_a_worker_renders_the_png_the_app_renders_in_place():
    spec = CHART.properties(width=400).to_dict()
    with render_pool.render_batch() as batch:
        pending = batch.submit(spec)
    assert pending is not None
    data = pending.result()
    assert data == render_pool.render_vega_lite_png(spec)
    assert png_size(data)[0] >= 1600


def test_a_chart_without_a_numeric_width_is_measured_once_and_still_projector_wide():
    spec = CHART.to_dict()  # no width: measured from its SVG
    assert "width" not in spec
    data = render_pool.render_vega_lite_png(spec)
    assert 1600 <= png_size(data)[0] < 1700


def test_a_chart_the_worker_cannot_render_becomes_its_text_slide():
    bad = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"url": "https://example.org/x.csv"},
           "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}  # a URL: refused offline
    good = CHART.properties(width=300)
    with render_pool.render_batch():
        slides = [_chart_slide("Bad", lambda: bad, caption="c"), _chart_slide("Good", lambda: good)]
    seen = []
    out = resolve_images(slides, lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert out[0].kind == "text" and "could not be drawn" in out[0].bullets[0] and out[0].caption == "c"
    assert out[1].kind == "image" and out[1].images[0][:8] == b"\x89PNG\r\n\x1a\n"


def test_without_workers_the_chart_renders_in_place(monkeypatch):
    monkeypatch.setenv("LUSP_RENDER_WORKERS", "0")
    with render_pool.render_batch() as batch:
        assert batch.submit(CHART.to_dict()) is None
        slide = _chart_slide("In place", lambda: CHART)
    assert isinstance(slide.images[0], bytes)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_deck_reports_its_progress_to_the_end(monkeypatch, workers, tmp_path):
    from lusp.analysis import analyze
    from lusp.export.deck import build_deck
    from lusp.load import load_cohort
    from pathlib import Path

    monkeypatch.setenv("LUSP_RENDER_WORKERS", workers)
    results = analyze(load_cohort(Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx", synthetic=True))
    steps = []
    deck = build_deck(results, progress=lambda fraction, step: steps.append((fraction, step)))
    assert deck[:2] == b"PK"
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and steps[-1] == (1.0, "done")
    # with workers every chart reports as it arrives; without, the charts render in place
    assert any(step.startswith("charts (") for _, step in steps) == (workers != "0")
