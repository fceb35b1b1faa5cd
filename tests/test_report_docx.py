"""The Word report (lusp.export.report_docx) opened with python-docx — headings, Word tables
cell by cell, figure count and captions, every headline number against summarize — and
rendered by LibreOffice to PDF and PNG (pages kept in test-artifacts/report/ to look at)."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from lusp.analysis import analyze, summarize
from lusp.cli import main
from lusp.export.deck import deck_patient_table
from lusp.export.report_docx import REPORT_LANGUAGES, ReportSection, build_report, check_language
from lusp.flow import patient_flow
from lusp.load import load_cohort
from lusp.narrative import percent, results_paragraph
from lusp.table1 import table_one
from tests.cohort_factory import make_cohort

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo_cohort.xlsx"
ARTIFACTS = ROOT / "test-artifacts" / "report"


@pytest.fixture(scope="module")
def demo():
    return analyze(load_cohort(DEMO, synthetic=True))


@pytest.fixture(scope="module")
def report_bytes(demo):
    extra = [("Trial comparison", pd.DataFrame({"endpoint": ["MEDALIST TI ≥ 8 weeks"], "patients": [9]})),
             ReportSection("Early review", table=pd.DataFrame({"patient": ["DEMO-01"], "flag": [True]}),
                           text="Patients flagged at week 8.", caption="Early-review flags.")]
    calls = []
    data = build_report(demo, extra_sections=extra, hooks=[lambda doc, ctx: calls.append((ctx.tables, ctx.figures))],
                        trials_and_review=False)
    return data, calls


def test_trial_comparison_and_review_day_tables_are_in_the_report(demo):
    """By default the report carries issue 14's tables: the published trial rates beside the
    cohort's, the day-42 picture and the early-sign 2 × 2 counts (demo: the spike among
    evaluable TD patients — 6 failures with it, 1 without, 0 responders with it, 9 without)."""
    doc = _doc(build_report(demo, figures=False))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[-3:] == ["Beside the pivotal trials", "The review-day picture (day 42)",
                             "Could we have known? Early signs against the eventual outcome"]
    body = _body_text(doc)
    assert "differ in who was treated" in body and "Small numbers" in body
    trials = _cells(doc.tables[-3])
    medalist = next(row for row in trials if row[0] == "MEDALIST")
    assert medalist[2].startswith("58/153") and medalist[3].startswith("placebo: 10/76")
    assert medalist[4].startswith("9/16")  # the demo's 9 of 16 TD patients with TI ≥ 8 weeks
    review = _cells(doc.tables[-2])
    assert len(review) == 1 + len(demo.table)
    signs = _cells(doc.tables[-1])
    header, spike = signs[0], signs[1]
    assert [spike[header.index(c)] for c in ("n", "TP", "FP", "FN", "TN")] == ["16", "6", "0", "1", "9"]
    assert spike[header.index("sensitivity")].startswith("6/7")


def _doc(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def _cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def _full_text(paragraph) -> str:
    """The paragraph's text including runs inside fields (python-docx's .text skips them)."""
    from docx.oxml.ns import qn

    return "".join(t.text or "" for t in paragraph._p.iter(qn("w:t")))


def _body_text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def test_headings_use_word_heading_styles(report_bytes):
    doc = _doc(report_bytes[0])
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [
        ("Title", "Luspatercept outside its approved indications: cohort report"),
        ("Heading 1", "Methods"),
        ("Heading 1", "Results"),
        ("Heading 2", "Baseline characteristics"),
        ("Heading 2", "Patient flow"),
        ("Heading 2", "Response"),
        ("Heading 2", "Figures"),
        ("Heading 1", "Per-patient results"),
        ("Heading 1", "Trial comparison"),
        ("Heading 1", "Early review"),
    ]


def test_tables_are_word_tables_with_the_values_of_lusp(report_bytes, demo):
    doc = _doc(report_bytes[0])
    s = summarize(demo)
    assert len(doc.tables) == 5  # Table 1, response rates, per-patient, two extra sections
    table1 = table_one(demo)
    cells = _cells(doc.tables[0])
    assert cells[0] == list(table1.frame.columns)
    assert cells[1:] == [[str(v).lstrip(" ") for v in row] for row in table1.frame.itertuples(index=False)]
    response = _cells(doc.tables[1])
    assert response[0] == ["Group", "Responders", "Patients", "Rate, %", "95 % CI, %"]
    for row, key in zip(response[1:], ("overall", "td", "ntd")):
        rate = s["response_rate"][key]
        assert row[1:] == [str(rate["k"]), str(rate["n"]), percent(rate["rate"]),
                           f"{percent(rate['ci_low'])}–{percent(rate['ci_high'])}"]
    assert response[2][1:4] == ["9", "16", "56.3"]  # SPEC §1: 9 of 16 TD responders
    patients = _cells(doc.tables[2])
    expected = deck_patient_table(demo.table)
    assert patients[0] == [*expected.columns, "Reason"]
    assert [row[0] for row in patients[1:]] == demo.table["patient_id"].astype(str).tolist()
    assert [row[-1] for row in patients[1:]] == demo.table["reason"].astype(str).tolist()
    assert _cells(doc.tables[3]) == [["endpoint", "patients"], ["MEDALIST TI ≥ 8 weeks", "9"]]
    assert _cells(doc.tables[4]) == [["patient", "flag"], ["DEMO-01", "yes"]]
    # The header row repeats on every page (a real table header, not a first row).
    from docx.oxml.ns import qn

    assert doc.tables[2].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_figures_and_numbered_captions(report_bytes):
    data, calls = report_bytes
    doc = _doc(data)
    assert len(doc.inline_shapes) == 5  # flow, response rates, burden, waterfall, swimmer
    captions = [_full_text(p) for p in doc.paragraphs if p.style.name == "Caption"]
    figures = [c for c in captions if c.startswith("Figure")]
    tables = [c for c in captions if c.startswith("Table")]
    assert [c.split(".")[0] for c in figures] == [f"Figure {i}" for i in range(1, 6)]
    assert [c.split(".")[0] for c in tables] == [f"Table {i}" for i in range(1, 6)]
    assert figures[0].startswith("Figure 1. Patient flow")
    assert "Early-review flags." in tables[4]
    assert calls == [(5, 5)]  # hooks see the caption counters at the end
    # Caption numbers are SEQ fields, so Word renumbers them when a figure is added.
    from docx.oxml.ns import qn

    fields = [f.get(qn("w:instr")) for f in doc.element.body.iter(qn("w:fldSimple"))]
    assert sum("SEQ Figure" in f for f in fields) == 5 and sum("SEQ Table" in f for f in fields) == 5
    # Print resolution: each chart is at least 6.5 in × 200 dpi wide (Plotly 2000 px, Altair 1950).
    from lusp.export.images import png_size

    for shape in doc.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        png = doc.part.related_parts[blip.embed].blob
        assert png_size(png)[0] >= 1300 and png[:4] == b"\x89PNG"
        assert shape._inline.docPr.get("descr")


def test_every_headline_number_matches_the_summary(report_bytes, demo):
    doc = _doc(report_bytes[0])
    s = summarize(demo)
    text = _body_text(doc)
    assert results_paragraph(s, demo) in text
    assert f"Patients: {s['n_patients']} ({s['n_td']} TD, {s['n_ntd']} NTD at baseline)" in text
    flow = patient_flow(demo)
    assert "; ".join(line.strip() for line in flow.lines()) + "." in text
    rr = s["response_rate"]["overall"]
    assert f"{rr['k']} of {rr['n']} ({percent(rr['rate'])} %, 95 % CI {percent(rr['ci_low'])}–{percent(rr['ci_high'])} %)" in text
    assert "60.61 g/L at baseline and 96.21 g/L" in text  # SPEC §1 means
    assert "Reproduce with: python -m lusp analyze" in text


def test_synthetic_badge_only_when_synthetic(report_bytes):
    doc = _doc(report_bytes[0])
    assert "SYNTHETIC DATA" in doc.paragraphs[1].text
    assert all("SYNTHETIC DATA" in s.header.paragraphs[0].text for s in doc.sections)
    real = analyze(make_cohort(patients=["A", "B"], hb=[("A", -3, 70), ("A", 30, 90), ("B", -3, 75), ("B", 30, 80)]))
    plain = _doc(build_report(real, figures=False))
    assert "SYNTHETIC" not in _body_text(plain)
    assert not any("SYNTHETIC" in s.header.paragraphs[0].text for s in plain.sections)
    assert len(plain.inline_shapes) == 0


def test_languages_and_an_empty_selection(demo):
    assert check_language("en") == "en" and check_language("zh") == "zh" and list(REPORT_LANGUAGES) == ["en", "zh"]
    with pytest.raises(ValueError, match=r"not available in 'fr'; available: en \(English\), zh \(中文\)"):
        build_report(demo, lang="fr", figures=False)
    empty = _doc(build_report(demo.subset([]), figures=False))
    assert "No patients match the current selection." in _body_text(empty)
    assert _cells(empty.tables[0]) == [["Characteristic", "Overall (n = 0)"], ["n", "0"]]


#: LibreOffice Writer (Debian's libreoffice-writer; `make debs`) — soffice alone, with only
#: Impress installed, cannot open a .docx.
WRITER = Path("/usr/lib/libreoffice/program/libswlo.so")


@pytest.mark.skipif(shutil.which("soffice") is None or not WRITER.exists(),
                    reason="LibreOffice Writer is not installed (make debs)")
def test_libreoffice_renders_every_page(report_bytes, tmp_path):
    """LibreOffice (Writer) reads the file and prints it: PDF, then one PNG per page.
    Every page carries body text (no blank page), and the PNGs are kept to look at."""
    docx_path = tmp_path / "report.docx"
    docx_path.write_bytes(report_bytes[0])
    profile = tmp_path / "lo_profile"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx_path)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.read_bytes()[:4] == b"%PDF"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 6 <= pages <= 14
    furniture = set("SYNTHETIC DATA — invented patients, not real patients demo_cohort.xlsx · criteria: Study "
                    "definitions (SPEC §3) · filters: all patients · page".split())
    for page in range(1, pages + 1):
        words = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                               capture_output=True, text=True, check=True).stdout.split()
        body = [w for w in words if w not in furniture and w != str(page)]
        assert len(body) >= 3, f"page {page} holds only the header and footer: {words}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(ARTIFACTS / "page")], check=True, timeout=120)
    assert len(list(ARTIFACTS.glob("page-*.png"))) == pages
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Table 1. Baseline characteristics" in text and "Figure 5." in text


def test_cli_report(tmp_path, capsys):
    out = tmp_path / "report.docx"
    assert main(["report", str(DEMO), "--out", str(out), "--no-figures", "--table1-by", "responder", "--pvalues"]) == 0
    doc = _doc(out.read_bytes())
    assert "p-value" in _cells(doc.tables[0])[0] and "Responder (n = 14)" in _cells(doc.tables[0])[0]
    assert "Wrote the Word report (22 patients" in capsys.readouterr().out
    assert main(["report", str(DEMO), "--out", str(tmp_path / "report.pdf")]) == 2
    assert "give a name ending in .docx" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.xlsx"), "--out", str(out)]) == 2


from tests.offline_support import needs_network_namespace, run_offline  # noqa: E402


@needs_network_namespace
def test_report_and_patient_page_build_with_the_network_cut():
    """The whole report (every figure) and the patient page's PNG and PDF, in a fresh
    interpreter inside a network namespace: nothing is fetched from anywhere."""
    import textwrap

    script = textwrap.dedent(
        """
        import io, docx
        from lusp.analysis import analyze
        from lusp.load import load_cohort
        from lusp.export.report_docx import build_report
        from lusp.export.patient_summary import patient_summary_image
        results = analyze(load_cohort("data/demo_cohort.xlsx", synthetic=True))
        doc = docx.Document(io.BytesIO(build_report(results)))
        assert len(doc.inline_shapes) == 5
        assert patient_summary_image(results, "DEMO-13", "png")[:4] == b"\\x89PNG"
        assert patient_summary_image(results, "DEMO-13", "pdf")[:4] == b"%PDF"
        print("offline-report-ok")
        """
    )
    done = run_offline(script, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "offline-report-ok" in done.stdout


@pytest.mark.parametrize("criteria", ["iwg2006", "iwg2018"])
def test_every_criteria_set_reports_with_flow_counts_equal_to_its_summary(criteria):
    results = analyze(load_cohort(DEMO, synthetic=True), criteria=criteria)
    s = summarize(results)
    flow = patient_flow(results)
    assert (flow.n_evaluable, flow.n_not_evaluable) == (s["n_evaluable"], s["n_not_evaluable"])
    assert (flow.n_td_responders, flow.n_ntd_responders) == (s["n_td_responders"], s["n_ntd_responders"])
    assert sum(count for _, count in flow.exclusions) == s["n_not_evaluable"]
    doc = _doc(build_report(results, figures=False))
    assert results.criteria_label in _body_text(doc)
    assert results_paragraph(s, results) in _body_text(doc)
