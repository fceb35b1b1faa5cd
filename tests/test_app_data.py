"""The Data page driven through the real app (``AppTest``): every accepted shape loads and the
Overview shows its counts; a bad file explains itself and leaves the cohort in force; an
unmatched column is mapped by hand; the mapping survives a JSON round trip; two sessions
never see each other's upload.

The uploaded cohort is ``tests/test_load_shapes.py``'s three hand-worked patients: P1 (MDS,
2 RBC units on day −20 → TD at baseline), P2 and P3 (no transfusion before day 0 → NTD).
So the Overview must read 3 patients, "1 TD · 2 NTD"; the demo reads 22, "16 TD · 6 NTD".
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lusp.load import mapping_from_json
from lusp.markup import unescape_markdown
from tests.test_load_shapes import HB, csv_bytes, shapes, tables, visits_frame, workbook_bytes, zip_bytes

APP = str(Path(__file__).resolve().parents[1] / "app.py")
DATA_PAGE = "app_pages/data.py"
OVERVIEW = "app_pages/overview.py"
TIMEOUT_S = 180

SHAPES = {
    "xlsx workbook": shapes()["workbook days g/L"],
    "zip of csv": shapes()["zip of csv"],
    "several csv": shapes()["csv files"],
    "visits csv": shapes()["visits csv"],
    "visits xlsx (dates, g/dL)": shapes()["visits xlsx dates g/dL"],
    "european ; and decimal comma": shapes()["csv semicolon decimal comma g/dL"],
    "workbook with dates, not days": [("dated.xlsx", workbook_bytes(tables(dates=True)))],
    "chinese workbook with dates": shapes()["workbook dates g/dL chinese"],
}


def as_uploads(sources: list[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    return [(name, data, "application/octet-stream") for name, data in sources]


def start() -> AppTest:
    """A fresh session (its own ``st.session_state``) on the Data page."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception
    return at


