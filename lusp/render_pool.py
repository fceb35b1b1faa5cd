"""Deck charts rendered in parallel by warm worker processes (issue 16).

A deck holds a dozen Altair charts; vl-convert renders one at a time per process (its
threads queue behind one Vega runtime), about 0.5 s each at projector size. So the deck's
charts go to a small pool of worker processes, started once and kept warm, while the
calling thread goes on building the other slides. Plotly charts (the patient flow) keep
using kaleido's own warm Chromium.

A worker is ``python -m lusp.render_pool``: a plain subprocess reading length-prefixed JSON
specs on stdin and writing PNG bytes on stdout. Not ``multiprocessing``: its spawn and
forkserver children re-import the parent's ``__main__``, which in a Streamlit server is the
app script itself (every worker would run the whole app). A worker imports only
``vl_convert``.
Nothing here touches the network (``allowed_base_urls=[]``, as :mod:`lusp.export.images`).

Use::

    with render_batch() as batch:        # charts submitted inside go to the pool
        slides = standard_slides(...)    # _chart_slide → submit(spec) → PendingImage
        slides = batch.resolve(slides, on_done=...)

When the pool cannot start (or ``LUSP_RENDER_WORKERS=0``) every chart renders in the
calling thread, exactly as before.
"""
from __future__ import annotations

import json
import os
import queue
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

#: Worker processes (2 on this 2-core machine; ``LUSP_RENDER_WORKERS`` overrides, 0 = none).
DEFAULT_WORKERS = 2
#: Every PNG is at least this wide (the projector rule of :mod:`lusp.export.images`).
MIN_PNG_WIDTH_PX = 1600

_pool: "_WorkerPool | None" = None
_pool_lock = threading.Lock()
_local = threading.local()


# --------------------------------------------------------------------------------------
# In the worker process
# --------------------------------------------------------------------------------------


def _warm() -> None:
    """Load Vega once (the first render of a process costs ~1 s)."""
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


def _read_exactly(stream, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve() -> None:
    """The worker loop: ``>I`` length + JSON ``{"spec", "min_width_px"}`` in; ``>BI`` status
    (0 PNG, 1 error message) + length + bytes out. Ends when stdin closes."""
    out = os.fdopen(os.dup(1), "wb")  # the protocol's own stdout; a stray print goes to stderr
    os.dup2(2, 1)
    source = sys.stdin.buffer
    _warm()
    while True:
        try:
            (size,) = struct.unpack(">I", _read_exactly(source, 4))
            message = json.loads(_read_exactly(source, size))
        except EOFError:
            return
        try:
            data, status = render_vega_lite_png(message["spec"], int(message["min_width_px"])), 0
        except Exception as error:  # the caller turns it into the chart's text slide
            data, status = str(error).encode("utf-8", "replace"), 1
        out.write(struct.pack(">BI", status, len(data)) + data)
        out.flush()


# --------------------------------------------------------------------------------------
# In the app or the command line
# --------------------------------------------------------------------------------------


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "lusp.render_pool"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)

    def render(self, payload: bytes) -> bytes:
        self.process.stdin.write(struct.pack(">I", len(payload)) + payload)
        self.process.stdin.flush()
        status, size = struct.unpack(">BI", _read_exactly(self.process.stdout, 5))
        data = _read_exactly(self.process.stdout, size)
        if status:
            raise ValueError(data.decode("utf-8", "replace"))
        return data

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


class _WorkerPool:
    """``workers()`` warm worker processes; each render takes an idle one (threads wait)."""

    def __init__(self, size: int) -> None:
        self.idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(size):
            self.idle.put(_Worker())
        self.threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="render-pool")

    def submit(self, spec: dict, min_width_px: int) -> Future:
        payload = json.dumps({"spec": spec, "min_width_px": min_width_px}, default=str).encode("utf-8")
        return self.threads.submit(self._render, payload)

    def _render(self, payload: bytes) -> bytes:
        worker = self.idle.get()
        try:
            return worker.render(payload)
        except (OSError, EOFError, struct.error):  # the worker died: a fresh one takes its place
            worker.stop()
            worker = _Worker()
            return worker.render(payload)
        finally:
            self.idle.put(worker)


def workers() -> int:
    try:
        return max(0, int(os.environ.get("LUSP_RENDER_WORKERS", DEFAULT_WORKERS)))
    except ValueError:
        return DEFAULT_WORKERS


def pool() -> "_WorkerPool | None":
    """The shared warm pool (started on first use), or None when it cannot be had."""
    global _pool
    if workers() == 0:
        return None
    with _pool_lock:
        if _pool is None:
            try:
                _pool = _WorkerPool(workers())
            except OSError:
                return None
        return _pool


_prewarm_started = False


def prewarm() -> None:
    """Start the workers in the background, once per process (the Overview calls it when it
    offers the deck), so the first deck does not wait for Python and Vega to start."""
    global _prewarm_started
    if _prewarm_started or workers() == 0:
        return
    _prewarm_started = True
    threading.Thread(target=pool, name="render-pool-prewarm", daemon=True).start()


class PendingImage:
    """A chart PNG being rendered: ``result()`` waits for its bytes (or raises the error)."""

    def __init__(self, future: Future, spec: dict, min_width_px: int) -> None:
        self.future, self.spec, self.min_width_px = future, spec, min_width_px

    def result(self) -> bytes:
        return self.future.result()


class RenderBatch:
    """The renders of one deck build (see :func:`render_batch`)."""

    def __init__(self) -> None:
        self.pending: list[PendingImage] = []

    def submit(self, spec: dict, min_width_px: int = MIN_PNG_WIDTH_PX) -> PendingImage | None:
        """Send a Vega-Lite ``spec`` to the pool; None when there is no pool (render here)."""
        workers_pool = pool()
        if workers_pool is None:
            return None
        image = PendingImage(workers_pool.submit(spec, min_width_px), spec, min_width_px)
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


if __name__ == "__main__":
    serve()
