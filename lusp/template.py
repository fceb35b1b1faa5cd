"""Empty templates to fill in: the full workbook and the single visits sheet.

Both carry the canonical column headers, one example row per sheet (a patient ``P01``
who loads cleanly) and an instructions sheet: in English and Chinese side by side, or in
Chinese only for the Chinese edition (``lang="zh"``, ``template --lang zh``: a sheet named
填写说明, which the loader skips like "instructions"). Sheet names and column headers stay
the canonical names in every language (the loader reads them; it also knows Chinese
synonyms). Both load back through :func:`lusp.load.load_cohort` without errors.
"""
from __future__ import annotations

import io
import os

import xlsxwriter

#: Header and one example row per sheet of the workbook template.
TEMPLATE_SHEETS: dict[str, tuple[tuple[str, ...], tuple]] = {
    "patients": (
        ("patient_id", "diagnosis", "age", "sex", "weight_kg", "first_dose_date", "last_followup_day",
         "disease_status", "concurrent_chemo", "prior_esa", "baseline_epo_u_l", "ring_sideroblasts_pct",
         "sf3b1_mutated"),
        ("P01", "MDS", 72, "M", 68, "", 120, "stable", "no", "yes", 180, 20, "yes"),
    ),
    "hb": (("patient_id", "day", "hb_g_l"), ("P01", -7, 68)),
    "transfusions": (("patient_id", "day", "units", "product"), ("P01", -14, 2, "RBC")),
    "doses": (("patient_id", "day", "dose_mg_kg"), ("P01", 0, 1.0)),
    "events": (("patient_id", "day", "category", "term", "grade", "related"),
               ("P01", 30, "adverse_event", "fatigue", 1, "possible")),
    "labs": (("patient_id", "day", "test", "value", "unit"), ("P01", 0, "blasts", 3, "%")),
}

VISITS_HEADER = ("patient_id", "day", "hb_g_l", "rbc_units", "dose_mg_kg", "diagnosis", "age", "sex")
VISITS_EXAMPLE = (
    ("P01", -14, "", 2, "", "MDS", 72, "M"),
    ("P01", -7, 68, "", "", "MDS", 72, "M"),
    ("P01", 0, 70, "", 1.0, "MDS", 72, "M"),
    ("P01", 21, 88, "", 1.0, "MDS", 72, "M"),
    ("P01", 120, 92, "", "", "MDS", 72, "M"),
)

_GENERAL = (
    ("How to fill in this workbook", "填写说明"),
    ("One sheet per table; keep the sheet names and the column headers of row 1. Delete the example rows (P01).",
     "每个表一张工作表；请保留工作表名称和第1行的列名。填写前删除示例行（P01）。"),
    ("patient_id is a pseudonymous study code (P01, P02…). Never enter names, phone numbers, addresses, "
     "ID-card or medical-record numbers: such columns are dropped on loading.",
     "patient_id 为化名研究编号（P01、P02…）。请勿填写姓名、电话、地址、身份证号或病历号：这些列在读取时会被删除。"),
    ("Time: 'day' = study day, day 0 = first luspatercept dose, negative before it. You may give a "
     "'date' column (YYYY-MM-DD) instead; then days are counted from first_dose_date or the first dose.",
     "时间：day 为研究日，首次罗特西普给药日为第0天，给药前为负数。也可改用 date 列（YYYY-MM-DD），"
     "系统将以 first_dose_date 或首次给药日计算研究日。"),
    ("Hb in g/L (e.g. 95). Values in g/dL (e.g. 9.5) are converted if the column is named hb_g_dl.",
     "血红蛋白单位为 g/L（如 95）。若列名为 hb_g_dl，则按 g/dL（如 9.5）读取并自动换算。"),
    ("Required sheets: patients, hb, doses. transfusions, events and labs are optional.",
     "必需工作表：patients、hb、doses；transfusions、events、labs 为可选。"),
    ("Check the file with:  python -m lusp validate FILE   or on the Data page of the dashboard.",
     "可用命令 python -m lusp validate 文件名 或在仪表盘的“数据”页面检查文件。"),
)

