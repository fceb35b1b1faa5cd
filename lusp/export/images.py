"""Figures → PNG / SVG bytes, offline.

Plotly figures go through kaleido 1.x, which drives a headless Chromium: Debian's
``/usr/bin/chromium`` (or ``$BROWSER_PATH``). Altair charts go through
``vl-convert-python``, which embeds Vega in Rust and needs neither a browser nor the
network. Nothing here fetches anything: kaleido is given plotly.py's bundled plotly.js
(its default) and MathJax is switched off, because kaleido's default MathJax is a CDN URL.

Starting Chromium costs ~3 s, so one kaleido "sync server" is started on first use and
reused for every later image (~0.2 s each); :func:`stop_plotly_renderer` ends it.

PNG exports are at least :data:`MIN_PNG_WIDTH_PX` wide — readable on a projector.
"""
from __future__ import annotations

import os
import shutil
import struct
import threading
from typing import Any, Literal

ImageFormat = Literal["png", "svg"]

#: Projector resolution: every PNG export is at least this wide.
MIN_PNG_WIDTH_PX = 1600
#: Default Plotly export size (16:9, the deck's picture area).
PLOTLY_WIDTH_PX = 1600
PLOTLY_HEIGHT_PX = 900
#: Where Debian puts its Chromium; ``$BROWSER_PATH`` overrides it.
DEBIAN_CHROMIUM = "/usr/bin/chromium"

_server_lock = threading.Lock()
# kaleido's sync server pairs requests and answers through two shared queues, so two
# Streamlit sessions rendering at once could swap images: one render at a time.
_render_lock = threading.Lock()
_server_started = False


class ImageExportError(RuntimeError):
    """A figure could not be rendered; the message says what to install or change."""


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def figure_to_image(fig: Any, fmt: ImageFormat = "png", *, width_px: int | None = None, height_px: int | None = None) -> bytes:
    """Render a Plotly figure or an Altair chart to PNG or SVG bytes.

    Parameters
    ----------
    fig
        A ``plotly.graph_objects.Figure`` (or its dict), any Altair chart, or a
        Vega-Lite spec dict (recognised by its ``$schema``).
    fmt
        ``"png"`` or ``"svg"``.
    width_px, height_px
        Plotly: the canvas size (default 1600 × 900). Altair: the minimum PNG width
        (default 1600); the chart keeps its own aspect ratio and is scaled up.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"image format must be 'png' or 'svg', not {fmt!r}")
    if is_altair(fig):
        return altair_to_image(fig, fmt, min_width_px=width_px or MIN_PNG_WIDTH_PX)
    return plotly_to_image(fig, fmt, width_px=width_px or PLOTLY_WIDTH_PX, height_px=height_px or PLOTLY_HEIGHT_PX)


def plotly_to_image(fig: Any, fmt: ImageFormat = "png", *, width_px: int = PLOTLY_WIDTH_PX, height_px: int = PLOTLY_HEIGHT_PX) -> bytes:
    """Render a Plotly figure through kaleido and the shared headless Chromium."""
    import kaleido

    opts = {"format": fmt, "width": int(width_px), "height": int(height_px), "scale": 1}
    try:
        with _render_lock:
            _ensure_plotly_renderer()
            data = kaleido.calc_fig_sync(fig, opts=opts)
    except ImageExportError:
        raise
    except Exception as error:  # kaleido wraps browser failures in several exception types
        raise ImageExportError(f"Plotly chart could not be rendered to {fmt.upper()}: {error}") from error
    if isinstance(data, str):
        data = data.encode("utf-8")
    return bytes(data)


def altair_to_image(chart: Any, fmt: ImageFormat = "png", *, min_width_px: int = MIN_PNG_WIDTH_PX) -> bytes:
    """Render an Altair chart through vl-convert (no browser, no network).

    The PNG is scaled so that it is at least ``min_width_px`` wide; the SVG is vector
    and keeps the chart's own size.
    """
    import vl_convert

    # validate=False: the figure builders already produce valid specs, and schema validation
    # costs about as much as rendering a small chart.
    spec = chart.to_dict(validate=False) if hasattr(chart, "to_dict") else chart
    # allowed_base_urls=[] forbids any data URL fetch: exports must work offline and
    # never leak a request.
    try:
        if fmt == "svg":
            return vl_convert.vegalite_to_svg(spec, allowed_base_urls=[]).encode("utf-8")
        # The drawn width is the plot width plus axes and legends, so scaling by
        # min_width / plot width always reaches min_width in one render (~0.5 s saved
        # per chart); a chart without a numeric width is measured first.
        plot_width = spec.get("width") if isinstance(spec, dict) else None
        if isinstance(plot_width, (int, float)) and plot_width > 0:
            scale = max(min_width_px / plot_width, 1.0)
        else:
            width, _ = png_size(vl_convert.vegalite_to_png(spec, scale=1.0, allowed_base_urls=[]))
            scale = max(min_width_px / max(width, 1), 1.0)
        return bytes(vl_convert.vegalite_to_png(spec, scale=scale, allowed_base_urls=[]))
    except ValueError as error:
        raise ImageExportError(f"Altair chart could not be rendered to {fmt.upper()}: {error}") from error


def is_altair(fig: Any) -> bool:
    """True for any Altair chart object (Chart, LayerChart, …) or a Vega-Lite spec dict
    (the app caches Altair charts as their ``to_dict()``)."""
    if isinstance(fig, dict):
        return "vega-lite" in str(fig.get("$schema", ""))
    return type(fig).__module__.startswith("altair")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def browser_path() -> str | None:
    """The Chromium kaleido will drive: ``$BROWSER_PATH``, Debian's, or one on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if os.access(env, os.X_OK) else None
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def plotly_modebar_config(filename: str = "chart") -> dict[str, Any]:
    """``config`` for ``st.plotly_chart``: the camera button saves a 1600 px PNG.

    The browser modebar offers one format per button; the SVG (and a server-rendered
    PNG) come from the download buttons beside each chart.
    """
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": filename,
            "width": PLOTLY_WIDTH_PX,
            "height": PLOTLY_HEIGHT_PX,
            "scale": 1,
        },
    }


