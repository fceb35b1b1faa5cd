"""Projector-true (issue 12): what every page, slide and the Markdown export show in words.

Under every criteria set and both Hb units:

- no text names a spec section ("SPEC §3") or a code name (``burden_before_u28``,
  ``criteria_a``, ``sf3b1_mutated``, ``patient_id`` …: every machine column name of the
  results, concordance and subgroup tables);
- with g/dL, no Hb figure reads g/L — in a sentence, a table cell, a header, a metric or
  a chart's labels.

The command lines a page offers to copy (``st.code``) are for the CLI and keep its words.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lusp.analysis import analyze
from lusp.concordance import compare
from lusp.demo import make_demo_cohort
from lusp.display import Display
from lusp.export.deck import standard_slides
from lusp.export.markdown import results_markdown
from lusp.stats import subgroup_table

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["app_pages/overview.py", "app_pages/patients.py", "app_pages/transfusions.py",
         "app_pages/responses.py", "app_pages/early.py", "app_pages/safety.py", "app_pages/data.py"]
SETS = ("study", "iwg2006", "iwg2018")
UNITS = ("g/L", "g/dL")

SPEC_WORDS = re.compile(r"SPEC\b|§\s*\d")
HB_IN_G_L = re.compile(r"\d\s*g/L\b")


def _code_names() -> set[str]:
    cohort = make_demo_cohort()
    names: set[str] = set()
    for name in SETS:
        names |= set(analyze(cohort, name).table.columns)
    concordance = compare(cohort)
    names |= set(concordance.wide.columns) | set(concordance.agreement.columns) | set(concordance.rates.columns)
    names |= set(subgroup_table(analyze(cohort).table, cohort.patients, "sex").columns)
    names |= set(cohort.covariate_columns) | {"patient_id"}
    from lusp.params import describe

    for name in SETS:  # parameter names and their machine choices ("mean_d29")
        for item in describe(analyze(cohort, name).params):
            names |= {item["name"], *(item["choices"] or ())}
    # A code name is one with an underscore: plain words ("diagnosis", "outcome", "reason")
    # are English as well as column names.
    return {n for n in names if "_" in n}


CODE_NAMES = _code_names()
CODE_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, CODE_NAMES), key=len, reverse=True)) + r")(?![\w])")


def _problems(texts: list[str], unit: str, *, code_names: bool = True) -> list[str]:
    found = []
    for text in texts:
        if SPEC_WORDS.search(text):
            found.append(f"spec section: {text[:160]!r}")
        if code_names and (m := CODE_PATTERN.search(text)):
            found.append(f"code name {m.group(0)!r}: {text[:160]!r}")
        if unit == "g/dL" and (m := HB_IN_G_L.search(text)):
            found.append(f"g/L figure {m.group(0)!r}: {text[max(0, m.start() - 60):m.end() + 20]!r}")
    return found


def _element_texts(at: AppTest) -> tuple[list[str], list[str]]:
    """``(words, chart specs)``: every text element, table header and cell, metric, widget
    label and option of the page, and every chart's spec JSON."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for metric in at.metric:
        texts += [str(metric.label), str(metric.value)]
    for frame in [*at.dataframe, *at.table]:
        value = frame.value
        texts += [str(c) for c in value.columns] + [str(i) for i in value.index if isinstance(i, str)]
        for column in value.columns:
            texts += [v for v in value[column].tolist() if isinstance(v, str)]
    for kind in ("selectbox", "radio", "multiselect", "number_input", "checkbox", "toggle", "button"):
        for widget in getattr(at, kind):
            texts.append(str(widget.label))
            for option in getattr(widget, "options", None) or []:
                texts.append(str(option))
            if getattr(widget, "help", None):
                texts.append(str(widget.help))
    for expander in at.expander:
        texts.append(str(expander.label))
    specs = [e.proto.spec for kind in ("plotly_chart", "vega_lite_chart", "arrow_vega_lite_chart") for e in at.get(kind)
             if getattr(getattr(e, "proto", None), "spec", "")]
    return texts, specs


