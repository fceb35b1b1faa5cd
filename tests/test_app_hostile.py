"""Issue 17 on the Data page (AppTest): a refused upload is said in one sentence naming the
file, the cohort in force stays, and the same upload is not read again on later reruns.

The second test makes the loader abort natively in its child — calamine on the A1 +
XFD1048576 workbook with the pre-parse limits bypassed, the very crash that used to end the
server — and checks that the page, i.e. the server process running it, carries on.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import lusp.intake
from lusp.markup import unescape_markdown
from lusp.sandbox import run_in_sandbox
from tests import hostile_files as hostile
from tests.test_load_shapes import tables, workbook_bytes

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    key = next(u.key for u in at.file_uploader if u.key and u.key.startswith("w_upload_"))
    return at.file_uploader(key=key).set_value([(name, data, "application/octet-stream")]).run()


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = lusp.intake.load_cohort

    def counting(files, **kwargs):
        calls.append(tuple(name for name, _ in files))
        return real(files, **kwargs)

    monkeypatch.setattr(lusp.intake, "load_cohort", counting)
    return calls


def _start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    return at.switch_page("app_pages/data.py").run()


def test_a_refused_upload_is_read_once_and_the_cohort_stays(counted):
    at = _start()
    _upload(at, "cohort.xlsx", workbook_bytes(tables()))
    assert at.session_state["cohort"].n_patients == 3
    _upload(at, *hostile.corner_cells_workbook())
    (error,) = [unescape_markdown(e.value) for e in at.error]
    assert error.startswith("**corner.xlsx**: This workbook declares 17 179 869 184 cells")
    assert error.endswith("Nothing changed: the cohort in force is still **cohort.xlsx (3 patients)**.")
    assert not at.exception
    for page in ("app_pages/overview.py", "app_pages/data.py", "app_pages/data.py"):
        at.switch_page(page).run()
        assert not at.exception
    at.run()
    assert counted == [("cohort.xlsx",), ("corner.xlsx",)]  # the refused upload was read once
    assert at.session_state["cohort"].n_patients == 3
    assert at.session_state["_upload"].fingerprint  # the refused attempt, remembered by digest


def test_a_native_abort_in_the_reader_is_one_sentence_on_the_page(monkeypatch):
    at = _start()
    _upload(at, "cohort.xlsx", workbook_bytes(tables()))
    monkeypatch.setattr(lusp.intake, "load_cohort", lambda files, **kwargs: run_in_sandbox(
        "tests.sandbox_targets:calamine_unguarded", files, kwargs))
    _upload(at, *hostile.corner_cells_workbook())
    assert not at.exception
    (error,) = [unescape_markdown(e.value) for e in at.error]
    assert error.startswith("corner.xlsx was refused: reading it needed more than the 6 GB of memory one upload may "
                            "use, so it was stopped (the other sessions were not affected).")
    assert "still **cohort.xlsx (3 patients)**" in error
    at.switch_page("app_pages/patients.py").run()
    assert not at.exception and at.session_state["cohort"].n_patients == 3
