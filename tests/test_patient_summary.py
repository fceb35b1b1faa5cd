"""The one-page patient summary (lusp.export.patient_summary), the manuscript slides
(lusp.export.slides_manuscript) and ``python -m lusp patient``.

Hand-worked patient P1 (study set, study protocol): TD with 2 + 2 U on days −40 and −20
(4 U in the 56-day window → 4 × 28 / 56 = 2.0 U/28 d before); no transfusion after day 0,
follow-up to day 120 → 120 transfusion-free days ≥ 56 → TI, responder; burden after 0.0.
Doses 1.0 on days 0 and 21, 1.25 on day 42 → "1.0 mg/kg × 2 (days 0–21)", "1.25 mg/kg × 1
(day 42)"; escalating after 2 doses is within the protocol.
"""
from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from lusp.analysis import analyze
from lusp.cli import main
from lusp.export.patient_summary import PAGE_HEIGHT_PX, PAGE_WIDTH_PX, patient_summary, patient_summary_image
from lusp.export.slides_manuscript import (
    FLOW_TITLE,
    TABLE1_TITLE,
    manuscript_deck,
    manuscript_slides,
    patient_slide,
    table1_slides,
)
from lusp.load import load_cohort
from lusp.table1 import table_one
from tests.cohort_factory import make_cohort

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo_cohort.xlsx"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def one():
    import pandas as pd

    cohort = make_cohort(
        patients=[("P1", {"age": 71, "sex": "F", "last_followup_day": 120, "first_dose_date": pd.Timestamp("2024-03-05"),
                          "disease_status": "stable <b>bold</b>"}),
                  ("P2", {"age": 64, "sex": "M"})],
        hb=[("P1", -3, 62), ("P1", 30, 80), ("P1", 120, 95), ("P2", -3, 80), ("P2", 30, 82)],
        transfusions=[("P1", -40, 2), ("P1", -20, 2)],
        doses=[("P1", 0, 1.0), ("P1", 21, 1.0), ("P1", 42, 1.25), ("P2", 0, 1.0)],
    )
    return analyze(cohort)


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def test_content_of_the_page(one):
    s = patient_summary(one, "P1")
    facts = dict(s.facts)
    assert facts["TD at baseline"] == "yes (4 U in the baseline window)"
    assert facts["RBC burden before → after"] == "2.0 U/28 d → 0.0 U/28 d (100 % reduction)"
    assert facts["Transfusion independence"] == "yes" and facts["Follow-up"] == "120 days"
    assert facts["Baseline Hb"] == "62 g/L (day -3)"
    assert s.dose_course == ("3 doses from day 0 to day 42", "1.0 mg/kg × 2 (days 0–21)", "1.25 mg/kg × 1 (day 42)")
    assert s.reason == str(one.table.loc[0, "reason"]) and s.outcome == "responder"
    covariates = dict(s.covariates)
    assert covariates["Age (years)"] == "71" and covariates["Sex"] == "F"
    assert not any("first dose date" in k.lower() or "2024" in v for k, v in s.covariates)  # no calendar date
    assert not s.synthetic
    findings = [str(m) for m in one.findings.loc[one.findings["patient_id"] == "P1", "message"]]
    assert list(s.findings) == (findings or ["No protocol findings."])
    with pytest.raises(KeyError, match="'P9' is not in this cohort"):
        patient_summary(one, "P9")


def test_page_renders_as_png_and_pdf(one):
    from lusp.export.patient_summary import summary_page_figure

    fig = summary_page_figure(one, "P1", trajectory_png=b"\x89PNG\r\n\x1a\n")
    texts = " ".join(str(a.text) for a in fig.layout.annotations)
    assert "Patient P1 — case summary" in texts and "<b>Why:</b>" in texts
    cells = " ".join(" ".join(map(str, col)) for trace in fig.data for col in trace.cells.values)
    assert "stable &lt;b&gt;bold&lt;/b&gt;" in cells  # file text is escaped, never read as HTML
    png = patient_summary_image(one, "P1", "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and _png_size(png) == (PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
    pdf = patient_summary_image(one, "P1", "pdf")
    assert pdf[:4] == b"%PDF" and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    with pytest.raises(ValueError, match="PNG or a PDF"):
        patient_summary_image(one, "P1", "svg")


def test_demo_patient_page_is_kept_to_look_at():
    """The page of a demo spike patient with a protocol finding (looked at by eye)."""
    results = analyze(load_cohort(DEMO, synthetic=True))
    s = patient_summary(results, "DEMO-13")
    assert s.synthetic and s.outcome == "transient spike"
    assert s.findings == ("day 21: escalated to 1.25 mg/kg after 1 dose at 1.0 (protocol: ≥ 2)",)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "patient_summary_DEMO-13.png").write_bytes(patient_summary_image(results, "DEMO-13"))


def test_manuscript_slides_in_the_deck_engine():
    from pptx import Presentation

    results = analyze(load_cohort(DEMO, synthetic=True))
    slides = manuscript_slides(results, patient_ids=["DEMO-13"])
    assert [s.title for s in slides] == [TABLE1_TITLE, FLOW_TITLE, "Patient DEMO-13: Transient spike (non-responder)"]
    assert slides[1].kind == "image" and "Evaluable: 22" in slides[1].notes
    assert slides[2].kind == "image" and slides[2].notes.startswith("Why: TD at baseline")
    from lusp.export.images import png_size
    from lusp.export.patient_summary import SLIDE_HEIGHT_PX, SLIDE_WIDTH_PX

    assert png_size(slides[2].images[0]) == (SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX)  # laid out 16:9, not the A4 page
    prs = Presentation(io.BytesIO(manuscript_deck(slides, results)))
    texts = [" ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in prs.slides]
    assert len(prs.slides) >= 3 and all("SYNTHETIC DATA" in t for t in texts)
    cells = [cell.text for slide in prs.slides for shape in slide.shapes if shape.has_table
             for row in shape.table.rows for cell in row.cells]
    frame = table_one(results).frame
    assert frame.loc[frame["Characteristic"] == "Age, years, mean (SD)", "Overall (n = 22)"].item() in cells
    with_p = table1_slides(results, pvalues=True)[0]
    assert list(with_p.table.columns[-2:]) == ["p-value", "Test"]


def test_patient_slide_without_a_renderer_falls_back_to_text(one, monkeypatch):
    from lusp.export import images
    from lusp.export.images import ImageExportError

    def fail(*args, **kwargs):
        raise ImageExportError("no browser")

    monkeypatch.setattr(images, "figure_to_image", fail)
    slide = patient_slide(one, "P1")
    assert slide.kind == "text" and any("no browser" in b for b in slide.bullets)


def test_cli_patient(tmp_path, capsys):
    out = tmp_path / "p.pdf"
    assert main(["patient", str(DEMO), "DEMO-02", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"%PDF"
    assert main(["patient", str(DEMO), "DEMO-99", "--out", str(out)]) == 2
    assert "DEMO-99: no patient with this ID in the file" in capsys.readouterr().err
    assert main(["patient", str(DEMO), "DEMO-02", "--out", str(tmp_path / "p.svg")]) == 2
    assert "PNG or a PDF" in capsys.readouterr().err
