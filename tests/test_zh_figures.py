"""The Chinese edition of the charts and table exports (issue 13).

Every figure builder of :mod:`lusp.figures`, run on the demo cohort in Chinese: every title,
subtitle, axis, legend, tooltip, hover template, annotation and text label it draws is free
of English phrases (``tests/zh_support.py``; the cohort's own values — patient IDs,
diagnoses, AE terms, lab test names — aside), the CJK font is named, and a rendered PNG
(kaleido and vl-convert) really carries CJK glyphs. The XLSX export speaks Chinese while the
CSV keeps machine names; the Markdown export is Chinese; English stays as it was.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pandas as pd
import pytest

from lusp.display import Display
from lusp.figures import fonts, palette
from lusp.i18n import use_language
from tests.zh_support import assert_chinese, english_phrases

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo_cohort.xlsx"
#: Encoding fields whose values are the cohort's own words (shown as the user wrote them).
DATA_FIELDS = {"patient_id", "diagnosis", "term", "test", "trial", "level", "detail", "eligible", "covariate",
               # the outcome key of the small multiples: coloured by it, shown only through the
               # legend's labelExpr (checked) and the tooltip's outcome_words (checked)
               "outcome"}
CJK = "Noto Sans CJK SC"


# --------------------------------------------------------------------------------------
# The demo cohort and every figure, built in Chinese
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    from lusp.analysis import analyze
    from lusp.load import load_cohort

    return analyze(load_cohort(DEMO, synthetic=True), "study")


def _build_all(res) -> dict:
    from lusp import early, stats, trials
    from lusp.analysis import summarize
    from lusp.figures import cohort as C
    from lusp.figures import early as E
    from lusp.figures import flow as FL
    from lusp.figures import patient as P
    from lusp.figures import safety as SA
    from lusp.figures import spike as S
    from lusp.flow import patient_flow

    t = res.table
    out = {
        "burden_dumbbell": C.burden_dumbbell(t),
        "response_rates": C.response_rates_chart(C.response_rates_frame(summarize(res)), criteria_label="源研究定义"),
        "forest": C.forest_plot(stats.subgroup_table(t, res.cohort.patients, "diagnosis"), overall_rate=0.5,
                                covariate_label="诊断"),
        "waterfall": C.waterfall(t, threshold_g_l=15),
        "swimmer": C.swimmer(t, C.swimmer_marks(res.cohort.doses, res.cohort.events, t["patient_id"])),
        "outcome_story": C.outcome_story(t, criteria_label="源研究定义"),
        "ae_by_grade": SA.ae_by_grade_chart(res.cohort.events),
        "course": SA.course_chart(res.cohort.events, t),
        "blasts": SA.blasts_chart(res.cohort.labs, t),
        "flow": FL.flow_figure(patient_flow(res)),
        "small_multiples": P.small_multiples(res.hb, t, P.small_multiples_order(t)),
        "spike_multiples": S.spike_multiples(res.hb, res.cohort.transfusions, t, t["patient_id"].tolist()[:9],
                                             display=Display()),
    }
    durations = stats.ti_time_to_event(t, "time_to_ti")
    km = stats.kaplan_meier(durations["time_days"], durations["event"])
    out["km"] = C.km_chart(km, title="至输血独立时间", y_title="达到输血独立（%）", rising=True,
                           median_days=stats.km_median(km))
    courses = early.hb_courses(res)
    out["weekly_hb"] = E.weekly_hb_chart(early.weekly_hb(res, courses), courses, review_day=42)
    out["signs"] = E.signs_chart(early.early_signs(res))
    out["trials"] = E.trials_forest(trials.trials_table(res))
    flag = lambda column: t[column].astype("boolean").fillna(False).astype(bool)  # noqa: E731
    picks = {
        "trajectory_spike": t[flag("transient_spike")],
        "trajectory_ti": t[flag("ti_achieved")],
        "trajectory_ntd": t[~t["td_baseline"].astype("boolean").fillna(True).astype(bool)],
        "trajectory_no_ti": t[flag("td_baseline") & ~flag("ti_achieved") & ~flag("transient_spike")],
    }
    for name, rows in picks.items():
        assert len(rows), f"the demo cohort has no patient for {name}"
        out[name] = P.patient_trajectory(res, rows["patient_id"].iloc[0])
    return out


@pytest.fixture(scope="module")
def zh_figures(demo):
    with use_language("zh"):
        return _build_all(demo)


@pytest.fixture(scope="module")
def data_values(demo):
    """The cohort's own words: shown as written, never counted as English."""
    cohort = demo.cohort
    values = set(demo.table["diagnosis"].dropna().astype(str))
    values |= set(cohort.events["term"].dropna().astype(str))
    values |= set(cohort.labs["test"].dropna().astype(str))
    if "unit" in cohort.labs.columns:
        values |= set(cohort.labs["unit"].dropna().astype(str))
    # set by the analysis and the label registry, translated by their owners (i13b)
    from lusp.flow import patient_flow
    from lusp.labels import criteria_label

    with use_language("zh"):
        flow = patient_flow(demo)
        values |= {flow.start_label, flow.criteria_label, criteria_label(demo.criteria)}
        values |= {reason for reason, _count in flow.exclusions}
    return sorted(values)


