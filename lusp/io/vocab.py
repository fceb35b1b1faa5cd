"""Every vocabulary the loader knows, as data, in one place (SPEC §2a).

Hb test names and codes, Hb units and their factors to g/L, red-cell products and the
quantity units of a blood bank, luspatercept's names, dose units, the time columns of real
exports, identifier names, and the SDTM / ADaM variables. Readers and shape modules read
these tables; nothing here knows a clinical rule (the criteria import :func:`is_rbc` from
here, never the other way round).

Every name is compared after :func:`normalise` (case-folded, NFKC, spaces and punctuation
removed; CJK kept), so ``"Hb (g/dL)"`` and ``"hb_g_dl"`` are the same word ``hbgdl``.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(name: object) -> str:
    """Case-folded name with spaces and punctuation removed (CJK characters kept)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", str(name)).casefold())


def words(name: object) -> list[str]:
    """The words of a name, case-folded (``"Father's name"`` → ``["father", "s", "name"]``)."""
    return [w for w in _NOT_WORD.split(unicodedata.normalize("NFKC", str(name)).casefold()) if w]


def _norm_set(*names: str) -> frozenset[str]:
    return frozenset(normalise(n) for n in names)


# ----------------------------------------------------------------------------- Hb tests

#: Test names and codes that are haemoglobin (LIS names, SDTM LBTESTCD / ADaM PARAMCD, LOINC).
HB_TESTS: frozenset[str] = _norm_set(
    "HGB", "Hb", "hemoglobin", "haemoglobin", "Hemoglobin (HGB)", "hgb (hemoglobin)", "血红蛋白", "血红蛋白(HGB)",
    "血红蛋白(Hb)", "血红蛋白浓度", "Hämoglobin", "hémoglobine", "emoglobina", "hemoglobina", "718-7", "LOINC 718-7",
    "Hemoglobin [Mass/volume] in Blood", "Haemoglobin concentration", "hb concentration", "hgb blood",
)
#: Tests that contain Hb's letters but are not Hb (never fed to the Hb table).
NOT_HB_TESTS: frozenset[str] = _norm_set(
    "HCT", "hematocrit", "haematocrit", "MCH", "MCHC", "MCV", "HbA1c", "hemoglobin a1c", "hemoglobin a1c/hemoglobin",
    "HBA1CHGB", "糖化血红蛋白", "红细胞压积", "平均红细胞血红蛋白含量", "平均红细胞血红蛋白浓度", "HBF", "HbA2",
)


def is_hb_test(name: object, extra: frozenset[str] = frozenset()) -> bool:
    """True when a lab test name or code is haemoglobin (``extra``: the user's own names)."""
    norm = normalise(name)
    if not norm or norm in NOT_HB_TESTS:
        return False
    return norm in HB_TESTS or norm in extra


# ----------------------------------------------------------------------------- Hb units

#: Hb unit → factor to g/L. mmol/L is the Hb monomer (16.114 g/mmol, SI conversion).
HB_MMOL_TO_G = 16.114
HB_UNIT_FACTORS: dict[str, float] = {"g/L": 1.0, "g/dL": 10.0, "mmol/L": HB_MMOL_TO_G}
_HB_UNIT_NAMES: dict[str, str] = {
    **{normalise(n): "g/L" for n in ("g/L", "gl", "g/l", "gm/L", "克/升", "g/1000mL")},
    **{normalise(n): "g/dL" for n in ("g/dL", "gdl", "gm/dL", "g/100mL", "g%", "g per dl", "克/分升")},
    **{normalise(n): "mmol/L" for n in ("mmol/L", "mmoll", "mmol/l", "mM", "毫摩尔/升")},
}
#: Undeclared Hb values all below this fit g/dL and mmol/L alike (never g/L): the load asks.
HB_AMBIGUOUS_BELOW = 25.0


def hb_unit_of(text: object) -> str | None:
    """The canonical Hb unit a unit cell names (``"g/dl"`` → ``"g/dL"``), or ``None``."""
    return _HB_UNIT_NAMES.get(normalise(text))


