"""The Chinese edition of every loader and validation message (issue 13).

Each class of bad input is loaded once; its problem is then said in English and in
Chinese. The English is what it always was; the Chinese names the same file, table, row,
column and value (data, never translated) and holds no English phrase. A report carried
through the upload sandbox (pickled in a child process) is still said in Chinese, and the
CLI's ``--lang zh`` prints Chinese ``table:row:column: message`` lines with the same exit
status and the same machine output (CSV column names, JSON keys).
"""
from __future__ import annotations

import io
import json
import pickle
import re
from pathlib import Path

import pandas as pd
import pytest

from lusp import cli, sandbox
from lusp.i18n import Text, say, use_language
from lusp.load import load_cohort, mapping_from_json
from lusp.validate import CohortLoadError, message_of
from tests import export_shapes as X
from tests import hostile_files as hostile
from tests.test_load_errors import DOSES, HB, PATIENTS, files_with, set_cell
from tests.test_load_shapes import TABLES, csv_bytes
from tests.zh_support import assert_chinese

ROOT = Path(__file__).resolve().parents[1]
#: Canonical table names: data in a Chinese sentence ("{table} 表"), never translated.
TABLE_NAMES = ("patients", "hb", "transfusions", "doses", "events", "labs", "visits")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def errors_of(sources, **kwargs):
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(sources, **kwargs)
    return caught.value.report.errors


def one(problems, code):
    found = [p for p in problems if p.code == code]
    assert found, f"no {code} among {[p.code for p in problems]}"
    return found[0]


def check_both(problem, *names):
    """The problem said in English (unchanged) and in Chinese (the same names, no English)."""
    english, chinese = problem.said("en"), problem.said("zh")
    assert isinstance(problem.message, Text)
    assert english == str(problem.message) == problem.message  # the English edition as before
    assert _CJK.search(chinese), chinese
    data = [n for n in (problem.file, problem.table, problem.column, problem.value, *names, *TABLE_NAMES) if n]
    assert_chinese(chinese, problem.code, data_values=data)
    # every name or number the English sentence was made with is in the Chinese one too
    for value in _data_of(problem.message):
        shown = [s for s in _spellings(value) if s in english]
        assert shown and any(s in chinese for s in shown), (value, english, chinese)
    for name in names:
        assert name in english and name in chinese, (name, chinese)
    # the CLI line keeps its machine frame: table:row:column: in both languages
    frame = f"{problem.table}:{'' if problem.row is None else problem.row}:{problem.column}: "
    assert problem.cli_line("en") == frame + english and problem.cli_line("zh") == frame + chinese
    with use_language("zh"):
        assert problem.said() == chinese and say(problem.message) == chinese
    return english, chinese


def _data_of(text):
    """The data values a Text was made with, its nested Texts' too."""
    for value in text.params.values():
        if isinstance(value, Text):
            yield from _data_of(value)
        elif value not in ("", None):
            yield value