# --------------------------------------------------------------------------------------
# The words a chart shows
# --------------------------------------------------------------------------------------
def _vega_texts(spec: dict) -> list[tuple[str, str]]:
    """(where, text) of every title, subtitle, label expression and shown data value."""
    found: list[tuple[str, str]] = []
    fields: set[str] = set()

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{path}.{key}"
                if key in ("title", "subtitle", "text") and isinstance(value, str):
                    found.append((here, value))
                elif key in ("title", "subtitle") and isinstance(value, list):
                    found.extend((here, v) for v in value if isinstance(v, str))
                elif key == "labelExpr" and isinstance(value, str):  # the words it gives, not the keys it tests
                    found.extend((here, words) for words in re.findall(r"\?\s*'((?:[^'\\]|\\.)*)'", value))
                if key == "field" and isinstance(value, str) and node.get("type") == "nominal":
                    fields.add(value)
                if key == "datasets":
                    continue
                walk(value, here)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(spec, "spec")
    for name, rows in spec.get("datasets", {}).items():
        for row in rows:
            for field in fields - DATA_FIELDS:
                value = row.get(field)
                if isinstance(value, str):
                    found.append((f"datasets.{name}.{field}", value))
    return found


def _plotly_texts(fig) -> list[tuple[str, str]]:
    layout = fig.layout
    found = [("layout.title", layout.title.text or "")]
    for axis in ("xaxis", "yaxis", "yaxis2", "yaxis3"):
        title = layout[axis].title.text if axis in layout else None
        if title:
            found.append((f"{axis}.title", title))
    for i, annotation in enumerate(layout.annotations):
        if annotation.text:
            found.append((f"annotation[{i}]", annotation.text))
    for i, trace in enumerate(fig.data):
        if trace.name:
            found.append((f"trace[{i}].name", trace.name))
        if getattr(trace, "hovertemplate", None):
            found.append((f"trace[{i}].hovertemplate", trace.hovertemplate))
        text = getattr(trace, "text", None)
        if text is not None and not isinstance(text, str):
            found.extend((f"trace[{i}].text", str(t)) for t in text if t)
    return found


def _is_plotly(fig) -> bool:
    return type(fig).__module__.startswith("plotly")


def _texts(fig) -> list[tuple[str, str]]:
    return _plotly_texts(fig) if _is_plotly(fig) else _vega_texts(fig.to_dict(validate=False))


def test_every_builder_is_covered(zh_figures):
    import lusp.figures as F

    public = {name for name in F.__all__ if callable(getattr(F, name)) and name[0].islower()}
    # builders that return data or words, not a figure
    not_charts = {"hb_factor", "hb_text", "response_rates_frame", "small_multiples_order", "subgroup_table",
                  "swimmer_marks"}
    built = {"burden_dumbbell": "burden_dumbbell", "forest_plot": "forest", "response_rates_chart": "response_rates",
             "swimmer": "swimmer", "waterfall": "waterfall", "patient_trajectory": "trajectory_spike",
             "trajectory_figure": "trajectory_ti", "small_multiples": "small_multiples",
             "ae_by_grade_chart": "ae_by_grade", "blasts_chart": "blasts", "course_chart": "course"}
    assert public - not_charts == set(built)
    assert all(name in zh_figures for name in built.values())


def test_every_chart_text_is_chinese(zh_figures, data_values):
    for name, fig in zh_figures.items():
        texts = _texts(fig)
        assert len(texts) >= 3, f"{name}: too few texts found to check ({texts})"
        for where, text in texts:
            assert_chinese(text, f"{name} {where}", data_values=data_values)
        joined = " ".join(t for _w, t in texts)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in joined), f"{name}: no Chinese at all"


