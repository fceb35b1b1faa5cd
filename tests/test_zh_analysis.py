"""The Chinese edition of the analysis text (issue 13): reasons, findings, paragraphs.

The hand-worked three-patient cohort of ``test_definitions_study`` (P1 TD responder, P2 TD
non-responder with a transfusion-driven spike, P3 NTD responder with three dose findings)
is analysed with ``use_language("zh")``; every expected sentence below is the English
sentence of that test said in Chinese, its numbers worked out on paper there (baseline
window 56 days = 8 weeks; P1: 4 U, run day 31–100 = 70 days ≥ 56; P2: 3 U, longest run
31–59 = 29 days < 56, early peak 75 g/L on day 5, ≤ 75 − 8.5 on day 14, transfusion on day
2; P3: Hb 82 → 93 g/L on day 84, rise 11 ≥ 10). Then every reason, finding and paragraph
of the demo cohort, under every criteria set × protocol × Hb unit, is checked for English
left over, and the numbers of each Chinese paragraph are checked against the English one.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from lusp import analyze, summarize
from lusp.criteria import CRITERIA
from lusp.demo import make_demo_cohort
from lusp.display import Display
from lusp.i18n import _, current_language, use_language
from lusp.labels import MESSAGES, label
from lusp.narrative import methods_paragraph, plural, results_paragraph, rise_reconciliation_why
from lusp.params import describe
from lusp.protocol import PROTOCOLS
from lusp.wording import join_list
from tests.test_definitions_study import three_patients
from tests.zh_support import assert_chinese, english_phrases

UNITS = ("g/L", "g/dL")


@pytest.fixture(scope="module")
def worked():
    """The three hand-worked patients, analysed in Chinese and in English."""
    cohort = three_patients()
    out = {}
    for lang in ("zh", "en"):
        with use_language(lang):
            results = analyze(cohort, criteria="study", protocol="study")
            out[lang] = (results, summarize(results))
    return out


def _row(results, patient_id):
    return results.table.set_index("patient_id").loc[patient_id]


# ---- the hand-worked patients, sentence by sentence ------------------------------------
ZH_REASONS = {
    "P1": "基线 TD（8周内 4 U）；第31～100天无输血（70天 ≥ 56天）→ 输血独立 → 有效。",
    "P2": "基线 TD（8周内 3 U）；最长无输血间隔为第31～59天（29天 < 56天）→ 未达输血独立 → 无效；"
          "第5天 Hb 一过性升高至 75 g/L，至第14天回落（峰值前一周内有输血）。",
    "P3": "基线 NTD；Hb 82 g/L → 第84天峰值 93 g/L（升高 11 g/L ≥ 10 g/L）→ 有效。",
}


@pytest.mark.parametrize("patient_id", sorted(ZH_REASONS))
def test_reason_sentences_in_chinese(worked, patient_id):
    results, _summary = worked["zh"]
    assert _row(results, patient_id)["reason"] == ZH_REASONS[patient_id]


def test_machine_values_stay_english_in_the_chinese_analysis(worked):
    zh, en = worked["zh"][0].table, worked["en"][0].table
    assert list(zh.columns) == list(en.columns)
    assert zh["outcome"].tolist() == en["outcome"].tolist() == ["responder", "transient spike", "responder"]
    for column in zh.columns:
        if column not in ("reason", "protocol_findings", "not_evaluable_reason", "baseline_units_text"):
            assert zh[column].astype("string").fillna("<NA>").tolist() == en[column].astype("string").fillna(
                "<NA>").tolist(), column
    assert worked["zh"][0].findings["rule"].tolist() == worked["en"][0].findings["rule"].tolist()
    assert worked["zh"][0].findings["kind"].tolist() == worked["en"][0].findings["kind"].tolist()


def test_protocol_findings_in_chinese(worked):
    results, _summary = worked["zh"]
    assert _row(results, "P3")["protocol_findings"] == (
        "第14天：距上次给药仅 14天即给药（方案：每21天，间隔 ≥ 18天）；"
        "第35天：由 1.0 递增至 1.5 mg/kg，跳过 1.25（方案：每次递增一级）；"
        "提示：第77天：该剂量水平已给药 2 次仍无效，维持 1.5 mg/kg"
        "（自第35天起 Hb 峰值 89 g/L，升高 7 g/L < 10 g/L；方案：递增至 1.75 mg/kg）"
    )
    assert results.findings["message"].tolist()[0] == "第14天：距上次给药仅 14天即给药（方案：每21天，间隔 ≥ 18天）"


def test_not_evaluable_reason_in_chinese():
    # TD (1 U on day −5), transfusion on day 10, follow-up 55 days < 56 without TI.
    from tests.cohort_factory import make_cohort

    cohort = make_cohort([("P", {"last_followup_day": 55})], hb=[("P", -3, 60), ("P", 30, 70)],
                         transfusions=[("P", -5, 1), ("P", 10, 1)])
    with use_language("zh"):
        row = analyze(cohort, criteria="study", protocol=None).table.iloc[0]
    assert row["not_evaluable_reason"] == "随访 55天 < 56天且未达输血独立"
    assert row["reason"] == "基线 TD（8周内 1 U）；随访 55天 < 56天且未达输血独立 → 不可评估（按无效计）。"
    assert row["outcome"] == "not evaluable"


def test_results_paragraph_in_chinese(worked):
    results, summary = worked["zh"]
    # 3 patients: TD P1, P2; NTD P3. Responders P1, P3: 2/3 = 66.7 % (exact CI 9.4–99.2 %);
    # TD 1/2 = 50.0 % (1.3–98.7 %); NTD 1/1 = 100.0 % (2.5–100.0 %). Mean baseline Hb
    # (65 + 58 + 82) / 3 = 68.33, mean peak (110 + 61 + 93) / 3 = 88.00; rises 45, 3, 11 →
    # 19.67 = 88.00 − 68.33. P2 is the TD non-responder with the spike; burden 1.5 → 2.0.
    with use_language("zh"):
        text = results_paragraph(summary, results, Display(hb_unit="g/L", lang="zh"))
    assert text.startswith(
        "3 例患者中，基线输血依赖（TD）2 例，非输血依赖（NTD）1 例。"
        "有效 2/3（66.7%，95% CI 9.4%～99.2%），其中 TD 患者（以输血独立判定）1/2（50.0%，95% CI 1.3%～98.7%），"
        "NTD 患者（以 Hb 升高判定）1/1（100.0%，95% CI 2.5%～100.0%）。"
        "3 例患者在第1～14天内 Hb 高于基线。"
        "平均 Hb 基线为 68.33 g/L，治疗后为 88.00 g/L（治疗后 Hb 峰值）；1 例患者治疗后 Hb 超过 100 g/L。"
        "个体 Hb 升高值（峰值 − 基线，3 例）的均值为 19.67 g/L（3 例早期升高患者中为 19.67 g/L）；"
        "与两均值之差（19.67 g/L）相等，因为两个均值涵盖相同患者，且治疗后 Hb 取峰值。"
    )
    assert text.endswith(
        "1 例 TD 无效患者中，1 例在首周内出现 Hb 一过性早期升高后回落；"
        "其平均输血负荷治疗前为每28天 1.5 U，治疗后为 2.0 U。"
        "给药方案核查在 1 例患者中发现 2 处方案偏离。"
    )
    assert_chinese(text, "results paragraph")


def test_results_paragraph_in_g_dl_keeps_chinese_and_converts_every_hb(worked):
    results, summary = worked["zh"]
    with use_language("zh"):
        text = results_paragraph(summary, results, Display(hb_unit="g/dL", lang="zh"))
    assert "平均 Hb 基线为 6.833 g/dL，治疗后为 8.800 g/dL（治疗后 Hb 峰值）；1 例患者治疗后 Hb 超过 10.0 g/dL。" in text
    assert "g/L" not in text
    # The paired test's CI is a "～" range with the unit on both ends: both converted (−35.7 … +75.1 g/L).
    assert "95% CI −3.57 g/dL～+7.51 g/dL" in text


def test_reason_hb_figures_convert_to_g_dl_in_chinese(worked):
    results, _summary = worked["zh"]
    d = Display(hb_unit="g/dL", lang="zh")
    assert d.text(ZH_REASONS["P3"]) == "基线 NTD；Hb 8.2 g/dL → 第84天峰值 9.3 g/dL（升高 1.1 g/dL ≥ 1.0 g/dL）→ 有效。"
    assert d.text(_row(results, "P2")["reason"]).endswith("第5天 Hb 一过性升高至 7.5 g/dL，至第14天回落（峰值前一周内有输血）。")


def test_methods_paragraph_in_chinese(worked):
    results, _summary = worked["zh"]
    with use_language("zh"):
        text = methods_paragraph(results, Display(hb_unit="g/L", lang="zh"))
    assert text.startswith("疗效评价标准：源研究定义。疗效按源研究自身定义判定。第0天为罗特西普首次给药日。"
                           "基线窗为第−56～0天；基线 Hb 取窗内末次实测 Hb。")
    assert "NTD 患者以第0天后未受输血影响的 Hb 峰值较基线升高 ≥ 10 g/L 判定有效" in text
    assert "当前参数：基线窗（第0天前的天数）：56天；判定为 TD 所需的基线窗内红细胞输注单位数：1 U；" in text
    assert "一过性升高：回落至少达升高值的比例：50%；" in text
    # The command is the CLI's, machine words stay.
    assert text.endswith("复现命令：python -m lusp analyze 'test cohort' --criteria study --protocol study")
    assert_chinese(text.split("复现命令")[0], "methods paragraph")


def test_changed_parameter_shows_its_default_in_chinese():
    cohort = three_patients()
    with use_language("zh"):
        results = analyze(cohort, criteria="study", params={"ti_days": 84}, protocol=None)
        text = methods_paragraph(results, Display(hb_unit="g/L", lang="zh"))
    assert "判定输血独立所需的连续无输血期：84天（默认 56天）" in text
    assert "未按给药方案核查给药记录。" in text
    assert text.endswith("--ti-days 84")


# ---- every text of the demo cohort, every set × protocol × unit --------------------------
@pytest.fixture(scope="module")
def demo():
    return make_demo_cohort()


def _texts(results, summary, display):
    t = results.table
    texts = [("reason", x) for x in t["reason"]]
    texts += [("not evaluable", x) for x in t["not_evaluable_reason"].dropna() if x]
    texts += [("finding", x) for x in results.findings["message"]]
    texts += [("findings", x) for x in t["protocol_findings"].dropna()]
    if "category_note" in t:
        texts += [("category note", x) for x in t["category_note"].dropna() if x]
    texts = [(where, display.text(x)) for where, x in texts]
    texts.append(("results", results_paragraph(summary, results, display)))
    texts.append(("methods", methods_paragraph(results, display).split("复现命令")[0]))
    texts.append(("reconciliation", rise_reconciliation_why(summary, results, display)))
    return texts


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize("criteria", sorted(CRITERIA))
def test_no_english_left_in_any_demo_text(demo, criteria, protocol):
    data_values = set(demo.patients["patient_id"].astype(str)) | set(demo.patients["diagnosis"].astype(str))
    with use_language("zh"):
        results = analyze(demo, criteria=criteria, protocol=protocol)
        summary = summarize(results)
        for unit in UNITS:
            texts = _texts(results, summary, Display(hb_unit=unit, lang="zh"))
            assert len(texts) >= 22 + 3  # a reason per patient, then the paragraphs
            for where, text in texts:
                assert_chinese(text, f"{criteria}/{protocol}/{unit} {where}", data_values=data_values)
                if unit == "g/dL":
                    assert "g/L" not in text, text
                assert re.search(r"[\u4e00-\u9fff]", text) or not text, text


_NUMBER = re.compile(r"[+−-]?\d+(?:\.\d+)?")


#: The burden unit's "28" is part of a unit, not a figure (the Chinese repeats the unit on
#: both ends of a CI so each end converts: "-2.4 U/28天～-0.8 U/28天").
_BURDEN_UNIT = re.compile(r"U/28 ?(?:d|天)|units per 28 days|每28天")


def _numbers(text: str) -> Counter:
    return Counter(n.replace("−", "-").lstrip("+") for n in _NUMBER.findall(_BURDEN_UNIT.sub(" ", text)))


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("criteria", sorted(CRITERIA))
def test_chinese_paragraphs_carry_the_english_numbers(demo, criteria, unit):
    """Rates, CIs, counts and Hb in the Chinese paragraphs are the English ones (as multisets:
    Chinese word order moves them; nothing added, nothing lost)."""
    said = {}
    for lang in ("en", "zh"):
        with use_language(lang):
            results = analyze(demo, criteria=criteria, protocol="study")
            summary = summarize(results)
            d = Display(hb_unit=unit, lang=lang)
            said[lang] = (results_paragraph(summary, results, d), methods_paragraph(results, d),
                          list(results.table["reason"]))
    en_results, en_methods, en_reasons = said["en"]
    zh_results, zh_methods, zh_reasons = said["zh"]
    assert _numbers(zh_results) == _numbers(en_results)
    assert _numbers(zh_methods) == _numbers(en_methods)
    for en, zh in zip(en_reasons, zh_reasons):
        assert _numbers(zh) == _numbers(en), (en, zh)
    # The headline rate itself, parsed from both.
    en_rate = re.search(r"(\d+) of (\d+) \((\d+\.\d) %, 95 % CI (\d+\.\d)–(\d+\.\d) %\)", en_results).groups()
    zh_rate = re.search(r"(\d+)/(\d+)（(\d+\.\d)%，95% CI (\d+\.\d)%～(\d+\.\d)%）", zh_results).groups()
    assert en_rate == zh_rate


def test_english_edition_is_unchanged_by_the_catalogue(worked):
    results, summary = worked["en"]
    assert _row(results, "P3")["reason"] == (
        "NTD at baseline; Hb 82 g/L → peak 93 g/L on day 84 (rise 11 g/L ≥ 10 g/L) → responder.")
    text = results_paragraph(summary, results)
    assert "2 of 3 (66.7 %, 95 % CI 9.4–99.2 %) responded" in text
    assert english_phrases("有效") == []
    assert current_language() == "en"


# ---- registry, parameters, joins ---------------------------------------------------------
#: Registry labels a Chinese journal prints as the English does.
KEPT_AS_PRINTED = frozenset({
    "word.missing", "word.TD", "word.NTD", "short.td_baseline", "unit.g/L", "unit.mg/kg", "unit.%", "unit.fraction",
    "criteria.iwg2006", "criteria.iwg2018", "column.iwg2006", "column.iwg2018",
    "criteria.iwg2006.source", "criteria.iwg2018.source",
})


def test_every_registry_key_has_a_chinese_label():
    d = Display(lang="zh")
    for key, english in MESSAGES["en"].items():
        said = label(key, display=d, **({"patient": "P1"} if "{patient}" in str(english) else {}))
        if isinstance(english, tuple):
            assert all(said), key
            continue
        if key in KEPT_AS_PRINTED:  # a symbol, an abbreviation, a set's published name, a citation
            assert said == english, key
            continue
        assert said != english, f"{key}: {english!r} has no Chinese label"
        assert re.search(r"[\u4e00-\u9fff]", said), f"{key}: {said!r}"
        assert not english_phrases(said), f"{key}: {said!r}"


def test_parameter_labels_follow_the_language_at_display_time():
    from lusp.criteria.study import StudyParams

    english = {d["name"]: d["label"] for d in describe(StudyParams())}
    with use_language("zh"):
        chinese = {d["name"]: (d["label"], d["help"]) for d in describe(StudyParams())}
    assert english["ti_days"] == "Transfusion-free run for transfusion independence"
    assert chinese["ti_days"] == ("判定输血独立所需的连续无输血期", "也是判定未达输血独立的 TD 患者所需的最短随访。")
    assert {d["name"]: d["label"] for d in describe(StudyParams())} == english  # back in English after the block
    for name, set_ in CRITERIA.items():
        with use_language("zh"):
            for d in describe(set_.Params()):
                assert_chinese(d["label"], f"{name}.{d['name']} label")
                assert_chinese(d["help"], f"{name}.{d['name']} help")
            assert_chinese(set_.description, f"{name} description")
    for name, protocol in PROTOCOLS.items():
        with use_language("zh"):
            for d in describe(protocol.Params()):
                assert_chinese(d["label"], f"{name}.{d['name']} label")
            assert_chinese(protocol.label, f"{name} label")
            assert_chinese(protocol.description, f"{name} description")
    assert CRITERIA["study"].label == "Source-study definitions"
    with use_language("zh"):
        assert CRITERIA["study"].label == "源研究定义"
        assert PROTOCOLS["study"].label == "研究方案（1.0 → 1.25 → 1.5 → 1.75 mg/kg，每21天）"


def test_out_of_range_parameter_message_in_chinese():
    from lusp.criteria.study import StudyParams
    from lusp.params import with_values

    with use_language("zh"), pytest.raises(ValueError) as caught:
        with_values(StudyParams(), ti_days=10)
    assert str(caught.value) == "判定输血独立所需的连续无输血期：10 超出 28–365 范围"


@pytest.mark.parametrize("items, en, zh", [
    (["a"], "a", "a"),
    (["a", "b"], "a and b", "a和b"),
    (["甲", "乙", "丙"], "甲, 乙 and 丙", "甲、乙和丙"),
    ([], "", ""),
])
def test_language_aware_list_join(items, en, zh):
    assert join_list(items) == en
    with use_language("zh"):
        assert join_list(items) == zh


@pytest.mark.parametrize("n, en, zh", [(1, "1 patient", "1 例患者"), (22, "22 patients", "22 例患者")])
def test_plural_counts_patients_in_both_languages(n, en, zh):
    assert plural(n, "patient") == en
    with use_language("zh"):
        assert plural(n, "patient") == zh
        assert plural(3, "dose") == "3 次给药"


# ---- the other analysis writers: flow, readiness, early review, trials, Table 1 ---------
def _cells(frame, columns):
    return [str(v) for c in columns if c in frame.columns for v in frame[c].tolist() if str(v) not in ("", "–", "nan")]


@pytest.mark.parametrize("unit", UNITS)
def test_other_analysis_texts_are_chinese(demo, unit):
    from lusp import early, trials
    from lusp.concordance import compare, evaluability_warnings
    from lusp.flow import patient_flow
    from lusp.readiness import readiness
    from lusp.table1 import table_one

    data_values = set(demo.patients["patient_id"].astype(str)) | set(demo.patients["diagnosis"].astype(str))
    data_values |= set(demo.labs["test"].astype(str)) if len(demo.labs) else set()
    with use_language("zh"):
        results = analyze(demo, criteria="study", protocol="study")
        d = Display(hb_unit=unit, lang="zh")
        texts = [("flow", line) for line in patient_flow(results).lines()]
        ready = readiness(demo)
        texts += [("readiness area", a) for a in ready["area"]] + [("readiness", t) for t in ready["detail"]]
        picture = early.review_picture(results, hb_unit=unit)
        shown = early.review_display(picture, hb_unit=unit)
        texts += [("early review", t) for t in _cells(shown, ["Protocol says", "Early picture misled?", "Spike seen"])]
        signs = early.early_signs(results)
        frame = early.signs_frame(signs, hb_unit=unit)
        texts += [("early signs", t) for t in _cells(frame, ["sign", "patients"])]
        texts += [("caveat", _(text)) for text in (early.SMALL_N_CAVEAT, early.SLOPE_CAVEAT, early.DIRECTION_NOTE)]
        slopes = early.slopes_display(early.post_week2_slopes(results), hb_unit=unit)
        texts += [("slopes", t) for t in _cells(slopes, ["Group", "Note"])]
        table = trials.display_table(trials.trials_table(results))
        texts += [("trials", t) for t in _cells(table, ["endpoint", "control (published)", "this cohort"])]
        texts.append(("trials", _(trials.DIFFERENT_POPULATIONS)))
        one = table_one(results, by="td", pvalues=True, hb_unit=unit)
        texts += [("table 1", t.strip()) for t in one.frame["Characteristic"] if t.strip() and t.strip() not in data_values]
        texts += [("table 1 test", t) for t in _cells(one.frame, ["Test"])]
        texts += [("table 1 note", t) for t in one.notes]
        concordance = compare(demo)
        texts += [("concordance", t) for t in evaluability_warnings(concordance.rates)]
    assert len(texts) > 40
    for where, text in texts:
        assert_chinese(d.text(text), where, data_values=data_values)
    # The early review's action words and the machine value beside them.
    assert set(picture["action"]) <= {"escalate", "stop", "hold", "continue", "not judged", "off study"}
    assert any(t.startswith("加量（剂量递增），") for _w, t in texts if _w == "early review")
    assert "概览与患者（源研究标准）" in set(ready["area"])
    assert set(ready["status"]) <= {"ready", "partial", "missing"}


def test_flow_groups_the_chinese_follow_up_reason():
    from lusp.flow import patient_flow
    from tests.cohort_factory import make_cohort

    cohort = make_cohort([("A", {"last_followup_day": 30}), ("B", {"last_followup_day": 40})],
                         hb=[("A", -3, 60), ("A", 20, 70), ("B", -3, 60), ("B", 20, 70)],
                         transfusions=[("A", -5, 1), ("A", 10, 1), ("B", -5, 1), ("B", 10, 1)])
    with use_language("zh"):
        flow = patient_flow(analyze(cohort, criteria="study", protocol=None))
        lines = flow.lines()
    # Follow-up 30 and 40 days, both < 56 without TI: one group of 2, as in English.
    assert flow.exclusions == (("随访 < 56天且未达输血独立", 2),)
    assert lines[0] == "文件中的患者：2 例"
    assert lines[2] == "可评估：0 例；不可评估（按无效计）：2 例"
    assert lines[3] == "  不可评估——随访 < 56天且未达输血独立：2 例"
    assert lines[-1] == "有效：TD 0/2，NTD 0/0（意向性治疗）"


def test_concordance_report_and_warning_in_chinese(demo):
    from lusp.concordance import compare, evaluability_warnings

    with use_language("zh"):
        concordance = compare(demo)
        text = concordance.text()
        warnings = evaluability_warnings(concordance.rates)
    # IWG 2018 on the demo: 13 of 22 not evaluable (test_concordance works it out), rate 9/22.
    assert warnings == ["IWG 2018 HI-E：22 例患者中 13 例不可评估，按无效计；因此其有效率 9/22 更多反映的是数据记录情况，"
                        "而非药物疗效（各例原因见“患者”页）。"]
    assert "  iwg2018  9/22 = 40.9%（95% CI 20.7%～63.6%）；不可评估 13 例  [IWG 2018 HI-E]" in text.splitlines()
    ids = set(demo.patients["patient_id"].astype(str))
    for line in text.splitlines():
        assert_chinese(line, "concordance report", data_values=ids | {"study", "iwg2006", "iwg2018"})
