"""Names: which table a sheet or file is, which canonical field a column is, and which
columns are direct identifiers.

Matching ignores case, spaces and punctuation (``"Hb (g/dL)"`` → ``"hbgdl"``) and knows
the English and Chinese synonyms clinicians actually type (SPEC §2). Each synonym list is
written once here; readers, the hand-mapping page and the template all read it.
"""
from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: object) -> str:
    """Case-folded name with spaces and punctuation removed (CJK characters kept).

    >>> normalise_name(" Hb (g/dL) ")
    'hbgdl'
    >>> normalise_name("Patient-ID")
    'patientid'
    """
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return _NOT_WORD.sub("", text)


#: The "visits" pseudo-table: one row per patient and date (SPEC §2), split by the loader.
VISITS = "visits"

#: Sheet / file-stem synonyms of each table.
TABLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "patients": ("patients", "patient", "pts", "subjects", "baseline", "demographics", "患者", "病人", "患者信息", "基线"),
    "hb": ("hb", "hgb", "hemoglobin", "haemoglobin", "hbvalues", "血红蛋白", "血红蛋白记录"),
    "transfusions": ("transfusions", "transfusion", "rbc", "rbctransfusions", "输血", "输血记录"),
    "doses": ("doses", "dose", "dosing", "administrations", "luspatercept", "给药", "给药记录", "用药", "剂量"),
    "events": ("events", "event", "adverseevents", "ae", "aes", "safety", "不良事件", "事件"),
    "labs": ("labs", "lab", "laboratory", "labvalues", "实验室", "化验", "检验"),
    VISITS: ("visits", "visit", "data", "cohort", "随访", "就诊", "随访记录", "就诊记录"),
}

#: Sheets that are documentation, not data (the template's instructions): ignored quietly.
IGNORED_SHEETS: frozenset[str] = frozenset(
    normalise_name(n) for n in ("instructions", "readme", "read me", "notes", "about", "metadata", "说明", "填写说明",
                                "使用说明", "关于")
)

_PATIENT_ID = ("patient_id", "patient", "patient no", "patient number", "id", "subject", "subject_id",
               "pid", "study_id", "study id", "case", "case_id", "case no", "pt", "pt_id",
               "患者id", "患者编号", "编号", "受试者编号", "研究编号", "病例编号", "序号", "usubjid")
_DAY = ("day", "days", "study_day", "study day", "day_of_study", "d", "天", "天数", "研究日", "第几天")
_DATE = ("date", "visit_date", "visit date", "日期", "就诊日期", "随访日期")