def test_the_checker_sees_english_left_in_a_chart(demo, data_values):
    """The same walk over the English charts finds English (so the test above can fail)."""
    with use_language("en"):
        figures = _build_all(demo)
    for name, fig in figures.items():
        words = [w for _where, text in _texts(fig) for w in english_phrases(text, data_values=data_values)]
        assert words, f"{name}: the English chart shows no English word the checker sees"


def test_chart_words_as_a_hematologist_labels_them(zh_figures):
    spec = zh_figures["burden_dumbbell"].to_dict(validate=False)
    assert spec["title"]["text"] == "罗特西普治疗前后的输血负荷"
    assert any(t == "每28天红细胞输注单位数" for _w, t in _vega_texts(spec))
    words = {t for _w, t in _vega_texts(zh_figures["outcome_story"].to_dict(validate=False))}
    assert {"有效", "无效", "一过性早期升高（无效）", "疗效结局"} <= words
    fig = zh_figures["trajectory_spike"]
    assert fig.layout.xaxis.title.text == "研究日（第0天 = 首次罗特西普给药）"
    assert fig.layout.yaxis.title.text == "Hb (g/L)"
    assert fig.layout.yaxis2.title.text == "红细胞输注量（U）"
    spike = [a.text for a in fig.layout.annotations if a.name == "transient spike"][0]
    assert spike.startswith("<b>一过性早期升高</b> +") and "天前已回落" in spike
    hover = [t.hovertemplate for t in fig.data if t.name == "Hb（未受输血影响）"][0]
    assert hover.startswith("第%{x}天") and "<extra></extra>" in hover
    km = zh_figures["km"].to_dict(validate=False)
    assert km["layer"][0]["encoding"]["x"]["title"] == "距首次罗特西普给药天数"


def test_outcome_words_follow_the_language_switch():
    with use_language("zh"):
        assert palette.OUTCOME_LABELS["responder"] == "有效"
        assert palette.OUTCOME_LABELS.get("transient spike") == "一过性早期升高（无效）"
        assert pd.Series(["non-responder"]).map(palette.OUTCOME_LABELS).tolist() == ["无效"]
        assert palette.outcome_label("nonsense") == "不可评估"
    assert palette.OUTCOME_LABELS["responder"] == "Responder"
    assert dict(palette.OUTCOME_LABELS) == palette.OUTCOME_LABELS.english


def test_a_display_carries_its_language_into_the_spike_grid(demo):
    from lusp.figures.spike import spike_multiples

    t = demo.table
    ids = t["patient_id"].tolist()[:3]
    zh = spike_multiples(demo.hb, demo.cohort.transfusions, t, ids, display=Display(lang="zh")).to_dict()
    assert zh["title"]["text"].startswith("第−14～56天") and zh["config"]["font"] == CJK
    with use_language("zh"):  # the display's language wins over the one in force
        en = spike_multiples(demo.hb, demo.cohort.transfusions, t, ids, display=Display(lang="en")).to_dict()
    assert en["title"]["text"].startswith("Days −14 to 56") and "font" not in en["config"]


# --------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------
def test_chinese_charts_name_the_cjk_font(zh_figures):
    for name, fig in zh_figures.items():
        if _is_plotly(fig):
            assert fig.layout.font.family.split(",")[0].strip() == CJK, name
            for annotation in fig.layout.annotations:
                family = annotation.font.family
                assert family is None or family.startswith(CJK), f"{name}: annotation font {family}"
        else:
            assert fig.to_dict(validate=False)["config"]["font"] == CJK, name


def test_english_charts_keep_their_fonts(demo):
    from lusp.figures.flow import flow_figure
    from lusp.figures.patient import patient_trajectory
    from lusp.flow import patient_flow

    with use_language("en"):
        assert patient_trajectory(demo, "DEMO-01").layout.font.family == "Arial, Helvetica, sans-serif"
        assert flow_figure(patient_flow(demo)).layout.font.family == "Arial, Helvetica, sans-serif"
        figures = _build_all(demo)
    for name, fig in figures.items():
        if not _is_plotly(fig):
            assert "font" not in fig.to_dict(validate=False)["config"], name


def test_with_altair_font_keeps_the_rest_of_the_configuration():
    import altair as alt

    chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").configure_axis(labelFontSize=13)
    config = fonts.with_altair_font(chart, "zh").to_dict()["config"]
    assert config["font"] == CJK and config["axis"] == {"labelFontSize": 13}
    assert "font" not in chart.to_dict()["config"]  # the original is not changed
    assert fonts.with_altair_font(chart, "en") is chart
    bare = fonts.with_altair_font(alt.Chart(pd.DataFrame({"a": [1]})).mark_point(), "zh")
    assert bare.to_dict()["config"]["font"] == CJK


