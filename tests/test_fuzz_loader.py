"""Seeded fuzzing of the loader (issue 5): 2 000 mutations of valid files per run — cells
replaced with text, blanks, huge numbers and odd dates; columns renamed, dropped,
duplicated; sheets removed; zips truncated; wrong encodings; random bytes. Every one
either loads or raises CohortLoadError whose problems name table/row/column; never any
other exception. ``scripts/fuzz_loader.py --n 10000`` is the long run.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fuzz_loader.py"
_spec = importlib.util.spec_from_file_location("fuzz_loader", _SCRIPT)
fuzz_loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_loader)

#: Mutations per CI run (issue 5 asks for at least 2 000); LUSP_FUZZ_N overrides it locally.
N_MUTATIONS = int(os.environ.get("LUSP_FUZZ_N", "2000"))


@pytest.mark.slow
def test_two_thousand_seeded_mutations_load_or_explain_themselves():
    counts = fuzz_loader.run(N_MUTATIONS, seed=20240301)
    assert sum(counts.values()) == N_MUTATIONS
    kinds = {kind for kind, _ in counts}
    # every family of mutation was exercised, and both outcomes occur
    assert {"cell", "rename_column", "drop_column", "duplicate_column", "drop_table", "truncate",
            "random_bytes", "encoding", "swap_extension", "empty"} <= kinds
    assert {outcome for _, outcome in counts} == {"loaded", "rejected"}


#: Mutations of the real-export shapes per run (issue 11); LUSP_FUZZ_EXPORTS_N overrides it.
N_EXPORT_MUTATIONS = int(os.environ.get("LUSP_FUZZ_EXPORTS_N", "300"))


@pytest.mark.slow
def test_seeded_mutations_of_every_real_export_shape_load_or_explain_themselves():
    counts = fuzz_loader.run(N_EXPORT_MUTATIONS, seed=20261201, exports=1.0)
    assert sum(counts.values()) == N_EXPORT_MUTATIONS
    shapes = {kind.split(":", 1)[1] for kind, _ in counts}
    assert shapes == {"Chinese HIS workbook", "English LIS/EHR CSVs", "SDTM zip of CSV", "SDTM .csv.gz", "SDTM .xpt",
                      "ADaM"}
    kinds = {kind.split(":", 1)[0] for kind, _ in counts}
    assert kinds >= {"export_cell", "export_drop_column", "export_rename_column", "export_bytes"}
    assert {outcome for _, outcome in counts} == {"loaded", "rejected"}


def test_the_fuzzer_flags_an_unclean_outcome():
    """The checker itself can fail: a problem with a row but no column is caught."""
    from lusp.validate import CohortLoadError, Problem, ValidationReport

    bad = Problem("error", "f.csv", "hb", 3, "", "x", "message", "bad_number")

    def raising(_sources):
        raise CohortLoadError(ValidationReport.of([bad]))

    original = fuzz_loader.load_cohort
    fuzz_loader.load_cohort = raising
    try:
        with pytest.raises(AssertionError):
            fuzz_loader.check([("f.csv", b"x")])
    finally:
        fuzz_loader.load_cohort = original


def test_hostile_structures_are_refused_by_their_limit_or_read_cleanly():
    """Issue 17: workbooks declaring or reaching huge grids, too many columns, zips nested
    too deep or holding too many members — each passing a limit gets that limit's refusal,
    the rest load or are rejected with a report; none reaches a parser that would abort."""
    counts = fuzz_loader.run_hostile(int(os.environ.get("LUSP_FUZZ_HOSTILE_N", "60")), seed=17)
    kinds = {kind for kind, _ in counts}
    assert kinds == {"dimension", "far_cell", "wide_csv", "nested", "many_members"}
    assert {outcome for _, outcome in counts} >= {"refused", "rejected"}