_COLUMNS = (
    ("patients", "patient_id", "yes", "pseudonymous study code", "化名研究编号"),
    ("patients", "diagnosis", "yes", "e.g. MDS, MF, MDS/MPN-RS-T", "诊断，如 MDS、MF"),
    ("patients", "age / sex / weight_kg", "no", "years / M or F / kg", "年龄 / 性别（M 或 F）/ 体重 kg"),
    ("patients", "first_dose_date", "no", "date of the first dose (needed only with dates)", "首次给药日期（仅在使用日期时需要）"),
    ("patients", "last_followup_day", "no", "study day of the last follow-up", "末次随访的研究日"),
    ("patients", "concurrent_chemo / prior_esa / sf3b1_mutated", "no", "yes or no", "是 或 否（yes/no）"),
    ("patients", "any other column", "no", "kept as a covariate for subgroups", "其他列作为协变量保留，可用于亚组分析"),
    ("hb", "patient_id, day, hb_g_l", "yes", "one row per Hb measurement, g/L", "每次血红蛋白检测一行，单位 g/L"),
    ("transfusions", "patient_id, day, units", "yes", "one row per RBC transfusion episode (units 1–10)", "每次红细胞输注一行（单位数1–10 U）"),
    ("transfusions", "product", "no", "RBC (default); other products are not counted", "默认 RBC；其他血制品不计入输血负荷"),
    ("doses", "patient_id, day, dose_mg_kg", "yes", "one row per luspatercept dose, mg/kg (0.1–5)", "每次罗特西普给药一行，单位 mg/kg（0.1–5）"),
    ("events", "patient_id, day, category, term", "yes",
     "category: adverse_event, progression, transformation, death or other; grade 1–5",
     "类别：adverse_event、progression、transformation、death、other；分级 1–5"),
    ("labs", "patient_id, day, test, value", "yes", "other lab values (e.g. blasts, %)", "其他检验结果（如原始细胞 %）"),
)

_VISITS_NOTES = (
    ("How to fill in this visits sheet", "随访表填写说明"),
    ("One row per patient and visit day. Leave a cell empty when nothing was measured or given that day.",
     "每位患者每个就诊日一行。当天未检测或未给药的单元格请留空。"),
    ("hb_g_l = Hb in g/L; rbc_units = RBC units transfused that day; dose_mg_kg = luspatercept dose given that day.",
     "hb_g_l 为血红蛋白（g/L）；rbc_units 为当日输注红细胞单位数；dose_mg_kg 为当日罗特西普剂量。"),
    ("diagnosis, age, sex and any other patient column must be the same on every row of a patient.",
     "diagnosis、age、sex 等患者列在同一患者的每一行中应相同。"),
    ("day 0 = first dose; or use a 'date' column (YYYY-MM-DD) instead of 'day'. Never enter names or record numbers.",
     "首次给药日为第0天；也可用 date 列（YYYY-MM-DD）代替 day。请勿填写姓名或病历号。"),
)


def _chinese(workbook, rows_general, with_columns: bool) -> None:
    """The Chinese edition's instructions sheet: the same rows, in Chinese only."""
    sheet = workbook.add_worksheet("填写说明")
    bold = workbook.add_format({"bold": True, "font_size": 13, "font_name": "Noto Sans CJK SC"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "font_name": "Noto Sans CJK SC"})
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "Noto Sans CJK SC"})
    sheet.set_column(0, 0, 90)
    sheet.write(0, 0, rows_general[0][1], bold)
    for i, (_english, chinese) in enumerate(rows_general[1:], start=1):
        sheet.write(i, 0, chinese, wrap)
    if with_columns:
        start = len(rows_general) + 1
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 2, 60)
        sheet.write_row(start, 0, ("工作表 — 列", "必填", "填写内容"), head)
        for i, (table, column, required, _english, chinese) in enumerate(_COLUMNS, start=start + 1):
            sheet.write(i, 0, f"{table} — {_COLUMN_ZH.get(column, column)}", wrap)
            sheet.write(i, 1, {"yes": "是", "no": "否"}[required], wrap)
            sheet.write(i, 2, chinese, wrap)