def hb_units_of(units: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per row: the canonical unit (``<NA>`` when blank or unknown) and a mask of unknown units.

    Distinct spellings are looked up once (a lab export repeats a handful of units)."""
    text = units.astype("string").str.strip()
    codes, uniques = pd.factorize(text)
    known = np.array([hb_unit_of(u) or "" for u in uniques], dtype=object)
    canon = np.where(codes >= 0, known[codes] if len(uniques) else "", "")
    out = pd.Series(canon, index=units.index, dtype="string").replace("", pd.NA)
    unknown = text.notna() & (text != "") & out.isna()
    return out, unknown.fillna(False).astype(bool)


# ----------------------------------------------------------------------------- flags in results

#: A LIS result: a number followed (or preceded) by a flag — ``72↓``, ``72 L``, ``165 H``, ``9.1*``.
_RESULT_WITH_FLAG = re.compile(
    r"^\s*[<>≤≥]?\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:[↑↓*!]+|\(?[HLhl]{1,2}\)?|[HL]\*|偏高|偏低|高|低)?\s*$")


def strip_result_flags(values: pd.Series) -> pd.Series:
    """Result cells with their LIS flags removed (numbers untouched; ``<5`` is not a number)."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = values.astype("string").str.strip()
    number = text.str.extract(_RESULT_WITH_FLAG, expand=False)
    flagged = number.notna() & (number != text) & ~text.str.match(r"^\s*[<>≤≥]")
    return text.where(~flagged, number.str.replace(",", ".", regex=False)).astype(object).where(text.notna(), None)


# ----------------------------------------------------------------------------- blood products

#: Red-cell products (normalised). ``product`` empty means RBC (SPEC §2).
RBC_PRODUCTS: frozenset[str] = _norm_set(
    "RBC", "RBCs", "PRBC", "pRBC", "RCC", "red cells", "red blood cells", "packed red cells", "packed red blood cells",
    "packed cells", "red cell concentrate", "erythrocytes", "erythrocyte concentrate", "leukoreduced RBC",
    "leukocyte reduced red blood cells", "leukoreduced red cells", "irradiated RBC", "washed RBC", "washed red cells",
    "Red blood cells, leukoreduced", "Erythrozytenkonzentrat", "EK", "concentré de globules rouges", "CGR",
    "红细胞", "悬浮红细胞", "去白细胞悬浮红细胞", "去白红细胞", "洗涤红细胞", "浓缩红细胞", "辐照红细胞",
    "少白细胞红细胞", "冰冻解冻去甘油红细胞", "红细胞悬液",
)
#: Fragments naming red cells inside longer treatment names (SDTM PR / CM / EC --TRT).
RBC_FRAGMENTS = ("redcell", "redbloodcell", "erythrocyte", "红细胞", "prbc", "packedcells")
#: Products that mention red cells but are not red-cell transfusions.
NOT_RBC_FRAGMENTS = ("platelet", "plasma", "cryo", "血小板", "血浆", "冷沉淀", "wholeblood", "全血", "granulocyte")


def is_rbc_name(name: object) -> bool:
    """True when one product / treatment name is a red-cell product."""
    norm = normalise(name)
    if not norm:
        return True
    if any(f in norm for f in NOT_RBC_FRAGMENTS):
        return False
    return norm in RBC_PRODUCTS or any(f in norm for f in RBC_FRAGMENTS) or "rbc" in words(name)


def is_rbc(product: pd.Series) -> np.ndarray:
    """Per row: True where a transfusion is a red-cell product (empty ``product`` = RBC).

    Each distinct spelling is looked up once, so a registry of millions of rows costs one
    factorisation."""
    codes, uniques = pd.factorize(product.astype("string"))
    if not len(uniques):
        return np.ones(len(product), dtype=bool)
    known = np.array([is_rbc_name(u) for u in uniques], dtype=bool)
    return np.where(codes < 0, True, known[np.maximum(codes, 0)])


#: Quantity units of a blood-bank log that mean "units" (bags).
UNIT_QUANTITIES: frozenset[str] = _norm_set("U", "unit", "units", "u.", "bag", "bags", "袋", "单位", "个单位", "IU",
                                            "Einheit", "Einheiten", "unité", "unités", "unità")
#: Quantity units that are a volume (red cells in mL need a declared mL per unit).
ML_QUANTITIES: frozenset[str] = _norm_set("mL", "ml", "cc", "毫升", "cm3")


# ----------------------------------------------------------------------------- drugs and doses

#: Luspatercept's names (any case, within longer names such as "注射用罗特西普 25mg").
LUSPATERCEPT_NAMES: tuple[str, ...] = ("luspatercept", "luspaterceptaamt", "reblozyl", "ace536", "罗特西普",
                                       "注射用罗特西普")
PLACEBO_NAMES: tuple[str, ...] = ("placebo", "安慰剂", "pbo", "dummy")


def is_study_drug(name: object, extra: tuple[str, ...] = ()) -> bool:
    """True when a drug name is luspatercept (or one of the user's ``extra`` names)."""
    norm = normalise(name)
    return bool(norm) and (any(n in norm for n in LUSPATERCEPT_NAMES) or any(normalise(e) == norm for e in extra if e))


def is_placebo(name: object) -> bool:
    norm = normalise(name)
    return any(n in norm for n in PLACEBO_NAMES)


#: Dose units: mg/kg as given; mg divided by the weight.
DOSE_UNITS: dict[str, str] = {
    **{normalise(n): "mg/kg" for n in ("mg/kg", "mgkg", "mg per kg", "毫克/千克", "毫克/公斤")},
    **{normalise(n): "mg" for n in ("mg", "毫克", "milligram", "milligrams")},
}


def dose_unit_of(text: object) -> str | None:
    return DOSE_UNITS.get(normalise(text))


# ----------------------------------------------------------------------------- column roles of real exports

#: Column names by role for long lab tables, blood-bank logs and medication records (in
#: order of preference). The template's own names are in :mod:`lusp.io.synonyms`.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient_id", "patient id", "研究编号", "受试者编号", "患者编号", "患者id", "病例编号", "subject", "subject id",
                   "subject_id", "usubjid", "study id", "study_id", "patient", "pid", "id", "编号"),
    "test": ("test", "test name", "test_name", "testname", "lab test", "analyte", "parameter", "检验项目", "检测项目",
             "项目", "项目名称", "检验项目名称", "lbtest", "lbtestcd", "test code", "paramcd", "param", "loinc",
             "examination", "Untersuchung", "Parameter"),
    "value": ("result", "value", "result value", "numeric result", "结果", "检验结果", "检测结果", "结果值", "数值",
              "lbstresn", "lborres", "aval", "Ergebnis", "Wert", "résultat"),
    "unit": ("unit", "units", "result unit", "单位", "结果单位", "lbstresu", "lborresu", "avalu", "Einheit", "unité"),
    "product": ("product", "blood product", "component", "blood component", "product name", "product type",
                "血液成分", "血液品种", "血制品", "成分", "输血成分", "血液名称", "Blutprodukt"),
    "quantity": ("quantity", "qty", "amount", "volume", "number of units", "数量", "输血量", "用量", "Menge", "quantité"),
    "drug": ("medication", "drug", "drug name", "medicine", "treatment", "药品名称", "药物名称", "药品", "药物", "药名",
             "通用名", "extrt", "cmtrt", "ectrt", "Medikament", "Arzneimittel", "médicament"),
    "dose": ("dose", "dose amount", "剂量", "单次剂量", "给药剂量", "用量", "exdose", "ecdose", "Dosis"),
    "dose_unit": ("dose unit", "dose units", "dose_unit", "剂量单位", "单位", "unit", "units", "exdosu", "ecdosu",
                  "Einheit"),
    "route": ("route", "给药途径", "途径", "exroute"),
    "weight_kg": ("weight_kg", "weight", "weight (kg)", "body weight", "体重", "体重(kg)", "体重kg"),
}
#: Time columns named after their event (SPEC §2a), collection before report.
TIME_NAMES: tuple[str, ...] = (
    "date", "datetime", "collected", "collection date", "collection time", "sample date", "sample time",
    "specimen date", "result time", "issued", "issue date", "transfused", "transfusion date", "transfusion time",
    "administered", "administration date", "administration time", "dose date", "given", "start date",
    "采样时间", "采集时间", "标本采集时间", "检验日期", "检测日期", "报告时间", "报告日期", "输血时间", "输血日期", "发血时间",
    "给药时间", "给药日期", "用药时间", "用药日期", "执行时间", "日期", "时间",
)


