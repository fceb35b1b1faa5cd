"""Privacy guarantees (README "Privacy guarantees"), each tested.

1. Identifier columns are dropped before anything reaches session state.
2. The uploaded cohort lives only in that session's ``st.session_state``: no ``st.cache_*``
   store takes it, no module-level object of the app or of ``lusp`` holds it, another
   session does not see it.
3. Nothing is written to disk while a file is uploaded, checked and loaded.
4. The Streamlit configuration keeps telemetry off, tracebacks out of the browser, developer
   menus hidden, XSRF protection on and an upload size limit.

The upload carries two markers that occur nowhere else: a diagnosis (kept, so it must be
found in the session, proving the search works) and a patient name in a ``Name`` column
(an identifier, so it must be found nowhere).
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import io
import os
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_load_shapes import csv_bytes, tables

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
DIAGNOSIS_MARKER = "MDS-" + uuid.uuid4().hex[:12]
NAME_MARKER = "Zhang-" + uuid.uuid4().hex[:12]
APP_SOURCES = [ROOT / "app.py", ROOT / "app_state.py", *sorted((ROOT / "app_pages").glob("*.py"))]


def marked_upload() -> list[tuple[str, bytes, str]]:
    frames = tables()
    frames["patients"] = frames["patients"].assign(
        diagnosis=[DIAGNOSIS_MARKER, "MF", "MDS"], Name=[NAME_MARKER, "Li Si", "Wang Wu"])
    return [(f"{name}.csv", csv_bytes(frame), "text/csv") for name, frame in frames.items()]


def holds(obj, marker: str, depth: int = 0, seen: dict | None = None) -> bool:
    """Whether ``marker`` appears anywhere inside ``obj`` (containers, frames, dataclasses)."""
    # ``seen`` keeps every object it names alive: a temporary (a frame's column) freed
    # during the walk could hand its id to a later object, which would then be skipped.
    seen = {} if seen is None else seen
    if depth > 8 or id(obj) in seen:
        return False
    seen[id(obj)] = obj
    if isinstance(obj, str):
        return marker in obj
    if isinstance(obj, (bytes, bytearray)):
        return marker.encode() in obj
    if isinstance(obj, pd.DataFrame):
        return any(holds(obj[c], marker, depth + 1, seen) for c in obj.columns) or marker in map(str, obj.columns)
    if isinstance(obj, pd.Series):
        return bool(obj.astype("string").str.contains(marker, regex=False).fillna(False).any())
    if isinstance(obj, dict):
        return any(holds(k, marker, depth + 1, seen) or holds(v, marker, depth + 1, seen) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return any(holds(v, marker, depth + 1, seen) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return any(holds(getattr(obj, f.name), marker, depth + 1, seen) for f in dataclasses.fields(obj))
    if type(obj).__module__.startswith("lusp") and hasattr(obj, "__dict__"):
        # e.g. lusp.analysis.Results: not a dataclass since its review became lazy (issue 16)
        return holds(vars(obj), marker, depth + 1, seen)
    return False


def session_values(at: AppTest, *, skip_uploader: bool) -> dict:
    """This session's state; the uploader widget's own buffer (the raw file) is skipped on request."""
    return {k: at.session_state[k] for k in at.session_state
            if not (skip_uploader and str(k).startswith("w_upload_"))}


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/data.py").run()
    return at


def upload(at: AppTest) -> None:
    key = next(u.key for u in at.file_uploader if u.key and u.key.startswith("w_upload_"))
    at.file_uploader(key=key).set_value(marked_upload()).run()
    assert not at.exception and not at.error, [e.value for e in at.error]


@pytest.fixture(scope="module")
def uploaded():
    """One session that uploaded the marked cohort, with every file opened for writing recorded."""
    at = start()
    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    # Not files: /dev/null and pipes (an int fd), which the load sandbox (lusp.sandbox) uses to
    # hand the upload to its child process; the child itself may write no file (RLIMIT_FSIZE 0).
    def recording_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+") and not isinstance(file, int) and str(file) != os.devnull:
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def recording_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and str(path) != os.devnull:
            writes.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    started = time.time() - 1
    builtins.open, io.open, os.open = recording_open, recording_open, recording_os_open
    try:
        upload(at)
        at.switch_page("app_pages/overview.py").run()
    finally:
        builtins.open, io.open, os.open = real_open, real_open, real_os_open
    return at, writes, started


def test_identifiers_never_reach_session_state_but_the_cohort_does(uploaded):
    at, _, _ = uploaded
    state = session_values(at, skip_uploader=True)
    assert holds(state, DIAGNOSIS_MARKER)  # the search works: the cohort is in this session
    assert not holds(state, NAME_MARKER)
    assert at.session_state["cohort"].source.dropped_identifier_columns == ("Name",)


def test_no_module_level_object_holds_the_upload(uploaded):
    names = [n for n in list(sys.modules) if n.split(".")[0] in ("lusp", "app_state", "app_cache", "app_pages", "app")]
    for name in names:
        module = sys.modules[name]
        for attr, value in list(vars(module).items()):
            if attr.startswith("__") or isinstance(value, type(sys)) or callable(value) and not isinstance(value, (dict, list)):
                continue
            assert not holds(value, DIAGNOSIS_MARKER), f"{name}.{attr} holds uploaded data"


def test_another_session_sees_nothing_of_the_upload(uploaded):
    other = start()
    assert not holds(session_values(other, skip_uploader=False), DIAGNOSIS_MARKER)
    assert other.session_state["cohort_token"] == "demo"
    shown = "\n".join(str(e.value) for e in [*other.markdown, *other.caption, *other.sidebar.markdown])
    assert DIAGNOSIS_MARKER not in shown and "patients.csv" not in shown


def test_nothing_is_written_to_disk_during_an_upload(uploaded):
    _, writes, started = uploaded
    assert writes == []
    # and no file touched since the upload began, in the repository or the temp folder, holds it
    for folder in (ROOT, Path(tempfile.gettempdir())):
        for path in _recent_files(folder, started):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            assert DIAGNOSIS_MARKER.encode() not in data and NAME_MARKER.encode() not in data, path


def _recent_files(folder: Path, since: float, limit: int = 20000):
    count = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "node_modules")]
        for name in filenames:
            path = Path(dirpath, name)
            count += 1
            if count > limit:
                return
            try:
                if path.is_file() and path.stat().st_mtime >= since and path.stat().st_size < 50_000_000:
                    yield path
            except OSError:
                continue


def _cache_decorated(tree: ast.AST) -> list[ast.FunctionDef]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                text = ast.unparse(deco)
                if "cache_data" in text or "cache_resource" in text or "experimental_memo" in text:
                    found.append(node)
    return found


def test_no_shared_cache_takes_uploaded_data():
    """``st.cache_*`` stores are shared by every session: only the bundled demo may use one,
    and only through a function without arguments (so nothing of a user can be a key or value)."""
    cached = {}
    for path in APP_SOURCES:
        source = path.read_text(encoding="utf-8")
        for func in _cache_decorated(ast.parse(source)):
            cached[f"{path.name}:{func.name}"] = func
    assert set(cached) <= {"app_state.py:_demo_cohort"}, sorted(cached)
    for func in cached.values():
        assert not func.args.args and not func.args.kwonlyargs and not func.args.vararg


def test_lusp_never_imports_streamlit():
    for path in (ROOT / "lusp").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "streamlit" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "streamlit", path


def test_streamlit_config_keeps_the_privacy_settings():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["enableXsrfProtection"] is True
    assert 1 <= config["server"]["maxUploadSize"] <= 200
    assert config["browser"]["serverAddress"] == "localhost"


def test_the_server_never_asks_an_outside_service_for_its_address():
    """Headless Streamlit looks up the machine's public IP (an outbound HTTP call) unless
    browser.serverAddress is set: started as `make run` starts it, it must print only the
    local URL and never try that lookup."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                "--server.fileWatcherType", "none"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, deadline = "", time.monotonic() + 60
        while "URL:" not in output and time.monotonic() < deadline and process.poll() is None:
            output += process.stdout.readline()
        time.sleep(1)  # the external lookup, when made, is logged right after the URLs
    finally:
        process.terminate()
        output += process.communicate(timeout=15)[0]
    assert f"URL: http://localhost:{port}" in output, output
    assert "External" not in output and "external IP" not in output, output


def test_a_page_failure_shows_our_sentence_not_a_traceback():
    """The error boundary in app.py: an exception on a page becomes one plain sentence."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    # a cohort object that breaks every analysis, put in force the way the Data page would
    at.session_state["cohort"] = object()
    at.session_state["cohort_token"] = "broken"
    at.run()
    assert not at.exception
    assert any("Something went wrong" in e.value and "kept off the screen" in e.value for e in at.error)
