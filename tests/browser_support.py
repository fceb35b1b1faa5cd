"""One way to run the app in a real browser: Streamlit on a free local port, driven by
Playwright through Debian's Chromium (a browser download is impossible here)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out on this closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

#: Module marks for a browser test file.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make debs)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(prefix: tuple[str, ...] = (), startup_s: float = 60):
    """``streamlit run app.py`` headless on a free port; yields its URL, stops it after.

    ``prefix`` goes before the command (e.g. ``strace -f -o LOG`` to record its connections).
    """
    port = _free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         # Edits elsewhere in the tree must not pop up "source file changed": that prompt
         # looks like a run that never ends.
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(page, seconds: float = 120) -> None:
    """Wait until Streamlit has finished the run: the page title is drawn, then neither the
    running indicator nor a stale element is seen for 1.25 s (charts draw after the run)."""
    selectors = ('[data-testid="stStatusWidget"]', '[data-stale="true"]', '[data-testid="stSkeleton"]')
    page.locator("h1").first.wait_for(timeout=30_000)
    quiet = 0
    for _ in range(int(seconds * 4)):
        busy = page.locator(", ".join(selectors)).count()
        quiet = quiet + 1 if busy == 0 else 0
        if quiet >= 5:
            return
        page.wait_for_timeout(250)
    still = {sel: page.locator(sel).count() for sel in selectors}
    raise AssertionError(f"the app did not settle within {seconds:.0f} s: {still}")