def _spellings(value):
    out = [repr(value), str(value)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out += [f"{value:g}", f"{value:.0f}", f"{value:.1f}", f"{value:.2f}"]
    return out


# ---- one test per class of problem ---------------------------------------------------
def test_a_missing_column_in_chinese():
    problem = one(errors_of(files_with(hb=HB.drop(columns="hb_g_l"))), "missing_column")
    assert (problem.table, problem.row, problem.column) == ("hb", None, "hb_g_l")
    english, chinese = check_both(problem, "hb_g_dl")
    assert english.startswith("The hb table needs a column hb_g_l or ")
    assert chinese.startswith("hb 表需要 hb_g_l 或 hb_g_dl 或 ") and "列。" in chinese


def test_a_bad_date_in_chinese():
    hb = HB.drop(columns="day").assign(date=["2024-02-23", "2024-13-45", "2024-05-13", "2024-04-01", "2024-04-22",
                                             "2024-05-31", "2024-05-03", "2024-06-05", "2024-07-29"])
    patients = PATIENTS.assign(first_dose_date=["2024-03-04", "2024-04-01", "2024-05-06"])
    problem = one(errors_of(files_with(hb=hb, patients=patients)), "bad_date")
    assert (problem.file, problem.table, problem.row, problem.column, problem.value) == (
        "hb.csv", "hb", 3, "date", "2024-13-45")
    english, chinese = check_both(problem)
    assert english.startswith("'2024-13-45' is not a date")
    assert chinese == ("'2024-13-45' 不是本程序能识别的日期。请写成 YYYY-MM-DD（如 2024-03-05），"
                       "或在 Excel 中将该单元格设为日期格式。")


def test_ambiguous_dates_in_chinese():
    hb = HB.drop(columns="day").assign(date=["03/04/2024"] * 9)
    patients = PATIENTS.assign(first_dose_date=["03/04/2024"] * 3)
    problem = one(errors_of(files_with(hb=hb, patients=patients)), "ambiguous_date")
    _, chinese = check_both(problem)
    assert "'date'" in chinese and "4月3日或3月4日" in chinese


def test_an_ambiguous_hb_unit_g_dl_or_mmol_l_in_chinese():
    hb = HB.assign(hb_g_l=HB["hb_g_l"] / 10).rename(columns={"hb_g_l": "Hb"})
    files = [(f"{n}.csv", csv_bytes(f)) for n, f in {**TABLES, "hb": hb}.items()]
    (problem,) = errors_of(files)
    assert (problem.code, problem.file, problem.table, problem.column) == ("hb_unit_ambiguous", "hb.csv", "hb", "Hb")
    _, chinese = check_both(problem)
    assert "g/dL" in chinese and "mmol/L" in chinese and "--hb-unit" in chinese and "25" in chinese
    assert chinese.startswith("列 'Hb' 中的 Hb 数值没有单位，且全部小于 25")


def test_red_cells_in_ml_without_the_ml_per_unit_in_chinese():
    sources, _ = X.chinese_his_workbook()
    (problem,) = errors_of(sources)
    assert (problem.code, problem.table, problem.column) == ("rbc_ml_per_unit_needed", "输血记录", "数量")
    english, chinese = check_both(problem)
    n = english.split(" ")[0]
    assert chinese.startswith(f"列 '数量' 中有 {n} 次红细胞输注以 mL 计")
    assert "--rbc-ml-per-unit" in chinese and "200" in chinese


def test_an_unknown_patient_in_chinese():
    problem = one(errors_of(files_with(hb=set_cell(HB, 8, "patient_id", "P9"))), "unknown_patient")
    assert (problem.file, problem.table, problem.row, problem.column, problem.value) == (
        "hb.csv", "hb", 10, "patient_id", "P9")
    _, chinese = check_both(problem, "P9")
    assert chinese == "patient_id P9 不在患者表中。请在患者表中添加该患者，或更正编号。"


@pytest.mark.parametrize("change, code, row, column, value", [
    ({"hb": set_cell(HB, 1, "hb_g_l", "eighty")}, "bad_number", 3, "hb_g_l", "eighty"),
    ({"hb": set_cell(HB, 4, "hb_g_l", 300)}, "hb_out_of_range", 6, "hb_g_l", "300 g/L"),
    ({"doses": set_cell(DOSES, 3, "dose_mg_kg", 75)}, "dose_out_of_range", 5, "dose_mg_kg", "75"),
    ({"hb": set_cell(HB, 0, "hb_g_l", "")}, "blank_value", 2, "hb_g_l", ""),
    ({"patients": pd.concat([PATIENTS, PATIENTS.iloc[[0]]])}, "duplicate_patient", 5, "patient_id", "P1"),
])
def test_row_problems_name_the_same_row_column_and_value_in_chinese(change, code, row, column, value):
    problem = one(errors_of(files_with(**change)), code)
    assert (problem.row, problem.column, problem.value) == (row, column, value)
    check_both(problem)


def test_a_limits_refusal_in_chinese():
    problem = one(errors_of([hostile.corner_cells_workbook()]), "too_many_cells")
    assert problem.file == "corner.xlsx"
    english, chinese = check_both(problem)
    assert english.startswith("This workbook declares ")
    # the numbers of the English sentence, and its sheet name said in Chinese ("工作表“…”")
    assert re.findall(r"\d[\d ]*\d", english) == re.findall(r"\d[\d ]*\d", chinese)[:len(re.findall(r"\d[\d ]*\d", english))]
    assert "Ctrl+End" in chinese and ("工作表“" in chinese or "工作表部件" in chinese)


@pytest.mark.parametrize("target, code", [("recurse", "load_too_deep"), ("fail", "load_crashed")])
def test_a_sandbox_refusal_in_chinese(target, code):
    with pytest.raises(CohortLoadError) as caught:
        sandbox.run_in_sandbox(f"tests.sandbox_targets:{target}", [hostile.corner_cells_workbook()])
    (problem,) = caught.value.report.problems
    assert problem.code == code
    _, chinese = check_both(problem)
    assert "corner.xlsx" in chinese


def test_a_mapping_error_in_chinese():
    with pytest.raises(ValueError) as caught:
        mapping_from_json('{"hb": {"Hb": "not_a_field"}}')
    english, chinese = message_of(caught.value, "en"), message_of(caught.value, "zh")
    assert english == str(caught.value) and english.startswith("hb: 'Hb' is mapped to 'not_a_field'")
    assert chinese.startswith("hb：'Hb' 映射到了 'not_a_field'，但它不是 hb 的字段")
    from lusp.io.synonyms import canonical_fields

    assert_chinese(chinese, "bad mapping", data_values=["Hb", "not_a_field", *canonical_fields("hb"), *TABLE_NAMES])


def test_capped_rows_say_the_example_in_chinese():
    # 201 unknown patients: 200 rows, then "… and 1 more" quoting the first sentence
    hb = pd.DataFrame({"patient_id": [f"X{i}" for i in range(201)], "day": [0] * 201, "hb_g_l": [80] * 201})
    errors = errors_of(files_with(hb=pd.concat([HB, hb], ignore_index=True)))
    more = [p for p in errors if p.code == "unknown_patient" and p.row is None]
    assert len(more) == 1 and more[0].said("en").startswith("… and 1 more rows with the same problem (patient_id X0")
    assert more[0].said("zh").startswith("……另有 1 行存在同样的问题（patient_id X0 不在患者表中。")


# ---- stored and shown later -----------------------------------------------------------
def test_a_text_pickled_through_the_sandbox_comes_back_and_is_said_in_chinese():
    text = Text("patient_id {value} is not in the patients table. Add the patient there, or correct the id.",
                value="P9")
    back = sandbox._SafeUnpickler.loads(pickle.dumps(text, protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(back, Text) and back == text and back.params == {"value": "P9"}
    assert say(back, "zh") == "patient_id P9 不在患者表中。请在患者表中添加该患者，或更正编号。"
    # a whole load's report, made in the child and unpickled here with the allow-list
    with pytest.raises(CohortLoadError) as caught:
        sandbox.load_cohort(files_with(hb=set_cell(HB, 8, "patient_id", "P9")))
    problem = one(caught.value.report.errors, "unknown_patient")
    assert isinstance(problem.message, Text) and (problem.table, problem.row) == ("hb", 10)
    assert problem.said("zh") == "patient_id P9 不在患者表中。请在患者表中添加该患者，或更正编号。"


def test_the_load_error_and_the_report_table_follow_the_language_shown_in():
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(files_with(hb=set_cell(HB, 8, "patient_id", "P9")))
    exc = pickle.loads(pickle.dumps(caught.value))  # a stored exception keeps its report
    english = str(exc)
    assert english.startswith("hb:10:patient_id: patient_id P9 is not in the patients table.")
    with use_language("zh"):
        assert str(exc).startswith("hb:10:patient_id: patient_id P9 不在患者表中。")
        frame = exc.report.to_frame()
    assert list(frame.columns) == ["severity", "file", "table", "row", "column", "value", "message", "code"]
    assert frame["severity"].tolist()[0] == "error"  # machine values stay
    assert frame["message"].iloc[0].startswith("patient_id P9 不在患者表中")
    assert exc.report.to_frame()["message"].iloc[0].startswith("patient_id P9 is not in the patients table")


def test_read_notes_and_shapes_are_said_in_chinese():
    sources, options = X.chinese_his_workbook()
    cohort = load_cohort(sources, **{**options, "rbc_ml_per_unit": 200})
    notes = [say(n, "zh") for n in cohort.source.read_notes]
    shapes = [say(s, "zh") for s in cohort.source.read_as]
    assert notes and shapes
    for text in notes + shapes:
        assert _CJK.search(text), text
        assert_chinese(text, "read note", data_values=["HGB", "Hb", *TABLE_NAMES])
    assert any("按每单位 200 mL 换算" in n for n in notes)


# ---- the command line -----------------------------------------------------------------
def _write(folder: Path, files) -> list[str]:
    paths = []
    for name, data in files:
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    return paths


def test_validate_lang_zh_prints_chinese_problem_lines_with_the_same_exit_status(tmp_path, capsys):
    paths = _write(tmp_path, files_with(hb=set_cell(set_cell(HB, 8, "patient_id", "P9"), 1, "hb_g_l", "eighty")))
    status_en = cli.main(["validate", *paths])
    english = capsys.readouterr().err.splitlines()
    status_zh = cli.main(["validate", *paths, "--lang", "zh"])
    chinese = capsys.readouterr().err.splitlines()
    assert status_en == status_zh == cli.EXIT_BAD_INPUT
    assert len(english) == len(chinese) >= 3
    frame = re.compile(r"^([^:]*:\d*:[^:]*): ")
    for en, zh in zip(english[:-1], chinese[:-1]):  # the problem lines: the same table:row:column
        assert frame.match(en).group(1) == frame.match(zh).group(1)
        assert _CJK.search(zh), zh
        assert_chinese(zh, "validate --lang zh", data_values=["eighty", "P9", "hb_g_l", "patient_id", *TABLE_NAMES])
    assert "hb:3:hb_g_l: 'eighty' 不是数字。请只填写数字（如 95 或 9.5），不要带单位或文字。" in chinese
    assert "hb:10:patient_id: patient_id P9 不在患者表中。请在患者表中添加该患者，或更正编号。" in chinese
    assert english[-1] == "2 errors: the cohort was not loaded." and chinese[-1] == "2 个错误：队列未加载。"


def test_validate_lang_zh_describes_a_good_file_in_chinese(tmp_path, capsys):
    extra = HB.assign(comment="x")  # an unrecognised column: one warning
    paths = _write(tmp_path, files_with(hb=extra))
    assert cli.main(["validate", *paths, "--lang", "zh"]) == cli.EXIT_OK
    captured = capsys.readouterr()
    warning = [line for line in captured.err.splitlines() if line.startswith("hb::comment: ")]
    assert warning and warning[0].startswith("hb::comment: 警告：列 'comment' 不是 hb 表的字段")
    out = captured.out
    assert "已读取 4 个文件（CSV 文件）：" in out and "1 条警告；无错误。" in out and "时间以研究日填写（首次给药日为第0天）。" in out
    for line in out.splitlines():
        assert_chinese(line, "validate description", data_values=[*TABLE_NAMES, "comment", *paths])


def test_template_lang_zh_writes_chinese_instructions_that_load_back(tmp_path, capsys):
    out = tmp_path / "模板.xlsx"
    assert cli.main(["template", "--out", str(out), "--lang", "zh"]) == cli.EXIT_OK
    said = capsys.readouterr().out
    assert said.startswith(f"工作簿模板已写入 {out}。") and "python -m lusp validate" in said
    sheets = pd.read_excel(out, sheet_name=None, header=None, engine="calamine")
    assert list(sheets)[0] == "填写说明" and "instructions" not in sheets
    cells = [str(v) for v in sheets["填写说明"].stack().tolist()]
    assert cells[0] == "填写说明" and "必填" in cells and "填写内容" in cells
    names = [*TABLE_NAMES, *{c for header, _ in __import__("lusp.template").template.TEMPLATE_SHEETS.values()
                             for c in header}]
    for cell in cells:
        assert_chinese(cell, "template instructions", data_values=names + ["FILE"])
    assert any("首次罗特西普给药日为第0天" in c for c in cells)
    # the data sheets keep the canonical headers, so the Chinese template loads back cleanly
    assert list(sheets["hb"].iloc[0]) == ["patient_id", "day", "hb_g_l"]
    assert load_cohort([str(out)]).n_patients == 1
    visits = tmp_path / "visits.xlsx"
    assert cli.main(["template", "--visits", "--out", str(visits), "--lang", "zh"]) == cli.EXIT_OK
    assert capsys.readouterr().out.startswith("随访记录表模板已写入")
    assert list(pd.read_excel(visits, sheet_name=None, engine="calamine")) == ["visits", "填写说明"]
    assert load_cohort([str(visits)]).n_patients == 1


def test_the_english_template_is_unchanged_in_shape(tmp_path):
    from lusp.template import template_bytes

    sheets = pd.read_excel(io.BytesIO(template_bytes("en")), sheet_name=None, header=None, engine="calamine")
    assert list(sheets)[0] == "instructions" and sheets["instructions"].iat[0, 0] == "How to fill in this workbook"
    assert sheets["instructions"].iat[0, 1] == "填写说明"


@pytest.mark.parametrize("command", ["analyze", "summary"])
def test_analyze_and_summary_lang_zh_keep_machine_output_and_say_messages_in_chinese(tmp_path, capsys, command):
    paths = _write(tmp_path, files_with(hb=HB.assign(comment="x")))
    assert cli.main([command, *paths]) == cli.EXIT_OK
    english = capsys.readouterr()
    assert cli.main([command, *paths, "--lang", "zh"]) == cli.EXIT_OK
    chinese = capsys.readouterr()
    if command == "analyze":
        en_table = pd.read_csv(io.StringIO(english.out))
        zh_table = pd.read_csv(io.StringIO(chinese.out))
        assert list(zh_table.columns) == list(en_table.columns)  # CSV column names stay English
        assert zh_table["patient_id"].tolist() == en_table["patient_id"].tolist() == ["P1", "P2", "P3"]
        numeric = en_table.select_dtypes("number").columns
        pd.testing.assert_frame_equal(zh_table[numeric], en_table[numeric])  # the same numbers
        for column in ("td_status", "outcome"):
            if column in en_table:
                assert zh_table[column].tolist() == en_table[column].tolist()  # machine values stay
    else:
        en_json, zh_json = json.loads(english.out), json.loads(chinese.out)

        def keys(value):
            if isinstance(value, dict):
                return {k: keys(v) for k, v in value.items()}
            if isinstance(value, list):
                return [keys(v) for v in value]
            return None

        assert keys(zh_json) == keys(en_json)  # JSON keys stay English
    # the load warning printed on stderr is in Chinese, at the same place
    assert "hb::comment: warning: Column 'comment' is not one of the hb fields" in english.err
    assert "hb::comment: 警告：列 'comment' 不是 hb 表的字段" in chinese.err


def test_every_loader_and_cli_message_has_its_chinese():
    """The catalogue test covers the whole product; this one holds for the loader and CLI
    files now (other parts of the edition are translated in their own branches)."""
    from babel.messages.pofile import read_po

    from lusp.i18n_extract import extract_messages

    mine = ("lusp/io/", "lusp/load.py", "lusp/validate.py", "lusp/intake.py", "lusp/sandbox.py", "lusp/template.py",
            "lusp/cli.py", "lusp/cli_early.py")
    with (ROOT / "lusp/locale/zh/LC_MESSAGES/lusp.po").open("rb") as handle:
        catalog = read_po(handle, locale="zh", domain="lusp")
    missing = []
    count = 0
    for (context, msgid), entry in extract_messages(ROOT).items():
        if not any(path.startswith(mine) for path, _ in entry["locations"]):
            continue
        count += 1
        message = catalog.get((msgid, entry["plural"]) if entry["plural"] else msgid, context=context)
        strings = () if message is None else (message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or not all(strings):
            missing.append(msgid)
    assert count > 200 and not missing, missing[:10]


def _report_of(sources, **kwargs):
    try:
        return load_cohort(sources, **kwargs).report
    except CohortLoadError as exc:
        return exc.report


def _sweep_cases():
    lis, lis_options = X.english_lis("g/dL")
    sdtm, sdtm_options = X.sdtm_zip()
    adam, adam_options = X.adam()
    his, his_options = X.chinese_his_workbook()
    yield "lis", lis, lis_options
    yield "sdtm", sdtm, sdtm_options
    yield "adam", adam, adam_options
    yield "his", his, his_options
    yield "his-ml", his, {**his_options, "rbc_ml_per_unit": 200}
    yield "corner", [hostile.corner_cells_workbook()], {}
    yield "wide", [hostile.wide_workbook()], {}
    yield "deep", [hostile.deep_zip(6)], {}
    yield "empty", [("empty.csv", b"")], {}
    yield "binary", [("data.csv", b"\x00\x01\x02abc")], {}
    yield "xls", [("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)], {}
    yield "odd", [("notes.docx", b"PK\x03\x04")], {}
    yield "no-dose", files_with(doses=DOSES[DOSES["patient_id"] != "P3"], hb=HB.assign(extra=1)), {}
    yield "mg", files_with(doses=DOSES.rename(columns={"dose_mg_kg": "dose_mg"})), {}
    yield "units", files_with(transfusions=set_cell(TABLES["transfusions"], 0, "units", 12)), {}


@pytest.mark.parametrize("name, sources, options", list(_sweep_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_problem_of_many_files_is_a_text_said_in_chinese(name, sources, options):
    report = _report_of(sources, **options)
    assert len(report)
    for problem in report:
        assert isinstance(problem.message, Text), (problem.code, problem.message)
        chinese = problem.said("zh")
        assert _CJK.search(chinese), chinese
        data = [problem.file, problem.table, problem.column, problem.value, *TABLE_NAMES,
                *[str(v) for v in _data_of(problem.message)]]
        assert_chinese(chinese, f"{name}: {problem.code}", data_values=[d for d in data if d])


def test_the_data_page_says_a_stored_report_in_the_language_chosen_after_loading():
    """A bad upload checked in Chinese; the reader then switches to English: the same stored
    report (read in the sandbox child, pickled back) is said again in English."""
    from tests.test_app_data import APP, DATA_PAGE, report_frame, texts, upload

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page(DATA_PAGE).run()
    bad = files_with(hb=set_cell(HB, 1, "hb_g_l", "eighty"))
    upload(at, bad)
    chinese = "'eighty' 不是数字。请只填写数字（如 95 或 9.5），不要带单位或文字。"
    assert chinese in texts(at)
    report = report_frame(at)
    assert list(report.columns)[:3] == ["severity", "file", "table"]  # machine names stay (i13a labels them)
    row = report[report["column"] == "hb_g_l"].iloc[0]
    assert (row["file"], row["table"], row["row"], row["message"]) == ("hb.csv", "hb", "3", chinese)
    at.session_state["w_lang"] = "en"
    at.run()
    english = "'eighty' is not a number. Write only the number (e.g. 95 or 9.5), without units or words."
    assert english in texts(at) and chinese not in texts(at)
    assert report_frame(at)[lambda f: f["column"] == "hb_g_l"].iloc[0]["message"] == english
