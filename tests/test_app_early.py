"""The "Early review & trials" page driven through AppTest on the demo cohort (issue 14).

Expected numbers come from lusp.early / lusp.trials on the demo cohort (worked by hand in
tests/test_early.py and tests/test_trials.py), never from what the page printed.
"""
from __future__ import annotations

import pytest
from tests.app_support import assert_no_error, run_app
from streamlit.testing.v1 import AppTest

PAGE = "app_pages/early.py"


def _frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


@pytest.fixture(scope="module")
def page() -> AppTest:
    at = run_app().switch_page(PAGE).run()
    assert_no_error(at)
    return at


def test_page_renders_with_title_and_synthetic_badge(page):
    assert [t.value for t in page.title] == ["Early review & trials"]
    assert any("SYNTHETIC" in str(e.value) for e in [*page.caption, *page.markdown])
    assert page.number_input(key="w_early_review_day").value == 42


def test_review_table_lists_the_misled_first(page):
    review = _frames(page)[0]
    # The six transient-spike failures first (demo: DEMO-10 … DEMO-15), then the four responders whose
    # day-42 picture looked like a failure (DEMO-04, -09, -20, -21).
    assert review["Patient"].tolist()[:10] == ["DEMO-10", "DEMO-11", "DEMO-12", "DEMO-13", "DEMO-14", "DEMO-15",
                                                "DEMO-04", "DEMO-09", "DEMO-20", "DEMO-21"]
    assert review["Early picture misled?"].iloc[0].startswith("Looked like a response")
    assert any("10 of 22 patients" in c.value for c in page.caption)


def test_spike_table_shows_six_of_seven_with_counts(page):
    signs = _frames(page)[1].set_index("sign")
    row = signs.loc["Transient first-week spike (had appeared by the review day)"]
    assert (row["TP"], row["FP"], row["FN"], row["TN"]) == (6, 0, 1, 9)
    assert row["sensitivity"] == "6/7 · 85.7 % (42.1–99.6)"
    assert sum("Small numbers" in c.value for c in page.caption) == 1  # the caveat, once


def test_trials_statement_and_table(page):
    assert any("differ in who was treated" in w.value for w in page.warning)
    table = _frames(page)[-1].set_index("trial")
    assert table.loc["MEDALIST", "luspatercept (published)"] == "58/153 · 37.9 % (30.2–46.1)"
    assert table.loc["MEDALIST", "this cohort"] == "9/16 · 56.3 % (29.9–80.2) (TD patients)"
    assert table.loc["BEYOND", "this cohort"] == "5/6 · 83.3 % (35.9–99.6) (NTD patients)"


def test_slopes_table_labelled_exploratory(page):
    slopes = [f for f in _frames(page) if "Group" in f.columns][0].set_index("Group")
    assert slopes.loc["Responders", "Patients"] == 14
    assert slopes.loc["Non-responders (no spike)", "Note"].startswith("fewer than 3 patients")
    assert any(c.value.startswith("Exploratory") for c in page.caption)


def test_changing_the_review_day_moves_the_picture(page):
    at = page.number_input(key="w_early_review_day").set_value(14).run()
    assert_no_error(at)
    signs = _frames(at)[1].set_index("sign")
    # By day 14 only the spikes that fell by day 14 (DEMO-11, -12, -15) have appeared.
    assert signs.loc["Transient first-week spike (had appeared by the review day)", "TP"] == 3
    assert any("The review on day 14" in s.value for s in at.subheader)