# --------------------------------------------------------------------------------------
# Rendered glyphs: not tofu, not blank
# --------------------------------------------------------------------------------------
# Two different Chinese titles of the same length: a face without CJK glyphs draws both as
# the same row of boxes (or nothing), so their images are identical; real glyphs differ.
TITLE_A = "罗特西普治疗前后输血负荷"
TITLE_B = "一过性早期升高不属于有效"


def _pixels(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("L")


def _ink(png: bytes) -> int:
    """Dark pixels of an image (text drawn on white)."""
    return sum(1 for v in _pixels(png).tobytes() if v < 128)


def _differing(a: bytes, b: bytes) -> int:
    from PIL import ImageChops

    pa, pb = _pixels(a), _pixels(b)
    assert pa.size == pb.size
    return sum(1 for v in ImageChops.difference(pa, pb).tobytes() if v > 64)


def _vega_title_png(title: str, font: str) -> bytes:
    import altair as alt

    from lusp.export.images import altair_to_image

    chart = (alt.Chart(pd.DataFrame({"t": [title]})).mark_text(fontSize=40, color="black").encode(text="t:N")
             .properties(width=600, height=80).configure_view(stroke=None))
    chart = chart.copy(deep=False)
    chart.config.font = font
    return altair_to_image(chart, "png", min_width_px=600)


def test_vl_convert_png_draws_cjk_glyphs():
    a, b = _vega_title_png(TITLE_A, CJK), _vega_title_png(TITLE_B, CJK)
    assert _ink(a) > 2000 and _ink(b) > 2000
    assert _differing(a, b) > 1000
    # the control: a face that does not exist draws no glyph at all, so the check can fail
    missing_a, missing_b = _vega_title_png(TITLE_A, "No Such Font i13e"), _vega_title_png(TITLE_B, "No Such Font i13e")
    assert _differing(missing_a, missing_b) < 50


def test_vl_convert_png_of_a_chinese_chart_differs_from_its_tofu(zh_figures):
    """The real outcome chart: drawn with the CJK font it carries far more distinct ink
    than the same spec with a missing font (Vega draws nothing for unknown faces)."""
    from lusp.export.images import altair_to_image

    spec = zh_figures["outcome_story"].to_dict(validate=False)
    broken = {**spec, "config": {**spec["config"], "font": "No Such Font i13e"}}
    good, bad = altair_to_image(spec, "png"), altair_to_image(broken, "png")
    assert _ink(good) > _ink(bad) + 5000


def _plotly_title_png(title: str) -> bytes:
    import plotly.graph_objects as go

    from lusp.export.images import plotly_to_image

    with use_language("zh"):
        family = fonts.plotly_family()
    fig = go.Figure(layout=dict(title=dict(text=title, font=dict(size=48, color="black")), font=dict(family=family),
                                xaxis=dict(visible=False), yaxis=dict(visible=False), paper_bgcolor="white",
                                plot_bgcolor="white", margin=dict(t=100, b=0, l=0, r=0)))
    return plotly_to_image(fig, "png", width_px=800, height_px=140)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="kaleido needs Debian's chromium")
def test_kaleido_png_draws_cjk_glyphs():
    a, b = _plotly_title_png(TITLE_A), _plotly_title_png(TITLE_B)
    assert _ink(a) > 2000 and _ink(b) > 2000
    assert _differing(a, b) > 1000


@pytest.mark.skipif(shutil.which("chromium") is None, reason="kaleido needs Debian's chromium")
def test_kaleido_svg_of_a_chinese_trajectory_asks_for_the_cjk_font(zh_figures):
    """kaleido's PDF carries its text as unnamed Type 3 fonts, so the face is checked in the
    SVG (every text element names it) and the glyphs in the PNG test above."""
    from lusp.export.images import plotly_to_image

    svg = plotly_to_image(zh_figures["trajectory_spike"], "svg").decode("utf-8")
    styles = re.findall(r"font-family:\s*([^;\"]+)", svg)
    assert styles and all(style.strip().strip("'\"").startswith(CJK) for style in styles), set(styles)
    assert "研究日（第0天 = 首次罗特西普给药）" in svg


def test_vl_convert_svg_names_the_cjk_font(zh_figures):
    from lusp.export.images import altair_to_image

    svg = altair_to_image(zh_figures["waterfall"], "svg").decode("utf-8")
    assert f'font-family="{CJK}"' in svg and "Hb 最大变化瀑布图" in svg


