"""The demo's process-wide cache (``app_cache.DEMO``, issue 16): shared by the sessions that
show the bundled SYNTHETIC demo, equal to a fresh computation, keyed on the whole display
context — and never reached by an uploaded cohort (README privacy rules).

The upload is ``tests/test_privacy.py``'s marked three-patient cohort: its diagnosis marker
occurs nowhere else, so finding it in the shared cache would be a leak.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import app_cache
from lusp.analysis import analyze, summarize
from lusp.load import load_cohort
from tests.test_privacy import DIAGNOSIS_MARKER, holds, start, upload

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ("app_pages/overview.py", "app_pages/patients.py", "app_pages/responses.py")


def demo_session() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def analysis_entries() -> dict:
    """The shared analyses: key ``("_analysis_cache", token, criteria, params, protocol, language)``."""
    return {key: value for key, value in zip(app_cache.DEMO.keys(), app_cache.DEMO.values())
            if key[0] == "_analysis_cache" and key[1] != "subset"}


def test_an_upload_never_reaches_the_shared_cache_nor_a_second_session():
    at = start()
    upload(at)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    # the upload's results were computed and kept — in this session's own caches
    assert holds(dict(at.session_state["_analysis_cache"]), DIAGNOSIS_MARKER)
    assert at.session_state["_figure_cache"]
    # and nowhere a second session can reach
    assert not holds(app_cache.DEMO.keys(), DIAGNOSIS_MARKER)
    assert not holds(app_cache.DEMO.values(), DIAGNOSIS_MARKER)
    for key in app_cache.DEMO.keys():
        token = key[2][0] if key[1] == "subset" else key[1] if key[0] == "_analysis_cache" else key[2][0][0] \
            if key[0] == "_figure_cache" else None
        if key[0] == "_figure_cache" and key[1] == "memo":
            continue  # a chart's Arrow bytes, keyed on the chart object (only the demo's are built here)
        assert token == "demo", key
    other = demo_session()
    for page in PAGES:
        other.switch_page(page).run()
        assert not at.exception
    assert not holds({k: other.session_state[k] for k in other.session_state}, DIAGNOSIS_MARKER)
    shown = "\n".join(str(e.value) for e in [*other.markdown, *other.caption, *other.sidebar.caption])
    assert DIAGNOSIS_MARKER not in shown
    assert other.session_state["_analysis_cache"] == {}  # the demo session used the shared cache


def test_two_demo_sessions_share_one_analysis_equal_to_a_fresh_one():
    first, second = demo_session(), demo_session()
    first.switch_page("app_pages/patients.py").run()
    second.switch_page("app_pages/patients.py").run()
    entries = analysis_entries()
    key = ("_analysis_cache", "demo", "study", first.session_state["params"]["study"], "study", "en")
    assert key in entries
    shared = entries[key]
    fresh = analyze(load_cohort(ROOT / "data" / "demo_cohort.xlsx", synthetic=True), "study",
                    first.session_state["params"]["study"], "study")
    pd.testing.assert_frame_equal(shared.table, fresh.table)
    pd.testing.assert_frame_equal(shared.findings, fresh.findings)
    pd.testing.assert_frame_equal(shared.hb, fresh.hb)
    summaries = [v for k, v in zip(app_cache.DEMO.keys(), app_cache.DEMO.values())
                 if k[0] == "_figure_cache" and k[1] == "summary" and k[2][0] == key[1:] and k[2][1].active is False]
    assert summaries and all(s == summarize(fresh) for s in summaries)
    # both sessions show the same 22 patients from it
    assert first.caption[0].value == second.caption[0].value
    assert "(22 of 22 patients)" in first.caption[0].value


def test_the_g_dl_edition_never_reads_the_g_l_charts():
    at = demo_session()
    at.switch_page("app_pages/patients.py").run()
    at.sidebar.radio(key="w_hb_unit").set_value("g/dL").run()
    assert not at.exception, [e.value for e in at.exception]
    trajectories = {k[2][2]: v for k, v in zip(app_cache.DEMO.keys(), app_cache.DEMO.values())
                    if k[0] == "_figure_cache" and k[1] == "trajectory" and k[3] == ("DEMO-01",)}
    units = {display.hb_unit for display in trajectories}
    assert {"g/L", "g/dL"} <= units
    by_unit = {display.hb_unit: fig for display, fig in trajectories.items() if display.lang == "en"}
    assert "g/dL" in by_unit["g/dL"].layout.yaxis.title.text
    assert "g/L" in by_unit["g/L"].layout.yaxis.title.text and "g/dL" not in by_unit["g/L"].layout.yaxis.title.text


# --- app_cache.SharedMemo itself ------------------------------------------------------------


def test_concurrent_callers_of_one_key_build_it_once():
    memo = app_cache.SharedMemo(max_entries=4)
    started, release = threading.Event(), threading.Event()
    calls = []

    def build():
        calls.append(1)
        started.set()
        release.wait(10)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.get("k", build))) for _ in range(8)]
    threads[0].start()
    assert started.wait(10)  # the first caller is building; the others arrive meanwhile
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1 and len(results) == 8 and all(r is results[0] for r in results)


def test_a_failed_build_leaves_nothing_and_the_oldest_entry_goes_first():
    memo = app_cache.SharedMemo(max_entries=2)
    with pytest.raises(ValueError):
        memo.get("bad", lambda: (_ for _ in ()).throw(ValueError("no")))
    assert memo.keys() == [] and memo.get("bad", lambda: 1) == 1
    memo.get("a", lambda: 2)
    memo.get("bad", lambda: 99)  # a hit: "bad" becomes the most recent
    memo.get("c", lambda: 3)
    assert memo.keys() == ["bad", "c"]