def role_index(role: str) -> dict[str, int]:
    """Normalised name → rank (lower is preferred) for one role."""
    return {normalise(n): i for i, n in enumerate(ROLE_NAMES[role])}


# ----------------------------------------------------------------------------- identifiers

#: Whole names (normalised) that are direct identifiers (HIPAA-style: names, contact
#: details, national / insurance / record numbers, birth dates, relatives).
IDENTIFIER_NAMES: frozenset[str] = _norm_set(
    "name", "names", "patient name", "patientname", "full name", "name (full)", "first name", "last name", "surname",
    "given name", "family name", "forename", "middle name", "maiden name", "initials", "pt initials", "alias",
    "nachname", "vorname", "nom", "prénom", "prenom", "nom de famille", "cognome", "nome", "nombre", "apellido",
    "apellidos", "naam", "achternaam", "voornaam", "nazwisko", "imię",
    "phone", "telephone", "tel", "tel.", "mobile", "cell", "cell phone", "phone number", "contact", "contact number",
    "fax", "pager", "handy", "telefon", "telefono", "téléphone", "portable", "cellulare",
    "address", "addr", "street", "street address", "postcode", "post code", "zip", "zip code", "postal code", "plz",
    "adresse", "anschrift", "straße", "strasse", "indirizzo", "dirección", "domicile", "wohnort",
    "email", "e-mail", "email address", "e-mail-adresse", "courriel",
    "national id", "nationalid", "id card", "id number", "id no", "idcard", "ssn", "social security",
    "social security number", "social security no", "sozialversicherungsnummer", "numéro de sécurité sociale",
    "codice fiscale", "bsn", "personnummer", "pesel", "nir", "nhs", "nhs no", "nhs number", "chi number", "medicare number",
    "insurance", "insurance number", "insurance no", "insurance id", "policy number", "member id",
    "versichertennummer", "krankenversicherungsnummer", "passport", "passport number", "driver's license",
    "mrn", "medical record", "medical record number", "medical record no", "medical record #", "med rec no",
    "med rec #", "record number", "record no", "hospital number", "hospital id", "hospital no", "chart", "chart #",
    "chart number", "chart no", "case number", "patientennummer", "fallnummer", "dossier", "numéro de dossier",
    "dob", "date of birth", "birth date", "birthdate", "birthday", "geburtsdatum", "geburtstag",
    "date de naissance", "data di nascita", "fecha de nacimiento", "birth place", "place of birth",
    "next of kin", "kin", "father", "mother", "father's name", "mother's name", "parent", "parent's name", "guardian",
    "spouse", "emergency contact", "relative", "家属", "家属姓名", "联系人", "紧急联系人", "父亲姓名", "母亲姓名", "监护人",
    "姓名", "名字", "患者姓名", "病人姓名", "电话", "手机", "联系电话", "手机号", "手机号码", "联系方式", "地址", "住址",
    "家庭住址", "现住址", "户籍地址", "身份证", "身份证号", "身份证号码", "证件号", "证件号码", "病历号", "住院号", "门诊号",
    "病案号", "就诊卡号", "医保号", "医保卡号", "社保号", "社保卡号", "出生日期", "生日", "邮箱", "电子邮箱", "工作单位",
)
#: Unmistakable fragments (normalised) inside longer names.
IDENTIFIER_FRAGMENTS: tuple[str, ...] = (
    "phone", "address", "email", "passport", "socialsecurity", "medicalrecord", "medrec", "telefon", "telephon",
    "téléphon", "geburt", "birth", "naissance", "nascita", "nacimiento", "insurance", "versicher", "nhsnumber",
    "身份证", "电话", "手机", "地址", "住址", "姓名", "病历号", "住院号", "门诊号", "病案号", "医保", "社保", "家属", "联系人",
    "出生", "证件", "卡号",
)
#: Words that make a name an identifier wherever they stand (``"Chart #"``, ``"NHS No"``).
IDENTIFIER_WORDS: frozenset[str] = frozenset((
    "name", "surname", "forename", "chart", "mrn", "nhs", "ssn", "kin", "father", "mother", "parent", "parents",
    "guardian", "spouse", "mobile", "tel", "fax", "zip", "dob", "initials", "nachname", "vorname", "prénom",
    "cognome", "apellido", "handy", "plz",
))
#: Words that make "name" something else: a test, drug, product, site or file name.
_NAME_OF_A_THING = frozenset((
    "test", "drug", "medication", "medicine", "product", "component", "lab", "analyte", "parameter", "item", "site",
    "study", "event", "ae", "file", "sheet", "arm", "treatment", "trt", "regimen", "centre", "center", "hospital",
    "unit", "protocol", "visit", "specimen", "sample", "param", "brand", "generic", "trade", "disease", "diagnosis",
))
#: Normalised names that mean "medical record number": an identifier, never a study id.
MRN_NAMES: frozenset[str] = _norm_set(
    "mrn", "medical record number", "medical record no", "medical record #", "medical record", "med rec no",
    "record number", "hospital number", "hospital id", "hospital no", "chart number", "chart #", "chart no", "chart",
    "病历号", "住院号", "门诊号", "病案号", "就诊卡号",
)


