"""Deck charts rendered in parallel by warm worker processes (issue 16).

A deck holds a dozen Altair charts; vl-convert renders one at a time per process (its
threads queue behind one Vega runtime), about 0.5 s each at projector size. So the deck's
charts go to a small pool of worker processes (``spawn``: never a fork of a threaded
server), started once and kept warm, while the calling thread goes on building the other
slides. Plotly charts (the patient flow) keep using kaleido's own warm Chromium.

This module imports nothing heavy at the top: a worker process imports only ``vl_convert``.
Nothing here touches the network (``allowed_base_urls=[]``, as :mod:`lusp.export.images`).

Use::

    with render_batch() as batch:        # charts submitted inside go to the pool
        slides = standard_slides(...)    # _chart_slide → submit(spec) → PendingImage
        slides = batch.resolve(slides, on_done=...)

When the pool cannot start (or ``LUSP_RENDER_WORKERS=0``) every chart renders in the
calling thread, exactly as before.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

#: Worker processes (2 on this 2-core machine; ``LUSP_RENDER_WORKERS`` overrides, 0 = none).
DEFAULT_WORKERS = 2
#: Every PNG is at least this wide (the projector rule of :mod:`lusp.export.images`).
MIN_PNG_WIDTH_PX = 1600

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()


# --------------------------------------------------------------------------------------
# In the worker process
# --------------------------------------------------------------------------------------


def _warm() -> None:
    """Worker initialiser: load Vega once (the first render of a process costs ~1 s)."""
    import vl_convert

    vl_convert.vegalite_to_svg({"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                                "data": {"values": [{"x": 1}]}, "mark": "point",
                                "encoding": {"x": {"field": "x", "type": "quantitative"}}},
                               allowed_base_urls=[])


def render_vega_lite_png(spec: dict, min_width_px: int = MIN_PNG_WIDTH_PX) -> bytes:
    """A Vega-Lite spec as a PNG at least ``min_width_px`` wide, in one Vega evaluation:
    scaled by ``min_width / width`` when the spec names its plot width (the drawn chart is
    wider still: axes and legends), else measured from its SVG and rasterised from it."""
    import vl_convert

    width = spec.get("width")
    if isinstance(width, (int, float)) and not isinstance(width, bool) and width > 0:
        return bytes(vl_convert.vegalite_to_png(spec, scale=max(min_width_px / width, 1.0), allowed_base_urls=[]))
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    drawn = _svg_width(svg)
    return bytes(vl_convert.svg_to_png(svg, scale=max(min_width_px / max(drawn, 1.0), 1.0)))


def _svg_width(svg: str) -> float:
    import re

    match = re.search(r'<svg[^>]*?\swidth="([0-9.]+)', svg)
    return float(match.group(1)) if match else float(MIN_PNG_WIDTH_PX)


# --------------------------------------------------------------------------------------
# In the app or the command line
# --------------------------------------------------------------------------------------


def workers() -> int:
    try:
        return max(0, int(os.environ.get("LUSP_RENDER_WORKERS", DEFAULT_WORKERS)))
    except ValueError:
        return DEFAULT_WORKERS


def pool() -> ProcessPoolExecutor | None:
    """The shared warm pool (started on first use), or None when it cannot be had."""
    global _pool
    if workers() == 0:
        return None
    with _pool_lock:
        if _pool is None:
            import multiprocessing

            try:
                _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_warm)
            except (OSError, ValueError):
                return None
        return _pool


_prewarm_started = False


def prewarm() -> None:
    """Start the workers in the background, once per process (the Overview calls it when it
    offers the deck), so the first deck does not wait for Python and Vega to start. The
    starting thread, and so the workers it spawns, run at a lower CPU priority (nice 10):
    a deck is a batch job and must not slow down the pages other colleagues are opening."""
    global _prewarm_started
    if _prewarm_started or workers() == 0:
        return
    _prewarm_started = True

    def start() -> None:
        try:
            os.nice(10)  # Linux: this thread only; the worker processes inherit it
        except (AttributeError, OSError):
            pass
        executor = pool()
        if executor is not None:
            try:
                for future in [executor.submit(_svg_width, "") for _ in range(workers())]:
                    future.result(timeout=120)
            except Exception:  # a broken pool is replaced on the next use
                _discard()

    threading.Thread(target=start, name="render-pool-prewarm", daemon=True).start()


def _discard() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


class PendingImage:
    """A chart PNG being rendered: ``result()`` waits for its bytes (or raises the error)."""

    def __init__(self, future: Future, spec: dict, min_width_px: int) -> None:
        self.future, self.spec, self.min_width_px = future, spec, min_width_px

    def result(self) -> bytes:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.future.result()
        except BrokenProcessPool:  # a worker died (memory?): render this one here instead
            _discard()
            return render_vega_lite_png(self.spec, self.min_width_px)


class RenderBatch:
    """The renders of one deck build (see :func:`render_batch`)."""

    def __init__(self) -> None:
        self.pending: list[PendingImage] = []

    def submit(self, spec: dict, min_width_px: int = MIN_PNG_WIDTH_PX) -> PendingImage | None:
        """Send a Vega-Lite ``spec`` to the pool; None when there is no pool (render here)."""
        executor = pool()
        if executor is None:
            return None
        try:
            image = PendingImage(executor.submit(render_vega_lite_png, spec, min_width_px), spec, min_width_px)
        except RuntimeError:  # the pool broke (a worker died): render here from now on
            _discard()
            return None
        self.pending.append(image)
        return image


@contextmanager
def render_batch():
    """Charts submitted (:func:`current_batch`) while the block runs go to the pool."""
    previous = getattr(_local, "batch", None)
    batch = RenderBatch()
    _local.batch = batch
    try:
        yield batch
    finally:
        _local.batch = previous


def current_batch() -> RenderBatch | None:
    """The batch of this thread's deck build, or None (render in place)."""
    return getattr(_local, "batch", None)
