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


def plotly_to_image(fig: Any, fmt: str = "png", *, width_px: int = PLOTLY_WIDTH_PX, height_px: int = PLOTLY_HEIGHT_PX,
                    scale: float = 1) -> bytes:
    """Render a Plotly figure through kaleido and the shared headless Chromium.

    ``fmt`` is "png", "svg" or "pdf" (the one-page patient summary); ``scale`` > 1 renders
    the same layout at print resolution (the Word report's figures)."""
    import kaleido

    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"Plotly image format must be 'png', 'svg' or 'pdf', not {fmt!r}")
    opts = {"format": fmt, "width": int(width_px), "height": int(height_px), "scale": scale}
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
        # The browser is started through offline_chromium_wrapper(): no lookups, no web-security hole.
        kaleido.start_sync_server(path=offline_chromium_wrapper(path), mathjax=False, enable_extensions=False,
                                  silence_warnings=True)
        _server_started = True
        if not _server_alive():
            _server_started = False
            raise ImageExportError(f"Chromium at {path} could not be started for Plotly image export.")


#: Flags added to every Chromium kaleido starts. kaleido 1.x (through choreographer) has no
#: option for extra flags and passes ``--disable-web-security``, so Chromium is started
#: through a small wrapper script (:func:`offline_chromium_wrapper`) that drops that flag
#: and appends these. Together they stop every lookup Chromium makes on its own: field
#: trials and component/safe-browsing/translate/optimisation-hint updates, sign-in and sync
#: (accounts.google.com, clients2.google.com, update.googleapis.com), domain-reliability
#: and metrics uploads, DNS prefetch and hyperlink pings — and ``--host-resolver-rules``
#: makes any host name unresolvable, so nothing reaches even the resolver. The page kaleido
#: renders is a local file with plotly.js inlined; it needs no network.
CHROMIUM_OFFLINE_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    "--dns-prefetch-disable",
    "--no-service-autorun",
    "--metrics-recording-only",
    "--disable-features=OptimizationHints,OptimizationGuideModelDownloading,MediaRouter,DialMediaRouteProvider,"
    "Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying,"
    "SafeBrowsing,InterestFeedContentSuggestions,PrivacySandboxSettings4,SpareRendererForSitePerProcess",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
#: Flags the wrapper removes from kaleido's command line.
CHROMIUM_REFUSED_FLAGS = ("--disable-web-security",)

_wrapper_lock = threading.Lock()
_wrappers: dict[str, str] = {}


def _isolation_prefix() -> str:
    """``"unshare -rn "`` when this machine lets a process enter a network namespace of its
    own (Debian allows unprivileged user namespaces), else ``""``.

    Stock Chromium probes IPv6 reachability with a UDP ``connect()`` to Google's public DNS
    address whatever its flags say (no packet is sent, but it is a lookup of sorts); in a
    namespace with no interface but a down loopback, that and anything else fails at once.
    kaleido talks to Chromium over pipes, which the namespace does not touch.
    """
    import shutil
    import subprocess

    unshare = shutil.which("unshare")
    if unshare is None:
        return ""
    try:
        works = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        works = False
    return f"{unshare} -rn " if works else ""


def offline_chromium_wrapper(browser: str) -> str:
    """The path of an executable that starts ``browser`` with :data:`CHROMIUM_OFFLINE_FLAGS`
    added and :data:`CHROMIUM_REFUSED_FLAGS` removed, in a network namespace of its own when
    the machine allows one (:func:`_isolation_prefix`) — a POSIX shell script in a private
    temporary folder, written once per process."""
    import shlex
    import tempfile

    with _wrapper_lock:
        if browser in _wrappers and os.path.exists(_wrappers[browser]):
            return _wrappers[browser]
        folder = tempfile.mkdtemp(prefix="lusp-chromium-")  # mode 0700: this user only
        script = os.path.join(folder, "chromium-offline")
        refused = " | ".join(shlex.quote(flag) for flag in CHROMIUM_REFUSED_FLAGS)
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(
                "#!/bin/sh\n"
                "# Written by lusp.export.images: Chromium for kaleido, with no network of its own.\n"
                "for arg do\n  shift\n"
                f"  case $arg in {refused}) ;; *) set -- \"$@\" \"$arg\" ;; esac\n"
                "done\n"
                f"exec {_isolation_prefix()}{shlex.quote(browser)} \"$@\" " + " ".join(shlex.quote(f) for f in CHROMIUM_OFFLINE_FLAGS) + "\n")
        os.chmod(script, 0o700)
        import atexit
        import shutil

        atexit.register(shutil.rmtree, folder, True)
        _wrappers[browser] = script
        return script


def _server_alive() -> bool:
    # kaleido's server waits on its task queue forever if its thread has died, so check
    # the thread before sending work (a private attribute, hence the defensive getattr).
    import kaleido

    thread = getattr(getattr(kaleido, "_global_server", None), "_thread", None)
    return thread is None or thread.is_alive()
