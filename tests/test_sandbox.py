"""Issue 17 item 1 (sandbox): a load runs in a child process with memory, CPU-time,
file-size and wall-clock limits; however the child ends, the caller gets one
``CohortLoadError`` with one plain problem naming the file — never a traceback, never the
caller's own death.

The child runs stand-ins from ``tests/sandbox_targets.py`` that end the way hostile files
make parsers end: calamine given the A1 + XFD1048576 workbook with no pre-parse limit (the
512 GiB native abort that took the server down), a Python ``MemoryError``, a CPU runaway,
a call blocked forever, unbounded recursion, an exception the loader did not expect.
"""
from __future__ import annotations

import os

import pytest

from lusp import sandbox
from lusp.intake import attempt_load, fingerprint
from lusp.sandbox import SandboxLimits, refusal_of, run_in_sandbox
from lusp.validate import CohortLoadError
from tests import hostile_files as hostile

CORNER = hostile.corner_cells_workbook()


def refused(target: str, limits: SandboxLimits = sandbox.DEFAULT_SANDBOX, sources=None):
    with pytest.raises(CohortLoadError) as caught:
        run_in_sandbox(f"tests.sandbox_targets:{target}", sources or [CORNER], {}, limits)
    (problem,) = caught.value.report.problems
    assert problem.severity == "error" and problem.file == "corner.xlsx"
    assert "Traceback" not in problem.message and problem.message.count(". ") <= 3
    return problem


def test_the_native_calamine_abort_costs_the_attempt_not_the_caller():
    problem = refused("calamine_unguarded")
    assert problem.code == "load_out_of_memory"
    assert problem.message.startswith("corner.xlsx was refused: reading it needed more than the 6 GB of memory")
    assert os.getpid() > 0  # still here


def test_a_memory_error_is_a_refusal():
    problem = refused("allocate", SandboxLimits(memory_bytes=1 * 2**30))
    assert problem.code == "load_out_of_memory" and "1 GB of memory" in problem.message


def test_a_cpu_runaway_is_stopped_by_the_cpu_limit():
    problem = refused("spin", SandboxLimits(cpu_seconds=2, wall_seconds=60))
    assert problem.code == "load_timeout" and "more than 2 seconds of computing time" in problem.message


def test_a_call_blocked_forever_is_killed_at_the_wall_clock_limit():
    problem = refused("sleep", SandboxLimits(wall_seconds=3))
    assert problem.code == "load_timeout" and problem.message.startswith("Reading corner.xlsx was stopped after 3 seconds")


def test_unbounded_recursion_and_an_unexpected_exception_are_refusals():
    assert refused("recurse").code == "load_too_deep"
    problem = refused("fail")
    assert problem.code == "load_crashed" and "(ValueError)" in problem.message
    assert "did not turn into a report" not in problem.message  # the exception's text (may hold values) stays out


def test_the_child_may_write_no_file():
    with pytest.raises(CohortLoadError) as caught:
        run_in_sandbox("tests.sandbox_targets:write_file", [("a.csv", b"x")])
    assert caught.value.report.errors[0].code == "load_crashed"


def test_keywords_pass_through_unchanged_and_results_come_back():
    got = run_in_sandbox("tests.sandbox_targets:echo", [("a.csv", b"1,2")],
                         {"mapping": {"hb": {"Wert": "hb_g_l"}}, "max_bytes": 7, "future_option": (1, "x")})
    assert got == {"sources": [("a.csv", b"1,2")],
                   "kwargs": {"mapping": {"hb": {"Wert": "hb_g_l"}}, "max_bytes": 7, "future_option": (1, "x")}}


def test_the_loader_in_the_sandbox_gives_the_same_cohort_and_reports():
    from lusp.load import load_cohort
    from tests.test_load_shapes import shapes

    sources = shapes()["zip of csv"]
    inside, outside = sandbox.load_cohort(sources), load_cohort(sources)
    for name in ("patients", "hb", "doses", "transfusions"):
        assert inside.table(name).equals(outside.table(name))
    with pytest.raises(CohortLoadError) as caught:
        sandbox.load_cohort([("hb.csv", b"patient_id,day,hb_g_l\nP1,0,eighty\n")])
    assert refusal_of(caught.value.report) is None  # an ordinary report, not a refusal
    assert sandbox.inspect_columns(sources)[0].file


def test_an_upload_that_kills_the_parser_is_one_refused_attempt_remembered_by_digest():
    attempt = attempt_load([CORNER])
    assert not attempt.loaded and attempt.fingerprint == fingerprint([CORNER], None)
    problem = refusal_of(attempt.report)
    assert problem is not None and problem.code == "too_many_cells"


def test_relative_paths_are_read_from_the_callers_folder(tmp_path, monkeypatch):
    from tests.test_load_shapes import csv_bytes, visits_frame

    (tmp_path / "visits.csv").write_bytes(csv_bytes(visits_frame()))
    monkeypatch.chdir(tmp_path)
    assert sandbox.load_cohort("visits.csv").n_patients == 3


def test_a_result_that_would_run_code_in_the_parent_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(CohortLoadError) as caught:
        run_in_sandbox("tests.sandbox_targets:planted_result", [CORNER], {"marker": str(marker)})
    assert caught.value.report.errors[0].code == "load_crashed"
    assert not marker.exists()  # os.system was never called, in the parent or anywhere
