"""Image exports: PNG at projector width, well-formed SVG, and both work offline."""
from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.offline_support import needs_network_namespace, run_offline
from lusp.export.images import (
    MIN_PNG_WIDTH_PX,
    figure_to_image,
    is_altair,
    plotly_modebar_config,
    png_size,
)



def _plotly_figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[-7, 0, 7, 21], y=[62, 60, 85, 71], mode="lines+markers", name="Hb (g/L)"))
    fig.update_layout(title="Hb over study days")
    return fig


def _altair_chart() -> alt.Chart:
    frame = pd.DataFrame({"group": ["overall", "TD", "NTD"], "rate_pct": [63.6, 56.3, 83.3]})
    return alt.Chart(frame).mark_bar().encode(x="group:N", y="rate_pct:Q").properties(width=300, height=200)


def _svg_root(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return root


def test_altair_png_is_scaled_to_projector_width():
    data = figure_to_image(_altair_chart(), "png")
    width, height = png_size(data)
    assert width >= MIN_PNG_WIDTH_PX
    assert 0.4 < height / width < 1.0  # aspect ratio kept (about 300 × 200 plus axes)


def test_vega_lite_spec_dict_renders_like_the_chart():
    assert png_size(figure_to_image(_altair_chart().to_dict(), "png"))[0] >= MIN_PNG_WIDTH_PX


def test_altair_svg_is_well_formed():
    data = figure_to_image(_altair_chart(), "svg")
    _svg_root(data)
    assert "overall" in data.decode("utf-8")  # the axis labels are in the vector file


def test_plotly_png_and_svg_through_kaleido():
    fig = _plotly_figure()
    png = figure_to_image(fig, "png")
    assert png_size(png) == (1600, 900)
    svg = figure_to_image(fig, "svg")
    root = _svg_root(svg)
    assert root.get("width") == "1600"
    assert "Hb over study days" in svg.decode("utf-8")


def test_dispatch_and_bad_format():
    assert is_altair(_altair_chart())
    assert is_altair(_altair_chart().to_dict())  # the app caches charts as spec dicts
    assert not is_altair(_plotly_figure().to_dict())
    assert not is_altair(_plotly_figure())
    with pytest.raises(ValueError, match="png"):
        figure_to_image(_plotly_figure(), "gif")


def test_png_size_rejects_non_png():
    with pytest.raises(ValueError):
        png_size(b"<svg/>")


def test_modebar_saves_png_at_projector_resolution():
    options = plotly_modebar_config("hb_P01")["toImageButtonOptions"]
    assert options["format"] == "png" and options["width"] >= MIN_PNG_WIDTH_PX
    assert options["filename"] == "hb_P01"


@needs_network_namespace
def test_every_image_and_table_export_works_with_the_network_off():
    # A fresh interpreter in a network namespace with no interfaces but loopback down:
    # any CDN fetch (plotly.js, MathJax, Vega) would fail or hang.
    script = textwrap.dedent(
        """
        import io, xml.etree.ElementTree as ET
        import altair as alt, pandas as pd, plotly.graph_objects as go
        from lusp.export.images import figure_to_image, png_size
        from lusp.export.tables import to_csv_bytes, to_xlsx_bytes
        frame = pd.DataFrame({"x": [1, 2], "y": [3.0, 4.0]})
        fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
        chart = alt.Chart(frame).mark_point().encode(x="x", y="y")
        assert png_size(figure_to_image(fig, "png"))[0] >= 1600
        ET.fromstring(figure_to_image(fig, "svg"))
        assert png_size(figure_to_image(chart, "png"))[0] >= 1600
        ET.fromstring(figure_to_image(chart, "svg"))
        assert to_xlsx_bytes(frame)[:2] == b"PK" and to_csv_bytes(frame)
        print("offline-ok")
        """
    )
    done = run_offline(script, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "offline-ok" in done.stdout


def test_prewarm_starts_the_renderer_in_the_background():
    import time

    from lusp.export import images

    images.stop_plotly_renderer()  # an earlier test may have started it
    assert not images._server_started
    images.prewarm_plotly_renderer()  # returns at once; Chromium starts on a thread
    for _ in range(300):
        if images._server_started:
            break
        time.sleep(0.1)
    assert images._server_started
    images.prewarm_plotly_renderer()  # running already: nothing happens
    assert png_size(figure_to_image(_plotly_figure(), "png")) == (1600, 900)