def _chart_words(spec: str) -> list[str]:
    """The strings a chart shows: titles, axis titles, labels and text marks (not field names)."""
    out: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "title", "label", "subtitle", "name", "hovertemplate", "value"):
            out.append(node)

    walk(json.loads(spec))
    return out


def _app(criteria: str, unit: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["criteria"] = criteria
    if unit != "g/L":
        at.query_params["unit"] = unit
    if lang != "en":
        at.query_params["lang"] = lang
    return at.run()


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("criteria", SETS)
def test_every_page_speaks_clinically(criteria, unit):
    at = _app(criteria, unit)
    problems = []
    for path in PAGES:
        at.switch_page(path).run()
        assert not at.exception, (path, [e.value for e in at.exception])
        texts, specs = _element_texts(at)
        problems += [f"{path}: {p}" for p in _problems(texts, unit)]
        for spec in specs:
            problems += [f"{path} chart: {p}" for p in _problems(_chart_words(spec), unit, code_names=False)]
        if path.endswith("patients.py") and unit == "g/dL":
            # the patient shown's sidebar thresholds: the NTD rise in g/dL, not g/L
            assert not [w.label for w in at.sidebar.number_input if "(g/L)" in w.label]
    assert problems == []


@pytest.mark.parametrize("criteria", SETS)
def test_every_page_speaks_clinically_in_chinese(criteria):
    # The Chinese sentences keep "<number> g/L" so the display re-says them in g/dL, and
    # name no code or spec section either (issue 13).
    at = _app(criteria, "g/dL", lang="zh")
    problems = []
    for path in PAGES:
        at.switch_page(path).run()
        assert not at.exception, (path, [e.value for e in at.exception])
        assert at.title[0].value not in ("Overview", "Patients", "Data")  # the Chinese edition
        texts, _specs = _element_texts(at)
        problems += [f"{path}: {p}" for p in _problems(texts, "g/dL")]
    assert problems == []


@pytest.mark.parametrize("unit", UNITS)
def test_presentation_speaks_clinically(unit):
    at = AppTest.from_file(str(ROOT / "app_pages" / "present.py"), default_timeout=180)
    at.session_state["hb_unit"] = unit
    at.run()
    texts, _ = _element_texts(at)
    problems = _problems(texts, unit)
    at.session_state["present_step"] = 99  # the last screen: a transient-spike patient and its reason
    at.run()
    assert not at.exception
    texts, specs = _element_texts(at)
    assert "Transient early spike" in at.title[0].value
    problems += _problems(texts, unit)
    for spec in specs:
        problems += _problems(_chart_words(spec), unit, code_names=False)
    assert problems == []


@pytest.fixture(scope="module")
def demo():
    return make_demo_cohort()


def _slide_texts(slides) -> list[str]:
    texts = []
    for slide in slides:
        texts += [slide.title, slide.caption, slide.notes, *slide.bullets, *slide.image_captions]
        for tile in slide.headlines:
            texts += [tile.value, tile.label, tile.detail]
        if slide.table is not None:
            texts += [str(c) for c in slide.table.columns]
            texts += [str(v) for column in slide.table.columns for v in slide.table[column]]
    return texts


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("criteria", SETS)
def test_every_slide_and_the_markdown_speak_clinically(demo, criteria, unit, monkeypatch):
    from lusp.export.deck import charts

    # The charts' words are checked on the pages; here the slide text (PNG rendering skipped).
    monkeypatch.setattr(charts, "_chart_slide", lambda title, build, **kw: charts.Slide(
        "text", title, caption=kw.get("caption", ""), notes=kw.get("notes", "")))
    from lusp.export.deck import standard

    monkeypatch.setattr(standard, "_chart_slide", charts._chart_slide)
    results = analyze(demo, criteria)
    display = Display(hb_unit=unit)
    slides = standard_slides(results, display=display)
    assert _problems(_slide_texts(slides), unit) == []
    markdown = results_markdown(results, display=display)
    # The Markdown's command line is for the CLI (its options are the CLI's words).
    words = [line for line in markdown.splitlines() if "python -m lusp" not in line]
    assert _problems(words, unit) == []
    if unit == "g/dL":
        assert "g/dL" in markdown and "g/dL" in " ".join(_slide_texts(slides))