def prewarm_plotly_renderer() -> None:
    """Start the shared headless Chromium in the background, without waiting for it.

    Starting Chromium takes seconds (far more on a busy machine); a page that shows a
    Plotly chart calls this so that the first PNG/SVG download does not pay for it. Does
    nothing when the renderer is running, starting, or no Chromium is installed.
    """
    if _server_started or browser_path() is None:
        return

    def start() -> None:
        if not _render_lock.acquire(blocking=False):
            return  # a render (which starts the server itself) is under way
        try:
            _ensure_plotly_renderer()
        except ImageExportError:
            pass  # reported to the user on their first download instead
        finally:
            _render_lock.release()

    threading.Thread(target=start, name="kaleido-prewarm", daemon=True).start()


def stop_plotly_renderer() -> None:
    """Stop the shared headless Chromium (it is also stopped at interpreter exit)."""
    global _server_started
    import kaleido

    with _server_lock:
        if _server_started:
            kaleido.stop_sync_server(silence_warnings=True)
            _server_started = False


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


def _ensure_plotly_renderer() -> None:
    global _server_started
    import kaleido

    with _server_lock:
        if _server_started and _server_alive():
            return
        if _server_started:  # the browser thread died (e.g. Chromium crashed): start afresh
            kaleido.stop_sync_server(silence_warnings=True)
            _server_started = False
        path = browser_path()
        if path is None:
            raise ImageExportError(
                "No Chromium found for Plotly image export: install Debian's `chromium` "
                "package or set BROWSER_PATH to a Chrome/Chromium executable "
                f"(BROWSER_PATH={os.environ.get('BROWSER_PATH', '')!r})."
            )
        # mathjax=False: kaleido's default MathJax is loaded from a CDN, and we work offline.
        kaleido.start_sync_server(path=path, mathjax=False, silence_warnings=True)
        _server_started = True
        if not _server_alive():
            _server_started = False
            raise ImageExportError(f"Chromium at {path} could not be started for Plotly image export.")


def _server_alive() -> bool:
    # kaleido's server waits on its task queue forever if its thread has died, so check
    # the thread before sending work (a private attribute, hence the defensive getattr).
    import kaleido

    thread = getattr(getattr(kaleido, "_global_server", None), "_thread", None)
    return thread is None or thread.is_alive()
