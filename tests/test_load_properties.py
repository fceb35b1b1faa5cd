"""Property tests (hypothesis): row order and the split into files never change the cohort;
malformed input always yields a report, never another exception."""
from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lusp.load import load_cohort
from lusp.validate import CohortLoadError
from tests.test_load_shapes import TABLES, canonical_view, csv_bytes, workbook_bytes

REFERENCE = canonical_view(load_cohort([(f"{n}.csv", csv_bytes(f)) for n, f in TABLES.items()]))
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def rearranged_cohort(draw):
    """The reference tables with rows shuffled, split between a workbook and CSVs, and the
    Hb table possibly cut into two files."""
    frames = {}
    for name, frame in TABLES.items():
        order = draw(st.permutations(range(len(frame))))
        frames[name] = frame.iloc[list(order)].reset_index(drop=True)
    in_workbook = draw(st.sets(st.sampled_from(sorted(frames))))
    split_hb = draw(st.integers(min_value=0, max_value=len(frames["hb"])))
    sources = []
    csv_parts = {n: f for n, f in frames.items() if n not in in_workbook}
    if "hb" in csv_parts and 0 < split_hb < len(frames["hb"]):
        hb = csv_parts.pop("hb")
        csv_parts["hb_part1"], csv_parts["hb_part2"] = hb.iloc[:split_hb], hb.iloc[split_hb:]
    if in_workbook:
        sources.append(("cohort.xlsx", workbook_bytes({n: frames[n] for n in sorted(in_workbook)})))
    sources += [(f"{n}.csv", csv_bytes(f)) for n, f in csv_parts.items()]
    return sources


@SETTINGS
@given(rearranged_cohort())
def test_row_order_and_file_split_never_change_the_cohort(sources):
    got = canonical_view(load_cohort(sources))
    for name, expected in REFERENCE.items():
        pd.testing.assert_frame_equal(got[name], expected, obj=name)


def _loads_or_reports(sources) -> None:
    try:
        load_cohort(sources)
    except CohortLoadError as exc:
        assert exc.report.has_errors
        for problem in exc.report.errors:
            assert problem.message
            if problem.row is not None:
                assert problem.table and problem.column


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["hb.csv", "cohort.xlsx", "cohort.zip", "visits.csv", "x.txt", "a.pdf"]), st.binary(max_size=600))
def test_random_bytes_yield_a_report_never_an_exception(name, data):
    _loads_or_reports([(name, data)])


_CELL = st.one_of(st.text(max_size=12), st.integers(-10**12, 10**12).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(str),
                  st.sampled_from(["", "P1", "P2", "P3", "03/04/2024", "2024-02-30", "9,5", "yes", "男"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(TABLES)), st.lists(st.tuples(st.integers(0, 8), st.integers(0, 5), _CELL), max_size=6),
       st.sampled_from([",", ";", "\t"]))
def test_generated_malformed_tables_yield_a_report_never_an_exception(table, edits, sep):
    frames = {n: f.astype(object).copy() for n, f in TABLES.items()}
    frame = frames[table]
    for row, col, value in edits:
        frame.iat[row % len(frame), col % frame.shape[1]] = value
    _loads_or_reports([(f"{n}.csv", f.to_csv(index=False, sep=sep).encode("utf-8")) for n, f in frames.items()])