# --------------------------------------------------------------------------------------
# Table exports
# --------------------------------------------------------------------------------------
def _summary(demo):
    from lusp.analysis import summarize

    return summarize(demo)


def test_xlsx_in_chinese_has_chinese_sheets_and_headers_csv_keeps_machine_names(demo):
    from openpyxl import load_workbook

    from lusp.export.tables import response_rate_table, summary_table, to_csv_bytes, to_xlsx_bytes

    summary = _summary(demo)
    rates = response_rate_table(summary)
    data = to_xlsx_bytes({"response rates": rates, "summary": summary_table(summary)}, lang="zh")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["有效率", "汇总"]
    sheet = book["有效率"]
    headers = [c.value for c in sheet[1]]
    assert headers == ["组别", "有效例数", "例数", "有效率（%）", "95% CI 下限（%）", "95% CI 上限（%）"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == ["全部患者", "基线 TD", "基线 NTD"]
    # the numbers are untouched: 14 of 22 responders in the demo cohort
    assert [sheet.cell(row=2, column=c).value for c in (2, 3)] == [14, 22]
    assert [c.value for c in book["汇总"][1]] == ["指标", "数值"]
    for text in headers + [c.value for c in book["汇总"][1]]:
        assert_chinese(text, "XLSX header")
    csv = to_csv_bytes(rates).decode("utf-8-sig").splitlines()[0]
    assert csv == "group,n_responders,n_patients,rate_pct,ci_low_pct,ci_high_pct"
    assert rates["group"].tolist() == ["overall", "td", "ntd"]  # the frame itself is not changed


def test_xlsx_follows_the_language_in_force_and_english_is_unchanged(demo):
    from openpyxl import load_workbook

    from lusp.export.tables import response_rate_table, to_xlsx_bytes

    rates = response_rate_table(_summary(demo))
    with use_language("zh"):
        zh = load_workbook(io.BytesIO(to_xlsx_bytes(rates, sheet_name="response rates")))
        forced_en = load_workbook(io.BytesIO(to_xlsx_bytes(rates, sheet_name="response rates", lang="en")))
    assert zh.sheetnames == ["有效率"]
    en = load_workbook(io.BytesIO(to_xlsx_bytes(rates, sheet_name="response rates")))
    for book in (en, forced_en):
        assert book.sheetnames == ["response rates"]
        assert [c.value for c in book.active[1]] == list(rates.columns)
        assert book.active.cell(row=2, column=1).value == "overall"
    # a sheet name or column the export does not know is written as given
    other = load_workbook(io.BytesIO(to_xlsx_bytes({"我的表": pd.DataFrame({"患者": [1]})}, lang="zh")))
    assert other.sheetnames == ["我的表"] and other.active["A1"].value == "患者"


def test_markdown_export_in_chinese(demo, data_values):
    from lusp.export.markdown import _with_unit, narrative_paragraphs, results_markdown
    from lusp.params import describe

    d = Display(lang="zh")
    text = results_markdown(demo, display=d)
    lines = text.splitlines()
    assert lines[0] == "# 罗特西普队列结果"
    assert "> **合成数据**——按源研究校准的虚构患者，非真实患者数据。" in lines
    assert any(line.startswith("- **患者：**22 例（基线 TD 16 例，NTD 6 例）") for line in lines)
    assert "- **筛选条件：**全部患者" in lines
    assert "| 组别 | 有效例数 | 例数 | 有效率（%） | 95% CI（%） |" in lines
    assert any(line.startswith("| 全部患者 | 14 | 22 | 63.6 | ") and "～" in line for line in lines)
    # the paragraphs and the parameter names are the analysis text's (translated by i13b)
    with use_language("zh"):
        results_text, methods_text = narrative_paragraphs(demo, d)
        items = [item for params in (demo.params, demo.protocol_params) if params is not None
                 for item in describe(params)]
        # parameter names and "56 days"-style values: the label registry's words (i13b)
        labels = [item["label"] for item in items]
        labels += [_with_unit(item[key], item["unit"], d) for item in items for key in ("value", "default")]
    mine = text.replace(results_text, " ").replace(methods_text, " ")
    assert_chinese(mine, "Markdown export", data_values=[*data_values, *labels, demo.protocol_label,
                                                          demo.cohort.source.name])
    english = results_markdown(demo, display=Display(lang="en"))
    assert english.splitlines()[0] == "# Luspatercept cohort results"
    assert "| Group | Responders | Patients | Rate (%) | 95 % CI (%) |" in english
