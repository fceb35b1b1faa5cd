"""Results and methods as Markdown: the app's own text, every parameter, the CIs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lusp.export.markdown import results_markdown

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_cohort.xlsx"


@pytest.fixture(scope="module")
def demo_results():
    from lusp.analysis import analyze
    from lusp.load import load_cohort

    return analyze(load_cohort(DEMO, synthetic=True))


def test_markdown_has_header_paragraphs_rates_and_every_parameter(demo_results):
    from lusp.analysis import summarize
    from lusp.narrative import methods_paragraph, results_paragraph
    from lusp.params import describe

    text = results_markdown(demo_results, filters="all patients", today=dt.date(2026, 1, 2))
    assert text.startswith("# Luspatercept cohort results\n")
    assert "**SYNTHETIC DATA**" in text
    assert "- **Filters:** all patients" in text and "2026-01-02" in text
    assert results_paragraph(summarize(demo_results), demo_results) in text
    assert methods_paragraph(demo_results) in text
    # SPEC §1: 14/22 = 63.6 %, 9/16 = 56.3 % (56.25 rounded half-up, as the study does), 5/6 = 83.3 %
    assert "| All patients | 14 | 22 | 63.6 |" in text
    assert "| TD at baseline | 9 | 16 | 56.3 |" in text
    assert "| NTD at baseline | 5 | 6 | 83.3 |" in text
    for item in describe(demo_results.params):
        assert item["label"].replace("_", "\\_").replace("*", "\\*").replace("|", "\\|") in text, item["label"]


def test_changed_parameter_is_bold(demo_results):
    from dataclasses import replace

    from lusp.analysis import analyze

    changed = analyze(demo_results.cohort, params=replace(demo_results.params, ti_days=84))
    text = results_markdown(changed)
    line = next(line for line in text.splitlines() if "| 56 days |" in line and "**84 days**" in line)
    assert line.startswith("| ")


def test_markdown_of_an_empty_selection_does_not_fail(demo_results):
    text = results_markdown(demo_results.subset([]), filters="diagnosis: none")
    assert "## Results" in text and "diagnosis: none" in text