def is_identifier_name(column: object) -> bool:
    """True when a column name looks like a direct identifier (dropped on load)."""
    norm = normalise(column)
    if not norm:
        return False
    if norm in IDENTIFIER_NAMES or any(f in norm for f in IDENTIFIER_FRAGMENTS):
        return True
    ws = set(words(column))
    hits = ws & IDENTIFIER_WORDS
    if not hits:
        return False
    if hits == {"name"} and ws & _NAME_OF_A_THING:
        return False  # "Test Name", "Drug name", "Product name"
    return True


# ----------------------------------------------------------------------------- clinical covariates

#: Fragments (normalised) that make an extra patients column clearly a clinical covariate;
#: any other extra column is shown for confirmation on the Data page before it is kept.
CLINICAL_FRAGMENTS: tuple[str, ...] = (
    "ipss", "karyotype", "cytogen", "ferritin", "epo", "mutat", "mut", "sf3b1", "tet2", "asxl1", "dnmt3a", "runx1",
    "tp53", "srsf2", "u2af1", "ezh2", "jak2", "calr", "mpl", "score", "risk", "grade", "stage", "status", "ring",
    "blast", "platelet", "plt", "anc", "neutro", "wbc", "ldh", "transfus", "prior", "chemo", "esa", "therapy",
    "treat", "arm", "cohort", "site", "centre", "center", "who", "icc", "subtype", "subgroup", "bmi", "height",
    "ecog", "kps", "egfr", "creatin", "hgb", "hb", "rbc", "iron", "tsat", "hepcidin", "spleen", "race", "ethnic",
    "country", "region", "smok", "comorb", "duration", "diagnos", "age", "sex", "gender", "dose", "response",
    "铁蛋白", "评分", "危险", "分型", "突变", "染色体", "核型", "分期", "分组", "组别", "治疗", "输血", "化疗", "既往", "病程",
    "原始细胞", "血小板", "中性粒", "脾", "红细胞", "促红", "体能",
)