#: Column synonyms per table: canonical field → accepted names (normalised when used).
COLUMN_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "patients": {
        "patient_id": _PATIENT_ID,
        "diagnosis": ("diagnosis", "dx", "disease", "diagnoses", "primary diagnosis", "main diagnosis", "诊断", "疾病",
                      "疾病诊断", "主要诊断", "临床诊断"),
        "age": ("age", "age_years", "age (years)", "年龄"),
        "sex": ("sex", "gender", "性别"),
        "weight_kg": ("weight_kg", "weight", "weight (kg)", "body weight", "体重", "体重kg"),
        "first_dose_date": ("first_dose_date", "first dose", "first dose date", "date of first dose",
                            "start date", "treatment start", "首次给药日期", "首次用药日期", "开始日期"),
        "last_followup_day": ("last_followup_day", "last follow-up day", "followup day", "follow-up (days)",
                              "followup_days", "随访天数", "末次随访天"),
        "last_followup_date": ("last_followup_date", "last follow-up", "last follow-up date", "last followup",
                               "date of last follow-up", "末次随访日期", "最后随访日期"),
        "disease_status": ("disease_status", "status", "disease status", "疾病状态"),
        "concurrent_chemo": ("concurrent_chemo", "chemo", "concurrent chemotherapy", "chemotherapy", "同期化疗", "化疗"),
        "prior_esa": ("prior_esa", "esa", "prior esa", "epo before", "既往esa", "既往促红素"),
        "baseline_epo_u_l": ("baseline_epo_u_l", "epo", "baseline epo", "serum epo", "epo (u/l)", "基线epo", "促红素水平"),
        "ring_sideroblasts_pct": ("ring_sideroblasts_pct", "ring sideroblasts", "rs", "rs%", "rs pct",
                                  "ring sideroblasts (%)", "环形铁粒幼细胞", "环铁"),
        "sf3b1_mutated": ("sf3b1_mutated", "sf3b1", "sf3b1 mutation", "sf3b1突变"),
    },
    "hb": {
        "patient_id": _PATIENT_ID,
        "day": _DAY,
        "date": _DATE + ("hb date", "sample date", "检测日期"),
        # the header declares the unit (SPEC §2a) …
        "hb_g_l": ("hb_g_l", "hb g/l", "hb (g/l)", "hgb (g/l)", "hgb g/l", "hemoglobin (g/l)", "haemoglobin (g/l)",
                   "hemoglobin g/l", "血红蛋白g/l", "血红蛋白(g/l)"),
        "hb_g_dl": ("hb_g_dl", "hb g/dl", "hb (g/dl)", "hgb g/dl", "hgb (g/dl)", "hemoglobin (g/dl)",
                    "haemoglobin (g/dl)", "hemoglobin g/dl", "血红蛋白g/dl", "血红蛋白(g/dl)"),
        "hb_mmol_l": ("hb_mmol_l", "hb mmol/l", "hb (mmol/l)", "hgb (mmol/l)", "hgb mmol/l", "hemoglobin (mmol/l)",
                      "haemoglobin (mmol/l)", "hemoglobin mmol/l", "血红蛋白mmol/l", "血红蛋白(mmol/l)"),
        # … or it does not: a unit column, the user's choice, or values ≥ 25 (only g/L) decide
        "hb_value": ("hb_value", "hb", "hgb", "hemoglobin", "haemoglobin", "血红蛋白", "hb result", "hb level"),
        "hb_unit": ("hb_unit", "unit", "units", "hb unit", "单位", "血红蛋白单位"),
    },
    "transfusions": {
        "patient_id": _PATIENT_ID,
        "day": _DAY,
        "date": _DATE + ("transfusion date", "输血日期"),
        "units": ("units", "unit", "rbc units", "rbc_units", "units rbc", "rbc", "prbc", "u", "n units",
                  "红细胞", "红细胞单位", "输血量", "单位", "输注单位"),
        "product": ("product", "blood product", "component", "type", "血制品", "成分", "输血成分"),
    },
    "doses": {
        "patient_id": _PATIENT_ID,
        "day": _DAY,
        "date": _DATE + ("dose date", "administration date", "给药日期", "用药日期"),
        "dose_mg_kg": ("dose_mg_kg", "dose", "dose (mg/kg)", "mg/kg", "dose mg/kg", "luspatercept dose",
                       "剂量", "剂量(mg/kg)", "剂量mg/kg", "给药剂量"),
        "dose_mg": ("dose_mg", "dose (mg)", "total dose", "dose mg", "剂量(mg)", "总剂量"),
        "weight_kg": ("weight_kg", "weight at dose", "weight (kg) at dose"),
    },
    "events": {
        "patient_id": _PATIENT_ID,
        "day": _DAY,
        "date": _DATE + ("event date", "onset date", "onset", "发生日期"),
        "category": ("category", "event type", "type", "kind", "类别", "事件类型"),
        "term": ("term", "event", "description", "ae term", "adverse event", "名称", "事件名称", "不良事件"),
        "grade": ("grade", "ctcae grade", "ctcae", "分级", "等级"),
        "related": ("related", "relatedness", "attribution", "drug related", "相关性", "是否相关"),
    },
    "labs": {
        "patient_id": _PATIENT_ID,
        "day": _DAY,
        "date": _DATE + ("lab date", "sample date", "检测日期"),
        "test": ("test", "lab", "analyte", "parameter", "test name", "项目", "检验项目", "检测项目"),
        "value": ("value", "result", "结果", "数值", "检测值"),
        "unit": ("unit", "units", "单位"),
    },
}