def upload(at: AppTest, sources) -> AppTest:
    at.file_uploader(key=uploader_key(at)).set_value(as_uploads(sources)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def uploader_key(at: AppTest) -> str:
    return next(u.key for u in at.file_uploader if u.key and u.key.startswith("w_upload_"))


def overview_counts(at: AppTest) -> tuple[str, str]:
    at.switch_page(OVERVIEW).run()
    assert not at.exception
    patients = next(m for m in at.metric if m.label == "Patients")
    td_ntd = next(re.search(r"\d+ TD · \d+ NTD", c.value) for c in at.caption if re.search(r"TD · \d+ NTD", c.value))
    return patients.value, td_ntd.group(0)


def texts(at: AppTest) -> str:
    """Every text element of the page and sidebar, for 'is it said on screen' checks."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in ("error", "warning", "success", "info") for e in getattr(at, kind)]
    return "\n".join(unescape_markdown(p) for p in parts)  # as the reader sees it (user strings are escaped)


def report_frame(at: AppTest):
    return next(d.value for d in at.dataframe if "message" in d.value.columns)


@pytest.fixture(scope="module")
def session() -> AppTest:
    """One session reused across the shape uploads (each upload replaces the previous files)."""
    return start()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_accepted_shape_loads_and_the_overview_shows_its_counts(session, shape):
    at = session
    at.switch_page(DATA_PAGE).run()
    upload(at, SHAPES[shape])
    assert not at.error, [e.value for e in at.error]
    assert any("loaded: 3 patients, now in force" in m.value for m in [*at.success, *at.warning])
    assert at.session_state["_upload"].files == tuple(name for name, _ in SHAPES[shape])  # this upload, not the last
    assert at.sidebar.caption[0].value.startswith("3 patients · not synthetic")
    assert overview_counts(at) == ("3", "1 TD · 2 NTD")


def test_the_demo_is_the_default_and_comes_back_in_one_click():
    at = start()
    assert overview_counts(at) == ("22", "16 TD · 6 NTD")
    at.switch_page(DATA_PAGE).run()
    assert not [b for b in at.button if b.key == "w_use_demo"]  # nothing to go back to
    upload(at, SHAPES["xlsx workbook"])
    assert any("cohort.xlsx" in unescape_markdown(m.value) for m in at.sidebar.markdown)
    assert overview_counts(at) == ("3", "1 TD · 2 NTD")
    at.switch_page(DATA_PAGE).run()
    at.button(key="w_use_demo").click().run()
    assert "SYNTHETIC demo cohort is in force again" in texts(at)
    assert overview_counts(at) == ("22", "16 TD · 6 NTD")
    # the uploader was emptied, so the workbook is not silently loaded again
    at.switch_page(DATA_PAGE).run()
    assert all(not u.value for u in at.file_uploader if u.key and u.key.startswith("w_upload_"))


def test_a_bad_file_names_table_row_and_column_and_keeps_the_cohort_in_force():
    at = start()
    upload(at, SHAPES["xlsx workbook"])  # 3 patients in force
    hb = HB.astype({"hb_g_l": "object"})
    hb.loc[1, "hb_g_l"] = "eighty"  # 2nd data row = CSV line 3
    bad = [(f"{name}.csv", csv_bytes(hb if name == "hb" else frame)) for name, frame in tables().items()]
    upload(at, bad)
    error = unescape_markdown(at.error[0].value)
    assert "not loaded" in error and "still **cohort.xlsx (3 patients)**" in error
    assert "**hb.csv**, row 3, column hb_g_l: 'eighty' is not a number" in texts(at)
    report = report_frame(at)
    row = report[(report["table"] == "hb") & (report["column"] == "hb_g_l")].iloc[0]
    assert (row["severity"], row["file"], row["row"], row["value"]) == ("error", "hb.csv", "3", "eighty")
    assert overview_counts(at) == ("3", "1 TD · 2 NTD")


def test_report_filters_by_severity_and_table():
    at = start()
    hb = HB.astype({"hb_g_l": "object"})
    hb.loc[1, "hb_g_l"] = "eighty"
    patients = tables()["patients"].assign(Name=["A", "B", "C"])  # identifier column → warning
    bad = [(f"{n}.csv", csv_bytes(hb if n == "hb" else patients if n == "patients" else f)) for n, f in tables().items()]
    upload(at, bad)
    assert set(report_frame(at)["severity"]) == {"error", "warning"}
    severity = next(m for m in at.multiselect if m.label == "Severity")
    severity.set_value(["warning"]).run()
    assert set(report_frame(at)["severity"]) == {"warning"}
    next(m for m in at.multiselect if m.label == "Severity").set_value(["error", "warning"]).run()
    next(m for m in at.multiselect if m.label == "Table").set_value(["hb"]).run()
    assert set(report_frame(at)["table"]) == {"hb"}
    assert at.download_button(key="w_report_csv").label == "Download 1 row(s) as CSV"
    assert at.download_button(key="w_report_xlsx").label == "Download 1 row(s) as XLSX"


def test_an_unmatched_column_is_mapped_by_hand_and_the_mapping_round_trips_as_json():
    at = start()
    renamed = [(f"{n}.csv", csv_bytes(f.rename(columns={"hb_g_l": "Wert"}) if n == "hb" else f))
               for n, f in tables().items()]
    upload(at, renamed)
    assert "not loaded" in at.error[0].value and "map the columns by hand" in at.error[0].value
    assert any(e.label == "Map columns by hand" for e in at.expander)
    field = next(s for s in at.selectbox if s.label == "Field for Wert")
    assert field.value is None and "hb_g_l (required)" in field.options
    field.set_value("hb_g_l")
    next(b for b in at.button if b.label == "Apply mapping").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert overview_counts(at) == ("3", "1 TD · 2 NTD")

    at.switch_page(DATA_PAGE).run()
    saved = next(c.value for c in at.code if '"Wert"' in c.value)
    assert mapping_from_json(saved) == {"hb": {"Wert": "hb_g_l"}}

    # next month, a new session: upload the saved mapping, then the file loads in one step
    later = start()
    later.file_uploader(key="w_mapping_json").set_value(("mapping.json", saved.encode(), "application/json")).run()
    assert "mapping.json" in texts(later) and "applied" in texts(later)
    upload(later, renamed)
    assert not later.error and overview_counts(later) == ("3", "1 TD · 2 NTD")


def test_a_bad_mapping_file_is_explained_not_raised():
    at = start()
    at.file_uploader(key="w_mapping_json").set_value(("m.json", json.dumps({"hb": {"x": "nope"}}).encode(),
                                                      "application/json")).run()
    assert not at.exception
    assert "was not used" in at.error[0].value and "not a field of hb" in at.error[0].value


def test_an_unrecognised_sheet_is_assigned_a_table_then_its_column_mapped():
    at = start()
    sheets = dict(tables())
    sheets["Blutwerte"] = sheets.pop("hb").rename(columns={"hb_g_l": "Wert"})  # neither name nor columns say hb
    upload(at, [("labor.xlsx", workbook_bytes(sheets))])
    assert "not loaded" in at.error[0].value
    pick = next(s for s in at.selectbox if "Blutwerte" in s.label)
    assert pick.value is None
    pick.set_value("hb")
    next(b for b in at.button if b.label == "Apply mapping").click().run()
    # read as hb now, but the Hb column still needs a field
    assert "not loaded" in at.error[0].value
    next(s for s in at.selectbox if s.label == "Field for Wert").set_value("hb_g_l")
    next(b for b in at.button if b.label == "Apply mapping").click().run()
    assert not at.error, [e.value for e in at.error]
    assert overview_counts(at) == ("3", "1 TD · 2 NTD")
    at.switch_page(DATA_PAGE).run()
    saved = next(c.value for c in at.code if '"Wert"' in c.value)
    assert mapping_from_json(saved) == {"_tables": {"Blutwerte": "hb"}, "hb": {"Wert": "hb_g_l"}}


def test_unreadable_and_oversized_files_get_our_message(monkeypatch):
    at = start()
    upload(at, [("cohort.xlsx", b"\x00\x01 not a workbook")])
    assert "not loaded" in at.error[0].value
    assert not report_frame(at).empty
    from streamlit import config

    original = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 1)  # 1 MB for this session's next run
    try:
        big = csv_bytes(visits_frame()) + b"\n" * (1024 * 1024 + 1)
        upload(at, [("visits.csv", big)])
    finally:
        config.set_option("server.maxUploadSize", original)
    report = report_frame(at)
    assert "larger than the limit of" in report.iloc[0]["message"]
    assert "Up to **1 MB per file**" in texts(at)


def test_what_was_read_lists_dates_units_and_dropped_identifiers():
    at = start()
    dated = tables(dates=True, g_dl=True)
    dated["patients"] = dated["patients"].assign(Name=["Zhang San", "Li Si", "Wang Wu"])
    upload(at, [("dated.xlsx", workbook_bytes(dated))])
    # warnings load and stay visible: on the page and in the sidebar on every page
    assert "warning(s) below: the data loaded" in at.warning[0].value
    assert "loading warning(s)" in at.sidebar.caption[0].value
    facts = next(d.value for d in at.dataframe if "value" in d.value.columns and "" in d.value.columns)
    facts = dict(zip(facts[""], facts["value"]))
    assert facts["Identifier columns dropped"] == "Name"
    assert facts["Hb unit in the file"] == "g/dL (converted to g/L)"
    assert facts["Time"].startswith("calendar dates 2024-") and "converted to study days" in facts["Time"]
    per_table = next(d.value for d in at.dataframe if "first_day" in d.value.columns)
    assert per_table.set_index("table").loc["hb", ["first_day", "last_day"]].tolist() == ["-10", "84"]
    assert dict(zip(per_table["table"], per_table["rows"])) == {
        "patients": 3, "hb": 9, "transfusions": 2, "doses": 5, "events": 0, "labs": 0}
    assert "No 'events' table" in texts(at)


def test_two_sessions_side_by_side_never_share_an_upload():
    a, b = start(), start()
    upload(a, SHAPES["xlsx workbook"])
    assert overview_counts(a) == ("3", "1 TD · 2 NTD")
    b.run()
    assert overview_counts(b) == ("22", "16 TD · 6 NTD")
    assert b.session_state["cohort_token"] == "demo"
    for key in ("cohort", "_upload"):
        assert key not in b.session_state or b.session_state[key] is None
    b.switch_page(DATA_PAGE).run()
    shown = texts(b)
    assert "cohort.xlsx" not in shown and "P1" not in shown


@pytest.mark.parametrize("key, name", [("w_template_workbook", "luspatercept_cohort_template.xlsx"),
                                       ("w_template_visits", "luspatercept_visits_template.xlsx")])
def test_both_templates_are_offered_and_load_back_through_the_page(key, name):
    from lusp.template import template_bytes, visits_template_bytes

    at = start()
    button = at.download_button(key=key)
    assert button.label.endswith("(.xlsx)")
    data = template_bytes() if key == "w_template_workbook" else visits_template_bytes()
    upload(at, [(name, data)])
    assert not at.error, [e.value for e in at.error]
    assert at.sidebar.caption[0].value.startswith("1 patient ·")  # the example patient P01
