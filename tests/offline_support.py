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


# ----------------------------------------------------------------------------- connection records
import re  # noqa: E402
import shutil  # noqa: E402

#: Stock Chromium's IPv6/IPv4 reachability probe: a UDP ``connect()`` to Google's public
#: DNS address on port 443 to learn the source address — no packet is sent, and no flag
#: turns it off (only patched builds can). The export browser runs in a network namespace
#: of its own where even that fails; it is the one connect a record may hold.
REACHABILITY_PROBES = {("2001:4860:4860::8888", 443), ("2001:4860:4860::8844", 443), ("8.8.8.8", 443)}

needs_strace = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (make debs)")

_CONNECT = re.compile(r'^(\d+)\s+connect\(\d+, \{sa_family=(AF_INET6?),.*?htons\((\d+)\).*?'
                      r'inet_(?:addr\("([^"]+)"\)|pton\(AF_INET6?, "([^"]+)")')


def strace_prefix(log: Path) -> list[str]:
    """Put before a command to record every ``connect()`` of it and all its children."""
    return ["strace", "-f", "-qq", "-e", "trace=connect,execve", "-e", "signal=none", "-o", str(log)]


def outbound_attempts(log: Path) -> list[str]:
    """Every IPv4/IPv6 ``connect()`` in an strace record except the reachability probe: a
    TCP connection, a DNS query (UDP to port 53), anything at all leaving the process."""
    attempts = []
    for line in log.read_text(errors="replace").splitlines():
        match = _CONNECT.search(line)
        if not match:
            continue
        address, port = match.group(4) or match.group(5), int(match.group(3))
        if (address, port) in REACHABILITY_PROBES:
            continue
        attempts.append(line.strip())
    return attempts


def run_traced(script: str, log: Path, timeout: float) -> subprocess.CompletedProcess:
    """``script`` run by this Python with the network ON, every connect() recorded in ``log``."""
    return subprocess.run([*strace_prefix(log), sys.executable, "-c", script], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