#: The one column entry of :data:`_COLUMNS` that is a description, not a column name.
_COLUMN_ZH = {"any other column": "其他任意列"}


def _language(lang: str | None) -> str:
    from lusp.i18n import check_language, current_language

    return current_language() if lang is None else check_language(lang)


def _instructions(workbook, rows_general, with_columns: bool, lang: str = "en") -> None:
    if lang == "zh":
        _chinese(workbook, rows_general, with_columns)
        return
    sheet = workbook.add_worksheet("instructions")
    bold = workbook.add_format({"bold": True, "font_size": 13})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet.set_column(0, 0, 70)
    sheet.set_column(1, 1, 60)
    sheet.write_row(0, 0, rows_general[0], bold)
    for i, (english, chinese) in enumerate(rows_general[1:], start=1):
        sheet.write(i, 0, english, wrap)
        sheet.write(i, 1, chinese, wrap)
    if with_columns:
        start = len(rows_general) + 1
        sheet.set_column(2, 4, 28)
        sheet.write_row(start, 0, ("sheet / 工作表 — column / 列", "required / 必填", "what to write", "填写内容"), head)
        for i, (table, column, required, english, chinese) in enumerate(_COLUMNS, start=start + 1):
            sheet.write(i, 0, f"{table} — {column}", wrap)
            sheet.write(i, 1, {"yes": "yes / 是", "no": "no / 否"}[required], wrap)
            sheet.write(i, 2, english, wrap)
            sheet.write(i, 3, chinese, wrap)


def _write_rows(workbook, name, header, rows) -> None:
    sheet = workbook.add_worksheet(name)
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet.write_row(0, 0, header, head)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value != "":
                sheet.write(i, j, value)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(header) - 1, 16)


def template_bytes(lang: str | None = None) -> bytes:
    """The workbook template (every sheet, headers, one example row, instructions) as .xlsx
    bytes; ``lang`` (default: the language in force) "zh" gives the Chinese instructions."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    _instructions(workbook, _GENERAL, with_columns=True, lang=_language(lang))
    for name, (header, example) in TEMPLATE_SHEETS.items():
        _write_rows(workbook, name, header, [example])
    workbook.close()
    return buffer.getvalue()


def visits_template_bytes(lang: str | None = None) -> bytes:
    """The single visits-sheet template (plus its instructions) as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    _write_rows(workbook, "visits", VISITS_HEADER, VISITS_EXAMPLE)
    _instructions(workbook, _VISITS_NOTES, with_columns=False, lang=_language(lang))
    workbook.close()
    return buffer.getvalue()


def visits_template_csv() -> bytes:
    """The visits template as UTF-8 CSV (with BOM so Excel shows it correctly)."""
    import pandas as pd

    from lusp.export.tables import write_csv  # the one CSV writer (formula cells neutralised)

    frame = pd.DataFrame([list(row) for row in VISITS_EXAMPLE], columns=list(VISITS_HEADER), dtype=object)
    return ("\ufeff" + write_csv(frame, lineterminator="\n")).encode("utf-8")


def write_template(path: str | os.PathLike, lang: str | None = None) -> None:
    """Write the workbook template to ``path``."""
    with open(path, "wb") as handle:
        handle.write(template_bytes(lang))


def write_visits_template(path: str | os.PathLike, lang: str | None = None) -> None:
    """Write the visits template to ``path`` (.xlsx, or .csv when the name ends so)."""
    data = visits_template_csv() if str(path).lower().endswith(".csv") else visits_template_bytes(lang)
    with open(path, "wb") as handle:
        handle.write(data)