def is_clinical_covariate(name: object) -> bool:
    norm = normalise(name)
    return bool(norm) and any(f in norm for f in CLINICAL_FRAGMENTS)


# ----------------------------------------------------------------------------- CDISC SDTM / ADaM

#: SDTM domains read (the rest are reported as not used).
SDTM_DOMAINS: frozenset[str] = frozenset(("dm", "mh", "vs", "lb", "ex", "ec", "pr", "cm", "ae"))
#: ADaM datasets read (ADLB and its variants ADLBH, ADLBC …).
ADAM_DATASETS: tuple[str, ...] = ("adsl", "adlb", "adex", "adae")
#: Variables that are identifiers or codes in SDTM/ADaM and are never kept as covariates.
CDISC_NOT_COVARIATES: frozenset[str] = frozenset((
    "STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "INVID", "INVNAM", "BRTHDTC", "RFICDTC", "RFPENDTC",
    "DMDTC", "DMDY", "AGEU", "ARMCD", "ACTARMCD", "RFSTDTC", "RFENDTC", "RFXENDTC", "RFXSTDTC", "DTHDTC",
))
#: The DM / ADSL variables kept as patient covariates (ARM and friends, for subgroups).
CDISC_COVARIATES: tuple[str, ...] = ("ARM", "ACTARM", "RACE", "ETHNIC", "COUNTRY", "TRT01P", "TRT01A", "AGEGR1")
#: MHCAT meaning "the disease under study".
PRIMARY_DIAGNOSIS = "PRIMARY DIAGNOSIS"
