"""Issue 17 item 4: a user-supplied string is shown as the characters it holds, never as markup.

One helper, :func:`lusp.markup.escape_markdown`, is applied to ids, diagnoses, terms, file
and sheet names, reasons, findings, problems and URL parameters before any Markdown,
caption, warning or title. The unit tests pin what the helper does to each Markdown
construct Streamlit renders (checked in a real browser: see ``test_browser_hostile.py``);
the AppTest walks every page with a hostile cohort and a hostile link and asserts that no
element's Markdown source holds a hostile fragment unescaped.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lusp.markup import WORD_JOINER, escape_markdown, unescape_markdown
from tests.test_load_shapes import TABLES, workbook_bytes

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LINK = "X. **Your session expired** — [sign in again](http://evil.example/login)"
LATEX = r"$\frac{1}{2}$"
HOSTILE_IDS = {"P1": LATEX, "P2": "**P2** [x](http://evil.example)", "P3": ":red[P3] <b>b</b>"}
HOSTILE_DIAGNOSIS = ":material/home: MDS www.evil.example"
HOSTILE_TERM = "[click](http://evil.example) `code` # heading"
HOSTILE_FILE = "cohort **x** [y](http://evil.example).xlsx"
#: Raw fragments none of which may reach Streamlit's Markdown unescaped.
FRAGMENTS = ("**Your session", "](http", "$\\frac", ":red[P3]", "<b>", ":material/home:", "www.evil", "http://evil",
             "**P2**", "**x**", "`code`")


def _plain(text: str) -> str:
    """What the reader sees: backslash escapes resolved, word joiners removed."""
    return unescape_markdown(text)


@pytest.mark.parametrize("text", [LINK, LATEX, *HOSTILE_IDS.values(), HOSTILE_DIAGNOSIS, HOSTILE_TERM, HOSTILE_FILE,
                                  "a_b_c *x* ~~s~~ | t |", "C:\\path", "10:30", "x@y.org", "P-001 (2)", "", "患者 01"])
def test_escaped_text_reads_back_as_the_original(text):
    escaped = escape_markdown(text)
    assert _plain(escaped) == " ".join(text.split())
    for fragment in FRAGMENTS:
        assert fragment not in escaped
    assert "\n" not in escaped


def test_each_markdown_construct_is_neutralised():
    assert escape_markdown("**b**") == r"\*\*b\*\*"
    assert escape_markdown("[a](http://e.x)") == "\\[a\\]\\(http:" + WORD_JOINER + "//e\\.x\\)"
    assert escape_markdown("$x$") == r"\$x\$"
    assert escape_markdown(":red[x]") == ":" + WORD_JOINER + r"red\[x\]"  # Streamlit's colour directive
    assert escape_markdown("# h\n- i") == r"\# h \- i"  # no heading or list can start
    assert escape_markdown("www.a") == "w" + WORD_JOINER + r"ww\.a"  # GitHub's literal autolink
    assert escape_markdown("a@b") == "a@" + WORD_JOINER + "b"  # e-mail autolink
    assert escape_markdown("<b>&amp;") == r"\<b\>\&amp;"
    assert escape_markdown(None) == "" and escape_markdown(12.5) == r"12\.5"


# ----------------------------------------------------------------------------- the app, every page


def hostile_workbook() -> bytes:
    sheets = {name: frame.copy() for name, frame in TABLES.items()}
    for frame in sheets.values():
        frame["patient_id"] = frame["patient_id"].map(HOSTILE_IDS)
    sheets["patients"]["diagnosis"] = [HOSTILE_DIAGNOSIS, "MF", "MDS"]
    sheets["events"] = pd.DataFrame({"patient_id": [LATEX, HOSTILE_IDS["P2"]], "day": [10, 30],
                                     "category": ["adverse_event", "progression"],
                                     "term": [HOSTILE_TERM, HOSTILE_TERM], "grade": [3, None]})
    return workbook_bytes(sheets)


def _markdown_sources(at: AppTest) -> list[str]:
    """The Markdown source of every element Streamlit renders as Markdown, sidebar included."""
    out: list[str] = []
    for kind in ("markdown", "caption", "warning", "error", "info", "success", "title", "header", "subheader", "toast"):
        out += [str(e.value) for e in getattr(at, kind, [])]
    out += [str(e.label) for e in at.expander]
    for kind in ("selectbox", "multiselect", "radio", "slider", "number_input", "checkbox", "button", "text_input"):
        out += [str(w.label) for w in getattr(at, kind, [])]
    return out


def _assert_no_markup(at: AppTest, where: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    for text in _markdown_sources(at):
        for fragment in FRAGMENTS:
            assert fragment not in text, f"{where}: {fragment!r} rendered raw in {text!r}"


PAGES = ["app_pages/overview.py", "app_pages/patients.py", "app_pages/transfusions.py", "app_pages/responses.py",
         "app_pages/safety.py", "app_pages/data.py"]


def test_a_hostile_link_shows_as_text_on_the_patients_page():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["patient"] = LINK
    at.run()
    at.switch_page("app_pages/patients.py").run()
    _assert_no_markup(at, "patients page, hostile ?patient=")
    (warning,) = [w.value for w in at.warning if "is not" in w.value]
    assert escape_markdown(LINK) in warning and _plain(warning).startswith(f"Patient {LINK} is not")


def test_every_page_with_a_hostile_cohort_and_link_shows_text_not_markup():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["patient"] = LINK
    at.run()
    at.switch_page("app_pages/data.py").run()
    uploader = next(u.key for u in at.file_uploader if u.key and u.key.startswith("w_upload_"))
    at.file_uploader(key=uploader).set_value([(HOSTILE_FILE, hostile_workbook(), "application/octet-stream")]).run()
    _assert_no_markup(at, "data page after the upload")
    assert any(escape_markdown(HOSTILE_FILE) in s for s in _markdown_sources(at)), "the file name is shown, escaped"
    assert not at.error, [e.value for e in at.error]
    seen = set()
    for page in PAGES:
        at.switch_page(page).run()
        _assert_no_markup(at, page)
        seen.update(_markdown_sources(at))
    # the hostile id is the Patients page's heading, shown literally
    at.switch_page("app_pages/patients.py").run()
    assert any(_plain(m).endswith(LATEX) and m.startswith("### ") for m in map(str, (e.value for e in at.markdown)))
    # every filter: choose the hostile diagnosis, and a covariate
    at.multiselect(key="w_f_dx").set_value([HOSTILE_DIAGNOSIS]).run()
    _assert_no_markup(at, "patients page filtered by the hostile diagnosis")
    assert any(escape_markdown(HOSTILE_DIAGNOSIS) in c for c in map(str, (e.value for e in at.caption)))
    # presentation mode (every screen) with the same cohort
    at.switch_page("app_pages/overview.py").run()
    at.multiselect(key="w_f_dx").set_value([]).run()
    toggle = next(t for t in at.toggle if "resentation" in str(t.label))
    toggle.set_value(True).run()
    titles = []
    for _ in range(20):
        _assert_no_markup(at, "presentation mode")
        titles += [str(t.value) for t in at.title]
        following = [b for b in at.button if b.key == "present_next"]
        if not following or following[0].disabled:
            break
        following[0].click().run()
    assert len(set(titles)) >= 3, titles  # the headline and the cohort charts at least were shown
