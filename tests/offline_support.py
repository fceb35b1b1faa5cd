"""Run a script in a fresh interpreter with the network cut (``unshare -n``): an export that
fetched anything (plotly.js, MathJax, Vega from a CDN) fails or hangs there."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _network_namespace_available() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


#: Skip a test where this machine does not allow a network namespace.
needs_network_namespace = pytest.mark.skipif(
    not _network_namespace_available(), reason="`unshare -n` not permitted here"
)


def run_offline(script: str, timeout: float) -> subprocess.CompletedProcess:
    """``script`` run by this Python, from the repository root, without any network."""
    return subprocess.run(["unshare", "-n", sys.executable, "-c", script], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
