"""Functions the sandbox tests run in the child in place of the loader: each ends the way a
hostile upload would make a parser end (they are never called in the test process itself)."""
from __future__ import annotations

import io
import time


def calamine_unguarded(sources, **kwargs):
    """pandas + calamine on the upload with no pre-parse limit: the 512 GiB abort."""
    import pandas as pd

    (name, data), = sources
    return pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine")


def allocate(sources, **kwargs):
    """A Python-level runaway: ``MemoryError`` under the address-space limit."""
    hoard = []
    while True:
        hoard.append(bytearray(256 * 2**20))


def spin(sources, **kwargs):
    """A parse that never ends on the CPU (SIGXCPU)."""
    n = 0
    while True:
        n += 1


def sleep(sources, **kwargs):
    """A call blocked on nothing but time (the wall-clock limit)."""
    time.sleep(3600)


def recurse(sources, **kwargs):
    def down(n):
        return down(n + 1)

    return down(0)


def fail(sources, **kwargs):
    raise ValueError("an exception the loader did not turn into a report")


def echo(sources, **kwargs):
    """What the child received: the keywords pass through unchanged."""
    return {"sources": sources, "kwargs": kwargs}


def write_file(sources, **kwargs):
    """A reader that tries to put the upload on disk (RLIMIT_FSIZE 0 stops it)."""
    import tempfile

    with tempfile.NamedTemporaryFile("wb", delete=False) as handle:
        handle.write(b"patient data")
        handle.flush()
    return handle.name


class _Planted:
    """What a child taken over by a hostile file could send back: a pickle that runs a command."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def planted_result(sources, **kwargs):
    return _Planted(kwargs["marker"])