#: The visits sheet: patient id, time, the three value columns, and every patient field.
COLUMN_SYNONYMS[VISITS] = {
    "patient_id": _PATIENT_ID,
    "day": _DAY,
    "date": _DATE,
    "hb_g_l": COLUMN_SYNONYMS["hb"]["hb_g_l"],
    "hb_g_dl": COLUMN_SYNONYMS["hb"]["hb_g_dl"],
    "hb_mmol_l": COLUMN_SYNONYMS["hb"]["hb_mmol_l"],
    "hb_value": COLUMN_SYNONYMS["hb"]["hb_value"],
    "hb_unit": ("hb_unit", "hb unit", "血红蛋白单位"),
    "rbc_units": ("rbc_units", "rbc", "rbc units", "units rbc", "transfusion", "transfusion units",
                  "transfused units", "prbc", "红细胞", "输血", "输血量", "红细胞输注", "输血单位"),
    "dose_mg_kg": COLUMN_SYNONYMS["doses"]["dose_mg_kg"],
    "dose_mg": COLUMN_SYNONYMS["doses"]["dose_mg"],
    **{k: v for k, v in COLUMN_SYNONYMS["patients"].items() if k != "patient_id"},
}

#: The Hb value fields: unit declared by the header (g/L, g/dL, mmol/L) or not (``hb_value``).
HB_FIELDS: tuple[str, ...] = ("hb_g_l", "hb_g_dl", "hb_mmol_l", "hb_value")

#: Required fields per table; each entry is a tuple of alternatives (any one suffices).
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "patients": (("patient_id",), ("diagnosis",)),
    "hb": (("patient_id",), ("day", "date"), HB_FIELDS),
    "transfusions": (("patient_id",), ("day", "date"), ("units",)),
    "doses": (("patient_id",), ("day", "date"), ("dose_mg_kg", "dose_mg")),
    "events": (("patient_id",), ("day", "date"), ("category",), ("term",)),
    "labs": (("patient_id",), ("day", "date"), ("test",), ("value",)),
    VISITS: (("patient_id",), ("day", "date"), ("diagnosis",), (*HB_FIELDS, "rbc_units", "dose_mg_kg", "dose_mg")),
}

# Direct identifiers live in :mod:`lusp.io.vocab` with every other vocabulary.
from lusp.io.vocab import IDENTIFIER_NAMES, MRN_NAMES, is_identifier_name  # noqa: E402


def is_identifier(column: object) -> bool:
    """True when a column name looks like a direct identifier (dropped on load)."""
    return is_identifier_name(column)


def _index(synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, names in synonyms.items():
        for name in (canonical, *names):
            index.setdefault(normalise_name(name), canonical)
    return index


_COLUMN_INDEX: dict[str, dict[str, str]] = {t: _index(s) for t, s in COLUMN_SYNONYMS.items()}
_TABLE_INDEX: dict[str, str] = _index(TABLE_SYNONYMS)


def canonical_fields(table: str) -> tuple[str, ...]:
    """Every canonical field a column of ``table`` can be mapped to."""
    return tuple(COLUMN_SYNONYMS[table])


def match_column(table: str, column: object) -> str | None:
    """The canonical field of ``table`` that ``column`` names, or ``None``."""
    return _COLUMN_INDEX[table].get(normalise_name(column))


def match_table(name: object) -> str | None:
    """The table (or ``"visits"``) a sheet name or file stem names, or ``None``.

    Exact synonyms first; then a file such as ``cohort_hb_2024.csv`` whose name contains a
    table synonym as a separate word.
    """
    norm = normalise_name(name)
    if norm in _TABLE_INDEX:
        return _TABLE_INDEX[norm]
    words = [normalise_name(w) for w in re.split(r"[\W_]+", unicodedata.normalize("NFKC", str(name)).casefold())]
    found = {_TABLE_INDEX[w] for w in words if w in _TABLE_INDEX}
    return found.pop() if len(found) == 1 else None
