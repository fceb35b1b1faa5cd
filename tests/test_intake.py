"""``lusp.intake``: one load attempt as the Data page shows it (no Streamlit, no disk).

Files are ``tests/test_load_shapes.py``'s three hand-worked patients as CSV uploads; the
``Wert`` variant renames the Hb column so the synonyms cannot match it.
"""
from __future__ import annotations

import pytest

from lusp.intake import attempt_load, choices_to_mapping, fingerprint, merge_mapping, problems_frame, what_was_read
from tests.test_load_shapes import csv_bytes, tables


def uploads(**renames: dict) -> list[tuple[str, bytes]]:
    return [(f"{name}.csv", csv_bytes(frame.rename(columns=renames.get(name, {})))) for name, frame in tables().items()]


def test_a_clean_upload_loads_with_no_mapping_aid():
    attempt = attempt_load(uploads())
    assert attempt.loaded and attempt.cohort.n_patients == 3
    assert not attempt.needs_mapping and attempt.columns == ()
    assert attempt.files == ("patients.csv", "hb.csv", "doses.csv", "transfusions.csv")


def test_an_unmatched_required_column_asks_for_a_mapping_and_the_choice_fixes_it():
    files = uploads(hb={"hb_g_l": "Wert"})
    attempt = attempt_load(files)
    assert not attempt.loaded and attempt.needs_mapping
    hb = next(tc for tc in attempt.columns if tc.table == "hb")
    assert hb.missing == ("hb_g_l|hb_g_dl|hb_mmol_l|hb_value",) and hb.proposed["Wert"] is None
    mapping = choices_to_mapping(hb, {"patient_id": "patient_id", "day": "day", "Wert": "hb_g_l"})
    assert mapping == {"hb": {"Wert": "hb_g_l"}}  # only what differs from the matcher
    again = attempt_load(files, mapping)
    assert again.loaded and again.cohort.hb["hb_g_l"].tolist()[:3] == [62, 80, 75]


def test_unsetting_a_matched_column_maps_it_to_none():
    hb = next(tc for tc in attempt_load(uploads(hb={"hb_g_l": "Wert"})).columns if tc.table == "hb")
    assert choices_to_mapping(hb, {"patient_id": "patient_id", "day": None, "Wert": None}) == {"hb": {"day": None}}


def test_fingerprint_changes_with_bytes_names_and_mapping_but_not_order():
    files = uploads()
    base = fingerprint(files, {})
    assert fingerprint(list(reversed(files)), {}) == base
    assert fingerprint(files, {"hb": {"Wert": "hb_g_l"}}) != base
    assert fingerprint([(n + "x", d) for n, d in files], {}) != base
    assert fingerprint([(n, d + b"\n") for n, d in files], {}) != base


def test_merge_mapping_adds_and_replaces_without_touching_inputs():
    old = {"hb": {"Wert": "hb_g_dl"}, "doses": {"Dosis": "dose_mg_kg"}}
    new = {"hb": {"Wert": "hb_g_l"}, "_tables": {"Blutwerte": "hb"}}
    merged = merge_mapping(old, new)
    assert merged == {"hb": {"Wert": "hb_g_l"}, "doses": {"Dosis": "dose_mg_kg"}, "_tables": {"Blutwerte": "hb"}}
    assert old == {"hb": {"Wert": "hb_g_dl"}, "doses": {"Dosis": "dose_mg_kg"}}


def test_what_was_read_counts_rows_patients_and_days():
    frame = what_was_read(attempt_load(uploads()).cohort).set_index("table")
    assert frame.loc["hb", ["rows", "patients", "first_day", "last_day"]].tolist() == [9, 3, -10, 84]
    assert frame.loc["transfusions", ["rows", "patients"]].tolist() == [2, 1]
    assert frame.loc["events", "rows"] == 0 and frame["first_day"].isna()["events"]


@pytest.mark.parametrize("data", [b"", b"\x00\xff garbage", b"PK\x03\x04 truncated zip"])
def test_unreadable_files_become_a_report_never_an_exception(data):
    attempt = attempt_load([("cohort.zip", data)])
    assert not attempt.loaded and attempt.report.has_errors
    assert list(problems_frame(attempt.report).columns) == ["severity", "file", "table", "row", "column", "value", "message"]


def test_over_the_limit_is_refused_with_the_limit_named():
    attempt = attempt_load(uploads(), max_bytes=50)
    assert not attempt.loaded
    assert all("larger than the limit" in p.message for p in attempt.report.errors)
